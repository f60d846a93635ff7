//===- GraphDataMovementOps.cpp - Data movement ops and Resize ------------===//
//
// Type inference, evaluation, cost, folders and verifiers of the ops in
// GraphDataOps.td beyond transpose/reshape/concat/slice/gather (whose code
// is in GraphTypeInference.cpp, GraphEvaluation.cpp and GraphOps.cpp).
// The shape rules come from the golden kernels' `<op>Shape` functions so
// inference and evaluation agree.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/DataKernels.h"
#include "tessera/Golden/Kernels.h"

#include <cmath>
#include <cstdio>
#include <string>

using namespace mlir;

namespace tessera::graph {

/// Shortest natural form of a double for messages ("1.5", not "1.50").
static std::string formatDouble(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

static LogicalResult check(std::optional<Location> loc, llvm::Error err) {
  if (err)
    return emitOptionalError(loc, llvm::toString(std::move(err)));
  return success();
}

//===----------------------------------------------------------------------===//
// Split
//===----------------------------------------------------------------------===//

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  auto shapes = golden::splitShapes(shapeOf(input), adaptor.getAxis(),
                                    adaptor.getSizes());
  if (!shapes)
    return emitOptionalError(loc, llvm::toString(shapes.takeError()));
  for (const Shape &s : *shapes)
    types.push_back(tensorOf(s, elementOf(input)));
  return success();
}

LogicalResult SplitOp::evaluate(ArrayRef<Tensor> in,
                                SmallVectorImpl<Tensor> &out) {
  auto pieces = golden::split(in[0], getAxis(), getSizes());
  if (!pieces)
    return emitOpError() << llvm::toString(pieces.takeError());
  for (Tensor &t : *pieces)
    out.push_back(std::move(t));
  return success();
}

// A split into one piece is the input itself.
LogicalResult SplitOp::fold(FoldAdaptor,
                            SmallVectorImpl<OpFoldResult> &results) {
  if (getNumResults() != 1 || getResult(0).getType() != getInput().getType())
    return failure();
  results.push_back(getInput());
  return success();
}

//===----------------------------------------------------------------------===//
// Expand, Tile, Pad
//===----------------------------------------------------------------------===//

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  Shape target(adaptor.getShape().begin(), adaptor.getShape().end());
  for (int64_t d : target)
    if (d < 0)
      return emitOptionalError(loc, "expand shape " + shapeToString(target) +
                                        " has a negative dimension");
  return pushShape(loc, golden::broadcastShapes(shapeOf(input), target),
                   elementOf(input), types);
}

LogicalResult ExpandOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(
      *this, out,
      golden::expand(in[0], Shape(getShape().begin(), getShape().end())));
}

// Expanding to the shape the input already has copies nothing.
OpFoldResult ExpandOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return pushShape(loc, golden::tileShape(shapeOf(input), adaptor.getRepeats()),
                   elementOf(input), types);
}

LogicalResult TileOp::evaluate(ArrayRef<Tensor> in,
                               SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::tile(in[0], getRepeats()));
}

// Repeating every dimension once is the identity.
OpFoldResult TileOp::fold(FoldAdaptor) {
  if (llvm::all_of(getRepeats(), [](int64_t r) { return r == 1; }))
    return getInput();
  return {};
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  auto mode = golden::parsePadMode(adaptor.getMode());
  if (!mode)
    return emitOptionalError(loc, "unknown pad mode '" + adaptor.getMode() +
                                      "' (expected constant, reflect, edge or wrap)");
  return pushShape(loc,
                   golden::padShape(shapeOf(input), adaptor.getPads(), *mode),
                   elementOf(input), types);
}

LogicalResult PadOp::verify() {
  // A fill value the element type cannot hold would change on the way in.
  if (getMode() == "constant" && !isa<FloatType>(getType().getElementType())) {
    double v = getValue().convertToDouble();
    if (v != std::trunc(v))
      return emitOpError() << "pad value " << formatDouble(v)
                           << " is not an integer but the tensor is "
                           << getType().getElementType();
  }
  return success();
}

LogicalResult PadOp::evaluate(ArrayRef<Tensor> in,
                              SmallVectorImpl<Tensor> &out) {
  auto mode = golden::parsePadMode(getMode());
  if (!mode)
    return emitOpError() << "unknown pad mode '" << getMode() << "'";
  return wrapEval(
      *this, out,
      golden::pad(in[0], getPads(), *mode, getValue().convertToDouble()));
}

// Padding by nothing is the identity (the mode does not matter).
OpFoldResult PadOp::fold(FoldAdaptor) {
  if (llvm::all_of(getPads(), [](int64_t p) { return p == 0; }))
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Trilu, GatherElements, ScatterElements, GatherND, ScatterND
//===----------------------------------------------------------------------===//

LogicalResult TriluOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  if (cast<ShapedType>(input).getRank() < 2)
    return emitOptionalError(loc, "trilu needs rank >= 2, got rank " +
                                      Twine(cast<ShapedType>(input).getRank()));
  types.push_back(input);
  return success();
}

LogicalResult TriluOp::evaluate(ArrayRef<Tensor> in,
                                SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::trilu(in[0], getK(), getUpper()));
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return pushShape(loc,
                   golden::gatherElementsShape(
                       shapeOf(input), shapeOf(adaptor.getIndices().getType()),
                       adaptor.getAxis()),
                   elementOf(input), types);
}

LogicalResult GatherElementsOp::evaluate(ArrayRef<Tensor> in,
                                         SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::gatherElements(in[0], in[1], getAxis()));
}

/// Checks the element types of a scatter's data and updates and its
/// reduction name.
static LogicalResult checkScatter(std::optional<Location> loc, Type data,
                                  Type updates, StringRef reduction) {
  if (elementOf(data) != elementOf(updates))
    return emitOptionalError(loc, "data and updates differ in element type");
  auto kind = golden::parseScatterReduction(reduction);
  if (!kind)
    return emitOptionalError(loc,
                             "unknown reduction '" + reduction +
                                 "' (expected none, add, mul, max or min)");
  if (*kind != golden::ScatterReduction::None && elementOf(data).isInteger(1))
    return emitOptionalError(loc, "reduction '" + reduction +
                                      "' is not defined on bool tensors");
  return success();
}

/// The work of a scatter: one operation per update when it reduces.
static int64_t scatterFlops(StringRef reduction, Type updates) {
  return reduction == "none" ? 0 : numElements(updates);
}

LogicalResult
ScatterElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &types) {
  Type data = adaptor.getData().getType(),
       updates = adaptor.getUpdates().getType();
  if (failed(checkScatter(loc, data, updates, adaptor.getReduction())))
    return failure();
  if (failed(
          check(loc, golden::checkScatterElementsShapes(
                         shapeOf(data), shapeOf(adaptor.getIndices().getType()),
                         shapeOf(updates), adaptor.getAxis()))))
    return failure();
  types.push_back(data);
  return success();
}

LogicalResult ScatterElementsOp::evaluate(ArrayRef<Tensor> in,
                                          SmallVectorImpl<Tensor> &out) {
  auto kind = golden::parseScatterReduction(getReduction());
  if (!kind)
    return emitOpError() << "unknown reduction '" << getReduction() << "'";
  return wrapEval(
      *this, out,
      golden::scatterElements(in[0], in[1], in[2], getAxis(), *kind));
}

int64_t ScatterElementsOp::getFlops() {
  return scatterFlops(getReduction(), getUpdates().getType());
}

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  Type data = adaptor.getData().getType();
  return pushShape(loc,
                   golden::gatherNDShape(
                       shapeOf(data), shapeOf(adaptor.getIndices().getType()),
                       adaptor.getBatchDims()),
                   elementOf(data), types);
}

LogicalResult GatherNDOp::evaluate(ArrayRef<Tensor> in,
                                   SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::gatherND(in[0], in[1], getBatchDims()));
}

LogicalResult ScatterNDOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  Type data = adaptor.getData().getType(),
       updates = adaptor.getUpdates().getType();
  if (failed(checkScatter(loc, data, updates, adaptor.getReduction())))
    return failure();
  if (failed(
          check(loc, golden::checkScatterNDShapes(
                         shapeOf(data), shapeOf(adaptor.getIndices().getType()),
                         shapeOf(updates)))))
    return failure();
  types.push_back(data);
  return success();
}

LogicalResult ScatterNDOp::evaluate(ArrayRef<Tensor> in,
                                    SmallVectorImpl<Tensor> &out) {
  auto kind = golden::parseScatterReduction(getReduction());
  if (!kind)
    return emitOpError() << "unknown reduction '" << getReduction() << "'";
  return wrapEval(*this, out, golden::scatterND(in[0], in[1], in[2], *kind));
}

int64_t ScatterNDOp::getFlops() {
  return scatterFlops(getReduction(), getUpdates().getType());
}

//===----------------------------------------------------------------------===//
// OneHot, DepthToSpace, SpaceToDepth, ReverseSequence, Compress
//===----------------------------------------------------------------------===//

LogicalResult OneHotOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  Type values = adaptor.getValues().getType();
  if (numElements(values) != 2)
    return emitOptionalError(loc, "one_hot values must hold [off, on], got " +
                                      Twine(numElements(values)) + " elements");
  return pushShape(loc,
                   golden::oneHotShape(shapeOf(adaptor.getIndices().getType()),
                                       adaptor.getDepth(), adaptor.getAxis()),
                   elementOf(values), types);
}

LogicalResult OneHotOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out,
                  golden::oneHot(in[0], in[1], getDepth(), getAxis()));
}

LogicalResult DepthToSpaceOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  if (!golden::parseDepthToSpaceMode(adaptor.getMode()))
    return emitOptionalError(loc, "unknown depth_to_space mode '" +
                                      adaptor.getMode() +
                                      "' (expected DCR or CRD)");
  return pushShape(
      loc, golden::depthToSpaceShape(shapeOf(input), adaptor.getBlocksize()),
      elementOf(input), types);
}

LogicalResult DepthToSpaceOp::evaluate(ArrayRef<Tensor> in,
                                       SmallVectorImpl<Tensor> &out) {
  auto mode = golden::parseDepthToSpaceMode(getMode());
  if (!mode)
    return emitOpError() << "unknown mode '" << getMode() << "'";
  return wrapEval(*this, out,
                  golden::depthToSpace(in[0], getBlocksize(), *mode));
}

LogicalResult SpaceToDepthOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return pushShape(
      loc, golden::spaceToDepthShape(shapeOf(input), adaptor.getBlocksize()),
      elementOf(input), types);
}

LogicalResult SpaceToDepthOp::evaluate(ArrayRef<Tensor> in,
                                       SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::spaceToDepth(in[0], getBlocksize()));
}

LogicalResult
ReverseSequenceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  if (failed(check(loc, golden::checkReverseSequenceShapes(
                            shapeOf(input),
                            shapeOf(adaptor.getSequenceLens().getType()),
                            adaptor.getBatchAxis(), adaptor.getTimeAxis()))))
    return failure();
  types.push_back(input);
  return success();
}

LogicalResult ReverseSequenceOp::evaluate(ArrayRef<Tensor> in,
                                          SmallVectorImpl<Tensor> &out) {
  return wrapEval(
      *this, out,
      golden::reverseSequence(in[0], in[1], getBatchAxis(), getTimeAxis()));
}

LogicalResult CompressOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return pushShape(loc,
                   golden::compressShape(shapeOf(input), adaptor.getCondition(),
                                         adaptor.getAxis()),
                   elementOf(input), types);
}

LogicalResult CompressOp::evaluate(ArrayRef<Tensor> in,
                                   SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out,
                  golden::compress(in[0], getCondition(), getAxis()));
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

/// Reads a resize op's attributes into kernel options, or explains which
/// one is invalid.
template <typename AdaptorT>
static llvm::Expected<golden::ResizeOptions> resizeOptions(AdaptorT adaptor) {
  golden::ResizeOptions opts;
  auto mode = golden::parseResizeMode(adaptor.getMode());
  if (!mode)
    return golden::makeError("unknown resize mode '" + adaptor.getMode() +
                             "' (expected nearest, linear or cubic)");
  auto transform = golden::parseCoordinateTransform(
      adaptor.getCoordinateTransformationMode());
  if (!transform)
    return golden::makeError("unknown coordinate_transformation_mode '" +
                             adaptor.getCoordinateTransformationMode() + "'");
  auto nearest = golden::parseNearestMode(adaptor.getNearestMode());
  if (!nearest)
    return golden::makeError("unknown nearest_mode '" +
                             adaptor.getNearestMode() + "'");
  opts.mode = *mode;
  opts.transform = *transform;
  opts.nearestMode = *nearest;
  opts.sizes.assign(adaptor.getSizes().begin(), adaptor.getSizes().end());
  opts.scales.assign(adaptor.getScales().begin(), adaptor.getScales().end());
  opts.roi.assign(adaptor.getRoi().begin(), adaptor.getRoi().end());
  opts.cubicCoeffA = adaptor.getCubicCoeffA().convertToDouble();
  opts.excludeOutside = adaptor.getExcludeOutside();
  opts.extrapolationValue = adaptor.getExtrapolationValue().convertToDouble();
  return opts;
}

LogicalResult ResizeOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  auto opts = resizeOptions(adaptor);
  if (!opts)
    return emitOptionalError(loc, llvm::toString(opts.takeError()));
  if (failed(check(loc, golden::checkResizeOptions(shapeOf(input), *opts))))
    return failure();
  types.push_back(tensorOf(opts->sizes, elementOf(input)));
  return success();
}

LogicalResult ResizeOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  auto opts = resizeOptions(*this);
  if (!opts)
    return emitOpError() << llvm::toString(opts.takeError());
  return wrapEval(*this, out, golden::resize(in[0], *opts));
}

// Resizing to the same shape with unit scales reads every element back
// where it was, except with tf_crop_and_resize (whose roi can move the
// window) and tf_half_pixel_for_nn (which shifts by half an element).
OpFoldResult ResizeOp::fold(FoldAdaptor) {
  StringRef transform = getCoordinateTransformationMode();
  if (getInput().getType() != getType() || transform == "tf_crop_and_resize" ||
      transform == "tf_half_pixel_for_nn" ||
      !llvm::all_of(getScales(), [](double s) { return s == 1.0; }))
    return {};
  return getInput();
}

// Per output element: one multiply-add per tap (2 for linear, 4 for cubic,
// in each dimension that changes size); nearest only copies.
int64_t ResizeOp::getFlops() {
  int64_t taps = getMode() == "linear" ? 2 : getMode() == "cubic" ? 4 : 0;
  if (taps == 0)
    return 0;
  int64_t perElement = 1;
  auto in = getInput().getType().getShape();
  for (auto [d, size] : llvm::enumerate(getSizes()))
    if (size != in[d])
      perElement *= taps;
  return 2 * perElement * numElements(getType());
}

} // namespace tessera::graph
