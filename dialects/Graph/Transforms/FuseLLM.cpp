//===- FuseLLM.cpp - The tessera-graph-fuse-llm pass ----------------------===//
//
// Runs the pattern families of FusionPatterns.h in two rounds. The first
// recognises the small patterns (RMSNorm, SwiGLU, RoPE); the second the
// large ones built from them: an MoE expert is matched as a graph.swiglu
// between its projections, and attention reads its query and key after
// their rope has been fused. Running the rounds in this order keeps each
// large matcher to one spelling of its parts. The MoE family needs the
// SwiGLU parts even when `swiglu` itself is not wanted: they are fused for
// it, and those no MoE took are written back as `g * sigmoid(g) * up`.
//
//===----------------------------------------------------------------------===//
#include "Graph/Transforms/FusionPatterns.h"
#include "Graph/Transforms/Passes.h"

#include "Graph/IR/GraphDialect.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringSet.h"

namespace tessera::graph {
#define GEN_PASS_DEF_GRAPHFUSELLM
#include "Graph/Transforms/Passes.h.inc"
} // namespace tessera::graph

using namespace mlir;

namespace tessera::graph {
namespace {

constexpr llvm::StringLiteral kFamilies[] = {"rms_norm", "swiglu", "rope",
                                             "attention", "moe"};

struct GraphFuseLLMPass : impl::GraphFuseLLMBase<GraphFuseLLMPass> {
  using GraphFuseLLMBase::GraphFuseLLMBase;

  void runOnOperation() override {
    llvm::StringSet<> enabled;
    for (const std::string &name : ops) {
      if (!llvm::is_contained(kFamilies, name)) {
        getOperation().emitError()
            << "tessera-graph-fuse-llm: unknown fusion family '" << name
            << "' (expected rms_norm, swiglu, rope, attention or moe)";
        return signalPassFailure();
      }
      enabled.insert(name);
    }
    auto wanted = [&](StringRef family) {
      return enabled.empty() || enabled.contains(family);
    };

    MLIRContext *ctx = &getContext();
    RewritePatternSet parts(ctx), blocks(ctx);
    if (wanted("rms_norm"))
      populateFuseRMSNormPatterns(parts);
    bool swigluForMoE = wanted("moe") && !wanted("swiglu");
    if (wanted("swiglu") || swigluForMoE)
      populateFuseSwiGLUPatterns(parts);
    if (wanted("rope"))
      populateFuseRopePatterns(parts);
    if (wanted("attention"))
      populateFuseAttentionPatterns(blocks);
    if (wanted("moe"))
      populateFuseMoERouterPatterns(blocks);

    for (RewritePatternSet *set : {&parts, &blocks}) {
      if (set->getNativePatterns().empty())
        continue;
      if (failed(applyPatternsGreedily(getOperation(), std::move(*set))))
        return signalPassFailure();
    }
    if (swigluForMoE)
      getOperation().walk([](SwiGLUOp op) {
        if (!op.getUp())
          return; // the pass only fuses the two-operand form
        OpBuilder b(op);
        Value g = op.getInput();
        Value sig = SigmoidOp::create(b, op.getLoc(), g.getType(), g);
        Value silu = MulOp::create(b, op.getLoc(), g.getType(), g, sig);
        Value r = MulOp::create(b, op.getLoc(), op.getType(), silu, op.getUp());
        op.getResult().replaceAllUsesWith(r);
        op.erase();
      });
  }
};

} // namespace
} // namespace tessera::graph
