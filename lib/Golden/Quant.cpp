//===- Quant.cpp - Golden weight-only quantized products ------------------===//

#include "tessera/Golden/Kernels.h"
#include "tessera/Golden/QuantKernels.h"

#include <cmath>

namespace tessera::golden {

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
  int64_t rows = x.numElements() / std::max<int64_t>(1, k);
  Tensor r(x.dtype(), *shape);
  std::vector<float> wf(n * k);
  for (int64_t i = 0; i < n * k; ++i)
    wf[i] = (float)w.getI(i);
  for (int64_t m = 0; m < rows; ++m) {
    const float *xr = &x.floats()[m * k];
    for (int64_t j = 0; j < n; ++j) {
      const float *wr = &wf[j * k];
      float acc = 0.0f;
      for (int64_t kk = 0; kk < k; ++kk)
        acc += xr[kk] * wr[kk];
      r.setF(m * n + j, acc * scale.getF(j));
    }
  }
  return r;
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

} // namespace tessera::golden
