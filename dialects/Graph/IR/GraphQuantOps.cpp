//===- GraphQuantOps.cpp - Weight-only quantized ops ----------------------===//
//
// Type inference, verification, golden evaluation and cost of the ops in
// GraphQuantOps.td. The shape rules are the golden kernel's
// (QuantKernels.h), so the messages are the same in both.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/QuantKernels.h"

using namespace mlir;

namespace tessera::graph {

LogicalResult WeightQuantMatMulOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  Type x = adaptor.getInput().getType();
  auto shape = golden::weightQuantMatmulShape(
      shapeOf(x), shapeOf(adaptor.getWeight().getType()),
      shapeOf(adaptor.getScale().getType()));
  if (!shape) {
    std::string message = llvm::toString(shape.takeError());
    if (loc)
      mlir::emitError(*loc) << "'graph.weight_quant_matmul': " << message;
    return failure();
  }
  types.push_back(tensorOf(*shape, elementOf(x)));
  return success();
}

LogicalResult WeightQuantMatMulOp::verify() {
  auto shape = golden::weightQuantMatmulShape(shapeOf(getInput().getType()),
                                              shapeOf(getWeight().getType()),
                                              shapeOf(getScale().getType()));
  if (!shape)
    return emitOpError(llvm::toString(shape.takeError()));
  Type se = elementOf(getScale().getType());
  if (se != elementOf(getInput().getType()) && !se.isF32())
    return emitOpError("the scale must be f32 or the input's element type, "
                       "got ")
           << se;
  return success();
}

LogicalResult WeightQuantMatMulOp::evaluate(ArrayRef<Tensor> in,
                                            SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::weightQuantMatmul(in[0], in[1], in[2]));
}

int64_t WeightQuantMatMulOp::getFlops() {
  // The product plus one scale multiply per output element.
  int64_t k = shapeOf(getInput().getType()).back();
  return (2 * k + 1) * numElements(getType());
}

} // namespace tessera::graph
