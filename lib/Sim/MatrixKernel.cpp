//===- MatrixKernel.cpp - The matrix engine's functional arithmetic -------===//
//
// The functional matrix engine dominates the simulator's host time, so
// gemmF32 is a packed, register-blocked kernel (the BLIS/GotoBLAS structure):
// A is packed into panels of MR rows and B into panels of NR columns, both
// k-major, and a micro-kernel keeps an MR x NR block of C in vector
// registers while it walks k in ascending order. Each C element therefore
// sees exactly the defined sequence c = (...((c0 + a0*b0) + a1*b1) ...),
// which is why no BLAS is used: OpenBLAS and BLIS split k into blocks and add
// partial sums, which changes the rounding.
//
// This file is compiled with -ffp-contract=off (see CMakeLists.txt), so
// `add(c, mul(a, b))` stays two roundings. When every product is exact in
// f32 (bf16/f16 operands in range, productsAreExact) the kernel uses FMA
// instead, which rounds the same; that is the common case and twice as fast.
//
// The vector width is chosen once at load time from the host's CPU features
// (AVX-512F, AVX2 + FMA, or the portable loop); all of them give the bits of
// gemmF32Reference.
//
//===----------------------------------------------------------------------===//
#include "tessera/Sim/MatrixKernel.h"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TESSERA_X86_KERNELS 1
#endif

namespace tessera::sim {

namespace {

/// The exponent fields of an operand array's values, for productsAreExact:
/// the smallest and largest field among the nonzero values (255 and 0 when
/// every value is zero), and the OR of every value's low 13 mantissa bits
/// (nonzero when a value has more than 11 significant bits).
struct FieldRange {
  uint32_t minField = 255, maxField = 0, lowBits = 0;
};

/// Branch-free over 32-bit lanes so the compiler vectorizes it: a zero
/// contributes 255 to the minimum and 0 to the maximum, i.e. nothing.
FieldRange fieldRangeGeneric(const float *x, size_t n) {
  FieldRange r;
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, &x[i], 4);
    uint32_t e = (u >> 23) & 0xFF;
    uint32_t zero = (u & 0x7FFFFFFF) == 0;
    r.lowBits |= u & 0x1FFF;
    r.minField = std::min(r.minField, zero ? 255u : e);
    r.maxField = std::max(r.maxField, zero ? 0u : e);
  }
  return r;
}

/// fieldRange of bf16 values given as bit patterns (any alignment): the
/// fields of their f32 widenings, which are exact, read from half the
/// bytes. A bf16 value has 8 significant bits, so lowBits stays 0.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
FieldRange
fieldRangeBF16(const uint8_t *x, size_t n) {
  // Branch-free so the compiler vectorizes it. A zero's field is 0, which
  // counts for nothing in the maximum; in the minimum it counts as 255.
  uint16_t lo = 255, hi = 0;
  for (size_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, x + 2 * i, 2);
    uint16_t e = (uint16_t)((h >> 7) & 0xFF);
    uint16_t zero = (uint16_t)((h & 0x7FFF) == 0);
    lo = std::min<uint16_t>(lo, (uint16_t)(e | (uint16_t)(0xFF * zero)));
    hi = std::max<uint16_t>(hi, e);
  }
  FieldRange r;
  r.minField = lo;
  r.maxField = hi;
  return r;
}

#ifdef TESSERA_X86_KERNELS
// The scan runs over both operands of every mmad, a tenth of the
// simulator's time when the compiler's version of the loop above is used.
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx512f"))),               \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f")
#endif
FieldRange fieldRangeAvx512(const float *x, size_t n) {
  // Fields compared in place (u & 0x7F800000), shifted down at the end.
  const __m512i expMask = _mm512_set1_epi32(0x7F800000),
                absMask = _mm512_set1_epi32(0x7FFFFFFF),
                lowMask = _mm512_set1_epi32(0x1FFF);
  __m512i lo = expMask, hi = _mm512_setzero_si512(),
          low = _mm512_setzero_si512();
  for (size_t i = 0; i < n; i += 16) {
    // The tail's missing lanes load as zeros, which count for nothing.
    __mmask16 in =
        n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
    __m512i u = _mm512_maskz_loadu_epi32(in, x + i);
    __m512i e = _mm512_and_si512(u, expMask);
    __mmask16 nz = _mm512_test_epi32_mask(u, absMask);
    lo = _mm512_mask_min_epu32(lo, nz, lo, e);
    hi = _mm512_mask_max_epu32(hi, nz, hi, e);
    low = _mm512_or_si512(low, _mm512_and_si512(u, lowMask));
  }
  // Reduced through memory: GCC 12's _mm512_reduce_* warn (-Wuninitialized).
  alignas(64) uint32_t los[16], his[16], lows[16];
  _mm512_store_si512((void *)los, lo);
  _mm512_store_si512((void *)his, hi);
  _mm512_store_si512((void *)lows, low);
  FieldRange r;
  for (int i = 0; i < 16; ++i) {
    r.minField = std::min(r.minField, los[i] >> 23);
    r.maxField = std::max(r.maxField, his[i] >> 23);
    r.lowBits |= lows[i];
  }
  return r;
}
#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

FieldRange fieldRange(const float *x, size_t n);

} // namespace

namespace {
/// Whether every product of a value of A by one of B is exact in f32, from
/// the operands' exponent fields: the test of productsAreExact.
bool fieldsGiveExactProducts(const FieldRange &ra, const FieldRange &rb) {
  // Unbiased exponent range of the nonzero values; subnormals count as
  // -150 so that any product involving one is treated as inexact. Values
  // with more than 11 significant bits (not from bf16/f16) or inf/NaN (a
  // nonzero value with field 255) disqualify.
  auto range = [](const FieldRange &r, int &lo, int &hi) {
    bool special = r.lowBits != 0 || r.maxField == 255;
    if (r.maxField == 0 && r.minField == 255) { // all zeros
      lo = 0;
      hi = -1000;
      return !special;
    }
    lo = r.minField == 0 ? -150 : (int)r.minField - 127;
    hi = (int)r.maxField - 127;
    return !special;
  };
  int loA, hiA, loB, hiB;
  if (!range(ra, loA, hiA) || !range(rb, loB, hiB))
    return false;
  if (hiA < -999 || hiB < -999)
    return true; // one operand is all zeros: every product is an exact zero
  // |a| < 2^(hiA+1), |b| < 2^(hiB+1): the product stays below 2^127 (no
  // overflow) and at or above 2^-126 (normal, so its <= 22 significant
  // bits fit in f32's 24).
  return hiA + hiB <= 125 && loA + loB >= -126;
}
} // namespace

bool productsAreExact(const float *a, size_t na, const float *b, size_t nb) {
  return fieldsGiveExactProducts(fieldRange(a, na), fieldRange(b, nb));
}

void gemmF32Reference(int64_t m, int64_t n, int64_t k, const float *a,
                      const float *b, float *c) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = c[i * n + j];
      for (int64_t p = 0; p < k; ++p) {
        float prod = a[i * k + p] * b[p * n + j];
        acc = acc + prod;
      }
      c[i * n + j] = acc;
    }
}

namespace {

// The portable kernel: blocked so a block of C rows stays in cache while B
// streams; the inner loop is a saxpy the compiler vectorizes. Each C element
// accumulates its k products in order.
void gemmGeneric(int64_t m, int64_t n, int64_t k, const float *a,
                 const float *b, float *c) {
  constexpr int64_t NB = 256; // columns of C per block: 1 KiB per row
  for (int64_t j0 = 0; j0 < n; j0 += NB) {
    int64_t nb = std::min(NB, n - j0);
    for (int64_t i = 0; i < m; ++i) {
      float *__restrict crow = c + i * n + j0;
      for (int64_t p = 0; p < k; ++p) {
        float av = a[i * k + p];
        const float *__restrict brow = b + p * n + j0;
        for (int64_t j = 0; j < nb; ++j)
          crow[j] += av * brow[j];
      }
    }
  }
}

#ifdef TESSERA_X86_KERNELS

/// Packs A (m x k) into panels of MR rows, k-major, rows past m zero, and B
/// (k x n) into panels of NR columns, k-major, columns past n zero.
template <int MR, int NR>
void pack(int64_t m, int64_t n, int64_t k, const float *a, const float *b,
          std::vector<float> &pa, std::vector<float> &pb) {
  int64_t mp = (m + MR - 1) / MR, np = (n + NR - 1) / NR;
  // Every element is written below (padding with explicit zeros), so the
  // buffers are only resized, not zero-filled first: the fill was a large
  // share of an mmad's cost.
  if (pa.size() < (size_t)(mp * MR * k))
    pa.resize(mp * MR * k);
  if (pb.size() < (size_t)(np * NR * k))
    pb.resize(np * NR * k);
  for (int64_t ib = 0; ib < mp; ++ib) {
    float *dst = pa.data() + ib * MR * k;
    int64_t rows = std::min<int64_t>(MR, m - ib * MR);
    for (int64_t i = 0; i < rows; ++i) {
      const float *src = a + (ib * MR + i) * k;
      for (int64_t p = 0; p < k; ++p)
        dst[p * MR + i] = src[p];
    }
    for (int64_t i = rows; i < MR; ++i)
      for (int64_t p = 0; p < k; ++p)
        dst[p * MR + i] = 0.0f;
  }
  for (int64_t jb = 0; jb < np; ++jb) {
    float *dst = pb.data() + jb * NR * k;
    int64_t cols = std::min<int64_t>(NR, n - jb * NR);
    for (int64_t p = 0; p < k; ++p) {
      std::memcpy(dst + p * NR, b + p * n + jb * NR, cols * sizeof(float));
      if (cols < NR)
        std::memset(dst + p * NR + cols, 0, (NR - cols) * sizeof(float));
    }
  }
}

inline float bf16BitsToF32(const uint8_t *p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  uint32_t u = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

#define AI inline __attribute__((always_inline))

// The kernels of each ISA are compiled for it (the caller checks the CPU at
// run time). GCC takes the target from a pragma region; clang ignores that
// pragma and needs the attribute pushed onto every function instead.
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx512f"))),               \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f")
#endif
namespace avx512 {
struct Vec {
  using V = __m512;
  static constexpr int W = 16, MR = 8;
  static AI V zero() { return _mm512_setzero_ps(); }
  static AI V set1(float x) { return _mm512_set1_ps(x); }
  static AI V load(const float *p) { return _mm512_loadu_ps(p); }
  static AI V loadN(const float *p, int n) {
    if (n >= W)
      return _mm512_loadu_ps(p);
    return _mm512_maskz_loadu_ps((__mmask16)((1u << std::max(n, 0)) - 1), p);
  }
  static AI void storeN(float *p, V v, int n) {
    if (n >= W)
      _mm512_storeu_ps(p, v);
    else if (n > 0)
      _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), v);
  }
  static AI V mulAdd(V c, V a, V b) {
    return _mm512_add_ps(c, _mm512_mul_ps(a, b));
  }
  static AI V fma(V c, V a, V b) { return _mm512_fmadd_ps(a, b, c); }
  /// 16 bf16 values (any alignment) to f32: each 16-bit pattern shifted into
  /// the top half of a float, exactly.
  static AI void bf16x16(const uint8_t *src, float *dst) {
    // The maskz forms: GCC 12's unmasked ones warn (-Wmaybe-uninitialized).
    __m256i h = _mm256_loadu_si256((const __m256i *)src);
    __m512i w = _mm512_maskz_cvtepu16_epi32((__mmask16)0xFFFF, h);
    _mm512_storeu_si512((void *)dst,
                        _mm512_maskz_slli_epi32((__mmask16)0xFFFF, w, 16));
  }
};

#include "MatrixMicroKernel.inc"
} // namespace avx512
#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2,fma"))),              \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
namespace avx2 {
struct Vec {
  using V = __m256;
  static constexpr int W = 8, MR = 6;
  static AI __m256i mask(int n) {
    __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
  }
  static AI V zero() { return _mm256_setzero_ps(); }
  static AI V set1(float x) { return _mm256_set1_ps(x); }
  static AI V load(const float *p) { return _mm256_loadu_ps(p); }
  static AI V loadN(const float *p, int n) {
    if (n >= W)
      return _mm256_loadu_ps(p);
    if (n <= 0)
      return zero();
    return _mm256_maskload_ps(p, mask(n));
  }
  static AI void storeN(float *p, V v, int n) {
    if (n >= W)
      _mm256_storeu_ps(p, v);
    else if (n > 0)
      _mm256_maskstore_ps(p, mask(n), v);
  }
  static AI V mulAdd(V c, V a, V b) {
    return _mm256_add_ps(c, _mm256_mul_ps(a, b));
  }
  static AI V fma(V c, V a, V b) { return _mm256_fmadd_ps(a, b, c); }
  static AI void bf16x16(const uint8_t *src, float *dst) {
    for (int half = 0; half < 2; ++half) {
      __m128i h = _mm_loadu_si128((const __m128i *)(src + 16 * half));
      _mm256_storeu_si256((__m256i *)(dst + 8 * half),
                          _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
  }
};

#include "MatrixMicroKernel.inc"
} // namespace avx2
#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#undef AI

/// Packs for `Vec`'s block shape, then runs its kernel.
template <typename Vec>
void gemmPacked(int64_t m, int64_t n, int64_t k, const float *a, const float *b,
                float *c, bool fused,
                void (*run)(int64_t, int64_t, int64_t, const float *,
                            const float *, float *, bool)) {
  thread_local std::vector<float> pa, pb;
  pack<Vec::MR, 2 * Vec::W>(m, n, k, a, b, pa, pb);
  run(m, n, k, pa.data(), pb.data(), c, fused);
}

/// packBF16Nz for `Vec`'s block shape, the exactness test on the operands'
/// bf16 bits (an nz tile's columns are whole fractal rows: A is m * k
/// values, B k * n), then its kernel.
template <typename Vec>
void gemmPackedBF16Nz(int64_t m, int64_t n, int64_t k, const uint8_t *a,
                      const uint8_t *b, float *c,
                      void (*pack)(int64_t, int64_t, int64_t, const uint8_t *,
                                   const uint8_t *, std::vector<float> &,
                                   std::vector<float> &),
                      void (*run)(int64_t, int64_t, int64_t, const float *,
                                  const float *, float *, bool)) {
  thread_local std::vector<float> pa, pb;
  pack(m, n, k, a, b, pa, pb);
  bool exact = fieldsGiveExactProducts(fieldRangeBF16(a, (size_t)(m * k)),
                                       fieldRangeBF16(b, (size_t)(k * n)));
  run(m, n, k, pa.data(), pb.data(), c, exact);
}

enum class Isa { Avx512, Avx2, Generic };

Isa hostIsa() {
  static const Isa isa = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
      return Isa::Avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      return Isa::Avx2;
    return Isa::Generic;
  }();
  return isa;
}

#endif // TESSERA_X86_KERNELS

FieldRange fieldRange(const float *x, size_t n) {
#ifdef TESSERA_X86_KERNELS
  if (hostIsa() == Isa::Avx512)
    return fieldRangeAvx512(x, n);
#endif
  return fieldRangeGeneric(x, n);
}

} // namespace

void gemmF32(int64_t m, int64_t n, int64_t k, const float *a, const float *b,
             float *c, bool exactProducts) {
  if (m <= 0 || n <= 0)
    return;
#ifdef TESSERA_X86_KERNELS
  switch (hostIsa()) {
  case Isa::Avx512:
    return gemmPacked<avx512::Vec>(m, n, k, a, b, c, exactProducts,
                                   avx512::run);
  case Isa::Avx2:
    return gemmPacked<avx2::Vec>(m, n, k, a, b, c, exactProducts, avx2::run);
  case Isa::Generic:
    break;
  }
#endif
  (void)exactProducts;
  gemmGeneric(m, n, k, a, b, c);
}

void gemmBF16Nz(int64_t m, int64_t n, int64_t k, const uint8_t *a,
                const uint8_t *b, float *c) {
  if (m <= 0 || n <= 0)
    return;
#ifdef TESSERA_X86_KERNELS
  switch (hostIsa()) {
  case Isa::Avx512:
    return gemmPackedBF16Nz<avx512::Vec>(m, n, k, a, b, c, avx512::packBF16Nz,
                                         avx512::run);
  case Isa::Avx2:
    return gemmPackedBF16Nz<avx2::Vec>(m, n, k, a, b, c, avx2::packBF16Nz,
                                       avx2::run);
  case Isa::Generic:
    break;
  }
#endif
  // Row-major f32 copies, then the portable kernel.
  std::vector<float> af(m * k), bf(k * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      af[i * k + p] = bf16BitsToF32(a + 2 * (((p / 16) * m + i) * 16 + p % 16));
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j)
      bf[p * n + j] = bf16BitsToF32(b + 2 * (((j / 16) * k + p) * 16 + j % 16));
  gemmF32(m, n, k, af.data(), bf.data(), c,
          productsAreExact(af.data(), af.size(), bf.data(), bf.size()));
}

const char *gemmF32Implementation() {
#ifdef TESSERA_X86_KERNELS
  switch (hostIsa()) {
  case Isa::Avx512:
    return "avx512";
  case Isa::Avx2:
    return "avx2";
  case Isa::Generic:
    break;
  }
#endif
  return "generic";
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void gemmI32(int64_t m, int64_t n, int64_t k, const int32_t *a,
             const int32_t *b, int32_t *c) {
  for (int64_t i = 0; i < m; ++i) {
    int32_t *crow = c + i * n;
    for (int64_t p = 0; p < k; ++p) {
      uint32_t av = (uint32_t)a[i * k + p];
      const int32_t *brow = b + p * n;
      for (int64_t j = 0; j < n; ++j)
        crow[j] = (int32_t)((uint32_t)crow[j] + av * (uint32_t)brow[j]);
    }
  }
}

} // namespace tessera::sim
