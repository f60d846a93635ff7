//===- DataKernels.h - Golden data-movement kernels -------------*- C++ -*-===//
//
// Host implementations of the graph dialect's data-movement ops beyond the
// basic ones in Kernels.h (transpose, concat, slice, gather), plus Resize.
// Like Kernels.h they know nothing about MLIR.
//
// Each op with shape rules has a `<op>Shape` function that checks the
// operands' shapes and the attributes and computes the result shape. The
// dialect's type inference calls it, and so does the kernel, so the two
// cannot disagree and a kernel never trusts its caller to have validated.
// Errors that depend on data (an index out of range) come from the kernel.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GOLDEN_DATAKERNELS_H
#define TESSERA_GOLDEN_DATAKERNELS_H

#include "tessera/Support/Tensor.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <vector>

namespace tessera::golden {

//===----------------------------------------------------------------------===//
// Split, Expand, Tile, Pad
//===----------------------------------------------------------------------===//

/// One shape per piece; `sizes` must be non-negative and add up to the
/// dimension at `axis` (negative axes count from the back).
llvm::Expected<std::vector<Shape>> splitShapes(const Shape &input, int64_t axis,
                                               llvm::ArrayRef<int64_t> sizes);
llvm::Expected<std::vector<Tensor>> split(const Tensor &x, int64_t axis,
                                          llvm::ArrayRef<int64_t> sizes);
/// ONNX's equal split into `parts` pieces (opsets up to 17 need the
/// dimension to divide evenly).
llvm::Expected<std::vector<int64_t>> equalSplitSizes(int64_t dim,
                                                     int64_t parts);

/// Broadcasts `x` to broadcastShapes(x.shape(), shape).
llvm::Expected<Tensor> expand(const Tensor &x, const Shape &shape);

llvm::Expected<Shape> tileShape(const Shape &input,
                                llvm::ArrayRef<int64_t> repeats);
llvm::Expected<Tensor> tile(const Tensor &x, llvm::ArrayRef<int64_t> repeats);

enum class PadMode { Constant, Reflect, Edge, Wrap };
std::optional<PadMode> parsePadMode(llvm::StringRef name);
/// `pads` is [begin_0, ..., begin_n-1, end_0, ..., end_n-1]; negative
/// amounts crop. Edge and reflect padding need a non-empty dimension.
llvm::Expected<Shape> padShape(const Shape &input, llvm::ArrayRef<int64_t> pads,
                               PadMode mode);
llvm::Expected<Tensor> pad(const Tensor &x, llvm::ArrayRef<int64_t> pads,
                           PadMode mode, double value);

//===----------------------------------------------------------------------===//
// Triangles, gathers and scatters
//===----------------------------------------------------------------------===//

/// Keeps col - row >= k (upper) or col - row <= k (lower) in the last two
/// dimensions; zeroes the rest. Needs rank >= 2.
llvm::Expected<Tensor> trilu(const Tensor &x, int64_t k, bool upper);

/// Same rank as the input; every dimension but `axis` no larger than the
/// input's. The result has the indices' shape.
llvm::Expected<Shape> gatherElementsShape(const Shape &input,
                                          const Shape &indices, int64_t axis);
llvm::Expected<Tensor> gatherElements(const Tensor &x, const Tensor &indices,
                                      int64_t axis);

enum class ScatterReduction { None, Add, Mul, Max, Min };
std::optional<ScatterReduction> parseScatterReduction(llvm::StringRef name);

/// Checks data/indices/updates shapes for ScatterElements.
llvm::Error checkScatterElementsShapes(const Shape &data, const Shape &indices,
                                       const Shape &updates, int64_t axis);
llvm::Expected<Tensor> scatterElements(const Tensor &data,
                                       const Tensor &indices,
                                       const Tensor &updates, int64_t axis,
                                       ScatterReduction reduction);

/// indices.shape[:-1] + data.shape[batchDims + indices.shape[-1]:].
llvm::Expected<Shape> gatherNDShape(const Shape &data, const Shape &indices,
                                    int64_t batchDims);
llvm::Expected<Tensor> gatherND(const Tensor &data, const Tensor &indices,
                                int64_t batchDims);

/// updates must be indices.shape[:-1] + data.shape[indices.shape[-1]:].
llvm::Error checkScatterNDShapes(const Shape &data, const Shape &indices,
                                 const Shape &updates);
llvm::Expected<Tensor> scatterND(const Tensor &data, const Tensor &indices,
                                 const Tensor &updates,
                                 ScatterReduction reduction);

//===----------------------------------------------------------------------===//
// OneHot, DepthToSpace, SpaceToDepth, ReverseSequence, Compress
//===----------------------------------------------------------------------===//

/// Inserts a dimension of size `depth` at `axis` (in [-rank-1, rank]).
llvm::Expected<Shape> oneHotShape(const Shape &indices, int64_t depth,
                                  int64_t axis);
/// `values` holds [off, on]; the result has its dtype. Indices may be of
/// any numeric type (floats are truncated, as ONNX casts them).
llvm::Expected<Tensor> oneHot(const Tensor &indices, const Tensor &values,
                              int64_t depth, int64_t axis);

enum class DepthToSpaceMode { DCR, CRD };
std::optional<DepthToSpaceMode> parseDepthToSpaceMode(llvm::StringRef name);
llvm::Expected<Shape> depthToSpaceShape(const Shape &input, int64_t blocksize);
llvm::Expected<Tensor> depthToSpace(const Tensor &x, int64_t blocksize,
                                    DepthToSpaceMode mode);
llvm::Expected<Shape> spaceToDepthShape(const Shape &input, int64_t blocksize);
llvm::Expected<Tensor> spaceToDepth(const Tensor &x, int64_t blocksize);

/// Rank >= 2, batch and time axes are 0 and 1 in some order, one length
/// per batch entry.
llvm::Error checkReverseSequenceShapes(const Shape &input,
                                       const Shape &sequenceLens,
                                       int64_t batchAxis, int64_t timeAxis);
llvm::Expected<Tensor> reverseSequence(const Tensor &x,
                                       const Tensor &sequenceLens,
                                       int64_t batchAxis, int64_t timeAxis);

/// Without an axis, the input is flattened. The condition may be shorter
/// than the dimension (the rest is dropped) but not longer.
llvm::Expected<Shape> compressShape(const Shape &input,
                                    llvm::ArrayRef<bool> condition,
                                    std::optional<int64_t> axis);
llvm::Expected<Tensor> compress(const Tensor &x, llvm::ArrayRef<bool> condition,
                                std::optional<int64_t> axis);

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

enum class ResizeMode { Nearest, Linear, Cubic };
enum class CoordinateTransform {
  HalfPixel,
  HalfPixelSymmetric,
  PytorchHalfPixel,
  AlignCorners,
  Asymmetric,
  TfHalfPixelForNN,
  TfCropAndResize
};
/// `Legacy` is Resize before opset 11 (onnxruntime's "simple"): round down
/// in dimensions that grow (scale >= 1), up in those that shrink, which is
/// what ONNX's opset 10 examples show.
enum class NearestMode {
  RoundPreferFloor,
  RoundPreferCeil,
  Floor,
  Ceil,
  Legacy
};
std::optional<ResizeMode> parseResizeMode(llvm::StringRef name);
std::optional<CoordinateTransform>
parseCoordinateTransform(llvm::StringRef name);
std::optional<NearestMode> parseNearestMode(llvm::StringRef name);

struct ResizeOptions {
  /// The result shape.
  Shape sizes;
  /// Per dimension, the factor the coordinate transformation divides by;
  /// the "resized length" it uses is scale * input length, which is not an
  /// integer when ONNX's `scales` input does not divide evenly (this is
  /// what ONNX's reference implementation does).
  std::vector<double> scales;
  /// tf_crop_and_resize only: starts then ends, normalized coordinates.
  std::vector<double> roi;
  ResizeMode mode = ResizeMode::Nearest;
  CoordinateTransform transform = CoordinateTransform::HalfPixel;
  NearestMode nearestMode = NearestMode::RoundPreferFloor;
  double cubicCoeffA = -0.75;
  bool excludeOutside = false;
  double extrapolationValue = 0.0;
};
/// Checks the options against the input shape (one size and scale per
/// dimension, positive scales, roi of 2 * rank or empty).
llvm::Error checkResizeOptions(const Shape &input, const ResizeOptions &opts);
llvm::Expected<Tensor> resize(const Tensor &x, const ResizeOptions &opts);

//===----------------------------------------------------------------------===//
// Generators (the importer folds Range and EyeLike into constants)
//===----------------------------------------------------------------------===//

/// start, start + delta, ... up to (excluding) limit; scalars of one dtype.
llvm::Expected<Tensor> range(const Tensor &start, const Tensor &limit,
                             const Tensor &delta);
/// A rows x cols matrix with ones on diagonal k (k > 0: above the main one).
Tensor eyeLike(DType dtype, int64_t rows, int64_t cols, int64_t k);

} // namespace tessera::golden

#endif // TESSERA_GOLDEN_DATAKERNELS_H
