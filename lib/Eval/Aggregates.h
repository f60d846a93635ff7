//===- Aggregates.h - Golden evaluation of sequences and optionals -*- C++
//-*-===//
#ifndef TESSERA_LIB_EVAL_AGGREGATES_H
#define TESSERA_LIB_EVAL_AGGREGATES_H

#include "tessera/Support/Tensor.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>
#include <vector>

namespace tessera {

/// The tensors of each sequence or optional value (graph::flattenTypes).
using AggregateValues = llvm::DenseMap<mlir::Value, std::vector<Tensor>>;

/// Whether `op` builds or takes apart a sequence or optional.
bool isAggregateOp(mlir::Operation *op);

/// Runs one such op: reads tensor operands through `tensorOf`, writes tensor
/// results to `env` and aggregate results to `aggregates`.
mlir::LogicalResult evaluateAggregateOp(
    mlir::Operation *op,
    llvm::function_ref<mlir::FailureOr<Tensor>(mlir::Value)> tensorOf,
    llvm::DenseMap<mlir::Value, Tensor> &env, AggregateValues &aggregates);

} // namespace tessera

#endif // TESSERA_LIB_EVAL_AGGREGATES_H
