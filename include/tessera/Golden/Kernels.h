//===- Kernels.h - Golden reference kernels ---------------------*- C++ -*-===//
//
// The host implementations behind the graph dialect's EvaluableOpInterface.
// They work on tessera::Tensor and know nothing about MLIR, so they are unit
// tested directly. Floating-point work is done in f32; integer work in int64
// then wrapped to the result type. Errors a user's data can cause (an index
// out of range, incompatible shapes) come back as llvm::Error.
//
// The simulator never calls these: a check of code against itself proves
// nothing.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GOLDEN_KERNELS_H
#define TESSERA_GOLDEN_KERNELS_H

#include "tessera/Support/Tensor.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

namespace tessera::golden {

/// Creates an llvm::Error with a formatted message.
llvm::Error makeError(const llvm::Twine &message);

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// ONNX (numpy) multidirectional broadcasting of two shapes.
llvm::Expected<Shape> broadcastShapes(const Shape &a, const Shape &b);

/// Applies `floatFn` to float tensors and `intFn` to integer ones (or
/// `floatFn` through a conversion when `intFn` is null).
Tensor mapUnary(const Tensor &x, llvm::function_ref<float(float)> floatFn,
                llvm::function_ref<int64_t(int64_t)> intFn);

/// Broadcasting binary map producing `resultType`.
llvm::Expected<Tensor>
mapBinary(const Tensor &a, const Tensor &b, DType resultType,
          llvm::function_ref<float(float, float)> floatFn,
          llvm::function_ref<int64_t(int64_t, int64_t)> intFn);

/// Broadcasting comparison producing a bool tensor. Integer tensors compare
/// exactly as int64 (`intFn`), floats as double.
llvm::Expected<Tensor>
compareBinary(const Tensor &a, const Tensor &b,
              llvm::function_ref<bool(double, double)> fn,
              llvm::function_ref<bool(int64_t, int64_t)> intFn);

llvm::Expected<Tensor> pow(const Tensor &base, const Tensor &exponent);
llvm::Expected<Tensor> mod(const Tensor &a, const Tensor &b, bool fmod);
llvm::Expected<Tensor> where(const Tensor &cond, const Tensor &x,
                             const Tensor &y);

/// Iterates over every index of `outShape`, giving the flat offset into each
/// broadcast input. Shared by the broadcasting kernels.
void forEachBroadcast(
    const Shape &outShape, llvm::ArrayRef<const Shape *> inputShapes,
    llvm::function_ref<void(int64_t out, llvm::ArrayRef<int64_t> ins)> fn);

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

llvm::Expected<Shape> matmulShape(const Shape &a, const Shape &b);
llvm::Expected<Tensor> matmul(const Tensor &a, const Tensor &b);
/// Determinant of each matrix in the last two (square) dimensions.
llvm::Expected<Shape> detShape(const Shape &x);
llvm::Expected<Tensor> det(const Tensor &x);
llvm::Expected<Tensor> gemm(const Tensor &a, const Tensor &b, const Tensor *c,
                            float alpha, float beta, bool transA, bool transB);

//===----------------------------------------------------------------------===//
// Softmax, normalization, reductions
//===----------------------------------------------------------------------===//

Tensor softmax(const Tensor &x, int64_t axis, bool logSoftmax);
/// Normalizes over dimensions [axis, rank); scale (and bias) broadcast.
llvm::Expected<Tensor> layerNorm(const Tensor &x, const Tensor &scale,
                                 const Tensor *bias, int64_t axis,
                                 float epsilon);
llvm::Expected<Tensor> rmsNorm(const Tensor &x, const Tensor &scale,
                               int64_t axis, float epsilon);

enum class ReduceKind {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  L1,
  L2,
  SumSquare,
  LogSum,
  LogSumExp
};
/// Normalizes `axes` (negative values count from the back) and checks them.
llvm::Expected<std::vector<int64_t>> normalizeAxes(llvm::ArrayRef<int64_t> axes,
                                                   int64_t rank);
llvm::Expected<Tensor> reduce(const Tensor &x, llvm::ArrayRef<int64_t> axes,
                              bool keepdims, bool noopWithEmptyAxes,
                              ReduceKind kind);

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

Tensor transpose(const Tensor &x, llvm::ArrayRef<int64_t> perm);
llvm::Expected<Tensor> concat(llvm::ArrayRef<Tensor> inputs, int64_t axis);
/// One (start, end, step) per dimension, already clamped.
Tensor slice(const Tensor &x, llvm::ArrayRef<int64_t> starts,
             llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> steps);
/// Number of elements a normalized slice takes from a dimension.
int64_t sliceLength(int64_t start, int64_t end, int64_t step);
llvm::Expected<Tensor> gather(const Tensor &x, const Tensor &indices,
                              int64_t axis);

} // namespace tessera::golden

#endif // TESSERA_GOLDEN_KERNELS_H
