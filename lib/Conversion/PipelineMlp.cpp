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
// That exposed SwiGLU is hidden too where the down product (the SwiGLU's
// only user) can be cut into two products that each fill whole rounds of
// jobs on the matrix cores: rows [0, d) with d <= r, read from the first
// chunk's SwiGLU alone, and rows [d, M) of the joined h,
//
//   y = concat(gemm(h[0:d], Wd), gemm(h[d:M], Wd))
//
// the first issued before the second chunk's SwiGLU, so the matrix cores
// take it while the vector cores run that SwiGLU (disjoint bytes) where
// before they waited with nothing to do (R1-Distill-Qwen-1.5B's 1024-token
// prefill on dc: 8 x 6 jobs of 128 x 256, cut at d = 512; ~5 us a layer).
// h[0:d] is a view of the first chunk's SwiGLU, which the concat still
// places in place (concatSlots accepts views beside the concat); with
// d = r the second product reads the second chunk's SwiGLU and h is not
// joined at all.
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
/// Columns of that tile for a long K (the down product's estimate).
constexpr int64_t kColTile = 256;

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
    matrixCores = 0;
    for (const auto &type : t->coreTypes)
      if (type.hasPipe(tessera::target::Pipe::M))
        matrixCores += type.count;
    SmallVector<graph::SwiGLUOp> found;
    module.walk([&](graph::SwiGLUOp s) { found.push_back(s); });
    for (graph::SwiGLUOp s : found)
      cut(s);
  }

  int64_t matrixCores = 0;

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
    graph::GemmOp down = downProductOf(s);
    int64_t downSplit = down ? downRowSplit(rows, split, down) : 0;
    if (!downSplit)
      down = nullptr;
    // Everything goes where the last op it replaces was: x and the weights
    // are defined before the products, the down product's before it.
    OpBuilder b(down ? down.getOperation() : s.getOperation());
    // Rows [lo, hi) of the 2-D `v` (itself when that is all of it).
    auto rowSlice = [&](Value v, int64_t lo, int64_t hi) -> Value {
      auto vt = cast<RankedTensorType>(v.getType());
      if (lo == 0 && hi == vt.getDimSize(0))
        return v;
      SmallVector<int64_t> starts{lo, 0}, ends{hi, vt.getDimSize(1)},
          steps{1, 1};
      return graph::SliceOp::create(
          b, s.getLoc(),
          RankedTensorType::get({hi - lo, vt.getDimSize(1)},
                                vt.getElementType()),
          v, starts, ends, steps);
    };
    // `g` with `from` replaced by `to` (a row chunk of it) and as many rows.
    auto clonedOnRows = [&](Operation *g, Value from, Value to) -> Value {
      IRMapping map;
      map.map(from, to);
      Operation *copy = b.clone(*g, map);
      auto gt = cast<RankedTensorType>(g->getResult(0).getType());
      copy->getResult(0).setType(RankedTensorType::get(
          {cast<RankedTensorType>(to.getType()).getDimSize(0),
           gt.getDimSize(1)},
          gt.getElementType()));
      return copy->getResult(0);
    };
    SmallVector<Value> chunks, downChunks;
    for (auto [lo, hi] :
         {std::pair(int64_t(0), split), std::pair(split, rows)}) {
      Value part = rowSlice(x, lo, hi);
      Value g = clonedOnRows(gate, x, part),
            u = clonedOnRows(upProduct, x, part);
      // The first rows' down product (rows the first chunk's SwiGLU wrote),
      // between the second chunk's products and its SwiGLU (see the file
      // comment).
      if (down && !chunks.empty())
        downChunks.push_back(clonedOnRows(down, s.getResult(),
                                          rowSlice(chunks[0], 0, downSplit)));
      chunks.push_back(graph::SwiGLUOp::create(
          b, s.getLoc(),
          RankedTensorType::get({hi - lo, ht.getDimSize(1)},
                                ht.getElementType()),
          g, u, s.getAxisAttr()));
    }
    auto joined = [&] {
      return graph::ConcatOp::create(b, s.getLoc(), ht, chunks, int64_t(0));
    };
    if (down) {
      // The other rows: the second chunk's SwiGLU when the cut is where the
      // chunks meet (no joined h then: the first chunk's SwiGLU, read by a
      // product whole, could not be placed in a concat's slot), else rows
      // of the joined h.
      Value rest =
          downSplit == split ? chunks[1] : rowSlice(joined(), downSplit, rows);
      downChunks.push_back(clonedOnRows(down, s.getResult(), rest));
      Value y = graph::ConcatOp::create(b, down.getLoc(), down.getType(),
                                        downChunks, int64_t(0));
      down.getResult().replaceAllUsesWith(y);
      down->erase();
    } else {
      s.getResult().replaceAllUsesWith(joined());
    }
    s->erase();
    gate->erase();
    upProduct->erase();
  }

  /// Where to cut the down product's rows (0: not at all): within the
  /// first chunk, in whole row tiles, the latest cut (the most work before
  /// the last barrier) at which both products fill whole rounds of jobs on
  /// the matrix cores (estimated with dc's 128 x 256 output tiles). A part
  /// round would leave cores idle before the barrier, or, for fewer jobs
  /// than cores, get halved tiles that wait on their operands: DeepSeek-V2-
  /// Lite's dense MLP (8 column tiles) cut at 768 rows took 153.0 us for
  /// its down product, 142.3 us whole. (Cut where the chunks are,
  /// R1-Distill-Qwen-1.5B's 768 rows of 6 column tiles made 36 jobs on 24
  /// cores; at 512 rows both halves are 24.)
  int64_t downRowSplit(int64_t rows, int64_t split, graph::GemmOp down) {
    int64_t n = cast<RankedTensorType>(down.getType()).getDimSize(1);
    int64_t colTiles = (n + kColTile - 1) / kColTile;
    int64_t cores = std::max<int64_t>(1, matrixCores);
    auto wholeRounds = [&](int64_t r) {
      return (r + kRowTile - 1) / kRowTile * colTiles % cores == 0;
    };
    for (int64_t r = split; r >= kRowTile; r -= kRowTile)
      if (wholeRounds(r) && wholeRounds(rows - r))
        return r;
    return 0;
  }

  /// The down product of SwiGLU `s` to cut with it: gemm(h, Wd), h
  /// untransposed, its only use, no bias or a row-broadcast one, 2-D.
  static graph::GemmOp downProductOf(graph::SwiGLUOp s) {
    if (!s->hasOneUse())
      return nullptr;
    auto d = dyn_cast<graph::GemmOp>(*s->getUsers().begin());
    if (!d || d.getA() != s.getResult() || d.getB() == s.getResult() ||
        d.getTransA())
      return nullptr;
    if (Value c = d.getC())
      if (c == s.getResult() ||
          cast<RankedTensorType>(c.getType()).getRank() > 1)
        return nullptr;
    auto dt = dyn_cast<RankedTensorType>(d.getType());
    if (!dt || dt.getRank() != 2 || !dt.hasStaticShape())
      return nullptr;
    return d;
  }
};

} // namespace
