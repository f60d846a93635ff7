//===- ImportNN.cpp - ONNX import of the NN ops ---------------------------===//
//
// Convolution, pooling, the NN normalizations, ArgMax/ArgMin, TopK, CumSum,
// Hardmax, the two losses and Einsum. The window ops' ONNX defaults and
// auto_pad are resolved here into the explicit strides/pads/dilations the
// graph ops carry; the graph ops' type inference then checks the rest and
// reports it as this node's error.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;

namespace tessera::onnx_import {
namespace graph = tessera::graph;

namespace {
/// Explicit window parameters of one conv/pool node.
struct Window {
  std::vector<int64_t> kernel, strides, pads, dilations;
};
} // namespace

static std::string listToString(ArrayRef<int64_t> v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

/// ONNX marks an absent optional input with an empty name; a model may do
/// that for a required one too, which must not reach the graph op's builder.
static LogicalResult requireInputs(NodeImporter &n, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (!n.hasInput(i))
      return n.error("input " + Twine(i) + " is required but missing");
  return success();
}

/// Requires input 0 to be [N, C, D1, ...] and returns its spatial rank.
static FailureOr<size_t> spatialRank(NodeImporter &n) {
  int64_t rank = n.inputRank(0);
  if (rank < 3) {
    (void)n.error("input must be [N, C, D1, ...] (rank >= 3), got rank " +
                  Twine(rank));
    return failure();
  }
  return rank - 2;
}

/// Reads an optional per-axis attribute, checking its length.
static FailureOr<std::vector<int64_t>>
perAxisAttr(NodeImporter &n, StringRef name, size_t count, int64_t dflt) {
  std::vector<int64_t> v = n.attrInts(name, std::vector<int64_t>(count, dflt));
  if (v.size() != count) {
    (void)n.error("attribute '" + name + "' has " + Twine(v.size()) +
                  " values for " + Twine(count) + " spatial axes");
    return failure();
  }
  return v;
}

/// Reads strides, dilations and pads (resolving auto_pad) for a conv or pool
/// with `kernel` over input 0. SAME_* pads make the output ceil(in / stride)
/// long, putting the odd element at the end (UPPER) or the start (LOWER).
static FailureOr<Window> readWindow(NodeImporter &n,
                                    std::vector<int64_t> kernel) {
  size_t rank = kernel.size();
  Window w;
  w.kernel = std::move(kernel);
  auto strides = perAxisAttr(n, "strides", rank, 1);
  auto dilations = perAxisAttr(n, "dilations", rank, 1);
  if (failed(strides) || failed(dilations))
    return failure();
  w.strides = *strides;
  w.dilations = *dilations;
  for (size_t i = 0; i < rank; ++i)
    if (w.strides[i] < 1 || w.dilations[i] < 1 || w.kernel[i] < 1)
      return n.error("kernel " + listToString(w.kernel) + ", strides " +
                     listToString(w.strides) + " and dilations " +
                     listToString(w.dilations) + " must be positive");
  std::string autoPad = n.attrString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    auto pads = perAxisAttr(n, "pads", 2 * rank, 0);
    if (failed(pads))
      return failure();
    w.pads = *pads;
  } else if (autoPad == "VALID") {
    w.pads.assign(2 * rank, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    Shape in = n.inputShape(0);
    w.pads.assign(2 * rank, 0);
    for (size_t i = 0; i < rank; ++i) {
      int64_t size = in[2 + i];
      int64_t out = (size + w.strides[i] - 1) / w.strides[i];
      int64_t extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
      int64_t total =
          std::max<int64_t>(0, (out - 1) * w.strides[i] + extent - size);
      int64_t small = total / 2, large = total - small;
      w.pads[i] = autoPad == "SAME_UPPER" ? small : large;
      w.pads[rank + i] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else {
    return n.error("unknown auto_pad '" + autoPad + "'");
  }
  return w;
}

static SmallVector<NamedAttribute> windowAttrs(NodeImporter &n,
                                               const Window &w) {
  return {n.b.getNamedAttr("strides", n.b.getDenseI64ArrayAttr(w.strides)),
          n.b.getNamedAttr("pads", n.b.getDenseI64ArrayAttr(w.pads)),
          n.b.getNamedAttr("dilations", n.b.getDenseI64ArrayAttr(w.dilations))};
}

/// The kernel's spatial extents from the weight, checked against an optional
/// kernel_shape attribute.
static FailureOr<std::vector<int64_t>>
convKernel(NodeImporter &n, size_t rank, size_t weightInput = 1) {
  Shape w = n.inputShape(weightInput);
  if (w.size() != rank + 2)
    return n.error("weight of shape " + shapeToString(w) +
                   " must have the input's rank " + Twine(rank + 2));
  std::vector<int64_t> kernel(w.begin() + 2, w.end());
  if (n.hasAttr("kernel_shape") && n.attrInts("kernel_shape") != kernel)
    return n.error("kernel_shape " + listToString(n.attrInts("kernel_shape")) +
                   " differs from the weight's spatial shape " +
                   listToString(kernel));
  return kernel;
}

static SmallVector<Value> presentInputs(NodeImporter &n, size_t count) {
  SmallVector<Value> operands;
  for (size_t i = 0; i < count; ++i)
    if (n.hasInput(i))
      operands.push_back(n.input(i));
  return operands;
}

static LogicalResult importConv(NodeImporter &n) {
  if (failed(requireInputs(n, 2)))
    return failure();
  auto rank = spatialRank(n);
  if (failed(rank))
    return failure();
  auto kernel = convKernel(n, *rank);
  if (failed(kernel))
    return failure();
  auto w = readWindow(n, *kernel);
  if (failed(w))
    return failure();
  SmallVector<NamedAttribute> attrs = windowAttrs(n, *w);
  attrs.push_back(
      n.b.getNamedAttr("group", n.b.getI64IntegerAttr(n.attrInt("group", 1))));
  return n.emit<graph::ConvOp>(presentInputs(n, 3), attrs);
}

/// ConvInteger: (x - x_zero_point) conv (w - w_zero_point) accumulated in
/// int32. Decomposed into an f32 graph.conv between casts: 8-bit operands
/// and their zero points are exact in f32, and so are the sums as long as
/// they stay below 2^24 (a kernel of 255 * 255 products holds 258 of them).
static LogicalResult importConvInteger(NodeImporter &n) {
  if (failed(requireInputs(n, 2)))
    return failure();
  auto rank = spatialRank(n);
  if (failed(rank))
    return failure();
  auto kernel = convKernel(n, *rank);
  if (failed(kernel))
    return failure();
  auto w = readWindow(n, *kernel);
  if (failed(w))
    return failure();
  Type f32 = n.b.getF32Type();
  auto castTo = [&](Value v, Type t) -> FailureOr<Value> {
    auto cast =
        n.create<graph::CastOp>(v, {n.b.getNamedAttr("to", TypeAttr::get(t))});
    if (failed(cast))
      return failure();
    return cast->getResult();
  };
  // Casts input i to f32 and subtracts the zero point at input zpIndex (if
  // any), reshaped to `zpShape` when it has one value per output channel.
  auto shifted = [&](size_t i, size_t zpIndex) -> FailureOr<Value> {
    FailureOr<Value> v = castTo(n.input(i), f32);
    if (failed(v) || !n.hasInput(zpIndex))
      return v;
    FailureOr<Value> zp = castTo(n.input(zpIndex), f32);
    if (failed(zp))
      return failure();
    Shape zpShape = n.inputShape(zpIndex), vShape = n.inputShape(i);
    if (zpShape.size() == 1 && zpShape[0] > 1) {
      Shape perChannel(vShape.size(), 1);
      perChannel[0] = zpShape[0];
      auto r = n.create<graph::ReshapeOp>(
          *zp,
          {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(perChannel))});
      if (failed(r))
        return failure();
      zp = r->getResult();
    }
    auto sub = n.create<graph::SubOp>(ValueRange{*v, *zp});
    if (failed(sub))
      return failure();
    return sub->getResult();
  };
  FailureOr<Value> x = shifted(0, 2), weight = shifted(1, 3);
  if (failed(x) || failed(weight))
    return failure();
  SmallVector<NamedAttribute> attrs = windowAttrs(n, *w);
  attrs.push_back(
      n.b.getNamedAttr("group", n.b.getI64IntegerAttr(n.attrInt("group", 1))));
  auto conv = n.create<graph::ConvOp>(ValueRange{*x, *weight}, attrs);
  if (failed(conv))
    return failure();
  return n.emit<graph::CastOp>(
      conv->getResult(),
      {n.b.getNamedAttr("to", TypeAttr::get(n.b.getIntegerType(32)))});
}

/// QLinearConv(x, sx, zx, w, sw, zw, sy, zy, B?): the convolution of the
/// shifted operands in f32 (exact, as for ConvInteger), plus the int32 bias,
/// requantized by (sx * sw) / sy (sw per output channel) to zy's type.
static LogicalResult importQLinearConv(NodeImporter &n) {
  if (failed(requireInputs(n, 8)))
    return failure();
  auto rank = spatialRank(n);
  if (failed(rank))
    return failure();
  auto kernel = convKernel(n, *rank, 3);
  if (failed(kernel))
    return failure();
  auto w = readWindow(n, *kernel);
  if (failed(w))
    return failure();
  FailureOr<Value> x = shiftedFloat(n, 0, 2, 1);
  FailureOr<Value> weight = shiftedFloat(n, 3, 5, 0);
  if (failed(x) || failed(weight))
    return failure();
  SmallVector<Value> operands{*x, *weight};
  if (n.hasInput(8)) {
    auto bias = castValue(n, n.input(8), n.b.getF32Type());
    if (failed(bias))
      return failure();
    operands.push_back(*bias);
  }
  SmallVector<NamedAttribute> attrs = windowAttrs(n, *w);
  attrs.push_back(
      n.b.getNamedAttr("group", n.b.getI64IntegerAttr(n.attrInt("group", 1))));
  auto conv = n.create<graph::ConvOp>(operands, attrs);
  if (failed(conv))
    return failure();
  return requantizeQLinearOutput(n, conv->getResult(),
                                 {{1, 1}, {4, 1}, {6, 1}}, (int64_t)*rank + 2);
}

/// ConvTranspose. `output_shape`, when given, decides the pads: the natural
/// output is cut down to it (begin/end split as ONNX specifies), or, when it
/// is larger, extended at the end as output_padding would.
static LogicalResult importConvTranspose(NodeImporter &n) {
  if (failed(requireInputs(n, 2)))
    return failure();
  auto rank = spatialRank(n);
  if (failed(rank))
    return failure();
  auto kernel = convKernel(n, *rank);
  if (failed(kernel))
    return failure();
  auto strides = perAxisAttr(n, "strides", *rank, 1);
  auto dilations = perAxisAttr(n, "dilations", *rank, 1);
  auto outputPadding = perAxisAttr(n, "output_padding", *rank, 0);
  if (failed(strides) || failed(dilations) || failed(outputPadding))
    return failure();
  Window w;
  w.kernel = *kernel;
  w.strides = *strides;
  w.dilations = *dilations;
  std::vector<int64_t> outPad = *outputPadding;
  std::string autoPad = n.attrString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    return n.error("unknown auto_pad '" + autoPad + "'");
  Shape in = n.inputShape(0);
  std::vector<int64_t> outputShape = n.attrInts("output_shape");
  // Some exporters give output_shape with the N and C dimensions.
  if (outputShape.size() == *rank + 2)
    outputShape.erase(outputShape.begin(), outputShape.begin() + 2);
  if (!outputShape.empty() && outputShape.size() != *rank)
    return n.error("output_shape " + listToString(n.attrInts("output_shape")) +
                   " does not have one extent per spatial axis (" +
                   Twine(*rank) + ")");
  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (outputShape.empty() && same)
    for (size_t i = 0; i < *rank; ++i)
      outputShape.push_back(in[2 + i] * w.strides[i]);
  if (!outputShape.empty()) {
    w.pads.assign(2 * *rank, 0);
    for (size_t i = 0; i < *rank; ++i) {
      int64_t extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
      int64_t total =
          w.strides[i] * (in[2 + i] - 1) + outPad[i] + extent - outputShape[i];
      if (total < 0) {
        outPad[i] -= total;
        continue;
      }
      int64_t small = total / 2, large = total - small;
      w.pads[i] = autoPad == "SAME_UPPER" ? small : large;
      w.pads[*rank + i] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad == "VALID") {
    w.pads.assign(2 * *rank, 0);
  } else {
    auto pads = perAxisAttr(n, "pads", 2 * *rank, 0);
    if (failed(pads))
      return failure();
    w.pads = *pads;
  }
  SmallVector<NamedAttribute> attrs = windowAttrs(n, w);
  attrs.push_back(
      n.b.getNamedAttr("output_padding", n.b.getDenseI64ArrayAttr(outPad)));
  attrs.push_back(
      n.b.getNamedAttr("group", n.b.getI64IntegerAttr(n.attrInt("group", 1))));
  return n.emit<graph::ConvTransposeOp>(presentInputs(n, 3), attrs);
}

/// MaxPool, AveragePool and LpPool share their window attributes.
template <typename OpT> static LogicalResult importPool(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  auto rank = spatialRank(n);
  if (failed(rank))
    return failure();
  if (!n.hasAttr("kernel_shape"))
    return n.error("attribute 'kernel_shape' is required");
  std::vector<int64_t> kernel = n.attrInts("kernel_shape");
  if (kernel.size() != *rank)
    return n.error("kernel_shape " + listToString(kernel) + " has " +
                   Twine(kernel.size()) + " values for " + Twine(*rank) +
                   " spatial axes");
  auto w = readWindow(n, kernel);
  if (failed(w))
    return failure();
  SmallVector<NamedAttribute> attrs = windowAttrs(n, *w);
  attrs.push_back(
      n.b.getNamedAttr("kernel_shape", n.b.getDenseI64ArrayAttr(w->kernel)));
  attrs.push_back(n.b.getNamedAttr(
      "ceil_mode", n.b.getBoolAttr(n.attrInt("ceil_mode", 0) != 0)));
  if constexpr (std::is_same_v<OpT, graph::MaxPoolOp>) {
    // Only a model that uses the Indices output pays for computing it.
    if (n.wantsOutput(1)) {
      attrs.push_back(n.b.getNamedAttr(
          "storage_order",
          n.b.getI64IntegerAttr(n.attrInt("storage_order", 0))));
      return n.emit<graph::MaxPoolWithIndicesOp>(n.input(0), attrs);
    }
  }
  if constexpr (std::is_same_v<OpT, graph::AvgPoolOp>)
    attrs.push_back(n.b.getNamedAttr(
        "count_include_pad",
        n.b.getBoolAttr(n.attrInt("count_include_pad", 0) != 0)));
  if constexpr (std::is_same_v<OpT, graph::LpPoolOp>)
    attrs.push_back(
        n.b.getNamedAttr("p", n.b.getI64IntegerAttr(n.attrInt("p", 2))));
  return n.emit<OpT>(n.input(0), attrs);
}

/// GlobalAveragePool / GlobalMaxPool are reductions over the spatial axes.
template <typename ReduceOpT>
static LogicalResult importGlobalPool(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  auto rank = spatialRank(n);
  if (failed(rank))
    return failure();
  SmallVector<int64_t> axes;
  for (size_t i = 0; i < *rank; ++i)
    axes.push_back(2 + i);
  return n.emit<ReduceOpT>(
      n.input(0),
      {n.b.getNamedAttr("axes", n.b.getDenseI64ArrayAttr(axes)),
       n.b.getNamedAttr("keepdims", n.b.getBoolAttr(true)),
       n.b.getNamedAttr("noop_with_empty_axes", n.b.getBoolAttr(false))});
}

/// GlobalLpPool: an lp_pool whose window is the whole spatial extent.
static LogicalResult importGlobalLpPool(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  auto rank = spatialRank(n);
  if (failed(rank))
    return failure();
  Shape in = n.inputShape(0);
  std::vector<int64_t> kernel(in.begin() + 2, in.end());
  return n.emit<graph::LpPoolOp>(
      n.input(0),
      {n.b.getNamedAttr("kernel_shape", n.b.getDenseI64ArrayAttr(kernel)),
       n.b.getNamedAttr(
           "strides", n.b.getDenseI64ArrayAttr(std::vector<int64_t>(*rank, 1))),
       n.b.getNamedAttr("pads", n.b.getDenseI64ArrayAttr(
                                    std::vector<int64_t>(2 * *rank, 0))),
       n.b.getNamedAttr("dilations", n.b.getDenseI64ArrayAttr(
                                         std::vector<int64_t>(*rank, 1))),
       n.b.getNamedAttr("ceil_mode", n.b.getBoolAttr(false)),
       n.b.getNamedAttr("p", n.b.getI64IntegerAttr(n.attrInt("p", 2)))});
}

/// BatchNormalization in inference mode only.
static LogicalResult importBatchNorm(NodeImporter &n) {
  if (failed(requireInputs(n, 5)))
    return failure();
  if (n.attrInt("training_mode", 0) != 0)
    return importBatchNormTraining(n);
  // Before opset 14 the training statistics are extra outputs.
  for (size_t i = 1; i < n.numOutputs(); ++i)
    if (n.wantsOutput(i))
      return n.error("the training-mode outputs (running or saved mean and "
                     "variance) are not supported (inference only)");
  if (n.attrInt("spatial", 1) != 1)
    return n.error("spatial=0 (per-element statistics) is not supported");
  return n.emit<graph::BatchNormOp>(
      presentInputs(n, 5),
      {n.b.getNamedAttr("epsilon",
                        n.b.getF32FloatAttr(n.attrFloat("epsilon", 1e-5f)))});
}

static LogicalResult importInstanceNorm(NodeImporter &n) {
  if (failed(requireInputs(n, 3)))
    return failure();
  return n.emit<graph::InstanceNormOp>(
      presentInputs(n, 3),
      {n.b.getNamedAttr("epsilon",
                        n.b.getF32FloatAttr(n.attrFloat("epsilon", 1e-5f)))});
}

static LogicalResult importLRN(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  if (!n.hasAttr("size"))
    return n.error("attribute 'size' is required");
  return n.emit<graph::LRNOp>(
      n.input(0),
      {n.b.getNamedAttr("size", n.b.getI64IntegerAttr(n.attrInt("size", 0))),
       n.b.getNamedAttr("alpha",
                        n.b.getF32FloatAttr(n.attrFloat("alpha", 1e-4f))),
       n.b.getNamedAttr("beta",
                        n.b.getF32FloatAttr(n.attrFloat("beta", 0.75f))),
       n.b.getNamedAttr("bias",
                        n.b.getF32FloatAttr(n.attrFloat("bias", 1.0f)))});
}

static LogicalResult importMVN(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  std::vector<int64_t> axes = n.attrInts("axes", {0, 2, 3});
  return n.emit<graph::MeanVarianceNormOp>(
      n.input(0), {n.b.getNamedAttr("axes", n.b.getDenseI64ArrayAttr(axes))});
}

static LogicalResult importLpNorm(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.attrInt("axis", -1), n.inputRank(0));
  if (failed(axis))
    return failure();
  return n.emit<graph::LpNormOp>(
      n.input(0),
      {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(*axis)),
       n.b.getNamedAttr("p", n.b.getI64IntegerAttr(n.attrInt("p", 2)))});
}

template <typename OpT> static LogicalResult importArgReduce(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.attrInt("axis", 0), n.inputRank(0));
  if (failed(axis))
    return failure();
  return n.emit<OpT>(
      n.input(0),
      {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(*axis)),
       n.b.getNamedAttr("keepdims",
                        n.b.getBoolAttr(n.attrInt("keepdims", 1) != 0)),
       n.b.getNamedAttr(
           "select_last_index",
           n.b.getBoolAttr(n.attrInt("select_last_index", 0) != 0))});
}

/// TopK: k is an attribute before opset 10, a constant input after. The
/// graph op always sorts, which is a valid order for sorted=0 too.
static LogicalResult importTopK(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  int64_t k;
  if (n.opset < 10) {
    if (!n.hasAttr("k"))
      return n.error("attribute 'k' is required");
    k = n.attrInt("k", 0);
  } else {
    auto ks = n.requireConstantInts(1, "K");
    if (failed(ks))
      return failure();
    if (ks->size() != 1)
      return n.error("input 'K' must hold one value, got " + Twine(ks->size()));
    k = (*ks)[0];
  }
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.attrInt("axis", -1), n.inputRank(0));
  if (failed(axis))
    return failure();
  return n.emit<graph::TopKOp>(
      n.input(0),
      {n.b.getNamedAttr("k", n.b.getI64IntegerAttr(k)),
       n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(*axis)),
       n.b.getNamedAttr("largest",
                        n.b.getBoolAttr(n.attrInt("largest", 1) != 0))});
}

static LogicalResult importCumSum(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  auto axisValues = n.requireConstantInts(1, "axis");
  if (failed(axisValues))
    return failure();
  if (axisValues->size() != 1)
    return n.error("input 'axis' must hold one value, got " +
                   Twine(axisValues->size()));
  FailureOr<int64_t> axis = n.normalizeAxis((*axisValues)[0], n.inputRank(0));
  if (failed(axis))
    return failure();
  return n.emit<graph::CumSumOp>(
      n.input(0),
      {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(*axis)),
       n.b.getNamedAttr("exclusive",
                        n.b.getBoolAttr(n.attrInt("exclusive", 0) != 0)),
       n.b.getNamedAttr("reverse",
                        n.b.getBoolAttr(n.attrInt("reverse", 0) != 0))});
}

/// Hardmax. Before opset 13 it flattens the input to 2-D at `axis` (default
/// 1) and picks one maximum per row; from 13 on it works on one axis.
static LogicalResult importHardmax(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  int64_t rank = n.inputRank(0);
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.attrInt("axis", n.opset >= 13 ? -1 : 1), rank);
  if (failed(axis))
    return failure();
  if (n.opset >= 13 || *axis == rank - 1)
    return n.emit<graph::HardmaxOp>(
        n.input(0), {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(*axis))});
  Shape shape = n.inputShape(0);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < *axis ? outer : inner) *= shape[i];
  auto flat = n.create<graph::ReshapeOp>(
      n.input(0),
      {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr({outer, inner}))});
  if (failed(flat))
    return failure();
  auto hard = n.create<graph::HardmaxOp>(
      flat->getResult(), {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(1))});
  if (failed(hard))
    return failure();
  return n.emit<graph::ReshapeOp>(
      hard->getResult(),
      {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(shape))});
}

static SmallVector<NamedAttribute> lossAttrs(NodeImporter &n) {
  SmallVector<NamedAttribute> attrs{n.b.getNamedAttr(
      "reduction", n.b.getStringAttr(n.attrString("reduction", "mean")))};
  if (n.hasAttr("ignore_index"))
    attrs.push_back(n.b.getNamedAttr(
        "ignore_index", n.b.getI64IntegerAttr(n.attrInt("ignore_index", 0))));
  return attrs;
}

static LogicalResult importNLLLoss(NodeImporter &n) {
  if (failed(requireInputs(n, 2)))
    return failure();
  return n.emit<graph::NLLLossOp>(presentInputs(n, 3), lossAttrs(n));
}

/// Both results are always produced; the importer binds log_prob only if the
/// node names it.
static LogicalResult importSoftmaxCrossEntropyLoss(NodeImporter &n) {
  if (failed(requireInputs(n, 2)))
    return failure();
  return n.emit<graph::SoftmaxCrossEntropyLossOp>(presentInputs(n, 3),
                                                  lossAttrs(n));
}

static LogicalResult importEinsum(NodeImporter &n) {
  if (failed(requireInputs(n, n.numInputs())))
    return failure();
  if (!n.hasAttr("equation"))
    return n.error("attribute 'equation' is required");
  return n.emit<graph::EinsumOp>(
      presentInputs(n, n.numInputs()),
      {n.b.getNamedAttr("equation",
                        n.b.getStringAttr(n.attrString("equation", "")))});
}

void registerNNImporters(OpImportRegistry &r) {
  r.add("Conv", importConv);
  r.add("ConvTranspose", importConvTranspose);
  r.add("ConvInteger", importConvInteger);
  r.add("QLinearConv", importQLinearConv);
  r.add("MaxPool", importPool<graph::MaxPoolOp>);
  r.add("AveragePool", importPool<graph::AvgPoolOp>);
  r.add("LpPool", importPool<graph::LpPoolOp>);
  r.add("GlobalAveragePool", importGlobalPool<graph::ReduceMeanOp>);
  r.add("GlobalMaxPool", importGlobalPool<graph::ReduceMaxOp>);
  r.add("GlobalLpPool", importGlobalLpPool);
  r.add("BatchNormalization", importBatchNorm);
  r.add("InstanceNormalization", importInstanceNorm);
  r.add("LRN", importLRN);
  r.add("MeanVarianceNormalization", importMVN);
  r.add("LpNormalization", importLpNorm);
  r.add("ArgMax", importArgReduce<graph::ArgMaxOp>);
  r.add("ArgMin", importArgReduce<graph::ArgMinOp>);
  r.add("TopK", importTopK);
  r.add("CumSum", importCumSum);
  r.add("Hardmax", importHardmax);
  r.add("NegativeLogLikelihoodLoss", importNLLLoss);
  r.add("SoftmaxCrossEntropyLoss", importSoftmaxCrossEntropyLoss);
  r.add("Einsum", importEinsum);
}

} // namespace tessera::onnx_import
