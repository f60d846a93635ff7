//===- ImportNorm.cpp - ONNX import of softmax and layer norm -------------===//

#include "NodeImporter.h"

using namespace mlir;

namespace tessera::onnx_import {
namespace graph = tessera::graph;

/// Softmax and LogSoftmax. Before opset 13 they flatten the input to 2-D at
/// `axis` (default 1) and normalize each row; from 13 on they normalize one
/// axis (default -1).
template <typename OpT> static LogicalResult importSoftmax(NodeImporter &n) {
  int64_t rank = n.inputRank(0);
  int64_t axis = n.attrInt("axis", n.opset >= 13 ? -1 : 1);
  FailureOr<int64_t> a = n.normalizeAxis(axis, std::max<int64_t>(rank, 1));
  if (failed(a))
    return failure();
  if (n.opset >= 13 || rank <= 1)
    return n.emit<OpT>(n.input(0),
                       {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(*a))});
  Shape shape = n.inputShape(0);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < *a ? outer : inner) *= shape[i];
  auto flat = n.create<graph::ReshapeOp>(
      n.input(0),
      {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr({outer, inner}))});
  if (failed(flat))
    return failure();
  auto soft = n.create<OpT>(
      flat->getResult(), {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(1))});
  if (failed(soft))
    return failure();
  return n.emit<graph::ReshapeOp>(
      soft->getResult(),
      {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(shape))});
}

/// LayerNormalization; the optional Mean and InvStdDev outputs are built
/// from reductions (they are training-time by-products, rarely used).
static LogicalResult importLayerNorm(NodeImporter &n) {
  int64_t rank = n.inputRank(0);
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  float epsilon = n.attrFloat("epsilon", 1e-5f);
  SmallVector<Value> operands{n.input(0), n.input(1)};
  if (n.hasInput(2))
    operands.push_back(n.input(2));
  auto norm = n.create<graph::LayerNormOp>(
      operands, {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(*axis)),
                 n.b.getNamedAttr("epsilon", n.b.getF32FloatAttr(epsilon))});
  if (failed(norm))
    return failure();
  SmallVector<Value> results{norm->getResult()};
  bool wantStats = false;
  for (size_t i = 1; i < n.numOutputs(); ++i)
    wantStats |= n.wantsOutput(i);
  if (wantStats) {
    SmallVector<int64_t> axes;
    for (int64_t i = *axis; i < rank; ++i)
      axes.push_back(i);
    auto reduceAttrs = [&] {
      return SmallVector<NamedAttribute>{
          n.b.getNamedAttr("axes", n.b.getDenseI64ArrayAttr(axes)),
          n.b.getNamedAttr("keepdims", n.b.getBoolAttr(true))};
    };
    auto mean = n.create<graph::ReduceMeanOp>(n.input(0), reduceAttrs());
    if (failed(mean))
      return failure();
    auto diff = n.create<graph::SubOp>(ValueRange{n.input(0), *mean});
    if (failed(diff))
      return failure();
    auto sq = n.create<graph::MulOp>(ValueRange{*diff, *diff});
    if (failed(sq))
      return failure();
    auto var = n.create<graph::ReduceMeanOp>(sq->getResult(), reduceAttrs());
    if (failed(var))
      return failure();
    std::optional<DType> dt = graph::toDType(n.inputElementType(0));
    Value eps = n.constant(Tensor::scalarF(dt.value_or(DType::F32), epsilon));
    auto shifted = n.create<graph::AddOp>(ValueRange{*var, eps});
    if (failed(shifted))
      return failure();
    auto stddev = n.create<graph::SqrtOp>(shifted->getResult());
    if (failed(stddev))
      return failure();
    auto inv = n.create<graph::ReciprocalOp>(stddev->getResult());
    if (failed(inv))
      return failure();
    results.push_back(mean->getResult());
    results.push_back(inv->getResult());
  }
  n.setResults(results);
  return success();
}

/// GroupNormalization (opsets 18 and 21): per sample and group of C / G
/// channels, normalize over the group's channels and spatial positions,
/// then scale and shift per channel. Opset 18 gives scale and bias per
/// group, 21 per channel. Built over [N, G, C/G * spatial] from a mean, a
/// variance and elementwise ops, reshaped back and followed by the affine
/// step.
static LogicalResult importGroupNorm(NodeImporter &n) {
  for (size_t i = 0; i < 3; ++i)
    if (!n.hasInput(i))
      return n.error("expects input #" + Twine(i));
  Shape x = n.inputShape(0);
  if (x.size() < 2)
    return n.error("the input has rank " + Twine(x.size()) +
                   "; GroupNormalization needs [N, C, ...]");
  if (!n.hasAttr("num_groups"))
    return n.error("attribute 'num_groups' is required");
  int64_t groups = n.attrInt("num_groups", 0), channels = x[1];
  if (groups < 1 || channels % groups != 0)
    return n.error("num_groups " + Twine(groups) + " does not divide the " +
                   Twine(channels) + " channels");
  std::optional<DType> dt = graph::toDType(n.inputElementType(0));
  if (!dt || !isFloatDType(*dt))
    return n.error("GroupNormalization needs a floating-point input");
  int64_t perGroup = channels / groups;
  int64_t paramSize = n.opset >= 21 ? channels : groups;
  for (size_t i : {1, 2}) {
    Shape p = n.inputShape(i);
    if (p.size() != 1 || p[0] != paramSize)
      return n.error(Twine(i == 1 ? "scale" : "bias") + " has shape [" +
                     shapeToString(p) + "]; opset " + Twine(n.opset) +
                     " needs [" + Twine(paramSize) + "] (one per " +
                     (n.opset >= 21 ? "channel" : "group") + ")");
  }
  int64_t inner = perGroup;
  for (size_t d = 2; d < x.size(); ++d)
    inner *= x[d];
  auto reshape = [&](Value v, ArrayRef<int64_t> shape) -> FailureOr<Value> {
    auto r = n.create<graph::ReshapeOp>(
        v, {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(shape))});
    if (failed(r))
      return failure();
    return r->getResult();
  };
  FailureOr<Value> grouped = reshape(n.input(0), {x[0], groups, inner});
  if (failed(grouped))
    return failure();
  // (x - mean) / sqrt(var + epsilon) over the last axis, from reductions
  // and elementwise ops (each of which has an NPU kernel).
  auto keepMean = [&](Value v) -> FailureOr<Value> {
    auto r = n.create<graph::ReduceMeanOp>(
        v, {n.b.getNamedAttr("axes", n.b.getDenseI64ArrayAttr({2})),
            n.b.getNamedAttr("keepdims", n.b.getBoolAttr(true)),
            n.b.getNamedAttr("noop_with_empty_axes", n.b.getBoolAttr(false))});
    if (failed(r))
      return failure();
    return r->getResult();
  };
  FailureOr<Value> mean = keepMean(*grouped);
  if (failed(mean))
    return failure();
  auto centered = n.create<graph::SubOp>(ValueRange{*grouped, *mean});
  if (failed(centered))
    return failure();
  auto squared = n.create<graph::MulOp>(
      ValueRange{centered->getResult(), centered->getResult()});
  if (failed(squared))
    return failure();
  FailureOr<Value> var = keepMean(squared->getResult());
  if (failed(var))
    return failure();
  Value eps = n.constant(Tensor::scalarF(*dt, n.attrFloat("epsilon", 1e-5f)));
  auto shifted = n.create<graph::AddOp>(ValueRange{*var, eps});
  if (failed(shifted))
    return failure();
  auto root = n.create<graph::SqrtOp>(shifted->getResult());
  if (failed(root))
    return failure();
  auto norm = n.create<graph::DivOp>(
      ValueRange{centered->getResult(), root->getResult()});
  if (failed(norm))
    return failure();
  FailureOr<Value> y = reshape(norm->getResult(), x);
  if (failed(y))
    return failure();
  // Scale and bias as [C, 1, ...] (a per-group value repeated per channel).
  SmallVector<int64_t> channelShape(x.size() - 1, 1);
  channelShape[0] = channels;
  auto perChannel = [&](Value p) -> FailureOr<Value> {
    if (paramSize == groups && perGroup != 1) {
      FailureOr<Value> col = reshape(p, {groups, 1});
      if (failed(col))
        return failure();
      auto e = n.create<graph::ExpandOp>(
          *col, {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(
                                               {groups, perGroup}))});
      if (failed(e))
        return failure();
      p = e->getResult();
    }
    return reshape(p, channelShape);
  };
  FailureOr<Value> scale = perChannel(n.input(1));
  FailureOr<Value> bias = perChannel(n.input(2));
  if (failed(scale) || failed(bias))
    return failure();
  auto mul = n.create<graph::MulOp>(ValueRange{*y, *scale});
  if (failed(mul))
    return failure();
  return n.emit<graph::AddOp>(ValueRange{mul->getResult(), *bias});
}

void registerNormImporters(OpImportRegistry &r) {
  r.add("Softmax", importSoftmax<graph::SoftmaxOp>);
  r.add("LogSoftmax", importSoftmax<graph::LogSoftmaxOp>);
  r.add("LayerNormalization", importLayerNorm);
  r.add("GroupNormalization", importGroupNorm);
}

} // namespace tessera::onnx_import
