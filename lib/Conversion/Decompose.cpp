//===- Decompose.cpp - Composite graph ops as primitive graph ops ---------===//
//
// Ops with no kernel of their own are rewritten into graph ops that have
// one, following their ONNX function definitions:
//
//   nll_loss(x[N, C, D...], t[N, D...], w[C]?):
//     ok   = t != ignore_index                (when given)
//     ts   = where(ok, t, 0)
//     l    = -gather_elements(x, ts[N, 1, D...], axis 1) * w[ts] * ok
//     none -> l;  sum -> sum(l);  mean -> sum(l) / sum(w[ts] * ok)
//   softmax_cross_entropy_loss(s, t, w?) = (nll_loss(log_softmax(s, 1), t, w),
//                                           log_softmax(s, 1))
//   resize(x) of floats: every mode (nearest, linear, cubic; any coordinate
//     transformation) is linear and separable, so each resized axis d is a
//     matmul by a constant matrix W_d[out_d, in_d] whose column j is the
//     golden 1-D resize of e_j: the interpolation runs on the matrix engine,
//     its weights computed once at compile time by the same code as the
//     golden reference. tf_crop_and_resize's extrapolation value (outside
//     the crop) is added as a constant where the matrices' rows are zero.
//   einsum, gather_nd, scatter_nd, scatter_elements with a reduction,
//     compress, reverse_sequence, max_pool_with_indices: DecomposeIndexed.cpp.
//   conv_transpose(x, W) = conv(pad(zero_insert(x, strides)), W'): zeros go
//     between input elements (stride - 1 per gap), the result is padded by
//     dilation * (K - 1) minus the pads (plus output_padding at the end),
//     and W' [M, C/g, K...] is W [C, M/g, K...] with the channel roles of
//     each group swapped and every spatial axis reversed (a Gather).
//   pad(x) in reflect or edge mode: per padded axis a gather with constant
//     indices (i mirrored around 0 and n-1, or clamped to them).
//   slice(x) with negative steps: a slice of the positive-step axes, then
//     per reversed axis a gather with constant indices start + k * step.
//   lrn(x): a square, a zero pad of the channels and a sum of channel
//     slices, then the scale and power (DecomposeLRN.cpp).
//   one_hot(i, [off, on]) = where(wrap(i)[.., 1, ..] == iota(depth), on, off)
//     with the iota along the new axis (negative indices count from depth;
//     out-of-range ones match nothing).
//
//===----------------------------------------------------------------------===//
#include "Decompositions.h"
#include "DecomposeIndexed.h"
#include "SplitReductions.h"
#include "DispatchKernels.h"

#include "Graph/IR/GraphDialect.h"
#include "tessera/Conversion/Passes.h"
#include "tessera/Golden/DataKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace tessera::conversion {
#define GEN_PASS_DEF_GRAPHDECOMPOSE
#include "Npu/Transforms/Passes.h.inc"
} // namespace tessera::conversion

using namespace mlir;
namespace graph = tessera::graph;

namespace {

RankedTensorType tensor(ArrayRef<int64_t> shape, Type elem) {
  return RankedTensorType::get(shape, elem);
}

Value scalarConst(OpBuilder &b, Location loc, Type elem, double v) {
  auto t = tensor({}, elem);
  Attribute a;
  if (isa<FloatType>(elem))
    a = DenseElementsAttr::get(t, b.getFloatAttr(elem, v));
  else if (elem.isInteger(1))
    a = DenseElementsAttr::get(t, v != 0);
  else
    a = DenseElementsAttr::get(t, b.getIntegerAttr(elem, (int64_t)v));
  return graph::ConstantOp::create(b, loc, cast<ElementsAttr>(a)).getResult();
}

/// The NLL loss of log-probabilities `x` against `t`; see the file comment.
Value nllLoss(OpBuilder &b, Location loc, Value x, Value t, Value w,
              StringRef reduction, std::optional<int64_t> ignore,
              RankedTensorType resultType) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto tt = cast<RankedTensorType>(t.getType());
  Type f = xt.getElementType(), it = tt.getElementType();
  ArrayRef<int64_t> ts = tt.getShape();
  Value ok, safe = t;
  if (ignore) {
    Value eq = graph::EqualOp::create(b, loc, tensor(ts, b.getI1Type()), t,
                                      scalarConst(b, loc, it, (double)*ignore));
    ok = graph::NotOp::create(b, loc, eq.getType(), eq);
    safe =
        graph::WhereOp::create(b, loc, tt, ok, t, scalarConst(b, loc, it, 0));
  }
  SmallVector<int64_t> idxShape(ts.begin(), ts.end());
  idxShape.insert(idxShape.begin() + 1, 1);
  Value idx = graph::ReshapeOp::create(b, loc, tensor(idxShape, it), safe,
                                       b.getDenseI64ArrayAttr(idxShape));
  Value g = graph::GatherElementsOp::create(b, loc, tensor(idxShape, f), x, idx,
                                            b.getI64IntegerAttr(1));
  Value loss = graph::ReshapeOp::create(b, loc, tensor(ts, f), g,
                                        b.getDenseI64ArrayAttr(ts));
  loss = graph::NegOp::create(b, loc, loss.getType(), loss);
  Value weightOf; // the weight each sample counts with
  if (w) {
    weightOf = graph::GatherOp::create(b, loc, tensor(ts, f), w, safe,
                                       b.getI64IntegerAttr(0));
    loss = graph::MulOp::create(b, loc, loss.getType(), loss, weightOf);
  }
  if (ok) {
    Value okf =
        graph::CastOp::create(b, loc, tensor(ts, f), ok, TypeAttr::get(f));
    loss = graph::MulOp::create(b, loc, loss.getType(), loss, okf);
    weightOf = weightOf
                   ? graph::MulOp::create(b, loc, loss.getType(), weightOf, okf)
                         .getResult()
                   : okf;
  }
  if (reduction == "none")
    return loss;
  SmallVector<int64_t> all;
  for (int64_t i = 0; i < (int64_t)ts.size(); ++i)
    all.push_back(i);
  auto sumOf = [&](Value v) {
    return graph::ReduceSumOp::create(b, loc, resultType, v,
                                      b.getDenseI64ArrayAttr(all),
                                      b.getBoolAttr(false), nullptr)
        .getResult();
  };
  Value total = sumOf(loss);
  if (reduction == "sum")
    return total;
  Value count;
  if (weightOf) {
    count = sumOf(weightOf);
  } else {
    int64_t n = 1;
    for (int64_t d : ts)
      n *= d;
    count = scalarConst(b, loc, f, (double)n);
  }
  return graph::DivOp::create(b, loc, resultType, total, count);
}

/// W_d for one axis of a resize, or failure (reported) / std::nullopt when
/// the axis is the identity.
FailureOr<std::optional<tessera::Tensor>> resizeMatrix(graph::ResizeOp op,
                                                       int64_t d) {
  namespace golden = tessera::golden;
  int64_t rank = op.getInput().getType().getRank();
  int64_t n = op.getInput().getType().getDimSize(d), m = op.getSizes()[d];
  golden::ResizeOptions o;
  auto mode = golden::parseResizeMode(op.getMode());
  auto tr =
      golden::parseCoordinateTransform(op.getCoordinateTransformationMode());
  auto nm = golden::parseNearestMode(op.getNearestMode());
  if (!mode || !tr || !nm)
    return op.emitError("unknown resize mode"), failure();
  o.mode = *mode;
  o.transform = *tr;
  o.nearestMode = *nm;
  o.sizes = {m};
  o.scales = {op.getScales()[d]};
  if (!op.getRoi().empty())
    o.roi = {op.getRoi()[d], op.getRoi()[rank + d]};
  o.cubicCoeffA = op.getCubicCoeffA().convertToDouble();
  o.excludeOutside = op.getExcludeOutside();
  o.extrapolationValue = 0.0;
  tessera::Tensor w(tessera::DType::F32, {m, n});
  bool identity = m == n;
  for (int64_t j = 0; j < n; ++j) {
    tessera::Tensor e(tessera::DType::F32, {n});
    e.setF(j, 1.0f);
    llvm::Expected<tessera::Tensor> col = golden::resize(e, o);
    if (!col)
      return op.emitError("resize: ") << llvm::toString(col.takeError()),
             failure();
    for (int64_t i = 0; i < m; ++i) {
      float v = col->getF(i);
      w.setF(i * n + j, v);
      identity = identity && v == (i == j ? 1.0f : 0.0f);
    }
  }
  if (identity)
    return std::optional<tessera::Tensor>();
  return std::optional<tessera::Tensor>(std::move(w));
}

/// Resize of a float tensor as one constant matmul per resized axis.
LogicalResult decomposeResize(graph::ResizeOp op) {
  auto xt = op.getInput().getType();
  Type f = xt.getElementType();
  if (!isa<FloatType>(f))
    return success(); // left for graph-to-npu to report
  // tf_crop_and_resize puts `extrapolation` where a coordinate falls
  // outside the input; the matrices hold zero rows there (the weights of an
  // inside row sum to 1), so y = W(x) + extrapolation * (1 - W(1)), with
  // W(1) the product of the matrices' row sums, a constant.
  double extrapolation =
      op.getCoordinateTransformationMode() == "tf_crop_and_resize"
          ? op.getExtrapolationValue().convertToDouble()
          : 0.0;
  SmallVector<int64_t> maskShape(xt.getRank(), 1);
  tessera::Tensor inside(tessera::DType::F32, {1});
  inside.setF(0, 1.0f);
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value x = op.getInput();
  SmallVector<int64_t> shape(xt.getShape().begin(), xt.getShape().end());
  for (int64_t d = 0; d < xt.getRank(); ++d) {
    auto w = resizeMatrix(op, d);
    if (failed(w))
      return failure();
    if (!*w)
      continue;
    int64_t n = shape[d], m = op.getSizes()[d];
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < d; ++i)
      outer *= shape[i];
    for (int64_t i = d + 1; i < (int64_t)shape.size(); ++i)
      inner *= shape[i];
    if (extrapolation != 0.0) {
      // inside[..., i] *= sum_j W_d[i][j], growing the constant by axis d.
      maskShape[d] = m;
      int64_t before = inside.numElements();
      tessera::Tensor grown(tessera::DType::F32, {before * m});
      for (int64_t a = 0; a < before; ++a)
        for (int64_t i = 0; i < m; ++i) {
          float sum = 0;
          for (int64_t j = 0; j < n; ++j)
            sum += (*w)->getF(i * n + j);
          grown.setF(a * m + i, inside.getF(a) * sum);
        }
      inside = std::move(grown);
    }
    tessera::Tensor wt = (*w)->castTo(*graph::toDType(f));
    Value wc =
        graph::ConstantOp::create(
            b, loc,
            cast<ElementsAttr>(graph::tensorToElements(b.getContext(), wt)))
            .getResult();
    // y[o, :, i] = W @ x[o, :, i]
    Value x3 =
        graph::ReshapeOp::create(b, loc, tensor({outer, n, inner}, f), x,
                                 b.getDenseI64ArrayAttr({outer, n, inner}));
    Value y3 =
        graph::MatMulOp::create(b, loc, tensor({outer, m, inner}, f), wc, x3);
    shape[d] = m;
    x = graph::ReshapeOp::create(b, loc, tensor(shape, f), y3,
                                 b.getDenseI64ArrayAttr(shape));
  }
  if (extrapolation != 0.0) {
    tessera::Tensor fill(tessera::DType::F32,
                         tessera::Shape(maskShape.begin(), maskShape.end()));
    for (int64_t i = 0; i < fill.numElements(); ++i)
      fill.setF(i, (float)(extrapolation * (1.0 - inside.getF(i))));
    fill = fill.castTo(*graph::toDType(f));
    Value c = graph::ConstantOp::create(
        b, loc,
        cast<ElementsAttr>(graph::tensorToElements(b.getContext(), fill)));
    x = graph::AddOp::create(b, loc, op.getType(), x, c);
  }
  op.getResult().replaceAllUsesWith(x);
  op->erase();
  return success();
}

/// ConvTranspose as zero insertion, padding and a direct convolution.
LogicalResult decomposeConvTranspose(graph::ConvTransposeOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto xt = op.getInput().getType();
  auto wt = cast<RankedTensorType>(op.getWeight().getType());
  Type f = xt.getElementType();
  int64_t s = xt.getRank() - 2, g = op.getGroup();
  SmallVector<int64_t> x(xt.getShape().begin(), xt.getShape().end());
  SmallVector<int64_t> w(wt.getShape().begin(), wt.getShape().end());
  auto at = [](ArrayRef<int64_t> v, int64_t i, int64_t dflt) {
    return v.empty() ? dflt : v[i];
  };
  Value cur = op.getInput();
  // Zero insertion: [N, C, D...] -> [N, C, D1, 1, D2, 1, ...], pad the unit
  // dims to the stride, flatten, drop the trailing zeros.
  bool strided = false;
  for (int64_t i = 0; i < s; ++i)
    strided |= at(op.getStrides(), i, 1) > 1;
  if (strided) {
    SmallVector<int64_t> split = {x[0], x[1]}, pads(2 * (2 + 2 * s), 0);
    SmallVector<int64_t> padded = {x[0], x[1]}, flat = {x[0], x[1]};
    SmallVector<int64_t> starts(2 + s, 0), ends = {x[0], x[1]}, steps(2 + s, 1);
    for (int64_t i = 0; i < s; ++i) {
      int64_t st = at(op.getStrides(), i, 1), d = x[2 + i];
      split.append({d, 1});
      padded.append({d, st});
      pads[2 + 2 * s + 2 + 2 * i + 1] = st - 1; // end of the unit dim
      flat.push_back(d * st);
      ends.push_back((d - 1) * st + 1);
    }
    Value r = graph::ReshapeOp::create(b, loc, tensor(split, f), cur,
                                       b.getDenseI64ArrayAttr(split));
    Value pz = graph::PadOp::create(
        b, loc, tensor(padded, f), r, b.getDenseI64ArrayAttr(pads),
        b.getStringAttr("constant"), b.getF64FloatAttr(0.0));
    Value fl = graph::ReshapeOp::create(b, loc, tensor(flat, f), pz,
                                        b.getDenseI64ArrayAttr(flat));
    SmallVector<int64_t> z(ends.begin(), ends.end());
    cur = graph::SliceOp::create(
        b, loc, tensor(z, f), fl, b.getDenseI64ArrayAttr(starts),
        b.getDenseI64ArrayAttr(ends), b.getDenseI64ArrayAttr(steps));
    for (int64_t i = 0; i < s; ++i)
      x[2 + i] = z[2 + i];
  }
  // Pad by dilation * (K - 1) - pad (+ output_padding at the end).
  SmallVector<int64_t> pads(2 * (2 + s), 0), out = {x[0], x[1]};
  bool anyPad = false;
  for (int64_t i = 0; i < s; ++i) {
    int64_t k = w[2 + i], dl = at(op.getDilations(), i, 1);
    int64_t pb = dl * (k - 1) - at(op.getPads(), i, 0);
    int64_t pe = dl * (k - 1) - at(op.getPads(), s + i, 0) +
                 at(op.getOutputPadding(), i, 0);
    pads[2 + i] = pb;
    pads[2 + s + 2 + i] = pe;
    out.push_back(x[2 + i] + pb + pe);
    anyPad |= pb != 0 || pe != 0;
  }
  if (anyPad)
    cur = graph::PadOp::create(
        b, loc, tensor(out, f), cur, b.getDenseI64ArrayAttr(pads),
        b.getStringAttr("constant"), b.getF64FloatAttr(0.0));
  // W [C, M/g, K...] -> [g, C/g, M/g, K...] -> [g, M/g, C/g, K...] ->
  // [M, C/g, K...], then every spatial axis reversed.
  int64_t c = w[0], mg = w[1], cg = c / g;
  SmallVector<int64_t> w5 = {g, cg, mg}, w5t = {g, mg, cg}, w3 = {g * mg, cg};
  SmallVector<int64_t> perm = {0, 2, 1};
  for (int64_t i = 0; i < s; ++i) {
    w5.push_back(w[2 + i]);
    w5t.push_back(w[2 + i]);
    w3.push_back(w[2 + i]);
    perm.push_back(3 + i);
  }
  Value wv = graph::ReshapeOp::create(b, loc, tensor(w5, f), op.getWeight(),
                                      b.getDenseI64ArrayAttr(w5));
  wv = graph::TransposeOp::create(b, loc, tensor(w5t, f), wv,
                                  b.getDenseI64ArrayAttr(perm));
  wv = graph::ReshapeOp::create(b, loc, tensor(w3, f), wv,
                                b.getDenseI64ArrayAttr(w3));
  for (int64_t i = 0; i < s; ++i) {
    int64_t k = w[2 + i];
    if (k == 1)
      continue;
    auto it = tensor({k}, b.getI64Type());
    SmallVector<int64_t> rev;
    for (int64_t j = k - 1; j >= 0; --j)
      rev.push_back(j);
    Value idx =
        graph::ConstantOp::create(
            b, loc,
            cast<ElementsAttr>(DenseElementsAttr::get(it, ArrayRef(rev))))
            .getResult();
    wv = graph::GatherOp::create(b, loc, wv.getType(), wv, idx,
                                 b.getI64IntegerAttr(2 + i));
  }
  SmallVector<int64_t> ones(s, 1), zeros(2 * s, 0), dil;
  for (int64_t i = 0; i < s; ++i)
    dil.push_back(at(op.getDilations(), i, 1));
  Value y = graph::ConvOp::create(
      b, loc, op.getType(), cur, wv, op.getBias(), b.getDenseI64ArrayAttr(ones),
      b.getDenseI64ArrayAttr(zeros), b.getDenseI64ArrayAttr(dil),
      b.getI64IntegerAttr(g));
  op.getResult().replaceAllUsesWith(y);
  op->erase();
  return success();
}

/// OneHot as a compare against a constant iota and a select.
LogicalResult decomposeOneHot(graph::OneHotOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto it = cast<RankedTensorType>(op.getIndices().getType());
  auto ot = cast<RankedTensorType>(op.getType());
  Type i64 = b.getI64Type(), i1 = b.getI1Type();
  int64_t depth = op.getDepth(), rank = ot.getRank();
  int64_t axis =
      tessera::conversion::normalizedAxis((int64_t)op.getAxis(), rank);
  ArrayRef<int64_t> is = it.getShape();
  Value idx = op.getIndices();
  if (it.getElementType() != i64)
    idx =
        graph::CastOp::create(b, loc, tensor(is, i64), idx, TypeAttr::get(i64));
  Value neg = graph::LessOp::create(b, loc, tensor(is, i1), idx,
                                    scalarConst(b, loc, i64, 0));
  Value wrapped = graph::AddOp::create(b, loc, tensor(is, i64), idx,
                                       scalarConst(b, loc, i64, (double)depth));
  idx = graph::WhereOp::create(b, loc, tensor(is, i64), neg, wrapped, idx);
  SmallVector<int64_t> us(is.begin(), is.end());
  us.insert(us.begin() + axis, 1);
  idx = graph::ReshapeOp::create(b, loc, tensor(us, i64), idx,
                                 b.getDenseI64ArrayAttr(us));
  SmallVector<int64_t> ishape(rank, 1);
  ishape[axis] = depth;
  SmallVector<int64_t> iota;
  for (int64_t j = 0; j < depth; ++j)
    iota.push_back(j);
  Value io =
      graph::ConstantOp::create(b, loc,
                                cast<ElementsAttr>(DenseElementsAttr::get(
                                    tensor(ishape, i64), ArrayRef(iota))))
          .getResult();
  Value eq = graph::EqualOp::create(b, loc, tensor(ot.getShape(), i1), idx, io);
  Type vt = ot.getElementType();
  auto pick = [&](int64_t k) {
    return graph::SliceOp::create(b, loc, tensor({1}, vt), op.getValues(),
                                  b.getDenseI64ArrayAttr({k}),
                                  b.getDenseI64ArrayAttr({k + 1}),
                                  b.getDenseI64ArrayAttr({1}))
        .getResult();
  };
  Value y = graph::WhereOp::create(b, loc, ot, eq, pick(1), pick(0));
  op.getResult().replaceAllUsesWith(y);
  op->erase();
  return success();
}

struct GraphDecomposePass
    : public tessera::conversion::impl::GraphDecomposeBase<GraphDecomposePass> {
  using GraphDecomposeBase::GraphDecomposeBase;

  /// Reflect, edge and wrap padding: per padded axis, one Gather whose
  /// constant indices list the mirrored, repeated-edge or wrapped-around
  /// positions around 0..n-1.
  LogicalResult decomposePad(graph::PadOp pad) {
    auto xt = cast<RankedTensorType>(pad.getInput().getType());
    ArrayRef<int64_t> pads = pad.getPads();
    int64_t rank = xt.getRank();
    StringRef mode = pad.getMode();
    bool reflect = mode == "reflect";
    for (int64_t p : pads)
      if (p < 0)
        return success(); // cropping: left to the kernel's own error
    OpBuilder b(pad);
    Location loc = pad.getLoc();
    Value x = pad.getInput();
    SmallVector<int64_t> shape(xt.getShape().begin(), xt.getShape().end());
    for (int64_t axis = 0; axis < rank; ++axis) {
      int64_t before = pads[axis], after = pads[rank + axis], n = shape[axis];
      if (!before && !after)
        continue;
      if (n == 0 || (reflect && (before >= n || after >= n)))
        return pad.emitError()
               << mode << " padding of " << before << " and " << after
               << " on an axis of " << n << " needs "
               << (n == 0 ? "a non-empty axis"
                          : "at most " + std::to_string(n - 1) + " each");
      // Source position of padded position i (i in [-before, n + after)).
      auto source = [&](int64_t i) -> int64_t {
        if (i >= 0 && i < n)
          return i;
        if (mode == "wrap")
          return ((i % n) + n) % n;
        if (reflect)
          return i < 0 ? -i : 2 * (n - 1) - i;
        return i < 0 ? 0 : n - 1;
      };
      SmallVector<int64_t> idx;
      for (int64_t i = -before; i < n + after; ++i)
        idx.push_back(source(i));
      auto it = tensor({(int64_t)idx.size()}, b.getI64Type());
      Value indices = graph::ConstantOp::create(
          b, loc,
          cast<ElementsAttr>(DenseElementsAttr::get(it, ArrayRef(idx))));
      shape[axis] = (int64_t)idx.size();
      x = graph::GatherOp::create(b, loc, tensor(shape, xt.getElementType()), x,
                                  indices, b.getI64IntegerAttr(axis));
    }
    pad.getResult().replaceAllUsesWith(x);
    pad.erase();
    return success();
  }

  /// A slice with negative steps: the positive-step axes as a slice (the
  /// reversed axes kept whole), then per reversed axis one Gather whose
  /// constant indices count down from the start.
  void decomposeReversingSlice(graph::SliceOp s) {
    auto xt = cast<RankedTensorType>(s.getInput().getType());
    auto yt = cast<RankedTensorType>(s.getType());
    int64_t rank = xt.getRank();
    OpBuilder b(s);
    Location loc = s.getLoc();
    SmallVector<int64_t> starts, ends, steps, shape;
    bool identity = true;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t n = xt.getDimSize(d);
      if (s.getSteps()[d] < 0) {
        starts.push_back(0);
        ends.push_back(n);
        steps.push_back(1);
        shape.push_back(n);
        continue;
      }
      starts.push_back(s.getStarts()[d]);
      ends.push_back(s.getEnds()[d]);
      steps.push_back(s.getSteps()[d]);
      shape.push_back(yt.getDimSize(d));
      identity &= shape.back() == n && steps.back() == 1;
    }
    Value x = s.getInput();
    if (!identity)
      x = graph::SliceOp::create(b, loc, tensor(shape, xt.getElementType()), x,
                                 b.getDenseI64ArrayAttr(starts),
                                 b.getDenseI64ArrayAttr(ends),
                                 b.getDenseI64ArrayAttr(steps));
    for (int64_t d = 0; d < rank; ++d) {
      int64_t step = s.getSteps()[d];
      if (step > 0)
        continue;
      // Bounds are normalized (the type inference checks it): a non-empty
      // reversed axis starts within [0, n - 1] and stays above its end.
      SmallVector<int64_t> idx;
      for (int64_t k = 0; k < yt.getDimSize(d); ++k)
        idx.push_back(s.getStarts()[d] + k * step);
      auto it = tensor({(int64_t)idx.size()}, b.getI64Type());
      Value indices = graph::ConstantOp::create(
          b, loc,
          cast<ElementsAttr>(DenseElementsAttr::get(it, ArrayRef(idx))));
      shape[d] = (int64_t)idx.size();
      x = graph::GatherOp::create(b, loc, tensor(shape, xt.getElementType()), x,
                                  indices, b.getI64IntegerAttr(d));
    }
    s.getResult().replaceAllUsesWith(x);
    s.erase();
  }

  void runOnOperation() override {
    if (failed(tessera::conversion::decomposeIndexedOps(getOperation())))
      return signalPassFailure();
    tessera::conversion::splitLongReductions(getOperation());
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<graph::NLLLossOp, graph::SoftmaxCrossEntropyLossOp,
              graph::ResizeOp, graph::ConvTransposeOp, graph::OneHotOp,
              graph::LRNOp>(op))
        ops.push_back(op);
      if (auto pad = dyn_cast<graph::PadOp>(op);
          pad && (pad.getMode() != "constant"))
        ops.push_back(op);
      if (auto sl = dyn_cast<graph::SliceOp>(op);
          sl && llvm::any_of(sl.getSteps(), [](int64_t v) { return v < 0; }) &&
          cast<RankedTensorType>(sl.getType()).getNumElements() > 0)
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto lrn = dyn_cast<graph::LRNOp>(op)) {
        if (failed(tessera::conversion::decomposeLRN(lrn)))
          return signalPassFailure();
        continue;
      }
      if (auto sl = dyn_cast<graph::SliceOp>(op)) {
        decomposeReversingSlice(sl);
        continue;
      }
      if (auto pad = dyn_cast<graph::PadOp>(op)) {
        if (failed(decomposePad(pad)))
          return signalPassFailure();
        continue;
      }
      if (auto oh = dyn_cast<graph::OneHotOp>(op)) {
        if (failed(decomposeOneHot(oh)))
          return signalPassFailure();
        continue;
      }
      if (auto ct = dyn_cast<graph::ConvTransposeOp>(op)) {
        if (failed(decomposeConvTranspose(ct)))
          return signalPassFailure();
        continue;
      }
      if (auto r = dyn_cast<graph::ResizeOp>(op)) {
        if (failed(decomposeResize(r)))
          return signalPassFailure();
        continue;
      }
      OpBuilder b(op);
      Location loc = op->getLoc();
      if (auto n = dyn_cast<graph::NLLLossOp>(op)) {
        if (n.getReduction() != "none" && n.getReduction() != "sum" &&
            n.getReduction() != "mean") {
          op->emitError("unknown reduction '") << n.getReduction() << "'";
          return signalPassFailure();
        }
        Value r = nllLoss(b, loc, n.getInput(), n.getTarget(), n.getWeight(),
                          n.getReduction(), n.getIgnoreIndex(),
                          cast<RankedTensorType>(n.getType()));
        n.getResult().replaceAllUsesWith(r);
      } else {
        auto s = cast<graph::SoftmaxCrossEntropyLossOp>(op);
        if (s.getReduction() != "none" && s.getReduction() != "sum" &&
            s.getReduction() != "mean") {
          op->emitError("unknown reduction '") << s.getReduction() << "'";
          return signalPassFailure();
        }
        Value lp =
            graph::LogSoftmaxOp::create(b, loc, s.getScores().getType(),
                                        s.getScores(), b.getI64IntegerAttr(1));
        Value r = nllLoss(b, loc, lp, s.getLabels(), s.getWeights(),
                          s.getReduction(), s.getIgnoreIndex(),
                          cast<RankedTensorType>(s.getOutput().getType()));
        s.getOutput().replaceAllUsesWith(r);
        s.getLogProb().replaceAllUsesWith(lp);
      }
      op->erase();
    }
  }
};

} // namespace
