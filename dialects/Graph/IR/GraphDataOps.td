//===- GraphDataOps.td - Data movement ---------------------*- tablegen -*-===//
//
// Ops that only move or select data. They carry the DataMovement trait: they
// do no arithmetic, and on the NPU they become DMA work. Shapes, starts and
// the like are static attributes: the importer folds ONNX's shape-computing
// subgraphs into them.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_DATA_OPS
#define TESSERA_GRAPH_DATA_OPS

include "Graph/IR/GraphBase.td"

def Graph_DataMovement : NativeOpTrait<"DataMovement"> {
  let cppNamespace = "::tessera::graph";
}

class Graph_DataOp<string mnemonic, list<Trait> traits = []>
    : Graph_Op<mnemonic, !listconcat([Graph_DataMovement], traits)>;

def Graph_TransposeOp : Graph_DataOp<"transpose",
                                     [SameOperandsAndResultElementType]> {
  let summary = "permutes dimensions: result dim i is input dim perm[i]";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Graph_Tensor:$output);
  let hasFolder = 1;
}

// Also the target of ONNX Flatten, Squeeze and Unsqueeze: all are reshapes.
def Graph_ReshapeOp : Graph_DataOp<"reshape",
                                   [SameOperandsAndResultElementType]> {
  let summary = "same elements in row-major order, new static shape";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Graph_Tensor:$output);
  let hasFolder = 1;
}

def Graph_ConcatOp : Graph_DataOp<"concat"> {
  let summary = "joins tensors along one axis";
  let arguments = (ins Variadic<Graph_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Graph_Tensor:$output);
}

// Normalized form: one start/end/step per dimension, starts and ends already
// clamped to the dimension (the importer resolves ONNX's negative and
// out-of-range values).
def Graph_SliceOp : Graph_DataOp<"slice", [SameOperandsAndResultElementType]> {
  let summary = "strided slice with one (start, end, step) per dimension";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs Graph_Tensor:$output);
  let hasVerifier = 1;
}

def Graph_GatherOp : Graph_DataOp<"gather"> {
  let summary = "takes slices of `input` along `axis` at `indices`";
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Graph_Tensor:$output);
}

#endif // TESSERA_GRAPH_DATA_OPS
