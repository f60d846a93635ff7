//===- GoldenKernelsTest.cpp - Golden reference kernel tests --------------===//
//
// Hand-computed expectations for the kernels behind the graph dialect's host
// evaluation. The conformance suite checks them against ONNX's own data.
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace tessera;
using namespace tessera::golden;

static Tensor f32(Shape s, std::vector<float> v) {
  return Tensor::fromFloats(DType::F32, std::move(s), std::move(v));
}

TEST(Golden, BroadcastShapes) {
  EXPECT_EQ(cantFail(broadcastShapes({2, 1, 3}, {4, 1})), (Shape{2, 4, 3}));
  EXPECT_EQ(cantFail(broadcastShapes({}, {5})), (Shape{5}));
  auto bad = broadcastShapes({2, 3}, {4});
  ASSERT_FALSE((bool)bad);
  EXPECT_EQ(toString(bad.takeError()),
            "shapes 2x3 and 4 are not broadcastable");
}

TEST(Golden, BroadcastingAdd) {
  Tensor a = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = f32({3}, {10, 20, 30});
  Tensor r = cantFail(mapBinary(
      a, b, DType::F32, [](float x, float y) { return x + y; }, nullptr));
  EXPECT_EQ(r.floats(), (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST(Golden, MatMulBatchedAndVector) {
  Tensor a = f32({2, 2, 3}, {1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0});
  Tensor b = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor r = cantFail(matmul(a, b));
  EXPECT_EQ(r.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(r.floats(), (std::vector<float>{22, 28, 49, 64, 1, 2, 3, 4}));
  Tensor v = f32({3}, {1, 1, 1});
  Tensor rv = cantFail(matmul(v, b));
  EXPECT_EQ(rv.shape(), (Shape{2}));
  EXPECT_EQ(rv.floats(), (std::vector<float>{9, 12}));
  auto bad = matmulShape({2, 3}, {2, 3});
  ASSERT_FALSE((bool)bad);
  EXPECT_NE(toString(bad.takeError()).find("inner dimensions differ"),
            std::string::npos);
}

TEST(Golden, GemmTransposesAndBias) {
  Tensor a = f32({3, 2}, {1, 4, 2, 5, 3, 6}); // A^T = [[1,2,3],[4,5,6]]
  Tensor b = f32({2, 3}, {1, 3, 5, 2, 4, 6}); // B^T = [[1,2],[3,4],[5,6]]
  Tensor c = f32({2}, {1, 1});
  Tensor r = cantFail(gemm(a, b, &c, 1.0f, 2.0f, true, true));
  EXPECT_EQ(r.floats(), (std::vector<float>{24, 30, 51, 66}));
}

TEST(Golden, SoftmaxRowsSumToOne) {
  Tensor x = f32({2, 3}, {1, 2, 3, 1000, 1000, 1000});
  Tensor r = softmax(x, -1, false);
  EXPECT_NEAR(r.getF(0) + r.getF(1) + r.getF(2), 1.0, 1e-6);
  EXPECT_NEAR(r.getF(3), 1.0 / 3, 1e-6); // large inputs do not overflow
  Tensor l = softmax(x, 1, true);
  EXPECT_NEAR(l.getF(2), std::log(r.getF(2)), 1e-5);
}

TEST(Golden, ReduceKeepdimsAndAxes) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor s = cantFail(reduce(x, {1}, false, false, ReduceKind::Sum));
  EXPECT_EQ(s.shape(), (Shape{2}));
  EXPECT_EQ(s.floats(), (std::vector<float>{6, 15}));
  Tensor m = cantFail(reduce(x, {}, true, false, ReduceKind::Max));
  EXPECT_EQ(m.shape(), (Shape{1, 1}));
  EXPECT_EQ(m.getF(0), 6);
  Tensor l2 = cantFail(reduce(x, {-2}, true, false, ReduceKind::L2));
  EXPECT_NEAR(l2.getF(0), std::sqrt(17.0), 1e-6);
  auto bad = reduce(x, {2}, true, false, ReduceKind::Sum);
  EXPECT_EQ(toString(bad.takeError()), "axis 2 is out of range for rank 2");
}

TEST(Golden, LayerAndRMSNorm) {
  Tensor x = f32({1, 4}, {1, 2, 3, 4});
  Tensor one = f32({4}, {1, 1, 1, 1});
  Tensor ln = cantFail(layerNorm(x, one, nullptr, -1, 0.0f));
  EXPECT_NEAR(ln.getF(0), -1.5 / std::sqrt(1.25), 1e-5);
  Tensor rms = cantFail(rmsNorm(x, one, -1, 0.0f));
  EXPECT_NEAR(rms.getF(3), 4 / std::sqrt(7.5), 1e-5);
}

TEST(Golden, DataMovement) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(transpose(x, {1, 0}).floats(),
            (std::vector<float>{1, 4, 2, 5, 3, 6}));
  Tensor c = cantFail(concat({x, x}, 1));
  EXPECT_EQ(c.shape(), (Shape{2, 6}));
  EXPECT_EQ(c.getF(3), 1);
  Tensor s = slice(x, {1, 2}, {-1, -1}, {-1, -2}); // reversed rows, step -2
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(s.floats(), (std::vector<float>{6, 4, 3, 1}));
  Tensor idx = Tensor::fromInts(DType::I64, {2}, {-1, 0});
  Tensor g = cantFail(gather(x, idx, 1));
  EXPECT_EQ(g.floats(), (std::vector<float>{3, 1, 6, 4}));
  Tensor badIdx = Tensor::fromInts(DType::I64, {1}, {3});
  EXPECT_EQ(toString(gather(x, badIdx, 1).takeError()),
            "gather index 3 is out of range for a dimension of size 3");
}

TEST(Golden, IntegerComparisonsAreExact) {
  // 2^53 + 1 and 2^53 are equal as doubles, not as int64.
  Tensor a = Tensor::fromInts(DType::I64, {1}, {9007199254740993});
  Tensor b = Tensor::fromInts(DType::I64, {1}, {9007199254740992});
  Tensor eq = cantFail(compareBinary(
      a, b, [](double x, double y) { return x == y; },
      [](int64_t x, int64_t y) { return x == y; }));
  EXPECT_EQ(eq.getI(0), 0);
}

TEST(Golden, IntegerSemantics) {
  Tensor a = Tensor::fromInts(DType::I32, {4}, {-7, 7, -7, 7});
  Tensor b = Tensor::fromInts(DType::I32, {4}, {2, -2, -2, 2});
  Tensor m = cantFail(mod(a, b, false));
  EXPECT_EQ(m.ints(), (std::vector<int64_t>{1, -1, -1, 1}));
  Tensor f = cantFail(mod(a, b, true));
  EXPECT_EQ(f.ints(), (std::vector<int64_t>{-1, 1, -1, 1}));
  // INT64_MIN % -1 would trap on the host; it is 0.
  Tensor minI = Tensor::fromInts(DType::I64, {1}, {INT64_MIN});
  Tensor minusOne = Tensor::fromInts(DType::I64, {1}, {-1});
  EXPECT_EQ(cantFail(mod(minI, minusOne, false)).getI(0), 0);
  Tensor p = cantFail(pow(Tensor::fromInts(DType::I64, {1}, {3}),
                          Tensor::fromInts(DType::I64, {1}, {4})));
  EXPECT_EQ(p.getI(0), 81);
}
