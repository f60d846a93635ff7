//===- DecomposeIndexed.cpp - Indexed and contraction ops for the NPU -----===//
//
// Graph ops with no NPU kernel of their own, rewritten (before graph-to-npu)
// into ops that have one. Every index stays a run-time value: the index
// arithmetic runs on the vector unit and the data moves through the gather
// engine or the matrix engine.
//
//   einsum: per operand, repeated labels become diagonals (the two axes
//     moved last, flattened, sliced with step n + 1) and labels no one else
//     needs are summed; operands are then contracted pairwise as one batched
//     matmul [batch, left, k] x [batch, k, right] (floats) or a broadcast
//     multiply and a sum (integers); a last transpose orders the output.
//   gather_nd(data, idx[..., k], batch_dims b): the k index components
//     (negative ones wrapped) dotted with data's row-major strides give a
//     flat row of data seen as [B * prod(d_b..d_b+k-1), rest] (plus the
//     batch's base), then one Gather on axis 0.
//   scatter_nd(data, idx, upd): the same flat rows; with no reduction a
//     scatter_elements of the update rows; with add/mul/max/min a one-hot
//     E[m, r] = (row[m] == r) that combines every update landing on a row,
//     duplicates included: E^T x upd on the matrix engine for a float sum,
//     reduce_{sum,prod,max,min}(where(E, upd, neutral)) otherwise.
//   scatter_elements with a reduction: the flat element index of each
//     update (constant base + wrapped index * stride), then as scatter_nd.
//   compress (static condition): a Gather with the kept positions.
//   reverse_sequence(x, lens): gather_elements along the time axis with
//     index t < lens[b] ? lens[b] - 1 - t : t (computed at run time).
//   max_pool_with_indices: the values are a max_pool; the indices an argmax
//     over the window positions (one strided slice of the -inf padded
//     input per kernel offset, concatenated on a new last axis), mapped to
//     the flat input index by a gather in a constant offset table plus the
//     window's and the plane's constant base.
//
//===----------------------------------------------------------------------===//
#include "DecomposeIndexed.h"
#include "DispatchKernels.h"

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/NNKernels.h"

#include "mlir/IR/Builders.h"

#include <limits>
#include <numeric>
#include <set>

using namespace mlir;
namespace graph = tessera::graph;

namespace {

int64_t prod(ArrayRef<int64_t> v) {
  return std::accumulate(v.begin(), v.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

/// Small builders over one insertion point and location.
struct G {
  OpBuilder &b;
  Location loc;

  static RankedTensorType ty(ArrayRef<int64_t> shape, Type elem) {
    return RankedTensorType::get(shape, elem);
  }
  static ArrayRef<int64_t> shapeOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }
  static Type elemOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getElementType();
  }
  Type i64() { return b.getI64Type(); }
  Type i1() { return b.getI1Type(); }

  Value reshape(Value x, ArrayRef<int64_t> shape) {
    if (shapeOf(x) == shape)
      return x;
    return graph::ReshapeOp::create(b, loc, ty(shape, elemOf(x)), x,
                                    b.getDenseI64ArrayAttr(shape));
  }
  Value transpose(Value x, ArrayRef<int64_t> perm) {
    bool identity = true;
    for (size_t i = 0; i < perm.size(); ++i)
      identity &= perm[i] == (int64_t)i;
    if (identity)
      return x;
    SmallVector<int64_t> s;
    for (int64_t p : perm)
      s.push_back(shapeOf(x)[p]);
    return graph::TransposeOp::create(b, loc, ty(s, elemOf(x)), x,
                                      b.getDenseI64ArrayAttr(perm));
  }
  Value expand(Value x, ArrayRef<int64_t> shape) {
    if (shapeOf(x) == shape)
      return x;
    return graph::ExpandOp::create(b, loc, ty(shape, elemOf(x)), x,
                                   b.getDenseI64ArrayAttr(shape));
  }
  Value slice(Value x, ArrayRef<int64_t> starts, ArrayRef<int64_t> ends,
              ArrayRef<int64_t> steps) {
    SmallVector<int64_t> s;
    for (size_t i = 0; i < starts.size(); ++i)
      s.push_back(std::max<int64_t>(0, (ends[i] - starts[i] + steps[i] - 1) /
                                           steps[i]));
    return graph::SliceOp::create(
        b, loc, ty(s, elemOf(x)), x, b.getDenseI64ArrayAttr(starts),
        b.getDenseI64ArrayAttr(ends), b.getDenseI64ArrayAttr(steps));
  }
  Value constI64(ArrayRef<int64_t> shape, ArrayRef<int64_t> vals) {
    auto a = DenseElementsAttr::get(ty(shape, i64()), vals);
    return graph::ConstantOp::create(b, loc, cast<ElementsAttr>(a));
  }
  Value scalar(Type elem, double v) {
    Attribute a;
    if (isa<FloatType>(elem))
      a = DenseElementsAttr::get(ty({}, elem), b.getFloatAttr(elem, v));
    else
      a = DenseElementsAttr::get(ty({}, elem),
                                 b.getIntegerAttr(elem, (int64_t)v));
    return graph::ConstantOp::create(b, loc, cast<ElementsAttr>(a));
  }
  Value toI64(Value x) {
    if (elemOf(x) == i64())
      return x;
    return graph::CastOp::create(b, loc, ty(shapeOf(x), i64()), x,
                                 TypeAttr::get(i64()));
  }
  /// Broadcast shape of two operands.
  static SmallVector<int64_t> bcast(ArrayRef<int64_t> a, ArrayRef<int64_t> c) {
    size_t r = std::max(a.size(), c.size());
    SmallVector<int64_t> s(r, 1);
    for (size_t i = 0; i < r; ++i) {
      int64_t x = i < r - a.size() ? 1 : a[i - (r - a.size())];
      int64_t y = i < r - c.size() ? 1 : c[i - (r - c.size())];
      s[i] = x == 1 ? y : x;
    }
    return s;
  }
  template <typename Op> Value binary(Value x, Value y) {
    return Op::create(b, loc, ty(bcast(shapeOf(x), shapeOf(y)), elemOf(x)), x,
                      y);
  }
  template <typename Op> Value compare(Value x, Value y) {
    return Op::create(b, loc, ty(bcast(shapeOf(x), shapeOf(y)), i1()), x, y);
  }
  Value where(Value c, Value x, Value y) {
    auto s = bcast(bcast(shapeOf(c), shapeOf(x)), shapeOf(y));
    return graph::WhereOp::create(b, loc, ty(s, elemOf(x)), c, x, y);
  }
  /// idx < 0 ? idx + n : idx, elementwise (n broadcasts).
  Value wrap(Value idx, Value n) {
    Value neg = compare<graph::LessOp>(idx, scalar(elemOf(idx), 0));
    return where(neg, binary<graph::AddOp>(idx, n), idx);
  }
  template <typename Op>
  Value reduce(Value x, ArrayRef<int64_t> axes, bool keep) {
    if (axes.empty())
      return x;
    SmallVector<int64_t> s;
    for (int64_t i = 0; i < (int64_t)shapeOf(x).size(); ++i) {
      bool red = llvm::is_contained(axes, i);
      if (!red)
        s.push_back(shapeOf(x)[i]);
      else if (keep)
        s.push_back(1);
    }
    return Op::create(b, loc, ty(s, elemOf(x)), x, b.getDenseI64ArrayAttr(axes),
                      b.getBoolAttr(keep), b.getBoolAttr(false));
  }
};

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

struct Term {
  Value v;
  std::vector<int> labels;
};

/// Moves axes `first` then the rest (in order) and returns the new order.
std::vector<int64_t> orderWith(const std::vector<int> &labels,
                               const std::vector<int> &front) {
  std::vector<int64_t> perm;
  for (int l : front)
    for (size_t i = 0; i < labels.size(); ++i)
      if (labels[i] == l)
        perm.push_back((int64_t)i);
  return perm;
}

/// Diagonals of repeated labels, then sums over labels not in `needed`.
void simplify(G &g, Term &t, const std::set<int> &needed,
              const std::map<int, int64_t> &sizes) {
  for (bool again = true; again;) {
    again = false;
    for (size_t p = 0; p < t.labels.size() && !again; ++p)
      for (size_t q = p + 1; q < t.labels.size() && !again; ++q) {
        if (t.labels[p] != t.labels[q])
          continue;
        std::vector<int64_t> perm;
        std::vector<int> rest;
        for (size_t i = 0; i < t.labels.size(); ++i)
          if (i != p && i != q) {
            perm.push_back((int64_t)i);
            rest.push_back(t.labels[i]);
          }
        perm.push_back((int64_t)p);
        perm.push_back((int64_t)q);
        Value x = g.transpose(t.v, perm);
        SmallVector<int64_t> s(G::shapeOf(x).begin(), G::shapeOf(x).end());
        int64_t n = s.back();
        s.pop_back();
        s.back() = n * n;
        x = g.reshape(x, s);
        SmallVector<int64_t> st(s.size(), 0), en(s.begin(), s.end()),
            sp(s.size(), 1);
        sp.back() = n + 1;
        t.v = g.slice(x, st, en, sp);
        rest.push_back(t.labels[p]);
        t.labels = rest;
        again = true;
      }
  }
  // Ellipsis dims of size 1 broadcast against the other operands.
  SmallVector<int64_t> full;
  for (int l : t.labels)
    full.push_back(sizes.at(l));
  t.v = g.expand(t.v, full);
  SmallVector<int64_t> axes;
  std::vector<int> kept;
  for (size_t i = 0; i < t.labels.size(); ++i) {
    if (needed.count(t.labels[i]))
      kept.push_back(t.labels[i]);
    else
      axes.push_back((int64_t)i);
  }
  t.v = g.reduce<graph::ReduceSumOp>(t.v, axes, false);
  t.labels = kept;
}

/// a x b over their shared labels; labels in `keep` survive.
Term contract(G &g, Term a, Term b, const std::set<int> &keep,
              const std::map<int, int64_t> &sizes) {
  std::vector<int> batch, contr, left, right;
  for (int l : a.labels) {
    bool inB = llvm::is_contained(b.labels, l);
    if (inB && keep.count(l))
      batch.push_back(l);
    else if (inB)
      contr.push_back(l);
    else
      left.push_back(l);
  }
  for (int l : b.labels)
    if (!llvm::is_contained(a.labels, l))
      right.push_back(l);
  auto ext = [&](const std::vector<int> &ls) {
    int64_t n = 1;
    for (int l : ls)
      n *= sizes.at(l);
    return n;
  };
  auto cat = [](std::initializer_list<const std::vector<int> *> parts) {
    std::vector<int> r;
    for (auto *p : parts)
      r.insert(r.end(), p->begin(), p->end());
    return r;
  };
  int64_t nb = ext(batch), m = ext(left), k = ext(contr), n = ext(right);
  Type e = G::elemOf(a.v);
  Term r;
  r.labels = cat({&batch, &left, &right});
  SmallVector<int64_t> outShape;
  for (int l : r.labels)
    outShape.push_back(sizes.at(l));
  if (isa<FloatType>(e)) {
    Value x =
        g.transpose(a.v, orderWith(a.labels, cat({&batch, &left, &contr})));
    Value y =
        g.transpose(b.v, orderWith(b.labels, cat({&batch, &contr, &right})));
    bool batched = !batch.empty();
    SmallVector<int64_t> xs = {m, k}, ys = {k, n}, ps = {m, n};
    if (batched) {
      xs.insert(xs.begin(), nb);
      ys.insert(ys.begin(), nb);
      ps.insert(ps.begin(), nb);
    }
    x = g.reshape(x, xs);
    y = g.reshape(y, ys);
    Value p = graph::MatMulOp::create(g.b, g.loc, G::ty(ps, e), x, y);
    r.v = g.reshape(p, outShape);
    return r;
  }
  // Integers: [batch, left, 1, contr] * [batch, 1, right, contr], summed.
  Value x = g.transpose(a.v, orderWith(a.labels, cat({&batch, &left, &contr})));
  Value y =
      g.transpose(b.v, orderWith(b.labels, cat({&batch, &right, &contr})));
  x = g.reshape(x, {nb, m, 1, k});
  y = g.reshape(y, {nb, 1, n, k});
  Value p = g.binary<graph::MulOp>(x, y);
  p = g.reduce<graph::ReduceSumOp>(p, {3}, false);
  r.v = g.reshape(p, outShape);
  return r;
}

LogicalResult decomposeEinsum(graph::EinsumOp op) {
  std::vector<tessera::Shape> shapes;
  for (Value v : op.getInputs()) {
    auto s = G::shapeOf(v);
    shapes.emplace_back(s.begin(), s.end());
  }
  auto spec = tessera::golden::parseEinsum(op.getEquation(), shapes);
  if (!spec)
    return op.emitError("einsum: ") << llvm::toString(spec.takeError());
  OpBuilder b(op);
  G g{b, op.getLoc()};
  std::vector<Term> terms;
  for (auto [v, labels] : llvm::zip(op.getInputs(), spec->inputs))
    terms.push_back({v, labels});
  std::set<int> out(spec->output.begin(), spec->output.end());
  // Labels each operand must keep: the output's and every other operand's.
  for (size_t i = 0; i < terms.size(); ++i) {
    std::set<int> needed = out;
    for (size_t j = 0; j < terms.size(); ++j)
      if (j != i)
        needed.insert(terms[j].labels.begin(), terms[j].labels.end());
    simplify(g, terms[i], needed, spec->sizes);
  }
  Term cur = terms[0];
  for (size_t i = 1; i < terms.size(); ++i) {
    std::set<int> keep = out;
    for (size_t j = i + 1; j < terms.size(); ++j)
      keep.insert(terms[j].labels.begin(), terms[j].labels.end());
    cur = contract(g, cur, terms[i], keep, spec->sizes);
  }
  simplify(g, cur, out, spec->sizes);
  Value y = g.transpose(cur.v, orderWith(cur.labels, spec->output));
  // "ij->ij" leaves the input itself: graph-to-npu copies it if returned.
  y = g.reshape(y, cast<RankedTensorType>(op.getType()).getShape());
  op.getResult().replaceAllUsesWith(y);
  op->erase();
  return success();
}

//===----------------------------------------------------------------------===//
// GatherND / ScatterND
//===----------------------------------------------------------------------===//

/// flat + batch * prod(dims), broadcast over the non-batch index dims.
Value addBatchBase(G &g, Value flat, ArrayRef<int64_t> lead,
                   ArrayRef<int64_t> dims, int64_t batchDims) {
  SmallVector<int64_t> bs(lead.begin(), lead.begin() + batchDims);
  int64_t nb = prod(bs), span = prod(dims);
  SmallVector<int64_t> base;
  for (int64_t i = 0; i < nb; ++i)
    base.push_back(i * span);
  SmallVector<int64_t> cs = bs;
  cs.append(lead.size() - batchDims, 1);
  return g.binary<graph::AddOp>(flat, g.constI64(cs, base));
}

/// The flat row of data [B * prod(dims), rest] each index tuple of `idx`
/// ([..., k], batch dims first) addresses; shape idx.shape[:-1] (i64).
Value flatRows(G &g, Value idx, ArrayRef<int64_t> dims, int64_t batchDims) {
  idx = g.toI64(idx);
  ArrayRef<int64_t> is = G::shapeOf(idx);
  int64_t k = (int64_t)dims.size(), q = (int64_t)is.size();
  SmallVector<int64_t> strides(k, 1);
  for (int64_t j = k - 2; j >= 0; --j)
    strides[j] = strides[j + 1] * dims[j + 1];
  Value wrapped = g.wrap(
      idx, g.constI64({k}, SmallVector<int64_t>(dims.begin(), dims.end())));
  // One index component needs no strides and no split.
  SmallVector<int64_t> lead(is.begin(), is.end() - 1);
  if (k == 1) {
    Value flat = g.reshape(wrapped, lead);
    return batchDims > 0 ? addBatchBase(g, flat, lead, dims, batchDims) : flat;
  }
  Value scaled = g.binary<graph::MulOp>(wrapped, g.constI64({k}, strides));
  Value flat;
  for (int64_t j = 0; j < k; ++j) {
    SmallVector<int64_t> st(q, 0), en(is.begin(), is.end()), sp(q, 1);
    st.back() = j;
    en.back() = j + 1;
    Value c = g.reshape(g.slice(scaled, st, en, sp), lead);
    flat = flat ? g.binary<graph::AddOp>(flat, c) : c;
  }
  return batchDims > 0 ? addBatchBase(g, flat, lead, dims, batchDims) : flat;
}

LogicalResult decomposeGatherND(graph::GatherNDOp op) {
  OpBuilder b(op);
  G g{b, op.getLoc()};
  ArrayRef<int64_t> ds = G::shapeOf(op.getData()),
                    is = G::shapeOf(op.getIndices());
  int64_t bd = (int64_t)op.getBatchDims(), k = is.back();
  if (k < 1 || bd + k > (int64_t)ds.size())
    return op.emitError("gather_nd: index tuples of ")
           << k << " do not fit data of rank " << ds.size();
  SmallVector<int64_t> dims(ds.begin() + bd, ds.begin() + bd + k);
  int64_t rows = prod(ds.take_front(bd + k)),
          inner = prod(ds.drop_front(bd + k));
  Value flat = flatRows(g, op.getIndices(), dims, bd);
  int64_t m = prod(G::shapeOf(flat));
  flat = g.reshape(flat, {m});
  Value data = g.reshape(op.getData(), {rows, inner});
  Type e = G::elemOf(op.getData());
  Value y = graph::GatherOp::create(b, op.getLoc(), G::ty({m, inner}, e), data,
                                    flat, b.getI64IntegerAttr(0));
  y = g.reshape(y, cast<RankedTensorType>(op.getType()).getShape());
  op.getResult().replaceAllUsesWith(y);
  op->erase();
  return success();
}

/// data [R, inner] with update rows upd [M, inner] combined at rows[M] by
/// `reduction` (add, mul, max, min); duplicates all count.
FailureOr<Value> scatterReduce(G &g, Operation *op, Value data, Value rows,
                               Value upd, StringRef reduction) {
  int64_t r = G::shapeOf(data)[0], inner = G::shapeOf(data)[1],
          m = G::shapeOf(upd)[0];
  Type e = G::elemOf(data);
  SmallVector<int64_t> iota(r);
  std::iota(iota.begin(), iota.end(), 0);
  if (reduction == "add" && isa<FloatType>(e)) {
    // E^T [R, M] x upd [M, inner] on the matrix engine.
    Value hit = g.compare<graph::EqualOp>(g.reshape(rows, {1, m}),
                                          g.constI64({r, 1}, iota));
    Value et = graph::CastOp::create(g.b, g.loc, G::ty({r, m}, e), hit,
                                     TypeAttr::get(e));
    Value sum =
        graph::MatMulOp::create(g.b, g.loc, G::ty({r, inner}, e), et, upd);
    return g.binary<graph::AddOp>(data, sum);
  }
  Value hit = g.compare<graph::EqualOp>(g.reshape(rows, {m, 1, 1}),
                                        g.constI64({1, r, 1}, iota));
  double lowest = isa<FloatType>(e)
                      ? -std::numeric_limits<double>::infinity()
                      : (double)std::numeric_limits<int32_t>::min();
  double highest = isa<FloatType>(e)
                       ? std::numeric_limits<double>::infinity()
                       : (double)std::numeric_limits<int32_t>::max();
  double neutral;
  if (reduction == "add")
    neutral = 0;
  else if (reduction == "mul")
    neutral = 1;
  else if (reduction == "max")
    neutral = lowest;
  else if (reduction == "min")
    neutral = highest;
  else {
    op->emitError("unknown scatter reduction '") << reduction << "'";
    return failure();
  }
  Value sel = g.where(hit, g.reshape(upd, {m, 1, inner}), g.scalar(e, neutral));
  if (reduction == "add")
    return g.binary<graph::AddOp>(
        data, g.reduce<graph::ReduceSumOp>(sel, {0}, false));
  if (reduction == "mul")
    return g.binary<graph::MulOp>(
        data, g.reduce<graph::ReduceProdOp>(sel, {0}, false));
  if (reduction == "max")
    return g.binary<graph::MaxOp>(
        data, g.reduce<graph::ReduceMaxOp>(sel, {0}, false));
  return g.binary<graph::MinOp>(data,
                                g.reduce<graph::ReduceMinOp>(sel, {0}, false));
}

LogicalResult decomposeScatterND(graph::ScatterNDOp op) {
  OpBuilder b(op);
  G g{b, op.getLoc()};
  ArrayRef<int64_t> ds = G::shapeOf(op.getData()),
                    is = G::shapeOf(op.getIndices());
  int64_t k = is.back();
  if (k < 1 || k > (int64_t)ds.size())
    return op.emitError("scatter_nd: index tuples of ")
           << k << " do not fit data of rank " << ds.size();
  int64_t rows = prod(ds.take_front(k)), inner = prod(ds.drop_front(k));
  Value flat = flatRows(g, op.getIndices(), ds.take_front(k), 0);
  int64_t m = prod(G::shapeOf(flat));
  flat = g.reshape(flat, {m});
  Value data = g.reshape(op.getData(), {rows, inner});
  Value upd = g.reshape(op.getUpdates(), {m, inner});
  Value y;
  if (op.getReduction() == "none") {
    // Every element of an update row goes to the same row.
    Value idx = g.expand(g.reshape(flat, {m, 1}), {m, inner});
    y = graph::ScatterElementsOp::create(b, op.getLoc(), data.getType(), data,
                                         idx, upd, b.getI64IntegerAttr(0),
                                         b.getStringAttr("none"));
  } else {
    auto r = scatterReduce(g, op, data, flat, upd, op.getReduction());
    if (failed(r))
      return failure();
    y = *r;
  }
  y = g.reshape(y, ds);
  op.getResult().replaceAllUsesWith(y);
  op->erase();
  return success();
}

LogicalResult decomposeScatterElementsReduce(graph::ScatterElementsOp op) {
  OpBuilder b(op);
  G g{b, op.getLoc()};
  ArrayRef<int64_t> ds = G::shapeOf(op.getData()),
                    is = G::shapeOf(op.getIndices());
  int64_t rank = (int64_t)ds.size();
  int64_t axis =
      tessera::conversion::normalizedAxis((int64_t)op.getAxis(), rank);
  if ((int64_t)is.size() != rank)
    return op.emitError("scatter_elements: indices of rank ")
           << is.size() << " for data of rank " << rank;
  // Flat element index: the index's position with `axis` zeroed, plus the
  // wrapped index times the axis stride.
  SmallVector<int64_t> ds1(rank, 1);
  for (int64_t i = rank - 2; i >= 0; --i)
    ds1[i] = ds1[i + 1] * ds[i + 1];
  int64_t n = prod(is);
  SmallVector<int64_t> base(n);
  for (int64_t e = 0; e < n; ++e) {
    int64_t rem = e, off = 0;
    for (int64_t i = rank - 1; i >= 0; --i) {
      int64_t c = rem % is[i];
      rem /= is[i];
      if (i != axis)
        off += c * ds1[i];
    }
    base[e] = off;
  }
  Value idx = g.wrap(g.toI64(op.getIndices()), g.scalar(g.i64(), ds[axis]));
  Value flat = g.binary<graph::AddOp>(
      g.binary<graph::MulOp>(idx, g.scalar(g.i64(), ds1[axis])),
      g.constI64(is, base));
  flat = g.reshape(flat, {n});
  Value data = g.reshape(op.getData(), {prod(ds), 1});
  Value upd = g.reshape(op.getUpdates(), {n, 1});
  auto r = scatterReduce(g, op, data, flat, upd, op.getReduction());
  if (failed(r))
    return failure();
  op.getResult().replaceAllUsesWith(g.reshape(*r, ds));
  op->erase();
  return success();
}

//===----------------------------------------------------------------------===//
// Compress, ReverseSequence
//===----------------------------------------------------------------------===//

LogicalResult decomposeCompress(graph::CompressOp op) {
  OpBuilder b(op);
  G g{b, op.getLoc()};
  Value x = op.getInput();
  int64_t axis = 0;
  if (op.getAxis())
    axis = tessera::conversion::normalizedAxis((int64_t)*op.getAxis(),
                                               (int64_t)G::shapeOf(x).size());
  else
    x = g.reshape(x, {prod(G::shapeOf(x))});
  int64_t n = G::shapeOf(x)[axis];
  SmallVector<int64_t> keep;
  ArrayRef<bool> cond = op.getCondition();
  for (int64_t i = 0; i < n && i < (int64_t)cond.size(); ++i)
    if (cond[i])
      keep.push_back(i);
  auto rt = cast<RankedTensorType>(op.getType());
  Value idx = g.constI64({(int64_t)keep.size()}, keep);
  Value y = graph::GatherOp::create(b, op.getLoc(), rt, x, idx,
                                    b.getI64IntegerAttr(axis));
  op.getResult().replaceAllUsesWith(y);
  op->erase();
  return success();
}

LogicalResult decomposeReverseSequence(graph::ReverseSequenceOp op) {
  OpBuilder b(op);
  G g{b, op.getLoc()};
  ArrayRef<int64_t> xs = G::shapeOf(op.getInput());
  int64_t rank = (int64_t)xs.size();
  int64_t ta =
      tessera::conversion::normalizedAxis((int64_t)op.getTimeAxis(), rank);
  int64_t ba =
      tessera::conversion::normalizedAxis((int64_t)op.getBatchAxis(), rank);
  SmallVector<int64_t> ts(rank, 1), bs(rank, 1);
  ts[ta] = xs[ta];
  bs[ba] = xs[ba];
  SmallVector<int64_t> iota(xs[ta]);
  std::iota(iota.begin(), iota.end(), 0);
  Value t = g.constI64(ts, iota);
  Value lens = g.reshape(g.toI64(op.getSequenceLens()), bs);
  Value rev = g.binary<graph::SubOp>(
      g.binary<graph::SubOp>(lens, g.scalar(g.i64(), 1)), t);
  Value idx = g.where(g.compare<graph::LessOp>(t, lens), rev, t);
  idx = g.expand(idx, xs);
  Value y = graph::GatherElementsOp::create(b, op.getLoc(), op.getType(),
                                            op.getInput(), idx,
                                            b.getI64IntegerAttr(ta));
  op.getResult().replaceAllUsesWith(y);
  op->erase();
  return success();
}

//===----------------------------------------------------------------------===//
// MaxPool with indices
//===----------------------------------------------------------------------===//

LogicalResult decomposeMaxPoolWithIndices(graph::MaxPoolWithIndicesOp op) {
  OpBuilder b(op);
  G g{b, op.getLoc()};
  Value x = op.getInput();
  ArrayRef<int64_t> xs = G::shapeOf(x), ys = G::shapeOf(op.getOutput());
  Type e = G::elemOf(x);
  if (!isa<FloatType>(e))
    return op.emitError("max_pool_with_indices of ")
           << e << " (padding with -inf needs a float)";
  int64_t s = (int64_t)xs.size() - 2, nc = xs[0] * xs[1];
  auto at = [](ArrayRef<int64_t> v, int64_t i, int64_t d) {
    return v.empty() ? d : v[i];
  };
  SmallVector<int64_t> in(xs.begin() + 2, xs.end()),
      out(ys.begin() + 2, ys.end());
  SmallVector<int64_t> k(op.getKernelShape()), st, dl, pb;
  SmallVector<int64_t> pads(2 * (s + 2), 0), padded = {xs[0], xs[1]};
  bool anyPad = false;
  for (int64_t i = 0; i < s; ++i) {
    st.push_back(at(op.getStrides(), i, 1));
    dl.push_back(at(op.getDilations(), i, 1));
    pb.push_back(at(op.getPads(), i, 0));
    int64_t need = (out[i] - 1) * st[i] + (k[i] - 1) * dl[i] + 1;
    int64_t ext = std::max(need, in[i] + pb[i] + at(op.getPads(), s + i, 0));
    pads[2 + i] = pb[i];
    pads[s + 2 + 2 + i] = ext - in[i] - pb[i];
    anyPad |= ext != in[i] || pb[i];
    padded.push_back(ext);
  }
  // Spatial strides of the flat index: row-major, or column-major with
  // storage_order 1.
  SmallVector<int64_t> fs(s, 1);
  if (op.getStorageOrder() == 1)
    for (int64_t i = 1; i < s; ++i)
      fs[i] = fs[i - 1] * in[i - 1];
  else
    for (int64_t i = s - 2; i >= 0; --i)
      fs[i] = fs[i + 1] * in[i + 1];
  Value xp = x;
  if (anyPad)
    xp = graph::PadOp::create(
        b, op.getLoc(), G::ty(padded, e), x, b.getDenseI64ArrayAttr(pads),
        b.getStringAttr("constant"),
        b.getF64FloatAttr(-std::numeric_limits<double>::infinity()));
  // One strided slice per kernel offset, in window order (row-major over
  // the kernel), so that argmax's first maximum is the golden one.
  int64_t kn = prod(k);
  SmallVector<Value> windows;
  SmallVector<int64_t> offs;
  SmallVector<int64_t> ws(ys.begin(), ys.end());
  ws.push_back(1);
  for (int64_t w = 0; w < kn; ++w) {
    SmallVector<int64_t> starts = {0, 0}, ends = {xs[0], xs[1]}, steps = {1, 1};
    int64_t rem = w, off = 0;
    SmallVector<int64_t> kk(s);
    for (int64_t i = s - 1; i >= 0; --i) {
      kk[i] = rem % k[i];
      rem /= k[i];
    }
    for (int64_t i = 0; i < s; ++i) {
      starts.push_back(kk[i] * dl[i]);
      ends.push_back(kk[i] * dl[i] + (out[i] - 1) * st[i] + 1);
      steps.push_back(st[i]);
      off += kk[i] * dl[i] * fs[i];
    }
    offs.push_back(off);
    windows.push_back(g.reshape(g.slice(xp, starts, ends, steps), ws));
  }
  SmallVector<int64_t> cs(ys.begin(), ys.end());
  cs.push_back(kn);
  Value cat =
      kn == 1 ? windows[0]
              : graph::ConcatOp::create(b, op.getLoc(), G::ty(cs, e), windows,
                                        b.getI64IntegerAttr(s + 2));
  Value am = graph::ArgMaxOp::create(b, op.getLoc(), G::ty(ws, g.i64()), cat,
                                     b.getI64IntegerAttr(s + 2),
                                     b.getBoolAttr(true), b.getBoolAttr(false));
  Value idx = graph::GatherOp::create(b, op.getLoc(), G::ty(ws, g.i64()),
                                      g.constI64({kn}, offs), am,
                                      b.getI64IntegerAttr(0));
  // + the window's first element, + the plane's first element.
  SmallVector<int64_t> os = {1, 1};
  os.append(out.begin(), out.end());
  int64_t no = prod(out);
  SmallVector<int64_t> wbase(no);
  for (int64_t p = 0; p < no; ++p) {
    int64_t rem = p, off = 0;
    for (int64_t i = s - 1; i >= 0; --i) {
      off += (rem % out[i] * st[i] - pb[i]) * fs[i];
      rem /= out[i];
    }
    wbase[p] = off;
  }
  SmallVector<int64_t> pbase(nc);
  for (int64_t p = 0; p < nc; ++p)
    pbase[p] = p * prod(in);
  SmallVector<int64_t> ps = {xs[0], xs[1]};
  ps.append(s, 1);
  idx = g.reshape(idx, ys);
  idx = g.binary<graph::AddOp>(idx, g.constI64(os, wbase));
  idx = g.binary<graph::AddOp>(idx, g.constI64(ps, pbase));
  Value vals = graph::MaxPoolOp::create(
      b, op.getLoc(), op.getOutput().getType(), x, op.getKernelShapeAttr(),
      op.getStridesAttr(), op.getPadsAttr(), op.getDilationsAttr(),
      op.getCeilModeAttr());
  op.getOutput().replaceAllUsesWith(vals);
  op.getIndices().replaceAllUsesWith(idx);
  op->erase();
  return success();
}

} // namespace

LogicalResult tessera::conversion::decomposeIndexedOps(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (isa<graph::EinsumOp, graph::GatherNDOp, graph::ScatterNDOp,
            graph::CompressOp, graph::ReverseSequenceOp,
            graph::MaxPoolWithIndicesOp>(op))
      ops.push_back(op);
    if (auto s = dyn_cast<graph::ScatterElementsOp>(op);
        s && s.getReduction() != "none")
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    LogicalResult r = success();
    if (auto o = dyn_cast<graph::EinsumOp>(op))
      r = decomposeEinsum(o);
    else if (auto o = dyn_cast<graph::GatherNDOp>(op))
      r = decomposeGatherND(o);
    else if (auto o = dyn_cast<graph::ScatterNDOp>(op))
      r = decomposeScatterND(o);
    else if (auto o = dyn_cast<graph::ScatterElementsOp>(op))
      r = decomposeScatterElementsReduce(o);
    else if (auto o = dyn_cast<graph::CompressOp>(op))
      r = decomposeCompress(o);
    else if (auto o = dyn_cast<graph::ReverseSequenceOp>(op))
      r = decomposeReverseSequence(o);
    else if (auto o = dyn_cast<graph::MaxPoolWithIndicesOp>(op))
      r = decomposeMaxPoolWithIndices(o);
    if (failed(r))
      return failure();
  }
  return success();
}
