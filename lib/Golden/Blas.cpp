//===- Blas.cpp - The golden evaluator's matrix product -------------------===//

#include "Blas.h"

#include <cblas.h>

#include <climits>
#include <initializer_list>

#include "tessera/Golden/Kernels.h"

// Weak: a BLAS without it leaves the threads alone.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

namespace tessera::golden {

void stopIdleBlasThreads() {
  if (blas_thread_shutdown_)
    blas_thread_shutdown_();
}

/// The same product as a plain loop: OpenBLAS takes 32-bit sizes, and a
/// product whose sizes do not fit is done here instead.
static void sgemmLoop(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                      float alpha, const float *a, int64_t lda, const float *b,
                      int64_t ldb, float beta, float *c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int64_t kk = 0; kk < k; ++kk)
        acc += (transA ? a[kk * lda + i] : a[i * lda + kk]) *
               (transB ? b[j * ldb + kk] : b[kk * ldb + j]);
      float &out = c[i * ldc + j];
      out = alpha * acc + (beta == 0.0f ? 0.0f : beta * out);
    }
}

void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
           float alpha, const float *a, int64_t lda, const float *b,
           int64_t ldb, float beta, float *c, int64_t ldc) {
  if (m == 0 || n == 0)
    return;
  for (int64_t v : {m, n, k, lda, ldb, ldc})
    if (v > INT_MAX)
      return sgemmLoop(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c,
                       ldc);
  if (k == 0) {
    // BLAS leaves C * beta; the product of empty matrices is zero.
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha,
              a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

} // namespace tessera::golden
