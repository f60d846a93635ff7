//===- Linalg.cpp - Golden matrix products --------------------------------===//

#include "tessera/Golden/Kernels.h"

#include "Blas.h"

namespace tessera::golden {

llvm::Expected<Shape> matmulShape(const Shape &a, const Shape &b) {
  if (a.empty() || b.empty())
    return makeError("matmul operands must have rank >= 1");
  Shape pa = a.size() == 1 ? Shape{1, a[0]} : a;
  Shape pb = b.size() == 1 ? Shape{b[0], 1} : b;
  int64_t k = pa.back(), kb = pb[pb.size() - 2];
  if (k != kb)
    return makeError("matmul inner dimensions differ: " + shapeToString(a) +
                     " x " + shapeToString(b));
  Shape batchA(pa.begin(), pa.end() - 2), batchB(pb.begin(), pb.end() - 2);
  auto batch = broadcastShapes(batchA, batchB);
  if (!batch)
    return batch.takeError();
  Shape out = *batch;
  if (a.size() != 1)
    out.push_back(pa[pa.size() - 2]);
  if (b.size() != 1)
    out.push_back(pb.back());
  return out;
}

llvm::Expected<Tensor> matmul(const Tensor &a, const Tensor &b) {
  auto outShape = matmulShape(a.shape(), b.shape());
  if (!outShape)
    return outShape.takeError();
  Shape pa = a.rank() == 1 ? Shape{1, a.dim(0)} : a.shape();
  Shape pb = b.rank() == 1 ? Shape{b.dim(0), 1} : b.shape();
  int64_t m = pa[pa.size() - 2], k = pa.back(), n = pb.back();
  Shape batchA(pa.begin(), pa.end() - 2), batchB(pb.begin(), pb.end() - 2);
  Shape batch = *broadcastShapes(batchA, batchB);
  Tensor r(a.dtype(), *outShape);
  std::vector<int64_t> iacc(n);
  bool isFloat = a.isFloat();
  forEachBroadcast(
      batch, {&batchA, &batchB}, [&](int64_t o, llvm::ArrayRef<int64_t> in) {
        int64_t aBase = in[0] * m * k, bBase = in[1] * k * n, oBase = o * m * n;
        if (isFloat) {
          sgemm(false, false, m, n, k, 1.0f, a.floats().data() + aBase, k,
                b.floats().data() + bBase, n, 0.0f, r.floats().data() + oBase,
                n);
          return;
        }
        for (int64_t i = 0; i < m; ++i) {
          std::fill(iacc.begin(), iacc.end(), 0);
          for (int64_t kk = 0; kk < k; ++kk) {
            int64_t av = a.ints()[aBase + i * k + kk];
            const int64_t *brow = &b.ints()[bBase + kk * n];
            for (int64_t j = 0; j < n; ++j)
              iacc[j] += av * brow[j];
          }
          for (int64_t j = 0; j < n; ++j)
            r.setI(oBase + i * n + j, iacc[j]);
        }
      });
  if (isFloat)
    roundToStorageType(r);
  return r;
}

llvm::Expected<Tensor> gemm(const Tensor &a, const Tensor &b, const Tensor *c,
                            float alpha, float beta, bool transA, bool transB) {
  if (a.rank() != 2 || b.rank() != 2)
    return makeError("gemm expects 2-D A and B");
  int64_t m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1);
  int64_t kb = transB ? b.dim(1) : b.dim(0), n = transB ? b.dim(0) : b.dim(1);
  if (k != kb)
    return makeError("gemm inner dimensions differ");
  Tensor r(a.dtype(), {m, n});
  Shape outShape{m, n};
  // Integer operands go through their f32 values, as they always have here.
  Tensor fa = a.isFloat() ? Tensor() : a.castTo(DType::F32);
  Tensor fb = b.isFloat() ? Tensor() : b.castTo(DType::F32);
  const float *pa = (a.isFloat() ? a : fa).floats().data();
  const float *pb = (b.isFloat() ? b : fb).floats().data();
  std::vector<float> acc(m * n, 0.0f);
  sgemm(transA, transB, m, n, k, 1.0f, pa, a.dim(1), pb, b.dim(1), 0.0f,
        acc.data(), n);
  if (c) {
    auto bc = broadcastShapes(c->shape(), outShape);
    if (!bc || *bc != outShape) {
      if (!bc)
        llvm::consumeError(bc.takeError());
      return makeError("gemm C does not broadcast to the output");
    }
    forEachBroadcast(outShape, {&c->shape()},
                     [&](int64_t o, llvm::ArrayRef<int64_t> in) {
                       r.setF(o, alpha * acc[o] + beta * c->getF(in[0]));
                     });
  } else {
    for (int64_t o = 0; o < m * n; ++o)
      r.setF(o, alpha * acc[o]);
  }
  return r;
}

} // namespace tessera::golden
