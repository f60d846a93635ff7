//===- GraphEvaluation.cpp - Golden evaluation and cost of graph ops ------===//
//
// Thin adapters from ops to the golden kernels (lib/Golden): read the
// attributes, call the kernel, report errors at the op. The elementwise ops'
// evaluators are generated from their ODS definitions.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/Kernels.h"

using namespace mlir;

namespace tessera::graph {

static int64_t dimsProduct(Type t) { return numElements(t); }

//===----------------------------------------------------------------------===//
// Constant
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::evaluate(ArrayRef<Tensor>,
                                   SmallVectorImpl<Tensor> &out) {
  FailureOr<Tensor> t = elementsToTensor(getValue());
  if (failed(t))
    return emitOpError("cannot read the constant's data (missing or short "
                       "resource blob, or unsupported element type)");
  out.push_back(std::move(*t));
  return success();
}
int64_t ConstantOp::getFlops() { return 0; }

//===----------------------------------------------------------------------===//
// Elementwise ops with their own kernels
//===----------------------------------------------------------------------===//

LogicalResult PowOp::evaluate(ArrayRef<Tensor> in,
                              SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::pow(in[0], in[1]));
}

LogicalResult ModOp::evaluate(ArrayRef<Tensor> in,
                              SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::mod(in[0], in[1], getFmod()));
}

LogicalResult WhereOp::evaluate(ArrayRef<Tensor> in,
                                SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::where(in[0], in[1], in[2]));
}

LogicalResult CastOp::evaluate(ArrayRef<Tensor> in,
                               SmallVectorImpl<Tensor> &out) {
  out.push_back(in[0].castTo(*toDType(getTo())));
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::matmul(in[0], in[1]));
}

int64_t MatMulOp::getFlops() {
  // 2 * (output elements) * K.
  auto lhs = getLhs().getType();
  int64_t k = lhs.getShape().back();
  return 2 * dimsProduct(getType()) * k;
}

LogicalResult GemmOp::evaluate(ArrayRef<Tensor> in,
                               SmallVectorImpl<Tensor> &out) {
  const Tensor *c = in.size() > 2 ? &in[2] : nullptr;
  return wrapEval(*this, out,
                  golden::gemm(in[0], in[1], c, getAlpha().convertToFloat(),
                               getBeta().convertToFloat(), getTransA(),
                               getTransB()));
}

int64_t GemmOp::getFlops() {
  auto a = getA().getType();
  int64_t k = getTransA() ? a.getShape()[0] : a.getShape()[1];
  return 2 * dimsProduct(getType()) * k + 2 * dimsProduct(getType());
}

//===----------------------------------------------------------------------===//
// Softmax and normalization
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::evaluate(ArrayRef<Tensor> in,
                                  SmallVectorImpl<Tensor> &out) {
  out.push_back(golden::softmax(in[0], getAxis(), /*logSoftmax=*/false));
  return success();
}
// max, subtract, exp (~4), sum, divide per element.
int64_t SoftmaxOp::getFlops() { return 8 * dimsProduct(getType()); }

LogicalResult LogSoftmaxOp::evaluate(ArrayRef<Tensor> in,
                                     SmallVectorImpl<Tensor> &out) {
  out.push_back(golden::softmax(in[0], getAxis(), /*logSoftmax=*/true));
  return success();
}
int64_t LogSoftmaxOp::getFlops() { return 8 * dimsProduct(getType()); }

LogicalResult LayerNormOp::evaluate(ArrayRef<Tensor> in,
                                    SmallVectorImpl<Tensor> &out) {
  const Tensor *bias = in.size() > 2 ? &in[2] : nullptr;
  return wrapEval(*this, out,
                  golden::layerNorm(in[0], in[1], bias, getAxis(),
                                    getEpsilon().convertToFloat()));
}
// mean, variance (2), normalize (2), scale and shift (2).
int64_t LayerNormOp::getFlops() { return 8 * dimsProduct(getType()); }

LogicalResult RMSNormOp::evaluate(ArrayRef<Tensor> in,
                                  SmallVectorImpl<Tensor> &out) {
  return wrapEval(
      *this, out,
      golden::rmsNorm(in[0], in[1], getAxis(), getEpsilon().convertToFloat()));
}
int64_t RMSNormOp::getFlops() { return 4 * dimsProduct(getType()); }

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::evaluate(ArrayRef<Tensor> in,
                                    SmallVectorImpl<Tensor> &out) {
  out.push_back(golden::transpose(in[0], getPerm()));
  return success();
}

LogicalResult ReshapeOp::evaluate(ArrayRef<Tensor> in,
                                  SmallVectorImpl<Tensor> &out) {
  out.push_back(in[0].reshaped(Shape(getShape().begin(), getShape().end())));
  return success();
}

LogicalResult ConcatOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::concat(in, getAxis()));
}

LogicalResult SliceOp::evaluate(ArrayRef<Tensor> in,
                                SmallVectorImpl<Tensor> &out) {
  out.push_back(golden::slice(in[0], getStarts(), getEnds(), getSteps()));
  return success();
}

LogicalResult GatherOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::gather(in[0], in[1], getAxis()));
}

} // namespace tessera::graph
