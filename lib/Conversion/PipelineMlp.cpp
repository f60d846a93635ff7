//===- PipelineMlp.cpp - MLP activations beside the next rows' products ---===//
//
// On dc the matrix cores have no vector unit: a prefill MLP's gate and up
// products run on the matrix cores, then its SwiGLU on the vector cores
// reads them back, and the down product waits for it. Cut into row chunks,
//
//   h = concat(swiglu(gemm(x[0:r], Wg), gemm(x[0:r], Wu)),
//              swiglu(gemm(x[r:M], Wg), gemm(x[r:M], Wu)))
//
// the first chunk's SwiGLU touches none of the second chunk's bytes, so code
// generation starts it on the vector cores beside the second chunk's
// products (kernels with disjoint regions need no barrier between them,
// ProgramBuilder::beginKernel). Slices along the rows are views and the
// concat is placed in place (NpuPlanMemory): no copies. Each output element
// is the same dot product over K as before, so results are bit-identical.
//
// The chunk boundary r is three quarters of M in whole 128-row tiles: the
// second chunk's SwiGLU is the part left exposed, the first chunk's products
// keep the larger share of the matrix cores' jobs.
//
//===----------------------------------------------------------------------===//
#include "Graph/IR/GraphDialect.h"
#include "tessera/Conversion/ModuleTarget.h"
#include "tessera/Conversion/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace tessera::conversion {
#define GEN_PASS_DEF_GRAPHPIPELINEMLP
#include "Npu/Transforms/Passes.h.inc"
} // namespace tessera::conversion

using namespace mlir;
namespace graph = tessera::graph;

namespace {

/// Rows of the matrix engine's output tile on dc (planMatmul's tm): chunk
/// boundaries on it keep every tile of both chunks full.
constexpr int64_t kRowTile = 128;

/// A gate or up product of `x`: gemm(x, W) with x untransposed, no bias or
/// one broadcast along the rows, and the SwiGLU its only user.
graph::GemmOp productOf(Value v, Value x) {
  auto g = v.getDefiningOp<graph::GemmOp>();
  if (!g || g.getA() != x || g.getTransA() || !v.hasOneUse())
    return nullptr;
  if (Value c = g.getC())
    if (cast<RankedTensorType>(c.getType()).getRank() > 1)
      return nullptr;
  return g;
}

struct GraphPipelineMlpPass
    : public tessera::conversion::impl::GraphPipelineMlpBase<
          GraphPipelineMlpPass> {
  using GraphPipelineMlpBase::GraphPipelineMlpBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const tessera::target::TargetDesc *t =
        tessera::conversion::getModuleTarget(module);
    if (!t)
      return signalPassFailure();
    if (!t->separateVectorCores())
      return;
    SmallVector<graph::SwiGLUOp> found;
    module.walk([&](graph::SwiGLUOp s) { found.push_back(s); });
    for (graph::SwiGLUOp s : found)
      cut(s);
  }

  void cut(graph::SwiGLUOp s) {
    auto gateProduct = s.getInput().getDefiningOp<graph::GemmOp>();
    if (!s.getUp() || !gateProduct)
      return;
    Value x = gateProduct.getA();
    graph::GemmOp gate = productOf(s.getInput(), x),
                  upProduct = productOf(s.getUp(), x);
    auto xt = dyn_cast<RankedTensorType>(x.getType());
    auto ht = dyn_cast<RankedTensorType>(s.getType());
    if (!gate || !upProduct || !xt || !ht || xt.getRank() != 2 ||
        ht.getRank() != 2 || !xt.hasStaticShape() || !ht.hasStaticShape())
      return;
    int64_t rows = xt.getDimSize(0);
    int64_t split = rows * 3 / 4 / kRowTile * kRowTile;
    if (rows < minRows || split <= 0 || split >= rows)
      return;
    OpBuilder b(s);
    SmallVector<Value> chunks;
    for (auto [lo, hi] :
         {std::pair(int64_t(0), split), std::pair(split, rows)}) {
      SmallVector<int64_t> starts{lo, 0}, ends{hi, xt.getDimSize(1)},
          steps{1, 1};
      Value part = graph::SliceOp::create(
          b, s.getLoc(),
          RankedTensorType::get({hi - lo, xt.getDimSize(1)},
                                xt.getElementType()),
          x, starts, ends, steps);
      auto rowsOf = [&](graph::GemmOp g) {
        IRMapping map;
        map.map(x, part);
        Operation *copy = b.clone(*g, map);
        auto gt = cast<RankedTensorType>(g.getType());
        copy->getResult(0).setType(RankedTensorType::get(
            {hi - lo, gt.getDimSize(1)}, gt.getElementType()));
        return copy->getResult(0);
      };
      Value g = rowsOf(gate), u = rowsOf(upProduct);
      chunks.push_back(graph::SwiGLUOp::create(
          b, s.getLoc(),
          RankedTensorType::get({hi - lo, ht.getDimSize(1)},
                                ht.getElementType()),
          g, u, s.getAxisAttr()));
    }
    Value joined =
        graph::ConcatOp::create(b, s.getLoc(), ht, chunks, int64_t(0));
    s.getResult().replaceAllUsesWith(joined);
    s->erase();
    gate->erase();
    upProduct->erase();
  }
};

} // namespace
