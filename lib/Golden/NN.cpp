//===- NN.cpp - Golden convolution, pooling, NN norms, losses, einsum -----===//
//
// Straightforward loops written for obviously-correct ONNX semantics rather
// than speed, accumulating in double, except for convolutions of spatial
// rank 1-3: those are im2col + OpenBLAS sgemm (f32 accumulation, the numerics
// of the matrix products in Linalg.cpp), the golden path's hot spot on real
// models. See NNKernels.h.
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/Kernels.h"
#include "tessera/Golden/NNKernels.h"

#include "Blas.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

namespace tessera::golden {

static std::string listToString(llvm::ArrayRef<int64_t> v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

static int64_t product(llvm::ArrayRef<int64_t> v) {
  int64_t p = 1;
  for (int64_t d : v)
    p *= d;
  return p;
}

//===----------------------------------------------------------------------===//
// Sliding windows (shared by convolution and pooling)
//===----------------------------------------------------------------------===//

/// Checks per-axis window parameters for `spatialRank` axes. `what` names the
/// op in messages.
static llvm::Error checkWindowParams(llvm::StringRef what, size_t spatialRank,
                                     llvm::ArrayRef<int64_t> strides,
                                     llvm::ArrayRef<int64_t> pads,
                                     llvm::ArrayRef<int64_t> dilations) {
  if (strides.size() != spatialRank)
    return makeError(what + " needs " + llvm::Twine(spatialRank) +
                     " strides, got " + llvm::Twine(strides.size()));
  if (pads.size() != 2 * spatialRank)
    return makeError(what + " needs " + llvm::Twine(2 * spatialRank) +
                     " pads (begins then ends), got " +
                     llvm::Twine(pads.size()));
  if (dilations.size() != spatialRank)
    return makeError(what + " needs " + llvm::Twine(spatialRank) +
                     " dilations, got " + llvm::Twine(dilations.size()));
  for (int64_t s : strides)
    if (s < 1)
      return makeError(what + " strides must be positive, got " +
                       listToString(strides));
  for (int64_t d : dilations)
    if (d < 1)
      return makeError(what + " dilations must be positive, got " +
                       listToString(dilations));
  for (int64_t p : pads)
    if (p < 0)
      return makeError(what + " pads must not be negative, got " +
                       listToString(pads));
  return llvm::Error::success();
}

llvm::Expected<int64_t> windowOutputSize(int64_t in, int64_t kernel,
                                         int64_t stride, int64_t padBegin,
                                         int64_t padEnd, int64_t dilation,
                                         bool ceilMode) {
  if (kernel < 1)
    return makeError("kernel extent " + llvm::Twine(kernel) +
                     " must be positive");
  int64_t extent = (kernel - 1) * dilation + 1;
  int64_t span = in + padBegin + padEnd - extent;
  if (span < 0)
    return makeError("window of extent " + llvm::Twine(extent) +
                     " does not fit in padded input extent " +
                     llvm::Twine(in + padBegin + padEnd));
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // A window that would start in the end padding reads no input at all.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

namespace {
/// Where each (position, kernel offset) pair of a sliding window lands: the
/// flat spatial offset in the indexed tensor, or one of the markers below.
struct WindowTable {
  static constexpr int64_t kPad = -1;     // inside the padding
  static constexpr int64_t kOutside = -2; // beyond the padding (ceil mode)
  int64_t numPositions = 1;
  int64_t kernelSize = 1;
  std::vector<int64_t> offsets; // numPositions x kernelSize

  int64_t at(int64_t position, int64_t k) const {
    return offsets[position * kernelSize + k];
  }
};
} // namespace

/// Builds the table for windows at `positions` (per axis, the window index)
/// over a tensor of spatial extents `target`: window `o`, kernel offset `k`
/// on an axis reads coordinate o * stride - padBegin + k * dilation.
static WindowTable buildWindowTable(const Shape &target, const Shape &positions,
                                    llvm::ArrayRef<int64_t> kernel,
                                    llvm::ArrayRef<int64_t> strides,
                                    llvm::ArrayRef<int64_t> pads,
                                    llvm::ArrayRef<int64_t> dilations) {
  size_t rank = target.size();
  WindowTable t;
  t.numPositions = product(positions);
  t.kernelSize = product(kernel);
  t.offsets.resize(t.numPositions * t.kernelSize);
  std::vector<int64_t> pos(rank, 0), k(rank, 0);
  for (int64_t p = 0; p < t.numPositions; ++p) {
    for (int64_t r = p, d = rank - 1; d >= 0; --d) {
      pos[d] = r % positions[d];
      r /= positions[d];
    }
    for (int64_t kk = 0; kk < t.kernelSize; ++kk) {
      for (int64_t r = kk, d = rank - 1; d >= 0; --d) {
        k[d] = r % kernel[d];
        r /= kernel[d];
      }
      int64_t offset = 0;
      bool inPad = false, outside = false;
      for (size_t d = 0; d < rank; ++d) {
        int64_t c = pos[d] * strides[d] - pads[d] + k[d] * dilations[d];
        if (c < 0 || c >= target[d]) {
          if (c < -pads[d] || c >= target[d] + pads[rank + d])
            outside = true;
          else
            inPad = true;
          c = 0;
        }
        offset = offset * target[d] + c;
      }
      t.offsets[p * t.kernelSize + kk] =
          outside ? WindowTable::kOutside
                  : (inPad ? WindowTable::kPad : offset);
    }
  }
  return t;
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// Checks what Conv and ConvTranspose share and returns the spatial rank.
static llvm::Expected<size_t> checkConvCommon(llvm::StringRef what,
                                              const Shape &x, const Shape &w,
                                              const ConvParams &p) {
  if (x.size() < 3)
    return makeError(what + " input must be [N, C, D1, ...] (rank >= 3), got " +
                     shapeToString(x));
  if (w.size() != x.size())
    return makeError(what + " weight " + shapeToString(w) +
                     " must have the input's rank " + llvm::Twine(x.size()));
  size_t spatial = x.size() - 2;
  if (auto err =
          checkWindowParams(what, spatial, p.strides, p.pads, p.dilations))
    return std::move(err);
  if (p.group < 1)
    return makeError(what + " group " + llvm::Twine(p.group) +
                     " must be positive");
  for (size_t i = 2; i < w.size(); ++i)
    if (w[i] < 1)
      return makeError(what + " kernel " + shapeToString(w) +
                       " has an empty spatial extent");
  return spatial;
}

static llvm::Error checkBias(llvm::StringRef what, const Shape *bias,
                             int64_t channels) {
  if (bias && (bias->size() != 1 || (*bias)[0] != channels))
    return makeError(what + " bias " + shapeToString(*bias) + " must be [" +
                     llvm::Twine(channels) + "]");
  return llvm::Error::success();
}

llvm::Expected<Shape> convShape(const Shape &x, const Shape &w,
                                const Shape *bias, const ConvParams &p) {
  auto spatial = checkConvCommon("conv", x, w, p);
  if (!spatial)
    return spatial.takeError();
  int64_t c = x[1], m = w[0];
  if (c % p.group != 0 || m % p.group != 0)
    return makeError("conv group " + llvm::Twine(p.group) +
                     " must divide the input channels " + llvm::Twine(c) +
                     " and the output channels " + llvm::Twine(m));
  if (w[1] * p.group != c)
    return makeError("conv weight " + shapeToString(w) + " expects " +
                     llvm::Twine(w[1] * p.group) + " input channels, got " +
                     llvm::Twine(c));
  if (auto err = checkBias("conv", bias, m))
    return std::move(err);
  Shape out{x[0], m};
  for (size_t i = 0; i < *spatial; ++i) {
    auto o = windowOutputSize(x[2 + i], w[2 + i], p.strides[i], p.pads[i],
                              p.pads[*spatial + i], p.dilations[i], false);
    if (!o)
      return makeError("conv spatial axis " + llvm::Twine(i) + ": " +
                       llvm::toString(o.takeError()));
    out.push_back(*o);
  }
  return out;
}

namespace {
/// A convolution of spatial rank 1 to 3 seen as 3-D (missing leading axes
/// have extent 1, kernel 1, stride 1, no padding).
struct Conv3D {
  int64_t in[3], out[3], kernel[3], stride[3], padBegin[3], dilation[3];

  int64_t inSize() const { return in[0] * in[1] * in[2]; }
  int64_t kernelSize() const { return kernel[0] * kernel[1] * kernel[2]; }
  int64_t outRows() const { return out[0] * out[1]; }
  bool isPointwise() const {
    for (int i = 0; i < 3; ++i)
      if (kernel[i] != 1 || stride[i] != 1 || padBegin[i] != 0)
        return false;
    return true;
  }
};
} // namespace

static Conv3D makeConv3D(const Shape &inSpatial, const Shape &outSpatial,
                         const Shape &kernel, const ConvParams &p) {
  Conv3D g;
  size_t rank = inSpatial.size(), lead = 3 - rank;
  for (size_t i = 0; i < 3; ++i) {
    bool real = i >= lead;
    size_t d = i - lead;
    g.in[i] = real ? inSpatial[d] : 1;
    g.out[i] = real ? outSpatial[d] : 1;
    g.kernel[i] = real ? kernel[d] : 1;
    g.stride[i] = real ? p.strides[d] : 1;
    g.padBegin[i] = real ? p.pads[d] : 0;
    g.dilation[i] = real ? p.dilations[d] : 1;
  }
  return g;
}

/// Calls fn(tap, r, src, lo, hi, step, shift) for every kernel tap (its
/// flat index) and output row r in [0, rows) (the output row row0 + r; a
/// row is one (d, h) pair) whose input row exists: output column o in
/// [lo, hi) of that row reads src[o * step + shift] of the channel plane
/// `x`; the other columns read padding.
template <typename Fn>
static void forEachTapRow(const float *x, const Conv3D &g, int64_t row0,
                          int64_t rows, Fn fn) {
  const int64_t ow = g.out[2];
  int64_t tap = 0;
  for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
    for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
      for (int64_t kw = 0; kw < g.kernel[2]; ++kw, ++tap) {
        int64_t shift = kw * g.dilation[2] - g.padBegin[2];
        int64_t lo = 0, hi = ow;
        while (lo < ow && lo * g.stride[2] + shift < 0)
          ++lo;
        while (hi > lo && (hi - 1) * g.stride[2] + shift >= g.in[2])
          --hi;
        for (int64_t r = 0; r < rows; ++r) {
          int64_t od = (row0 + r) / g.out[1], oh = (row0 + r) % g.out[1];
          int64_t id = od * g.stride[0] - g.padBegin[0] + kd * g.dilation[0];
          int64_t ih = oh * g.stride[1] - g.padBegin[1] + kh * g.dilation[1];
          if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1])
            continue;
          fn(tap, r, x + (id * g.in[1] + ih) * g.in[2], lo, hi, g.stride[2],
             shift);
        }
      }
}

/// im2col of output rows [row0, row0 + rows): col is
/// [channels * kernelSize][rows * out[2]], zero where a window reads
/// padding.
static void im2col(const float *x, int64_t channels, const Conv3D &g,
                   int64_t row0, int64_t rows, float *col) {
  const int64_t ow = g.out[2], cols = rows * ow, taps = g.kernelSize();
  std::fill(col, col + channels * taps * cols, 0.0f);
  for (int64_t ic = 0; ic < channels; ++ic)
    forEachTapRow(x + ic * g.inSize(), g, row0, rows,
                  [&](int64_t tap, int64_t r, const float *src, int64_t lo,
                      int64_t hi, int64_t step, int64_t shift) {
                    float *d = col + (ic * taps + tap) * cols + r * ow;
                    if (step == 1)
                      std::copy(src + lo + shift, src + hi + shift, d + lo);
                    else
                      for (int64_t o = lo; o < hi; ++o)
                        d[o] = src[o * step + shift];
                  });
}

/// A depthwise convolution (one input and one output channel per group):
/// each tap adds its weight times a shifted input row, which is faster than
/// a GEMM with one row.
static void convDepthwise(const float *x, const float *w, float bias,
                          const Conv3D &g, float *out) {
  const int64_t ow = g.out[2];
  std::fill(out, out + g.outRows() * ow, bias);
  forEachTapRow(x, g, 0, g.outRows(),
                [&](int64_t tap, int64_t r, const float *src, int64_t lo,
                    int64_t hi, int64_t step, int64_t shift) {
                  float wv = w[tap], *d = out + r * ow;
                  for (int64_t o = lo; o < hi; ++o)
                    d[o] += wv * src[o * step + shift];
                });
}

/// Spatial rank 1-3: im2col + sgemm per image and group, in chunks of
/// output rows that keep the column buffer near 16 MiB.
static void convGemm(const Tensor &x, const Tensor &w, const Tensor *bias,
                     const ConvParams &p, const Conv3D &g, Tensor &r) {
  int64_t n = x.dim(0), c = x.dim(1), m = w.dim(0);
  int64_t cg = c / p.group, mg = m / p.group;
  int64_t inSize = g.inSize(), kDepth = cg * g.kernelSize();
  int64_t positions = g.outRows() * g.out[2];
  const float *xs = x.floats().data(), *ws = w.floats().data();
  float *rs = r.floats().data();
  int64_t rowsPerChunk = std::max<int64_t>(
      1, (int64_t(4) << 20) / std::max<int64_t>(1, kDepth * g.out[2]));
  if (cg == 1 && mg == 1) {
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < m; ++ch)
        convDepthwise(xs + (b * c + ch) * inSize, ws + ch * g.kernelSize(),
                      bias ? bias->getF(ch) : 0.0f, g,
                      rs + (b * m + ch) * positions);
    roundToStorageType(r);
    return;
  }
  bool pointwise = g.isPointwise();
  std::vector<float> col;
  if (!pointwise)
    col.resize(std::min(rowsPerChunk, g.outRows()) * g.out[2] * kDepth);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t grp = 0; grp < p.group; ++grp) {
      const float *xg = xs + (b * c + grp * cg) * inSize;
      const float *wg = ws + grp * mg * kDepth;
      float *out = rs + (b * m + grp * mg) * positions;
      if (pointwise) {
        sgemm(false, false, mg, positions, cg, 1.0f, wg, cg, xg, inSize, 0.0f,
              out, positions);
        continue;
      }
      for (int64_t row0 = 0; row0 < g.outRows(); row0 += rowsPerChunk) {
        int64_t rows = std::min(rowsPerChunk, g.outRows() - row0);
        int64_t cols = rows * g.out[2];
        im2col(xg, cg, g, row0, rows, col.data());
        sgemm(false, false, mg, cols, kDepth, 1.0f, wg, kDepth, col.data(),
              cols, 0.0f, out + row0 * g.out[2], positions);
      }
    }
  if (bias)
    for (int64_t b = 0; b < n; ++b)
      for (int64_t oc = 0; oc < m; ++oc) {
        float bv = bias->getF(oc);
        float *o = rs + (b * m + oc) * positions;
        for (int64_t i = 0; i < positions; ++i)
          o[i] += bv;
      }
  roundToStorageType(r);
}

llvm::Expected<Tensor> conv(const Tensor &x, const Tensor &w,
                            const Tensor *bias, const ConvParams &p) {
  auto outShape =
      convShape(x.shape(), w.shape(), bias ? &bias->shape() : nullptr, p);
  if (!outShape)
    return outShape.takeError();
  size_t spatial = x.rank() - 2;
  Shape inSpatial(x.shape().begin() + 2, x.shape().end());
  Shape outSpatial(outShape->begin() + 2, outShape->end());
  Shape kernel(w.shape().begin() + 2, w.shape().end());
  Tensor r(x.dtype(), *outShape);
  if (spatial <= 3 && x.isFloat() && w.isFloat()) {
    convGemm(x, w, bias, p, makeConv3D(inSpatial, outSpatial, kernel, p), r);
    return r;
  }
  WindowTable table = buildWindowTable(inSpatial, outSpatial, kernel, p.strides,
                                       p.pads, p.dilations);
  int64_t n = x.dim(0), c = x.dim(1), m = w.dim(0);
  int64_t cg = c / p.group, mg = m / p.group;
  int64_t inSize = product(inSpatial), kSize = table.kernelSize;
  const std::vector<float> &xs = x.floats(), &ws = w.floats();
  int64_t o = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < m; ++oc) {
      int64_t g = oc / mg;
      for (int64_t pos = 0; pos < table.numPositions; ++pos, ++o) {
        double acc = bias ? bias->getF(oc) : 0.0;
        for (int64_t ic = 0; ic < cg; ++ic) {
          const float *xb = xs.data() + (b * c + g * cg + ic) * inSize;
          const float *wb = ws.data() + (oc * cg + ic) * kSize;
          for (int64_t k = 0; k < kSize; ++k) {
            int64_t off = table.at(pos, k);
            if (off >= 0)
              acc += (double)xb[off] * wb[k];
          }
        }
        r.setF(o, (float)acc);
      }
    }
  return r;
}

int64_t convFlops(const Shape &output, const Shape &weight) {
  return 2 * shapeNumElements(output) *
         product(llvm::ArrayRef(weight).drop_front());
}

int64_t convTransposeFlops(const Shape &input, const Shape &weight) {
  return 2 * shapeNumElements(input) *
         product(llvm::ArrayRef(weight).drop_front());
}

llvm::Expected<Shape> convTransposeShape(const Shape &x, const Shape &w,
                                         const Shape *bias,
                                         const ConvParams &p) {
  auto spatial = checkConvCommon("conv_transpose", x, w, p);
  if (!spatial)
    return spatial.takeError();
  int64_t c = x[1];
  if (w[0] != c)
    return makeError("conv_transpose weight " + shapeToString(w) +
                     " must start with the input channels " + llvm::Twine(c));
  if (c % p.group != 0)
    return makeError("conv_transpose group " + llvm::Twine(p.group) +
                     " must divide the input channels " + llvm::Twine(c));
  int64_t m = w[1] * p.group;
  if (auto err = checkBias("conv_transpose", bias, m))
    return std::move(err);
  if (p.outputPadding.size() != *spatial)
    return makeError("conv_transpose needs " + llvm::Twine(*spatial) +
                     " output_padding values, got " +
                     llvm::Twine(p.outputPadding.size()));
  for (int64_t v : p.outputPadding)
    if (v < 0)
      return makeError("conv_transpose output_padding must not be negative, "
                       "got " +
                       listToString(p.outputPadding));
  Shape out{x[0], m};
  for (size_t i = 0; i < *spatial; ++i) {
    int64_t extent = (w[2 + i] - 1) * p.dilations[i] + 1;
    int64_t o = p.strides[i] * (x[2 + i] - 1) + p.outputPadding[i] + extent -
                p.pads[i] - p.pads[*spatial + i];
    if (o < 1)
      return makeError("conv_transpose spatial axis " + llvm::Twine(i) +
                       " would have output extent " + llvm::Twine(o));
    out.push_back(o);
  }
  return out;
}

llvm::Expected<Tensor> convTranspose(const Tensor &x, const Tensor &w,
                                     const Tensor *bias, const ConvParams &p) {
  auto outShape = convTransposeShape(x.shape(), w.shape(),
                                     bias ? &bias->shape() : nullptr, p);
  if (!outShape)
    return outShape.takeError();
  Shape inSpatial(x.shape().begin() + 2, x.shape().end());
  Shape outSpatial(outShape->begin() + 2, outShape->end());
  Shape kernel(w.shape().begin() + 2, w.shape().end());
  // Each input element scatters into the output through the kernel: the
  // output coordinate of input i and kernel offset k is i*s - pad + k*d.
  WindowTable table = buildWindowTable(outSpatial, inSpatial, kernel, p.strides,
                                       p.pads, p.dilations);
  int64_t n = x.dim(0), c = x.dim(1), mg = w.dim(1), m = (*outShape)[1];
  int64_t cg = c / p.group;
  int64_t inSize = product(inSpatial), outSize = product(outSpatial);
  int64_t kSize = table.kernelSize;
  // Per image and group, the products of every input element with every
  // kernel tap are one sgemm (W_g^T x X_g, in chunks of input positions);
  // they are then added into the output in double.
  std::vector<double> acc(shapeNumElements(*outShape), 0.0);
  const float *xs = x.floats().data(), *ws = w.floats().data();
  int64_t taps = mg * kSize;
  int64_t chunk = std::max<int64_t>(
      1, std::min(inSize, (int64_t(4) << 20) / std::max<int64_t>(1, taps)));
  std::vector<float> col(taps * chunk);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t g = 0; g < p.group; ++g) {
      const float *xg = xs + (b * c + g * cg) * inSize;
      const float *wg = ws + g * cg * taps;
      for (int64_t pos0 = 0; pos0 < inSize; pos0 += chunk) {
        int64_t pc = std::min(chunk, inSize - pos0);
        sgemm(true, false, taps, pc, cg, 1.0f, wg, taps, xg + pos0, inSize,
              0.0f, col.data(), pc);
        for (int64_t j = 0; j < mg; ++j) {
          double *yb = acc.data() + (b * m + g * mg + j) * outSize;
          for (int64_t k = 0; k < kSize; ++k) {
            const float *cb = col.data() + (j * kSize + k) * pc;
            for (int64_t i = 0; i < pc; ++i) {
              int64_t off = table.at(pos0 + i, k);
              if (off >= 0)
                yb[off] += cb[i];
            }
          }
        }
      }
    }
  Tensor r(x.dtype(), *outShape);
  for (int64_t i = 0; i < (int64_t)acc.size(); ++i) {
    double v = acc[i];
    if (bias)
      v += bias->getF((i / outSize) % m);
    r.setF(i, (float)v);
  }
  return r;
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

static const char *poolName(PoolKind kind) {
  switch (kind) {
  case PoolKind::Max:
    return "max_pool";
  case PoolKind::Average:
    return "avg_pool";
  case PoolKind::Lp:
    return "lp_pool";
  }
  return "pool";
}

llvm::Expected<Shape> poolShape(const Shape &x, const PoolParams &p) {
  llvm::StringRef what = poolName(p.kind);
  if (x.size() < 3)
    return makeError(what + " input must be [N, C, D1, ...] (rank >= 3), got " +
                     shapeToString(x));
  size_t spatial = x.size() - 2;
  if (p.kernel.size() != spatial)
    return makeError(what + " needs " + llvm::Twine(spatial) +
                     " kernel extents, got " + llvm::Twine(p.kernel.size()));
  if (auto err =
          checkWindowParams(what, spatial, p.strides, p.pads, p.dilations))
    return std::move(err);
  if (p.kind == PoolKind::Lp && p.p < 1)
    return makeError("lp_pool p must be positive, got " + llvm::Twine(p.p));
  Shape out{x[0], x[1]};
  for (size_t i = 0; i < spatial; ++i) {
    auto o = windowOutputSize(x[2 + i], p.kernel[i], p.strides[i], p.pads[i],
                              p.pads[spatial + i], p.dilations[i], p.ceilMode);
    if (!o)
      return makeError(what + " spatial axis " + llvm::Twine(i) + ": " +
                       llvm::toString(o.takeError()));
    out.push_back(*o);
  }
  return out;
}

llvm::Expected<Tensor> pool(const Tensor &x, const PoolParams &p) {
  auto outShape = poolShape(x.shape(), p);
  if (!outShape)
    return outShape.takeError();
  Shape inSpatial(x.shape().begin() + 2, x.shape().end());
  Shape outSpatial(outShape->begin() + 2, outShape->end());
  WindowTable table = buildWindowTable(inSpatial, outSpatial, p.kernel,
                                       p.strides, p.pads, p.dilations);
  int64_t planes = x.dim(0) * x.dim(1), inSize = product(inSpatial);
  Tensor r(x.dtype(), *outShape);
  int64_t o = 0;
  for (int64_t plane = 0; plane < planes; ++plane) {
    int64_t base = plane * inSize;
    for (int64_t pos = 0; pos < table.numPositions; ++pos, ++o) {
      double acc = p.kind == PoolKind::Max
                       ? -std::numeric_limits<double>::infinity()
                       : 0.0;
      int64_t count = 0;
      bool nan = false;
      for (int64_t k = 0; k < table.kernelSize; ++k) {
        int64_t off = table.at(pos, k);
        if (off == WindowTable::kPad && p.countIncludePad)
          ++count;
        if (off < 0)
          continue;
        double v = x.getD(base + off);
        ++count;
        switch (p.kind) {
        case PoolKind::Max:
          nan |= std::isnan(v);
          acc = std::max(acc, v);
          break;
        case PoolKind::Average:
          acc += v;
          break;
        case PoolKind::Lp:
          acc += std::pow(std::fabs(v), (double)p.p);
          break;
        }
      }
      if (p.kind == PoolKind::Max && nan)
        acc = std::nan("");
      else if (p.kind == PoolKind::Average)
        acc = count ? acc / count : 0.0;
      else if (p.kind == PoolKind::Lp)
        acc = std::pow(acc, 1.0 / (double)p.p);
      r.setD(o, acc);
    }
  }
  return r;
}

int64_t poolFlops(const Shape &output, llvm::ArrayRef<int64_t> kernel,
                  PoolKind kind) {
  int64_t n = shapeNumElements(output), k = product(kernel);
  switch (kind) {
  case PoolKind::Max:
    return n * k;
  case PoolKind::Average:
    return n * (k + 1);
  case PoolKind::Lp:
    return n * (2 * k + 1);
  }
  return 0;
}

llvm::Expected<std::pair<Tensor, Tensor>>
maxPoolWithIndices(const Tensor &x, const PoolParams &p, bool columnMajor) {
  PoolParams maxParams = p;
  maxParams.kind = PoolKind::Max;
  auto outShape = poolShape(x.shape(), maxParams);
  if (!outShape)
    return outShape.takeError();
  Shape inSpatial(x.shape().begin() + 2, x.shape().end());
  Shape outSpatial(outShape->begin() + 2, outShape->end());
  WindowTable table = buildWindowTable(inSpatial, outSpatial, p.kernel,
                                       p.strides, p.pads, p.dilations);
  int64_t planes = x.dim(0) * x.dim(1), inSize = product(inSpatial);
  // Column-major spatial index of each row-major spatial offset.
  std::vector<int64_t> spatialIndex(inSize);
  for (int64_t off = 0; off < inSize; ++off) {
    if (!columnMajor) {
      spatialIndex[off] = off;
      continue;
    }
    int64_t idx = 0, scale = 1;
    std::vector<int64_t> coord(inSpatial.size());
    for (int64_t r = off, d = inSpatial.size() - 1; d >= 0; --d) {
      coord[d] = r % inSpatial[d];
      r /= inSpatial[d];
    }
    for (size_t d = 0; d < inSpatial.size(); ++d) {
      idx += coord[d] * scale;
      scale *= inSpatial[d];
    }
    spatialIndex[off] = idx;
  }
  Tensor values(x.dtype(), *outShape), indices(DType::I64, *outShape);
  int64_t o = 0;
  for (int64_t plane = 0; plane < planes; ++plane) {
    int64_t base = plane * inSize;
    for (int64_t pos = 0; pos < table.numPositions; ++pos, ++o) {
      double best = -std::numeric_limits<double>::infinity();
      int64_t bestOff = -1;
      for (int64_t k = 0; k < table.kernelSize; ++k) {
        int64_t off = table.at(pos, k);
        if (off < 0)
          continue;
        double v = x.getD(base + off);
        // Strictly greater: the first maximum in window order wins.
        if (bestOff < 0 || v > best) {
          best = v;
          bestOff = off;
        }
      }
      values.setD(o, best);
      indices.setI(o, bestOff < 0 ? -1 : base + spatialIndex[bestOff]);
    }
  }
  return std::make_pair(std::move(values), std::move(indices));
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

llvm::Error checkChannelParams(const Shape &x,
                               llvm::ArrayRef<const Shape *> params) {
  if (x.size() < 2)
    return makeError("input must be [N, C, ...] (rank >= 2), got " +
                     shapeToString(x));
  for (const Shape *s : params)
    if (s->size() != 1 || (*s)[0] != x[1])
      return makeError("parameter of shape " + shapeToString(*s) +
                       " must be [C] = [" + llvm::Twine(x[1]) + "]");
  return llvm::Error::success();
}

llvm::Expected<Tensor> batchNorm(const Tensor &x, const Tensor &scale,
                                 const Tensor &bias, const Tensor &mean,
                                 const Tensor &var, float epsilon) {
  if (auto err = checkChannelParams(x.shape(), {&scale.shape(), &bias.shape(),
                                                &mean.shape(), &var.shape()}))
    return std::move(err);
  int64_t c = x.dim(1),
          inner = product(llvm::ArrayRef(x.shape()).drop_front(2));
  Tensor r(x.dtype(), x.shape());
  const float *in = x.floats().data();
  float *out = r.floats().data();
  for (int64_t plane = 0, planes = x.dim(0) * c; plane < planes; ++plane) {
    int64_t ch = plane % c;
    double invStd = 1.0 / std::sqrt((double)var.getF(ch) + (double)epsilon);
    double m = mean.getF(ch), sc = scale.getF(ch), b = bias.getF(ch);
    for (int64_t i = plane * inner, e = i + inner; i < e; ++i)
      out[i] = (float)(((double)in[i] - m) * invStd * sc + b);
  }
  roundToStorageType(r);
  return r;
}

llvm::Expected<Tensor> instanceNorm(const Tensor &x, const Tensor &scale,
                                    const Tensor &bias, float epsilon) {
  if (auto err = checkChannelParams(x.shape(), {&scale.shape(), &bias.shape()}))
    return std::move(err);
  int64_t c = x.dim(1),
          inner = product(llvm::ArrayRef(x.shape()).drop_front(2));
  int64_t planes = x.dim(0) * c;
  Tensor r(x.dtype(), x.shape());
  for (int64_t plane = 0; plane < planes; ++plane) {
    int64_t base = plane * inner, ch = plane % c;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < inner; ++i)
      mean += x.getF(base + i);
    mean /= inner;
    for (int64_t i = 0; i < inner; ++i) {
      double d = x.getF(base + i) - mean;
      var += d * d;
    }
    var /= inner;
    double invStd = 1.0 / std::sqrt(var + (double)epsilon);
    for (int64_t i = 0; i < inner; ++i)
      r.setD(base + i, (x.getF(base + i) - mean) * invStd * scale.getF(ch) +
                           bias.getF(ch));
  }
  return r;
}

llvm::Error checkLrn(const Shape &x, int64_t size) {
  if (x.size() < 2)
    return makeError("lrn input must be [N, C, ...] (rank >= 2), got " +
                     shapeToString(x));
  if (size < 1)
    return makeError("lrn size must be positive, got " + llvm::Twine(size));
  return llvm::Error::success();
}

llvm::Expected<Tensor> lrn(const Tensor &x, int64_t size, float alpha,
                           float beta, float bias) {
  if (auto err = checkLrn(x.shape(), size))
    return std::move(err);
  int64_t c = x.dim(1),
          inner = product(llvm::ArrayRef(x.shape()).drop_front(2));
  // The window over channels is [c - floor((size-1)/2), c + ceil((size-1)/2)].
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  Tensor r(x.dtype(), x.shape());
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t ch = (i / inner) % c, planeBase = i - ch * inner;
    double sq = 0;
    for (int64_t j = std::max<int64_t>(0, ch - before);
         j <= std::min<int64_t>(c - 1, ch + after); ++j) {
      double v = x.getF(planeBase + j * inner);
      sq += v * v;
    }
    r.setD(i, x.getF(i) / std::pow((double)bias + (double)alpha / size * sq,
                                   (double)beta));
  }
  return r;
}

llvm::Expected<Tensor> meanVarianceNorm(const Tensor &x,
                                        llvm::ArrayRef<int64_t> axes) {
  auto norm = normalizeAxes(axes, x.rank());
  if (!norm)
    return norm.takeError();
  std::vector<bool> reduced(x.rank(), false);
  for (int64_t a : *norm)
    reduced[a] = true;
  // Group elements by their position on the kept axes.
  Shape kept;
  for (int64_t d = 0; d < x.rank(); ++d)
    kept.push_back(reduced[d] ? 1 : x.dim(d));
  std::vector<int64_t> keptStrides = shapeStrides(kept);
  int64_t groups = shapeNumElements(kept);
  std::vector<double> sum(groups, 0), sumSq(groups, 0);
  std::vector<int64_t> group(x.numElements());
  std::vector<int64_t> index(x.rank(), 0);
  for (int64_t e = 0; e < x.numElements(); ++e) {
    int64_t g = 0;
    for (int64_t d = 0; d < x.rank(); ++d)
      if (!reduced[d])
        g += index[d] * keptStrides[d];
    group[e] = g;
    double v = x.getF(e);
    sum[g] += v;
    sumSq[g] += v * v;
    for (int64_t d = x.rank() - 1; d >= 0; --d) {
      if (++index[d] < x.dim(d))
        break;
      index[d] = 0;
    }
  }
  int64_t count = groups ? x.numElements() / groups : 0;
  Tensor r(x.dtype(), x.shape());
  for (int64_t e = 0; e < x.numElements(); ++e) {
    int64_t g = group[e];
    double mean = sum[g] / count;
    // ONNX's function body: the epsilon is added to the standard deviation.
    double var = std::max(0.0, sumSq[g] / count - mean * mean);
    r.setD(e, (x.getF(e) - mean) / (std::sqrt(var) + 1e-9));
  }
  return r;
}

llvm::Error checkAxis(const Shape &x, int64_t axis) {
  int64_t rank = x.size();
  if (axis < -rank || axis >= rank)
    return makeError("axis " + llvm::Twine(axis) +
                     " is out of range for rank " + llvm::Twine(rank));
  return llvm::Error::success();
}

/// Views `x` around `axis` as [outer, n, inner].
static void splitAround(const Shape &x, int64_t axis, int64_t &outer,
                        int64_t &n, int64_t &inner) {
  outer = product(llvm::ArrayRef(x).take_front(axis));
  n = x[axis];
  inner = product(llvm::ArrayRef(x).drop_front(axis + 1));
}

llvm::Error checkLpNorm(const Shape &x, int64_t axis, int64_t p) {
  if (auto err = checkAxis(x, axis))
    return err;
  if (p != 1 && p != 2)
    return makeError("lp_norm p must be 1 or 2, got " + llvm::Twine(p));
  return llvm::Error::success();
}

llvm::Expected<Tensor> lpNorm(const Tensor &x, int64_t axis, int64_t p) {
  if (auto err = checkLpNorm(x.shape(), axis, p))
    return std::move(err);
  if (axis < 0)
    axis += x.rank();
  int64_t outer, n, inner;
  splitAround(x.shape(), axis, outer, n, inner);
  Tensor r(x.dtype(), x.shape());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t base = o * n * inner + i;
      double norm = 0;
      for (int64_t j = 0; j < n; ++j) {
        double v = x.getF(base + j * inner);
        norm += p == 1 ? std::fabs(v) : v * v;
      }
      if (p == 2)
        norm = std::sqrt(norm);
      for (int64_t j = 0; j < n; ++j)
        r.setD(base + j * inner, x.getF(base + j * inner) / norm);
    }
  return r;
}

//===----------------------------------------------------------------------===//
// Selection and scans
//===----------------------------------------------------------------------===//

llvm::Expected<Shape> argReduceShape(const Shape &x, int64_t axis,
                                     bool keepdims) {
  if (auto err = checkAxis(x, axis))
    return std::move(err);
  if (axis < 0)
    axis += x.size();
  if (x[axis] == 0)
    return makeError("cannot take the arg max/min of an empty axis");
  Shape out;
  for (int64_t d = 0; d < (int64_t)x.size(); ++d) {
    if (d != axis)
      out.push_back(x[d]);
    else if (keepdims)
      out.push_back(1);
  }
  return out;
}

llvm::Expected<Tensor> argReduce(const Tensor &x, int64_t axis, bool keepdims,
                                 bool selectLastIndex, bool isMax) {
  auto outShape = argReduceShape(x.shape(), axis, keepdims);
  if (!outShape)
    return outShape.takeError();
  if (axis < 0)
    axis += x.rank();
  int64_t outer, n, inner;
  splitAround(x.shape(), axis, outer, n, inner);
  Tensor r(DType::I64, *outShape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t base = o * n * inner + i, best = 0;
      double bestV = x.getD(base);
      for (int64_t j = 1; j < n; ++j) {
        double v = x.getD(base + j * inner);
        bool better = isMax ? v > bestV : v < bestV;
        if (better || (selectLastIndex && v == bestV)) {
          best = j;
          bestV = v;
        }
      }
      r.setI(o * inner + i, best);
    }
  return r;
}

llvm::Expected<Shape> topKShape(const Shape &x, int64_t k, int64_t axis) {
  if (auto err = checkAxis(x, axis))
    return std::move(err);
  if (axis < 0)
    axis += x.size();
  if (k < 0 || k > x[axis])
    return makeError("top_k k = " + llvm::Twine(k) +
                     " is out of range for axis extent " +
                     llvm::Twine(x[axis]));
  Shape out = x;
  out[axis] = k;
  return out;
}

llvm::Expected<std::pair<Tensor, Tensor>> topK(const Tensor &x, int64_t k,
                                               int64_t axis, bool largest) {
  auto outShape = topKShape(x.shape(), k, axis);
  if (!outShape)
    return outShape.takeError();
  if (axis < 0)
    axis += x.rank();
  int64_t outer, n, inner;
  splitAround(x.shape(), axis, outer, n, inner);
  Tensor values(x.dtype(), *outShape), indices(DType::I64, *outShape);
  std::vector<int64_t> order(n);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t base = o * n * inner + i;
      std::iota(order.begin(), order.end(), 0);
      // A stable sort keeps equal values in index order (ONNX's tiebreak).
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        double va = x.getD(base + a * inner), vb = x.getD(base + b * inner);
        return largest ? va > vb : va < vb;
      });
      for (int64_t j = 0; j < k; ++j) {
        int64_t src = base + order[j] * inner, dst = (o * k + j) * inner + i;
        if (x.isFloat())
          values.setF(dst, x.getF(src));
        else
          values.ints()[dst] = x.ints()[src];
        indices.setI(dst, order[j]);
      }
    }
  return std::make_pair(std::move(values), std::move(indices));
}

llvm::Expected<Tensor> cumSum(const Tensor &x, int64_t axis, bool exclusive,
                              bool reverse) {
  if (auto err = checkAxis(x.shape(), axis))
    return std::move(err);
  if (axis < 0)
    axis += x.rank();
  int64_t outer, n, inner;
  splitAround(x.shape(), axis, outer, n, inner);
  Tensor r(x.dtype(), x.shape());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t base = o * n * inner + i;
      double facc = 0;
      int64_t iacc = 0;
      for (int64_t step = 0; step < n; ++step) {
        int64_t j = reverse ? n - 1 - step : step, e = base + j * inner;
        if (exclusive) {
          x.isFloat() ? r.setD(e, facc) : r.setI(e, iacc);
        }
        if (x.isFloat())
          facc += x.getF(e);
        else
          iacc += x.ints()[e];
        if (!exclusive) {
          x.isFloat() ? r.setD(e, facc) : r.setI(e, iacc);
        }
      }
    }
  return r;
}

llvm::Expected<Tensor> hardmax(const Tensor &x, int64_t axis) {
  if (auto err = checkAxis(x.shape(), axis))
    return std::move(err);
  if (axis < 0)
    axis += x.rank();
  int64_t outer, n, inner;
  splitAround(x.shape(), axis, outer, n, inner);
  Tensor r(x.dtype(), x.shape());
  for (int64_t e = 0; e < r.numElements(); ++e)
    r.setF(e, 0.0f);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t base = o * n * inner + i, best = 0;
      for (int64_t j = 1; j < n; ++j)
        if (x.getF(base + j * inner) > x.getF(base + best * inner))
          best = j;
      if (n)
        r.setF(base + best * inner, 1.0f);
    }
  return r;
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

llvm::Expected<LossReduction> parseLossReduction(llvm::StringRef s) {
  if (s == "none")
    return LossReduction::None;
  if (s == "sum")
    return LossReduction::Sum;
  if (s == "mean")
    return LossReduction::Mean;
  return makeError("reduction must be 'none', 'sum' or 'mean', got '" + s +
                   "'");
}

llvm::Expected<Shape> lossShape(const Shape &input, const Shape &target,
                                const Shape *weight, LossReduction reduction) {
  if (input.size() < 2)
    return makeError("loss input must be [N, C, D...] (rank >= 2), got " +
                     shapeToString(input));
  Shape expected{input[0]};
  expected.insert(expected.end(), input.begin() + 2, input.end());
  if (target != expected)
    return makeError("loss target of shape " + shapeToString(target) +
                     " must be " + shapeToString(expected) + " for input " +
                     shapeToString(input));
  if (weight && (weight->size() != 1 || (*weight)[0] != input[1]))
    return makeError("loss weight of shape " + shapeToString(*weight) +
                     " must be [C] = [" + llvm::Twine(input[1]) + "]");
  if (reduction == LossReduction::None)
    return expected;
  return Shape{};
}

/// The loss on log-probabilities shared by both loss ops: picks
/// -logProb[n, target, d...] * weight[target] per sample and reduces.
static llvm::Expected<Tensor> nllCore(DType dtype, const Shape &inShape,
                                      llvm::function_ref<double(int64_t)> logP,
                                      const Tensor &target,
                                      const Tensor *weight,
                                      LossReduction reduction,
                                      std::optional<int64_t> ignoreIndex) {
  auto outShape = lossShape(inShape, target.shape(),
                            weight ? &weight->shape() : nullptr, reduction);
  if (!outShape)
    return outShape.takeError();
  int64_t n = inShape[0], c = inShape[1];
  int64_t d = product(llvm::ArrayRef(inShape).drop_front(2));
  std::vector<double> losses(n * d, 0.0);
  double lossSum = 0, weightSum = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t j = 0; j < d; ++j) {
      int64_t t = target.getI(b * d + j);
      if (ignoreIndex && t == *ignoreIndex)
        continue; // contributes neither loss nor weight
      if (t < 0 || t >= c)
        return makeError("loss target value " + llvm::Twine(t) +
                         " is out of range [0, " + llvm::Twine(c) + ")" +
                         (ignoreIndex ? " and is not ignore_index " +
                                            llvm::Twine(*ignoreIndex)
                                      : llvm::Twine("")));
      double w = weight ? weight->getF(t) : 1.0;
      double l = -logP((b * c + t) * d + j) * w;
      losses[b * d + j] = l;
      lossSum += l;
      weightSum += w;
    }
  Tensor r(dtype, *outShape);
  switch (reduction) {
  case LossReduction::None:
    for (int64_t i = 0; i < n * d; ++i)
      r.setD(i, losses[i]);
    break;
  case LossReduction::Sum:
    r.setD(0, lossSum);
    break;
  case LossReduction::Mean:
    // ONNX divides by the summed weights of the samples that count (their
    // number without weights); all samples ignored gives 0/0 = NaN, as in
    // ONNX's reference and PyTorch.
    r.setD(0, lossSum / weightSum);
    break;
  }
  return r;
}

llvm::Expected<Tensor> nllLoss(const Tensor &input, const Tensor &target,
                               const Tensor *weight, LossReduction reduction,
                               std::optional<int64_t> ignoreIndex) {
  return nllCore(
      input.dtype(), input.shape(),
      [&](int64_t i) -> double { return input.getF(i); }, target, weight,
      reduction, ignoreIndex);
}

llvm::Expected<std::pair<Tensor, Tensor>>
softmaxCrossEntropyLoss(const Tensor &scores, const Tensor &labels,
                        const Tensor *weights, LossReduction reduction,
                        std::optional<int64_t> ignoreIndex) {
  if (scores.rank() < 2)
    return makeError("loss input must be [N, C, D...] (rank >= 2), got " +
                     shapeToString(scores.shape()));
  // log_softmax over the class axis, in double.
  int64_t outer, c, inner;
  splitAround(scores.shape(), 1, outer, c, inner);
  std::vector<double> logP(scores.numElements());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t base = o * c * inner + i;
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < c; ++j)
        mx = std::max(mx, (double)scores.getF(base + j * inner));
      double sum = 0;
      for (int64_t j = 0; j < c; ++j)
        sum += std::exp(scores.getF(base + j * inner) - mx);
      double logSum = std::log(sum);
      for (int64_t j = 0; j < c; ++j)
        logP[base + j * inner] = scores.getF(base + j * inner) - mx - logSum;
    }
  auto loss = nllCore(
      scores.dtype(), scores.shape(), [&](int64_t i) { return logP[i]; },
      labels, weights, reduction, ignoreIndex);
  if (!loss)
    return loss.takeError();
  Tensor logProb(scores.dtype(), scores.shape());
  for (int64_t i = 0; i < (int64_t)logP.size(); ++i)
    logProb.setD(i, logP[i]);
  return std::make_pair(std::move(*loss), std::move(logProb));
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

llvm::Expected<EinsumSpec> parseEinsum(llvm::StringRef equation,
                                       llvm::ArrayRef<Shape> shapes) {
  std::string eq;
  for (char ch : equation)
    if (ch != ' ')
      eq.push_back(ch);
  llvm::StringRef ref(eq);
  auto [lhs, rhs] = ref.split("->");
  bool explicitOutput = ref.contains("->");
  llvm::SmallVector<llvm::StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != shapes.size())
    return makeError("einsum equation '" + equation + "' has " +
                     llvm::Twine(terms.size()) + " input terms for " +
                     llvm::Twine(shapes.size()) + " inputs");
  EinsumSpec spec;
  int64_t ellipsisRank = 0;
  std::vector<Shape> ellipsisShapes;
  std::map<int, int> counts;
  auto parseTerm = [&](llvm::StringRef term, std::vector<int> &letters,
                       int &ellipsisAt) -> llvm::Error {
    ellipsisAt = -1;
    for (size_t i = 0; i < term.size(); ++i) {
      char ch = term[i];
      if (ch == '.') {
        if (ellipsisAt >= 0 || !term.substr(i).starts_with("..."))
          return makeError("einsum term '" + term + "' has a malformed '...'");
        ellipsisAt = letters.size();
        i += 2;
        continue;
      }
      if (!std::isalpha((unsigned char)ch))
        return makeError("einsum term '" + term + "' has invalid character '" +
                         llvm::Twine(ch) + "'");
      letters.push_back(ch);
    }
    return llvm::Error::success();
  };
  for (size_t t = 0; t < terms.size(); ++t) {
    std::vector<int> letters;
    int ellipsisAt;
    if (auto err = parseTerm(terms[t], letters, ellipsisAt))
      return std::move(err);
    const Shape &s = shapes[t];
    int64_t extra = (int64_t)s.size() - (int64_t)letters.size();
    if (extra < 0 || (ellipsisAt < 0 && extra != 0))
      return makeError("einsum term '" + terms[t] + "' does not match input " +
                       llvm::Twine(t) + " of shape " + shapeToString(s));
    std::vector<int> labels;
    Shape ell;
    for (size_t i = 0, dim = 0; i <= letters.size(); ++i) {
      if ((int)i == ellipsisAt)
        for (int64_t e = 0; e < extra; ++e, ++dim) {
          labels.push_back(-1 - (int)e); // fixed up below
          ell.push_back(s[dim]);
        }
      if (i < letters.size()) {
        labels.push_back(letters[i]);
        ++dim;
      }
    }
    ellipsisRank = std::max<int64_t>(ellipsisRank, extra);
    spec.inputs.push_back(labels);
    ellipsisShapes.push_back(ell);
    for (int l : letters)
      ++counts[l];
  }
  // Ellipsis labels: right-align each input's ellipsis dims.
  Shape ellShape(ellipsisRank, 1);
  for (size_t t = 0; t < spec.inputs.size(); ++t) {
    int64_t extra = ellipsisShapes[t].size();
    for (int &l : spec.inputs[t])
      if (l < 0) {
        int64_t e = -1 - l;
        l = 256 + (int)(ellipsisRank - extra + e);
      }
    for (int64_t e = 0; e < extra; ++e) {
      int64_t &dst = ellShape[ellipsisRank - extra + e];
      int64_t v = ellipsisShapes[t][e];
      if (dst != 1 && v != 1 && dst != v)
        return makeError("einsum ellipsis dimensions do not broadcast");
      if (v != 1)
        dst = v;
    }
  }
  for (int64_t e = 0; e < ellipsisRank; ++e)
    spec.sizes[256 + (int)e] = ellShape[e];
  // Letter extents must agree across and within terms.
  for (size_t t = 0; t < spec.inputs.size(); ++t)
    for (size_t d = 0; d < spec.inputs[t].size(); ++d) {
      int l = spec.inputs[t][d];
      if (l >= 256)
        continue;
      auto [it, inserted] = spec.sizes.insert({l, shapes[t][d]});
      if (!inserted && it->second != shapes[t][d])
        return makeError("einsum label '" + llvm::Twine((char)l) +
                         "' has extents " + llvm::Twine(it->second) + " and " +
                         llvm::Twine(shapes[t][d]));
    }
  if (explicitOutput) {
    std::vector<int> letters;
    int ellipsisAt;
    if (auto err = parseTerm(rhs, letters, ellipsisAt))
      return std::move(err);
    std::set<int> seen;
    for (size_t i = 0; i <= letters.size(); ++i) {
      if ((int)i == ellipsisAt)
        for (int64_t e = 0; e < ellipsisRank; ++e)
          spec.output.push_back(256 + (int)e);
      if (i == letters.size())
        break;
      int l = letters[i];
      if (!spec.sizes.count(l))
        return makeError("einsum output label '" + llvm::Twine((char)l) +
                         "' does not appear in the inputs");
      if (!seen.insert(l).second)
        return makeError("einsum output label '" + llvm::Twine((char)l) +
                         "' appears twice");
      spec.output.push_back(l);
    }
    // Ellipsis dimensions left out of an explicit output are summed.
  } else {
    for (int64_t e = 0; e < ellipsisRank; ++e)
      spec.output.push_back(256 + (int)e);
    // Implicit form: the labels used exactly once, in alphabetical order
    // (std::map iterates in character order, upper case first as in numpy).
    for (auto [l, n] : counts)
      if (n == 1)
        spec.output.push_back(l);
  }
  return spec;
}

llvm::Expected<Shape> einsumShape(llvm::StringRef equation,
                                  llvm::ArrayRef<Shape> inputs) {
  auto spec = parseEinsum(equation, inputs);
  if (!spec)
    return spec.takeError();
  Shape out;
  for (int l : spec->output)
    out.push_back(spec->sizes[l]);
  return out;
}

llvm::Expected<int64_t> einsumIterations(llvm::StringRef equation,
                                         llvm::ArrayRef<Shape> inputs) {
  auto spec = parseEinsum(equation, inputs);
  if (!spec)
    return spec.takeError();
  int64_t n = 1;
  for (auto [l, extent] : spec->sizes)
    n *= extent;
  return n;
}

llvm::Expected<Tensor> einsum(llvm::StringRef equation,
                              llvm::ArrayRef<Tensor> inputs) {
  std::vector<Shape> shapes;
  for (const Tensor &t : inputs)
    shapes.push_back(t.shape());
  auto spec = parseEinsum(equation, shapes);
  if (!spec)
    return spec.takeError();
  if (inputs.empty())
    return makeError("einsum needs at least one input");
  // Loop over every label: output labels first, then the summed ones.
  std::vector<int> labels = spec->output;
  for (auto [l, n] : spec->sizes)
    if (!llvm::is_contained(labels, l))
      labels.push_back(l);
  std::map<int, size_t> slot;
  Shape extents;
  for (size_t i = 0; i < labels.size(); ++i) {
    slot[labels[i]] = i;
    extents.push_back(spec->sizes[labels[i]]);
  }
  // Per input, the stride each label slot advances (0 for broadcast dims).
  std::vector<std::vector<int64_t>> strides(
      inputs.size(), std::vector<int64_t>(labels.size()));
  for (size_t t = 0; t < inputs.size(); ++t) {
    std::vector<int64_t> st = shapeStrides(inputs[t].shape());
    for (size_t d = 0; d < spec->inputs[t].size(); ++d)
      if (inputs[t].dim(d) != 1 || extents[slot[spec->inputs[t][d]]] == 1)
        strides[t][slot[spec->inputs[t][d]]] += st[d];
  }
  Shape outShape(extents.begin(), extents.begin() + spec->output.size());
  int64_t outCount = shapeNumElements(outShape);
  int64_t total = shapeNumElements(extents);
  int64_t inner = outCount ? total / std::max<int64_t>(outCount, 1) : 0;
  DType dtype = inputs[0].dtype();
  bool isFloat = isFloatDType(dtype);
  Tensor r(dtype, outShape);
  std::vector<int64_t> index(labels.size(), 0);
  std::vector<int64_t> offsets(inputs.size(), 0);
  for (int64_t o = 0; o < outCount; ++o) {
    double facc = 0;
    int64_t iacc = 0;
    for (int64_t s = 0; s < inner; ++s) {
      double fp = 1;
      int64_t ip = 1;
      for (size_t t = 0; t < inputs.size(); ++t) {
        if (isFloat)
          fp *= inputs[t].getF(offsets[t]);
        else
          ip *= inputs[t].getI(offsets[t]);
      }
      facc += fp;
      iacc += ip;
      // Advance the multi-index (row-major over all labels).
      for (int64_t d = labels.size() - 1; d >= 0; --d) {
        for (size_t t = 0; t < inputs.size(); ++t)
          offsets[t] += strides[t][d];
        if (++index[d] < extents[d])
          break;
        for (size_t t = 0; t < inputs.size(); ++t)
          offsets[t] -= strides[t][d] * extents[d];
        index[d] = 0;
      }
    }
    if (isFloat)
      r.setD(o, facc);
    else
      r.setI(o, iacc);
  }
  return r;
}

} // namespace tessera::golden
