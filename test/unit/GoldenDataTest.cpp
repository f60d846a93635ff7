//===- GoldenDataTest.cpp - Golden data-movement kernel tests -------------===//
//
// Expectations are worked out by hand or, for Resize, with the numpy
// reference in onnx/backend/test/case/node/resize.py (the code that made
// ONNX's own expected outputs). The conformance suite checks the kernels
// against ONNX's data as well; these tests pin down edge cases and errors.
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/DataKernels.h"
#include "tessera/Golden/Kernels.h"

#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::golden;

static Tensor f32(Shape s, std::vector<float> v) {
  return Tensor::fromFloats(DType::F32, std::move(s), std::move(v));
}
static Tensor i64(Shape s, std::vector<int64_t> v) {
  return Tensor::fromInts(DType::I64, std::move(s), std::move(v));
}

/// The message of an Expected that must have failed.
template <typename T> static std::string errorOf(llvm::Expected<T> e) {
  if (e)
    return "<no error>";
  return llvm::toString(e.takeError());
}
static std::string errorOf(llvm::Error e) {
  if (!e)
    return "<no error>";
  return llvm::toString(std::move(e));
}

static void expectNear(const Tensor &t, std::vector<float> expected,
                       float tol = 1e-5f) {
  ASSERT_EQ(t.numElements(), (int64_t)expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(t.floats()[i], expected[i], tol) << "element " << i;
}

//===----------------------------------------------------------------------===//
// Split, Expand, Tile, Pad
//===----------------------------------------------------------------------===//

TEST(GoldenData, SplitUnequalAlongInnerAxis) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto parts = cantFail(split(x, -1, {1, 2}));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].shape(), (Shape{2, 1}));
  EXPECT_EQ(parts[0].floats(), (std::vector<float>{1, 4}));
  EXPECT_EQ(parts[1].floats(), (std::vector<float>{2, 3, 5, 6}));
}

TEST(GoldenData, SplitZeroSizedPiece) {
  Tensor x = i64({3}, {7, 8, 9});
  auto parts = cantFail(split(x, 0, {3, 0}));
  EXPECT_EQ(parts[0].ints(), (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(parts[1].shape(), (Shape{0}));
}

TEST(GoldenData, SplitErrors) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(errorOf(split(x, 1, {1, 1})),
            "split sizes add up to 2, not to the dimension's 3");
  EXPECT_EQ(errorOf(split(x, 2, {3})),
            "split axis 2 is out of range for rank 2");
  EXPECT_EQ(errorOf(split(x, 1, {4, -1})), "split size -1 is negative");
  EXPECT_EQ(cantFail(equalSplitSizes(6, 3)), (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(errorOf(equalSplitSizes(7, 3)),
            "a dimension of size 7 does not split into 3 equal pieces");
}

TEST(GoldenData, ExpandBothWays) {
  // [3,1] expanded to [2,1,6]: the 1 in the target keeps the input's 3.
  Tensor x = f32({3, 1}, {1, 2, 3});
  Tensor r = cantFail(expand(x, {2, 1, 2}));
  EXPECT_EQ(r.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(r.floats(),
            (std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(errorOf(expand(x, {2, 4})),
            "shapes 3x1 and 2x4 are not broadcastable");
  EXPECT_EQ(errorOf(expand(x, {-1})),
            "expand shape -1 has a negative dimension");
}

TEST(GoldenData, Tile) {
  Tensor x = i64({2, 2}, {1, 2, 3, 4});
  Tensor r = cantFail(tile(x, {2, 1}));
  EXPECT_EQ(r.shape(), (Shape{4, 2}));
  EXPECT_EQ(r.ints(), (std::vector<int64_t>{1, 2, 3, 4, 1, 2, 3, 4}));
  Tensor c = cantFail(tile(x, {1, 2}));
  EXPECT_EQ(c.ints(), (std::vector<int64_t>{1, 2, 1, 2, 3, 4, 3, 4}));
  EXPECT_EQ(errorOf(tile(x, {2})), "tile has 1 repeats for a rank-2 input");
  EXPECT_EQ(errorOf(tile(x, {1, -2})), "tile repeat -2 is negative");
}

TEST(GoldenData, PadModes) {
  Tensor x = f32({1, 3}, {1, 2, 3});
  Tensor c = cantFail(pad(x, {0, 2, 0, 1}, PadMode::Constant, 9.0));
  EXPECT_EQ(c.floats(), (std::vector<float>{9, 9, 1, 2, 3, 9}));
  Tensor e = cantFail(pad(x, {0, 2, 0, 1}, PadMode::Edge, 0));
  EXPECT_EQ(e.floats(), (std::vector<float>{1, 1, 1, 2, 3, 3}));
  Tensor r = cantFail(pad(x, {0, 2, 0, 1}, PadMode::Reflect, 0));
  EXPECT_EQ(r.floats(), (std::vector<float>{3, 2, 1, 2, 3, 2}));
  // Pads wider than the dimension reflect again (numpy's behaviour).
  Tensor w = cantFail(pad(x, {0, 4, 0, 0}, PadMode::Reflect, 0));
  EXPECT_EQ(w.floats(), (std::vector<float>{1, 2, 3, 2, 1, 2, 3}));
}

TEST(GoldenData, PadNegativeCrops) {
  Tensor x = i64({4}, {1, 2, 3, 4});
  Tensor r = cantFail(pad(x, {-1, 2}, PadMode::Constant, 7));
  EXPECT_EQ(r.ints(), (std::vector<int64_t>{2, 3, 4, 7, 7}));
  EXPECT_EQ(errorOf(pad(x, {-3, -2}, PadMode::Constant, 0)),
            "pads -3 and -2 crop more than dimension 0 of size 4 holds");
  EXPECT_EQ(errorOf(pad(x, {1}, PadMode::Constant, 0)),
            "pad has 1 amounts for a rank-1 input (needs 2)");
  Tensor empty = f32({0}, {});
  EXPECT_EQ(errorOf(pad(empty, {1, 0}, PadMode::Edge, 0)),
            "cannot edge-pad dimension 0, which is empty");
  EXPECT_EQ(cantFail(pad(empty, {1, 0}, PadMode::Constant, 5)).floats(),
            (std::vector<float>{5}));
}

//===----------------------------------------------------------------------===//
// Trilu, gathers and scatters
//===----------------------------------------------------------------------===//

TEST(GoldenData, Trilu) {
  Tensor x = f32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(cantFail(trilu(x, 0, true)).floats(),
            (std::vector<float>{1, 2, 3, 0, 5, 6, 0, 0, 9}));
  EXPECT_EQ(cantFail(trilu(x, 1, true)).floats(),
            (std::vector<float>{0, 2, 3, 0, 0, 6, 0, 0, 0}));
  EXPECT_EQ(cantFail(trilu(x, -1, false)).floats(),
            (std::vector<float>{0, 0, 0, 4, 0, 0, 7, 8, 0}));
  EXPECT_EQ(errorOf(trilu(f32({3}, {1, 2, 3}), 0, true)),
            "trilu needs rank >= 2, got rank 1");
}

TEST(GoldenData, GatherElements) {
  Tensor x = f32({2, 2}, {1, 2, 3, 4});
  Tensor idx = i64({2, 2}, {0, 0, 1, -2});
  EXPECT_EQ(cantFail(gatherElements(x, idx, 1)).floats(),
            (std::vector<float>{1, 1, 4, 3}));
  EXPECT_EQ(
      errorOf(gatherElements(x, i64({1, 1}, {2}), 0)),
      "gather_elements index 2 is out of range for a dimension of size 2");
  EXPECT_EQ(errorOf(gatherElementsShape({2, 2}, {2}, 0)),
            "gather_elements indices have rank 1, the input rank 2");
  EXPECT_EQ(errorOf(gatherElementsShape({2, 2}, {1, 3}, 0)),
            "gather_elements indices dimension 1 (3) exceeds the input's (2)");
}

TEST(GoldenData, ScatterElementsReductions) {
  Tensor data = f32({1, 4}, {1, 2, 3, 4});
  Tensor idx = i64({1, 3}, {1, 1, -1});
  Tensor upd = f32({1, 3}, {10, 20, 30});
  // A later duplicate wins without a reduction.
  EXPECT_EQ(cantFail(scatterElements(data, idx, upd, 1, ScatterReduction::None))
                .floats(),
            (std::vector<float>{1, 20, 3, 30}));
  EXPECT_EQ(cantFail(scatterElements(data, idx, upd, 1, ScatterReduction::Add))
                .floats(),
            (std::vector<float>{1, 32, 3, 34}));
  EXPECT_EQ(cantFail(scatterElements(data, idx, upd, 1, ScatterReduction::Mul))
                .floats(),
            (std::vector<float>{1, 400, 3, 120}));
  EXPECT_EQ(cantFail(scatterElements(data, idx, upd, 1, ScatterReduction::Min))
                .floats(),
            (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(
      errorOf(scatterElements(data, i64({1, 1}, {4}), f32({1, 1}, {0}), 1,
                              ScatterReduction::None)),
      "scatter_elements index 4 is out of range for a dimension of size 4");
  EXPECT_EQ(errorOf(checkScatterElementsShapes({1, 4}, {1, 3}, {1, 2}, 1)),
            "scatter_elements indices 1x3 and updates 1x2 differ in shape");
}

TEST(GoldenData, ScatterUnsignedMax) {
  // u64 values above 2^63 keep their bit pattern; max must compare unsigned.
  Tensor data = Tensor::fromInts(DType::U64, {1}, {(int64_t)(1ull << 63)});
  Tensor upd = Tensor::fromInts(DType::U64, {1}, {5});
  Tensor r = cantFail(
      scatterElements(data, i64({1}, {0}), upd, 0, ScatterReduction::Max));
  EXPECT_EQ((uint64_t)r.ints()[0], 1ull << 63);
}

TEST(GoldenData, GatherNDWithBatchDims) {
  Tensor data = i64({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  // batch_dims 0: index tuples of 2 pick rows.
  Tensor r = cantFail(gatherND(data, i64({2, 2}, {0, 1, 1, 0}), 0));
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  EXPECT_EQ(r.ints(), (std::vector<int64_t>{2, 3, 4, 5}));
  // batch_dims 1 (ONNX's example 5): per batch entry one row.
  Tensor b = cantFail(gatherND(data, i64({2, 1}, {1, 0}), 1));
  EXPECT_EQ(b.shape(), (Shape{2, 2}));
  EXPECT_EQ(b.ints(), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(errorOf(gatherND(data, i64({1, 3}, {0, 0, 2}), 0)),
            "gather_nd index 2 is out of range for a dimension of size 2");
  EXPECT_EQ(errorOf(gatherNDShape({2, 2}, {2, 3}, 0)),
            "gather_nd index tuples have 3 entries; data of rank 2 with 0 "
            "batch dimensions takes 1 to 2");
  EXPECT_EQ(
      errorOf(gatherNDShape({2, 2}, {3, 1}, 1)),
      "gather_nd batch dimension 0 differs between data (2) and indices (3)");
}

TEST(GoldenData, ScatterND) {
  Tensor data = f32({4}, {1, 2, 3, 4});
  Tensor idx = i64({2, 1}, {3, -3});
  Tensor upd = f32({2}, {10, 20});
  EXPECT_EQ(
      cantFail(scatterND(data, idx, upd, ScatterReduction::None)).floats(),
      (std::vector<float>{1, 20, 3, 10}));
  EXPECT_EQ(cantFail(scatterND(data, idx, upd, ScatterReduction::Add)).floats(),
            (std::vector<float>{1, 22, 3, 14}));
  EXPECT_EQ(errorOf(checkScatterNDShapes({4, 2}, {3, 1}, {3})),
            "scatter_nd updates have shape 3, expected 3x2");
}

//===----------------------------------------------------------------------===//
// OneHot, DepthToSpace, SpaceToDepth, ReverseSequence, Compress
//===----------------------------------------------------------------------===//

TEST(GoldenData, OneHot) {
  Tensor idx = i64({3}, {0, -1, 5});
  Tensor values = Tensor::fromInts(DType::I32, {2}, {2, 7});
  Tensor r = cantFail(oneHot(idx, values, 3, -1));
  EXPECT_EQ(r.dtype(), DType::I32);
  EXPECT_EQ(r.shape(), (Shape{3, 3}));
  // -1 counts from the back; 5 is out of range and gives an all-off row.
  EXPECT_EQ(r.ints(), (std::vector<int64_t>{7, 2, 2, 2, 2, 7, 2, 2, 2}));
  Tensor a0 = cantFail(oneHot(f32({2}, {1.0f, 0.0f}), values, 2, 0));
  EXPECT_EQ(a0.ints(), (std::vector<int64_t>{2, 7, 7, 2}));
  EXPECT_EQ(errorOf(oneHotShape({3}, 0, -1)),
            "one_hot depth 0 must be positive");
  EXPECT_EQ(errorOf(oneHotShape({3}, 2, 2)),
            "one_hot axis 2 is out of range for rank 2");
}

TEST(GoldenData, DepthToSpaceAndBack) {
  // ONNX's DCR example: 1x8x2x3 with blocksize 2.
  std::vector<float> v(48);
  for (int i = 0; i < 48; ++i)
    v[i] = i;
  Tensor x = f32({1, 8, 2, 3}, v);
  Tensor dcr = cantFail(depthToSpace(x, 2, DepthToSpaceMode::DCR));
  EXPECT_EQ(dcr.shape(), (Shape{1, 2, 4, 6}));
  std::vector<float> firstRows = {0, 12, 1, 13, 2, 14, 24, 36, 25, 37, 26, 38};
  EXPECT_EQ(std::vector<float>(dcr.floats().begin(), dcr.floats().begin() + 12),
            firstRows);
  Tensor crd = cantFail(depthToSpace(x, 2, DepthToSpaceMode::CRD));
  std::vector<float> crdRows = {0, 6, 1, 7, 2, 8, 12, 18, 13, 19, 14, 20};
  EXPECT_EQ(std::vector<float>(crd.floats().begin(), crd.floats().begin() + 12),
            crdRows);
  // SpaceToDepth inverts DCR.
  EXPECT_EQ(cantFail(spaceToDepth(dcr, 2)).floats(), x.floats());
  EXPECT_EQ(errorOf(depthToSpaceShape({1, 6, 2, 2}, 2)),
            "depth_to_space channels (6) are not divisible by blocksize^2 (4)");
  EXPECT_EQ(errorOf(spaceToDepthShape({1, 1, 3, 4}, 2)),
            "space_to_depth spatial dimensions 3x4 are not divisible by "
            "blocksize 2");
  EXPECT_EQ(errorOf(depthToSpaceShape({4, 4}, 2)),
            "depth_to_space needs a rank-4 (NCHW) input, got rank 2");
}

TEST(GoldenData, ReverseSequence) {
  // time_axis 0, batch_axis 1: columns are sequences.
  Tensor x = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor r = cantFail(reverseSequence(x, i64({2}, {3, 2}), 1, 0));
  EXPECT_EQ(r.floats(), (std::vector<float>{5, 4, 3, 2, 1, 6}));
  EXPECT_EQ(errorOf(reverseSequence(x, i64({2}, {4, 1}), 1, 0)),
            "reverse_sequence length 4 is out of range for 3 time steps");
  EXPECT_EQ(errorOf(checkReverseSequenceShapes({3, 2}, {3}, 1, 0)),
            "reverse_sequence needs one sequence length per batch entry (2), "
            "got shape 3");
  EXPECT_EQ(errorOf(checkReverseSequenceShapes({3, 2}, {2}, 1, 1)),
            "reverse_sequence batch_axis and time_axis must be 0 and 1 in "
            "some order, got 1 and 1");
}

TEST(GoldenData, Compress) {
  Tensor x = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor r = cantFail(compress(x, {false, true, true}, 0));
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  EXPECT_EQ(r.floats(), (std::vector<float>{3, 4, 5, 6}));
  // A short condition drops the rest; no axis flattens.
  EXPECT_EQ(cantFail(compress(x, {true, false, true}, std::nullopt)).floats(),
            (std::vector<float>{1, 3}));
  EXPECT_EQ(cantFail(compress(x, {false, true}, -1)).floats(),
            (std::vector<float>{2, 4, 6}));
  EXPECT_EQ(errorOf(compressShape({3, 2}, {true, true, true}, 1)),
            "compress condition has 3 entries for a dimension of size 2");
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

static ResizeOptions resize1D(int64_t size, double scale, ResizeMode mode,
                              CoordinateTransform transform) {
  ResizeOptions o;
  o.sizes = {size};
  o.scales = {scale};
  o.mode = mode;
  o.transform = transform;
  return o;
}

TEST(GoldenData, ResizeLinearHalfPixel) {
  Tensor x = f32({4}, {1, 2, 4, 8});
  auto o = resize1D(8, 2.0, ResizeMode::Linear, CoordinateTransform::HalfPixel);
  expectNear(cantFail(resize(x, o)), {1, 1.25, 1.75, 2.5, 3.5, 5, 7, 8});
}

TEST(GoldenData, ResizeCubicAlignCorners) {
  Tensor x = f32({4}, {1, 2, 4, 8});
  auto o =
      resize1D(6, 1.5, ResizeMode::Cubic, CoordinateTransform::AlignCorners);
  expectNear(cantFail(resize(x, o)), {1.0, 1.396, 2.352, 3.288, 5.768, 8.0});
}

TEST(GoldenData, ResizeCubicExcludeOutside) {
  Tensor x = f32({4}, {1, 2, 4, 8});
  auto o = resize1D(6, 1.5, ResizeMode::Cubic, CoordinateTransform::HalfPixel);
  o.cubicCoeffA = -0.5;
  o.excludeOutside = true;
  expectNear(cantFail(resize(x, o)), {0.93421053, 1.35294118, 2.25231481,
                                      3.53935185, 6.23529412, 8.26315789});
}

TEST(GoldenData, ResizeNearestModes) {
  Tensor x = i64({4}, {1, 2, 4, 8});
  auto o =
      resize1D(7, 7.0 / 4, ResizeMode::Nearest, CoordinateTransform::HalfPixel);
  o.nearestMode = NearestMode::Ceil;
  EXPECT_EQ(cantFail(resize(x, o)).ints(),
            (std::vector<int64_t>{1, 2, 2, 4, 8, 8, 8}));
  // Downsampling by a scale that does not divide: the coordinate uses the
  // scale, not the integer size ratio.
  auto d =
      resize1D(2, 0.6, ResizeMode::Nearest, CoordinateTransform::HalfPixel);
  EXPECT_EQ(cantFail(resize(x, d)).ints(), (std::vector<int64_t>{1, 4}));
  // Resize before opset 11 (ONNX's opset 10 example): floor where a
  // dimension grows, ceil where it shrinks.
  Tensor y = f32({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  ResizeOptions legacy;
  legacy.sizes = {1, 2};
  legacy.scales = {0.6, 0.6};
  legacy.transform = CoordinateTransform::Asymmetric;
  legacy.nearestMode = NearestMode::Legacy;
  EXPECT_EQ(cantFail(resize(y, legacy)).floats(), (std::vector<float>{1, 3}));
  legacy.sizes = {4, 4};
  legacy.scales = {2.0, 1.0};
  EXPECT_EQ(
      cantFail(resize(y, legacy)).floats(),
      (std::vector<float>{1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8}));
  // asymmetric + floor is Upsample's nearest.
  auto u =
      resize1D(8, 2.0, ResizeMode::Nearest, CoordinateTransform::Asymmetric);
  u.nearestMode = NearestMode::Floor;
  EXPECT_EQ(cantFail(resize(x, u)).ints(),
            (std::vector<int64_t>{1, 1, 2, 2, 4, 4, 8, 8}));
}

TEST(GoldenData, ResizeAlignCornersUsesScaledLength) {
  // ONNX's test_resize_downsample_scales_linear_align_corners: the resized
  // length is 0.6 * 4 = 2.4, so the second output reads x = 3 / 1.4.
  Tensor x = f32({1, 4}, {1, 2, 3, 4});
  ResizeOptions o;
  o.sizes = {1, 2};
  o.scales = {1.0, 0.6};
  o.mode = ResizeMode::Linear;
  o.transform = CoordinateTransform::AlignCorners;
  expectNear(cantFail(resize(x, o)), {1.0f, 3.142857f});
}

TEST(GoldenData, ResizePytorchHalfPixel) {
  Tensor x = f32({4}, {1, 2, 4, 8});
  auto o = resize1D(3, 0.75, ResizeMode::Linear,
                    CoordinateTransform::PytorchHalfPixel);
  expectNear(cantFail(resize(x, o)), {1.1666667f, 3.0f, 7.3333333f});
  auto one = resize1D(1, 0.25, ResizeMode::Linear,
                      CoordinateTransform::PytorchHalfPixel);
  expectNear(cantFail(resize(x, one)), {1.0f});
}

TEST(GoldenData, ResizeTfCropAndResizeExtrapolates) {
  Tensor x = f32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  ResizeOptions o;
  o.sizes = {3, 3};
  o.scales = {1.0, 1.0};
  o.roi = {0.5, 0.0, 1.5, 0.5};
  o.mode = ResizeMode::Linear;
  o.transform = CoordinateTransform::TfCropAndResize;
  o.extrapolationValue = -1.0;
  expectNear(cantFail(resize(x, o)), {4, 4.5, 5, 7, 7.5, 8, -1, -1, -1});
}

TEST(GoldenData, ResizeErrors) {
  auto o = resize1D(2, 0.5, ResizeMode::Linear, CoordinateTransform::HalfPixel);
  EXPECT_EQ(errorOf(checkResizeOptions({2, 2}, o)),
            "resize has 1 sizes for a rank-2 input");
  o.scales = {0.0};
  EXPECT_EQ(errorOf(checkResizeOptions({4}, o)),
            "resize scale 0 must be positive");
  o.scales = {0.5};
  o.transform = CoordinateTransform::TfCropAndResize;
  EXPECT_EQ(errorOf(checkResizeOptions({4}, o)),
            "tf_crop_and_resize needs a roi");
  o.roi = {0, 1, 1};
  EXPECT_EQ(errorOf(checkResizeOptions({4}, o)),
            "resize roi has 3 values for a rank-1 input (needs 2)");
  EXPECT_FALSE(parseResizeMode("bilinear"));
  EXPECT_EQ(parseCoordinateTransform("tf_half_pixel_for_nn"),
            CoordinateTransform::TfHalfPixelForNN);
  EXPECT_EQ(parseNearestMode("round_prefer_ceil"),
            NearestMode::RoundPreferCeil);
}

//===----------------------------------------------------------------------===//
// Range, EyeLike
//===----------------------------------------------------------------------===//

TEST(GoldenData, Range) {
  auto s = [](int64_t v) { return Tensor::scalarI(DType::I32, v); };
  Tensor r = cantFail(range(s(10), s(4), s(-3)));
  EXPECT_EQ(r.dtype(), DType::I32);
  EXPECT_EQ(r.ints(), (std::vector<int64_t>{10, 7}));
  EXPECT_EQ(cantFail(range(s(4), s(10), s(-3))).numElements(), 0);
  auto f = [](float v) { return Tensor::scalarF(DType::F32, v); };
  expectNear(cantFail(range(f(1), f(2), f(0.3f))), {1, 1.3f, 1.6f, 1.9f});
  EXPECT_EQ(errorOf(range(s(0), s(1), s(0))), "range delta must not be 0");
  EXPECT_EQ(errorOf(range(s(0), f(1), s(1))),
            "range start, limit and delta differ in type");
}

TEST(GoldenData, EyeLike) {
  Tensor e = eyeLike(DType::I64, 2, 3, 1);
  EXPECT_EQ(e.ints(), (std::vector<int64_t>{0, 1, 0, 0, 0, 1}));
  Tensor n = eyeLike(DType::F32, 3, 2, -1);
  EXPECT_EQ(n.floats(), (std::vector<float>{0, 0, 1, 0, 0, 1}));
}

// Steps are any non-zero int64 from a model: near INT64_MAX the length used
// to overflow (end - start + step - 1; the ONNX fuzzer found it through
// Slice's type inference), and -step for INT64_MIN.
TEST(GoldenData, SliceLengthExtremeSteps) {
  EXPECT_EQ(sliceLength(0, 10, 3), 4);
  EXPECT_EQ(sliceLength(9, -1, -3), 4);
  EXPECT_EQ(sliceLength(5, 5, 1), 0);
  EXPECT_EQ(sliceLength(4, 2, 1), 0);
  EXPECT_EQ(sliceLength(0, 10, INT64_MAX), 1);
  EXPECT_EQ(sliceLength(4, 5, INT64_MAX), 1);
  EXPECT_EQ(sliceLength(9, -1, INT64_MIN), 1);
  EXPECT_EQ(sliceLength(9, -1, INT64_MIN + 1), 1);
  EXPECT_EQ(sliceLength(0, int64_t(1) << 40, 1), int64_t(1) << 40);
}
