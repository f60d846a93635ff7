//===- GraphInterfaces.td - Evaluation and cost interfaces -*- tablegen -*-===//
#ifndef TESSERA_GRAPH_INTERFACES
#define TESSERA_GRAPH_INTERFACES

include "mlir/IR/OpBase.td"

def Graph_EvaluableOpInterface : OpInterface<"EvaluableOpInterface"> {
  let cppNamespace = "::tessera::graph";
  let description = [{
    Computes an op's results on the host from its operand values. This is the
    golden reference; it is never called by the simulator. Errors a user's
    input can cause (an index out of range, say) are reported with
    `emitOpError` and return failure.
  }];
  let methods = [
    InterfaceMethod<"Evaluates the op on host tensors.",
      "::llvm::LogicalResult", "evaluate",
      (ins "::llvm::ArrayRef<::tessera::Tensor>":$operands,
           "::llvm::SmallVectorImpl<::tessera::Tensor> &":$results)>,
  ];
}

def Graph_CostOpInterface : OpInterface<"CostOpInterface"> {
  let cppNamespace = "::tessera::graph";
  let description = [{
    The work an op does: floating-point (or integer) operations, and the bytes
    it must read and write if every operand and result lives in memory.
  }];
  let methods = [
    InterfaceMethod<"Arithmetic operations performed (a multiply-add is 2).",
      "int64_t", "getFlops", (ins), [{}], [{
        return ::tessera::graph::defaultFlops($_op.getOperation());
      }]>,
    InterfaceMethod<"Bytes of operands read.",
      "int64_t", "getBytesRead", (ins), [{}], [{
        return ::tessera::graph::sumTensorBytes($_op->getOperandTypes());
      }]>,
    InterfaceMethod<"Bytes of results written.",
      "int64_t", "getBytesWritten", (ins), [{}], [{
        return ::tessera::graph::sumTensorBytes($_op->getResultTypes());
      }]>,
  ];
}

#endif // TESSERA_GRAPH_INTERFACES
