//===- GoldenQuantTest.cpp - Weight quantizers and FP8 conversions --------===//
//
// The quantizers the importer's --weight-quant uses and the e4m3 codec the
// simulator's dma_ld_f8 shares: every finite code round-trips, rounding is
// to nearest (ties to even), and a quantized weight dequantizes to within
// half a step of the original.
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/QuantKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace tessera;
using namespace tessera::golden;

TEST(GoldenQuant, E4M3RoundTripsEveryFiniteCode) {
  for (int code = 0; code < 256; ++code) {
    if ((code & 0x7f) == 0x7f)
      continue; // NaN
    float v = decodeE4M3((uint8_t)code);
    uint8_t back = encodeE4M3(v);
    // +0 and -0 are both exact.
    if (v == 0.0f)
      EXPECT_EQ(back & 0x7f, 0) << code;
    else
      EXPECT_EQ(back, code) << code << " = " << v;
  }
  EXPECT_EQ(decodeE4M3(0x7e), 448.0f);
  EXPECT_EQ(decodeE4M3(0x01), std::ldexp(1.0f, -9)); // smallest subnormal
  EXPECT_TRUE(std::isnan(decodeE4M3(0xff)));
}

TEST(GoldenQuant, E4M3RoundsToNearestEvenAndSaturates) {
  // 1.0 (0x38) and 1.125 (0x39): the midpoint goes to the even code.
  EXPECT_EQ(encodeE4M3(1.0625f), 0x38);
  EXPECT_EQ(encodeE4M3(1.07f), 0x39);
  // 1.125 (0x39) and 1.25 (0x3a): the midpoint goes to 0x3a.
  EXPECT_EQ(encodeE4M3(1.1875f), 0x3a);
  EXPECT_EQ(encodeE4M3(1000.0f), 0x7e);
  EXPECT_EQ(encodeE4M3(-1000.0f), 0xfe);
  EXPECT_EQ(encodeE4M3(-1.0f), 0xb8);
}

static Tensor randomWeight(int64_t n, int64_t k, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  Tensor w(DType::F32, {n, k});
  for (int64_t i = 0; i < n * k; ++i)
    w.setF(i, dist(rng));
  return w;
}

TEST(GoldenQuant, Int4GroupsDequantizeWithinHalfAStep) {
  // K = 200 with groups of 64: the last group has 8 inputs.
  Tensor w = randomWeight(5, 200, 7);
  QuantizedWeight q = quantizeInt4Grouped(w, 64);
  EXPECT_EQ(q.q.shape(), (Shape{5, 100}));
  EXPECT_EQ(q.scale.shape(), (Shape{5, 4}));
  EXPECT_EQ(q.zero.shape(), (Shape{5, 4}));
  BlockQuantLayout layout{BlockQuantFormat::Int4, 1, 64};
  Tensor d = dequantizeWeight(q.q, q.scale, &q.zero, layout, 200, DType::F32);
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t c = 0; c < 200; ++c) {
      float step = q.scale.getF(r * 4 + c / 64);
      EXPECT_LE(std::fabs(d.getF(r * 200 + c) - w.getF(r * 200 + c)),
                0.5f * step * 1.0001f)
          << r << ", " << c;
      EXPECT_LE(q.zero.getI(r * 4 + c / 64), 15);
    }
}

TEST(GoldenQuant, Fp8BlocksKeepThreeMantissaBits) {
  // 130 x 150 with 128 x 128 blocks: partial blocks on both edges.
  Tensor w = randomWeight(130, 150, 9);
  QuantizedWeight q = quantizeFp8Blocks(w, 128, 128);
  EXPECT_EQ(q.q.shape(), (Shape{130, 150}));
  EXPECT_EQ(q.scale.shape(), (Shape{2, 2}));
  BlockQuantLayout layout{BlockQuantFormat::Fp8E4M3, 128, 128};
  Tensor d = dequantizeWeight(q.q, q.scale, nullptr, layout, 150, DType::F32);
  for (int64_t r = 0; r < 130; ++r)
    for (int64_t c = 0; c < 150; ++c) {
      float v = w.getF(r * 150 + c), s = q.scale.getF((r / 128) * 2 + c / 128);
      // Relative error 2^-4 for normals, absolute 2^-10 * s for subnormals.
      float tol = std::max(std::fabs(v) / 16.0f, std::ldexp(s, -10));
      EXPECT_LE(std::fabs(d.getF(r * 150 + c) - v), tol) << r << ", " << c;
    }
}

TEST(GoldenQuant, DequantMatmulShapeErrorsNameTheOperand) {
  BlockQuantLayout int4{BlockQuantFormat::Int4, 1, 64};
  Shape scale{4, 2}, zero{4, 2};
  auto ok = dequantMatmulShape({3, 128}, {4, 64}, scale, &zero, int4);
  ASSERT_TRUE((bool)ok);
  EXPECT_EQ(*ok, (Shape{3, 4}));
  auto bad = dequantMatmulShape({3, 128}, {4, 128}, scale, &zero, int4);
  ASSERT_FALSE((bool)bad);
  EXPECT_EQ(toString(bad.takeError()),
            "the weight must be [N, 64] bytes (two 4-bit values per byte for "
            "K = 128), got 4x128");
}
