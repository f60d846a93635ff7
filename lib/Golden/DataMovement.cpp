//===- DataMovement.cpp - Golden data movement kernels --------------------===//
//
// The data-movement kernels of Kernels.h and DataKernels.h, and Resize.
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/DataKernels.h"
#include "tessera/Golden/Kernels.h"
#include "tessera/Support/Limits.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tessera::golden {

using llvm::Twine;

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
  // ceil(span / |step|) as (span - 1) / |step| + 1 in unsigned arithmetic:
  // the step is any non-zero int64 from the model, and span + step - 1
  // overflowed for steps near INT64_MAX (the ONNX fuzzer found it), as did
  // -step for INT64_MIN.
  uint64_t span = step > 0
                      ? (end > start ? (uint64_t)end - (uint64_t)start : 0)
                      : (start > end ? (uint64_t)start - (uint64_t)end : 0);
  if (span == 0)
    return 0;
  uint64_t magnitude = step > 0 ? (uint64_t)step : 0 - (uint64_t)step;
  return (int64_t)((span - 1) / magnitude + 1);
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

/// Calls `fn(flat, index)` for every index of `shape` in row-major order.
static void
forEachIndex(const Shape &shape,
             llvm::function_ref<void(int64_t, llvm::ArrayRef<int64_t>)> fn) {
  int64_t n = shapeNumElements(shape);
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    fn(flat, index);
    for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

/// Flat row-major offset of `index` given `strides`.
static int64_t offsetOf(llvm::ArrayRef<int64_t> index,
                        llvm::ArrayRef<int64_t> strides) {
  int64_t off = 0;
  for (size_t d = 0; d < index.size(); ++d)
    off += index[d] * strides[d];
  return off;
}

/// Normalizes `axis` against `rank` or explains why it is out of range.
static llvm::Expected<int64_t> checkAxis(int64_t axis, int64_t rank,
                                         llvm::StringRef what) {
  if (axis < -rank || axis >= rank)
    return makeError(what + " axis " + Twine(axis) +
                     " is out of range for rank " + Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

/// Resolves a possibly negative index into a dimension of size `n`.
static llvm::Expected<int64_t> checkIndex(int64_t idx, int64_t n,
                                          llvm::StringRef what) {
  if (idx < -n || idx >= n)
    return makeError(what + " index " + Twine(idx) +
                     " is out of range for a dimension of size " + Twine(n));
  return idx < 0 ? idx + n : idx;
}

static bool sameKind(const Tensor &a, const Tensor &b) {
  return a.dtype() == b.dtype();
}

//===----------------------------------------------------------------------===//
// Split, Expand, Tile, Pad
//===----------------------------------------------------------------------===//

llvm::Expected<std::vector<Shape>> splitShapes(const Shape &input, int64_t axis,
                                               llvm::ArrayRef<int64_t> sizes) {
  auto a = checkAxis(axis, input.size(), "split");
  if (!a)
    return a.takeError();
  if (sizes.empty())
    return makeError("split needs at least one piece");
  int64_t total = 0;
  std::vector<Shape> shapes;
  for (int64_t s : sizes) {
    if (s < 0)
      return makeError("split size " + Twine(s) + " is negative");
    total += s;
    Shape piece = input;
    piece[*a] = s;
    shapes.push_back(std::move(piece));
  }
  if (total != input[*a])
    return makeError("split sizes add up to " + Twine(total) +
                     ", not to the dimension's " + Twine(input[*a]));
  return shapes;
}

llvm::Expected<std::vector<Tensor>> split(const Tensor &x, int64_t axis,
                                          llvm::ArrayRef<int64_t> sizes) {
  auto shapes = splitShapes(x.shape(), axis, sizes);
  if (!shapes)
    return shapes.takeError();
  if (axis < 0)
    axis += x.rank();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= x.dim(i);
  for (int64_t i = axis + 1; i < x.rank(); ++i)
    inner *= x.dim(i);
  int64_t rowIn = x.dim(axis) * inner, offset = 0;
  std::vector<Tensor> pieces;
  for (size_t p = 0; p < sizes.size(); ++p) {
    Tensor r(x.dtype(), (*shapes)[p]);
    int64_t row = sizes[p] * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < row; ++i)
        copyElement(r, o * row + i, x, o * rowIn + offset + i);
    offset += row;
    pieces.push_back(std::move(r));
  }
  return pieces;
}

llvm::Expected<std::vector<int64_t>> equalSplitSizes(int64_t dim,
                                                     int64_t parts) {
  if (parts <= 0)
    return makeError("cannot split into " + Twine(parts) + " pieces");
  if (dim % parts != 0)
    return makeError("a dimension of size " + Twine(dim) +
                     " does not split into " + Twine(parts) + " equal pieces");
  return std::vector<int64_t>(parts, dim / parts);
}

llvm::Expected<Tensor> expand(const Tensor &x, const Shape &shape) {
  for (int64_t d : shape)
    if (d < 0)
      return makeError("expand shape " + shapeToString(shape) +
                       " has a negative dimension");
  auto out = broadcastShapes(x.shape(), shape);
  if (!out)
    return out.takeError();
  // broadcastShapes bounds each dimension, not their product.
  int64_t count = 1;
  for (int64_t d : *out) {
    if (d != 0 && count > kMaxHostTensorElements / d)
      return makeError("expand to " + shapeToString(*out) + " has more than " +
                       Twine(kMaxHostTensorElements) +
                       " elements, the host evaluator's limit");
    count *= d;
  }
  Tensor r(x.dtype(), *out);
  const Shape *in[] = {&x.shape()};
  forEachBroadcast(*out, in, [&](int64_t o, llvm::ArrayRef<int64_t> src) {
    copyElement(r, o, x, src[0]);
  });
  return r;
}

llvm::Expected<Shape> tileShape(const Shape &input,
                                llvm::ArrayRef<int64_t> repeats) {
  if (repeats.size() != input.size())
    return makeError("tile has " + Twine(repeats.size()) +
                     " repeats for a rank-" + Twine(input.size()) + " input");
  Shape out;
  for (size_t d = 0; d < input.size(); ++d) {
    if (repeats[d] < 0)
      return makeError("tile repeat " + Twine(repeats[d]) + " is negative");
    out.push_back(input[d] * repeats[d]);
  }
  return out;
}

llvm::Expected<Tensor> tile(const Tensor &x, llvm::ArrayRef<int64_t> repeats) {
  auto out = tileShape(x.shape(), repeats);
  if (!out)
    return out.takeError();
  Tensor r(x.dtype(), *out);
  std::vector<int64_t> strides = shapeStrides(x.shape());
  forEachIndex(*out, [&](int64_t o, llvm::ArrayRef<int64_t> index) {
    int64_t src = 0;
    for (int64_t d = 0; d < x.rank(); ++d)
      src += (index[d] % x.dim(d)) * strides[d];
    copyElement(r, o, x, src);
  });
  return r;
}

std::optional<PadMode> parsePadMode(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<PadMode>>(name)
      .Case("constant", PadMode::Constant)
      .Case("reflect", PadMode::Reflect)
      .Case("edge", PadMode::Edge)
      .Case("wrap", PadMode::Wrap)
      .Default(std::nullopt);
}

llvm::Expected<Shape> padShape(const Shape &input, llvm::ArrayRef<int64_t> pads,
                               PadMode mode) {
  int64_t rank = input.size();
  if ((int64_t)pads.size() != 2 * rank)
    return makeError("pad has " + Twine(pads.size()) + " amounts for a rank-" +
                     Twine(rank) + " input (needs " + Twine(2 * rank) + ")");
  Shape out;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t n = input[d] + pads[d] + pads[d + rank];
    if (n < 0)
      return makeError("pads " + Twine(pads[d]) + " and " +
                       Twine(pads[d + rank]) + " crop more than dimension " +
                       Twine(d) + " of size " + Twine(input[d]) + " holds");
    // Edge, reflect and wrap padding copy existing elements: there must be
    // some.
    if (mode != PadMode::Constant && input[d] == 0 && n > 0)
      return makeError("cannot " +
                       Twine(mode == PadMode::Edge      ? "edge"
                             : mode == PadMode::Reflect ? "reflect"
                                                        : "wrap") +
                       "-pad dimension " + Twine(d) + ", which is empty");
    out.push_back(n);
  }
  return out;
}

/// Maps an out-of-range coordinate into [0, n) by mirroring about the edges
/// without repeating them, as often as needed (numpy's 'reflect').
static int64_t reflectIndex(int64_t i, int64_t n) {
  if (n == 1)
    return 0;
  int64_t period = 2 * (n - 1);
  int64_t m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

llvm::Expected<Tensor> pad(const Tensor &x, llvm::ArrayRef<int64_t> pads,
                           PadMode mode, double value) {
  auto out = padShape(x.shape(), pads, mode);
  if (!out)
    return out.takeError();
  Tensor r(x.dtype(), *out);
  std::vector<int64_t> strides = shapeStrides(x.shape());
  int64_t rank = x.rank();
  forEachIndex(*out, [&](int64_t o, llvm::ArrayRef<int64_t> index) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t i = index[d] - pads[d], n = x.dim(d);
      if (i < 0 || i >= n) {
        if (mode == PadMode::Constant) {
          r.setD(o, value);
          return;
        }
        i = mode == PadMode::Edge   ? std::clamp<int64_t>(i, 0, n - 1)
            : mode == PadMode::Wrap ? ((i % n) + n) % n
                                    : reflectIndex(i, n);
      }
      src += i * strides[d];
    }
    copyElement(r, o, x, src);
  });
  return r;
}

//===----------------------------------------------------------------------===//
// Trilu, GatherElements, ScatterElements, GatherND, ScatterND
//===----------------------------------------------------------------------===//

llvm::Expected<Tensor> trilu(const Tensor &x, int64_t k, bool upper) {
  if (x.rank() < 2)
    return makeError("trilu needs rank >= 2, got rank " + Twine(x.rank()));
  Tensor r(x.dtype(), x.shape());
  int64_t rank = x.rank();
  forEachIndex(x.shape(), [&](int64_t o, llvm::ArrayRef<int64_t> index) {
    int64_t diff = index[rank - 1] - index[rank - 2];
    if (upper ? diff >= k : diff <= k)
      copyElement(r, o, x, o);
  });
  return r;
}

/// Checks that `indices` has `input`'s rank and, apart from `axis`, no
/// larger dimensions (indices address input elements at the same position).
static llvm::Error checkElementwiseIndices(const Shape &input,
                                           const Shape &indices, int64_t axis,
                                           llvm::StringRef what) {
  if (input.size() != indices.size())
    return makeError(what + " indices have rank " + Twine(indices.size()) +
                     ", the input rank " + Twine(input.size()));
  for (int64_t d = 0; d < (int64_t)input.size(); ++d)
    if (d != axis && indices[d] > input[d])
      return makeError(what + " indices dimension " + Twine(d) + " (" +
                       Twine(indices[d]) + ") exceeds the input's (" +
                       Twine(input[d]) + ")");
  return llvm::Error::success();
}

llvm::Expected<Shape> gatherElementsShape(const Shape &input,
                                          const Shape &indices, int64_t axis) {
  auto a = checkAxis(axis, input.size(), "gather_elements");
  if (!a)
    return a.takeError();
  if (auto err = checkElementwiseIndices(input, indices, *a, "gather_elements"))
    return std::move(err);
  return indices;
}

llvm::Expected<Tensor> gatherElements(const Tensor &x, const Tensor &indices,
                                      int64_t axis) {
  auto out = gatherElementsShape(x.shape(), indices.shape(), axis);
  if (!out)
    return out.takeError();
  if (axis < 0)
    axis += x.rank();
  Tensor r(x.dtype(), *out);
  std::vector<int64_t> strides = shapeStrides(x.shape());
  llvm::Error err = llvm::Error::success();
  std::vector<int64_t> src;
  forEachIndex(*out, [&](int64_t o, llvm::ArrayRef<int64_t> index) {
    if (err)
      return;
    auto idx = checkIndex(indices.getI(o), x.dim(axis), "gather_elements");
    if (!idx) {
      err = idx.takeError();
      return;
    }
    src.assign(index.begin(), index.end());
    src[axis] = *idx;
    copyElement(r, o, x, offsetOf(src, strides));
  });
  if (err)
    return std::move(err);
  return r;
}

std::optional<ScatterReduction> parseScatterReduction(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<ScatterReduction>>(name)
      .Case("none", ScatterReduction::None)
      .Case("add", ScatterReduction::Add)
      .Case("mul", ScatterReduction::Mul)
      .Case("max", ScatterReduction::Max)
      .Case("min", ScatterReduction::Min)
      .Default(std::nullopt);
}

/// Combines update element `u` of `updates` into element `d` of `r`.
static void scatterInto(Tensor &r, int64_t d, const Tensor &updates, int64_t u,
                        ScatterReduction reduction) {
  if (reduction == ScatterReduction::None) {
    copyElement(r, d, updates, u);
    return;
  }
  if (r.isFloat()) {
    float a = r.floats()[d], b = updates.floats()[u];
    switch (reduction) {
    case ScatterReduction::Add:
      r.setF(d, a + b);
      break;
    case ScatterReduction::Mul:
      r.setF(d, a * b);
      break;
    case ScatterReduction::Max:
      r.setF(d, std::max(a, b));
      break;
    default:
      r.setF(d, std::min(a, b));
      break;
    }
    return;
  }
  // Unsigned 64-bit values keep their bit pattern in int64 storage, so
  // max/min compare them as unsigned; add/mul wrap (setI wraps to the type).
  int64_t a = r.ints()[d], b = updates.ints()[u];
  bool isUnsigned = isUnsignedDType(r.dtype());
  auto less = [&](int64_t p, int64_t q) {
    return isUnsigned ? (uint64_t)p < (uint64_t)q : p < q;
  };
  switch (reduction) {
  case ScatterReduction::Add:
    r.setI(d, (int64_t)((uint64_t)a + (uint64_t)b));
    break;
  case ScatterReduction::Mul:
    r.setI(d, (int64_t)((uint64_t)a * (uint64_t)b));
    break;
  case ScatterReduction::Max:
    r.setI(d, less(a, b) ? b : a);
    break;
  default:
    r.setI(d, less(b, a) ? b : a);
    break;
  }
}

llvm::Error checkScatterElementsShapes(const Shape &data, const Shape &indices,
                                       const Shape &updates, int64_t axis) {
  auto a = checkAxis(axis, data.size(), "scatter_elements");
  if (!a)
    return a.takeError();
  if (indices != updates)
    return makeError("scatter_elements indices " + shapeToString(indices) +
                     " and updates " + shapeToString(updates) +
                     " differ in shape");
  return checkElementwiseIndices(data, indices, *a, "scatter_elements");
}

llvm::Expected<Tensor> scatterElements(const Tensor &data,
                                       const Tensor &indices,
                                       const Tensor &updates, int64_t axis,
                                       ScatterReduction reduction) {
  if (auto err = checkScatterElementsShapes(data.shape(), indices.shape(),
                                            updates.shape(), axis))
    return std::move(err);
  if (!sameKind(data, updates))
    return makeError("scatter_elements data and updates differ in type");
  if (axis < 0)
    axis += data.rank();
  Tensor r = data;
  std::vector<int64_t> strides = shapeStrides(data.shape());
  llvm::Error err = llvm::Error::success();
  std::vector<int64_t> dst;
  forEachIndex(indices.shape(), [&](int64_t u, llvm::ArrayRef<int64_t> index) {
    if (err)
      return;
    auto idx = checkIndex(indices.getI(u), data.dim(axis), "scatter_elements");
    if (!idx) {
      err = idx.takeError();
      return;
    }
    dst.assign(index.begin(), index.end());
    dst[axis] = *idx;
    scatterInto(r, offsetOf(dst, strides), updates, u, reduction);
  });
  if (err)
    return std::move(err);
  return r;
}

llvm::Expected<Shape> gatherNDShape(const Shape &data, const Shape &indices,
                                    int64_t batchDims) {
  int64_t r = data.size(), q = indices.size();
  if (q < 1)
    return makeError("gather_nd indices must have rank >= 1");
  if (batchDims < 0 || batchDims >= std::min(r, q))
    return makeError("gather_nd batch_dims " + Twine(batchDims) +
                     " must be in [0, min(data rank, indices rank))");
  for (int64_t d = 0; d < batchDims; ++d)
    if (data[d] != indices[d])
      return makeError("gather_nd batch dimension " + Twine(d) +
                       " differs between data (" + Twine(data[d]) +
                       ") and indices (" + Twine(indices[d]) + ")");
  int64_t last = indices.back();
  if (last < 1 || last > r - batchDims)
    return makeError("gather_nd index tuples have " + Twine(last) +
                     " entries; data of rank " + Twine(r) + " with " +
                     Twine(batchDims) + " batch dimensions takes 1 to " +
                     Twine(r - batchDims));
  Shape out(indices.begin(), indices.end() - 1);
  out.insert(out.end(), data.begin() + batchDims + last, data.end());
  return out;
}

/// Resolves the index tuple starting at element `at` of `indices` into the
/// flat offset of a slice of `data`'s dimensions [first, first + count).
static llvm::Expected<int64_t> tupleOffset(const Tensor &indices, int64_t at,
                                           const Tensor &data, int64_t first,
                                           int64_t count,
                                           llvm::ArrayRef<int64_t> strides,
                                           llvm::StringRef what) {
  int64_t off = 0;
  for (int64_t j = 0; j < count; ++j) {
    auto idx = checkIndex(indices.getI(at + j), data.dim(first + j), what);
    if (!idx)
      return idx.takeError();
    off += *idx * strides[first + j];
  }
  return off;
}

llvm::Expected<Tensor> gatherND(const Tensor &data, const Tensor &indices,
                                int64_t batchDims) {
  auto out = gatherNDShape(data.shape(), indices.shape(), batchDims);
  if (!out)
    return out.takeError();
  Tensor r(data.dtype(), *out);
  int64_t last = indices.shape().back();
  std::vector<int64_t> strides = shapeStrides(data.shape());
  int64_t batches = 1, tuplesPerBatch = 1, sliceSize = 1;
  for (int64_t d = 0; d < batchDims; ++d)
    batches *= data.dim(d);
  for (int64_t d = batchDims; d < indices.rank() - 1; ++d)
    tuplesPerBatch *= indices.dim(d);
  for (int64_t d = batchDims + last; d < data.rank(); ++d)
    sliceSize *= data.dim(d);
  int64_t batchStride = batchDims > 0 ? strides[batchDims - 1] : 0;
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t t = 0; t < tuplesPerBatch; ++t) {
      int64_t tuple = b * tuplesPerBatch + t;
      auto off = tupleOffset(indices, tuple * last, data, batchDims, last,
                             strides, "gather_nd");
      if (!off)
        return off.takeError();
      int64_t src = b * batchStride + *off;
      for (int64_t i = 0; i < sliceSize; ++i)
        copyElement(r, tuple * sliceSize + i, data, src + i);
    }
  return r;
}

llvm::Error checkScatterNDShapes(const Shape &data, const Shape &indices,
                                 const Shape &updates) {
  int64_t r = data.size(), q = indices.size();
  if (q < 1)
    return makeError("scatter_nd indices must have rank >= 1");
  int64_t last = indices.back();
  if (last < 1 || last > r)
    return makeError("scatter_nd index tuples have " + Twine(last) +
                     " entries; data of rank " + Twine(r) + " takes 1 to " +
                     Twine(r));
  Shape expected(indices.begin(), indices.end() - 1);
  expected.insert(expected.end(), data.begin() + last, data.end());
  if (updates != expected)
    return makeError("scatter_nd updates have shape " + shapeToString(updates) +
                     ", expected " + shapeToString(expected));
  return llvm::Error::success();
}

llvm::Expected<Tensor> scatterND(const Tensor &data, const Tensor &indices,
                                 const Tensor &updates,
                                 ScatterReduction reduction) {
  if (auto err =
          checkScatterNDShapes(data.shape(), indices.shape(), updates.shape()))
    return std::move(err);
  if (!sameKind(data, updates))
    return makeError("scatter_nd data and updates differ in type");
  Tensor r = data;
  int64_t last = indices.shape().back();
  std::vector<int64_t> strides = shapeStrides(data.shape());
  int64_t tuples = indices.numElements() / std::max<int64_t>(last, 1);
  int64_t sliceSize = 1;
  for (int64_t d = last; d < data.rank(); ++d)
    sliceSize *= data.dim(d);
  for (int64_t t = 0; t < tuples; ++t) {
    auto off =
        tupleOffset(indices, t * last, data, 0, last, strides, "scatter_nd");
    if (!off)
      return off.takeError();
    for (int64_t i = 0; i < sliceSize; ++i)
      scatterInto(r, *off + i, updates, t * sliceSize + i, reduction);
  }
  return r;
}

//===----------------------------------------------------------------------===//
// OneHot, DepthToSpace, SpaceToDepth, ReverseSequence, Compress
//===----------------------------------------------------------------------===//

llvm::Expected<Shape> oneHotShape(const Shape &indices, int64_t depth,
                                  int64_t axis) {
  int64_t rank = indices.size() + 1;
  if (depth < 1)
    return makeError("one_hot depth " + Twine(depth) + " must be positive");
  auto a = checkAxis(axis, rank, "one_hot");
  if (!a)
    return a.takeError();
  Shape out = indices;
  out.insert(out.begin() + *a, depth);
  return out;
}

llvm::Expected<Tensor> oneHot(const Tensor &indices, const Tensor &values,
                              int64_t depth, int64_t axis) {
  auto out = oneHotShape(indices.shape(), depth, axis);
  if (!out)
    return out.takeError();
  if (values.numElements() != 2)
    return makeError("one_hot values must hold [off, on], got " +
                     Twine(values.numElements()) + " elements");
  if (axis < 0)
    axis += indices.rank() + 1;
  Tensor r(values.dtype(), *out);
  std::vector<int64_t> idxStrides = shapeStrides(indices.shape());
  forEachIndex(*out, [&](int64_t o, llvm::ArrayRef<int64_t> index) {
    int64_t src = 0;
    for (int64_t d = 0, s = 0; d < (int64_t)index.size(); ++d)
      if (d != axis)
        src += index[d] * idxStrides[s++];
    // ONNX casts float indices to integers, which truncates.
    double v = indices.getD(src);
    int64_t idx = std::isfinite(v) ? (int64_t)std::trunc(v) : depth;
    if (idx < 0)
      idx += depth;
    copyElement(r, o, values, idx == index[axis] ? 1 : 0);
  });
  return r;
}

std::optional<DepthToSpaceMode> parseDepthToSpaceMode(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<DepthToSpaceMode>>(name)
      .Case("DCR", DepthToSpaceMode::DCR)
      .Case("CRD", DepthToSpaceMode::CRD)
      .Default(std::nullopt);
}

llvm::Expected<Shape> depthToSpaceShape(const Shape &input, int64_t blocksize) {
  if (input.size() != 4)
    return makeError("depth_to_space needs a rank-4 (NCHW) input, got rank " +
                     Twine(input.size()));
  if (blocksize < 1)
    return makeError("blocksize " + Twine(blocksize) + " must be positive");
  int64_t bb = blocksize * blocksize;
  if (input[1] % bb != 0)
    return makeError("depth_to_space channels (" + Twine(input[1]) +
                     ") are not divisible by blocksize^2 (" + Twine(bb) + ")");
  return Shape{input[0], input[1] / bb, input[2] * blocksize,
               input[3] * blocksize};
}

llvm::Expected<Tensor> depthToSpace(const Tensor &x, int64_t b,
                                    DepthToSpaceMode mode) {
  auto out = depthToSpaceShape(x.shape(), b);
  if (!out)
    return out.takeError();
  Tensor r(x.dtype(), *out);
  std::vector<int64_t> strides = shapeStrides(x.shape());
  int64_t cOut = (*out)[1];
  forEachIndex(*out, [&](int64_t o, llvm::ArrayRef<int64_t> index) {
    int64_t c = index[1], i = index[2] % b, j = index[3] % b;
    // DCR: channel = (i, j, c); CRD: channel = (c, i, j).
    int64_t ch = mode == DepthToSpaceMode::DCR ? (i * b + j) * cOut + c
                                               : (c * b + i) * b + j;
    int64_t src = index[0] * strides[0] + ch * strides[1] +
                  (index[2] / b) * strides[2] + (index[3] / b) * strides[3];
    copyElement(r, o, x, src);
  });
  return r;
}

llvm::Expected<Shape> spaceToDepthShape(const Shape &input, int64_t blocksize) {
  if (input.size() != 4)
    return makeError("space_to_depth needs a rank-4 (NCHW) input, got rank " +
                     Twine(input.size()));
  if (blocksize < 1)
    return makeError("blocksize " + Twine(blocksize) + " must be positive");
  if (input[2] % blocksize != 0 || input[3] % blocksize != 0)
    return makeError("space_to_depth spatial dimensions " + Twine(input[2]) +
                     "x" + Twine(input[3]) +
                     " are not divisible by blocksize " + Twine(blocksize));
  return Shape{input[0], input[1] * blocksize * blocksize, input[2] / blocksize,
               input[3] / blocksize};
}

llvm::Expected<Tensor> spaceToDepth(const Tensor &x, int64_t b) {
  auto out = spaceToDepthShape(x.shape(), b);
  if (!out)
    return out.takeError();
  Tensor r(x.dtype(), *out);
  std::vector<int64_t> strides = shapeStrides(x.shape());
  int64_t cIn = x.dim(1);
  forEachIndex(*out, [&](int64_t o, llvm::ArrayRef<int64_t> index) {
    // Output channel = (i, j, c), the inverse of DCR depth_to_space.
    int64_t c = index[1] % cIn, ij = index[1] / cIn;
    int64_t i = ij / b, j = ij % b;
    int64_t src = index[0] * strides[0] + c * strides[1] +
                  (index[2] * b + i) * strides[2] +
                  (index[3] * b + j) * strides[3];
    copyElement(r, o, x, src);
  });
  return r;
}

llvm::Error checkReverseSequenceShapes(const Shape &input,
                                       const Shape &sequenceLens,
                                       int64_t batchAxis, int64_t timeAxis) {
  if (input.size() < 2)
    return makeError("reverse_sequence needs rank >= 2, got rank " +
                     Twine(input.size()));
  if (!((batchAxis == 0 && timeAxis == 1) || (batchAxis == 1 && timeAxis == 0)))
    return makeError("reverse_sequence batch_axis and time_axis must be 0 "
                     "and 1 in some order, got " +
                     Twine(batchAxis) + " and " + Twine(timeAxis));
  if (sequenceLens.size() != 1 || sequenceLens[0] != input[batchAxis])
    return makeError("reverse_sequence needs one sequence length per batch "
                     "entry (" +
                     Twine(input[batchAxis]) + "), got shape " +
                     shapeToString(sequenceLens));
  return llvm::Error::success();
}

llvm::Expected<Tensor> reverseSequence(const Tensor &x,
                                       const Tensor &sequenceLens,
                                       int64_t batchAxis, int64_t timeAxis) {
  if (auto err = checkReverseSequenceShapes(x.shape(), sequenceLens.shape(),
                                            batchAxis, timeAxis))
    return std::move(err);
  int64_t steps = x.dim(timeAxis);
  for (int64_t b = 0; b < sequenceLens.numElements(); ++b) {
    int64_t len = sequenceLens.getI(b);
    if (len < 0 || len > steps)
      return makeError("reverse_sequence length " + Twine(len) +
                       " is out of range for " + Twine(steps) + " time steps");
  }
  Tensor r(x.dtype(), x.shape());
  std::vector<int64_t> strides = shapeStrides(x.shape());
  forEachIndex(x.shape(), [&](int64_t o, llvm::ArrayRef<int64_t> index) {
    int64_t t = index[timeAxis], len = sequenceLens.getI(index[batchAxis]);
    int64_t src = o;
    if (t < len)
      src += (len - 1 - 2 * t) * strides[timeAxis];
    copyElement(r, o, x, src);
  });
  return r;
}

llvm::Expected<Shape> compressShape(const Shape &input,
                                    llvm::ArrayRef<bool> condition,
                                    std::optional<int64_t> axis) {
  int64_t kept = llvm::count(condition, true);
  if (!axis) {
    int64_t n = shapeNumElements(input);
    if ((int64_t)condition.size() > n)
      return makeError("compress condition has " + Twine(condition.size()) +
                       " entries for " + Twine(n) + " elements");
    return Shape{kept};
  }
  auto a = checkAxis(*axis, input.size(), "compress");
  if (!a)
    return a.takeError();
  if ((int64_t)condition.size() > input[*a])
    return makeError("compress condition has " + Twine(condition.size()) +
                     " entries for a dimension of size " + Twine(input[*a]));
  Shape out = input;
  out[*a] = kept;
  return out;
}

llvm::Expected<Tensor> compress(const Tensor &x, llvm::ArrayRef<bool> condition,
                                std::optional<int64_t> axis) {
  auto out = compressShape(x.shape(), condition, axis);
  if (!out)
    return out.takeError();
  Tensor r(x.dtype(), *out);
  if (!axis) {
    int64_t o = 0;
    for (size_t i = 0; i < condition.size(); ++i)
      if (condition[i])
        copyElement(r, o++, x, i);
    return r;
  }
  int64_t a = *axis < 0 ? *axis + x.rank() : *axis;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < a; ++i)
    outer *= x.dim(i);
  for (int64_t i = a + 1; i < x.rank(); ++i)
    inner *= x.dim(i);
  int64_t o = 0;
  for (int64_t p = 0; p < outer; ++p)
    for (size_t k = 0; k < condition.size(); ++k)
      if (condition[k])
        for (int64_t i = 0; i < inner; ++i)
          copyElement(r, o++, x, (p * x.dim(a) + k) * inner + i);
  return r;
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

std::optional<ResizeMode> parseResizeMode(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<ResizeMode>>(name)
      .Case("nearest", ResizeMode::Nearest)
      .Case("linear", ResizeMode::Linear)
      .Case("cubic", ResizeMode::Cubic)
      .Default(std::nullopt);
}

std::optional<CoordinateTransform>
parseCoordinateTransform(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<CoordinateTransform>>(name)
      .Case("half_pixel", CoordinateTransform::HalfPixel)
      .Case("half_pixel_symmetric", CoordinateTransform::HalfPixelSymmetric)
      .Case("pytorch_half_pixel", CoordinateTransform::PytorchHalfPixel)
      .Case("align_corners", CoordinateTransform::AlignCorners)
      .Case("asymmetric", CoordinateTransform::Asymmetric)
      .Case("tf_half_pixel_for_nn", CoordinateTransform::TfHalfPixelForNN)
      .Case("tf_crop_and_resize", CoordinateTransform::TfCropAndResize)
      .Default(std::nullopt);
}

std::optional<NearestMode> parseNearestMode(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<NearestMode>>(name)
      .Case("round_prefer_floor", NearestMode::RoundPreferFloor)
      .Case("round_prefer_ceil", NearestMode::RoundPreferCeil)
      .Case("floor", NearestMode::Floor)
      .Case("ceil", NearestMode::Ceil)
      .Case("legacy", NearestMode::Legacy)
      .Default(std::nullopt);
}

/// Shortest natural form of a double for messages ("0.5", "1e+20").
static std::string formatDouble(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

llvm::Error checkResizeOptions(const Shape &input, const ResizeOptions &opts) {
  size_t rank = input.size();
  if (opts.sizes.size() != rank)
    return makeError("resize has " + Twine(opts.sizes.size()) +
                     " sizes for a rank-" + Twine(rank) + " input");
  if (opts.scales.size() != rank)
    return makeError("resize has " + Twine(opts.scales.size()) +
                     " scales for a rank-" + Twine(rank) + " input");
  for (size_t d = 0; d < rank; ++d) {
    if (opts.sizes[d] < 0)
      return makeError("resize size " + Twine(opts.sizes[d]) + " is negative");
    if (!(opts.scales[d] > 0) || !std::isfinite(opts.scales[d]))
      return makeError("resize scale " + formatDouble(opts.scales[d]) +
                       " must be positive");
    if (input[d] == 0 && opts.sizes[d] > 0)
      return makeError("cannot resize empty dimension " + Twine(d) +
                       " to size " + Twine(opts.sizes[d]));
  }
  if (!opts.roi.empty() && opts.roi.size() != 2 * rank)
    return makeError("resize roi has " + Twine(opts.roi.size()) +
                     " values for a rank-" + Twine(rank) + " input (needs " +
                     Twine(2 * rank) + ")");
  if (opts.transform == CoordinateTransform::TfCropAndResize &&
      opts.roi.empty())
    return makeError("tf_crop_and_resize needs a roi");
  return llvm::Error::success();
}

namespace {
/// The input elements (and weights) one output coordinate of one dimension
/// reads. `outside` marks a tf_crop_and_resize coordinate outside the input:
/// the whole output element is the extrapolation value.
struct Taps {
  llvm::SmallVector<int64_t, 4> index;
  llvm::SmallVector<double, 4> weight;
  bool outside = false;
};
} // namespace

/// Maps output coordinate `x` of a dimension to an input coordinate, as in
/// ONNX's reference implementation (which uses scale * inLen, not the
/// integer output length, as the resized length).
static double originalCoordinate(double x, int64_t inLen, double scale,
                                 int64_t d, const ResizeOptions &opts,
                                 bool &outside) {
  double outLen = scale * inLen;
  switch (opts.transform) {
  case CoordinateTransform::HalfPixel:
    return (x + 0.5) / scale - 0.5;
  case CoordinateTransform::HalfPixelSymmetric: {
    // Opset 19: half_pixel, shifted so that the rounding of the output
    // length is shared equally by both ends.
    double adjustment = outLen > 0 ? opts.sizes[d] / outLen : 1.0;
    double offset = inLen / 2.0 * (1 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  case CoordinateTransform::PytorchHalfPixel:
    return outLen == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  case CoordinateTransform::AlignCorners:
    return outLen == 1 ? 0.0 : x * (inLen - 1) / (outLen - 1);
  case CoordinateTransform::Asymmetric:
    return x / scale;
  case CoordinateTransform::TfHalfPixelForNN:
    return (x + 0.5) / scale;
  case CoordinateTransform::TfCropAndResize: {
    size_t rank = opts.sizes.size();
    double start = opts.roi[d], end = opts.roi[d + rank];
    double v = outLen == 1 ? (end - start) * (inLen - 1) / 2
                           : x * (end - start) * (inLen - 1) / (outLen - 1);
    v += start * (inLen - 1);
    outside = v < 0 || v > inLen - 1;
    return v;
  }
  }
  return x;
}

static Taps computeTaps(int64_t x, int64_t inLen, double scale, int64_t d,
                        const ResizeOptions &opts) {
  Taps taps;
  double orig = originalCoordinate(x, inLen, scale, d, opts, taps.outside);
  if (taps.outside)
    return taps;
  double fl = std::floor(orig);
  double ratio = orig - fl;
  int64_t base = (int64_t)fl;
  auto clampIdx = [&](int64_t i) {
    return std::clamp<int64_t>(i, 0, inLen - 1);
  };
  switch (opts.mode) {
  case ResizeMode::Nearest: {
    bool up = false;
    if (ratio == 0)
      up = false;
    else
      switch (opts.nearestMode) {
      case NearestMode::RoundPreferFloor:
        up = ratio > 0.5;
        break;
      case NearestMode::RoundPreferCeil:
        up = ratio >= 0.5;
        break;
      case NearestMode::Floor:
        up = false;
        break;
      case NearestMode::Ceil:
        up = true;
        break;
      case NearestMode::Legacy:
        up = scale < 1;
        break;
      }
    taps.index.push_back(clampIdx(base + (up ? 1 : 0)));
    taps.weight.push_back(1.0);
    return taps;
  }
  case ResizeMode::Linear:
    taps.index = {clampIdx(base), clampIdx(base + 1)};
    taps.weight = {1 - ratio, ratio};
    return taps;
  case ResizeMode::Cubic: {
    double a = opts.cubicCoeffA, t = ratio;
    // Keys' cubic convolution kernel at distances 1 + t, t, 1 - t, 2 - t.
    double w[4] = {((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                   ((a + 2) * t - (a + 3)) * t * t + 1,
                   ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                   ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a};
    double sum = 0;
    for (int j = 0; j < 4; ++j) {
      int64_t i = base - 1 + j;
      // exclude_outside drops taps beyond the edge and renormalizes;
      // otherwise they read the edge element.
      if (opts.excludeOutside && (i < 0 || i >= inLen))
        w[j] = 0;
      sum += w[j];
    }
    for (int j = 0; j < 4; ++j) {
      taps.index.push_back(clampIdx(base - 1 + j));
      taps.weight.push_back(opts.excludeOutside && sum != 0 ? w[j] / sum
                                                            : w[j]);
    }
    return taps;
  }
  }
  return taps;
}

llvm::Expected<Tensor> resize(const Tensor &x, const ResizeOptions &opts) {
  if (auto err = checkResizeOptions(x.shape(), opts))
    return std::move(err);
  int64_t rank = x.rank();
  Tensor r(x.dtype(), opts.sizes);
  if (r.numElements() == 0)
    return r;
  // Taps per dimension and output coordinate.
  std::vector<std::vector<Taps>> taps(rank);
  for (int64_t d = 0; d < rank; ++d)
    for (int64_t o = 0; o < opts.sizes[d]; ++o)
      taps[d].push_back(computeTaps(o, x.dim(d), opts.scales[d], d, opts));
  std::vector<int64_t> strides = shapeStrides(x.shape());
  bool exact = opts.mode == ResizeMode::Nearest;
  std::vector<int64_t> which(rank);
  forEachIndex(opts.sizes, [&](int64_t o, llvm::ArrayRef<int64_t> index) {
    for (int64_t d = 0; d < rank; ++d)
      if (taps[d][index[d]].outside) {
        r.setD(o, opts.extrapolationValue);
        return;
      }
    if (exact) {
      // One tap per dimension: copy, so integers stay exact.
      int64_t src = 0;
      for (int64_t d = 0; d < rank; ++d)
        src += taps[d][index[d]].index[0] * strides[d];
      copyElement(r, o, x, src);
      return;
    }
    // Sum over the tensor product of every dimension's taps.
    double acc = 0;
    std::fill(which.begin(), which.end(), 0);
    while (true) {
      double w = 1;
      int64_t src = 0;
      for (int64_t d = 0; d < rank; ++d) {
        const Taps &t = taps[d][index[d]];
        w *= t.weight[which[d]];
        src += t.index[which[d]] * strides[d];
      }
      if (w != 0)
        acc += w * x.getD(src);
      int64_t d = rank - 1;
      for (; d >= 0; --d) {
        if (++which[d] < (int64_t)taps[d][index[d]].index.size())
          break;
        which[d] = 0;
      }
      if (d < 0)
        break;
    }
    r.setD(o, acc);
  });
  return r;
}

//===----------------------------------------------------------------------===//
// Range, EyeLike
//===----------------------------------------------------------------------===//

llvm::Expected<Tensor> range(const Tensor &start, const Tensor &limit,
                             const Tensor &delta) {
  if (start.numElements() != 1 || limit.numElements() != 1 ||
      delta.numElements() != 1)
    return makeError("range start, limit and delta must be scalars");
  if (start.dtype() != limit.dtype() || start.dtype() != delta.dtype())
    return makeError("range start, limit and delta differ in type");
  DType dtype = start.dtype();
  if (isFloatDType(dtype)) {
    double s = start.getD(0), l = limit.getD(0), d = delta.getD(0);
    if (d == 0 || !std::isfinite(s) || !std::isfinite(l) || !std::isfinite(d))
      return makeError(
          "range needs a finite, non-zero delta and finite bounds");
    double count = std::ceil((l - s) / d);
    if (count > (double)((int64_t)1 << 28))
      return makeError("range has too many elements");
    int64_t n = std::max<int64_t>((int64_t)count, 0);
    Tensor r(dtype, {n});
    for (int64_t i = 0; i < n; ++i)
      r.setD(i, s + i * d);
    return r;
  }
  int64_t s = start.getI(0), l = limit.getI(0), d = delta.getI(0);
  if (d == 0)
    return makeError("range delta must not be 0");
  // ceil((l - s) / d) in integers, without overflow for sane ranges.
  __int128 span = (__int128)l - s;
  __int128 n = d > 0 ? (span + d - 1) / d : (span + d + 1) / d;
  if (n < 0)
    n = 0;
  if (n > (int64_t)1 << 28)
    return makeError("range has too many elements");
  Tensor r(dtype, {(int64_t)n});
  for (int64_t i = 0; i < (int64_t)n; ++i)
    r.setI(i, s + i * d);
  return r;
}

Tensor eyeLike(DType dtype, int64_t rows, int64_t cols, int64_t k) {
  Tensor r(dtype, {rows, cols});
  for (int64_t i = 0; i < rows; ++i) {
    int64_t j = i + k;
    if (j >= 0 && j < cols)
      r.setD(i * cols + j, 1.0);
  }
  return r;
}

} // namespace tessera::golden
