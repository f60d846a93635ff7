//===- GraphQuantOps.cpp - Weight-only quantized ops ----------------------===//
//
// Type inference, verification, golden evaluation and cost of the ops in
// GraphQuantOps.td. The shape rules are the golden kernel's
// (QuantKernels.h), so the messages are the same in both.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/Kernels.h"
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

golden::BlockQuantLayout DequantMatMulOp::getLayout() {
  golden::BlockQuantLayout l;
  l.format = golden::parseBlockQuantFormat(getFormat())
                 .value_or(golden::BlockQuantFormat::Int4);
  l.blockN = getBlockN();
  l.blockK = getBlockK();
  return l;
}

/// The shape rule of graph.dequant_matmul on its operand types, with the
/// format checked first (shared by type inference and the verifier).
static llvm::Expected<Shape> dequantShape(Type x, Type w, Type scale, Type zero,
                                          StringRef format, int64_t blockN,
                                          int64_t blockK) {
  auto f = golden::parseBlockQuantFormat(format);
  if (!f)
    return golden::makeError("format must be \"int4\" or \"fp8_e4m3\", got \"" +
                             format.str() + "\"");
  if (*f == golden::BlockQuantFormat::Int4 && blockN != 1)
    return golden::makeError("int4 groups run along K: block_n must be 1, "
                             "got " +
                             std::to_string(blockN));
  Shape zs = zero ? shapeOf(zero) : Shape();
  return golden::dequantMatmulShape(shapeOf(x), shapeOf(w), shapeOf(scale),
                                    zero ? &zs : nullptr, {*f, blockN, blockK});
}

LogicalResult DequantMatMulOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  Type x = adaptor.getInput().getType();
  Value zero = adaptor.getZeroPoint();
  auto shape = dequantShape(x, adaptor.getWeight().getType(),
                            adaptor.getScale().getType(),
                            zero ? zero.getType() : Type(), adaptor.getFormat(),
                            adaptor.getBlockN(), adaptor.getBlockK());
  if (!shape) {
    std::string message = llvm::toString(shape.takeError());
    if (loc)
      mlir::emitError(*loc) << "'graph.dequant_matmul': " << message;
    return failure();
  }
  types.push_back(tensorOf(*shape, elementOf(x)));
  return success();
}

LogicalResult DequantMatMulOp::verify() {
  Value zero = getZeroPoint();
  auto shape = dequantShape(
      getInput().getType(), getWeight().getType(), getScale().getType(),
      zero ? zero.getType() : Type(), getFormat(), getBlockN(), getBlockK());
  if (!shape)
    return emitOpError(llvm::toString(shape.takeError()));
  return success();
}

LogicalResult DequantMatMulOp::evaluate(ArrayRef<Tensor> in,
                                        SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out,
                  golden::dequantMatmul(in[0], in[1], in[2],
                                        in.size() > 3 ? &in[3] : nullptr,
                                        getLayout()));
}

int64_t DequantMatMulOp::getFlops() {
  int64_t k = shapeOf(getInput().getType()).back();
  return 2 * k * numElements(getType());
}

} // namespace tessera::graph
