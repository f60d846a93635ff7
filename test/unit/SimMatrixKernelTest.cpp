// The functional matrix kernel against its definition: every C element adds
// its k products in ascending order, each product and each sum rounded to
// f32. The fast kernels must give the definition's bits exactly.
#include "tessera/Sim/MatrixKernel.h"
#include "tessera/Support/Tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace tessera;
using namespace tessera::sim;

namespace {

std::vector<float> randomBf16Values(size_t n, std::mt19937 &rng,
                                    float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto &x : v)
    x = bf16BitsToFloat(floatToBF16Bits(d(rng)));
  return v;
}

std::vector<float> randomF32Values(size_t n, std::mt19937 &rng) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto &x : v)
    x = d(rng);
  return v;
}

bool sameBits(const std::vector<float> &x, const std::vector<float> &y,
              size_t &firstDiff) {
  for (size_t i = 0; i < x.size(); ++i)
    if (std::memcmp(&x[i], &y[i], 4) != 0) {
      firstDiff = i;
      return false;
    }
  return true;
}

struct Case {
  int64_t m, n, k;
};

// Sizes around the micro-kernel's blocks (8 x 32 with AVX-512, 6 x 16 with
// AVX2) and the shapes mmad sees (128 x 256 x 64, 16-multiples).
const Case kCases[] = {
    {1, 1, 1},    {1, 33, 5},   {7, 31, 3},    {8, 32, 16},    {9, 33, 17},
    {13, 47, 64}, {16, 16, 16}, {64, 48, 128}, {128, 256, 64}, {96, 80, 0}};

TEST(SimMatrixKernel, Bf16OperandsMatchTheDefinitionBitForBit) {
  std::mt19937 rng(7);
  for (const Case &c : kCases) {
    auto a = randomBf16Values(c.m * c.k, rng);
    auto b = randomBf16Values(c.k * c.n, rng);
    auto c0 = randomF32Values(c.m * c.n, rng); // accumulate onto L0C
    ASSERT_TRUE(productsAreExact(a.data(), a.size(), b.data(), b.size()));
    for (bool exact : {true, false}) {
      auto ref = c0, got = c0;
      gemmF32Reference(c.m, c.n, c.k, a.data(), b.data(), ref.data());
      gemmF32(c.m, c.n, c.k, a.data(), b.data(), got.data(), exact);
      size_t at = 0;
      EXPECT_TRUE(sameBits(ref, got, at))
          << c.m << "x" << c.n << "x" << c.k << " exact=" << exact
          << ": element " << at << " is " << got[at] << ", defined " << ref[at]
          << " (" << gemmF32Implementation() << ")";
    }
  }
}

TEST(SimMatrixKernel, F32OperandsMatchTheDefinitionBitForBit) {
  std::mt19937 rng(11);
  for (const Case &c : kCases) {
    auto a = randomF32Values(c.m * c.k, rng);
    auto b = randomF32Values(c.k * c.n, rng);
    auto ref = randomF32Values(c.m * c.n, rng), got = ref;
    gemmF32Reference(c.m, c.n, c.k, a.data(), b.data(), ref.data());
    gemmF32(c.m, c.n, c.k, a.data(), b.data(), got.data(),
            /*exactProducts=*/false);
    size_t at = 0;
    EXPECT_TRUE(sameBits(ref, got, at))
        << c.m << "x" << c.n << "x" << c.k << ": element " << at;
  }
}

// The flag matters: with inexact (f32) products, fusing changes bits, and
// productsAreExact says so.
TEST(SimMatrixKernel, FusingInexactProductsWouldChangeTheResult) {
  if (std::string(gemmF32Implementation()) == "generic")
    GTEST_SKIP() << "the portable kernel never fuses";
  std::mt19937 rng(3);
  auto a = randomF32Values(64 * 64, rng), b = randomF32Values(64 * 64, rng);
  EXPECT_FALSE(productsAreExact(a.data(), a.size(), b.data(), b.size()));
  std::vector<float> ref(64 * 64, 0.0f), fused = ref;
  gemmF32Reference(64, 64, 64, a.data(), b.data(), ref.data());
  gemmF32(64, 64, 64, a.data(), b.data(), fused.data(), true);
  size_t at = 0;
  EXPECT_FALSE(sameBits(ref, fused, at));
}

TEST(SimMatrixKernel, ProductsAreExactOnlyInRange) {
  auto bf = [](float x) { return bf16BitsToFloat(floatToBF16Bits(x)); };
  std::vector<float> one{1.0f, -2.5f, 0.0f}, zeros{0.0f, -0.0f};
  EXPECT_TRUE(productsAreExact(one.data(), 3, one.data(), 3));
  // An all-zero operand: every product is an exact zero.
  std::vector<float> huge{bf(3e38f)};
  EXPECT_TRUE(productsAreExact(zeros.data(), 2, huge.data(), 1));
  // Overflow: 2^100 * 2^100.
  std::vector<float> big{std::ldexp(1.0f, 100)};
  EXPECT_FALSE(productsAreExact(big.data(), 1, big.data(), 1));
  // Underflow below f32's normal range: 2^-70 * 2^-70.
  std::vector<float> tiny{std::ldexp(1.0f, -70)};
  EXPECT_FALSE(productsAreExact(tiny.data(), 1, tiny.data(), 1));
  EXPECT_TRUE(productsAreExact(tiny.data(), 1, one.data(), 3));
  // More significant bits than f16 has: 1 + 2^-12.
  std::vector<float> wide{1.0f + std::ldexp(1.0f, -12)};
  EXPECT_FALSE(productsAreExact(wide.data(), 1, one.data(), 3));
  std::vector<float> f16{1.0f + std::ldexp(1.0f, -10)};
  EXPECT_TRUE(productsAreExact(f16.data(), 1, f16.data(), 1));
  // Subnormal operand.
  std::vector<float> sub{std::ldexp(1.0f, -130)};
  EXPECT_FALSE(productsAreExact(sub.data(), 1, one.data(), 3));
  // Infinity and NaN.
  std::vector<float> inf{std::numeric_limits<float>::infinity()},
      nan{std::numeric_limits<float>::quiet_NaN()};
  EXPECT_FALSE(productsAreExact(inf.data(), 1, one.data(), 3));
  EXPECT_FALSE(productsAreExact(one.data(), 3, nan.data(), 1));
}

// Products that underflow f32 (bf16 keeps f32's exponent range): a fused
// multiply-add would not round them; the kernel must, as defined.
TEST(SimMatrixKernel, TinyBf16ProductsRoundAsDefined) {
  std::mt19937 rng(5);
  const int64_t m = 16, n = 32, k = 24;
  auto a = randomBf16Values(m * k, rng, 1e-22f);
  auto b = randomBf16Values(k * n, rng, 1e-22f);
  auto ref = randomBf16Values(m * n, rng, 1e-40f), got = ref;
  bool exact = productsAreExact(a.data(), a.size(), b.data(), b.size());
  EXPECT_FALSE(exact);
  gemmF32Reference(m, n, k, a.data(), b.data(), ref.data());
  gemmF32(m, n, k, a.data(), b.data(), got.data(), exact);
  size_t at = 0;
  EXPECT_TRUE(sameBits(ref, got, at)) << "element " << at;
}

/// The nz layout of a rows x cols bf16 tile: fractals of 16 columns, each
/// rows x 16 row-major.
std::vector<uint8_t> toNzBf16(const std::vector<float> &v, int64_t rows,
                              int64_t cols) {
  std::vector<uint8_t> out(rows * cols * 2);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      uint16_t h = floatToBF16Bits(v[r * cols + c]);
      std::memcpy(&out[2 * (((c / 16) * rows + r) * 16 + c % 16)], &h, 2);
    }
  return out;
}

// The mmad path for bf16 nz operands (packed straight from the tiles) gives
// the definition's bits, with exact products (scale 2: the fused path) and
// inexact ones (an infinity, overflow, underflow), with the tiles read at
// odd byte offsets, and for sizes that leave partial panels.
TEST(SimMatrixKernel, Bf16NzOperandsMatchTheDefinitionBitForBit) {
  std::mt19937 rng(13);
  const Case cases[] = {{16, 16, 16},  {16, 32, 16},  {48, 16, 32},
                        {64, 256, 64}, {128, 48, 80}, {16, 16, 0}};
  for (const Case &c : cases)
    for (float scale : {1.0f, 1e20f, 1e-22f, 2.0f}) {
      auto a = randomBf16Values(c.m * c.k, rng, scale);
      auto b = randomBf16Values(c.k * c.n, rng, scale);
      if (scale == 1.0f && c.k) // an infinity makes the products inexact
        a[c.m * c.k / 2] = std::numeric_limits<float>::infinity();
      auto ref = randomF32Values(c.m * c.n, rng), got = ref;
      gemmF32Reference(c.m, c.n, c.k, a.data(), b.data(), ref.data());
      std::vector<uint8_t> an = toNzBf16(a, c.m, c.k),
                           bn = toNzBf16(b, c.k, c.n);
      // One byte in: GM tiles need not be 2-byte aligned.
      an.insert(an.begin(), 0);
      bn.insert(bn.begin(), 0);
      gemmBF16Nz(c.m, c.n, c.k, an.data() + 1, bn.data() + 1, got.data());
      size_t at = 0;
      EXPECT_TRUE(sameBits(ref, got, at))
          << c.m << "x" << c.n << "x" << c.k << " scale " << scale
          << ": element " << at << " is " << got[at] << ", defined " << ref[at]
          << " (" << gemmF32Implementation() << ")";
    }
}

TEST(SimMatrixKernel, Int8AccumulatesWithWrapAround) {
  std::vector<int32_t> a{127, 127}, b{127, 127}, c{INT32_MAX - 10};
  gemmI32(1, 1, 2, a.data(), b.data(), c.data());
  EXPECT_EQ(c[0], (int32_t)((uint32_t)(INT32_MAX - 10) + 2u * 127u * 127u));
}

} // namespace
