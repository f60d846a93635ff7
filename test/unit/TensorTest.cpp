//===- TensorTest.cpp - Host tensor and half-precision tests --------------===//

#include "tessera/Support/Tensor.h"
#include "tessera/Support/Compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace tessera;

TEST(HalfPrecision, BF16RoundsToNearestEven) {
  // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1.0078125: ties to even.
  EXPECT_EQ(roundToBF16(1.0f + 1.0f / 256), 1.0f);
  // 1 + 3*2^-8 is halfway between 1.0078125 and 1.015625: ties to even (up).
  EXPECT_EQ(roundToBF16(1.0f + 3.0f / 256), 1.015625f);
  // Just above halfway rounds up.
  EXPECT_EQ(roundToBF16(1.0f + 1.0f / 256 + 1.0f / 65536), 1.0078125f);
  EXPECT_TRUE(std::isnan(roundToBF16(NAN)));
  EXPECT_EQ(roundToBF16(INFINITY), INFINITY);
}

TEST(HalfPrecision, BulkBF16EqualsScalar) {
  // The vectorizable bulk conversion gives floatToBF16Bits' bits for every
  // kind of value: ties, overflow to infinity, signed NaNs (incl.
  // signalling), denormals, read from an unaligned buffer.
  std::vector<uint32_t> bits = {0x3f808000, 0x3f818000, 0x3f808001, 0x7f7fffff,
                                0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000,
                                0xffc00001, 0x7f800001, 0xff800001, 0x00000001,
                                0x807fffff, 0x00000000, 0x80000000, 0x7fff8000};
  for (uint32_t i = 0; i < 1000; ++i)
    bits.push_back(i * 0x9E3779B9u);
  std::vector<uint8_t> buffer(bits.size() * 4 + 1);
  std::memcpy(buffer.data() + 1, bits.data(), bits.size() * 4);
  std::vector<uint16_t> out(bits.size());
  floatsToBF16Bits(buffer.data() + 1, out.data(), bits.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    float f;
    std::memcpy(&f, &bits[i], 4);
    EXPECT_EQ(out[i], floatToBF16Bits(f)) << std::hex << bits[i];
  }
}

TEST(HalfPrecision, F16RoundTripAndLimits) {
  EXPECT_EQ(roundToF16(1.0f), 1.0f);
  EXPECT_EQ(roundToF16(65504.0f), 65504.0f);       // largest finite
  EXPECT_EQ(roundToF16(65520.0f), INFINITY);       // rounds past the max
  EXPECT_EQ(roundToF16(1.0f + 1.0f / 2048), 1.0f); // tie to even
  EXPECT_EQ(roundToF16(1.0f + 3.0f / 2048), 1.0f + 2.0f / 1024);
  // Smallest subnormal 2^-24 survives; half of it ties to zero (even).
  EXPECT_EQ(roundToF16(std::ldexp(1.0f, -24)), std::ldexp(1.0f, -24));
  EXPECT_EQ(roundToF16(std::ldexp(1.0f, -25)), 0.0f);
  // Tiny values round to zero (these once hit an over-wide shift).
  EXPECT_EQ(roundToF16(1e-10f), 0.0f);
  EXPECT_EQ(roundToF16(-std::ldexp(1.0f, -30)), 0.0f);
  EXPECT_TRUE(std::signbit(roundToF16(-std::ldexp(1.0f, -30))));
  EXPECT_EQ(roundToF16(std::ldexp(1.5f, -25)), std::ldexp(1.0f, -24));
  for (uint32_t bits = 0; bits < 0x7c00; bits += 7)
    EXPECT_EQ(floatToF16Bits(f16BitsToFloat(bits)), bits);
}

TEST(Tensor, CastWrapsAndTruncates) {
  Tensor f = Tensor::fromFloats(DType::F32, {4}, {1.9f, -1.9f, 300.0f, NAN});
  Tensor i8 = f.castTo(DType::I8);
  EXPECT_EQ(i8.getI(0), 1);
  EXPECT_EQ(i8.getI(1), -1);
  EXPECT_EQ(i8.getI(2), 44); // 300 wraps modulo 256
  Tensor b = f.castTo(DType::Bool);
  EXPECT_EQ(b.getI(0), 1);
  Tensor u = Tensor::fromInts(DType::I64, {1}, {-1}).castTo(DType::U8);
  EXPECT_EQ(u.getI(0), 255);
}

TEST(Tensor, BytesRoundTrip) {
  for (DType t : {DType::F16, DType::BF16, DType::F32, DType::F64, DType::I8,
                  DType::I16, DType::I32, DType::I64, DType::U8, DType::U16,
                  DType::U32, DType::U64, DType::Bool}) {
    Tensor x = Tensor::fromInts(t, {2, 2}, {0, 1, 2, 3});
    std::vector<uint8_t> bytes = x.toBytes();
    ASSERT_EQ((int64_t)bytes.size(), 4 * dtypeByteSize(t));
    Tensor y = Tensor::fromBytes(t, {2, 2}, bytes.data(), bytes.size());
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(x.getD(i), y.getD(i)) << dtypeName(t);
  }
}

TEST(Compare, MetricsAndTolerance) {
  Tensor a = Tensor::fromFloats(DType::F32, {3}, {1.0f, 2.0f, 3.0f});
  Tensor b = Tensor::fromFloats(DType::F32, {3}, {1.0f, 2.0f, 3.0f});
  CompareResult same = compareTensors(a, b);
  EXPECT_EQ(same.mismatches, 0);
  EXPECT_DOUBLE_EQ(same.cosine, 1.0);
  EXPECT_DOUBLE_EQ(same.euclidean, 1.0);
  Tensor c = Tensor::fromFloats(DType::F32, {3}, {1.0f, 2.01f, 3.0f});
  CompareResult off = compareTensors(c, b);
  EXPECT_EQ(off.mismatches, 1);
  EXPECT_EQ(off.firstMismatch, 1);
  EXPECT_NEAR(off.maxAbsError, 0.01, 1e-6);
  EXPECT_LT(off.cosine, 1.0);
  Tensor d = Tensor::fromFloats(DType::F32, {2}, {1.0f, 2.0f});
  EXPECT_FALSE(compareTensors(d, b).shapeMatches);
  // NaN matches NaN; ints must be exact.
  Tensor n1 = Tensor::fromFloats(DType::F32, {1}, {NAN});
  EXPECT_EQ(compareTensors(n1, n1).mismatches, 0);
  Tensor i1 = Tensor::fromInts(DType::I64, {1}, {5});
  Tensor i2 = Tensor::fromInts(DType::I64, {1}, {6});
  EXPECT_EQ(compareTensors(i1, i2).mismatches, 1);
}
