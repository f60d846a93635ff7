//===- FuseMoERouter.cpp - A dense-dispatch MoE block as graph.moe --------===//
//
// Exporters cannot trace data-dependent expert dispatch, so an exported MoE
// block runs every expert on every token and weights each by a dense
// [tokens, experts] matrix that is zero for unrouted experts:
//
//   logits = MatMul(x, Wr^T); scores = Softmax(logits, -1)
//   [grouped: ReduceMax(Reshape(scores, [T, G, E/G]), -1) -> TopK(topk_group)
//    -> ScatterElements(zeros, idx, ones) -> Reshape/Expand/Reshape [T, E]
//    -> Cast(bool) -> Not -> Where(., 0, scores)]
//   values, idx = TopK(scores, k)
//   [values / (ReduceSum(values, -1) + 1e-20)] [* routed_scaling_factor]
//   combine = ScatterElements(zeros [T, E], idx, values, axis 1)
//   out = sum_e Slice(combine, e) * Down_e(swiglu(Gate_e x, Up_e x))
//   [Reshape to the block's shape] [+ shared experts' SwiGLU MLP]
//
// This becomes graph.moe, which computes only the routed experts. The
// per-expert weights (MatMul operands [H, I], [I, H]) are stacked and
// transposed into the op's [E, I, H] / [E, H, I] layout at compile time, so
// they must be constants. Every piece is checked: the normalisation epsilon
// must be the op's 1e-20, the scattered matrix must start at zero, every
// expert must read its own column exactly once, the group mask must keep
// the best groups of the reshaped scores. Anything else stays unfused.
//
//===----------------------------------------------------------------------===//
#include "Graph/Transforms/FusionMatchers.h"
#include "Graph/Transforms/FusionPatterns.h"

#include "tessera/Golden/LLMKernels.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace tessera::graph {
namespace {

/// True if `v` is a constant of zeros.
bool isZeros(Value v) {
  std::optional<double> c = getScalarConstant(v);
  return c && *c == 0.0;
}

/// One expert's SwiGLU MLP on `x`: MatMul(swiglu(MatMul(x, gate),
/// MatMul(x, up)), down), with single-use intermediates.
struct ExpertMatch {
  Value input, gate, up, down;
};

std::optional<ExpertMatch> matchExpert(Value v) {
  auto down = v.getDefiningOp<MatMulOp>();
  if (!down)
    return std::nullopt;
  auto act = down.getLhs().getDefiningOp<SwiGLUOp>();
  if (!act || !act.getUp() || !hasSingleUse(act.getResult()))
    return std::nullopt;
  auto gate = act.getInput().getDefiningOp<MatMulOp>();
  auto up = act.getUp().getDefiningOp<MatMulOp>();
  if (!gate || !up || gate.getLhs() != up.getLhs() ||
      !hasSingleUse(gate.getResult()) || !hasSingleUse(up.getResult()))
    return std::nullopt;
  for (Value w : {gate.getRhs(), up.getRhs(), down.getRhs()})
    if (shapeOfValue(w).size() != 2 || !w.getDefiningOp<ConstantOp>())
      return std::nullopt;
  return ExpertMatch{gate.getLhs(), gate.getRhs(), up.getRhs(), down.getRhs()};
}

/// The router's group limit, when the top-k reads masked scores.
struct GroupLimit {
  int64_t nGroup = 1, topkGroup = 1;
};

/// If `masked` = Where(Not(Cast(mask)), 0, scores) with mask the experts of
/// the topk_group best groups (by their best expert), the group limit.
std::optional<GroupLimit> matchGroupLimit(Value masked, Value scores) {
  auto where = masked.getDefiningOp<WhereOp>();
  if (!where || where.getY() != scores || !isZeros(where.getX()))
    return std::nullopt;
  auto notOp = where.getCondition().getDefiningOp<NotOp>();
  if (!notOp)
    return std::nullopt;
  auto cast = notOp.getInput().getDefiningOp<CastOp>();
  if (!cast)
    return std::nullopt;
  // [T, G] -> [T, G, 1] -> [T, G, E/G] -> [T, E]
  auto flat = cast.getInput().getDefiningOp<ReshapeOp>();
  if (!flat)
    return std::nullopt;
  auto expand = flat.getInput().getDefiningOp<ExpandOp>();
  if (!expand)
    return std::nullopt;
  auto unsqueeze = expand.getInput().getDefiningOp<ReshapeOp>();
  if (!unsqueeze)
    return std::nullopt;
  auto groupMask = unsqueeze.getInput().getDefiningOp<ScatterElementsOp>();
  if (!groupMask || !isZeros(groupMask.getData()) ||
      groupMask.getReduction() != "none" ||
      normalizeAxis(groupMask.getAxis(), 2) != 1)
    return std::nullopt;
  std::optional<double> one = getScalarConstant(groupMask.getUpdates());
  if (!one || *one == 0.0)
    return std::nullopt;
  auto groupTopK = groupMask.getIndices().getDefiningOp<TopKOp>();
  if (!groupTopK || groupTopK.getIndices() != groupMask.getIndices() ||
      !groupTopK.getLargest() || normalizeAxis(groupTopK.getAxis(), 2) != 1)
    return std::nullopt;
  auto groupMax = groupTopK.getInput().getDefiningOp<ReduceMaxOp>();
  if (!groupMax || groupMax.getKeepdims())
    return std::nullopt;
  auto grouped = groupMax.getInput().getDefiningOp<ReshapeOp>();
  if (!grouped || grouped.getInput() != scores)
    return std::nullopt;

  ArrayRef<int64_t> s = shapeOfValue(scores), g = shapeOfValue(grouped);
  if (g.size() != 3 || g[0] != s[0] || g[1] * g[2] != s[1] ||
      groupMax.getAxes().size() != 1 ||
      normalizeAxis(groupMax.getAxes()[0], 3) != 2)
    return std::nullopt;
  int64_t t = s[0], groups = g[1], per = g[2];
  if (shapeOfValue(groupMask) != ArrayRef<int64_t>{t, groups} ||
      shapeOfValue(unsqueeze) != ArrayRef<int64_t>{t, groups, 1} ||
      shapeOfValue(expand) != ArrayRef<int64_t>{t, groups, per} ||
      shapeOfValue(flat) != s)
    return std::nullopt;
  return GroupLimit{groups, static_cast<int64_t>(groupTopK.getK())};
}

/// The router from the top-k's weights to the scattered matrix.
struct RouterMatch {
  Value tokens;       ///< x [T, H]
  Value routerWeight; ///< the logits MatMul's right operand [H, E]
  int64_t topK;
  bool normTopkProb = false;
  double routedScalingFactor = 1.0;
  GroupLimit groups;
};

std::optional<RouterMatch> matchRouter(ScatterElementsOp combine) {
  ArrayRef<int64_t> cs = shapeOfValue(combine);
  if (cs.size() != 2 || !isZeros(combine.getData()) ||
      combine.getReduction() != "none" ||
      normalizeAxis(combine.getAxis(), 2) != 1)
    return std::nullopt;
  auto topk = combine.getIndices().getDefiningOp<TopKOp>();
  if (!topk || !topk.getLargest() || normalizeAxis(topk.getAxis(), 2) != 1)
    return std::nullopt;
  RouterMatch r;
  r.topK = topk.getK();

  // Weights: values [/ (sum + 1e-20)] [* factor].
  Value w = combine.getUpdates();
  if (auto mul = w.getDefiningOp<MulOp>()) {
    bool found = false;
    for (auto [v, f] : {std::pair(mul.getLhs(), mul.getRhs()),
                        std::pair(mul.getRhs(), mul.getLhs())})
      if (std::optional<double> c = getScalarConstant(f);
          c && v.getType() == mul.getType() && hasSingleUse(w)) {
        r.routedScalingFactor = *c;
        w = v;
        found = true;
        break;
      }
    if (!found)
      return std::nullopt;
  }
  if (auto div = w.getDefiningOp<DivOp>()) {
    auto add = div.getRhs().getDefiningOp<AddOp>();
    if (!add || !hasSingleUse(w) || !hasSingleUse(div.getRhs()))
      return std::nullopt;
    auto sum = matchEither<ReduceSumOp>(add.getLhs(), add.getRhs());
    if (!sum)
      return std::nullopt;
    auto [reduce, epsValue] = *sum;
    std::optional<double> eps = getScalarConstant(epsValue);
    if (!eps || (float)*eps != 1e-20f || reduce.getInput() != div.getLhs() ||
        !reduce.getKeepdims() || reduce.getAxes().size() != 1 ||
        normalizeAxis(reduce.getAxes()[0], 2) != 1 ||
        !hasSingleUse(reduce.getResult()))
      return std::nullopt;
    r.normTopkProb = true;
    w = div.getLhs();
  }
  if (w != topk.getValues())
    return std::nullopt;

  // Scores: Softmax(MatMul(x, Wr^T)) over experts, maybe group-limited.
  Value scores = topk.getInput();
  if (auto where = scores.getDefiningOp<WhereOp>()) {
    std::optional<GroupLimit> g = matchGroupLimit(scores, where.getY());
    if (!g)
      return std::nullopt;
    r.groups = *g;
    scores = where.getY();
  }
  auto softmax = scores.getDefiningOp<SoftmaxOp>();
  if (!softmax || normalizeAxis(softmax.getAxis(), 2) != 1)
    return std::nullopt;
  auto logits = softmax.getInput().getDefiningOp<MatMulOp>();
  if (!logits || !hasSingleUse(logits.getResult()) ||
      shapeOfValue(logits.getRhs()).size() != 2 ||
      !logits.getRhs().getDefiningOp<ConstantOp>())
    return std::nullopt;
  r.tokens = logits.getLhs();
  r.routerWeight = logits.getRhs();
  if (shapeOfValue(r.tokens).size() != 2 || shapeOfValue(logits) != cs)
    return std::nullopt;
  return r;
}

/// Stacks the constant matrices `mats` ([A, B] each), transposed, into one
/// [N, B, A] tensor.
FailureOr<Tensor> stackTransposed(ArrayRef<Value> mats) {
  SmallVector<Tensor> parts;
  for (Value m : mats) {
    FailureOr<Tensor> t = getConstantTensor(m);
    if (failed(t) || !t->isFloat() || t->rank() != 2 ||
        (!parts.empty() && t->shape() != parts.front().shape()))
      return failure();
    parts.push_back(std::move(*t));
  }
  int64_t a = parts.front().dim(0), b = parts.front().dim(1);
  Tensor out(parts.front().dtype(), {(int64_t)parts.size(), b, a});
  for (auto [n, t] : llvm::enumerate(parts))
    for (int64_t i = 0; i < a; ++i)
      for (int64_t j = 0; j < b; ++j)
        out.setF(((int64_t)n * b + j) * a + i, t.getF(i * b + j));
  return out;
}

struct FuseMoE : OpRewritePattern<ScatterElementsOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScatterElementsOp combine,
                                PatternRewriter &rewriter) const override {
    std::optional<RouterMatch> router = matchRouter(combine);
    if (!router)
      return rewriter.notifyMatchFailure(combine, "not a top-k router");
    int64_t tokens = shapeOfValue(combine)[0],
            experts = shapeOfValue(combine)[1];
    Value x = router->tokens;
    int64_t hidden = shapeOfValue(x)[1];

    // Each expert reads its own column once: Slice [:, e:e+1] * expert_e.
    SmallVector<ExpertMatch> byExpert(experts);
    SmallVector<Value> products;
    for (Operation *user : combine->getUsers()) {
      auto slice = dyn_cast<SliceOp>(user);
      if (!slice || !hasSingleUse(slice.getResult()))
        return rewriter.notifyMatchFailure(combine, "column not sliced");
      int64_t e = slice.getStarts()[1];
      if (slice.getStarts()[0] != 0 || slice.getEnds()[0] != tokens ||
          slice.getSteps()[0] != 1 || slice.getSteps()[1] != 1 ||
          slice.getEnds()[1] != e + 1 || e < 0 || e >= experts ||
          byExpert[e].input)
        return rewriter.notifyMatchFailure(combine, "not one column each");
      auto mul = dyn_cast<MulOp>(*slice->getUsers().begin());
      if (!mul)
        return failure();
      Value other =
          mul.getLhs() == slice.getResult() ? mul.getRhs() : mul.getLhs();
      std::optional<ExpertMatch> expert = matchExpert(other);
      if (!expert || expert->input != x || !hasSingleUse(other) ||
          mul.getType() != other.getType() ||
          shapeOfValue(other) != ArrayRef<int64_t>{tokens, hidden})
        return rewriter.notifyMatchFailure(combine, "not an expert MLP");
      byExpert[e] = *expert;
      products.push_back(mul.getResult());
    }
    if ((int64_t)products.size() != experts)
      return rewriter.notifyMatchFailure(combine, "an expert is missing");
    Type expertGate = byExpert[0].gate.getType();
    for (const ExpertMatch &m : byExpert)
      if (m.gate.getType() != expertGate || m.up.getType() != expertGate ||
          m.down.getType() != byExpert[0].down.getType())
        return rewriter.notifyMatchFailure(combine, "experts differ in size");

    // The products are summed by a tree of single-use Adds.
    llvm::SetVector<Value> pending(products.begin(), products.end());
    bool progress = true;
    while (pending.size() > 1 && progress) {
      progress = false;
      for (Value v : pending) {
        if (!hasSingleUse(v))
          return rewriter.notifyMatchFailure(combine, "partial sum reused");
        auto add = dyn_cast<AddOp>(*v.getUsers().begin());
        if (!add || !pending.contains(add.getLhs()) ||
            !pending.contains(add.getRhs()) || add.getLhs() == add.getRhs() ||
            add.getType() != v.getType())
          continue;
        pending.remove(add.getLhs());
        pending.remove(add.getRhs());
        pending.insert(add.getResult());
        progress = true;
        break;
      }
    }
    if (pending.size() != 1)
      return rewriter.notifyMatchFailure(combine, "experts not summed");
    Value routed = pending.front();

    // Back to the block's shape, then the shared experts if any.
    Value input = x, result = routed;
    if (auto flatten = x.getDefiningOp<ReshapeOp>())
      if (hasSingleUse(routed))
        if (auto unflatten = dyn_cast<ReshapeOp>(*routed.getUsers().begin()))
          if (unflatten.getType() == flatten.getInput().getType()) {
            input = flatten.getInput();
            result = unflatten.getResult();
          }
    SmallVector<Value> sharedMats;
    Operation *root = result.getDefiningOp();
    if (hasSingleUse(result))
      if (auto add = dyn_cast<AddOp>(*result.getUsers().begin())) {
        Value other = add.getLhs() == result ? add.getRhs() : add.getLhs();
        std::optional<ExpertMatch> shared = matchExpert(other);
        if (shared && shared->input == input && hasSingleUse(other) &&
            add.getType() == result.getType()) {
          sharedMats = {shared->gate, shared->up, shared->down};
          root = add;
        }
      }

    // Weights in the op's layout.
    SmallVector<Value> gates, ups, downs;
    for (const ExpertMatch &m : byExpert) {
      gates.push_back(m.gate);
      ups.push_back(m.up);
      downs.push_back(m.down);
    }
    FailureOr<Tensor> gate = stackTransposed(gates), up = stackTransposed(ups),
                      down = stackTransposed(downs),
                      routerW = stackTransposed({router->routerWeight});
    if (failed(gate) || failed(up) || failed(down) || failed(routerW))
      return rewriter.notifyMatchFailure(combine, "weights not constant");
    SmallVector<Tensor> shared;
    for (Value m : sharedMats) {
      FailureOr<Tensor> t = stackTransposed({m});
      if (failed(t))
        return rewriter.notifyMatchFailure(combine, "shared not constant");
      shared.push_back(std::move(*t));
    }
    golden::MoEConfig config;
    config.topK = router->topK;
    config.nGroup = router->groups.nGroup;
    config.topkGroup = router->groups.topkGroup;
    if (llvm::Error e = golden::checkMoEConfig(config, experts)) {
      llvm::consumeError(std::move(e));
      return rewriter.notifyMatchFailure(combine, "router config invalid");
    }

    Location loc = root->getLoc();
    auto squeeze = [](Tensor t) {
      Shape s(t.shape().begin() + 1, t.shape().end());
      return t.reshaped(s);
    };
    Value routerV = createTensorConstant(rewriter, loc, "moe_router",
                                         squeeze(std::move(*routerW)));
    Value gateV = createTensorConstant(rewriter, loc, "moe_gate", *gate);
    Value upV = createTensorConstant(rewriter, loc, "moe_up", *up);
    Value downV = createTensorConstant(rewriter, loc, "moe_down", *down);
    SmallVector<Value> sharedV;
    const char *sharedNames[] = {"moe_shared_gate", "moe_shared_up",
                                 "moe_shared_down"};
    for (auto [i, t] : llvm::enumerate(shared))
      sharedV.push_back(createTensorConstant(rewriter, loc, sharedNames[i],
                                             squeeze(std::move(t))));
    auto moe = MoEOp::create(
        rewriter, loc, root->getResult(0).getType(), input, routerV, gateV, upV,
        downV, sharedV, rewriter.getI64IntegerAttr(router->topK),
        rewriter.getBoolAttr(router->normTopkProb),
        rewriter.getF32FloatAttr((float)router->routedScalingFactor),
        rewriter.getI64IntegerAttr(router->groups.nGroup),
        rewriter.getI64IntegerAttr(router->groups.topkGroup),
        // The matcher recognises softmax routers with max-scored groups
        // (DeepSeek-V2) and no score-correction bias.
        rewriter.getStringAttr("softmax"), rewriter.getStringAttr("max"),
        /*score_correction_bias=*/nullptr);
    rewriter.replaceOp(root, moe.getResult());
    return success();
  }
};

} // namespace

void populateFuseMoERouterPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseMoE>(patterns.getContext());
}

} // namespace tessera::graph
