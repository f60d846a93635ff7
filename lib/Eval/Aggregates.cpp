//===- Aggregates.cpp - Golden evaluation of sequences and optionals ------===//
//
// Sequences and optionals have static lengths and presence (their types say
// them), so each is held as its list of tensors; these ops only move tensors
// in and out of such lists.
//
//===----------------------------------------------------------------------===//

#include "Aggregates.h"

#include "Graph/IR/GraphDialect.h"

using namespace mlir;

namespace tessera {

bool isAggregateOp(Operation *op) {
  return isa<graph::SeqConstructOp, graph::SeqAtOp, graph::OptWrapOp,
             graph::OptNoneOp, graph::OptGetOp>(op);
}

LogicalResult evaluateAggregateOp(
    Operation *op, function_ref<FailureOr<Tensor>(Value)> tensorOf,
    llvm::DenseMap<Value, Tensor> &env, AggregateValues &aggregates) {
  // The flattened tensors of an operand: a tensor is one, an aggregate its
  // list.
  auto flat = [&](Value v) -> FailureOr<std::vector<Tensor>> {
    if (graph::isAggregateType(v.getType())) {
      auto it = aggregates.find(v);
      if (it == aggregates.end())
        return op->emitOpError("uses a value that was not computed"), failure();
      return it->second;
    }
    FailureOr<Tensor> t = tensorOf(v);
    if (failed(t))
      return failure();
    return std::vector<Tensor>{std::move(*t)};
  };
  // Binds a result from its flattened tensors.
  auto bind = [&](Value result, std::vector<Tensor> tensors) {
    if (graph::isAggregateType(result.getType()))
      aggregates[result] = std::move(tensors);
    else
      env[result] = std::move(tensors.front());
  };

  if (auto construct = dyn_cast<graph::SeqConstructOp>(op)) {
    std::vector<Tensor> elements;
    for (Value v : construct.getInputs()) {
      FailureOr<Tensor> t = tensorOf(v);
      if (failed(t))
        return failure();
      elements.push_back(std::move(*t));
    }
    bind(construct.getResult(), std::move(elements));
    return success();
  }
  if (auto at = dyn_cast<graph::SeqAtOp>(op)) {
    FailureOr<std::vector<Tensor>> elements = flat(at.getSequence());
    if (failed(elements))
      return failure();
    // The verifier bounds the index by the type, which the value matches.
    bind(at.getResult(), {(*elements)[at.getIndex()]});
    return success();
  }
  if (isa<graph::OptWrapOp, graph::OptGetOp>(op)) {
    // Wrapping and unwrapping a present optional keep the tensors as they
    // are.
    FailureOr<std::vector<Tensor>> tensors = flat(op->getOperand(0));
    if (failed(tensors))
      return failure();
    bind(op->getResult(0), std::move(*tensors));
    return success();
  }
  if (isa<graph::OptNoneOp>(op)) {
    bind(op->getResult(0), {});
    return success();
  }
  return op->emitOpError("is not a sequence or optional op");
}

} // namespace tessera
