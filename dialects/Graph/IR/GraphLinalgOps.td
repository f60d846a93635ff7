//===- GraphLinalgOps.td - Matrix products and convolutions -*- tablegen -*-===//
#ifndef TESSERA_GRAPH_LINALG_OPS
#define TESSERA_GRAPH_LINALG_OPS

include "Graph/IR/GraphBase.td"

def Graph_MatMulOp : Graph_Op<"matmul", [SameOperandsAndResultElementType],
                              ["getFlops"]> {
  let summary = "numpy-style matrix product with batch broadcasting";
  let description = [{
    ONNX MatMul: 1-D operands are promoted to matrices and the promoted
    dimension removed from the result; leading (batch) dimensions broadcast.
  }];
  let arguments = (ins Graph_NumericTensor:$lhs, Graph_NumericTensor:$rhs);
  let results = (outs Graph_NumericTensor:$output);
}

def Graph_GemmOp : Graph_Op<"gemm", [], ["getFlops"]> {
  let summary = "alpha * op(A) * op(B) + beta * C, C unidirectionally broadcast";
  let arguments = (ins Graph_FloatTensor:$a, Graph_FloatTensor:$b,
                       Optional<Graph_FloatTensor>:$c,
                       DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.0">:$beta,
                       DefaultValuedAttr<BoolAttr, "false">:$trans_a,
                       DefaultValuedAttr<BoolAttr, "false">:$trans_b);
  let results = (outs Graph_FloatTensor:$output);
  let hasVerifier = 1;
}

// Type inference and evaluation in GraphMatrixOps.cpp.
def Graph_DetOp : Graph_Op<"det", [SameOperandsAndResultElementType]> {
  let summary = "determinant of each square matrix in the last two dimensions";
  let arguments = (ins Graph_FloatTensor:$input);
  let results = (outs Graph_FloatTensor:$output);
}

#endif // TESSERA_GRAPH_LINALG_OPS
