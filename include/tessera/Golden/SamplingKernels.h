//===- SamplingKernels.h - Golden kernels of GridSample, RoiAlign -*- C++
//-*-===//
//
// Image sampling at computed coordinates: GridSample (ONNX opset 16, which
// follows PyTorch's grid_sample) and RoiAlign (opset 10/16, following ONNX
// Runtime's kernel). Like Kernels.h: plain C++ on tessera::Tensor, f32
// arithmetic, every error a model can cause returned as llvm::Error, and
// each op's shape rule a separate function shared with type inference.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GOLDEN_SAMPLINGKERNELS_H
#define TESSERA_GOLDEN_SAMPLINGKERNELS_H

#include "tessera/Support/Tensor.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>

namespace tessera::golden {

enum class GridSampleMode { Bilinear, Nearest, Bicubic };
enum class GridPadding { Zeros, Border, Reflection };

std::optional<GridSampleMode> parseGridSampleMode(llvm::StringRef name);
std::optional<GridPadding> parseGridPadding(llvm::StringRef name);

struct GridSampleOptions {
  GridSampleMode mode = GridSampleMode::Bilinear;
  GridPadding padding = GridPadding::Zeros;
  bool alignCorners = false;
};

/// X [N, C, H, W] sampled at grid [N, Ho, Wo, 2] (x then y, in [-1, 1]):
/// [N, C, Ho, Wo].
llvm::Expected<Shape> gridSampleShape(const Shape &x, const Shape &grid);
llvm::Expected<Tensor> gridSample(const Tensor &x, const Tensor &grid,
                                  const GridSampleOptions &opts);

struct RoiAlignOptions {
  bool maxMode = false;
  /// half_pixel (opset 16's default) shifts the ROI by -0.5 pixel;
  /// output_half_pixel (opset 10's behaviour) does not, and makes every ROI
  /// at least one pixel wide.
  bool halfPixel = true;
  int64_t outputHeight = 1, outputWidth = 1;
  /// Samples per bin along each axis; 0: ceil(roi size / output size).
  int64_t samplingRatio = 0;
  float spatialScale = 1.0f;
};

/// X [N, C, H, W], rois [R, 4] (x1, y1, x2, y2), batch_indices [R]:
/// [R, C, output_height, output_width].
llvm::Expected<Shape> roiAlignShape(const Shape &x, const Shape &rois,
                                    const Shape &batchIndices,
                                    const RoiAlignOptions &opts);
llvm::Expected<Tensor> roiAlign(const Tensor &x, const Tensor &rois,
                                const Tensor &batchIndices,
                                const RoiAlignOptions &opts);

} // namespace tessera::golden

#endif // TESSERA_GOLDEN_SAMPLINGKERNELS_H
