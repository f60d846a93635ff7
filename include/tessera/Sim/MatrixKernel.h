//===- MatrixKernel.h - The matrix engine's functional arithmetic -*- C++
//-*-===//
//
// What one `mmad` computes, on dense host arrays: C[m x n] += A[m x k] *
// B[k x n] with the hardware model's numerics. Every C element starts from
// its L0C value (or 0) and adds its k products one at a time in ascending k
// order, each product rounded to f32 and each sum rounded to f32
// (round-to-nearest-even). The result does not depend on the host: the fast
// kernels below produce exactly the bits of `gemmF32Reference`.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SIM_MATRIXKERNEL_H
#define TESSERA_SIM_MATRIXKERNEL_H

#include <cstddef>
#include <cstdint>

namespace tessera::sim {

/// True if every product a[i] * b[j] of the two operand arrays is exactly
/// representable in f32 (no rounding, no overflow, no underflow): every
/// value has at most 11 significant bits (values from bf16 or f16 do), so a
/// product has at most 22, and the exponents keep products in f32's normal
/// range. Then a fused multiply-add rounds exactly like the defined
/// multiply-then-add, and the kernel may use it. Infinities and NaNs make it
/// false.
bool productsAreExact(const float *a, size_t na, const float *b, size_t nb);

/// C[m x n] += A[m x k] * B[k x n], all dense row-major f32, in the defined
/// order. `exactProducts` (from productsAreExact) lets the kernel fuse
/// multiply and add; it never changes the result.
void gemmF32(int64_t m, int64_t n, int64_t k, const float *a, const float *b,
             float *c, bool exactProducts);

/// gemmF32 for bf16 operands read straight from their nz tiles: A (m x k)
/// and B (k x n) are laid out as bin::Layout::NZ tiles (fractals of 16
/// columns, each rows x 16 elements row-major; m, n and k multiples of 16),
/// C is dense row-major m x n. The operands are converted to f32 while they
/// are packed, with productsAreExact over them deciding the fused path:
/// exactly the bits of gemmF32 on the converted arrays, without the
/// row-major copies.
void gemmBF16Nz(int64_t m, int64_t n, int64_t k, const uint8_t *a,
                const uint8_t *b, float *c);

/// The definition, one element at a time; the tests compare against it.
void gemmF32Reference(int64_t m, int64_t n, int64_t k, const float *a,
                      const float *b, float *c);

/// C += A * B for int8 operands accumulated in int32 with wrap-around.
void gemmI32(int64_t m, int64_t n, int64_t k, const int32_t *a,
             const int32_t *b, int32_t *c);

/// Which implementation gemmF32 uses on this host ("avx512" or "generic").
const char *gemmF32Implementation();

} // namespace tessera::sim

#endif
