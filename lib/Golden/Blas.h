//===- Blas.h - The golden evaluator's matrix product -----------*- C++ -*-===//
//
// One entry point for the f32 matrix products behind MatMul, Gemm and Conv
// (as im2col + GEMM). It calls OpenBLAS's sgemm: the golden numerics are f32
// operands with f32 accumulation, which a blocked sgemm keeps; only the order
// of the additions differs from a naive loop. OpenBLAS splits a product
// across threads by rows and columns, never along K, so results do not
// depend on OPENBLAS_NUM_THREADS.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_GOLDEN_BLAS_H
#define TESSERA_LIB_GOLDEN_BLAS_H

#include <cstdint>

namespace tessera::golden {

/// Row-major C[m x n] = alpha * op(A) * op(B) + beta * C, where op(A) is
/// [m x k] (A stored [k x m] when `transA`) and op(B) is [k x n] (B stored
/// [n x k] when `transB`); lda/ldb/ldc are row strides in elements.
void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
           float alpha, const float *a, int64_t lda, const float *b,
           int64_t ldb, float beta, float *c, int64_t ldc);

} // namespace tessera::golden

#endif // TESSERA_LIB_GOLDEN_BLAS_H
