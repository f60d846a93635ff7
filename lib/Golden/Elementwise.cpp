//===- Elementwise.cpp - Golden elementwise kernels -----------------------===//

#include "tessera/Golden/Kernels.h"

#include <cmath>

namespace tessera::golden {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<Shape> broadcastShapes(const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return makeError("shapes " + shapeToString(a) + " and " +
                       shapeToString(b) + " are not broadcastable");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

/// Per input, the stride of each output dimension (0 where broadcast).
static std::vector<std::vector<int64_t>>
broadcastStrides(const Shape &outShape,
                 llvm::ArrayRef<const Shape *> inputShapes) {
  size_t rank = outShape.size();
  std::vector<std::vector<int64_t>> strides(inputShapes.size(),
                                            std::vector<int64_t>(rank, 0));
  for (size_t k = 0; k < inputShapes.size(); ++k) {
    const Shape &s = *inputShapes[k];
    std::vector<int64_t> st = shapeStrides(s);
    size_t off = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i)
      strides[k][i + off] = s[i] == 1 ? 0 : st[i];
  }
  return strides;
}

void forEachBroadcast(
    const Shape &outShape, llvm::ArrayRef<const Shape *> inputShapes,
    llvm::function_ref<void(int64_t, llvm::ArrayRef<int64_t>)> fn) {
  size_t rank = outShape.size();
  size_t numInputs = inputShapes.size();
  std::vector<std::vector<int64_t>> strides =
      broadcastStrides(outShape, inputShapes);
  int64_t total = shapeNumElements(outShape);
  std::vector<int64_t> index(rank, 0), offsets(numInputs, 0);
  for (int64_t o = 0; o < total; ++o) {
    fn(o, offsets);
    // Advance the multi-index like an odometer, updating input offsets.
    for (int64_t d = (int64_t)rank - 1; d >= 0; --d) {
      if (++index[d] < outShape[d]) {
        for (size_t k = 0; k < numInputs; ++k)
          offsets[k] += strides[k][d];
        break;
      }
      for (size_t k = 0; k < numInputs; ++k)
        offsets[k] -= strides[k][d] * (outShape[d] - 1);
      index[d] = 0;
    }
  }
}

void forEachBroadcastRun(
    const Shape &outShape, llvm::ArrayRef<const Shape *> inputShapes,
    llvm::function_ref<void(int64_t, llvm::ArrayRef<int64_t>, int64_t,
                            llvm::ArrayRef<int64_t>)>
        fn) {
  size_t rank = outShape.size(), numInputs = inputShapes.size();
  std::vector<std::vector<int64_t>> strides =
      broadcastStrides(outShape, inputShapes);
  int64_t total = shapeNumElements(outShape);
  if (total == 0)
    return;
  // Merge trailing axes while every input steps through them as through one
  // axis: the run's step is the innermost axis' stride.
  std::vector<int64_t> steps(numInputs, 1);
  for (size_t k = 0; k < numInputs; ++k)
    steps[k] = rank ? strides[k][rank - 1] : 0;
  int64_t length = rank ? outShape[rank - 1] : 1;
  size_t outer = rank ? rank - 1 : 0; // axes [0, outer) are iterated
  while (outer > 0) {
    bool mergeable = true;
    for (size_t k = 0; k < numInputs; ++k)
      mergeable &= strides[k][outer - 1] == steps[k] * length;
    if (!mergeable)
      break;
    length *= outShape[outer - 1];
    --outer;
  }
  std::vector<int64_t> index(outer, 0), offsets(numInputs, 0);
  for (int64_t o = 0; o < total; o += length) {
    fn(o, offsets, length, steps);
    for (int64_t d = (int64_t)outer - 1; d >= 0; --d) {
      if (++index[d] < outShape[d]) {
        for (size_t k = 0; k < numInputs; ++k)
          offsets[k] += strides[k][d];
        break;
      }
      for (size_t k = 0; k < numInputs; ++k)
        offsets[k] -= strides[k][d] * (outShape[d] - 1);
      index[d] = 0;
    }
  }
}

void roundToStorageType(Tensor &t) {
  if (t.dtype() != DType::F16 && t.dtype() != DType::BF16)
    return;
  for (int64_t i = 0, e = t.numElements(); i < e; ++i)
    t.setF(i, t.floats()[i]);
}

llvm::Expected<Tensor>
compareBinary(const Tensor &a, const Tensor &b,
              llvm::function_ref<bool(double, double)> fn,
              llvm::function_ref<bool(int64_t, int64_t)> intFn) {
  auto shape = broadcastShapes(a.shape(), b.shape());
  if (!shape)
    return shape.takeError();
  Tensor r(DType::Bool, *shape);
  // int64 values beyond 2^53 are not exact as doubles: compare them as ints.
  bool exactInts = !a.isFloat() && !b.isFloat() && intFn;
  forEachBroadcast(*shape, {&a.shape(), &b.shape()},
                   [&](int64_t o, llvm::ArrayRef<int64_t> in) {
                     bool v = exactInts ? intFn(a.getI(in[0]), b.getI(in[1]))
                                        : fn(a.getD(in[0]), b.getD(in[1]));
                     r.setI(o, v ? 1 : 0);
                   });
  return r;
}

static int64_t intPow(int64_t base, int64_t exp) {
  if (exp < 0)
    return base == 1 ? 1 : (base == -1 ? (exp % 2 ? -1 : 1) : 0);
  uint64_t result = 1, b = (uint64_t)base;
  while (exp) {
    if (exp & 1)
      result *= b;
    b *= b;
    exp >>= 1;
  }
  return (int64_t)result;
}

llvm::Expected<Tensor> pow(const Tensor &base, const Tensor &exponent) {
  auto shape = broadcastShapes(base.shape(), exponent.shape());
  if (!shape)
    return shape.takeError();
  Tensor r(base.dtype(), *shape);
  forEachBroadcast(
      *shape, {&base.shape(), &exponent.shape()},
      [&](int64_t o, llvm::ArrayRef<int64_t> in) {
        if (!base.isFloat() && !exponent.isFloat())
          r.setI(o, intPow(base.getI(in[0]), exponent.getI(in[1])));
        else
          r.setD(o, std::pow((double)base.getF(in[0]), exponent.getD(in[1])));
      });
  return r;
}

llvm::Expected<Tensor> mod(const Tensor &a, const Tensor &b, bool fmod) {
  return mapBinary(
      a, b, a.dtype(),
      [&](float x, float y) -> float {
        if (fmod)
          return std::fmod(x, y);
        float m = std::fmod(x, y);
        return (m != 0 && ((m < 0) != (y < 0))) ? m + y : m;
      },
      [&](int64_t x, int64_t y) -> int64_t {
        if (isUnsignedDType(a.dtype())) // uint64 travels as its bit pattern
          return y == 0 ? 0 : (int64_t)((uint64_t)x % (uint64_t)y);
        if (y == 0 || y == -1) // -1 divides everything; avoids INT64_MIN % -1
          return 0;
        int64_t m = x % y;
        if (!fmod && m != 0 && ((m < 0) != (y < 0)))
          m += y;
        return m;
      });
}

llvm::Expected<Tensor> where(const Tensor &cond, const Tensor &x,
                             const Tensor &y) {
  auto xy = broadcastShapes(x.shape(), y.shape());
  if (!xy)
    return xy.takeError();
  auto shape = broadcastShapes(cond.shape(), *xy);
  if (!shape)
    return shape.takeError();
  Tensor r(x.dtype(), *shape);
  forEachBroadcast(*shape, {&cond.shape(), &x.shape(), &y.shape()},
                   [&](int64_t o, llvm::ArrayRef<int64_t> in) {
                     const Tensor &src = cond.getI(in[0]) ? x : y;
                     int64_t i = cond.getI(in[0]) ? in[1] : in[2];
                     if (r.isFloat())
                       r.floats()[o] = src.floats()[i];
                     else
                       r.ints()[o] = src.ints()[i];
                   });
  return r;
}

} // namespace tessera::golden
