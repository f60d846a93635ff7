//===- DataMovement.cpp - Golden data movement kernels --------------------===//

#include "tessera/Golden/Kernels.h"

namespace tessera::golden {

/// Copies element `src` of `from` to element `dst` of `to` (same dtype).
static inline void copyElement(Tensor &to, int64_t dst, const Tensor &from,
                               int64_t src) {
  if (to.isFloat())
    to.floats()[dst] = from.floats()[src];
  else
    to.ints()[dst] = from.ints()[src];
}

Tensor transpose(const Tensor &x, llvm::ArrayRef<int64_t> perm) {
  Shape outShape;
  for (int64_t p : perm)
    outShape.push_back(x.dim(p));
  Tensor r(x.dtype(), outShape);
  std::vector<int64_t> inStrides = shapeStrides(x.shape());
  // Stride in the input of each output dimension.
  std::vector<int64_t> strides;
  for (int64_t p : perm)
    strides.push_back(inStrides[p]);
  std::vector<int64_t> index(perm.size(), 0);
  int64_t src = 0;
  for (int64_t o = 0; o < r.numElements(); ++o) {
    copyElement(r, o, x, src);
    for (int64_t d = (int64_t)perm.size() - 1; d >= 0; --d) {
      if (++index[d] < outShape[d]) {
        src += strides[d];
        break;
      }
      src -= strides[d] * (outShape[d] - 1);
      index[d] = 0;
    }
  }
  return r;
}

llvm::Expected<Tensor> concat(llvm::ArrayRef<Tensor> inputs, int64_t axis) {
  if (inputs.empty())
    return makeError("concat needs at least one input");
  int64_t rank = inputs[0].rank();
  if (axis < 0)
    axis += rank;
  Shape outShape = inputs[0].shape();
  outShape[axis] = 0;
  for (const Tensor &t : inputs)
    outShape[axis] += t.dim(axis);
  Tensor r(inputs[0].dtype(), outShape);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= outShape[i];
  for (int64_t i = axis + 1; i < rank; ++i)
    inner *= outShape[i];
  int64_t rowOut = outShape[axis] * inner, offset = 0;
  for (const Tensor &t : inputs) {
    int64_t row = t.dim(axis) * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < row; ++i)
        copyElement(r, o * rowOut + offset + i, t, o * row + i);
    offset += row;
  }
  return r;
}

int64_t sliceLength(int64_t start, int64_t end, int64_t step) {
  if (step > 0)
    return end > start ? (end - start + step - 1) / step : 0;
  return start > end ? (start - end - step - 1) / -step : 0;
}

Tensor slice(const Tensor &x, llvm::ArrayRef<int64_t> starts,
             llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> steps) {
  Shape outShape;
  for (int64_t d = 0; d < x.rank(); ++d)
    outShape.push_back(sliceLength(starts[d], ends[d], steps[d]));
  Tensor r(x.dtype(), outShape);
  std::vector<int64_t> strides = shapeStrides(x.shape());
  std::vector<int64_t> index(x.rank(), 0);
  for (int64_t o = 0; o < r.numElements(); ++o) {
    int64_t src = 0;
    for (int64_t d = 0; d < x.rank(); ++d)
      src += (starts[d] + index[d] * steps[d]) * strides[d];
    copyElement(r, o, x, src);
    for (int64_t d = x.rank() - 1; d >= 0; --d) {
      if (++index[d] < outShape[d])
        break;
      index[d] = 0;
    }
  }
  return r;
}

llvm::Expected<Tensor> gather(const Tensor &x, const Tensor &indices,
                              int64_t axis) {
  if (axis < 0)
    axis += x.rank();
  int64_t outer = 1, inner = 1, n = x.dim(axis);
  for (int64_t i = 0; i < axis; ++i)
    outer *= x.dim(i);
  for (int64_t i = axis + 1; i < x.rank(); ++i)
    inner *= x.dim(i);
  Shape outShape(x.shape().begin(), x.shape().begin() + axis);
  outShape.insert(outShape.end(), indices.shape().begin(),
                  indices.shape().end());
  outShape.insert(outShape.end(), x.shape().begin() + axis + 1,
                  x.shape().end());
  Tensor r(x.dtype(), outShape);
  int64_t numIdx = indices.numElements();
  for (int64_t k = 0; k < numIdx; ++k) {
    int64_t idx = indices.getI(k);
    if (idx < -n || idx >= n)
      return makeError("gather index " + llvm::Twine(idx) +
                       " is out of range for a dimension of size " +
                       llvm::Twine(n));
    if (idx < 0)
      idx += n;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i)
        copyElement(r, (o * numIdx + k) * inner + i, x,
                    (o * n + idx) * inner + i);
  }
  return r;
}

} // namespace tessera::golden
