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

void registerNormImporters(OpImportRegistry &r) {
  r.add("Softmax", importSoftmax<graph::SoftmaxOp>);
  r.add("LogSoftmax", importSoftmax<graph::LogSoftmaxOp>);
  r.add("LayerNormalization", importLayerNorm);
}

} // namespace tessera::onnx_import
