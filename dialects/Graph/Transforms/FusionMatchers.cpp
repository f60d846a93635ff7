//===- FusionMatchers.cpp - Small matchers shared by the fusions ----------===//
#include "Graph/Transforms/FusionMatchers.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace tessera::graph {

std::optional<double> getScalarConstant(Value v) {
  auto cst = v.getDefiningOp<ConstantOp>();
  if (!cst)
    return std::nullopt;
  ElementsAttr value = cst.getValue();
  if (!isa<FloatType, IntegerType>(value.getElementType()))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(value);
      dense && dense.isSplat()) {
    if (isa<FloatType>(dense.getElementType()))
      return dense.getSplatValue<APFloat>().convertToDouble();
    if (dense.getElementType().isInteger(1))
      return dense.getSplatValue<bool>() ? 1.0 : 0.0;
    return (double)dense.getSplatValue<APInt>().getSExtValue();
  }
  // A resource-backed constant (as the importer makes of initializers) may
  // still hold one value throughout.
  if (value.getNumElements() == 0 || value.getNumElements() > (1 << 20))
    return std::nullopt;
  FailureOr<Tensor> t = elementsToTensor(value);
  if (failed(t))
    return std::nullopt;
  auto at = [&](int64_t i) {
    return t->isFloat() ? (double)t->getF(i) : (double)t->ints()[i];
  };
  double first = at(0);
  for (int64_t i = 1, n = t->numElements(); i < n; ++i)
    if (at(i) != first)
      return std::nullopt;
  return first;
}

FailureOr<Tensor> getConstantTensor(Value v) {
  auto cst = v.getDefiningOp<ConstantOp>();
  if (!cst)
    return failure();
  return elementsToTensor(cst.getValue());
}

FailureOr<Tensor> evaluateConstantExpr(Value v, int depth,
                                       int64_t maxElements) {
  if (numElements(v.getType()) > maxElements)
    return failure();
  if (auto cst = v.getDefiningOp<ConstantOp>())
    return elementsToTensor(cst.getValue());
  Operation *op = v.getDefiningOp();
  auto evaluable = dyn_cast_or_null<EvaluableOpInterface>(op);
  if (!evaluable || depth <= 0 || op->getNumResults() != 1)
    return failure();
  SmallVector<Tensor> in;
  for (Value operand : op->getOperands()) {
    FailureOr<Tensor> t = evaluateConstantExpr(operand, depth - 1, maxElements);
    if (failed(t))
      return failure();
    in.push_back(std::move(*t));
  }
  SmallVector<Tensor> out;
  // A sub-expression that does not evaluate is simply not a constant here;
  // its error belongs to whoever evaluates the graph.
  ScopedDiagnosticHandler silence(op->getContext(),
                                  [](Diagnostic &) { return success(); });
  if (failed(evaluable.evaluate(in, out)) || out.size() != 1)
    return failure();
  return std::move(out.front());
}

ArrayRef<int64_t> shapeOfValue(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

Value createSplatConstant(PatternRewriter &rewriter, Location loc,
                          ArrayRef<int64_t> shape, Type elementType,
                          double value) {
  auto type = RankedTensorType::get(shape, elementType);
  auto attr =
      DenseElementsAttr::get(type, rewriter.getFloatAttr(elementType, value));
  return ConstantOp::create(rewriter, loc, cast<ElementsAttr>(attr));
}

Value reshapeTo(PatternRewriter &rewriter, Location loc, Value v,
                ArrayRef<int64_t> shape) {
  if (shapeOfValue(v) == shape)
    return v;
  return ReshapeOp::create(rewriter, loc, v,
                           rewriter.getDenseI64ArrayAttr(shape));
}

} // namespace tessera::graph
