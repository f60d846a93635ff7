//===- FuseSwiGLU.cpp - SwiGLU as graph.swiglu ----------------------------===//
//
// `down(act_fn(gate(x)) * up(x))` with SiLU, which torch exports as
//
//   Sigmoid(g) -> Mul(g, .) -> Mul(., up)
//
// (operands of either Mul in either order), becomes swiglu(g, up). The
// sigmoid must be of the very value it multiplies (`g * sigmoid(h)` is a
// different gate), g and up must have one shape (no broadcasting inside the
// fused op), and neither intermediate may have another user.
//
//===----------------------------------------------------------------------===//
#include "Graph/Transforms/FusionMatchers.h"
#include "Graph/Transforms/FusionPatterns.h"

using namespace mlir;

namespace tessera::graph {
namespace {

/// The gate g if `v` is silu(g) = g * sigmoid(g) with single-use parts.
std::optional<Value> matchSilu(Value v) {
  auto mul = v.getDefiningOp<MulOp>();
  if (!mul || !hasSingleUse(v))
    return std::nullopt;
  auto m = matchEither<SigmoidOp>(mul.getLhs(), mul.getRhs());
  if (!m)
    return std::nullopt;
  auto [sigmoid, gate] = *m;
  if (sigmoid.getInput() != gate || !hasSingleUse(sigmoid.getResult()) ||
      gate.getType() != mul.getType())
    return std::nullopt;
  return gate;
}

struct FuseSwiGLU : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [siluValue, up] : {std::pair(op.getLhs(), op.getRhs()),
                                 std::pair(op.getRhs(), op.getLhs())}) {
      std::optional<Value> gate = matchSilu(siluValue);
      if (!gate || up.getType() != gate->getType() ||
          op.getType() != gate->getType())
        continue;
      rewriter.replaceOpWithNewOp<SwiGLUOp>(op, *gate, up,
                                            rewriter.getI64IntegerAttr(-1));
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not silu(g) * up");
  }
};

} // namespace

void populateFuseSwiGLUPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseSwiGLU>(patterns.getContext());
}

} // namespace tessera::graph
