//===- MoEKernels.cpp - graph.moe as a sparse MoE on the NPU --------------===//
//
// A graph.moe dispatch runs as a sequence of kernels, all on the device
// (T tokens, H hidden, E experts, I their width, k chosen per token,
// S = T * k slots, G groups):
//
//  router (f32 whatever the precision; the cube accumulates the logits in
//  f32 from f32 operands, or from a bf16 checkpoint's bf16 weight and bf16
//  tokens, whose products are exact in f32; the vector unit for the rest):
//   1. logits = x @ Wr^T                               [T, E]
//   2. scores = softmax or sigmoid; choice = scores + bias
//   3. group limit: group scores (max, or the sum of the best two from a
//      top-2), the topk_group best groups, the others' choices -> lowest
//   4. top-k of the choices (ties to the lower index)      idx [T, k]
//  dispatch (counts and permutation computed on the device):
//   5. one-hot of the choices                           [T, E]
//   6. R = L @ one-hot with L = [strictly lower triangular; ones]: row t
//      counts each expert's tokens before t, row T each expert's total
//      (one token: R is a row of zeros and the one-hot, stored by 5.)
//   7. the scalar unit turns the totals into each expert's first row and a
//      tile table (MoEKernels.h)
//   8. pos[t, i] = first[e] + R[t, e] for e = idx[t, i] (the slot's row in
//      the permuted order) and the routing weights (uncorrected scores,
//      normalized, scaled)
//   9. the token of each permuted row (scatter by pos)
//  experts:
//  10. grouped gate/up matmul over the table (rows per expert known at run
//      time only; the tokens' rows gathered by token_of_row as its A tiles
//      load), silu(g) * u, grouped down matmul (experts' dtype)
//  11. shared experts: plain products over all tokens, as linear layers
//      (decode, one token: ahead of the router, or with separate vector
//      cores gate, up and SwiGLU ahead of it and down beside its chain;
//      prefill: gate and up ahead of the routed experts, after a fence, and
//      with separate vector cores down beside the routed down product;
//      there, when their width is a multiple of the routed experts', gate
//      and up as fixed experts of the routed gate/up product's table
//      instead, SGLang's shared-expert fusion), or
//      for fewer tokens than a tile the grouped kernels over a static table
//      of all of them
//  combine (f32):
//  12. y = sum_i w[t, i] * out[t, i] + shared(t), out[t, i] the expert
//      output row pos[t, i] (gathered by the combine's loads; for one token
//      by a gather kernel first)
//
//===----------------------------------------------------------------------===//
#include "DispatchKernels.h"

#include "Graph/IR/GraphDialect.h"
#include "tessera/CodeGen/MoEKernels.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::codegen;
using bin::Opcode;

namespace tessera::conversion {

namespace {

/// Rows of one table entry (the grouped matmul's M tile).
constexpr int64_t kTileRows = 128;
/// Tokens an MoE dispatch takes at most (the prefix-count triangle is
/// [T + 1, T]; positions stay exact in f32 far beyond this).
constexpr int64_t kMaxTokens = 4096;

/// The aux constants a graph.moe dispatch appends to its operands.
enum Aux : unsigned {
  AuxIota,       // [E] f32: 0, 1, ...
  AuxGroupOf,    // [E] f32: the group of each expert
  AuxBias,       // [E] f32: score correction bias (zeros without one)
  AuxTriangle,   // [T + 1, T]: strictly lower triangular, then a row of ones
  AuxSlotToken,  // [S] i32: s / k
  AuxDenseTable, // tile table of all T rows, expert 0
  NumAux
};

/// Scratch buffers of a graph.moe dispatch.
enum Scratch : unsigned {
  SXf,      // [T, H] f32
  SXe,      // [T, H] in the experts' dtype
  SRouterF, // [E, H] f32
  SLogits,  // [T, E] f32
  SScores,  // [T, E] f32
  SChoice,  // [T, E] f32
  SMasked,  // [T, E] f32
  SGroupTop2,
  SGroupTop2Idx,
  SGroupScore,  // [T, G] f32
  SGroupIdx,    // [T, tg] i32
  SIdx,         // [T, k] i32
  SWRaw,        // [T, k] f32
  SW,           // [T, k] f32
  SOneHot,      // [T, E] matrix dtype
  SCum,         // [T + 1, E] f32
  SCumI,        // [T + 1, E] i32
  SFirst,       // [E] i32
  STable,       // tile table (with the fixed experts' entries)
  SRoutedTable, // tile table of the routed experts alone
  SPos,         // [T, k] i32
  STokPerm,     // [S + F * T] i32
  SGate,        // [S + F * T, I]
  SUp,          // [S + F * T, I]
  SH,           // [S, I]
  SDown,        // [S, H] in the experts' dtype
  SSharedGate,  // [T, Is]
  SSharedUp,    // [T, Is]
  SSharedH,     // [T, Is]
  SSharedDown,  // [T, H] f32
  SGathered,    // [S, H] in the experts' dtype
  NumScratch
};

struct Dims {
  int64_t T = 0, H = 0, E = 0, I = 0, Is = 0, k = 0, G = 1, tg = 1;
};

Dims dimsOf(graph::MoEOp op) {
  Dims d;
  std::vector<int64_t> x = shapeOfValue(op.getInput());
  d.H = x.back();
  d.T = 1;
  for (size_t i = 0; i + 1 < x.size(); ++i)
    d.T *= x[i];
  std::vector<int64_t> g = shapeOfValue(op.getGateWeights());
  d.E = g[0];
  d.I = g[1];
  if (!op.getSharedWeights().empty())
    d.Is = shapeOfValue(op.getSharedWeights()[0])[0];
  d.k = (int64_t)op.getTopK();
  d.G = (int64_t)op.getNGroup();
  d.tg = (int64_t)op.getTopkGroup();
  return d;
}

/// More than one token: the combine gathers the experts' output rows by
/// index itself; one token's rows are gathered by a kernel first.
bool combineGathers(int64_t tokens) { return tokens > 1; }

/// The shared experts as F experts of the routed ones' width, fixed
/// entries of the routed products' table (SGLang's shared-expert fusion),
/// where they are plain products of a full tile of rows or more and cut
/// evenly (0 otherwise). The translation fuses them only with vector cores
/// of their own (dc); the scratch is sized for them regardless.
int64_t fusableSharedExperts(const Dims &d) {
  if (d.Is <= 0 || d.I <= 0 || d.Is % d.I || d.T < kTileRows)
    return 0;
  return d.Is / d.I;
}

int64_t fixedTableEntries(const Dims &d) {
  return fusableSharedExperts(d) * ((d.T + kTileRows - 1) / kTileRows);
}

int64_t routedTableEntries(const Dims &d) {
  int64_t S = d.T * d.k;
  return S / kTileRows + std::min(d.E, S) + 1;
}

std::vector<int64_t> scratchBytes(const Dims &d, int64_t xBytes,
                                  int64_t matBytes) {
  int64_t T = d.T, H = d.H, E = d.E, I = d.I, S = d.T * d.k;
  std::vector<int64_t> s(NumScratch, 4);
  auto set = [&](Scratch i, int64_t bytes) {
    s[i] = std::max<int64_t>(bytes, 4);
  };
  set(SXf, T * H * 4);
  set(SXe, T * H * xBytes);
  set(SRouterF, E * H * 4);
  set(SLogits, T * E * 4);
  set(SScores, T * E * 4);
  set(SChoice, T * E * 4);
  set(SMasked, T * E * 4);
  set(SGroupTop2, T * d.G * 2 * 4);
  set(SGroupTop2Idx, T * d.G * 2 * 4);
  set(SGroupScore, T * d.G * 4);
  set(SGroupIdx, T * d.tg * 4);
  set(SIdx, T * d.k * 4);
  set(SWRaw, T * d.k * 4);
  set(SW, T * d.k * 4);
  set(SOneHot, T * E * matBytes);
  set(SCum, (T + 1) * E * 4);
  set(SCumI, (T + 1) * E * 4);
  set(SFirst, E * 4);
  int64_t fixedRows = fusableSharedExperts(d) * T;
  set(STable, TileTable::bytes(routedTableEntries(d) + fixedTableEntries(d)));
  set(SRoutedTable, fixedRows ? TileTable::bytes(routedTableEntries(d)) : 0);
  set(SPos, S * 4);
  set(STokPerm, (S + fixedRows) * 4);
  set(SGate, (S + fixedRows) * I * xBytes);
  set(SUp, (S + fixedRows) * I * xBytes);
  set(SH, S * I * xBytes);
  set(SDown, S * H * xBytes);
  set(SSharedGate, T * d.Is * xBytes);
  set(SSharedUp, T * d.Is * xBytes);
  set(SSharedH, T * d.Is * xBytes);
  set(SSharedDown, T * H * 4);
  set(SGathered, combineGathers(T) ? 0 : S * H * xBytes);
  return s;
}

Tensor denseTable(int64_t T) {
  int64_t n = (T + kTileRows - 1) / kTileRows;
  Tensor t(DType::I32, {1 + 3 * n});
  t.setI(0, n);
  for (int64_t j = 0; j < n; ++j) {
    t.setI(1 + 3 * j, 0);
    t.setI(2 + 3 * j, j * kTileRows);
    t.setI(3 + 3 * j, std::min(kTileRows, T - j * kTileRows));
  }
  return t;
}

/// A strided view; a dim of stride 0 becomes extent 1, so the vector unit
/// broadcasts the loaded tile instead of the DMA repeating every element.
GmView view(uint64_t addr, DType dt, std::vector<int64_t> shape,
            std::vector<int64_t> strides) {
  for (size_t i = 0; i < shape.size(); ++i)
    if (strides[i] == 0)
      shape[i] = 1;
  GmView v;
  v.addr = addr;
  v.dtype = dt;
  v.shape = std::move(shape);
  v.strides = std::move(strides);
  return v;
}

} // namespace

bool isMoEOp(Operation *op) { return isa<graph::MoEOp>(op); }

unsigned moeNumAux() { return NumAux; }

bool moeLoweringNeeds(Operation *o, int64_t eb, LoweringNeeds &needs,
                      std::string &why) {
  auto op = cast<graph::MoEOp>(o);
  Dims d = dimsOf(op);
  if (d.T < 1 || d.H < 1) {
    why = "an MoE over no tokens";
    return false;
  }
  int64_t S = d.T * d.k;
  if (d.T > kMaxTokens) {
    why = "an MoE over " + std::to_string(d.T) + " tokens; at most " +
          std::to_string(kMaxTokens) +
          " (the dispatch counts each expert's earlier tokens with a " +
          "[T + 1, T] triangular matrix)";
    return false;
  }
  std::optional<ElementsAttr> biasAttr = op.getScoreCorrectionBias();
  Tensor bias(DType::F32, {d.E});
  if (biasAttr) {
    FailureOr<Tensor> b = graph::elementsToTensor(*biasAttr);
    if (failed(b) || b->numElements() != d.E) {
      why = "the score correction bias has no data (a weight-layout manifest "
            "gives shapes only)";
      return false;
    }
    bias = b->castTo(DType::F32);
  }
  Tensor iota(DType::F32, {d.E}), groupOf(DType::F32, {d.E});
  for (int64_t e = 0; e < d.E; ++e) {
    iota.setF(e, (float)e);
    groupOf.setF(e, (float)(e / (d.E / std::max<int64_t>(d.G, 1))));
  }
  Tensor tri(DType::F32, {d.T + 1, d.T});
  for (int64_t r = 0; r <= d.T; ++r)
    for (int64_t c = 0; c < d.T; ++c)
      tri.setF(r * d.T + c, (c < r || r == d.T) ? 1.0f : 0.0f);
  Tensor slotToken(DType::I32, {S});
  for (int64_t s = 0; s < S; ++s)
    slotToken.setI(s, s / d.k);
  auto add = [&](Tensor t, bool matrix) {
    needs.aux.push_back(std::move(t));
    needs.auxIsMatrixOperand.push_back(matrix);
  };
  add(iota, false);
  add(groupOf, false);
  add(bias, false);
  add(tri, true);
  add(slotToken, false);
  add(denseTable(d.T), false);
  // The one-hot feeds the matrix engine beside the triangle: same dtype,
  // at most 4 bytes.
  needs.scratchBytes = scratchBytes(d, eb, 4);
  return true;
}

bool translateMoE(npu::DispatchOp disp, Operation *o, ArrayRef<int64_t> addrs,
                  std::vector<Kernel> &kernels, std::string &why,
                  const DispatchOptions &options) {
  auto op = cast<graph::MoEOp>(o);
  std::string name = nodeName(disp);
  Dims d = dimsOf(op);
  int64_t T = d.T, H = d.H, E = d.E, I = d.I, Is = d.Is, K = d.k;
  int64_t S = T * K;
  unsigned nIn = disp.getInputs().size();
  bool shared = !op.getSharedWeights().empty();
  unsigned auxBase = nIn - NumAux;
  if (nIn < NumAux + 5 || disp.getNumResults() != 1 ||
      addrs.size() != nIn + 1 + NumScratch) {
    why = "internal error: a graph.moe dispatch needs its " +
          std::to_string(NumAux) + " constants and " +
          std::to_string(NumScratch) + " scratch buffers";
    return false;
  }
  auto in = [&](unsigned i) { return (uint64_t)addrs[i]; };
  // Each kernel is named after its stage (the debug map, traces).
  auto tag = [&](const std::string &stage) {
    std::visit([&](auto &k) { k.name = name + ":" + stage; }, kernels.back());
  };
  auto dtIn = [&](unsigned i) { return dtypeOfValue(disp.getInputs()[i]); };
  uint64_t out = (uint64_t)addrs[nIn];
  DType outDt = dtypeOfValue(disp.getResult(0));
  auto sc = [&](Scratch s) { return (uint64_t)addrs[nIn + 1 + s]; };
  DType xDt = dtIn(0), rDt = dtIn(1), wDt = dtIn(2);
  DType matDt = dtIn(auxBase + AuxTriangle);
  if (dtIn(3) != wDt || dtIn(4) != wDt ||
      (shared && (dtIn(5) != wDt || dtIn(6) != wDt || dtIn(7) != wDt))) {
    why = "the expert weights must share one storage type";
    return false;
  }
  if (dtypeByteSize(matDt) > 4 || dtypeByteSize(wDt) > 4) {
    why = "unsupported storage type";
    return false;
  }
  std::string scoring = op.getScoringFunc().str();
  std::string groupScoring = op.getGroupScoring().str();
  if ((scoring != "softmax" && scoring != "sigmoid") ||
      (groupScoring != "max" && groupScoring != "top2_sum")) {
    why = "unknown scoring_func '" + scoring + "' or group_scoring '" +
          groupScoring + "'";
    return false;
  }
  bool norm = op.getNormTopkProb();
  float rsf = op.getRoutedScalingFactor().convertToFloat();
  auto cstr = [](const std::vector<int64_t> &shape) {
    return contiguousStrides(shape);
  };
  auto flat = [&](uint64_t addr, DType dt, std::vector<int64_t> shape) {
    return GmView::contiguous(addr, dt, shape);
  };
  auto vk = [&](std::vector<int64_t> space, int reduced) {
    VectorKernel k;
    k.name = name;
    k.space = std::move(space);
    k.reducedDims = reduced;
    return k;
  };
  (void)cstr;
  // Rows [M, K] times an nn.Linear [N, K] weight (read as B^T) into [M, N]
  // of `cDt`: a plain product (one row: the code generator may spread it
  // over the vector cores as GEMV jobs).
  auto rowsTimesWeight = [&](uint64_t a, int64_t M, int64_t K, uint64_t w,
                             int64_t N, DType abDt, uint64_t c, DType cDt,
                             const std::string &stage) {
    MatmulKernel m;
    m.name = name;
    m.a = flat(a, abDt, {M, K});
    m.b = view(w, abDt, {K, N}, {1, K});
    m.c = flat(c, cDt, {M, N});
    kernels.push_back(m);
    tag(stage);
  };
  // silu(gate) * up of [rows, width] scratch buffers, in the experts' dtype.
  auto swiglu = [&](Scratch g, Scratch u, Scratch h, int64_t rows,
                    int64_t width, const std::string &stage) {
    VectorKernel k = vk({rows, width}, 0);
    k.inputs = {flat(sc(g), wDt, {rows, width}),
                flat(sc(u), wDt, {rows, width})};
    k.store(
        k.binary(Opcode::VMul, k.unary(Opcode::VSilu, k.load(0)), k.load(1)),
        flat(sc(h), wDt, {rows, width}));
    kernels.push_back(k);
    tag(stage);
  };
  // The tokens in the experts' dtype (a copy kernel where it differs),
  // made where the first expert kernel needs it.
  uint64_t xe = in(0);
  auto tokensInExpertsDtype = [&] {
    if (xDt == wDt || xe != in(0))
      return;
    xe = sc(SXe);
    kernels.push_back(
        copyKernel(name, flat(in(0), xDt, {T, H}), flat(xe, wDt, {T, H})));
    tag("x_experts_dtype");
  };
  // 11. The shared experts, dense over all T tokens (static shapes). One
  // token's and at least a full tile of rows are plain products, tiled like
  // any linear layer's: as grouped matmuls over a static table of all
  // tokens, their 128 x 128 tiles made the 1024-token prefill of
  // DeepSeek-V2-Lite's shared experts DMA-bound on dc (gate/up 131.7 us at
  // 51 % of the matrix peak; the MoE layer 1983.7 -> 1890.6 us). Fewer rows
  // keep the grouped matmul's narrow column tiles, which spread a thin
  // product over more cores (a 16-token prefill: 892.7 us as grouped
  // matmuls, 921.3 us as plain products on 8-11 of 24 cores).
  bool sharedAsProducts = T == 1 || T >= kTileRows;
  auto sharedGateUp = [&] {
    rowsTimesWeight(xe, T, H, in(5), Is, wDt, sc(SSharedGate), wDt,
                    "shared_gate");
    rowsTimesWeight(xe, T, H, in(6), Is, wDt, sc(SSharedUp), wDt, "shared_up");
  };
  auto sharedSwiglu = [&] {
    swiglu(SSharedGate, SSharedUp, SSharedH, T, Is, "shared_swiglu");
  };
  auto sharedDown = [&] {
    rowsTimesWeight(sc(SSharedH), T, Is, in(7), H, wDt, sc(SSharedDown),
                    DType::F32, "shared_down");
  };
  auto sharedExperts = [&] {
    sharedGateUp();
    sharedSwiglu();
    sharedDown();
  };
  // 11, first in decode: the shared experts of one token are plain
  // products over static shapes, so they go before the router, where no
  // self-synchronized region (its `barrier ALL`s drain every pipe) stands
  // between them and the kernels around: their weights stream while the
  // kernels before finish (LoadHoisting.h), and the router's first weights
  // while they do (DeepSeek-V2-Lite's MoE layer: edge 3214.0 -> 3213.3 us,
  // dc 168.0 -> 167.4 us).
  bool sharedFirst = shared && T == 1;
  // With vector cores of their own (dc), the shared experts' down product
  // runs beside the router instead: its SwiGLU goes before a fence, and the
  // router's chain of small kernels (scores to the token gather, each on
  // one vector core, none waiting for a barrier: ProgramBuilder.cpp) then
  // overlaps the down product's jobs on the other vector cores (the
  // chain's core gets fewer of them). Before, the chain waited for down
  // and its DRAM idled through the chain (DeepSeek-V2-Lite's MoE layer on
  // dc, decode at context 4096: 160.1 -> 155.6 us).
  bool downBesideRouter = sharedFirst && options.separateVectorCores;
  // With vector cores of their own, a prefill's shared experts are F
  // experts of the routed products' table (fusableSharedExperts): the
  // routed products start right after the router, and the shared work
  // fills the matrix cores their DRAM-bound stream leaves idle, instead of
  // standing between the router and them with the DRAM reading ahead into
  // an L2 that cannot hold what the attention before could have read.
  int64_t F = fusableSharedExperts(d);
  bool fuseShared = shared && !sharedFirst && sharedAsProducts &&
                    options.separateVectorCores && F > 0;
  // Then (or with no shared experts) the routed products follow the router
  // directly, and the cache engine may read the experts during the
  // attention before the MoE: the L2 holds them until the products start.
  bool routerFirst = fuseShared || !shared;
  if (sharedFirst) {
    tokensInExpertsDtype();
    if (downBesideRouter)
      sharedGateUp();
    else
      sharedExperts();
  }
  // 1. Router logits in f32. A bf16 (f16) router weight with tokens of the
  // same type multiplies them as they are: their products are exact in f32
  // and the cube accumulates in f32, the f32 router's result without
  // widening copies. Otherwise both operands are widened to f32.
  uint64_t xf = in(0), rf = in(1);
  DType routerDt = DType::F32;
  if (rDt == xDt && (rDt == DType::BF16 || rDt == DType::F16))
    routerDt = rDt;
  if (routerDt == DType::F32 && xDt != DType::F32) {
    xf = sc(SXf);
    kernels.push_back(copyKernel(name, flat(in(0), xDt, {T, H}),
                                 flat(xf, DType::F32, {T, H})));
    tag("x_f32");
  }
  if (routerDt == DType::F32 && rDt != DType::F32) {
    rf = sc(SRouterF);
    kernels.push_back(copyKernel(name, flat(in(1), rDt, {E, H}),
                                 flat(rf, DType::F32, {E, H})));
    tag("router_f32");
  }
  TileTable dense{in(auxBase + AuxDenseTable), (T + kTileRows - 1) / kTileRows};
  // A plain product, whatever the tokens: its tiles spread the rows over
  // every matrix core (in decode, one row, its GEMV jobs over the vector
  // cores). (As a grouped matmul over a static table of 128-row entries it
  // ran on T / 128 cores: DeepSeek-V2-Lite's decode 7 us for 0.5 MiB of
  // router weights on 4 matrix cores; its 1024-token prefill 8.0 us on 8,
  // now 3.9 us, the MoE layer 960.5 -> 958.1 us.)
  rowsTimesWeight(xf, T, H, rf, E, routerDt, sc(SLogits), DType::F32, "logits");
  if (downBesideRouter) {
    sharedSwiglu();
    kernels.push_back(codegen::FenceKernel{name});
    tag("fence");
  }
  // 2. Scores and choices.
  {
    VectorKernel k = vk({T, E}, scoring == "softmax" ? 1 : 0);
    k.inputs = {flat(sc(SLogits), DType::F32, {T, E}),
                view(in(auxBase + AuxBias), DType::F32, {T, E}, {0, 1})};
    int l = k.load(0), s;
    if (scoring == "softmax") {
      int m = k.reduce(Opcode::VRedMax, l);
      int e = k.unary(Opcode::VExp, k.binary(Opcode::VSub, l, m));
      s = k.binary(Opcode::VDiv, e, k.reduce(Opcode::VRedSum, e));
    } else {
      s = k.unary(Opcode::VSigmoid, l);
    }
    k.store(s, flat(sc(SScores), DType::F32, {T, E}));
    k.store(k.binary(Opcode::VAdd, s, k.load(1)),
            flat(sc(SChoice), DType::F32, {T, E}));
    kernels.push_back(k);
    tag("scores");
  }
  // 3. Group limit.
  uint64_t choices = sc(SChoice);
  if (d.G > 1) {
    int64_t per = E / d.G;
    if (groupScoring == "max") {
      VectorKernel k = vk({T, d.G, per}, 1);
      k.inputs = {view(sc(SChoice), DType::F32, {T, d.G, per}, {E, per, 1})};
      k.store(k.reduce(Opcode::VRedMax, k.load(0)),
              view(sc(SGroupScore), DType::F32, {T, d.G, 1}, {d.G, 1, 0}));
      kernels.push_back(k);
      tag("group_max");
    } else {
      TopKKernel t;
      t.name = name;
      t.in = flat(sc(SChoice), DType::F32, {T * d.G, per});
      t.k = 2;
      t.values = flat(sc(SGroupTop2), DType::F32, {T * d.G, 2});
      t.indices = flat(sc(SGroupTop2Idx), DType::I32, {T * d.G, 2});
      kernels.push_back(t);
      tag("group_top2");
      VectorKernel k = vk({T * d.G, 2}, 1);
      k.inputs = {flat(sc(SGroupTop2), DType::F32, {T * d.G, 2})};
      k.store(k.reduce(Opcode::VRedSum, k.load(0)),
              view(sc(SGroupScore), DType::F32, {T * d.G, 1}, {1, 0}));
      kernels.push_back(k);
      tag("group_top2_sum");
    }
    TopKKernel t;
    t.name = name;
    t.in = flat(sc(SGroupScore), DType::F32, {T, d.G});
    t.k = d.tg;
    t.hasValues = false;
    t.indices = flat(sc(SGroupIdx), DType::I32, {T, d.tg});
    kernels.push_back(t);
    tag("group_topk");
    // An expert stays eligible if its group is among the chosen ones.
    VectorKernel k = vk({T, E, d.tg}, 1);
    k.inputs = {
        view(sc(SGroupIdx), DType::I32, {T, E, d.tg}, {d.tg, 0, 1}),
        view(in(auxBase + AuxGroupOf), DType::F32, {T, E, d.tg}, {0, 1, 0}),
        view(sc(SChoice), DType::F32, {T, E, 1}, {E, 1, 0})};
    int eq =
        k.compare(bin::CmpKind::EQ, k.cast(k.load(0), DType::F32), k.load(1));
    int any = k.reduce(Opcode::VRedMax, k.cast(eq, DType::F32));
    int keep = k.compare(bin::CmpKind::GT, any, k.constant(0.5f, DType::F32));
    int masked =
        k.select(keep, k.load(2),
                 k.constant(-std::numeric_limits<float>::max(), DType::F32));
    k.store(masked, view(sc(SMasked), DType::F32, {T, E, 1}, {E, 1, 0}));
    kernels.push_back(k);
    tag("group_mask");
    choices = sc(SMasked);
  }
  // 4. Top-k experts per token.
  {
    TopKKernel t;
    t.name = name;
    t.in = flat(choices, DType::F32, {T, E});
    t.k = K;
    t.hasValues = false;
    t.indices = flat(sc(SIdx), DType::I32, {T, K});
    kernels.push_back(t);
    tag("topk");
  }
  // 5. One-hot of the choices, in the matrix engine's dtype.
  uint64_t iota = in(auxBase + AuxIota);
  if (T == 1) {
    // One token: 6.'s counts are no tokens before it (row 0) and its
    // one-hot (row 1), stored as such; no product, no cast kernel.
    VectorKernel k = vk({T, E, K}, 1);
    k.inputs = {view(sc(SIdx), DType::I32, {T, E, K}, {K, 0, 1}),
                view(iota, DType::F32, {T, E, K}, {0, 1, 0})};
    int eq =
        k.compare(bin::CmpKind::EQ, k.cast(k.load(0), DType::F32), k.load(1));
    int count = k.reduce(Opcode::VRedSum, k.cast(eq, DType::F32));
    k.store(k.cast(k.scalar(Opcode::VMulS, count, 0.0f), DType::I32),
            view(sc(SCumI), DType::I32, {T, E, 1}, {E, 1, 0}));
    k.store(k.cast(count, DType::I32), view(sc(SCumI) + (uint64_t)(E * 4),
                                            DType::I32, {T, E, 1}, {E, 1, 0}));
    kernels.push_back(k);
    tag("one_hot_counts");
  } else {
    // A sum of the K choices' one-hots over [T, E] rows: reduced over the
    // choices instead ([T, E, K], rows of K elements), every vector
    // instruction took a repeat per K-element row (V2-Lite's 1024-token
    // prefill: 6.1 -> 1.6 us on its router's path).
    VectorKernel k = vk({T, E}, 0);
    k.inputs = {view(iota, DType::F32, {T, E}, {0, 1})};
    for (int64_t i = 0; i < K; ++i)
      k.inputs.push_back(
          view(sc(SIdx) + (uint64_t)(4 * i), DType::I32, {T, E}, {K, 0}));
    int iotaRow = k.load(0), sum = -1;
    for (int64_t i = 0; i < K; ++i) {
      int eq =
          k.cast(k.compare(bin::CmpKind::EQ,
                           k.cast(k.load((int)i + 1), DType::F32), iotaRow),
                 DType::F32);
      sum = sum < 0 ? eq : k.binary(Opcode::VAdd, sum, eq);
    }
    k.store(sum, view(sc(SOneHot), matDt, {T, E}, {E, 1}));
    kernels.push_back(k);
    tag("one_hot");
    // 6. Tokens of each expert before each token, and each expert's total.
    MatmulKernel m;
    m.name = name;
    m.a = flat(in(auxBase + AuxTriangle), matDt, {T + 1, T});
    m.b = flat(sc(SOneHot), matDt, {T, E});
    m.c = flat(sc(SCum), DType::F32, {T + 1, E});
    kernels.push_back(m);
    tag("expert_prefix_counts");
    VectorKernel c = vk({T + 1, E}, 0);
    c.inputs = {flat(sc(SCum), DType::F32, {T + 1, E})};
    c.store(c.cast(c.load(0), DType::I32),
            flat(sc(SCumI), DType::I32, {T + 1, E}));
    kernels.push_back(c);
    tag("prefix_counts_i32");
  }
  // 7. First rows and the tile table, on the scalar unit.
  TileTable routed{sc(STable), routedTableEntries(d) +
                                   (fuseShared ? fixedTableEntries(d) : 0)};
  TileTable routedOnly{sc(SRoutedTable), routedTableEntries(d)};
  {
    MoETableKernel t;
    t.name = name;
    t.countsAddr = sc(SCumI) + (uint64_t)(T * E * 4);
    t.offsetsAddr = sc(SFirst);
    t.experts = E;
    t.tileRows = kTileRows;
    t.table = routed;
    if (fuseShared) {
      // The shared experts' rows after the routed ones, their tokens in
      // order.
      t.fixedExperts = F;
      t.fixedRows = T;
      t.fixedRow0 = S;
      t.routedOnly = routedOnly;
    }
    kernels.push_back(t);
    tag("tile_table");
  }
  if (fuseShared) {
    // The shared experts' rows take the tokens in order, 0 to T - 1 for
    // each: every K-th slot's token. Copied by the vector cores beside the
    // table kernel, off the router's critical path. (Written by the table
    // kernel's scalar unit, one store a row, they took 2.6 of its 5.7 us
    // in DeepSeek-V2-Lite's 1024-token prefill.)
    VectorKernel k = vk({F, T}, 0);
    k.inputs = {view(in(auxBase + AuxSlotToken), DType::I32, {F, T}, {0, K})};
    k.store(k.load(0),
            flat(sc(STokPerm) + (uint64_t)(4 * S), DType::I32, {F, T}));
    kernels.push_back(k);
    tag("fixed_tokens");
  }
  // 8. Each slot's permuted row, and the routing weights.
  {
    VectorKernel k = vk({T, K, E}, 1);
    k.inputs = {view(sc(SIdx), DType::I32, {T, K, E}, {K, 1, 0}),
                view(iota, DType::F32, {T, K, E}, {0, 0, 1}),
                view(sc(SCumI), DType::I32, {T, K, E}, {E, 0, 1}),
                view(sc(SFirst), DType::I32, {T, K, E}, {0, 0, 1}),
                view(sc(SScores), DType::F32, {T, K, E}, {E, 0, 1})};
    int eq =
        k.compare(bin::CmpKind::EQ, k.cast(k.load(0), DType::F32), k.load(1));
    int row = k.binary(Opcode::VAdd, k.cast(k.load(2), DType::F32),
                       k.cast(k.load(3), DType::F32));
    int zero = k.constant(0.0f, DType::F32);
    int pos = k.reduce(Opcode::VRedSum, k.select(eq, row, zero));
    k.store(k.cast(pos, DType::I32),
            view(sc(SPos), DType::I32, {T, K, 1}, {K, 1, 0}));
    int w = k.reduce(Opcode::VRedSum, k.select(eq, k.load(4), zero));
    k.store(w, view(sc(SWRaw), DType::F32, {T, K, 1}, {K, 1, 0}));
    kernels.push_back(k);
    tag("positions_weights");
  }
  {
    VectorKernel k = vk({T, K}, norm ? 1 : 0);
    k.inputs = {flat(sc(SWRaw), DType::F32, {T, K})};
    int w = k.load(0);
    if (norm) {
      int sum = k.reduce(Opcode::VRedSum, w);
      w = k.binary(Opcode::VDiv, w, k.scalar(Opcode::VAddS, sum, 1e-20f));
    }
    k.store(k.scalar(Opcode::VMulS, w, rsf), flat(sc(SW), DType::F32, {T, K}));
    kernels.push_back(k);
    tag("normalize");
  }
  // 9. The token of each permuted row (the gate/up product gathers the
  // tokens' rows by it), and the tokens in the experts' dtype.
  tokensInExpertsDtype();
  {
    GatherKernel g;
    g.name = name;
    g.scatter = true;
    g.table = flat(sc(STokPerm), DType::I32, {1, S, 1});
    g.index = flat(sc(SPos), DType::I32, {S});
    g.out = flat(in(auxBase + AuxSlotToken), DType::I32, {1, S, 1});
    g.wrap = S;
    // Every slot has a row of its own (the rows are a permutation).
    g.distinctRows = true;
    kernels.push_back(g);
    tag("token_of_row");
  }
  // 10. Routed experts. All the MoE may read: min(S, E) experts and the
  // shared ones (the code generator reads ahead into L2 when that fits).
  int64_t mayRead = (std::min(S, E) * 3 * I + 3 * Is) * H * dtypeByteSize(wDt);
  // The shared experts' SwiGLU in prefill. Their down weights, read at the
  // MoE's start, were evicted by the routed experts streaming through the
  // L2 since: the cache engine reads them again as it starts (V2-Lite's
  // 1024-token prefill MoE layer on dc: 1232.5 -> 1226.1 us).
  auto sharedSwigluRereadingDown = [&] {
    sharedSwiglu();
    if (options.cacheEngineAhead)
      std::get<VectorKernel>(kernels.back())
          .cacheEngineReads.push_back(
              {in(7), in(7) + (uint64_t)(H * Is * dtypeByteSize(wDt))});
  };
  // Fused: the shared experts' SwiGLU reads their rows of the gate/up
  // products ([F, T, I]) into the [T, F * I] their down product takes.
  auto sharedSwigluOfFixedRows = [&] {
    uint64_t first = (uint64_t)(S * I * dtypeByteSize(wDt));
    VectorKernel k = vk({F, T, I}, 0);
    k.inputs = {view(sc(SGate) + first, wDt, {F, T, I}, {T * I, I, 1}),
                view(sc(SUp) + first, wDt, {F, T, I}, {T * I, I, 1})};
    k.store(
        k.binary(Opcode::VMul, k.unary(Opcode::VSilu, k.load(0)), k.load(1)),
        view(sc(SSharedH), wDt, {F, T, I}, {I, Is, 1}));
    if (options.cacheEngineAhead)
      k.cacheEngineReads.push_back(
          {in(7), in(7) + (uint64_t)(H * Is * dtypeByteSize(wDt))});
    kernels.push_back(k);
    tag("shared_swiglu");
  };
  // With `sharedBeside`, the shared experts' SwiGLU goes before the down
  // product and their down product on the matrix cores it leaves (11.).
  // `rowOf` (i32 [rows], when given): the row of `a` ([T, H]) each row of
  // the experts' products takes.
  auto expertMlp = [&](const std::string &which, uint64_t a,
                       std::optional<uint64_t> rowOf, int64_t rows,
                       const TileTable &table, int64_t experts, int64_t width,
                       uint64_t gate, uint64_t up, uint64_t down, Scratch g,
                       Scratch u, Scratch h, Scratch o, DType oDt,
                       bool sharedBeside = false) {
    bool fused = which == "routed" && fuseShared;
    // Fused, the shared experts' rows follow the routed ones.
    int64_t guRows = fused ? rows + F * T : rows;
    GroupedMatmulKernel gu;
    gu.name = name;
    gu.a = flat(a, wDt, {rowOf ? T : rows, H});
    if (rowOf)
      gu.aRowOf = flat(*rowOf, DType::I32, {guRows});
    gu.weights.push_back({flat(gate, wDt, {experts, width, H}),
                          flat(sc(g), wDt, {guRows, width})});
    gu.weights.push_back({flat(up, wDt, {experts, width, H}),
                          flat(sc(u), wDt, {guRows, width})});
    if (fused) {
      // The shared [F * I, H] weights are F experts' [I, H] blocks.
      gu.weights[0].fixed = flat(in(5), wDt, {F, width, H});
      gu.weights[1].fixed = flat(in(6), wDt, {F, width, H});
    }
    gu.table = table;
    gu.tileRows = kTileRows;
    gu.readAheadBytes = mayRead;
    gu.readFromAttention = which == "routed" && routerFirst;
    kernels.push_back(gu);
    tag(which + "_gate_up");
    swiglu(g, u, h, rows, width, which + "_swiglu");
    // Experts read whole in all but name (a prefill's): the cache engine
    // reads the first of their down weights once the gate/up product's
    // paced read-ahead has done its reads (cacheEngineReadsAfter):
    // the product's last entries, computed after their reads, and the
    // SwiGLU leave the DRAM idle until the down product's own read-ahead
    // starts. (DeepSeek-V2-Lite's 1024-token prefill MoE layer on dc: asked
    // as the SwiGLU starts, 16 MiB 1242.8 us, 32 MiB 1233.8, 48 MiB 1232.5,
    // 64 MiB or more 1231.6 (stop 42); once the read-ahead's loads are
    // done, 60 / 72 / 84 / 96 MiB 1011.0 / 1005.8 / 1008.2 / 1026.6 against
    // 1015.4 as the SwiGLU starts: 3/8 of the L2, more evicts the lines the
    // gate/up product's last entries still need.)
    if (which == "routed" && options.cacheEngineAhead &&
        rows >= kRowsPerExpertReadWhole * experts) {
      uint64_t downBytes = (uint64_t)(experts * H * width * dtypeByteSize(wDt));
      auto &gateUp = std::get<GroupedMatmulKernel>(kernels[kernels.size() - 2]);
      gateUp.cacheEngineReadsAfter.push_back(
          {down, down + std::min(options.cacheEngineAhead * 3 / 2, downBytes)});
      gateUp.cacheEngineReadsAfterLoc = name + ":routed_swiglu:l2_prefetch";
    }
    if (fused)
      sharedSwigluOfFixedRows();
    else if (sharedBeside)
      sharedSwigluRereadingDown();
    GroupedMatmulKernel dn;
    dn.name = name;
    dn.productBeside = sharedBeside;
    dn.a = flat(sc(h), wDt, {rows, width});
    dn.weights.push_back(
        {flat(down, wDt, {experts, H, width}), flat(sc(o), oDt, {rows, H})});
    dn.table = fused ? routedOnly : table;
    dn.tileRows = kTileRows;
    dn.readAheadBytes = mayRead;
    kernels.push_back(dn);
    tag(which + "_down");
    if (sharedBeside)
      sharedDown();
  };
  // 11. Shared experts in prefill: their gate and up products go before
  // the routed experts, after a fence that completes the token gather, so
  // no barrier stands between them and the routed experts (they share no
  // buffer): the routed experts' paced read-ahead starts on the vector
  // cores while the cube cores compute them. With vector cores of their
  // own (dc), their SwiGLU then goes before the routed down product, which
  // leaves a third of the matrix cores to their down product beside it:
  // the routed product streams its weights and keeps its cores half idle,
  // and the shared one no longer ends the layer with the DRAM idle
  // (V2-Lite's 1024-token prefill MoE layer on dc: 1095.7 -> 1083.8 us;
  // the routed product on 18 or 20 of the 24 cores 1098.4 / 1101.6, on 12
  // to 15, whose columns split unevenly, over 1249). Elsewhere the rest
  // after the routed experts. (Their SwiGLU beside the routed one, then
  // down after a second fence before or after the routed down on all the
  // cores, was slower: 1415.4 / 1418.8 us against 1412.4 before the
  // evictions, 1109.7 against 1095.7 since.) Fused (fuseShared), their
  // gate and up products are the routed ones' fixed experts instead and
  // the cache engine reads the experts from the attention on: 1005.8 ->
  // 986.7 us.
  bool sharedSplit = shared && !sharedFirst && sharedAsProducts;
  bool sharedBeside = sharedSplit && options.separateVectorCores;
  if (sharedSplit && !fuseShared) {
    kernels.push_back(codegen::FenceKernel{name});
    tag("fence");
    sharedGateUp();
  }
  if (downBesideRouter)
    sharedDown();
  expertMlp("routed", xe, sc(STokPerm), S, routed, E, I, in(2), in(3), in(4),
            SGate, SUp, SH, SDown, wDt, sharedBeside);
  if (sharedSplit && !sharedBeside) {
    sharedSwigluRereadingDown();
    sharedDown();
  } else if (shared && !sharedFirst && !sharedSplit)
    expertMlp("shared", xe, std::nullopt, T, dense, 1, Is, in(5), in(6), in(7),
              SSharedGate, SSharedUp, SSharedH, SSharedDown, DType::F32);
  // 12. Combine in f32. The routed experts' outputs are in their dtype, as
  // HF's bf16 experts round them (then the weights multiply them in f32):
  // in f32 a 1024-token prefill of V2-Lite gathered 50 MB and read it back.
  // With more than one token the combine gathers each choice's rows itself
  // (dma_gather by pos[t, i]) instead of a gather kernel writing them in
  // (token, choice) order first (V2-Lite's 1024-token prefill: 25 MB
  // written and read back, 6.2 us); one token's six rows keep the kernel.
  {
    int64_t wBytes = dtypeByteSize(wDt);
    bool gatherInCombine = combineGathers(T);
    if (!gatherInCombine) {
      GatherKernel g;
      g.name = name;
      g.table = flat(sc(SDown), wDt, {1, S, H});
      g.index = flat(sc(SPos), DType::I32, {S});
      g.out = flat(sc(SGathered), wDt, {1, S, H});
      g.wrap = S;
      kernels.push_back(g);
      tag("gather_outputs");
    }
    VectorKernel k = vk({T, H}, 0);
    std::vector<int> loaded;
    for (int64_t i = 0; i < K; ++i) {
      k.inputs.push_back(
          view(sc(SW) + (uint64_t)(4 * i), DType::F32, {T, H}, {K, 0}));
      if (gatherInCombine)
        k.inputs.push_back(view(sc(SDown), wDt, {T, H}, {H, 1}));
      else
        k.inputs.push_back(view(sc(SGathered) + (uint64_t)(wBytes * i * H), wDt,
                                {T, H}, {K * H, 1}));
    }
    if (shared)
      k.inputs.push_back(flat(sc(SSharedDown), DType::F32, {T, H}));
    // Every load first: one run of DMAs, one latency (loads between the
    // products made a run per choice: 6 latencies, 4.8 us for V2-Lite's
    // decode on edge). The experts' rows are loaded in their own type and
    // converted one at a time where they are used, and the multiply-adds
    // accumulate in place: one converted row and one sum live at a time
    // instead of K + 1.
    for (size_t i = 0; i < k.inputs.size(); ++i) {
      bool routed = i < (size_t)(2 * K) && i % 2 == 1;
      if (routed && gatherInCombine)
        loaded.push_back(k.loadRows(
            (int)i,
            view(sc(SPos) + (uint64_t)(4 * (i / 2)), DType::I32, {T}, {K}), S,
            /*stored=*/true));
      else if (routed)
        loaded.push_back(k.loadStored((int)i));
      else
        loaded.push_back(k.load((int)i));
    }
    auto row = [&](int64_t i) { return k.cast(loaded[2 * i + 1], DType::F32); };
    // Fused multiply-adds onto the shared experts' sum (or the first
    // choice's product): a vmla a choice instead of a vmul and a vadd (the
    // 1024-token prefill's combine on dc: 19 -> 13 instructions a row).
    int acc =
        shared ? loaded.back() : k.binary(Opcode::VMul, loaded[0], row(0));
    for (int64_t i = shared ? 0 : 1; i < K; ++i)
      acc = k.mulAdd(loaded[2 * i], row(i), acc);
    if (computeTypeOf(outDt) != DType::F32)
      acc = k.cast(acc, computeTypeOf(outDt));
    k.store(acc, flat(out, outDt, {T, H}));
    kernels.push_back(k);
    tag("combine");
  }
  return true;
}

} // namespace tessera::conversion
