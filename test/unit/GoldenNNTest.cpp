//===- GoldenNNTest.cpp - Golden NN kernel tests
//---------------------------===//
//
// Hand-computed (or ONNX-documented) expectations for the NN kernels:
// convolution, pooling, normalizations, selection, scans, losses, einsum,
// and the errors a malformed model produces. The conformance suite checks
// the same kernels against ONNX's backend test data.
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/NNKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

using namespace tessera;
using namespace tessera::golden;

static Tensor f32(Shape s, std::vector<float> v) {
  return Tensor::fromFloats(DType::F32, std::move(s), std::move(v));
}
static Tensor i64(Shape s, std::vector<int64_t> v) {
  return Tensor::fromInts(DType::I64, std::move(s), std::move(v));
}
static Tensor iota(Shape s, float start = 0) {
  std::vector<float> v(shapeNumElements(s));
  std::iota(v.begin(), v.end(), start);
  return f32(std::move(s), std::move(v));
}
static Tensor filled(Shape s, float value) {
  return f32(s, std::vector<float>(shapeNumElements(s), value));
}

/// The error message of a failed Expected (and a test failure if it did not
/// fail).
template <typename T> static std::string errorOf(llvm::Expected<T> e) {
  if (e) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  return llvm::toString(e.takeError());
}

static void expectNear(const std::vector<float> &actual,
                       const std::vector<float> &expected, float tol = 1e-4f) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tol) << "at element " << i;
}

static ConvParams convParams(std::vector<int64_t> strides,
                             std::vector<int64_t> pads,
                             std::vector<int64_t> dilations, int64_t group = 1,
                             std::vector<int64_t> outputPadding = {}) {
  ConvParams p;
  p.strides = std::move(strides);
  p.pads = std::move(pads);
  p.dilations = std::move(dilations);
  p.group = group;
  p.outputPadding = std::move(outputPadding);
  return p;
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

// ONNX's test_basic_conv_with(out)_padding: a 3x3 box filter over 0..24.
TEST(GoldenNN, ConvBasicWithAndWithoutPadding) {
  Tensor x = iota({1, 1, 5, 5});
  Tensor w = filled({1, 1, 3, 3}, 1);
  Tensor padded =
      cantFail(conv(x, w, nullptr, convParams({1, 1}, {1, 1, 1, 1}, {1, 1})));
  EXPECT_EQ(padded.shape(), (Shape{1, 1, 5, 5}));
  EXPECT_EQ(padded.floats(),
            (std::vector<float>{12,  21,  27, 33,  24,  33,  54, 63,  72,
                                51,  63,  99, 108, 117, 81,  93, 144, 153,
                                162, 111, 72, 111, 117, 123, 84}));
  Tensor valid =
      cantFail(conv(x, w, nullptr, convParams({1, 1}, {0, 0, 0, 0}, {1, 1})));
  EXPECT_EQ(valid.floats(),
            (std::vector<float>{54, 63, 72, 99, 108, 117, 144, 153, 162}));
}

// Asymmetric padding with stride 2 (ONNX's
// test_conv_with_strides_and_asymmetric_padding: pads [1, 0, 1, 0] on 7x5).
TEST(GoldenNN, ConvStridedAsymmetricPadding) {
  Tensor x = iota({1, 1, 7, 5});
  Tensor w = filled({1, 1, 3, 3}, 1);
  Tensor r =
      cantFail(conv(x, w, nullptr, convParams({2, 2}, {1, 0, 1, 0}, {1, 1})));
  EXPECT_EQ(r.shape(), (Shape{1, 1, 4, 2}));
  EXPECT_EQ(r.floats(),
            (std::vector<float>{21, 33, 99, 117, 189, 207, 171, 183}));
}

// Two groups, a bias, and a dilated 1-D kernel.
TEST(GoldenNN, ConvGroupsBiasDilation) {
  // Channel 0 = [1, 2, 3, 4, 5], channel 1 = [10, 20, 30, 40, 50].
  Tensor x = f32({1, 2, 5}, {1, 2, 3, 4, 5, 10, 20, 30, 40, 50});
  // Output channel 0 reads input channel 0, output 1 reads input 1.
  Tensor w = f32({2, 1, 2}, {1, -1, 2, 1});
  Tensor b = f32({2}, {100, 0});
  // Dilation 2: y[o] = w0 * x[o] + w1 * x[o + 2].
  Tensor r = cantFail(conv(x, w, &b, convParams({1}, {0, 0}, {2}, 2)));
  EXPECT_EQ(r.shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(r.floats(), (std::vector<float>{98, 98, 98, 50, 80, 110}));
}

TEST(GoldenNN, ConvShapeErrors) {
  ConvParams p = convParams({1, 1}, {0, 0, 0, 0}, {1, 1});
  EXPECT_EQ(errorOf(convShape({1, 3, 5, 5}, {4, 2, 3, 3}, nullptr, p)),
            "conv weight 4x2x3x3 expects 2 input channels, got 3");
  EXPECT_EQ(errorOf(convShape({1, 3, 2, 5}, {4, 3, 3, 3}, nullptr, p)),
            "conv spatial axis 0: window of extent 3 does not fit in padded "
            "input extent 2");
  Shape bias{5};
  EXPECT_EQ(errorOf(convShape({1, 3, 5, 5}, {4, 3, 3, 3}, &bias, p)),
            "conv bias 5 must be [4]");
  EXPECT_EQ(errorOf(convShape({1, 3, 5, 5}, {4, 3, 3, 3}, nullptr,
                              convParams({1}, {0, 0, 0, 0}, {1, 1}))),
            "conv needs 2 strides, got 1");
  EXPECT_EQ(errorOf(convShape({1, 3, 5, 5}, {4, 3, 3, 3}, nullptr,
                              convParams({1, 0}, {0, 0, 0, 0}, {1, 1}))),
            "conv strides must be positive, got [1, 0]");
  EXPECT_EQ(errorOf(convShape({1, 4, 5, 5}, {3, 2, 3, 3}, nullptr,
                              convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 2))),
            "conv group 2 must divide the input channels 4 and the output "
            "channels 3");
  EXPECT_EQ(errorOf(convShape({3, 5}, {4, 3}, nullptr, p)),
            "conv input must be [N, C, D1, ...] (rank >= 3), got 3x5");
}

// ONNX's test_convtranspose_pad: strides [3, 2], output_padding [1, 1].
TEST(GoldenNN, ConvTransposeStridesOutputPadding) {
  Tensor x = iota({1, 1, 3, 3});
  Tensor w = filled({1, 2, 3, 3}, 1);
  Tensor r = cantFail(convTranspose(
      x, w, nullptr, convParams({3, 2}, {0, 0, 0, 0}, {1, 1}, 1, {1, 1})));
  ASSERT_EQ(r.shape(), (Shape{1, 2, 10, 8}));
  auto row = [&](int64_t c, int64_t h) {
    return std::vector<float>(r.floats().begin() + (c * 10 + h) * 8,
                              r.floats().begin() + (c * 10 + h + 1) * 8);
  };
  EXPECT_EQ(row(0, 0), (std::vector<float>{0, 0, 1, 1, 3, 2, 2, 0}));
  EXPECT_EQ(row(0, 3), (std::vector<float>{3, 3, 7, 4, 9, 5, 5, 0}));
  EXPECT_EQ(row(1, 8), (std::vector<float>{6, 6, 13, 7, 15, 8, 8, 0}));
  EXPECT_EQ(row(1, 9), (std::vector<float>(8, 0)));
}

// ONNX's test_convtranspose_pads and test_convtranspose_dilations.
TEST(GoldenNN, ConvTransposePadsAndDilations) {
  Tensor x = iota({1, 1, 3, 3});
  Tensor w = filled({1, 2, 3, 3}, 1);
  Tensor r = cantFail(convTranspose(
      x, w, nullptr, convParams({3, 2}, {1, 2, 1, 2}, {1, 1}, 1, {0, 0})));
  ASSERT_EQ(r.shape(), (Shape{1, 2, 7, 3}));
  EXPECT_EQ(std::vector<float>(r.floats().begin(), r.floats().begin() + 21),
            (std::vector<float>{1, 1, 3, 1, 1,  3, 7,  4,  9, 7, 4,
                                9, 7, 4, 9, 13, 7, 15, 13, 7, 15}));

  Tensor xd = f32({1, 1, 3, 3}, {3, 8, 1, 9, 5, 7, 3, 2, 6});
  Tensor wd = f32({1, 1, 2, 2}, {7, 2, 1, 9});
  Tensor b = f32({1}, {1});
  Tensor rd = cantFail(convTranspose(
      xd, wd, &b, convParams({1, 1}, {0, 0, 0, 0}, {2, 2}, 1, {0, 0})));
  ASSERT_EQ(rd.shape(), (Shape{1, 1, 5, 5}));
  std::vector<float> expected{21, 56, 13, 16, 2,  63, 35, 67, 10,
                              14, 24, 22, 76, 76, 21, 9,  5,  88,
                              45, 63, 3,  2,  33, 18, 54};
  for (float &v : expected)
    v += 1; // the bias
  EXPECT_EQ(rd.floats(), expected);
}

TEST(GoldenNN, ConvTransposeErrors) {
  ConvParams p = convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 1, {0, 0});
  EXPECT_EQ(errorOf(convTransposeShape({1, 3, 4, 4}, {2, 2, 3, 3}, nullptr, p)),
            "conv_transpose weight 2x2x3x3 must start with the input channels "
            "3");
  EXPECT_EQ(errorOf(convTransposeShape(
                {1, 2, 1, 1}, {2, 1, 1, 1}, nullptr,
                convParams({1, 1}, {1, 0, 0, 0}, {1, 1}, 1, {0, 0}))),
            "conv_transpose spatial axis 0 would have output extent 0");
  EXPECT_EQ(errorOf(convTransposeShape(
                {1, 2, 4, 4}, {2, 1, 3, 3}, nullptr,
                convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 1, {0}))),
            "conv_transpose needs 2 output_padding values, got 1");
}

TEST(GoldenNN, ConvFlops) {
  // N 2, Cout 6, output 5x3, Cin / group = 4 / 2, kernel 3x3.
  EXPECT_EQ(convFlops({2, 6, 5, 3}, {6, 2, 3, 3}), 2 * 2 * 6 * 5 * 3 * 2 * 9);
  // N 1, Cin 4, input 3x3, Cout / group 5, kernel 2x2.
  EXPECT_EQ(convTransposeFlops({1, 4, 3, 3}, {4, 5, 2, 2}), 2 * 4 * 9 * 5 * 4);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

static PoolParams poolParams(PoolKind kind, std::vector<int64_t> kernel,
                             std::vector<int64_t> strides,
                             std::vector<int64_t> pads,
                             std::vector<int64_t> dilations,
                             bool ceilMode = false) {
  PoolParams p;
  p.kind = kind;
  p.kernel = std::move(kernel);
  p.strides = std::move(strides);
  p.pads = std::move(pads);
  p.dilations = std::move(dilations);
  p.ceilMode = ceilMode;
  return p;
}

TEST(GoldenNN, WindowOutputSizeCeilMode) {
  // (4 - 3) / 2 + 1: floor 1, ceil 2.
  EXPECT_EQ(cantFail(windowOutputSize(4, 3, 2, 0, 0, 1, false)), 1);
  EXPECT_EQ(cantFail(windowOutputSize(4, 3, 2, 0, 0, 1, true)), 2);
  // Ceil would add a window starting in the end padding: dropped.
  // in 5, pad 1+1, kernel 2, stride 2: span 5 -> ceil 3 + 1 = 4, but window 3
  // would start at 6 >= 5 + 1.
  EXPECT_EQ(cantFail(windowOutputSize(5, 2, 2, 1, 1, 1, true)), 3);
  EXPECT_EQ(errorOf(windowOutputSize(2, 2, 1, 0, 0, 2, false)),
            "window of extent 3 does not fit in padded input extent 2");
}

// ONNX's test_maxpool_2d_ceil and a dilated window.
TEST(GoldenNN, MaxPoolCeilAndDilation) {
  Tensor x = iota({1, 1, 4, 4}, 1);
  Tensor r = cantFail(pool(x, poolParams(PoolKind::Max, {3, 3}, {2, 2},
                                         {0, 0, 0, 0}, {1, 1}, true)));
  EXPECT_EQ(r.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(r.floats(), (std::vector<float>{11, 12, 15, 16}));
  Tensor d = cantFail(
      pool(x, poolParams(PoolKind::Max, {2, 2}, {1, 1}, {0, 0, 0, 0}, {2, 2})));
  EXPECT_EQ(d.floats(), (std::vector<float>{11, 12, 15, 16}));
}

TEST(GoldenNN, MaxPoolPaddingNeverWinsAndIntegers) {
  Tensor x = f32({1, 1, 2, 2}, {-5, -6, -7, -8});
  Tensor r = cantFail(
      pool(x, poolParams(PoolKind::Max, {2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 1})));
  EXPECT_EQ(r.shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(r.floats(),
            (std::vector<float>{-5, -5, -6, -5, -5, -6, -7, -7, -8}));
  Tensor u = Tensor::fromInts(DType::U8, {1, 1, 2, 2}, {1, 200, 3, 4});
  Tensor ru = cantFail(
      pool(u, poolParams(PoolKind::Max, {2, 2}, {1, 1}, {0, 0, 0, 0}, {1, 1})));
  EXPECT_EQ(ru.dtype(), DType::U8);
  EXPECT_EQ(ru.ints(), (std::vector<int64_t>{200}));
}

// ONNX's test_maxpool_with_argmax_2d_precomputed_pads / _strides.
TEST(GoldenNN, MaxPoolIndices) {
  Tensor x = iota({1, 1, 5, 5}, 1);
  auto [y, z] = cantFail(maxPoolWithIndices(
      x, poolParams(PoolKind::Max, {5, 5}, {1, 1}, {2, 2, 2, 2}, {1, 1}),
      false));
  EXPECT_EQ(std::vector<float>(y.floats().begin(), y.floats().begin() + 5),
            (std::vector<float>{13, 14, 15, 15, 15}));
  EXPECT_EQ(std::vector<int64_t>(z.ints().begin(), z.ints().begin() + 5),
            (std::vector<int64_t>{12, 13, 14, 14, 14}));
  auto [ys, zs] = cantFail(maxPoolWithIndices(
      x, poolParams(PoolKind::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}),
      true));
  EXPECT_EQ(ys.floats(), (std::vector<float>{7, 9, 17, 19}));
  EXPECT_EQ(zs.ints(), (std::vector<int64_t>{6, 16, 8, 18}));
  // The N and C offsets stay row-major: the second plane starts at 25.
  Tensor two = iota({1, 2, 5, 5}, 1);
  auto [y2, z2] = cantFail(maxPoolWithIndices(
      two, poolParams(PoolKind::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}),
      true));
  EXPECT_EQ(z2.ints()[4], 31);
}

TEST(GoldenNN, AvgPoolCountIncludePad) {
  Tensor x = filled({1, 1, 3, 3}, 9);
  PoolParams p =
      poolParams(PoolKind::Average, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1});
  Tensor excl = cantFail(pool(x, p));
  EXPECT_EQ(excl.floats(), std::vector<float>(9, 9));
  p.countIncludePad = true;
  Tensor incl = cantFail(pool(x, p));
  // Corners cover 4 inputs of 9 window positions, edges 6, the centre 9.
  EXPECT_EQ(incl.floats(), (std::vector<float>{4, 6, 4, 6, 9, 6, 4, 6, 4}));
}

// Ceil mode with count_include_pad: a window hanging past the padded input
// only counts its positions inside the padding.
TEST(GoldenNN, AvgPoolCeilModeCountsOnlyPaddedInput) {
  Tensor x = f32({1, 1, 1, 3}, {3, 3, 3});
  PoolParams p =
      poolParams(PoolKind::Average, {1, 2}, {1, 2}, {0, 0, 0, 0}, {1, 1}, true);
  p.countIncludePad = true;
  Tensor r = cantFail(pool(x, p));
  EXPECT_EQ(r.shape(), (Shape{1, 1, 1, 2}));
  EXPECT_EQ(r.floats(), (std::vector<float>{3, 3}));
}

TEST(GoldenNN, LpPool) {
  Tensor x = f32({1, 1, 1, 4}, {3, -4, 1, 2});
  PoolParams p = poolParams(PoolKind::Lp, {1, 2}, {1, 2}, {0, 0, 0, 0}, {1, 1});
  Tensor r2 = cantFail(pool(x, p));
  expectNear(r2.floats(), {5, std::sqrt(5.0f)});
  p.p = 1;
  Tensor r1 = cantFail(pool(x, p));
  expectNear(r1.floats(), {7, 3});
  p.p = 0;
  EXPECT_EQ(errorOf(poolShape(x.shape(), p)),
            "lp_pool p must be positive, got 0");
}

TEST(GoldenNN, PoolFlops) {
  EXPECT_EQ(poolFlops({1, 2, 3, 3}, {2, 2}, PoolKind::Max), 18 * 4);
  EXPECT_EQ(poolFlops({1, 2, 3, 3}, {2, 2}, PoolKind::Average), 18 * 5);
  EXPECT_EQ(poolFlops({1, 2, 3, 3}, {2, 2}, PoolKind::Lp), 18 * 9);
}

TEST(GoldenNN, PoolErrors) {
  PoolParams p = poolParams(PoolKind::Max, {3}, {1, 1}, {0, 0, 0, 0}, {1, 1});
  EXPECT_EQ(errorOf(poolShape({1, 1, 4, 4}, p)),
            "max_pool needs 2 kernel extents, got 1");
  p.kernel = {5, 1};
  EXPECT_EQ(errorOf(poolShape({1, 1, 4, 4}, p)),
            "max_pool spatial axis 0: window of extent 5 does not fit in "
            "padded input extent 4");
  p.kernel = {1, 1};
  p.pads = {0, -1, 0, 0};
  EXPECT_EQ(errorOf(poolShape({1, 1, 4, 4}, p)),
            "max_pool pads must not be negative, got [0, -1, 0, 0]");
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

TEST(GoldenNN, BatchNorm) {
  Tensor x = f32({1, 2, 2}, {1, 3, 10, 20});
  Tensor scale = f32({2}, {2, 1}), bias = f32({2}, {0, 5});
  Tensor mean = f32({2}, {2, 10}), var = f32({2}, {4, 100});
  Tensor r = cantFail(batchNorm(x, scale, bias, mean, var, 0));
  expectNear(r.floats(), {-1, 1, 5, 6});
  Tensor bad = f32({3}, {1, 1, 1});
  EXPECT_EQ(errorOf(batchNorm(x, bad, bias, mean, var, 0)),
            "parameter of shape 3 must be [C] = [2]");
}

// ONNX's instancenorm example.
TEST(GoldenNN, InstanceNorm) {
  Tensor x = f32({1, 2, 1, 3}, {-1, 0, 1, 2, 3, 4});
  Tensor s = f32({2}, {1, 1.5}), b = f32({2}, {0, 1});
  Tensor r = cantFail(instanceNorm(x, s, b, 1e-5f));
  expectNear(r.floats(),
             {-1.2247357f, 0, 1.2247357f, -0.8371036f, 1, 2.8371036f});
}

TEST(GoldenNN, LRN) {
  // One pixel, channels [1, 2, 3], size 2: the window of c is [c, c + 1].
  Tensor x = f32({1, 3, 1, 1}, {1, 2, 3});
  Tensor r = cantFail(lrn(x, 2, 2.0f, 1.0f, 1.0f));
  // y = x / (1 + 2/2 * sum of squares).
  expectNear(r.floats(), {1.0f / 6, 2.0f / 14, 3.0f / 10});
  EXPECT_EQ(errorOf(lrn(x, 0, 1, 1, 1)), "lrn size must be positive, got 0");
}

TEST(GoldenNN, MeanVarianceNorm) {
  // Per channel (axes 0, 2, 3): mean 2 and population std 1 for [1, 3] ...
  Tensor x = f32({1, 2, 1, 2}, {1, 3, 10, 30});
  Tensor r = cantFail(meanVarianceNorm(x, {0, 2, 3}));
  expectNear(r.floats(), {-1, 1, -1, 1});
  EXPECT_EQ(errorOf(meanVarianceNorm(x, {4})),
            "axis 4 is out of range for rank 4");
}

TEST(GoldenNN, LpNorm) {
  Tensor x = f32({2, 2}, {3, 4, -1, 3});
  expectNear(cantFail(lpNorm(x, 1, 2)).floats(),
             {0.6f, 0.8f, -1 / std::sqrt(10.0f), 3 / std::sqrt(10.0f)});
  expectNear(cantFail(lpNorm(x, 0, 1)).floats(),
             {0.75f, 4.0f / 7, -0.25f, 3.0f / 7});
  EXPECT_EQ(errorOf(lpNorm(x, 0, 3)), "lp_norm p must be 1 or 2, got 3");
}

//===----------------------------------------------------------------------===//
// Selection and scans
//===----------------------------------------------------------------------===//

TEST(GoldenNN, ArgMaxArgMinTies) {
  Tensor x = f32({2, 3}, {1, 5, 5, 2, 0, 0});
  Tensor first = cantFail(argReduce(x, 1, true, false, true));
  EXPECT_EQ(first.shape(), (Shape{2, 1}));
  EXPECT_EQ(first.dtype(), DType::I64);
  EXPECT_EQ(first.ints(), (std::vector<int64_t>{1, 0}));
  Tensor last = cantFail(argReduce(x, -1, false, true, true));
  EXPECT_EQ(last.shape(), (Shape{2}));
  EXPECT_EQ(last.ints(), (std::vector<int64_t>{2, 0}));
  Tensor minFirst = cantFail(argReduce(x, 1, false, false, false));
  EXPECT_EQ(minFirst.ints(), (std::vector<int64_t>{0, 1}));
  Tensor minLast = cantFail(argReduce(x, 1, false, true, false));
  EXPECT_EQ(minLast.ints(), (std::vector<int64_t>{0, 2}));
  Tensor col = cantFail(argReduce(x, 0, false, false, true));
  EXPECT_EQ(col.ints(), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(errorOf(argReduceShape({2, 3}, 2, true)),
            "axis 2 is out of range for rank 2");
}

TEST(GoldenNN, TopKOrderAndTies) {
  Tensor x = f32({2, 4}, {1, 3, 3, 2, 4, 0, 4, -1});
  auto [values, indices] = cantFail(topK(x, 3, 1, true));
  EXPECT_EQ(values.shape(), (Shape{2, 3}));
  EXPECT_EQ(values.floats(), (std::vector<float>{3, 3, 2, 4, 4, 0}));
  EXPECT_EQ(indices.ints(), (std::vector<int64_t>{1, 2, 3, 0, 2, 1}));
  auto [small, smallIdx] = cantFail(topK(x, 2, -1, false));
  EXPECT_EQ(small.floats(), (std::vector<float>{1, 2, -1, 0}));
  EXPECT_EQ(smallIdx.ints(), (std::vector<int64_t>{0, 3, 3, 1}));
  auto [col, colIdx] = cantFail(topK(x, 1, 0, true));
  EXPECT_EQ(col.floats(), (std::vector<float>{4, 3, 4, 2}));
  EXPECT_EQ(colIdx.ints(), (std::vector<int64_t>{1, 0, 1, 0}));
  Tensor ints = i64({3}, {5, -7, 9});
  auto [iv, ii] = cantFail(topK(ints, 2, 0, true));
  EXPECT_EQ(iv.ints(), (std::vector<int64_t>{9, 5}));
  EXPECT_EQ(errorOf(topKShape({2, 4}, 5, 1)),
            "top_k k = 5 is out of range for axis extent 4");
}

// The CumSum schema's own example.
TEST(GoldenNN, CumSumModes) {
  Tensor x = f32({3}, {1, 2, 3});
  EXPECT_EQ(cantFail(cumSum(x, 0, false, false)).floats(),
            (std::vector<float>{1, 3, 6}));
  EXPECT_EQ(cantFail(cumSum(x, 0, true, false)).floats(),
            (std::vector<float>{0, 1, 3}));
  EXPECT_EQ(cantFail(cumSum(x, 0, false, true)).floats(),
            (std::vector<float>{6, 5, 3}));
  EXPECT_EQ(cantFail(cumSum(x, 0, true, true)).floats(),
            (std::vector<float>{5, 3, 0}));
  Tensor m = Tensor::fromInts(DType::I32, {2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(cantFail(cumSum(m, 0, false, false)).ints(),
            (std::vector<int64_t>{1, 2, 3, 5, 7, 9}));
  EXPECT_EQ(cantFail(cumSum(m, -1, false, false)).ints(),
            (std::vector<int64_t>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(errorOf(cumSum(m, 2, false, false)),
            "axis 2 is out of range for rank 2");
}

TEST(GoldenNN, HardmaxFirstMaximum) {
  Tensor x = f32({2, 3}, {1, 7, 7, -1, -2, -3});
  EXPECT_EQ(cantFail(hardmax(x, 1)).floats(),
            (std::vector<float>{0, 1, 0, 1, 0, 0}));
  EXPECT_EQ(cantFail(hardmax(x, 0)).floats(),
            (std::vector<float>{1, 1, 1, 0, 0, 0}));
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

// The three examples of the NegativeLogLikelihoodLoss schema.
TEST(GoldenNN, NLLLossSchemaExamples) {
  Tensor input = f32({2, 3, 2}, {1, 2, 2, 2, 3, 2, 0, 1, 2, 2, 1, 2});
  Tensor target = i64({2, 2}, {2, 1, 0, 2});
  Tensor weight = f32({3}, {0.2f, 0.3f, 0.1f});
  Tensor none =
      cantFail(nllLoss(input, target, nullptr, LossReduction::None, {}));
  EXPECT_EQ(none.shape(), (Shape{2, 2}));
  EXPECT_EQ(none.floats(), (std::vector<float>{-3, -2, -0, -2}));
  Tensor sum =
      cantFail(nllLoss(input, target, &weight, LossReduction::Sum, {}));
  EXPECT_EQ(sum.shape(), Shape{});
  expectNear(sum.floats(), {-1.1f});
  Tensor mean =
      cantFail(nllLoss(input, target, &weight, LossReduction::Mean, {}));
  expectNear(mean.floats(), {-1.1f / 0.7f});
}

TEST(GoldenNN, NLLLossIgnoreIndex) {
  Tensor input = f32({3, 2}, {-1, -2, -3, -4, -5, -6});
  Tensor target = i64({3}, {1, -100, 0});
  // Without weights, mean divides by the samples that count (2, not 3).
  Tensor mean =
      cantFail(nllLoss(input, target, nullptr, LossReduction::Mean, -100));
  expectNear(mean.floats(), {(2 + 5) / 2.0f});
  Tensor weight = f32({2}, {1, 3});
  Tensor wmean =
      cantFail(nllLoss(input, target, &weight, LossReduction::Mean, -100));
  expectNear(wmean.floats(), {(2 * 3 + 5 * 1) / 4.0f});
  Tensor none =
      cantFail(nllLoss(input, target, &weight, LossReduction::None, -100));
  expectNear(none.floats(), {6, 0, 5});
  // ignore_index may be a valid class.
  Tensor skip0 = cantFail(
      nllLoss(input, i64({3}, {1, 0, 0}), nullptr, LossReduction::Sum, 0));
  expectNear(skip0.floats(), {2});
}

TEST(GoldenNN, NLLLossAllIgnoredIsNaN) {
  Tensor input = f32({1, 2}, {-1, -2});
  Tensor target = i64({1}, {7});
  Tensor r = cantFail(nllLoss(input, target, nullptr, LossReduction::Mean, 7));
  EXPECT_TRUE(std::isnan(r.floats()[0]));
}

TEST(GoldenNN, NLLLossErrors) {
  Tensor input = f32({2, 3}, {0, 0, 0, 0, 0, 0});
  EXPECT_EQ(errorOf(nllLoss(input, i64({2}, {0, 3}), nullptr,
                            LossReduction::Sum, {})),
            "loss target value 3 is out of range [0, 3)");
  EXPECT_EQ(errorOf(nllLoss(input, i64({2}, {0, -1}), nullptr,
                            LossReduction::Sum, 5)),
            "loss target value -1 is out of range [0, 3) and is not "
            "ignore_index 5");
  EXPECT_EQ(errorOf(lossShape({2, 3}, {3}, nullptr, LossReduction::None)),
            "loss target of shape 3 must be 2 for input 2x3");
  Shape w{2};
  EXPECT_EQ(errorOf(lossShape({2, 3}, {2}, &w, LossReduction::None)),
            "loss weight of shape 2 must be [C] = [3]");
  EXPECT_EQ(errorOf(parseLossReduction("avg")),
            "reduction must be 'none', 'sum' or 'mean', got 'avg'");
}

TEST(GoldenNN, SoftmaxCrossEntropyLoss) {
  // Two classes with equal scores: log_prob = log(1/2) everywhere.
  Tensor scores = f32({2, 2, 2}, {0, 5, 0, 5, 1, 0, 1, std::log(3.0f)});
  Tensor labels = i64({2, 2}, {0, 1, 1, 1});
  auto [loss, logProb] = cantFail(softmaxCrossEntropyLoss(
      scores, labels, nullptr, LossReduction::None, {}));
  EXPECT_EQ(loss.shape(), (Shape{2, 2}));
  EXPECT_EQ(logProb.shape(), (Shape{2, 2, 2}));
  float ln2 = std::log(2.0f);
  // Sample (1, 1): scores 0 and log 3, p = [1/4, 3/4].
  expectNear(loss.floats(), {ln2, ln2, ln2, -std::log(0.75f)});
  expectNear(logProb.floats(), {-ln2, -ln2, -ln2, -ln2, -ln2, std::log(0.25f),
                                -ln2, std::log(0.75f)});
  Tensor weights = f32({2}, {1, 2});
  auto [mean, unused] = cantFail(softmaxCrossEntropyLoss(
      scores, labels, &weights, LossReduction::Mean, 0));
  // Label 0 ignored: (2 ln2 + 2 ln2 + 2 * -log .75) / 6.
  expectNear(mean.floats(), {(4 * ln2 - 2 * std::log(0.75f)) / 6});
  (void)unused;
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

TEST(GoldenNN, EinsumForms) {
  Tensor a = iota({2, 3}, 1), b = iota({3, 2}, 1);
  Tensor mm = cantFail(einsum("ij,jk->ik", {a, b}));
  EXPECT_EQ(mm.floats(), (std::vector<float>{22, 28, 49, 64}));
  // Implicit output: the once-used labels in order, "ik".
  EXPECT_EQ(cantFail(einsum("ij,jk", {a, b})).floats(), mm.floats());
  Tensor t = cantFail(einsum("ij->ji", {a}));
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.floats(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  Tensor sq = iota({3, 3});
  EXPECT_EQ(cantFail(einsum("ii", {sq})).floats(), (std::vector<float>{12}));
  EXPECT_EQ(cantFail(einsum("ii->i", {sq})).floats(),
            (std::vector<float>{0, 4, 8}));
  // Spaces are allowed; an empty output sums everything.
  Tensor all = cantFail(einsum(" i j -> ", {a}));
  EXPECT_EQ(all.shape(), Shape{});
  EXPECT_EQ(all.floats(), (std::vector<float>{21}));
}

TEST(GoldenNN, EinsumEllipsisAndErrors) {
  Tensor x = iota({2, 2, 2});
  Tensor diag = cantFail(einsum("...ii->...i", {x}));
  EXPECT_EQ(diag.shape(), (Shape{2, 2}));
  EXPECT_EQ(diag.floats(), (std::vector<float>{0, 3, 4, 7}));
  Tensor v = f32({2}, {1, 10});
  Tensor bc = cantFail(einsum("...j,j->...", {x, v}));
  EXPECT_EQ(bc.shape(), (Shape{2, 2}));
  EXPECT_EQ(bc.floats(), (std::vector<float>{10, 32, 54, 76}));
  EXPECT_EQ(errorOf(einsumShape("ij,jk->ik", {{2, 3}, {4, 2}})),
            "einsum label 'j' has extents 3 and 4");
  EXPECT_EQ(errorOf(einsumShape("ij->k", {{2, 3}})),
            "einsum output label 'k' does not appear in the inputs");
  EXPECT_EQ(errorOf(einsumShape("ij,j", {{2, 3}})),
            "einsum equation 'ij,j' has 2 input terms for 1 inputs");
  EXPECT_EQ(errorOf(einsumShape("ijk", {{2, 3}})),
            "einsum term 'ijk' does not match input 0 of shape 2x3");
  EXPECT_EQ(cantFail(einsumIterations("ij,jk->ik", {{2, 3}, {3, 4}})), 24);
}
