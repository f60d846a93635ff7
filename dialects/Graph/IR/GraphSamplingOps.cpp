//===- GraphSamplingOps.cpp - GridSample and RoiAlign ---------------------===//
//
// Type inference, evaluation and cost of the ops in GraphSamplingOps.td.
// Inference reads the attributes through the same parsers and shape rules
// as the golden kernels, so a malformed op (an unknown mode, a grid of the
// wrong rank) is rejected when parsed, when imported and when evaluated
// with the same message.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/Kernels.h"
#include "tessera/Golden/SamplingKernels.h"

using namespace mlir;

namespace tessera::graph {

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

template <typename AdaptorT>
static llvm::Expected<golden::GridSampleOptions>
gridSampleOptions(AdaptorT adaptor) {
  golden::GridSampleOptions opts;
  auto mode = golden::parseGridSampleMode(adaptor.getMode());
  if (!mode)
    return golden::makeError("unknown grid_sample mode '" + adaptor.getMode() +
                             "' (expected bilinear, nearest or bicubic)");
  auto padding = golden::parseGridPadding(adaptor.getPaddingMode());
  if (!padding)
    return golden::makeError("unknown grid_sample padding_mode '" +
                             adaptor.getPaddingMode() +
                             "' (expected zeros, border or reflection)");
  opts.mode = *mode;
  opts.padding = *padding;
  opts.alignCorners = adaptor.getAlignCorners();
  return opts;
}

LogicalResult GridSampleOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  auto opts = gridSampleOptions(adaptor);
  if (!opts)
    return emitOptionalError(loc, llvm::toString(opts.takeError()));
  Type input = adaptor.getInput().getType();
  return pushShape(loc,
                   golden::gridSampleShape(
                       shapeOf(input), shapeOf(adaptor.getGrid().getType())),
                   elementOf(input), types);
}

LogicalResult GridSampleOp::evaluate(ArrayRef<Tensor> in,
                                     SmallVectorImpl<Tensor> &out) {
  auto opts = gridSampleOptions(*this);
  if (!opts)
    return emitOpError() << llvm::toString(opts.takeError());
  return wrapEval(*this, out, golden::gridSample(in[0], in[1], *opts));
}

// Per output element: unnormalize and pad the coordinates (~10), then one
// multiply-add per tap (bilinear 4, bicubic 16 plus its weights).
int64_t GridSampleOp::getFlops() {
  int64_t perElement = getMode() == "bicubic"    ? 60
                       : getMode() == "bilinear" ? 18
                                                 : 10;
  return perElement * numElements(getType());
}

//===----------------------------------------------------------------------===//
// RoiAlign
//===----------------------------------------------------------------------===//

template <typename AdaptorT>
static llvm::Expected<golden::RoiAlignOptions>
roiAlignOptions(AdaptorT adaptor) {
  golden::RoiAlignOptions opts;
  StringRef mode = adaptor.getMode();
  if (mode != "avg" && mode != "max")
    return golden::makeError("unknown roi_align mode '" + mode +
                             "' (expected avg or max)");
  opts.maxMode = mode == "max";
  opts.halfPixel = adaptor.getHalfPixel();
  opts.outputHeight = adaptor.getOutputHeight();
  opts.outputWidth = adaptor.getOutputWidth();
  opts.samplingRatio = adaptor.getSamplingRatio();
  opts.spatialScale = adaptor.getSpatialScale().convertToFloat();
  return opts;
}

LogicalResult RoiAlignOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  auto opts = roiAlignOptions(adaptor);
  if (!opts)
    return emitOptionalError(loc, llvm::toString(opts.takeError()));
  Type input = adaptor.getInput().getType();
  return pushShape(loc,
                   golden::roiAlignShape(
                       shapeOf(input), shapeOf(adaptor.getRois().getType()),
                       shapeOf(adaptor.getBatchIndices().getType()), *opts),
                   elementOf(input), types);
}

LogicalResult RoiAlignOp::evaluate(ArrayRef<Tensor> in,
                                   SmallVectorImpl<Tensor> &out) {
  auto opts = roiAlignOptions(*this);
  if (!opts)
    return emitOpError() << llvm::toString(opts.takeError());
  return wrapEval(*this, out, golden::roiAlign(in[0], in[1], in[2], *opts));
}

// Per output element and sample: coordinates (~8) and a 4-tap bilinear
// read (8). Adaptive sampling is estimated at 2x2 samples per bin.
int64_t RoiAlignOp::getFlops() {
  int64_t ratio = getSamplingRatio() > 0 ? getSamplingRatio() : 2;
  return 16 * ratio * ratio * numElements(getType());
}

} // namespace tessera::graph
