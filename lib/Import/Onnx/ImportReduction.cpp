//===- ImportReduction.cpp - ONNX import of Reduce* ops -------------------===//

#include "NodeImporter.h"

using namespace mlir;

namespace tessera::onnx_import {
namespace graph = tessera::graph;

/// Reduce ops take `axes` as an attribute up to opset 17 and as an optional
/// input from opset 18 on (ReduceSum from opset 13 on).
template <typename OpT> static LogicalResult importReduce(NodeImporter &n) {
  std::vector<int64_t> axes;
  bool axesAsInput =
      n.opset >= 18 || (n.opType() == "ReduceSum" && n.opset >= 13);
  if (axesAsInput) {
    if (n.hasInput(1)) {
      FailureOr<std::vector<int64_t>> a = n.requireConstantInts(1, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
  } else {
    axes = n.attrInts("axes");
  }
  int64_t rank = n.inputRank(0);
  for (int64_t a : axes)
    if (a < -rank || a >= rank)
      return n.error("axis " + Twine(a) + " is out of range for rank " +
                     Twine(rank));
  return n.emit<OpT>(
      n.input(0),
      {n.b.getNamedAttr("axes", n.b.getDenseI64ArrayAttr(axes)),
       n.b.getNamedAttr("keepdims", n.b.getBoolAttr(n.attrInt("keepdims", 1))),
       n.b.getNamedAttr(
           "noop_with_empty_axes",
           n.b.getBoolAttr(n.attrInt("noop_with_empty_axes", 0)))});
}

void registerReductionImporters(OpImportRegistry &r) {
  r.add("ReduceSum", importReduce<graph::ReduceSumOp>);
  r.add("ReduceMean", importReduce<graph::ReduceMeanOp>);
  r.add("ReduceMax", importReduce<graph::ReduceMaxOp>);
  r.add("ReduceMin", importReduce<graph::ReduceMinOp>);
  r.add("ReduceProd", importReduce<graph::ReduceProdOp>);
  r.add("ReduceL1", importReduce<graph::ReduceL1Op>);
  r.add("ReduceL2", importReduce<graph::ReduceL2Op>);
  r.add("ReduceSumSquare", importReduce<graph::ReduceSumSquareOp>);
  r.add("ReduceLogSum", importReduce<graph::ReduceLogSumOp>);
  r.add("ReduceLogSumExp", importReduce<graph::ReduceLogSumExpOp>);
}

} // namespace tessera::onnx_import
