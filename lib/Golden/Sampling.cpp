//===- Sampling.cpp - Golden GridSample and RoiAlign ----------------------===//
//
// GridSample follows PyTorch's grid_sampler_2d (ONNX opset 16 defines the op
// by it, and its test data comes from it); RoiAlign follows ONNX Runtime's
// RoiAlign kernel (the source of ONNX's expected values). Both work in f32
// as those references do, so results match them bit for bit where the
// operation order allows.
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/SamplingKernels.h"

#include "tessera/Golden/Kernels.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cmath>

using llvm::Twine;

namespace tessera::golden {

std::optional<GridSampleMode> parseGridSampleMode(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<GridSampleMode>>(name)
      .Case("bilinear", GridSampleMode::Bilinear)
      .Case("nearest", GridSampleMode::Nearest)
      .Case("bicubic", GridSampleMode::Bicubic)
      .Default(std::nullopt);
}

std::optional<GridPadding> parseGridPadding(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<GridPadding>>(name)
      .Case("zeros", GridPadding::Zeros)
      .Case("border", GridPadding::Border)
      .Case("reflection", GridPadding::Reflection)
      .Default(std::nullopt);
}

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

llvm::Expected<Shape> gridSampleShape(const Shape &x, const Shape &grid) {
  if (x.size() != 4)
    return makeError("grid_sample input has shape " + shapeToString(x) +
                     "; it must be 4-D [N, C, H, W]");
  if (grid.size() != 4 || grid[3] != 2)
    return makeError("grid_sample grid has shape " + shapeToString(grid) +
                     "; it must be [N, H_out, W_out, 2]");
  if (grid[0] != x[0])
    return makeError("grid_sample grid batch " + Twine(grid[0]) +
                     " differs from the input's " + Twine(x[0]));
  return Shape{x[0], x[1], grid[1], grid[2]};
}

namespace {
/// PyTorch's coordinate helpers (aten/src/ATen/native/GridSampler.h).
struct GridCoords {
  GridPadding padding;
  bool alignCorners;

  float unnormalize(float coord, int64_t size) const {
    return alignCorners ? (coord + 1) / 2 * (float)(size - 1)
                        : ((coord + 1) * (float)size - 1) / 2;
  }
  static float clip(float in, int64_t size) {
    return std::min((float)(size - 1), std::max(in, 0.0f));
  }
  static float reflect(float in, int64_t twiceLow, int64_t twiceHigh) {
    if (twiceLow == twiceHigh)
      return 0;
    float min = (float)twiceLow / 2;
    float span = (float)(twiceHigh - twiceLow) / 2;
    in = std::fabs(in - min);
    float extra = std::fmod(in, span);
    int64_t flips = (int64_t)std::floor(in / span);
    return flips % 2 == 0 ? extra + min : span - extra + min;
  }
  /// Applies the padding mode to a pixel coordinate.
  float pad(float coord, int64_t size) const {
    if (padding == GridPadding::Border)
      return clip(coord, size);
    if (padding == GridPadding::Reflection) {
      coord = alignCorners ? reflect(coord, 0, 2 * (size - 1))
                           : reflect(coord, -1, 2 * size - 1);
      return clip(coord, size);
    }
    return coord;
  }
  float source(float coord, int64_t size) const {
    return pad(unnormalize(coord, size), size);
  }
};

/// Cubic convolution weights for offset t in [0, 1) (A = -0.75).
void cubicWeights(float t, float w[4]) {
  const float a = -0.75f;
  auto near = [&](float x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };
  auto far = [&](float x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}
} // namespace

llvm::Expected<Tensor> gridSample(const Tensor &x, const Tensor &grid,
                                  const GridSampleOptions &opts) {
  auto shape = gridSampleShape(x.shape(), grid.shape());
  if (!shape)
    return shape.takeError();
  int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  int64_t ho = grid.dim(1), wo = grid.dim(2);
  Tensor out(x.dtype(), *shape);
  GridCoords coords{opts.padding, opts.alignCorners};
  auto at = [&](int64_t plane, int64_t iy, int64_t ix) -> float {
    if (iy < 0 || iy >= h || ix < 0 || ix >= w)
      return 0.0f;
    return x.getF(plane * h * w + iy * w + ix);
  };
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t oy = 0; oy < ho; ++oy) {
      for (int64_t ox = 0; ox < wo; ++ox) {
        int64_t g = ((b * ho + oy) * wo + ox) * 2;
        float gx = grid.getF(g), gy = grid.getF(g + 1);
        for (int64_t ch = 0; ch < c; ++ch) {
          int64_t plane = b * c + ch;
          float value = 0.0f;
          if (opts.mode == GridSampleMode::Bicubic) {
            // Unpadded coordinates; padding applies to each tap.
            float ix = coords.unnormalize(gx, w),
                  iy = coords.unnormalize(gy, h);
            float fx = std::floor(ix), fy = std::floor(iy);
            float wx[4], wy[4];
            cubicWeights(ix - fx, wx);
            cubicWeights(iy - fy, wy);
            auto tap = [&](float tx, float ty) {
              float px = coords.pad(tx, w), py = coords.pad(ty, h);
              if (std::isnan(px) || std::isnan(py))
                return 0.0f;
              return at(plane, (int64_t)py, (int64_t)px);
            };
            for (int j = 0; j < 4; ++j) {
              float row = 0.0f;
              for (int i = 0; i < 4; ++i)
                row += tap(fx - 1 + i, fy - 1 + j) * wx[i];
              value += row * wy[j];
            }
          } else {
            float ix = coords.source(gx, w), iy = coords.source(gy, h);
            if (std::isnan(ix) || std::isnan(iy)) {
              value = 0.0f;
            } else if (opts.mode == GridSampleMode::Nearest) {
              value = at(plane, (int64_t)std::nearbyint(iy),
                         (int64_t)std::nearbyint(ix));
            } else {
              float x0 = std::floor(ix), y0 = std::floor(iy);
              float x1 = x0 + 1, y1 = y0 + 1;
              int64_t ix0 = (int64_t)x0, iy0 = (int64_t)y0;
              value = at(plane, iy0, ix0) * ((x1 - ix) * (y1 - iy)) +
                      at(plane, iy0, ix0 + 1) * ((ix - x0) * (y1 - iy)) +
                      at(plane, iy0 + 1, ix0) * ((x1 - ix) * (iy - y0)) +
                      at(plane, iy0 + 1, ix0 + 1) * ((ix - x0) * (iy - y0));
            }
          }
          out.setF(((plane * ho) + oy) * wo + ox, value);
        }
      }
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// RoiAlign
//===----------------------------------------------------------------------===//

llvm::Expected<Shape> roiAlignShape(const Shape &x, const Shape &rois,
                                    const Shape &batchIndices,
                                    const RoiAlignOptions &opts) {
  if (x.size() != 4)
    return makeError("roi_align input has shape " + shapeToString(x) +
                     "; it must be 4-D [N, C, H, W]");
  if (rois.size() != 2 || rois[1] != 4)
    return makeError("roi_align rois have shape " + shapeToString(rois) +
                     "; they must be [num_rois, 4]");
  if (batchIndices.size() != 1 || batchIndices[0] != rois[0])
    return makeError("roi_align batch_indices have shape " +
                     shapeToString(batchIndices) + "; they must be [" +
                     Twine(rois[0]) + "], one per roi");
  if (opts.outputHeight <= 0 || opts.outputWidth <= 0)
    return makeError("roi_align output size " + Twine(opts.outputHeight) + "x" +
                     Twine(opts.outputWidth) + " must be positive");
  if (opts.samplingRatio < 0)
    return makeError("roi_align sampling_ratio " + Twine(opts.samplingRatio) +
                     " must not be negative");
  return Shape{rois[0], x[1], opts.outputHeight, opts.outputWidth};
}

llvm::Expected<Tensor> roiAlign(const Tensor &x, const Tensor &rois,
                                const Tensor &batchIndices,
                                const RoiAlignOptions &opts) {
  auto shape =
      roiAlignShape(x.shape(), rois.shape(), batchIndices.shape(), opts);
  if (!shape)
    return shape.takeError();
  int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  int64_t numRois = rois.dim(0), ph = opts.outputHeight, pw = opts.outputWidth;
  Tensor out(x.dtype(), *shape);
  float offset = opts.halfPixel ? 0.5f : 0.0f;
  for (int64_t r = 0; r < numRois; ++r) {
    int64_t batch = batchIndices.getI(r);
    if (batch < 0 || batch >= n)
      return makeError("roi_align batch index " + Twine(batch) + " of roi " +
                       Twine(r) + " is out of range for batch " + Twine(n));
    float startW = rois.getF(r * 4) * opts.spatialScale - offset;
    float startH = rois.getF(r * 4 + 1) * opts.spatialScale - offset;
    float endW = rois.getF(r * 4 + 2) * opts.spatialScale - offset;
    float endH = rois.getF(r * 4 + 3) * opts.spatialScale - offset;
    float roiW = endW - startW, roiH = endH - startH;
    if (!opts.halfPixel) {
      roiW = std::max(roiW, 1.0f);
      roiH = std::max(roiH, 1.0f);
    }
    float binH = roiH / (float)ph, binW = roiW / (float)pw;
    int64_t gridH = opts.samplingRatio > 0
                        ? opts.samplingRatio
                        : (int64_t)std::ceil(roiH / (float)ph);
    int64_t gridW = opts.samplingRatio > 0
                        ? opts.samplingRatio
                        : (int64_t)std::ceil(roiW / (float)pw);
    gridH = std::max<int64_t>(gridH, 0);
    gridW = std::max<int64_t>(gridW, 0);
    float count = (float)std::max<int64_t>(gridH * gridW, 1);
    for (int64_t ch = 0; ch < c; ++ch) {
      int64_t plane = (batch * c + ch) * h * w;
      for (int64_t py = 0; py < ph; ++py) {
        for (int64_t px = 0; px < pw; ++px) {
          float acc = 0.0f;
          bool first = true;
          for (int64_t iy = 0; iy < gridH; ++iy) {
            float yy = startH + (float)py * binH +
                       ((float)iy + 0.5f) * binH / (float)gridH;
            for (int64_t ix = 0; ix < gridW; ++ix) {
              float xx = startW + (float)px * binW +
                         ((float)ix + 0.5f) * binW / (float)gridW;
              // ONNX Runtime's bilinear_interpolate: samples more than a
              // pixel outside contribute nothing.
              float v[4] = {0, 0, 0, 0}, wt[4] = {0, 0, 0, 0};
              if (!(yy < -1.0f || yy > (float)h || xx < -1.0f ||
                    xx > (float)w)) {
                float y = std::max(yy, 0.0f), xv = std::max(xx, 0.0f);
                int64_t yLow = (int64_t)y, xLow = (int64_t)xv, yHigh, xHigh;
                if (yLow >= h - 1) {
                  yHigh = yLow = h - 1;
                  y = (float)yLow;
                } else {
                  yHigh = yLow + 1;
                }
                if (xLow >= w - 1) {
                  xHigh = xLow = w - 1;
                  xv = (float)xLow;
                } else {
                  xHigh = xLow + 1;
                }
                float ly = y - (float)yLow, lx = xv - (float)xLow;
                float hy = 1.0f - ly, hx = 1.0f - lx;
                wt[0] = hy * hx;
                wt[1] = hy * lx;
                wt[2] = ly * hx;
                wt[3] = ly * lx;
                v[0] = x.getF(plane + yLow * w + xLow);
                v[1] = x.getF(plane + yLow * w + xHigh);
                v[2] = x.getF(plane + yHigh * w + xLow);
                v[3] = x.getF(plane + yHigh * w + xHigh);
              }
              if (opts.maxMode) {
                float m =
                    std::max(std::max(std::max(wt[0] * v[0], wt[1] * v[1]),
                                      wt[2] * v[2]),
                             wt[3] * v[3]);
                acc = first ? m : std::max(acc, m);
                first = false;
              } else {
                acc +=
                    wt[0] * v[0] + wt[1] * v[1] + wt[2] * v[2] + wt[3] * v[3];
              }
            }
          }
          if (!opts.maxMode)
            acc /= count;
          out.setF(((r * c + ch) * ph + py) * pw + px, acc);
        }
      }
    }
  }
  return out;
}

} // namespace tessera::golden
