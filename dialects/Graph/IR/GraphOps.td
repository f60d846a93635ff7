//===- GraphOps.td - All graph dialect ops -----------------*- tablegen -*-===//
#ifndef TESSERA_GRAPH_OPS
#define TESSERA_GRAPH_OPS

include "Graph/IR/GraphBase.td"
include "Graph/IR/GraphElementwiseOps.td"
include "Graph/IR/GraphLinalgOps.td"
include "Graph/IR/GraphNormOps.td"
include "Graph/IR/GraphReductionOps.td"
include "Graph/IR/GraphDataOps.td"
include "Graph/IR/GraphNNOps.td"
include "Graph/IR/GraphLLMOps.td"
include "Graph/IR/GraphQuantOps.td"
include "Graph/IR/GraphSamplingOps.td"
include "Graph/IR/GraphTextOps.td"
include "Graph/IR/GraphSequenceOps.td"

// Weights and folded values. `value` is a DenseElementsAttr for small data or
// a DenseResourceElementsAttr whose blob points at the model's own storage
// (an mmapped external-data file or the protobuf buffer), so importing a
// multi-GB model does not copy its weights.
def Graph_ConstantOp : Op<Graph_Dialect, "constant",
    [ConstantLike, Pure, InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Graph_EvaluableOpInterface>,
     DeclareOpInterfaceMethods<Graph_CostOpInterface, ["getFlops"]>]> {
  let summary = "a constant tensor";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Graph_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

#endif // TESSERA_GRAPH_OPS
