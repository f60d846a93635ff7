//===- GraphOps.cpp - Op definitions, folders and verifiers ---------------===//
//
// Holds the ODS-generated op definitions (including the elementwise ops'
// evaluators written in the .td files), the folders and the verifiers.
// Type inference lives in GraphTypeInference.cpp, evaluation and cost of the
// remaining ops in GraphEvaluation.cpp.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/Kernels.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;

#define GET_OP_CLASSES
#include "Graph/IR/GraphOps.cpp.inc"

namespace tessera::graph {

//===----------------------------------------------------------------------===//
// Folders
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

/// True if `attr` is a splat constant equal to `value`.
static bool isSplatOf(Attribute attr, double value) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || !dense.isSplat())
    return false;
  Type et = dense.getElementType();
  if (isa<FloatType>(et))
    return dense.getSplatValue<APFloat>().convertToDouble() == value;
  if (auto it = dyn_cast<IntegerType>(et))
    return !it.isInteger(1) &&
           dense.getSplatValue<APInt>().getSExtValue() == (int64_t)value;
  return false;
}

// x + 0 -> x when the result type is x's (no broadcasting happens).
OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (getLhs().getType() == getType() && isSplatOf(adaptor.getRhs(), 0.0))
    return getLhs();
  if (getRhs().getType() == getType() && isSplatOf(adaptor.getLhs(), 0.0))
    return getRhs();
  return {};
}

// x * 1 -> x when the result type is x's.
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (getLhs().getType() == getType() && isSplatOf(adaptor.getRhs(), 1.0))
    return getLhs();
  if (getRhs().getType() == getType() && isSplatOf(adaptor.getLhs(), 1.0))
    return getRhs();
  return {};
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  // The identity permutation moves nothing.
  for (auto [i, p] : llvm::enumerate(getPerm()))
    if ((int64_t)i != p)
      return {};
  return getInput();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // reshape(reshape(x)) -> reshape(x): only the final shape matters.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// Verifiers (beyond what type inference already checks)
//===----------------------------------------------------------------------===//

LogicalResult CastOp::verify() {
  if (!toDType(getTo()))
    return emitOpError() << "cannot cast to " << getTo();
  if (getType().getElementType() != getTo())
    return emitOpError() << "result element type " << getType().getElementType()
                         << " differs from 'to' " << getTo();
  return success();
}

LogicalResult GemmOp::verify() {
  if (getA().getType().getRank() != 2 || getB().getType().getRank() != 2)
    return emitOpError("expects 2-D A and B");
  return success();
}

static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return op->emitOpError()
           << "axis " << axis << " is out of range for rank " << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getInput().getType().getRank());
}
LogicalResult LogSoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getInput().getType().getRank());
}
LogicalResult LayerNormOp::verify() {
  return verifyAxis(*this, getAxis(), getInput().getType().getRank());
}
LogicalResult RMSNormOp::verify() {
  return verifyAxis(*this, getAxis(), getInput().getType().getRank());
}

LogicalResult SliceOp::verify() {
  for (int64_t step : getSteps())
    if (step == 0)
      return emitOpError("slice step must not be 0");
  return success();
}

} // namespace tessera::graph
