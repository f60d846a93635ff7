//===- GraphReductionOps.td - Reductions -------------------*- tablegen -*-===//
#ifndef TESSERA_GRAPH_REDUCTION_OPS
#define TESSERA_GRAPH_REDUCTION_OPS

include "Graph/IR/GraphBase.td"

// Reduces over `axes` (all axes when empty, unless noop_with_empty_axes);
// `keepdims` keeps reduced dimensions as size 1.
class Graph_ReduceOp<string mnemonic, string kind>
    : Graph_Op<mnemonic, [SameOperandsAndResultElementType]> {
  let summary = "reduction " # kind # " over axes";
  let arguments = (ins Graph_NumericTensor:$input,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$noop_with_empty_axes);
  let results = (outs Graph_NumericTensor:$output);
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *,
        std::optional<::mlir::Location> loc, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::tessera::graph::inferReduceType(loc, adaptor.getInput().getType(),
          adaptor.getAxes(), adaptor.getKeepdims(),
          adaptor.getNoopWithEmptyAxes(), types);
    }
    ::llvm::LogicalResult $cppClass::evaluate(
        ::llvm::ArrayRef<::tessera::Tensor> in,
        ::llvm::SmallVectorImpl<::tessera::Tensor> &out) {
      return ::tessera::graph::wrapEval(getOperation(), out,
          ::tessera::golden::reduce(in[0], getAxes(), getKeepdims(),
              getNoopWithEmptyAxes(), ::tessera::golden::ReduceKind::}] # kind # [{));
    }
  }];
}

def Graph_ReduceSumOp : Graph_ReduceOp<"reduce_sum", "Sum">;
def Graph_ReduceMeanOp : Graph_ReduceOp<"reduce_mean", "Mean">;
def Graph_ReduceMaxOp : Graph_ReduceOp<"reduce_max", "Max">;
def Graph_ReduceMinOp : Graph_ReduceOp<"reduce_min", "Min">;
def Graph_ReduceProdOp : Graph_ReduceOp<"reduce_prod", "Prod">;
def Graph_ReduceL1Op : Graph_ReduceOp<"reduce_l1", "L1">;
def Graph_ReduceL2Op : Graph_ReduceOp<"reduce_l2", "L2">;
def Graph_ReduceSumSquareOp : Graph_ReduceOp<"reduce_sum_square", "SumSquare">;
def Graph_ReduceLogSumOp : Graph_ReduceOp<"reduce_log_sum", "LogSum">;
def Graph_ReduceLogSumExpOp : Graph_ReduceOp<"reduce_log_sum_exp", "LogSumExp">;

#endif // TESSERA_GRAPH_REDUCTION_OPS
