//===- FuseRMSNorm.cpp - RMSNorm as graph.rms_norm ------------------------===//
//
// HF's RMSNorm, `weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True)
// + eps))`, exports (opset 17) as
//
//   Pow(x, 2) -> ReduceMean(keepdims) -> Add(eps) -> Sqrt -> Div(1, .)
//   -> Mul(x, .) -> Mul(., weight)
//
// Other spellings of the same formula are accepted: Mul(x, x) for the
// square, Reciprocal for 1/sqrt, `x / sqrt(...)` in one Div, the weight on
// either side. The normalised value becomes graph.rms_norm with a unit scale
// (for models without a weight); a second pattern folds the weight multiply
// into that scale. Near misses stay unfused: the mean not over the trailing
// axes or not kept, epsilon added after the square root or not a constant,
// the square of another value, an intermediate with another user.
//
//===----------------------------------------------------------------------===//
#include "Graph/Transforms/FusionMatchers.h"
#include "Graph/Transforms/FusionPatterns.h"

using namespace mlir;

namespace tessera::graph {
namespace {

/// The pieces of `x / sqrt(mean(x^2) + eps)` once matched.
struct RMSNormMatch {
  Value input;
  int64_t axis;
  double epsilon;
};

/// Matches `s = sqrt(mean(x^2, axes) + eps)` and returns x, the first
/// reduced axis and eps. Every intermediate must have one use.
std::optional<RMSNormMatch> matchRootMeanSquare(Value s) {
  auto sqrt = s.getDefiningOp<SqrtOp>();
  if (!sqrt || !hasSingleUse(sqrt.getInput()))
    return std::nullopt;
  auto add = sqrt.getInput().getDefiningOp<AddOp>();
  if (!add)
    return std::nullopt;
  auto mean = matchEither<ReduceMeanOp>(add.getLhs(), add.getRhs());
  if (!mean)
    return std::nullopt;
  auto [reduce, epsValue] = *mean;
  std::optional<double> eps = getScalarConstant(epsValue);
  // The add must not broadcast the mean up (eps is a scalar).
  if (!eps || *eps < 0 || add.getType() != reduce.getType() ||
      !hasSingleUse(reduce.getResult()) || !reduce.getKeepdims())
    return std::nullopt;

  // The reduced axes must be the trailing ones: rms_norm normalises over
  // the dimensions from `axis` on.
  Value square = reduce.getInput();
  int64_t rank = shapeOfValue(square).size();
  SmallVector<int64_t> axes;
  for (int64_t a : reduce.getAxes()) {
    std::optional<int64_t> n = normalizeAxis(a, rank);
    if (!n)
      return std::nullopt;
    axes.push_back(*n);
  }
  if (axes.empty())
    return std::nullopt;
  llvm::sort(axes);
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != rank - (int64_t)axes.size() + (int64_t)i)
      return std::nullopt;

  if (!hasSingleUse(square))
    return std::nullopt;
  Value x;
  if (auto pow = square.getDefiningOp<PowOp>()) {
    std::optional<double> exponent = getScalarConstant(pow.getRhs());
    if (!exponent || *exponent != 2.0 ||
        pow.getType() != pow.getLhs().getType())
      return std::nullopt;
    x = pow.getLhs();
  } else if (auto mul = square.getDefiningOp<MulOp>()) {
    if (mul.getLhs() != mul.getRhs())
      return std::nullopt;
    x = mul.getLhs();
  } else {
    return std::nullopt;
  }
  return RMSNormMatch{x, axes.front(), *eps};
}

/// Replaces `root` (which computes x normalised) by rms_norm(x, ones).
LogicalResult rewriteToRMSNorm(Operation *root, const RMSNormMatch &m,
                               PatternRewriter &rewriter) {
  auto type = cast<RankedTensorType>(m.input.getType());
  if (root->getResult(0).getType() != type)
    return failure();
  ArrayRef<int64_t> feature = type.getShape().drop_front(m.axis);
  Value ones = createSplatConstant(rewriter, root->getLoc(), feature,
                                   type.getElementType(), 1.0);
  rewriter.replaceOpWithNewOp<RMSNormOp>(
      root, m.input, ones, rewriter.getI64IntegerAttr(m.axis),
      rewriter.getF32FloatAttr((float)m.epsilon));
  return success();
}

/// x * (1 / sqrt(...)), x * reciprocal(sqrt(...)).
struct FuseRsqrtMul : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [x, inv] : {std::pair(op.getLhs(), op.getRhs()),
                          std::pair(op.getRhs(), op.getLhs())}) {
      if (!hasSingleUse(inv))
        continue;
      Value s;
      if (auto div = inv.getDefiningOp<DivOp>()) {
        std::optional<double> one = getScalarConstant(div.getLhs());
        if (!one || *one != 1.0 || div.getType() != div.getRhs().getType())
          continue;
        s = div.getRhs();
      } else if (auto rec = inv.getDefiningOp<ReciprocalOp>()) {
        s = rec.getInput();
      } else {
        continue;
      }
      if (!hasSingleUse(s))
        continue;
      std::optional<RMSNormMatch> m = matchRootMeanSquare(s);
      if (m && m->input == x)
        return rewriteToRMSNorm(op, *m, rewriter);
    }
    return rewriter.notifyMatchFailure(op, "not x * 1/sqrt(mean(x^2) + eps)");
  }
};

/// x / sqrt(...).
struct FuseDivSqrt : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasSingleUse(op.getRhs()))
      return failure();
    std::optional<RMSNormMatch> m = matchRootMeanSquare(op.getRhs());
    if (!m || m->input != op.getLhs())
      return rewriter.notifyMatchFailure(op, "not x / sqrt(mean(x^2) + eps)");
    return rewriteToRMSNorm(op, *m, rewriter);
  }
};

/// True if `v` is a constant of ones.
bool isOnes(Value v) {
  std::optional<double> c = getScalarConstant(v);
  return c && *c == 1.0;
}

/// rms_norm(x, ones) * weight -> rms_norm(x, weight) when the weight spans
/// only the normalised dimensions (it broadcasts over the others).
struct FoldRMSNormWeight : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    auto m = matchEither<RMSNormOp>(op.getLhs(), op.getRhs());
    if (!m)
      return failure();
    auto [norm, weight] = *m;
    if (!isOnes(norm.getScale()) || !hasSingleUse(norm.getResult()) ||
        op.getType() != norm.getType() ||
        !isa<FloatType>(elementOf(weight.getType())) ||
        elementOf(weight.getType()) != elementOf(norm.getType()))
      return rewriter.notifyMatchFailure(op, "not a unit-scale rms_norm");
    ArrayRef<int64_t> shape = shapeOfValue(norm.getResult());
    int64_t axis = *normalizeAxis(norm.getAxis(), shape.size());
    ArrayRef<int64_t> feature = shape.drop_front(axis);
    // Leading unit dimensions of the weight beyond the feature rank carry
    // nothing; any other dimension there would be a per-token scale.
    ArrayRef<int64_t> w = shapeOfValue(weight);
    while (w.size() > feature.size()) {
      if (w.front() != 1)
        return rewriter.notifyMatchFailure(op, "weight varies per token");
      w = w.drop_front();
    }
    // Right-aligned, each weight dimension is the feature's or 1.
    for (size_t i = 0; i < w.size(); ++i)
      if (w[w.size() - 1 - i] != feature[feature.size() - 1 - i] &&
          w[w.size() - 1 - i] != 1)
        return rewriter.notifyMatchFailure(op, "weight does not broadcast");
    Value scale = weight;
    if (shapeOfValue(weight) != feature)
      scale = ExpandOp::create(rewriter, op.getLoc(),
                               reshapeTo(rewriter, op.getLoc(), weight, w),
                               rewriter.getDenseI64ArrayAttr(feature));
    if (shapeOfValue(scale) != feature)
      return failure();
    rewriter.replaceOpWithNewOp<RMSNormOp>(
        op, norm.getInput(), scale, norm.getAxisAttr(), norm.getEpsilonAttr());
    return success();
  }
};

} // namespace

void populateFuseRMSNormPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseRsqrtMul, FuseDivSqrt, FoldRMSNormWeight>(
      patterns.getContext());
}

} // namespace tessera::graph
