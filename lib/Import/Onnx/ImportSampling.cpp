//===- ImportSampling.cpp - ONNX import of GridSample, RoiAlign, MaxUnpool ===//
//
// GridSample and RoiAlign map to graph ops of their own. MaxUnpool writes
// each pooled value at its recorded flat index of a zero tensor: a
// ScatterElements over the flattened output (which the NPU has).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;

namespace tessera::onnx_import {
namespace graph = tessera::graph;

static LogicalResult importGridSample(NodeImporter &n) {
  return n.emit<graph::GridSampleOp>(
      ValueRange{n.input(0), n.input(1)},
      {n.b.getNamedAttr("mode",
                        n.b.getStringAttr(n.attrString("mode", "bilinear"))),
       n.b.getNamedAttr("padding_mode", n.b.getStringAttr(n.attrString(
                                            "padding_mode", "zeros"))),
       n.b.getNamedAttr("align_corners",
                        n.b.getBoolAttr(n.attrInt("align_corners", 0) != 0))});
}

static LogicalResult importRoiAlign(NodeImporter &n) {
  // Opset 10 had no coordinate_transformation_mode and behaved as
  // output_half_pixel; opset 16 added it with half_pixel as the default.
  std::string transform =
      n.attrString("coordinate_transformation_mode",
                   n.opset >= 16 ? "half_pixel" : "output_half_pixel");
  if (transform != "half_pixel" && transform != "output_half_pixel")
    return n.error("unknown coordinate_transformation_mode '" + transform +
                   "' (expected half_pixel or output_half_pixel)");
  return n.emit<graph::RoiAlignOp>(
      ValueRange{n.input(0), n.input(1), n.input(2)},
      {n.b.getNamedAttr("mode", n.b.getStringAttr(n.attrString("mode", "avg"))),
       n.b.getNamedAttr("output_height",
                        n.b.getI64IntegerAttr(n.attrInt("output_height", 1))),
       n.b.getNamedAttr("output_width",
                        n.b.getI64IntegerAttr(n.attrInt("output_width", 1))),
       n.b.getNamedAttr("sampling_ratio",
                        n.b.getI64IntegerAttr(n.attrInt("sampling_ratio", 0))),
       n.b.getNamedAttr("spatial_scale", n.b.getF32FloatAttr(n.attrFloat(
                                             "spatial_scale", 1.0f))),
       n.b.getNamedAttr("half_pixel",
                        n.b.getBoolAttr(transform == "half_pixel"))});
}

static LogicalResult importMaxUnpool(NodeImporter &n) {
  Shape x = n.inputShape(0);
  int64_t spatial = (int64_t)x.size() - 2;
  if (spatial < 1)
    return n.error("the input has shape " + shapeToString(x) +
                   "; it must be [N, C, D1, ...]");
  if (n.inputShape(1) != x)
    return n.error("the indices have shape " + shapeToString(n.inputShape(1)) +
                   "; they must have the input's shape " + shapeToString(x));
  std::vector<int64_t> kernel = n.attrInts("kernel_shape");
  if ((int64_t)kernel.size() != spatial)
    return n.error("kernel_shape has " + Twine(kernel.size()) + " values for " +
                   Twine(spatial) + " spatial dimensions");
  std::vector<int64_t> strides =
      n.attrInts("strides", std::vector<int64_t>(spatial, 1));
  std::vector<int64_t> pads =
      n.attrInts("pads", std::vector<int64_t>(2 * spatial, 0));
  if ((int64_t)strides.size() != spatial || (int64_t)pads.size() != 2 * spatial)
    return n.error("strides must have " + Twine(spatial) + " values and pads " +
                   Twine(2 * spatial));
  // The shape MaxPool's input had: the default result shape.
  Shape out = {x[0], x[1]};
  for (int64_t d = 0; d < spatial; ++d)
    out.push_back((x[d + 2] - 1) * strides[d] + kernel[d] - pads[d] -
                  pads[d + spatial]);
  // The indices address the tensor MaxPool read (the default shape); a
  // larger output_shape adds zeros at the end of each axis.
  Shape target = out;
  if (n.hasInput(2)) {
    auto given = n.requireConstantInts(2, "output_shape");
    if (failed(given))
      return failure();
    if (given->size() != out.size())
      return n.error("output_shape " + shapeToString(*given) + " has rank " +
                     Twine(given->size()) + "; the input has rank " +
                     Twine(out.size()));
    for (size_t d = 0; d < out.size(); ++d)
      if ((d < 2 && (*given)[d] != out[d]) || (*given)[d] < out[d])
        return n.error("output_shape " + shapeToString(*given) +
                       " cannot hold the unpooled " + shapeToString(out) +
                       " (batch and channels must match, spatial sizes may "
                       "only grow)");
    target.assign(given->begin(), given->end());
  }
  for (int64_t d : out)
    if (d <= 0)
      return n.error("the result shape " + shapeToString(out) +
                     " has an empty dimension");
  int64_t total = shapeNumElements(out);
  if (total > (int64_t(1) << 28))
    return n.error("the result of " + Twine(total) +
                   " elements is too large to build");
  std::optional<DType> dtype = graph::toDType(n.inputElementType(0));
  if (!dtype)
    return n.error("unsupported element type");
  int64_t count = shapeNumElements(x);
  auto flat = [&](Value v) {
    return n.create<graph::ReshapeOp>(
        v, {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr({count}))});
  };
  auto values = flat(n.input(0));
  if (failed(values))
    return failure();
  auto indices = flat(n.input(1));
  if (failed(indices))
    return failure();
  Value zeros = n.constant(Tensor(*dtype, {total}));
  auto scattered = n.create<graph::ScatterElementsOp>(
      ValueRange{zeros, indices->getResult(), values->getResult()},
      {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(0))});
  if (failed(scattered))
    return failure();
  auto unpooled = n.create<graph::ReshapeOp>(
      scattered->getResult(),
      {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(out))});
  if (failed(unpooled))
    return failure();
  if (target == out) {
    n.setResult(unpooled->getResult());
    return success();
  }
  std::vector<int64_t> endPads(2 * out.size(), 0);
  for (size_t d = 0; d < out.size(); ++d)
    endPads[out.size() + d] = target[d] - out[d];
  return n.emit<graph::PadOp>(
      unpooled->getResult(),
      {n.b.getNamedAttr("pads", n.b.getDenseI64ArrayAttr(endPads))});
}

void registerSamplingImporters(OpImportRegistry &r) {
  r.add("GridSample", importGridSample);
  r.add("RoiAlign", importRoiAlign);
  r.add("MaxUnpool", importMaxUnpool);
}

} // namespace tessera::onnx_import
