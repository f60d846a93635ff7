//===- Normalization.cpp - Golden softmax, norms and reductions -----------===//

#include "tessera/Golden/Kernels.h"

#include <cmath>
#include <limits>

namespace tessera::golden {

llvm::Expected<std::vector<int64_t>> normalizeAxes(llvm::ArrayRef<int64_t> axes,
                                                   int64_t rank) {
  std::vector<int64_t> out;
  std::vector<bool> seen(rank, false);
  for (int64_t a : axes) {
    int64_t n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank)
      return makeError("axis " + llvm::Twine(a) + " is out of range for rank " +
                       llvm::Twine(rank));
    if (seen[n])
      return makeError("axis " + llvm::Twine(a) + " appears twice");
    seen[n] = true;
    out.push_back(n);
  }
  return out;
}

/// Splits a shape around [axis, rank) into outer x inner element counts.
static void splitAt(const Shape &s, int64_t axis, int64_t &outer,
                    int64_t &inner) {
  outer = 1;
  inner = 1;
  for (int64_t i = 0; i < (int64_t)s.size(); ++i)
    (i < axis ? outer : inner) *= s[i];
}

Tensor softmax(const Tensor &x, int64_t axis, bool logSoftmax) {
  int64_t rank = x.rank();
  if (axis < 0)
    axis += rank;
  // Softmax over one axis: view as [outer, n, inner].
  int64_t n = rank ? x.dim(axis) : 1, outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= x.dim(i);
  for (int64_t i = axis + 1; i < rank; ++i)
    inner *= x.dim(i);
  Tensor r(x.dtype(), x.shape());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      int64_t base = o * n * inner + in;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < n; ++j)
        mx = std::max(mx, x.getF(base + j * inner));
      float sum = 0;
      for (int64_t j = 0; j < n; ++j)
        sum += std::exp(x.getF(base + j * inner) - mx);
      for (int64_t j = 0; j < n; ++j) {
        float v = x.getF(base + j * inner) - mx;
        r.setF(base + j * inner,
               logSoftmax ? v - std::log(sum) : std::exp(v) / sum);
      }
    }
  return r;
}

/// Broadcasts a per-feature parameter over [outer, inner] by trailing
/// dimensions; returns the flat index into the parameter for feature `i`.
static llvm::Expected<std::vector<int64_t>>
featureIndex(const Tensor &param, const Shape &featureShape) {
  auto bc = broadcastShapes(param.shape(), featureShape);
  if (!bc || *bc != featureShape) {
    if (!bc)
      llvm::consumeError(bc.takeError());
    return makeError("parameter of shape " + shapeToString(param.shape()) +
                     " does not broadcast to the normalized shape " +
                     shapeToString(featureShape));
  }
  std::vector<int64_t> idx(shapeNumElements(featureShape));
  forEachBroadcast(
      featureShape, {&param.shape()},
      [&](int64_t o, llvm::ArrayRef<int64_t> in) { idx[o] = in[0]; });
  return idx;
}

llvm::Expected<Tensor> layerNorm(const Tensor &x, const Tensor &scale,
                                 const Tensor *bias, int64_t axis,
                                 float epsilon) {
  if (axis < 0)
    axis += x.rank();
  int64_t outer, inner;
  splitAt(x.shape(), axis, outer, inner);
  Shape feature(x.shape().begin() + axis, x.shape().end());
  auto scaleIdx = featureIndex(scale, feature);
  if (!scaleIdx)
    return scaleIdx.takeError();
  std::vector<int64_t> biasIdx;
  if (bias) {
    auto b = featureIndex(*bias, feature);
    if (!b)
      return b.takeError();
    biasIdx = *b;
  }
  Tensor r(x.dtype(), x.shape());
  for (int64_t o = 0; o < outer; ++o) {
    int64_t base = o * inner;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < inner; ++i)
      mean += x.getF(base + i);
    mean /= inner;
    for (int64_t i = 0; i < inner; ++i) {
      double d = x.getF(base + i) - mean;
      var += d * d;
    }
    var /= inner;
    float invStd = 1.0f / std::sqrt((float)var + epsilon);
    for (int64_t i = 0; i < inner; ++i) {
      float v = ((float)(x.getF(base + i) - mean)) * invStd *
                scale.getF((*scaleIdx)[i]);
      if (bias)
        v += bias->getF(biasIdx[i]);
      r.setF(base + i, v);
    }
  }
  return r;
}

llvm::Expected<Tensor> rmsNorm(const Tensor &x, const Tensor &scale,
                               int64_t axis, float epsilon) {
  if (axis < 0)
    axis += x.rank();
  int64_t outer, inner;
  splitAt(x.shape(), axis, outer, inner);
  Shape feature(x.shape().begin() + axis, x.shape().end());
  auto scaleIdx = featureIndex(scale, feature);
  if (!scaleIdx)
    return scaleIdx.takeError();
  Tensor r(x.dtype(), x.shape());
  for (int64_t o = 0; o < outer; ++o) {
    int64_t base = o * inner;
    double ss = 0;
    for (int64_t i = 0; i < inner; ++i)
      ss += (double)x.getF(base + i) * x.getF(base + i);
    float inv = 1.0f / std::sqrt((float)(ss / inner) + epsilon);
    for (int64_t i = 0; i < inner; ++i)
      r.setF(base + i, x.getF(base + i) * inv * scale.getF((*scaleIdx)[i]));
  }
  return r;
}

llvm::Expected<Tensor> reduce(const Tensor &x, llvm::ArrayRef<int64_t> axes,
                              bool keepdims, bool noopWithEmptyAxes,
                              ReduceKind kind) {
  auto normalized = normalizeAxes(axes, x.rank());
  if (!normalized)
    return normalized.takeError();
  if (axes.empty() && noopWithEmptyAxes)
    return x;
  std::vector<bool> reduced(x.rank(), axes.empty());
  for (int64_t a : *normalized)
    reduced[a] = true;
  Shape keptShape; // the output shape with reduced dims as 1
  Shape outShape;
  for (int64_t i = 0; i < x.rank(); ++i) {
    keptShape.push_back(reduced[i] ? 1 : x.dim(i));
    if (!reduced[i])
      outShape.push_back(x.dim(i));
    else if (keepdims)
      outShape.push_back(1);
  }
  int64_t outCount = shapeNumElements(keptShape);
  int64_t reduceCount =
      outCount ? x.numElements() / std::max<int64_t>(outCount, 1) : 0;
  bool isFloat = x.isFloat();
  double init = 0;
  if (kind == ReduceKind::Max)
    init = -std::numeric_limits<double>::infinity();
  else if (kind == ReduceKind::Min)
    init = std::numeric_limits<double>::infinity();
  else if (kind == ReduceKind::Prod)
    init = 1;
  std::vector<double> acc(outCount, init);
  std::vector<int64_t> iacc(outCount, (int64_t)(kind == ReduceKind::Prod));
  // uint64 travels as its int64 bit pattern: order it as unsigned.
  bool u64 = x.dtype() == DType::U64;
  auto greater = [u64](int64_t a, int64_t b) {
    return u64 ? (uint64_t)a > (uint64_t)b : a > b;
  };
  if (!isFloat && kind == ReduceKind::Max)
    std::fill(iacc.begin(), iacc.end(),
              u64 ? 0 : std::numeric_limits<int64_t>::min());
  if (!isFloat && kind == ReduceKind::Min)
    std::fill(iacc.begin(), iacc.end(),
              u64 ? -1 : std::numeric_limits<int64_t>::max());
  // Each input element adds into its output slot: the slots are the input
  // broadcast from the kept shape, walked in runs in the input's order (so
  // the additions happen in the same order as element by element).
  auto accumulate = [&](int64_t e, int64_t o) {
    if (isFloat) {
      double v = x.getF(e);
      switch (kind) {
      case ReduceKind::Sum:
      case ReduceKind::Mean:
      case ReduceKind::LogSum:
        acc[o] += v;
        break;
      case ReduceKind::Max:
        acc[o] =
            (std::isnan(v) || std::isnan(acc[o])) ? NAN : std::max(acc[o], v);
        break;
      case ReduceKind::Min:
        acc[o] =
            (std::isnan(v) || std::isnan(acc[o])) ? NAN : std::min(acc[o], v);
        break;
      case ReduceKind::Prod:
        acc[o] *= v;
        break;
      case ReduceKind::L1:
        acc[o] += std::fabs(v);
        break;
      case ReduceKind::L2:
      case ReduceKind::SumSquare:
        acc[o] += v * v;
        break;
      case ReduceKind::LogSumExp:
        acc[o] += std::exp(v);
        break;
      }
    } else {
      int64_t v = x.getI(e);
      switch (kind) {
      case ReduceKind::Max:
        if (greater(v, iacc[o]))
          iacc[o] = v;
        break;
      case ReduceKind::Min:
        if (greater(iacc[o], v))
          iacc[o] = v;
        break;
      case ReduceKind::Prod:
        iacc[o] *= v;
        break;
      case ReduceKind::L1:
        iacc[o] += v < 0 ? -v : v;
        break;
      case ReduceKind::SumSquare:
      case ReduceKind::L2:
        iacc[o] += v * v;
        break;
      default:
        iacc[o] += v;
        break;
      }
    }
  };
  // Plain sums of floats (Sum, Mean, LogSum) run without the per-element
  // dispatch; the order of the additions is the same.
  bool floatSum =
      isFloat && (kind == ReduceKind::Sum || kind == ReduceKind::Mean ||
                  kind == ReduceKind::LogSum);
  const float *xf = x.floats().data();
  forEachBroadcastRun(x.shape(), {&keptShape},
                      [&](int64_t e, llvm::ArrayRef<int64_t> slot,
                          int64_t length, llvm::ArrayRef<int64_t> step) {
                        if (floatSum && step[0] == 0) {
                          double sum = acc[slot[0]];
                          for (int64_t i = 0; i < length; ++i)
                            sum += xf[e + i];
                          acc[slot[0]] = sum;
                        } else if (floatSum) {
                          for (int64_t i = 0; i < length; ++i)
                            acc[slot[0] + i * step[0]] += xf[e + i];
                        } else {
                          for (int64_t i = 0; i < length; ++i)
                            accumulate(e + i, slot[0] + i * step[0]);
                        }
                      });
  Tensor r(x.dtype(), outShape);
  for (int64_t o = 0; o < outCount; ++o) {
    if (isFloat) {
      double v = acc[o];
      if (kind == ReduceKind::Mean)
        v /= reduceCount;
      else if (kind == ReduceKind::L2)
        v = std::sqrt(v);
      else if (kind == ReduceKind::LogSum || kind == ReduceKind::LogSumExp)
        v = std::log(v);
      r.setD(o, v);
    } else {
      int64_t v = iacc[o];
      if (kind == ReduceKind::Mean)
        v = reduceCount ? v / reduceCount : 0;
      else if (kind == ReduceKind::L2)
        v = (int64_t)std::sqrt((double)v);
      else if (kind == ReduceKind::LogSum || kind == ReduceKind::LogSumExp) {
        r.setD(o, std::log((double)v));
        continue;
      }
      r.setI(o, v);
    }
  }
  return r;
}

} // namespace tessera::golden
