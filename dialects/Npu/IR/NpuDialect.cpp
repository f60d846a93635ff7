//===- NpuDialect.cpp - The npu dialect -----------------------------------===//
#include "Npu/IR/NpuDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace tessera::npu;

#include "Npu/IR/NpuDialect.cpp.inc"
#include "Npu/IR/NpuEnums.cpp.inc"

void NpuDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "Npu/IR/NpuOps.cpp.inc"
      >();
}

LogicalResult DispatchOp::verify() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("has ")
           << getInputs().size() << " operands but its body "
           << body.getNumArguments() << " arguments";
  for (auto [operand, arg] : llvm::zip(getInputs(), body.getArguments())) {
    auto a = cast<RankedTensorType>(operand.getType());
    auto b = dyn_cast<RankedTensorType>(arg.getType());
    if (!b || a.getShape() != b.getShape())
      return emitOpError("operand type ")
             << a << " and body argument type " << arg.getType()
             << " differ in shape";
  }
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().size() != getResults().size())
    return emitOpError("yields ") << yield.getValues().size() << " values for "
                                  << getResults().size() << " results";
  for (auto [v, r] : llvm::zip(yield.getValues(), getResults()))
    if (cast<RankedTensorType>(v.getType()).getShape() !=
        cast<RankedTensorType>(r.getType()).getShape())
      return emitOpError("result type ") << r.getType() << " and yielded type "
                                         << v.getType() << " differ in shape";
  if (auto addrs = getAddrs())
    if (addrs->size() != getInputs().size() + getResults().size() +
                             (getScratch() ? getScratch()->size() : 0))
      return emitOpError("'addrs' needs one address per operand, result and "
                         "scratch buffer");
  return success();
}

#define GET_OP_CLASSES
#include "Npu/IR/NpuOps.cpp.inc"
