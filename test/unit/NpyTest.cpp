//===- NpyTest.cpp - .npy reader and writer tests -------------------------===//

#include "tessera/Support/Npy.h"

#include <gtest/gtest.h>

using namespace tessera;

TEST(Npy, RoundTripsEveryDType) {
  for (DType t : {DType::F16, DType::F32, DType::F64, DType::I8, DType::I32,
                  DType::I64, DType::U8, DType::U64, DType::Bool}) {
    Tensor x = Tensor::fromInts(t, {2, 3}, {0, 1, 0, 1, 1, 0});
    std::string bytes = serializeNpy(x);
    EXPECT_EQ((bytes.size() - x.toBytes().size()) % 64, 0u) << "header padding";
    Tensor y;
    std::string error;
    ASSERT_TRUE(parseNpy(bytes, y, error)) << error;
    EXPECT_EQ(y.dtype(), t);
    EXPECT_EQ(y.shape(), x.shape());
    for (int i = 0; i < 6; ++i)
      EXPECT_EQ(x.getD(i), y.getD(i));
  }
}

TEST(Npy, ScalarAndOneDimensionalShapes) {
  Tensor s = Tensor::scalarF(DType::F32, 2.5f);
  std::string bytes = serializeNpy(s);
  EXPECT_NE(bytes.find("'shape': ()"), std::string::npos);
  Tensor v = Tensor::fromFloats(DType::F32, {4}, {1, 2, 3, 4});
  EXPECT_NE(serializeNpy(v).find("'shape': (4,)"), std::string::npos);
  Tensor back;
  std::string error;
  ASSERT_TRUE(parseNpy(serializeNpy(v), back, error));
  EXPECT_EQ(back.shape(), Shape{4});
}

TEST(Npy, RejectsCorruptInput) {
  Tensor y;
  std::string error;
  EXPECT_FALSE(parseNpy("hello", y, error));
  EXPECT_NE(error.find("bad magic"), std::string::npos);

  std::string good = serializeNpy(Tensor(DType::F32, {8}));
  std::string truncated = good.substr(0, good.size() - 4);
  EXPECT_FALSE(parseNpy(truncated, y, error));
  EXPECT_NE(error.find("truncated .npy data"), std::string::npos);

  std::string badType = good;
  badType.replace(badType.find("<f4"), 3, "<c8");
  EXPECT_FALSE(parseNpy(badType, y, error));
  EXPECT_NE(error.find("unsupported .npy dtype '<c8'"), std::string::npos);

  EXPECT_FALSE(readNpyFile("/nonexistent/x.npy", y, error));
  EXPECT_NE(error.find("cannot open '/nonexistent/x.npy'"), std::string::npos);
}
