//===- DecomposeLLM.cpp - Fused LLM ops as primitive graph ops ------------===//
//
// The NPU path of fused LLM ops that have no kernel of their own yet: each is
// rewritten, before graph-to-npu, into graph ops that have one (the same
// formulas as its golden evaluation, lib/Golden/LLM.cpp):
//
//   rope(x, cos, sin) over the first R dims of each head:
//     rotate_half:   rot = concat(-x[R/2:], x[:R/2])
//     interleaved:   pairs (2j, 2j+1) as [.., R/2, 2]: rot = [-x_odd, x_even]
//     deinterleaved: P(x) = concat(x_even, x_odd), then rotate_half of P(x)
//     out = concat(P(x) * cos + rot * sin, x[R:])
//   swiglu(g, up) = g * sigmoid(g) * up (one operand: g, up = its halves)
//   attention(q, k, v, mask?, causal, scale) with Hq = g * Hkv:
//     q as [B, Hkv, g * Sq, D] (a group's query heads share their K/V head;
//     nothing is repeated), s = (q k^T) * scale as [B, Hq, Sq, Skv], + mask,
//     + a constant causal mask (-inf where j > i + Skv - Sq), softmax over
//     keys, then p v and back to [B, Hq, Sq, Dv].
//
// An op whose kernel lands is taken out of `decomposedForNpu` below, and
// graph-to-npu then lowers it itself.
//
//===----------------------------------------------------------------------===//
#include "DispatchKernels.h"

#include "Graph/IR/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <limits>

using namespace mlir;
namespace graph = tessera::graph;

namespace tessera::conversion {

namespace {

class Rewriter {
public:
  Rewriter(Operation *op) : b(op), loc(op->getLoc()), ctx(op->getContext()) {}

  template <typename OpT>
  Value make(ValueRange operands, ArrayRef<NamedAttribute> attrs = {}) {
    if (!ok || llvm::any_of(operands, [](Value v) { return !v; }))
      return nullptr;
    OperationState state(loc, OpT::getOperationName());
    state.addOperands(operands);
    DictionaryAttr dict = b.getDictionaryAttr(attrs);
    using Props = typename OpT::Properties;
    if constexpr (!std::is_same_v<Props, EmptyProperties>) {
      Props &props = state.getOrAddProperties<Props>();
      if (failed(OpT::setPropertiesFromAttr(props, dict,
                                            [&] { return emitError(loc); })))
        return fail();
      OpT::populateDefaultProperties(state.name, props);
    } else {
      state.addAttributes(attrs);
    }
    SmallVector<Type> types;
    if (failed(OpT::inferReturnTypes(ctx, loc, state.operands, dict,
                                     state.getRawProperties(), state.regions,
                                     types)))
      return fail();
    state.addTypes(types);
    return b.create(state)->getResult(0);
  }
  Value fail() {
    ok = false;
    return nullptr;
  }
  NamedAttribute i64(StringRef name, int64_t v) {
    return b.getNamedAttr(name, b.getI64IntegerAttr(v));
  }
  Value constant(const Tensor &t) {
    return graph::ConstantOp::create(b, loc, graph::tensorToElements(ctx, t));
  }
  Value scalar(Type elem, float v) {
    auto t = RankedTensorType::get({}, elem);
    return graph::ConstantOp::create(
        b, loc, cast<ElementsAttr>(DenseElementsAttr::get(t, v)));
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    return make<graph::ReshapeOp>(
        x, {b.getNamedAttr("shape", b.getDenseI64ArrayAttr(shape))});
  }
  Value transpose(Value x, ArrayRef<int64_t> perm) {
    return make<graph::TransposeOp>(
        x, {b.getNamedAttr("perm", b.getDenseI64ArrayAttr(perm))});
  }
  Value slice(Value x, int64_t axis, int64_t begin, int64_t end) {
    if (!x)
      return nullptr;
    Shape shape = graph::shapeOf(x.getType());
    SmallVector<int64_t> starts(shape.size(), 0),
        ends(shape.begin(), shape.end()), steps(shape.size(), 1);
    starts[axis] = begin;
    ends[axis] = end;
    return make<graph::SliceOp>(
        x, {b.getNamedAttr("starts", b.getDenseI64ArrayAttr(starts)),
            b.getNamedAttr("ends", b.getDenseI64ArrayAttr(ends)),
            b.getNamedAttr("steps", b.getDenseI64ArrayAttr(steps))});
  }
  Value concat(ValueRange xs, int64_t axis) {
    return make<graph::ConcatOp>(xs, {i64("axis", axis)});
  }

  OpBuilder b;
  Location loc;
  MLIRContext *ctx;
  bool ok = true;
};

Value decomposeRope(graph::RopeOp op) {
  Rewriter r(op);
  Value x = op.getInput(), cos = op.getCos(), sin = op.getSin();
  Shape xs = graph::shapeOf(x.getType()), cs = graph::shapeOf(cos.getType());
  int64_t rank = (int64_t)xs.size(), last = rank - 1;
  int64_t rot = cs.back(), half = rot / 2, d = xs.back();
  if (cs.size() == 3) { // [batch, seq, R] -> [batch, 1, seq, R]
    cos = r.reshape(cos, {cs[0], 1, cs[1], cs[2]});
    sin = r.reshape(sin, {cs[0], 1, cs[1], cs[2]});
  }
  Value part = rot == d ? x : r.slice(x, last, 0, rot);
  Shape ps = xs;
  ps[last] = rot;
  Shape pairs = ps;
  pairs[last] = half;
  pairs.push_back(2);
  Shape halves = ps;
  halves[last] = half;
  auto evenOdd = [&](Value v, Value &even, Value &odd) {
    Value p = r.reshape(v, pairs);
    even = r.reshape(r.slice(p, rank, 0, 1), halves);
    odd = r.reshape(r.slice(p, rank, 1, 2), halves);
  };
  StringRef style = op.getStyle();
  Value rotated;
  if (style == "interleaved") {
    Value p = r.reshape(part, pairs);
    Value e = r.slice(p, rank, 0, 1), o = r.slice(p, rank, 1, 2);
    rotated = r.reshape(r.concat({r.make<graph::NegOp>(o), e}, rank), ps);
  } else {
    if (style == "deinterleaved") {
      Value e, o;
      evenOdd(part, e, o);
      part = r.concat({e, o}, last);
    } else if (style != "rotate_half") {
      op.emitError("unknown rope style '") << style << "'";
      return nullptr;
    }
    rotated = r.concat({r.make<graph::NegOp>(r.slice(part, last, half, rot)),
                        r.slice(part, last, 0, half)},
                       last);
  }
  Value out = r.make<graph::AddOp>(
      ValueRange{r.make<graph::MulOp>(ValueRange{part, cos}),
                 r.make<graph::MulOp>(ValueRange{rotated, sin})});
  if (rot != d)
    out = r.concat({out, r.slice(x, last, rot, d)}, last);
  return r.ok ? out : nullptr;
}

Value decomposeSwiGLU(graph::SwiGLUOp op) {
  Rewriter r(op);
  Value g = op.getInput(), up = op.getUp();
  if (!up) {
    Shape s = graph::shapeOf(g.getType());
    int64_t axis = (int64_t)op.getAxis();
    if (axis < 0)
      axis += (int64_t)s.size();
    int64_t half = s[axis] / 2;
    up = r.slice(g, axis, half, 2 * half);
    g = r.slice(g, axis, 0, half);
  }
  Value silu = r.make<graph::MulOp>(ValueRange{g, r.make<graph::SigmoidOp>(g)});
  Value out = r.make<graph::MulOp>(ValueRange{silu, up});
  return r.ok ? out : nullptr;
}

Value decomposeAttention(graph::AttentionOp op) {
  Rewriter r(op);
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
  Shape qs = graph::shapeOf(q.getType()), ks = graph::shapeOf(k.getType()),
        vs = graph::shapeOf(v.getType());
  int64_t B = qs[0], hq = qs[1], sq = qs[2], dqk = qs[3];
  int64_t hkv = ks[1], skv = ks[2], dv = vs[3], g = hq / hkv;
  Type elem = cast<RankedTensorType>(q.getType()).getElementType();
  Value qg = r.reshape(q, {B, hkv, g * sq, dqk});
  Value s = r.make<graph::MatMulOp>(
      ValueRange{qg, r.transpose(k, {0, 1, 3, 2})}); // [B, Hkv, g*Sq, Skv]
  s = r.make<graph::MulOp>(ValueRange{s, r.scalar(elem, op.getScaleValue())});
  s = r.reshape(s, {B, hq, sq, skv});
  if (Value mask = op.getMask())
    s = r.make<graph::AddOp>(ValueRange{s, mask});
  if (op.getCausal()) {
    Tensor m(DType::F32, {sq, skv});
    for (int64_t i = 0; i < sq; ++i)
      for (int64_t j = 0; j < skv; ++j)
        m.setF(i * skv + j, j <= i + skv - sq
                                ? 0.0f
                                : -std::numeric_limits<float>::infinity());
    Value c = r.constant(m);
    if (elem != r.b.getF32Type())
      c = r.make<graph::CastOp>(c,
                                {r.b.getNamedAttr("to", TypeAttr::get(elem))});
    s = r.make<graph::AddOp>(ValueRange{s, c});
  }
  Value p = r.make<graph::SoftmaxOp>(s, {r.i64("axis", 3)});
  Value o = r.make<graph::MatMulOp>(
      ValueRange{r.reshape(p, {B, hkv, g * sq, skv}), v});
  o = r.reshape(o, {B, hq, sq, dv});
  return r.ok ? o : nullptr;
}

} // namespace

/// The fused ops that have no NPU kernel yet.
static bool decomposedForNpu(Operation *op) {
  return isa<graph::RopeOp, graph::SwiGLUOp, graph::AttentionOp>(op);
}

LogicalResult decomposeLLMOps(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (decomposedForNpu(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    Value out;
    if (auto rope = dyn_cast<graph::RopeOp>(op))
      out = decomposeRope(rope);
    else if (auto sw = dyn_cast<graph::SwiGLUOp>(op))
      out = decomposeSwiGLU(sw);
    else
      out = decomposeAttention(cast<graph::AttentionOp>(op));
    if (!out)
      return op->emitError("cannot decompose '")
             << op->getName() << "' into primitive ops for the NPU";
    op->getResult(0).replaceAllUsesWith(out);
    op->erase();
  }
  return success();
}

} // namespace tessera::conversion
