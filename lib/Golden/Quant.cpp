//===- Quant.cpp - Golden weight-only quantized products ------------------===//

#include "tessera/Golden/Kernels.h"
#include "tessera/Golden/QuantKernels.h"

#include <cmath>
#include <limits>

namespace tessera::golden {

/// out[..., m, n] = sum_k x[..., m, k] * w[n, k] (w row-major [N, K] in
/// f32), the sum in f32 in order of k, times scale[n] when there is one:
/// the product of both weight-only quantized ops.
static Tensor timesRowsTransposed(const Tensor &x, const float *w, int64_t n,
                                  const Shape &shape, const Tensor *scale) {
  int64_t k = x.shape().back();
  int64_t rows = x.numElements() / std::max<int64_t>(1, k);
  Tensor r(x.dtype(), shape);
  for (int64_t m = 0; m < rows; ++m) {
    const float *xr = &x.floats()[m * k];
    for (int64_t j = 0; j < n; ++j) {
      const float *wr = &w[j * k];
      float acc = 0.0f;
      for (int64_t kk = 0; kk < k; ++kk)
        acc += xr[kk] * wr[kk];
      r.setF(m * n + j, scale ? acc * scale->getF(j) : acc);
    }
  }
  return r;
}

llvm::Expected<Shape> weightQuantMatmulShape(const Shape &x, const Shape &w,
                                             const Shape &scale) {
  if (x.size() < 2)
    return makeError("the input must have rank >= 2 ([..., M, K]), got " +
                     shapeToString(x));
  if (w.size() != 2)
    return makeError("the weight must be 2-D ([N, K]), got " +
                     shapeToString(w));
  if (w[1] != x.back())
    return makeError("the weight " + shapeToString(w) + " is [N, K] but the " +
                     "input " + shapeToString(x) +
                     " has K = " + std::to_string(x.back()));
  if (scale.size() != 1 || scale[0] != w[0])
    return makeError("the scale must be [N] = [" + std::to_string(w[0]) +
                     "] (one per output channel), got " + shapeToString(scale));
  Shape out = x;
  out.back() = w[0];
  return out;
}

llvm::Expected<Tensor> weightQuantMatmul(const Tensor &x, const Tensor &w,
                                         const Tensor &scale) {
  auto shape = weightQuantMatmulShape(x.shape(), w.shape(), scale.shape());
  if (!shape)
    return shape.takeError();
  int64_t n = w.dim(0), k = w.dim(1);
  std::vector<float> wf(n * k);
  for (int64_t i = 0; i < n * k; ++i)
    wf[i] = (float)w.getI(i);
  return timesRowsTransposed(x, wf.data(), n, *shape, &scale);
}

std::pair<Tensor, Tensor> quantizeInt8PerChannel(const Tensor &w) {
  int64_t n = w.dim(0), k = w.dim(1);
  Tensor q(DType::I8, {n, k}), s(DType::F32, {n});
  for (int64_t j = 0; j < n; ++j) {
    float amax = 0.0f;
    for (int64_t kk = 0; kk < k; ++kk)
      amax = std::max(amax, std::fabs(w.getF(j * k + kk)));
    float scale = amax > 0.0f ? amax / 127.0f : 1.0f;
    s.setF(j, scale);
    for (int64_t kk = 0; kk < k; ++kk) {
      float v = std::nearbyint(w.getF(j * k + kk) / scale);
      q.setI(j * k + kk, (int64_t)std::clamp(v, -127.0f, 127.0f));
    }
  }
  return {std::move(q), std::move(s)};
}

const char *blockQuantFormatName(BlockQuantFormat f) {
  return f == BlockQuantFormat::Int4 ? "int4" : "fp8_e4m3";
}

std::optional<BlockQuantFormat> parseBlockQuantFormat(llvm::StringRef name) {
  if (name == "int4")
    return BlockQuantFormat::Int4;
  if (name == "fp8_e4m3")
    return BlockQuantFormat::Fp8E4M3;
  return std::nullopt;
}

llvm::Expected<Shape> dequantMatmulShape(const Shape &x, const Shape &w,
                                         const Shape &scale, const Shape *zero,
                                         const BlockQuantLayout &layout) {
  if (x.size() < 2)
    return makeError("the input must have rank >= 2 ([..., M, K]), got " +
                     shapeToString(x));
  if (layout.blockN < 1 || layout.blockK < 1)
    return makeError("the block [" + std::to_string(layout.blockN) + ", " +
                     std::to_string(layout.blockK) + "] must be positive");
  int64_t k = x.back();
  bool int4 = layout.format == BlockQuantFormat::Int4;
  if (int4 && (layout.blockK % 2 || k % 2))
    return makeError("int4 packs two values per byte: the group (" +
                     std::to_string(layout.blockK) + ") and K (" +
                     std::to_string(k) + ") must be even");
  if (w.size() != 2 || w[1] != layout.rowBytes(k))
    return makeError(
        "the weight must be [N, " + std::to_string(layout.rowBytes(k)) +
        "] bytes (" + (int4 ? "two 4-bit values per byte" : "one per element") +
        " for K = " + std::to_string(k) + "), got " + shapeToString(w));
  Shape grid = layout.scaleShape(w[0], k);
  if (scale != grid)
    return makeError("the scale must be " + shapeToString(grid) +
                     " (one per block of " + std::to_string(layout.blockN) +
                     "x" + std::to_string(layout.blockK) + "), got " +
                     shapeToString(scale));
  if (int4 != (zero != nullptr))
    return makeError(int4 ? "int4 weights need a zero point per group"
                          : "fp8_e4m3 weights take no zero point");
  if (zero && *zero != grid)
    return makeError("the zero point must be " + shapeToString(grid) +
                     ", got " + shapeToString(*zero));
  Shape out = x;
  out.back() = w[0];
  return out;
}

Tensor dequantizeWeight(const Tensor &w, const Tensor &scale,
                        const Tensor *zero, const BlockQuantLayout &layout,
                        int64_t k, DType roundTo) {
  int64_t n = w.dim(0), rowBytes = w.dim(1);
  int64_t gridK = (k + layout.blockK - 1) / layout.blockK;
  Tensor out(DType::F32, {n, k});
  std::vector<float> &o = out.floats();
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c) {
      int64_t b = (r / layout.blockN) * gridK + c / layout.blockK;
      float v;
      if (layout.format == BlockQuantFormat::Int4) {
        int64_t byte = w.getI(r * rowBytes + c / 2) & 0xff;
        int64_t q = c % 2 ? byte >> 4 : byte & 15;
        v = (float)(q - zero->getI(b)) * scale.getF(b);
      } else {
        v = decodeE4M3((uint8_t)w.getI(r * rowBytes + c)) * scale.getF(b);
      }
      o[r * k + c] = roundTo == DType::BF16  ? roundToBF16(v)
                     : roundTo == DType::F16 ? roundToF16(v)
                                             : v;
    }
  return out;
}

llvm::Expected<Tensor> dequantMatmul(const Tensor &x, const Tensor &w,
                                     const Tensor &scale, const Tensor *zero,
                                     const BlockQuantLayout &layout) {
  const Shape *zs = zero ? &zero->shape() : nullptr;
  auto shape =
      dequantMatmulShape(x.shape(), w.shape(), scale.shape(), zs, layout);
  if (!shape)
    return shape.takeError();
  int64_t n = w.dim(0), k = x.shape().back();
  Tensor wf = dequantizeWeight(w, scale, zero, layout, k, x.dtype());
  return timesRowsTransposed(x, wf.floats().data(), n, *shape, nullptr);
}

QuantizedWeight quantizeInt4Grouped(const Tensor &w, int64_t group) {
  int64_t n = w.dim(0), k = w.dim(1), groups = (k + group - 1) / group;
  QuantizedWeight r{Tensor(DType::U8, {n, k / 2}),
                    Tensor(DType::F32, {n, groups}),
                    Tensor(DType::U8, {n, groups})};
  for (int64_t j = 0; j < n; ++j)
    for (int64_t g = 0; g < groups; ++g) {
      float lo = 0.0f, hi = 0.0f;
      int64_t end = std::min(k, (g + 1) * group);
      for (int64_t c = g * group; c < end; ++c) {
        lo = std::min(lo, w.getF(j * k + c));
        hi = std::max(hi, w.getF(j * k + c));
      }
      float scale = hi > lo ? (hi - lo) / 15.0f : 1.0f;
      float zero = std::clamp(std::nearbyint(-lo / scale), 0.0f, 15.0f);
      r.scale.setF(j * groups + g, scale);
      r.zero.setI(j * groups + g, (int64_t)zero);
      for (int64_t c = g * group; c < end; c += 2) {
        auto q = [&](int64_t cc) {
          float v = std::nearbyint(w.getF(j * k + cc) / scale) + zero;
          return (int64_t)std::clamp(v, 0.0f, 15.0f);
        };
        r.q.setI(j * (k / 2) + c / 2, q(c) | q(c + 1) << 4);
      }
    }
  return r;
}

QuantizedWeight quantizeFp8Blocks(const Tensor &w, int64_t blockN,
                                  int64_t blockK) {
  int64_t n = w.dim(0), k = w.dim(1);
  BlockQuantLayout layout{BlockQuantFormat::Fp8E4M3, blockN, blockK};
  Shape grid = layout.scaleShape(n, k);
  QuantizedWeight r{Tensor(DType::U8, {n, k}), Tensor(DType::F32, grid),
                    Tensor()};
  for (int64_t bn = 0; bn < grid[0]; ++bn)
    for (int64_t bk = 0; bk < grid[1]; ++bk) {
      int64_t r0 = bn * blockN, r1 = std::min(n, r0 + blockN);
      int64_t c0 = bk * blockK, c1 = std::min(k, c0 + blockK);
      float amax = 0.0f;
      for (int64_t i = r0; i < r1; ++i)
        for (int64_t c = c0; c < c1; ++c)
          amax = std::max(amax, std::fabs(w.getF(i * k + c)));
      float scale = amax > 0.0f ? amax / 448.0f : 1.0f;
      r.scale.setF(bn * grid[1] + bk, scale);
      for (int64_t i = r0; i < r1; ++i)
        for (int64_t c = c0; c < c1; ++c)
          r.q.setI(i * k + c, encodeE4M3(w.getF(i * k + c) / scale));
    }
  return r;
}

} // namespace tessera::golden
