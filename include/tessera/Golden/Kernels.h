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

#include <cstddef>
#include <type_traits>

namespace tessera::golden {

/// Creates an llvm::Error with a formatted message.
llvm::Error makeError(const llvm::Twine &message);

/// Stops OpenBLAS's idle worker threads, which otherwise spin in
/// `sched_yield` for a while after the library loads and after each product,
/// taking CPU from the tool's own work (19 % of a 4096^3 GEMM compile's
/// samples). OpenBLAS starts them again if a product needs them. A no-op with
/// a BLAS that does not export OpenBLAS's (undocumented) shutdown entry point.
void stopIdleBlasThreads();

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// ONNX (numpy) multidirectional broadcasting of two shapes.
llvm::Expected<Shape> broadcastShapes(const Shape &a, const Shape &b);

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

/// The same iteration in runs: `fn(out, ins, length, steps)` stands for the
/// `length` output elements from `out` on, where input k is read at
/// `ins[k] + i * steps[k]`. Axes that advance every input alike are merged,
/// so a run is as long as the broadcast allows (the whole tensor when the
/// shapes match).
void forEachBroadcastRun(
    const Shape &outShape, llvm::ArrayRef<const Shape *> inputShapes,
    llvm::function_ref<void(int64_t out, llvm::ArrayRef<int64_t> ins,
                            int64_t length, llvm::ArrayRef<int64_t> steps)>
        fn);

/// Rounds an f16/bf16 tensor's elements (kept as f32) to their type, for
/// kernels that write f32 results straight into the storage.
void roundToStorageType(Tensor &t);

/// Applies `floatFn` to float tensors and `intFn` to integer ones (or
/// `floatFn` through a conversion when `intFn` is nullptr). A template so
/// that the elementwise expression inlines into the loop: this is the golden
/// evaluator's most frequent kernel.
template <typename FloatFn, typename IntFn>
Tensor mapUnary(const Tensor &x, FloatFn floatFn, IntFn intFn) {
  constexpr bool hasIntFn = !std::is_same_v<IntFn, std::nullptr_t>;
  Tensor r(x.dtype(), x.shape());
  if (x.isFloat()) {
    const float *in = x.floats().data();
    float *out = r.floats().data();
    for (int64_t i = 0, e = x.numElements(); i < e; ++i)
      out[i] = floatFn(in[i]);
    roundToStorageType(r);
    return r;
  }
  for (int64_t i = 0, e = x.numElements(); i < e; ++i) {
    if constexpr (hasIntFn)
      r.setI(i, intFn(x.getI(i)));
    else
      r.setD(i, floatFn(x.getF(i)));
  }
  return r;
}

/// Broadcasting binary map producing `resultType` (see mapUnary).
template <typename FloatFn, typename IntFn>
llvm::Expected<Tensor> mapBinary(const Tensor &a, const Tensor &b,
                                 DType resultType, FloatFn floatFn,
                                 IntFn intFn) {
  constexpr bool hasIntFn = !std::is_same_v<IntFn, std::nullptr_t>;
  auto shape = broadcastShapes(a.shape(), b.shape());
  if (!shape)
    return shape.takeError();
  Tensor r(resultType, *shape);
  bool useInt = hasIntFn && !a.isFloat();
  if (!useInt && a.isFloat() && b.isFloat() && isFloatDType(resultType)) {
    const float *pa = a.floats().data(), *pb = b.floats().data();
    float *pr = r.floats().data();
    forEachBroadcastRun(*shape, {&a.shape(), &b.shape()},
                        [&](int64_t o, llvm::ArrayRef<int64_t> in,
                            int64_t length, llvm::ArrayRef<int64_t> steps) {
                          const float *x = pa + in[0], *y = pb + in[1];
                          float *z = pr + o;
                          if (steps[0] == 1 && steps[1] == 1) {
                            for (int64_t i = 0; i < length; ++i)
                              z[i] = floatFn(x[i], y[i]);
                          } else if (steps[0] == 1 && steps[1] == 0) {
                            float yv = *y;
                            for (int64_t i = 0; i < length; ++i)
                              z[i] = floatFn(x[i], yv);
                          } else if (steps[0] == 0 && steps[1] == 1) {
                            float xv = *x;
                            for (int64_t i = 0; i < length; ++i)
                              z[i] = floatFn(xv, y[i]);
                          } else {
                            for (int64_t i = 0; i < length; ++i)
                              z[i] = floatFn(x[i * steps[0]], y[i * steps[1]]);
                          }
                        });
    roundToStorageType(r);
    return r;
  }
  forEachBroadcast(*shape, {&a.shape(), &b.shape()},
                   [&](int64_t o, llvm::ArrayRef<int64_t> in) {
                     if constexpr (hasIntFn) {
                       if (useInt) {
                         r.setI(o, intFn(a.getI(in[0]), b.getI(in[1])));
                         return;
                       }
                     }
                     r.setD(o, floatFn(a.getF(in[0]), b.getF(in[1])));
                   });
  return r;
}

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
