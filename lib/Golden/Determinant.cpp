//===- Determinant.cpp - Golden determinant -------------------------------===//
//
// Det of each trailing square matrix by LU decomposition with partial
// pivoting, in double precision (as numpy.linalg.det, ONNX's reference).
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/Kernels.h"

#include <cmath>
#include <vector>

namespace tessera::golden {

llvm::Expected<Shape> detShape(const Shape &x) {
  if (x.size() < 2 || x[x.size() - 1] != x[x.size() - 2])
    return makeError("det needs square matrices in the last two dimensions, "
                     "got shape " +
                     shapeToString(x));
  return Shape(x.begin(), x.end() - 2);
}

llvm::Expected<Tensor> det(const Tensor &x) {
  auto shape = detShape(x.shape());
  if (!shape)
    return shape.takeError();
  if (!x.isFloat())
    return makeError("det needs a floating-point input");
  int64_t m = x.shape().back();
  Tensor r(x.dtype(), *shape);
  std::vector<double> a(m * m);
  for (int64_t b = 0; b < r.numElements(); ++b) {
    for (int64_t i = 0; i < m * m; ++i)
      a[i] = x.getD(b * m * m + i);
    double d = 1.0;
    for (int64_t c = 0; c < m && d != 0.0; ++c) {
      int64_t pivot = c;
      for (int64_t row = c + 1; row < m; ++row)
        if (std::fabs(a[row * m + c]) > std::fabs(a[pivot * m + c]))
          pivot = row;
      if (a[pivot * m + c] == 0.0) {
        d = 0.0;
        break;
      }
      if (pivot != c) {
        for (int64_t k = 0; k < m; ++k)
          std::swap(a[c * m + k], a[pivot * m + k]);
        d = -d;
      }
      d *= a[c * m + c];
      for (int64_t row = c + 1; row < m; ++row) {
        double f = a[row * m + c] / a[c * m + c];
        for (int64_t k = c; k < m; ++k)
          a[row * m + k] -= f * a[c * m + k];
      }
    }
    r.setD(b, d);
  }
  return r;
}

} // namespace tessera::golden
