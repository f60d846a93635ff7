//===- FuseAttention.cpp - Scaled dot-product attention as graph.attention ===//
//
// HF's eager attention, `softmax(q @ k.transpose(2, 3) * scale + mask) @ v`
// with q [B, Hq, Sq, D], exports as
//
//   Transpose(k) -> MatMul(q, .) -> Div(., sqrt(D)) | Mul(., scale)
//   -> Add(., mask) | Where(cond, ., fill) -> Softmax(-1) -> MatMul(., v)
//
// and becomes graph.attention(q, k, v). The mask decides `causal`: a
// constant that is 0 where key j <= i + Skv - Sq and at most -1e9 (HF's
// finfo.min, -inf) elsewhere, or a Where whose constant condition keeps
// exactly those keys and fills the rest with such a value, is the causal
// mask; any other added mask stays an operand (same formula). A Where with
// any other condition, a softmax over another axis, a non-positive scale or
// an intermediate with another user stay unfused.
//
// Grouped-query attention repeats each key/value head (HF's repeat_kv:
// Reshape [B, Hkv, 1, S, D] -> Expand [B, Hkv, n, S, D] -> Reshape
// [B, Hkv*n, S, D]); the fused op reads the unrepeated heads. MLA's
// query and key are the concatenations of their nope and rope parts and
// need nothing special: the fused op allows Dqk != Dv. When the scores are
// written per part, `q_nope k_nope^T + q_pe k_pe^T` (DeepSeek's reference
// code, the rope key shared by all heads), the parts are concatenated into
// the fused op's query and key.
//
//===----------------------------------------------------------------------===//
#include "Graph/Transforms/FusionMatchers.h"
#include "Graph/Transforms/FusionPatterns.h"

#include "tessera/Golden/LLMKernels.h"

#include <cmath>

using namespace mlir;

namespace tessera::graph {
namespace {

/// A masked score is at most this: exp(score + mask - max) is then 0 in f32
/// for any score a model produces, as with -inf.
constexpr double kMaskedAtMost = -1e9;

/// If `v` = repeat_kv(x) (see the file comment), x and the repeat count.
std::optional<std::pair<Value, int64_t>> matchRepeatKV(Value v) {
  auto merge = v.getDefiningOp<ReshapeOp>();
  if (!merge)
    return std::nullopt;
  auto expand = merge.getInput().getDefiningOp<ExpandOp>();
  if (!expand || !hasSingleUse(expand.getResult()))
    return std::nullopt;
  auto unsqueeze = expand.getInput().getDefiningOp<ReshapeOp>();
  if (!unsqueeze || !hasSingleUse(unsqueeze.getResult()))
    return std::nullopt;
  Value x = unsqueeze.getInput();
  ArrayRef<int64_t> xs = shapeOfValue(x), us = shapeOfValue(unsqueeze),
                    es = shapeOfValue(expand), ms = shapeOfValue(v);
  if (xs.size() != 4 || us.size() != 5 || es.size() != 5 || ms.size() != 4)
    return std::nullopt;
  if (us != ArrayRef<int64_t>{xs[0], xs[1], 1, xs[2], xs[3]})
    return std::nullopt;
  int64_t n = es[2];
  if (es != ArrayRef<int64_t>{xs[0], xs[1], n, xs[2], xs[3]} ||
      ms != ArrayRef<int64_t>{xs[0], xs[1] * n, xs[2], xs[3]})
    return std::nullopt;
  return std::make_pair(x, n);
}

/// The [B, H, S, D] tensor whose last two axes `kT` holds swapped, taking
/// the Transpose that produced `kT` into account (no new op when the
/// permutations cancel).
Value untransposeKey(Value kT, PatternRewriter &rewriter, Location loc,
                     bool create, bool &ok) {
  SmallVector<int64_t> perm{0, 1, 3, 2};
  Value source = kT;
  if (auto t = kT.getDefiningOp<TransposeOp>(); t && hasSingleUse(kT)) {
    // key = transpose(kT, [0,1,3,2]) = transpose(src, p o [0,1,3,2]).
    ArrayRef<int64_t> p = t.getPerm();
    perm = {p[0], p[1], p[3], p[2]};
    source = t.getInput();
  }
  ok = true;
  if (llvm::equal(perm, llvm::seq<int64_t>(0, 4)))
    return source;
  if (!create)
    return Value();
  return TransposeOp::create(rewriter, loc, source,
                             rewriter.getDenseI64ArrayAttr(perm));
}

/// True if `mask` [.., Sq, Skv] (leading dims 1) is, elementwise, `visible`
/// where key j <= i + Skv - Sq and `masked` elsewhere, as decided by the
/// predicates.
template <typename Visible, typename Masked>
bool isCausalLayout(const Tensor &mask, int64_t sq, int64_t skv,
                    Visible visible, Masked masked) {
  const Shape &s = mask.shape();
  // Causal attention needs every query to see a key.
  if (sq > skv || s.size() < 2 || s[s.size() - 2] != sq || s.back() != skv)
    return false;
  for (size_t i = 0; i + 2 < s.size(); ++i)
    if (s[i] != 1)
      return false;
  for (int64_t i = 0; i < sq; ++i)
    for (int64_t j = 0; j < skv; ++j) {
      int64_t at = i * skv + j;
      if (j <= i + skv - sq ? !visible(at) : !masked(at))
        return false;
    }
  return true;
}

bool isCausalAdditiveMask(const Tensor &mask, int64_t sq, int64_t skv) {
  if (!mask.isFloat())
    return false;
  return isCausalLayout(
      mask, sq, skv, [&](int64_t at) { return mask.getF(at) == 0.0f; },
      [&](int64_t at) { return mask.getF(at) <= kMaskedAtMost; });
}

/// How the scores are masked before the softmax.
struct MaskMatch {
  Value scaled; ///< the scaled scores
  bool causal = false;
  Value additive; ///< a mask operand for the fused op, if any
};

std::optional<MaskMatch> matchMask(Value masked, int64_t sq, int64_t skv) {
  auto scoresType = cast<RankedTensorType>(masked.getType());
  if (auto add = masked.getDefiningOp<AddOp>()) {
    for (auto [scaled, mask] : {std::pair(add.getLhs(), add.getRhs()),
                                std::pair(add.getRhs(), add.getLhs())}) {
      if (scaled.getType() != scoresType || !hasSingleUse(scaled) ||
          !isa_and_nonnull<MatMulOp, DivOp, MulOp, AddOp>(
              scaled.getDefiningOp()))
        continue;
      FailureOr<Tensor> value = evaluateConstantExpr(mask);
      if (succeeded(value) && isCausalAdditiveMask(*value, sq, skv))
        return MaskMatch{scaled, true, Value()};
      // Any other mask keeps its values: it must broadcast to the scores.
      ArrayRef<int64_t> m = shapeOfValue(mask), s = scoresType.getShape();
      if (m.size() > 4 ||
          elementOf(mask.getType()) != scoresType.getElementType())
        continue;
      bool broadcasts = true;
      for (size_t i = 0; i < m.size(); ++i)
        broadcasts &= m[m.size() - 1 - i] == 1 ||
                      m[m.size() - 1 - i] == s[s.size() - 1 - i];
      if (broadcasts)
        return MaskMatch{scaled, false, mask};
    }
    return std::nullopt;
  }
  if (auto where = masked.getDefiningOp<WhereOp>()) {
    FailureOr<Tensor> cond = evaluateConstantExpr(where.getCondition());
    if (failed(cond))
      return std::nullopt;
    // where(keep, scores, fill) or where(drop, fill, scores).
    for (bool keepForm : {true, false}) {
      Value scaled = keepForm ? where.getX() : where.getY();
      Value fill = keepForm ? where.getY() : where.getX();
      std::optional<double> f = getScalarConstant(fill);
      if (!f || *f > kMaskedAtMost || scaled.getType() != scoresType ||
          !hasSingleUse(scaled))
        continue;
      auto isSet = [&](int64_t at) { return cond->ints()[at] != 0; };
      auto isClear = [&](int64_t at) { return cond->ints()[at] == 0; };
      bool causal = keepForm ? isCausalLayout(*cond, sq, skv, isSet, isClear)
                             : isCausalLayout(*cond, sq, skv, isClear, isSet);
      if (causal)
        return MaskMatch{scaled, true, Value()};
    }
    return std::nullopt;
  }
  return MaskMatch{masked, false, Value()};
}

struct FuseAttention : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp op,
                                PatternRewriter &rewriter) const override {
    auto softmax = op.getLhs().getDefiningOp<SoftmaxOp>();
    if (!softmax || !hasSingleUse(softmax.getResult()))
      return failure();
    auto probsType = cast<RankedTensorType>(softmax.getType());
    if (probsType.getRank() != 4 || normalizeAxis(softmax.getAxis(), 4) != 3 ||
        !hasSingleUse(softmax.getInput()))
      return rewriter.notifyMatchFailure(op, "not a softmax over the keys");
    int64_t sq = probsType.getShape()[2], skv = probsType.getShape()[3];

    std::optional<MaskMatch> mask = matchMask(softmax.getInput(), sq, skv);
    if (!mask)
      return rewriter.notifyMatchFailure(op, "mask not recognised");

    // The scale: Div by a constant, Mul by one, or none (1).
    Value scores = mask->scaled;
    double scale = 1.0;
    if (auto div = scores.getDefiningOp<DivOp>()) {
      std::optional<double> c = getScalarConstant(div.getRhs());
      if (!c || div.getType() != div.getLhs().getType())
        return rewriter.notifyMatchFailure(op, "not a division by a scalar");
      scale = 1.0 / *c;
      scores = div.getLhs();
    } else if (auto mul = scores.getDefiningOp<MulOp>()) {
      std::optional<double> c;
      Value other;
      for (auto [s, f] : {std::pair(mul.getLhs(), mul.getRhs()),
                          std::pair(mul.getRhs(), mul.getLhs())})
        if ((c = getScalarConstant(f)) && s.getType() == mul.getType()) {
          other = s;
          break;
        }
      if (!other)
        return rewriter.notifyMatchFailure(op, "not a product with a scalar");
      scale = *c;
      scores = other;
    }
    if (!std::isfinite(scale) || scale <= 0)
      return rewriter.notifyMatchFailure(op, "scale must be positive");

    if (auto sum = scores.getDefiningOp<AddOp>())
      return rewriteSplitScores(op, sum, *mask, scale, rewriter);
    auto qk = scores.getDefiningOp<MatMulOp>();
    if (!qk || !hasSingleUse(scores))
      return rewriter.notifyMatchFailure(op, "scores are not Q K^T");
    Value query = qk.getLhs();
    if (shapeOfValue(query).size() != 4 ||
        shapeOfValue(qk.getRhs()).size() != 4)
      return failure();

    // Key and value heads, unrepeated when both are repeated alike.
    bool ok;
    Value key = untransposeKey(qk.getRhs(), rewriter, op.getLoc(),
                               /*create=*/false, ok);
    Value value = op.getRhs();
    std::optional<std::pair<Value, int64_t>> kRep, vRep;
    if (key) {
      kRep = matchRepeatKV(key);
      vRep = matchRepeatKV(value);
    }
    bool unrepeat = kRep && vRep && kRep->second == vRep->second &&
                    hasSingleUse(key) && hasSingleUse(value);
    Value k = unrepeat ? kRep->first : key;
    Value v = unrepeat ? vRep->first : value;
    ArrayRef<int64_t> qs = shapeOfValue(query), vs = shapeOfValue(v);
    ArrayRef<int64_t> ktShape = shapeOfValue(qk.getRhs());
    if (vs.size() != 4 || ktShape[2] != qs[3] || ktShape[3] != skv ||
        vs[2] != skv ||
        op.getType() != RankedTensorType::get({qs[0], qs[1], qs[2], vs[3]},
                                              probsType.getElementType()))
      return rewriter.notifyMatchFailure(op, "shapes do not form attention");

    // The match is complete; build.
    if (!k)
      k = untransposeKey(qk.getRhs(), rewriter, op.getLoc(), /*create=*/true,
                         ok);
    FloatAttr scaleAttr;
    float s = (float)scale;
    if (s != golden::defaultAttentionScale(qs[3]))
      scaleAttr = rewriter.getF32FloatAttr(s);
    rewriter.replaceOpWithNewOp<AttentionOp>(op, query, k, v, mask->additive,
                                             rewriter.getBoolAttr(mask->causal),
                                             scaleAttr);
    return success();
  }

  /// MLA's scores written per part, as DeepSeek's reference code does:
  /// q_nope k_nope^T + q_pe k_pe^T, with the rope key [B, 1, S, Dr] shared by
  /// every head (MatMul broadcasting). The same attention runs on the
  /// concatenated heads: query [q_nope | q_pe], key [k_nope | k_pe].
  LogicalResult rewriteSplitScores(MatMulOp op, AddOp sum,
                                   const MaskMatch &mask, double scale,
                                   PatternRewriter &rewriter) const {
    auto nope = sum.getLhs().getDefiningOp<MatMulOp>();
    auto rope = sum.getRhs().getDefiningOp<MatMulOp>();
    if (!nope || !rope || !hasSingleUse(sum.getResult()) ||
        !hasSingleUse(nope.getResult()) || !hasSingleUse(rope.getResult()) ||
        nope.getType() != sum.getType() || rope.getType() != sum.getType())
      return rewriter.notifyMatchFailure(op, "scores are not a sum of Q K^T");
    Value v = op.getRhs();
    ArrayRef<int64_t> qn = shapeOfValue(nope.getLhs()),
                      qr = shapeOfValue(rope.getLhs()),
                      kn = shapeOfValue(nope.getRhs()),
                      kr = shapeOfValue(rope.getRhs()), vs = shapeOfValue(v),
                      s = shapeOfValue(sum.getResult());
    if (qn.size() != 4 || qr.size() != 4 || kn.size() != 4 || kr.size() != 4 ||
        vs.size() != 4 || qn.take_front(3) != qr.take_front(3) ||
        kn != ArrayRef<int64_t>{qn[0], qn[1], qn[3], s[3]} || kr[0] != qn[0] ||
        (kr[1] != qn[1] && kr[1] != 1) || kr[2] != qr[3] || kr[3] != s[3] ||
        vs != ArrayRef<int64_t>{qn[0], qn[1], s[3], vs[3]} ||
        op.getType() != RankedTensorType::get({qn[0], qn[1], qn[2], vs[3]},
                                              elementOf(op.getType())))
      return rewriter.notifyMatchFailure(op, "shapes do not form MLA");

    Location loc = op.getLoc();
    bool ok;
    Value query = ConcatOp::create(rewriter, loc,
                                   ValueRange{nope.getLhs(), rope.getLhs()},
                                   rewriter.getI64IntegerAttr(3));
    Value keyNope = untransposeKey(nope.getRhs(), rewriter, loc, true, ok);
    Value keyRope = untransposeKey(rope.getRhs(), rewriter, loc, true, ok);
    if (kr[1] != qn[1])
      keyRope = ExpandOp::create(
          rewriter, loc, keyRope,
          rewriter.getDenseI64ArrayAttr({qn[0], qn[1], s[3], qr[3]}));
    Value key = ConcatOp::create(rewriter, loc, ValueRange{keyNope, keyRope},
                                 rewriter.getI64IntegerAttr(3));
    FloatAttr scaleAttr;
    if ((float)scale != golden::defaultAttentionScale(qn[3] + qr[3]))
      scaleAttr = rewriter.getF32FloatAttr((float)scale);
    rewriter.replaceOpWithNewOp<AttentionOp>(op, query, key, v, mask.additive,
                                             rewriter.getBoolAttr(mask.causal),
                                             scaleAttr);
    return success();
  }
};

} // namespace

void populateFuseAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseAttention>(patterns.getContext());
}

} // namespace tessera::graph
