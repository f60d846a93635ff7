//===- FuseRope.cpp - Rotary position embedding as graph.rope -------------===//
//
// `x * cos + rotate(x) * sin` over the last dimension of x [B, H, S, D]
// becomes graph.rope, with `rotate` as exporters write it:
//
//   rotate_half (HF LLaMA/Qwen):  Concat(Neg(x[..., D/2:]), x[..., :D/2])
//     the halves by Slice or Split;
//   rotate_every_two (GPT-J):     Reshape(Concat(Unsqueeze(Neg(x[..., 1::2])),
//                                                Unsqueeze(x[..., ::2])))
//     giving style `interleaved`.
//
// cos and sin must broadcast over heads only (and batch), so they are
// [S, D] or [B, S, D] tables for the fused op. A rotate_half rope of a
// de-interleaved input, Reshape([.., D/2, 2]) -> Transpose(last two) ->
// Reshape([.., D]) as HF's DeepSeek code writes, becomes style
// `deinterleaved` of the original input.
//
// Near misses stay unfused: halves swapped or of another value, the rotate
// without its Neg, tables that vary per head, an intermediate with another
// user.
//
//===----------------------------------------------------------------------===//
#include "Graph/Transforms/FusionMatchers.h"
#include "Graph/Transforms/FusionPatterns.h"

using namespace mlir;

namespace tessera::graph {
namespace {

/// If `v` is x[..., begin:end:step] along the last axis (every other axis
/// whole), returns x.
std::optional<Value> matchLastAxisSlice(Value v, int64_t begin, int64_t end,
                                        int64_t step) {
  if (auto slice = v.getDefiningOp<SliceOp>()) {
    ArrayRef<int64_t> shape = shapeOfValue(slice.getInput());
    size_t last = shape.size() - 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t b = i == last ? begin : 0, e = i == last ? end : shape[i],
              s = i == last ? step : 1;
      if (slice.getStarts()[i] != b || slice.getEnds()[i] != e ||
          slice.getSteps()[i] != s)
        return std::nullopt;
    }
    return slice.getInput();
  }
  if (auto split = v.getDefiningOp<SplitOp>()) {
    ArrayRef<int64_t> shape = shapeOfValue(split.getInput());
    if (step != 1 || split.getNumResults() != 2 ||
        normalizeAxis(split.getAxis(), shape.size()) !=
            (int64_t)shape.size() - 1)
      return std::nullopt;
    int64_t at = split.getSizes()[0];
    unsigned index = cast<OpResult>(v).getResultNumber();
    if ((index == 0 && begin == 0 && end == at) ||
        (index == 1 && begin == at && end == shape.back()))
      return split.getInput();
  }
  return std::nullopt;
}

/// True if concat `c` joins its two inputs along its last axis.
bool joinsLastAxis(ConcatOp c) {
  int64_t rank = shapeOfValue(c.getResult()).size();
  return c.getInputs().size() == 2 &&
         normalizeAxis(c.getAxis(), rank) == rank - 1;
}

/// x if `rot` = Concat(Neg(x[..., D/2:]), x[..., :D/2]).
std::optional<Value> matchRotateHalf(Value rot) {
  auto concat = rot.getDefiningOp<ConcatOp>();
  if (!concat || !joinsLastAxis(concat))
    return std::nullopt;
  auto neg = concat.getInputs()[0].getDefiningOp<NegOp>();
  Value low = concat.getInputs()[1];
  if (!neg || !hasSingleUse(neg.getResult()) || !hasSingleUse(neg.getInput()) ||
      !hasSingleUse(low))
    return std::nullopt;
  int64_t d = shapeOfValue(rot).back();
  if (d % 2)
    return std::nullopt;
  std::optional<Value> x1 = matchLastAxisSlice(low, 0, d / 2, 1);
  std::optional<Value> x2 = matchLastAxisSlice(neg.getInput(), d / 2, d, 1);
  if (!x1 || !x2 || *x1 != *x2 || shapeOfValue(*x1).back() != d)
    return std::nullopt;
  return *x1;
}

/// `v` without a trailing unit dimension added by Reshape (Unsqueeze).
std::optional<Value> stripUnsqueezeLast(Value v) {
  auto reshape = v.getDefiningOp<ReshapeOp>();
  if (!reshape || !hasSingleUse(v))
    return std::nullopt;
  ArrayRef<int64_t> in = shapeOfValue(reshape.getInput());
  ArrayRef<int64_t> out = shapeOfValue(v);
  if (out.size() != in.size() + 1 || out.back() != 1 || out.drop_back() != in)
    return std::nullopt;
  return reshape.getInput();
}

/// `v` without a single-use Neg; std::nullopt if it has none.
std::optional<Value> stripNeg(Value v) {
  auto neg = v.getDefiningOp<NegOp>();
  if (!neg || !hasSingleUse(v))
    return std::nullopt;
  return neg.getInput();
}

/// x if `rot` = Reshape(Concat(Unsqueeze(Neg(x[..., 1::2])),
/// Unsqueeze(x[..., ::2]))) (the Neg may come before or after Unsqueeze).
std::optional<Value> matchRotateEveryTwo(Value rot) {
  auto flatten = rot.getDefiningOp<ReshapeOp>();
  if (!flatten)
    return std::nullopt;
  auto concat = flatten.getInput().getDefiningOp<ConcatOp>();
  if (!concat || !hasSingleUse(concat.getResult()) || !joinsLastAxis(concat))
    return std::nullopt;
  ArrayRef<int64_t> pairs = shapeOfValue(concat.getResult());
  ArrayRef<int64_t> out = shapeOfValue(rot);
  if (pairs.back() != 2 || out.size() + 1 != pairs.size() ||
      out.drop_back() != pairs.drop_back(2) ||
      out.back() != 2 * pairs[pairs.size() - 2])
    return std::nullopt;
  int64_t d = out.back();

  Value negPart = concat.getInputs()[0], evenPart = concat.getInputs()[1];
  std::optional<Value> odd;
  if (std::optional<Value> inner = stripNeg(negPart))
    odd = stripUnsqueezeLast(*inner);
  else if (std::optional<Value> inner = stripUnsqueezeLast(negPart))
    odd = stripNeg(*inner);
  std::optional<Value> even = stripUnsqueezeLast(evenPart);
  if (!odd || !even || !hasSingleUse(*odd) || !hasSingleUse(*even))
    return std::nullopt;
  std::optional<Value> x2 = matchLastAxisSlice(*odd, 1, d, 2);
  std::optional<Value> x1 = matchLastAxisSlice(*even, 0, d, 2);
  if (!x1 || !x2 || *x1 != *x2 || shapeOfValue(*x1) != out)
    return std::nullopt;
  return *x1;
}

/// The [S, D] or [B, S, D] table for a rope of x [B, H, S, D] from a cos or
/// sin operand that broadcasts against x over heads (and batch) only.
std::optional<SmallVector<int64_t>> ropeTableShape(ArrayRef<int64_t> x,
                                                   ArrayRef<int64_t> table) {
  if (table.size() > 4 || table.size() < 2)
    return std::nullopt;
  SmallVector<int64_t> t(4 - table.size(), 1);
  t.append(table.begin(), table.end());
  if (t[3] != x[3] || t[2] != x[2] || t[1] != 1 || (t[0] != 1 && t[0] != x[0]))
    return std::nullopt;
  if (t[0] == 1)
    return SmallVector<int64_t>{x[2], x[3]};
  return SmallVector<int64_t>{x[0], x[2], x[3]};
}

struct FuseRope : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [cosTerm, sinTerm] : {std::pair(op.getLhs(), op.getRhs()),
                                    std::pair(op.getRhs(), op.getLhs())}) {
      auto sinMul = sinTerm.getDefiningOp<MulOp>();
      auto cosMul = cosTerm.getDefiningOp<MulOp>();
      if (!sinMul || !cosMul || !hasSingleUse(sinTerm) ||
          !hasSingleUse(cosTerm))
        continue;
      for (auto [rot, sin] : {std::pair(sinMul.getLhs(), sinMul.getRhs()),
                              std::pair(sinMul.getRhs(), sinMul.getLhs())}) {
        if (!hasSingleUse(rot))
          continue;
        StringRef style = "rotate_half";
        std::optional<Value> x = matchRotateHalf(rot);
        if (!x) {
          style = "interleaved";
          x = matchRotateEveryTwo(rot);
        }
        if (!x)
          continue;
        Value cos;
        if (cosMul.getLhs() == *x)
          cos = cosMul.getRhs();
        else if (cosMul.getRhs() == *x)
          cos = cosMul.getLhs();
        else
          continue;
        if (LogicalResult r = rewrite(op, *x, cos, sin, style, rewriter);
            succeeded(r))
          return r;
      }
    }
    return rewriter.notifyMatchFailure(op, "not x * cos + rotate(x) * sin");
  }

  LogicalResult rewrite(AddOp op, Value x, Value cos, Value sin,
                        StringRef style, PatternRewriter &rewriter) const {
    auto type = cast<RankedTensorType>(x.getType());
    if (type.getRank() != 4 || op.getType() != type ||
        cos.getType() != sin.getType() ||
        elementOf(cos.getType()) != type.getElementType())
      return failure();
    std::optional<SmallVector<int64_t>> table =
        ropeTableShape(type.getShape(), shapeOfValue(cos));
    if (!table)
      return failure();
    Location loc = op.getLoc();
    Value c = reshapeTo(rewriter, loc, cos, *table);
    Value s = reshapeTo(rewriter, loc, sin, *table);
    rewriter.replaceOpWithNewOp<RopeOp>(op, x, c, s,
                                        rewriter.getStringAttr(style));
    return success();
  }
};

/// rope(deinterleave(x), rotate_half) -> rope(x, deinterleaved), where
/// deinterleave(x) = Reshape(Transpose(Reshape(x, [.., D/2, 2]), swap the
/// last two), [.., D]) puts the even dimensions first, then the odd ones.
struct FoldDeinterleave : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RopeOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getStyle() != "rotate_half")
      return failure();
    auto merge = op.getInput().getDefiningOp<ReshapeOp>();
    if (!merge || !hasSingleUse(merge.getResult()))
      return failure();
    auto swap = merge.getInput().getDefiningOp<TransposeOp>();
    if (!swap || !hasSingleUse(swap.getResult()))
      return failure();
    auto pairs = swap.getInput().getDefiningOp<ReshapeOp>();
    if (!pairs || !hasSingleUse(pairs.getResult()))
      return failure();
    Value x = pairs.getInput();
    ArrayRef<int64_t> shape = shapeOfValue(x);
    ArrayRef<int64_t> split = shapeOfValue(pairs.getResult());
    if (shapeOfValue(merge.getResult()) != shape || shape.size() != 4 ||
        split.size() != 5 || split.take_front(3) != shape.take_front(3) ||
        split[4] != 2 || split[3] * 2 != shape[3])
      return failure();
    ArrayRef<int64_t> perm = swap.getPerm();
    if (perm != ArrayRef<int64_t>{0, 1, 2, 4, 3})
      return failure();
    rewriter.replaceOpWithNewOp<RopeOp>(
        op, x, op.getCos(), op.getSin(),
        rewriter.getStringAttr("deinterleaved"));
    return success();
  }
};

} // namespace

void populateFuseRopePatterns(RewritePatternSet &patterns) {
  patterns.add<FuseRope, FoldDeinterleave>(patterns.getContext());
}

} // namespace tessera::graph
