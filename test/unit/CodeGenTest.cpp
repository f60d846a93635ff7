//===- CodeGenTest.cpp - Kernels, local allocation and sync insertion -----===//
//
// The back end without MLIR: kernels built through ProgramBuilder, synced by
// insertSync, run on the simulator against host results. The sync test
// removes every inserted wait in turn: each removal must be caught as a race
// (no flag is superfluous), and the intact program must run clean (none is
// missing).
//
//===----------------------------------------------------------------------===//
#include "Presets.h"
#include "tessera/CodeGen/FirstFitAllocator.h"
#include "tessera/CodeGen/Kernels.h"
#include "tessera/CodeGen/MoEKernels.h"
#include "tessera/CodeGen/Reroll.h"
#include "tessera/CodeGen/Spmd.h"
#include "tessera/CodeGen/SyncInsertion.h"
#include "tessera/Sim/Simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <random>
#include <set>
#include <tuple>

using namespace tessera;
using namespace tessera::codegen;
using bin::Opcode;

namespace {

using unittest::preset;

Tensor randomTensor(Shape shape, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  Tensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setF(i, u(rng));
  return t;
}

/// Closes the program, inserts the pipe flags and verifies it.
bin::Program finishSynced(ProgramBuilder &pb, const target::TargetDesc &t,
                          SyncStats *sync = nullptr) {
  bin::Program p;
  std::string err;
  EXPECT_TRUE(pb.finish(p, err)) << err;
  SyncStats st;
  EXPECT_TRUE(insertSync(p, t, st, err)) << err;
  if (sync)
    *sync = st;
  EXPECT_TRUE(bin::verifyProgram(p, t, err)) << err;
  return p;
}

/// Expects c[0, :] == scale * x[0, :] @ w (x: [1, k], w: [k, n]).
void expectRowTimesMatrix(const Tensor &c, const Tensor &x, const Tensor &w,
                          int64_t k, int64_t n, double scale) {
  for (int64_t j = 0; j < n; ++j) {
    double acc = 0;
    for (int64_t i = 0; i < k; ++i)
      acc += (double)x.getF(i) * w.getF(i * n + j);
    EXPECT_NEAR(c.getF(j), scale * acc, 1e-3) << "column " << j;
  }
}

/// A grouped product c[rows, N] = a[rows, K] @ w[expert]^T over bf16 I/O
/// (a, w [E, N, K], c and an i32 table of `entries` at the addresses given)
/// that it adds to `pb`, in 128-row tiles.
GroupedMatmulKernel groupedBf16Product(ProgramBuilder &pb, const char *name,
                                       uint64_t a, uint64_t w, uint64_t c,
                                       uint64_t tbl, int64_t rows, int64_t K,
                                       int64_t E, int64_t N, int64_t entries) {
  pb.addIo({"a", false, DType::BF16, {rows, K}, a, bin::Layout::ND});
  pb.addIo({"w", false, DType::BF16, {E, N, K}, w, bin::Layout::ND});
  pb.addIo({"c", true, DType::BF16, {rows, N}, c, bin::Layout::ND});
  pb.addIo(
      {"table", false, DType::I32, {1 + 3 * entries}, tbl, bin::Layout::ND});
  GroupedMatmulKernel g;
  g.name = name;
  g.a = GmView::contiguous(a, DType::BF16, {rows, K});
  g.weights.push_back({GmView::contiguous(w, DType::BF16, {E, N, K}),
                       GmView::contiguous(c, DType::BF16, {rows, N})});
  g.table = {tbl, entries};
  g.tileRows = 128;
  return g;
}

/// The i32 table of a grouped product: its entry count, then (expert, first
/// row, rows) per entry.
Tensor groupedTable(const std::vector<std::array<int64_t, 3>> &table) {
  Tensor t(DType::I32, {1 + 3 * (int64_t)table.size()});
  t.setF(0, (double)table.size());
  for (size_t i = 0; i < table.size(); ++i)
    for (int f = 0; f < 3; ++f)
      t.setF(1 + 3 * (int64_t)i + f, (double)table[i][f]);
  return t;
}

/// Expects a grouped product's rows: for each table entry (expert, first
/// row, rows), c[r, col] = x[r, :] @ w[expert, col, :]^T within bf16's
/// rounding, every `rowStep`-th row and `colStep`-th column (from r % 5).
void expectGroupedRows(const Tensor &c, const Tensor &x, const Tensor &w,
                       const std::vector<std::array<int64_t, 3>> &table,
                       int64_t k, int64_t n, int64_t rowStep, int64_t colStep,
                       const std::string &what) {
  for (const auto &[e, r0, rows] : table)
    for (int64_t r = r0; r < r0 + rows; r += rowStep)
      for (int64_t col = r % 5; col < n; col += colStep) {
        double acc = 0;
        for (int64_t q = 0; q < k; ++q)
          acc += (double)x.getF(r * k + q) * w.getF((e * n + col) * k + q);
        ASSERT_NEAR(c.getF(r * n + col), acc, 1.0 / 64 * (1 + std::fabs(acc)))
            << what << " row " << r << " column " << col;
      }
}

/// y[m, n] = x[m, k] @ w[k, n], all f32 and contiguous in GM.
MatmulKernel matmulKernel(uint64_t x, uint64_t w, uint64_t y, int64_t m,
                          int64_t k, int64_t n) {
  MatmulKernel mm;
  mm.name = "matmul";
  mm.a = GmView::contiguous(x, DType::F32, {m, k});
  mm.b = GmView::contiguous(w, DType::F32, {k, n});
  mm.c = GmView::contiguous(y, DType::F32, {m, n});
  return mm;
}

/// c[1, n] = a[1, k] @ W^T for an nn.Linear weight W[n, k], all bf16 (a
/// decode projection).
MatmulKernel linearRowKernel(const char *name, uint64_t a, uint64_t w,
                             uint64_t c, int64_t k, int64_t n) {
  MatmulKernel mm;
  mm.name = name;
  mm.a = GmView::contiguous(a, DType::BF16, {1, k});
  mm.b = GmView::contiguous(w, DType::BF16, {k, n});
  mm.b.strides = {1, k}; // B = W^T
  mm.c = GmView::contiguous(c, DType::BF16, {1, n});
  return mm;
}

/// Instructions of opcode `op` in all of `p`'s streams.
size_t countOps(const bin::Program &p, Opcode op) {
  size_t n = 0;
  for (const bin::CoreStream &cs : p.streams)
    for (const bin::Instr &in : cs.instrs)
      n += in.op == op;
  return n;
}

/// The streams of `p` that run an instruction of opcode `op` (the cores a
/// kernel went to).
size_t streamsWith(const bin::Program &p, Opcode op) {
  size_t n = 0;
  for (const bin::CoreStream &cs : p.streams)
    n += llvm::any_of(cs.instrs,
                      [&](const bin::Instr &ins) { return ins.op == op; });
  return n;
}

/// A one-row vector kernel of k f32 values: to = exp(from), or (exp false)
/// to = from * x.
VectorKernel expOrTimesX(uint64_t from, uint64_t to, uint64_t x, int64_t k,
                         bool exp) {
  VectorKernel v;
  v.name = exp ? "exp" : "mul";
  v.space = {1, k};
  v.inputs.push_back(GmView::contiguous(from, DType::F32, {1, k}));
  int a = v.load(0);
  if (exp) {
    v.store(v.unary(Opcode::VExp, a),
            GmView::contiguous(to, DType::F32, {1, k}));
  } else {
    v.inputs.push_back(GmView::contiguous(x, DType::F32, {1, k}));
    v.store(v.binary(Opcode::VMul, a, v.load(1)),
            GmView::contiguous(to, DType::F32, {1, k}));
  }
  return v;
}

/// Builds x[rows, cols] -> softmax(x) and y = x @ w on one program.
bin::Program softmaxAndMatmul(const target::TargetDesc &t, int64_t rows,
                              int64_t cols, int64_t n, std::string &err,
                              SyncStats *sync = nullptr,
                              bool synchronize = true) {
  ProgramBuilder pb(t, "test");
  uint64_t x = 0, w = 1 << 20, s = 2 << 20, y = 3 << 20;
  pb.addIo({"x", false, DType::F32, {rows, cols}, x, bin::Layout::ND});
  pb.addIo({"w", false, DType::F32, {cols, n}, w, bin::Layout::ND});
  pb.addIo({"s", true, DType::F32, {rows, cols}, s, bin::Layout::ND});
  pb.addIo({"y", true, DType::F32, {rows, n}, y, bin::Layout::ND});
  pb.setGmBytes(4 << 20);
  VectorKernel k;
  k.name = "softmax";
  k.space = {rows, cols};
  k.reducedDims = 1;
  k.inputs.push_back(GmView::contiguous(x, DType::F32, {rows, cols}));
  int v = k.load(0);
  int m = k.reduce(Opcode::VRedMax, v);
  int e = k.unary(Opcode::VExp, k.binary(Opcode::VSub, v, m));
  int sum = k.reduce(Opcode::VRedSum, e);
  k.store(k.binary(Opcode::VDiv, e, sum),
          GmView::contiguous(s, DType::F32, {rows, cols}));
  Tiling vt;
  EXPECT_TRUE(pb.planVector(k, vt, err)) << err;
  vt.tile[1] = std::max<int64_t>(1, rows / 6); // several tiles per core
  vt.cores = 2;
  EXPECT_TRUE(pb.addVector(k, vt, err)) << err;
  MatmulKernel mm = matmulKernel(x, w, y, rows, cols, n);
  Tiling mt;
  EXPECT_TRUE(pb.planMatmul(mm, mt, err)) << err;
  EXPECT_TRUE(pb.addMatmul(mm, mt, err)) << err;
  if (!synchronize) {
    bin::Program p;
    EXPECT_TRUE(pb.finish(p, err)) << err;
    return p;
  }
  return finishSynced(pb, t, sync);
}

/// y = x @ w in 64 x 64 output tiles, five per row of tiles: a core's
/// tiles follow no stride, so folding its stream makes an offset table.
bin::Program matmulWithOffsetTables(const target::TargetDesc &t,
                                    std::string &err) {
  ProgramBuilder pb(t, "tables");
  int64_t m = 4096, k = 64, n = 320;
  uint64_t x = 0, w = 1 << 20, y = 2 << 20;
  pb.addIo({"x", false, DType::F32, {m, k}, x, bin::Layout::ND});
  pb.addIo({"w", false, DType::F32, {k, n}, w, bin::Layout::ND});
  pb.addIo({"y", true, DType::F32, {m, n}, y, bin::Layout::ND});
  pb.setGmBytes(8 << 20);
  MatmulKernel mm = matmulKernel(x, w, y, m, k, n);
  Tiling mt;
  EXPECT_TRUE(pb.planMatmul(mm, mt, err)) << err;
  mt.tile[0] = mt.tile[1] = 64;
  EXPECT_TRUE(pb.addMatmul(mm, mt, err)) << err;
  bin::Program p;
  EXPECT_TRUE(pb.finish(p, err)) << err;
  return p;
}

} // namespace

TEST(FirstFitAllocator, ReusesFreedBytesFirstFit) {
  FirstFitAllocator a(1024, 32);
  uint64_t x, y, z;
  ASSERT_TRUE(a.allocate(100, x));
  ASSERT_TRUE(a.allocate(64, y));
  EXPECT_EQ(x, 0u);
  EXPECT_EQ(y, 128u); // 100 rounds up to the 32-byte alignment
  a.release(x);
  ASSERT_TRUE(a.allocate(96, z));
  EXPECT_EQ(z, 0u); // the freed hole fits
  EXPECT_FALSE(a.allocate(1024, z));
  EXPECT_EQ(a.peak(), 192u);
}

TEST(FirstFitAllocator, AllocateHighTakesTheTopOfTheHighestGapBelowThePeak) {
  FirstFitAllocator a(1024, 32);
  uint64_t x, y, z, hi, low;
  ASSERT_TRUE(a.allocate(128, x));
  ASSERT_TRUE(a.allocate(128, y));
  ASSERT_TRUE(a.allocate(128, z));
  a.release(x);
  a.release(y);
  // Free [0, 256) below the peak 384: the block goes to its top.
  ASSERT_TRUE(a.allocateHigh(64, hi));
  EXPECT_EQ(hi, 192u);
  // The next first-fit buffer stays clear of it.
  ASSERT_TRUE(a.allocate(96, low));
  EXPECT_EQ(low, 0u);
  EXPECT_EQ(a.peak(), 384u);
  // No gap below the peak holds it: first fit, above the peak.
  ASSERT_TRUE(a.allocateHigh(256, hi));
  EXPECT_EQ(hi, 384u);
  EXPECT_EQ(a.peak(), 640u);
}

TEST(CodeGen, SoftmaxAndMatmulMatchTheHostOnBothPresets) {
  for (const char *name : {"dc", "edge"}) {
    const auto &t = preset(name);
    std::string err;
    int64_t rows = 48, cols = 40, n = 24;
    bin::Program p = softmaxAndMatmul(t, rows, cols, n, err);
    Tensor x = randomTensor({rows, cols}, 1), w = randomTensor({cols, n}, 2);
    std::map<std::string, Tensor> in{{"x", x}, {"w", w}}, out;
    sim::Stats st;
    ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err))
        << name << ": " << err;
    for (int64_t r = 0; r < rows; ++r) {
      float mx = -INFINITY, sum = 0;
      for (int64_t c = 0; c < cols; ++c)
        mx = std::max(mx, x.getF(r * cols + c));
      for (int64_t c = 0; c < cols; ++c)
        sum += std::exp(x.getF(r * cols + c) - mx);
      for (int64_t c = 0; c < cols; ++c)
        EXPECT_NEAR(out["s"].getF(r * cols + c),
                    std::exp(x.getF(r * cols + c) - mx) / sum, 1e-6)
            << name;
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t c = 0; c < cols; ++c)
          acc += (double)x.getF(r * cols + c) * w.getF(c * n + j);
        EXPECT_NEAR(out["y"].getF(r * n + j), acc, 1e-4) << name;
      }
    }
  }
}

TEST(SyncInsertion, EveryInsertedWaitIsNeededAndNoneIsMissing) {
  for (const char *name : {"dc", "edge"}) {
    const auto &t = preset(name);
    std::string err;
    SyncStats stats;
    bin::Program p = softmaxAndMatmul(t, 48, 40, 24, err, &stats);
    EXPECT_GT(stats.flagPairs, 10u) << name;
    EXPECT_GT(stats.alreadyOrdered, 0u) << name; // implied orders are reused
    std::map<std::string, Tensor> in{{"x", randomTensor({48, 40}, 3)},
                                     {"w", randomTensor({40, 24}, 4)}},
        out;
    sim::Stats st;
    ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << name << err;
    size_t waits = 0, caught = 0;
    for (size_t s = 0; s < p.streams.size(); ++s)
      for (size_t i = 0; i < p.streams[s].instrs.size(); ++i) {
        if (p.streams[s].instrs[i].op != Opcode::WaitFlag)
          continue;
        ++waits;
        bin::Program q = p;
        q.streams[s].instrs.erase(q.streams[s].instrs.begin() + i);
        q.debug.clear();
        std::string e2;
        if (!sim::Simulator(t).run(q, in, out, st, e2) &&
            e2.find("race on") != std::string::npos)
          ++caught;
        else
          ADD_FAILURE() << name << ": removing wait " << i << " ("
                        << bin::opInfo(p.streams[s].instrs[i].op).mnemonic
                        << " " << p.streams[s].instrs[i].ints[0] << "->"
                        << p.streams[s].instrs[i].ints[1] << ", before "
                        << bin::opInfo(p.streams[s].instrs[i + 1].op).mnemonic
                        << " "
                        << bin::describeTile(
                               p.streams[s].instrs[i + 1].tiles[0])
                        << ") of stream " << s << " went unnoticed (" << e2
                        << ")";
      }
    EXPECT_EQ(waits, stats.flagPairs) << name;
    EXPECT_EQ(caught, waits) << name;
  }
}

// The pipeline synchronizes and folds one stream at a time
// (insertSyncStream, LoopFolder), on several threads; that gives the same
// program, byte for byte, as insertSync on every stream followed by
// rerollLoops, whatever order the streams are folded in (here: last first;
// every stream's offset table goes where a sequential fold puts it).
TEST(Reroll, StreamByStreamMatchesWholeProgram) {
  for (const char *name : {"dc", "edge"}) {
    const auto &t = preset(name);
    std::string err;
    bin::Program whole = matmulWithOffsetTables(t, err);
    ASSERT_TRUE(err.empty()) << err;
    bin::Program streamwise = whole;
    SyncStats s0, s1;
    RerollStats r0;
    ASSERT_TRUE(insertSync(whole, t, s0, err)) << err;
    bin::Program straight = whole;
    ASSERT_TRUE(rerollLoops(whole, t, r0, err)) << err;
    uint32_t n = (uint32_t)streamwise.streams.size();
    std::vector<std::vector<bin::DebugEntry>> debugOf(n);
    for (const bin::DebugEntry &d : streamwise.debug)
      debugOf[d.stream].push_back(d);
    streamwise.debug.clear();
    LoopFolder folder(streamwise, t);
    for (uint32_t si = n; si-- > 0;) {
      ASSERT_TRUE(
          insertSyncStream(streamwise.streams[si], si, debugOf[si], s1, err))
          << err;
      folder.foldStream(si, debugOf[si]);
    }
    for (uint32_t si = 0; si < n; ++si)
      for (const bin::DebugEntry &d : debugOf[si])
        streamwise.debug.push_back(d);
    ASSERT_TRUE(folder.finish(err)) << err;
    EXPECT_GT(r0.tableBytes, 0u) << name; // the order of tables is tested
    EXPECT_GT(r0.loops, 0u) << name;
    EXPECT_EQ(folder.stats().loops, r0.loops) << name;
    EXPECT_EQ(folder.stats().before, r0.before) << name;
    EXPECT_EQ(folder.stats().after, r0.after) << name;
    EXPECT_EQ(s1.flagPairs, s0.flagPairs) << name;
    ASSERT_TRUE(bin::verifyProgram(streamwise, t, err)) << name << err;
    EXPECT_TRUE(bin::encodeProgram(streamwise) == bin::encodeProgram(whole))
        << name;
    // The loops read their offsets from the right rows: same results.
    std::map<std::string, Tensor> in{{"x", randomTensor({4096, 64}, 5)},
                                     {"w", randomTensor({64, 320}, 6)}},
        out0, out;
    sim::Stats st0, st;
    ASSERT_TRUE(sim::Simulator(t).run(straight, in, out0, st0, err)) << err;
    ASSERT_TRUE(sim::Simulator(t).run(streamwise, in, out, st, err))
        << name << err;
    EXPECT_EQ(out.at("y").toBytes(), out0.at("y").toBytes()) << name;
  }
}

// Folded streams may wait packed for shareStreams (the pipeline's memory
// bound on a whole model): the same program, byte for byte.
TEST(Spmd, PackedFoldedStreamsShareAlike) {
  for (const char *name : {"dc", "edge"}) {
    const auto &t = preset(name);
    std::string err;
    bin::Program whole = matmulWithOffsetTables(t, err);
    ASSERT_TRUE(err.empty()) << err;
    SyncStats ss;
    ASSERT_TRUE(insertSync(whole, t, ss, err)) << err;
    bin::Program packedProg = whole;
    auto foldAll = [&](bin::Program &p,
                       std::vector<bin::PackedStream> *packed) {
      uint32_t n = (uint32_t)p.streams.size();
      std::vector<std::vector<bin::DebugEntry>> debugOf(n);
      for (const bin::DebugEntry &d : p.debug)
        debugOf[d.stream].push_back(d);
      p.debug.clear();
      LoopFolder folder(p, t);
      folder.packInto(packed);
      for (uint32_t si = 0; si < n; ++si)
        folder.foldStream(si, debugOf[si]);
      for (uint32_t si = 0; si < n; ++si)
        for (const bin::DebugEntry &d : debugOf[si])
          p.debug.push_back(d);
      EXPECT_TRUE(folder.finish(err)) << err;
      return folder.stats();
    };
    RerollStats r0 = foldAll(whole, nullptr);
    std::vector<bin::PackedStream> packed(packedProg.streams.size());
    RerollStats r1 = foldAll(packedProg, &packed);
    EXPECT_GT(r0.tableBytes, 0u) << name; // table loads were relocated
    EXPECT_EQ(r1.after, r0.after) << name;
    for (const bin::CoreStream &cs : packedProg.streams)
      EXPECT_TRUE(cs.instrs.empty()) << name;
    SpmdStats s0, s1;
    shareStreams(whole, t, s0);
    shareStreams(packedProg, t, s1, &packed);
    EXPECT_EQ(s1.before, s0.before) << name;
    EXPECT_EQ(s1.after, s0.after) << name;
    ASSERT_TRUE(bin::verifyProgram(packedProg, t, err)) << name << err;
    EXPECT_TRUE(bin::encodeProgram(packedProg) == bin::encodeProgram(whole))
        << name;
  }
}

// Folding the synchronized streams into loops keeps every pipe's
// instructions, the results and the simulated time; every wait, inside a
// loop body or not, is still needed: removing it is reported as a race.
TEST(Reroll, LoopsKeepTheScheduleAndEveryWaitIsStillNeeded) {
  for (const char *name : {"dc", "edge"}) {
    const auto &t = preset(name);
    std::string err;
    bin::Program straight = softmaxAndMatmul(t, 256, 64, 128, err);
    bin::Program p = straight;
    RerollStats rs;
    ASSERT_TRUE(rerollLoops(p, t, rs, err)) << err;
    ASSERT_TRUE(bin::verifyProgram(p, t, err)) << name << err;
    EXPECT_GT(rs.loops, 0u) << name;
    EXPECT_LT(rs.after, rs.before) << name;
    std::map<std::string, Tensor> in{{"x", randomTensor({256, 64}, 3)},
                                     {"w", randomTensor({64, 128}, 4)}},
        out0, out;
    sim::Stats st0, st;
    ASSERT_TRUE(sim::Simulator(t).run(straight, in, out0, st0, err)) << err;
    ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << name << err;
    for (const char *o : {"s", "y"})
      EXPECT_EQ(out[o].toBytes(), out0[o].toBytes()) << name << " " << o;
    for (const auto &kv : st0.pipes) {
      if (kv.first != "S") {
        EXPECT_EQ(st.pipes[kv.first].instrs, kv.second.instrs)
            << name << " " << kv.first;
      }
    }
    EXPECT_NEAR(st.kernelCycles / st0.kernelCycles, 1.0, 0.01) << name;
    size_t inLoop = 0, caught = 0, waits = 0;
    int depth = 0;
    for (size_t s = 0; s < p.streams.size(); ++s)
      for (size_t i = 0; i < p.streams[s].instrs.size(); ++i) {
        Opcode op = p.streams[s].instrs[i].op;
        depth += op == Opcode::Loop ? 1 : op == Opcode::EndLoop ? -1 : 0;
        if (op != Opcode::WaitFlag)
          continue;
        ++waits;
        inLoop += depth > 0;
        bin::Program q = p;
        q.streams[s].instrs.erase(q.streams[s].instrs.begin() + i);
        q.debug.clear();
        std::string e2;
        if (!sim::Simulator(t).run(q, in, out, st, e2) &&
            e2.find("race on") != std::string::npos)
          ++caught;
        else
          ADD_FAILURE() << name << ": removing wait " << i << " of stream " << s
                        << " went unnoticed (" << e2 << ")";
      }
    EXPECT_GT(inLoop, 0u) << name;
    EXPECT_EQ(caught, waits) << name;
  }
}

// Kernels that structure their own code (a run-time trip count, a table
// walked with `sld`) bring scalar instructions and loops: the folder keeps
// those as they are and folds the straight-line runs around them, with
// registers above every register the stream uses.
TEST(Reroll, FoldsAroundCodeWithItsOwnLoops) {
  for (const char *name : {"dc", "edge"}) {
    const auto &t = preset(name);
    std::string err;
    bin::Program straight = softmaxAndMatmul(t, 256, 64, 128, err);
    ASSERT_TRUE(err.empty()) << err;
    // r5 = 7, then a loop of r5 + 1 trips that counts in r7: the kind of
    // code a grouped matmul or a decode attention writes for itself.
    std::vector<bin::Instr> own = {
        salu(Opcode::SAdd, 5, 0, 0, 7),
        bin::makeInstr(Opcode::Loop, {}, {6, 5, 1}),
        salu(Opcode::SAdd, 7, 7, 0, 1),
        bin::makeInstr(Opcode::EndLoop, {}),
    };
    straight.debug.clear();
    bin::Program plain = straight;
    RerollStats plainStats;
    ASSERT_TRUE(rerollLoops(plain, t, plainStats, err)) << err;
    // At the start of each stream: the folder works on what follows it.
    for (bin::CoreStream &cs : straight.streams)
      cs.instrs.insert(cs.instrs.begin(), own.begin(), own.end());
    ASSERT_TRUE(bin::verifyProgram(straight, t, err)) << name << err;
    bin::Program p = straight;
    RerollStats rs;
    ASSERT_TRUE(rerollLoops(p, t, rs, err)) << err;
    ASSERT_TRUE(bin::verifyProgram(p, t, err)) << name << err;
    // As much folded as without that code (the new loops' registers come
    // after r7 instead of r1: the same loops).
    EXPECT_GT(rs.loops, 0u) << name;
    EXPECT_EQ(rs.loops, plainStats.loops) << name;
    EXPECT_EQ(rs.after, plainStats.after + own.size() * straight.streams.size())
        << name;
    for (const bin::CoreStream &cs : p.streams) {
      // The kernel's own code is there as it was, once.
      auto at = std::search(cs.instrs.begin(), cs.instrs.end(), own.begin(),
                            own.end());
      ASSERT_NE(at, cs.instrs.end()) << name;
      size_t ownAt = (size_t)(at - cs.instrs.begin());
      for (size_t i = 0; i < cs.instrs.size(); ++i) {
        if (i >= ownAt && i < ownAt + own.size())
          continue;
        const bin::Instr &in = cs.instrs[i];
        if (in.op == Opcode::Loop) { // a new loop: registers above r7
          EXPECT_GT(in.ints[0], 7) << name;
        }
        for (unsigned k = 0; k < in.info().numTiles; ++k)
          for (unsigned r = 0; r < in.tiles[k].numTerms; ++r)
            EXPECT_GT(in.tiles[k].terms[r].reg, 7) << name;
      }
    }
    std::map<std::string, Tensor> in{{"x", randomTensor({256, 64}, 3)},
                                     {"w", randomTensor({64, 128}, 4)}},
        out0, out;
    sim::Stats st0, st;
    ASSERT_TRUE(sim::Simulator(t).run(straight, in, out0, st0, err)) << err;
    ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << name << err;
    for (const char *o : {"s", "y"})
      EXPECT_EQ(out[o].toBytes(), out0[o].toBytes()) << name << " " << o;
    for (const auto &kv : st0.pipes) {
      if (kv.first != "S") {
        EXPECT_EQ(st.pipes[kv.first].instrs, kv.second.instrs)
            << name << " " << kv.first;
      }
    }
  }
}

TEST(SyncInsertion, RefusesProgramsThatAlreadyHaveFlags) {
  const auto &t = preset("dc");
  std::string err;
  bin::Program p = softmaxAndMatmul(t, 16, 16, 16, err);
  SyncStats st;
  EXPECT_FALSE(insertSync(p, t, st, err));
  EXPECT_NE(err.find("already has pipe flags"), std::string::npos) << err;
}

// A pipe's first instruction may come after hundreds of other
// instructions (a group of 300 loads before the first product): the records
// of those loads must still be there for it (they were pruned when only the
// pipes that had run counted, and the product got no flag).
TEST(SyncInsertion, FirstProductAfterManyLoadsWaitsForThem) {
  using bin::makeTile;
  using target::Space;
  bin::CoreStream cs;
  for (int i = 0; i < 300; ++i)
    cs.instrs.push_back(bin::makeInstr(
        Opcode::DmaLd,
        {makeTile(Space::UB, (uint64_t)i * 1024, DType::F32, {16, 16}),
         makeTile(Space::GM, (uint64_t)i * 1024, DType::F32, {16, 16})}));
  cs.instrs.push_back(
      bin::makeInstr(Opcode::Mmad,
                     {makeTile(Space::UB, 1 << 20, DType::F32, {16, 16}),
                      makeTile(Space::UB, 0, DType::F32, {16, 16}),
                      makeTile(Space::UB, 1024, DType::F32, {16, 16})},
                     {0}));
  std::vector<bin::DebugEntry> debug;
  SyncStats st;
  std::string err;
  ASSERT_TRUE(insertSyncStream(cs, 0, debug, st, err)) << err;
  EXPECT_EQ(st.flagPairs, 1u);
  ASSERT_GE(cs.instrs.size(), 3u);
  EXPECT_EQ(cs.instrs[cs.instrs.size() - 2].op, Opcode::WaitFlag);
  EXPECT_EQ(cs.instrs.back().op, Opcode::Mmad);
}

/// y[m, n] = x[m, k] @ W^T, an nn.Linear weight W[n, k], all bf16 (a
/// prefill projection).
MatmulKernel linearKernel(uint64_t x, uint64_t w, uint64_t y, int64_t m,
                          int64_t k, int64_t n) {
  MatmulKernel mm = linearRowKernel("linear", x, w, y, k, n);
  mm.a = GmView::contiguous(x, DType::BF16, {m, k});
  mm.c = GmView::contiguous(y, DType::BF16, {m, n});
  return mm;
}

TEST(CodeGen, TallProductsBalanceTheirColumnTilesOverTheCores) {
  const auto &t = preset("dc");
  ProgramBuilder pb(t, "balance");
  std::string err;
  auto jobsOf = [](const Tiling &tl, int64_t m, int64_t n) {
    return (m + tl.tile[0] - 1) / tl.tile[0] *
           ((n + tl.tile[1] - 1) / tl.tile[1]);
  };
  // 1024 x 2048: 64 tiles of 128 x 256 take 3 rounds on 24 cube cores, the
  // last with 16 of them; a dispatch of its own fills the 3 rounds with
  // narrower tiles. A product beside another keeps its tiles.
  MatmulKernel o = linearKernel(0, 8 << 20, 16 << 20, 1024, 2048, 2048);
  Tiling own, beside;
  ASSERT_TRUE(pb.planMatmul(o, own, err, 0, /*ownCores=*/true)) << err;
  ASSERT_TRUE(pb.planMatmul(o, beside, err)) << err;
  EXPECT_EQ(beside.tile[1], 256);
  EXPECT_EQ(jobsOf(beside, 1024, 2048), 64);
  EXPECT_LT(own.tile[1], 256);
  EXPECT_EQ(jobsOf(own, 1024, 2048) % 24, 0);
  EXPECT_EQ((jobsOf(own, 1024, 2048) + 23) / 24, 3);
  // N = 576 beside a sibling's 96 jobs: three equal column tiles, not
  // 256, 256 and 64.
  MatmulKernel kv = linearKernel(0, 8 << 20, 16 << 20, 1024, 2048, 576);
  Tiling eq;
  ASSERT_TRUE(pb.planMatmul(kv, eq, err, 96, /*ownCores=*/true)) << err;
  EXPECT_EQ(eq.tile[1], 192);
  // The balanced tiles compute the same product.
  ProgramBuilder run(t, "balanced");
  int64_t m = 512, k = 256, n = 2048;
  uint64_t x = 0, w = m * k * 2, y = w + n * k * 2;
  run.addIo({"x", false, DType::BF16, {m, k}, x, bin::Layout::ND});
  run.addIo({"w", false, DType::BF16, {n, k}, w, bin::Layout::ND});
  run.addIo({"y", true, DType::BF16, {m, n}, y, bin::Layout::ND});
  run.setGmBytes(y + m * n * 2);
  MatmulKernel mm = linearKernel(x, w, y, m, k, n);
  Tiling tl;
  ASSERT_TRUE(run.planMatmul(mm, tl, err, 0, /*ownCores=*/true)) << err;
  EXPECT_LT(tl.tile[1], 256); // 32 tiles of 256: 2 rounds, the last 8 cores
  ASSERT_TRUE(run.addMatmul(mm, tl, err)) << err;
  bin::Program p = finishSynced(run, t);
  Tensor xs = randomTensor({m, k}, 7).castTo(DType::BF16),
         ws = randomTensor({n, k}, 8).castTo(DType::BF16);
  std::map<std::string, Tensor> in{{"x", xs}, {"w", ws}}, out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  const Tensor &ys = out["y"];
  double worst = 0;
  for (int64_t i = 0; i < m; i += 37)
    for (int64_t j = 0; j < n; j += 11) {
      double ref = 0;
      for (int64_t q = 0; q < k; ++q)
        ref += (double)xs.getF(i * k + q) * (double)ws.getF(j * k + q);
      worst = std::max(worst, std::fabs(ys.getF(i * n + j) - ref) /
                                  (1.0 + std::fabs(ref)));
    }
  EXPECT_LT(worst, 2e-2);
}

TEST(CodeGen, SplitKPartialSumsAddUp) {
  const auto &t = preset("dc");
  ProgramBuilder pb(t, "splitk");
  int64_t k = 2048, n = 576;
  uint64_t a = 0, b = 16384, c = b + k * n * 4, parts = c + 4096;
  pb.addIo({"a", false, DType::F32, {1, k}, a, bin::Layout::ND});
  pb.addIo({"b", false, DType::F32, {k, n}, b, bin::Layout::ND});
  pb.addIo({"c", true, DType::F32, {1, n}, c, bin::Layout::ND});
  MatmulKernel mm;
  mm.name = "decode";
  mm.a = GmView::contiguous(a, DType::F32, {1, k});
  mm.b = GmView::contiguous(b, DType::F32, {k, n});
  mm.c = GmView::contiguous(c, DType::F32, {1, n});
  mm.partialsAddr = parts;
  Tiling tl;
  std::string err;
  ASSERT_TRUE(pb.planMatmul(mm, tl, err)) << err;
  ASSERT_GE(tl.tile.size(), 5u);
  EXPECT_GT(tl.tile[4], 1); // K is split
  pb.setGmBytes(parts + (uint64_t)tl.scratchBytes);
  ASSERT_TRUE(pb.addMatmul(mm, tl, err)) << err;
  bin::Program p = finishSynced(pb, t);
  Tensor x = randomTensor({1, k}, 5), w = randomTensor({k, n}, 6);
  std::map<std::string, Tensor> in{{"a", x}, {"b", w}}, out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  expectRowTimesMatrix(out["c"], x, w, k, n, 1.0);
}

/// The vector streams of `p` whose load of x (a GEMV job's row of A, at
/// `aAddr` in GM) comes before their first loop (once per kernel) and
/// those where it comes inside (once per job).
std::pair<int, int> gemvXLoads(const bin::Program &p,
                               const target::TargetDesc &t, uint64_t aAddr) {
  int before = 0, inside = 0;
  for (const bin::CoreStream &cs : p.streams) {
    if (t.coreTypes[cs.coreType].hasPipe(target::Pipe::M))
      continue;
    bool inLoop = false;
    for (const bin::Instr &in : cs.instrs) {
      inLoop |= in.op == Opcode::Loop;
      if (in.op == Opcode::DmaLd && in.tiles[1].space == target::Space::GM &&
          in.tiles[1].offset == aAddr) {
        ++(inLoop ? inside : before);
        break;
      }
    }
  }
  return {before, inside};
}

// Decode: a one-row product with a large B also runs on the vector cores
// (GEMV jobs beside the matrix cores' jobs); both kinds of partial sums add
// up to the host's product, at f32 and at bf16, with no race.
TEST(CodeGen, DecodeGemvJobsShareTheProductWithTheVectorCores) {
  const auto &t = preset("dc");
  for (DType dt : {DType::F32, DType::BF16}) {
    SCOPED_TRACE(dtypeName(dt));
    ProgramBuilder pb(t, "gemv");
    int64_t k = 2048, n = 3000, es = dtypeByteSize(dt);
    uint64_t a = 0, b = 16384, c = b + (uint64_t)(k * n * es),
             parts = c + 16384;
    pb.addIo({"a", false, dt, {1, k}, a, bin::Layout::ND});
    pb.addIo({"b", false, dt, {k, n}, b, bin::Layout::ND});
    pb.addIo({"c", true, DType::F32, {1, n}, c, bin::Layout::ND});
    MatmulKernel mm;
    mm.name = "decode";
    mm.a = GmView::contiguous(a, dt, {1, k});
    mm.b = GmView::contiguous(b, dt, {k, n});
    mm.c = GmView::contiguous(c, DType::F32, {1, n});
    mm.scale = 0.5f;
    mm.partialsAddr = parts;
    Tiling tl;
    std::string err;
    ASSERT_TRUE(pb.planMatmul(mm, tl, err)) << err;
    ASSERT_EQ(tl.tile.size(), 6u);
    EXPECT_EQ(tl.tile[5], 48); // every vector core may take jobs
    pb.setGmBytes(parts + (uint64_t)tl.scratchBytes);
    ASSERT_TRUE(pb.addMatmul(mm, tl, err)) << err;
    bin::Program p = finishSynced(pb, t);
    // Both kinds of cores got jobs: mmad on matrix cores, vmul on vector.
    EXPECT_GT(countOps(p, Opcode::Mmad), 0u);
    EXPECT_GT(countOps(p, Opcode::VMul), 0u);
    // K is split: each job reads its own slice of x.
    auto [xBefore, xInside] = gemvXLoads(p, t, a);
    EXPECT_EQ(xBefore, 0);
    EXPECT_GT(xInside, 0);
    Tensor x = randomTensor({1, k}, 7), w = randomTensor({k, n}, 8);
    if (dt != DType::F32) { // the inputs the program sees
      x = x.castTo(dt).castTo(DType::F32);
      w = w.castTo(dt).castTo(DType::F32);
    }
    std::map<std::string, Tensor> in{{"a", x.castTo(dt)}, {"b", w.castTo(dt)}},
        out;
    sim::Stats st;
    ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
    expectRowTimesMatrix(out["c"], x, w, k, n, 0.5);
  }
}

// A batch of one-row products (MLA's W_UV per head in decode) over
// nn.Linear-style [N, K] weights runs on the vector cores as GEMV jobs,
// each (product, column tile) reading its own row of A, rows of its weight
// and writing its own output row.
TEST(CodeGen, BatchedOneRowProductsRunAsGemvJobs) {
  const auto &t = preset("dc");
  ProgramBuilder pb(t, "batched_gemv");
  int64_t batch = 4, k = 512, n = 256;
  uint64_t a = 0, w = 16384, c = w + (uint64_t)(batch * n * k * 2);
  pb.addIo({"a", false, DType::BF16, {batch, 1, k}, a, bin::Layout::ND});
  pb.addIo({"w", false, DType::BF16, {batch, n, k}, w, bin::Layout::ND});
  pb.addIo({"c", true, DType::F32, {batch, 1, n}, c, bin::Layout::ND});
  pb.setGmBytes(c + (uint64_t)(batch * n * 4));
  MatmulKernel mm;
  mm.name = "w_uv";
  mm.a = GmView::contiguous(a, DType::BF16, {batch, 1, k});
  mm.b = GmView::contiguous(w, DType::BF16, {batch, k, n});
  mm.b.strides = {n * k, 1, k}; // B = W^T per product
  mm.c = GmView::contiguous(c, DType::F32, {batch, 1, n});
  Tiling tl;
  std::string err;
  ASSERT_TRUE(pb.planMatmul(mm, tl, err)) << err;
  ASSERT_EQ(tl.tile.size(), 6u);
  EXPECT_EQ(tl.tile[5], 48);
  ASSERT_TRUE(pb.addMatmul(mm, tl, err)) << err;
  bin::Program p = finishSynced(pb, t);
  EXPECT_EQ(countOps(p, Opcode::Mmad), 0u)
      << "vector cores alone out-demand DRAM";
  EXPECT_GT(countOps(p, Opcode::VMul), 0u);
  Tensor x = randomTensor({batch, 1, k}, 11).castTo(DType::BF16),
         wt = randomTensor({batch, n, k}, 12).castTo(DType::BF16);
  std::map<std::string, Tensor> in{{"a", x}, {"w", wt}}, out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t i = 0; i < k; ++i)
        acc += (double)x.getF(bi * k + i) * wt.getF((bi * n + j) * k + i);
      EXPECT_NEAR(out["c"].getF(bi * n + j), acc, 1e-3 * (1 + std::fabs(acc)))
          << "product " << bi << " column " << j;
    }
}

// A one-row product whose vector cores alone out-demand DRAM: its 2048
// columns are 128 tiles of 16, which 48 cores would take as 3 or 2 (a third
// of the cores streaming half as much again). The jobs are instead a
// multiple of the cores in widths one column apart (the job table's last
// field), so every core's columns are within a few of each other, and the
// products still match the host's.
TEST(CodeGen, VectorOnlyGemvJobsBalanceTheCores) {
  const auto &t = preset("dc");
  ProgramBuilder pb(t, "even_gemv");
  int64_t k = 1024, n = 2048;
  uint64_t a = 0, w = 16384, c = w + (uint64_t)(n * k * 2);
  pb.addIo({"a", false, DType::BF16, {1, k}, a, bin::Layout::ND});
  pb.addIo({"w", false, DType::BF16, {n, k}, w, bin::Layout::ND});
  pb.addIo({"c", true, DType::BF16, {1, n}, c, bin::Layout::ND});
  pb.setGmBytes(c + (uint64_t)(n * 2));
  MatmulKernel mm = linearRowKernel("o_proj", a, w, c, k, n);
  Tiling tl;
  std::string err;
  ASSERT_TRUE(pb.planMatmul(mm, tl, err)) << err;
  ASSERT_EQ(tl.tile.size(), 6u);
  EXPECT_EQ(tl.tile[1], 16) << "column tiles of 16";
  ASSERT_TRUE(pb.addMatmul(mm, tl, err)) << err;
  bin::Program p = finishSynced(pb, t);
  EXPECT_EQ(countOps(p, Opcode::Mmad), 0u);
  // The job table: a header with each core's first entry, then entries of
  // (x, B, output, blocks | columns << 16), i32 each.
  const bin::ConstBlob *table = nullptr;
  for (const bin::ConstBlob &b : p.consts)
    if (b.name == "gemv_jobs")
      table = &b;
  ASSERT_NE(table, nullptr);
  std::vector<int32_t> words(table->size / 4);
  std::memcpy(words.data(), table->data.data(), words.size() * 4);
  int64_t cores = t.coreTypes[1].count, header = (cores * 4 + 15) / 16 * 16;
  int64_t most = 0, least = n, total = 0;
  for (int64_t v = 0; v < cores; ++v) {
    int64_t lo = words[v] / 4, hi = v + 1 < cores
                                        ? words[v + 1] / 4
                                        : (int64_t)words.size() - header / 4;
    int64_t cols = 0;
    for (int64_t e = lo; e < hi; e += 4)
      cols += words[header / 4 + e + 3] >> 16;
    most = std::max(most, cols);
    least = std::min(least, cols);
    total += cols;
  }
  EXPECT_EQ(total, n);
  EXPECT_LE(most - least, 3)
      << "busiest core " << most << " columns, least " << least;
  Tensor x = randomTensor({1, k}, 21).castTo(DType::BF16),
         wt = randomTensor({n, k}, 22).castTo(DType::BF16);
  std::map<std::string, Tensor> in{{"a", x}, {"w", wt}}, out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  for (int64_t j = 0; j < n; ++j) {
    double acc = 0;
    for (int64_t i = 0; i < k; ++i)
      acc += (double)x.getF(i) * wt.getF(j * k + i);
    EXPECT_NEAR(out["c"].getF(j), acc, 1e-2 * (1 + std::fabs(acc)))
        << "column " << j;
  }
}

// A product's bias (a deferrable vector kernel) waits until a later kernel
// reads its bytes: the next product, which reads none of them, follows the
// first without a barrier, in the same GEMV batch (Qwen2's Q, K and V
// projections, each with a bias). The biases are still added.
TEST(CodeGen, ABiasWaitsSoIndependentProductsNeedNoBarrier) {
  const auto &t = preset("dc");
  ProgramBuilder pb(t, "biased_gemvs");
  int64_t k = 1024, n = 512;
  uint64_t a = 0, w1 = 16384, w2 = w1 + (uint64_t)(n * k * 2),
           b1 = w2 + (uint64_t)(n * k * 2), b2 = b1 + 4096, c1 = b2 + 4096,
           c2 = c1 + 4096, s = c2 + 4096;
  pb.addIo({"a", false, DType::BF16, {1, k}, a, bin::Layout::ND});
  pb.addIo({"w1", false, DType::BF16, {n, k}, w1, bin::Layout::ND});
  pb.addIo({"w2", false, DType::BF16, {n, k}, w2, bin::Layout::ND});
  pb.addIo({"b1", false, DType::BF16, {1, n}, b1, bin::Layout::ND});
  pb.addIo({"b2", false, DType::BF16, {1, n}, b2, bin::Layout::ND});
  pb.addIo({"c1", true, DType::BF16, {1, n}, c1, bin::Layout::ND});
  pb.addIo({"c2", true, DType::BF16, {1, n}, c2, bin::Layout::ND});
  pb.addIo({"s", true, DType::BF16, {1, n}, s, bin::Layout::ND});
  pb.setGmBytes(s + 4096);
  std::string err;
  for (auto [w, b, c] : {std::tuple{w1, b1, c1}, std::tuple{w2, b2, c2}}) {
    MatmulKernel mm = linearRowKernel("proj", a, w, c, k, n);
    Tiling tl;
    ASSERT_TRUE(pb.planMatmul(mm, tl, err)) << err;
    ASSERT_TRUE(pb.addMatmul(mm, tl, err)) << err;
    VectorKernel bias;
    bias.name = "proj_bias";
    bias.space = {1, n};
    bias.deferrable = true;
    bias.inputs = {GmView::contiguous(c, DType::BF16, {1, n}),
                   GmView::contiguous(b, DType::BF16, {1, n})};
    bias.store(bias.binary(Opcode::VAdd, bias.load(0), bias.load(1)),
               bias.inputs[0]);
    Tiling vt;
    ASSERT_TRUE(pb.planVector(bias, vt, err)) << err;
    ASSERT_TRUE(pb.addVector(bias, vt, err)) << err;
  }
  EXPECT_EQ(pb.stats().crossCoreBarriers, 0u)
      << "a bias ran between the independent products";
  // s = c1 + c2 reads both: the biases run first.
  VectorKernel sum;
  sum.name = "sum";
  sum.space = {1, n};
  sum.inputs = {GmView::contiguous(c1, DType::BF16, {1, n}),
                GmView::contiguous(c2, DType::BF16, {1, n})};
  sum.store(sum.binary(Opcode::VAdd, sum.load(0), sum.load(1)),
            GmView::contiguous(s, DType::BF16, {1, n}));
  Tiling vt;
  ASSERT_TRUE(pb.planVector(sum, vt, err)) << err;
  ASSERT_TRUE(pb.addVector(sum, vt, err)) << err;
  bin::Program p = finishSynced(pb, t);
  Tensor x = randomTensor({1, k}, 31).castTo(DType::BF16),
         wa = randomTensor({n, k}, 32).castTo(DType::BF16),
         wb = randomTensor({n, k}, 33).castTo(DType::BF16),
         ba = randomTensor({1, n}, 34), bb = randomTensor({1, n}, 35);
  for (Tensor *b : {&ba, &bb}) { // biases well above bf16's rounding of c
    for (int64_t j = 0; j < n; ++j)
      b->setF(j, 8 * b->getF(j));
    *b = b->castTo(DType::BF16);
  }
  std::map<std::string, Tensor> in{
      {"a", x}, {"w1", wa}, {"w2", wb}, {"b1", ba}, {"b2", bb}},
      out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  // c = x W^T + b, rounded to bf16 (8 bits: a relative 2^-8 at most for
  // the product and again for the sum); s = c1 + c2 from the c read back.
  for (int64_t j = 0; j < n; ++j) {
    for (auto [c, w, b] :
         {std::tuple{"c1", &wa, &ba}, std::tuple{"c2", &wb, &bb}}) {
      double dot = 0;
      for (int64_t i = 0; i < k; ++i)
        dot += (double)x.getF(i) * w->getF(j * k + i);
      double want = dot + b->getF(j);
      EXPECT_NEAR(out[c].getF(j), want,
                  1e-3 + std::ldexp(std::fabs(dot) + std::fabs(want), -8))
          << c << " column " << j;
    }
    double sum = (double)out["c1"].getF(j) + out["c2"].getF(j);
    EXPECT_NEAR(out["s"].getF(j), sum, 1e-3 + std::ldexp(std::fabs(sum), -8))
        << "column " << j;
  }
}

// Decode's grouped matmul: one token's experts, one table entry each, the
// weights read into L2 by the vector cores ahead of the cube cores. A cube
// core's time is its weight bytes, so its columns are cut one column apart
// (tiles a 16-column fractal apart, 112 or 128, left a third of the cores
// 9 % behind); each read-ahead core reads its share of every entry of its
// job, in the cube core's order (entries dealt round robin between the two
// left the last two to land together). The products still match the host's.
TEST(CodeGen, DecodeGroupedMatmulBalancesTheCubeCoresAndReadsAheadInOrder) {
  const auto &t = preset("dc");
  int64_t E = 8, N = 1408, K = 256, rows = 6, maxEntries = 7;
  std::vector<int32_t> expertOf = {5, 0, 7, 2, 3, 6};
  uint64_t wBytes = (uint64_t)(E * N * K * 2), cBytes = 32768;
  uint64_t a = 0, w0 = 65536, w1 = w0 + wBytes, c0 = w1 + wBytes,
           c1 = c0 + cBytes, tbl = c1 + cBytes;
  ProgramBuilder pb(t, "grouped");
  pb.addIo({"a", false, DType::BF16, {rows, K}, a, bin::Layout::ND});
  pb.addIo({"w0", false, DType::BF16, {E, N, K}, w0, bin::Layout::ND});
  pb.addIo({"w1", false, DType::BF16, {E, N, K}, w1, bin::Layout::ND});
  pb.addIo({"c0", true, DType::BF16, {rows, N}, c0, bin::Layout::ND});
  pb.addIo({"c1", true, DType::BF16, {rows, N}, c1, bin::Layout::ND});
  int64_t tblLen = 1 + 3 * maxEntries;
  pb.addIo({"table", false, DType::I32, {tblLen}, tbl, bin::Layout::ND});
  pb.setGmBytes(tbl + 4096);
  GroupedMatmulKernel g;
  g.name = "routed_gate_up";
  g.a = GmView::contiguous(a, DType::BF16, {rows, K});
  for (uint64_t w : {w0, w1})
    g.weights.push_back(
        {GmView::contiguous(w, DType::BF16, {E, N, K}),
         GmView::contiguous(w == w0 ? c0 : c1, DType::BF16, {rows, N})});
  g.table = {tbl, maxEntries};
  g.tileRows = 128;
  g.readAheadBytes = (int64_t)(rows * 2 * N * K * 2);
  std::string err;
  ASSERT_TRUE(pb.addGroupedMatmul(g, err)) << err;
  bin::Program p = finishSynced(pb, t);
  Tensor x = randomTensor({rows, K}, 21).castTo(DType::BF16);
  Tensor wt0 = randomTensor({E, N, K}, 22).castTo(DType::BF16),
         wt1 = randomTensor({E, N, K}, 23).castTo(DType::BF16);
  Tensor table(DType::I32, {tblLen});
  table.setF(0, (double)rows);
  for (int64_t i = 0; i < rows; ++i) {
    table.setF(1 + 3 * i, expertOf[i]);
    table.setF(2 + 3 * i, (double)i);
    table.setF(3 + 3 * i, 1.0);
  }
  std::map<std::string, Tensor> in{
      {"a", x}, {"w0", wt0}, {"w1", wt1}, {"table", table}},
      out;
  sim::SimOptions opts;
  opts.recordTrace = true;
  sim::Simulator sim(t, opts);
  sim::Stats st;
  ASSERT_TRUE(sim.run(p, in, out, st, err)) << err;
  for (int wi = 0; wi < 2; ++wi) {
    const Tensor &w = wi ? wt1 : wt0;
    const Tensor &c = out.at(wi ? "c1" : "c0");
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t n = 0; n < N; n += 7) {
        double acc = 0;
        for (int64_t q = 0; q < K; ++q)
          acc += (double)x.getF(i * K + q) *
                 w.getF(((int64_t)expertOf[i] * N + n) * K + q);
        EXPECT_NEAR(c.getF(i * N + n), acc, 1.0 / 64 * (1 + std::fabs(acc)))
            << "weight " << wi << " row " << i << " column " << n;
      }
  }
  // Weight bytes each cube core loads (its B tiles; A is one row), and the
  // loads of each read-ahead core (one per entry and K chunk).
  std::map<uint32_t, double> cubeBytes;
  std::map<uint32_t, int> readAheadLoads;
  for (const sim::TraceEvent &e : sim.trace()) {
    const bin::Instr &in = p.code(e.stream)[e.instr];
    if (in.op != Opcode::DmaLd)
      continue;
    const bin::CoreStream &cs = p.streams[e.stream];
    if (t.coreTypes[cs.coreType].hasPipe(target::Pipe::M)) {
      const bin::Tile &src = in.tiles[1];
      if (src.offset >= w0 && src.offset < c0)
        cubeBytes[e.stream] += (double)src.numElements() * 2;
    } else {
      ++readAheadLoads[e.stream];
    }
  }
  ASSERT_EQ(cubeBytes.size(), 24u) << "every cube core takes work";
  double most = 0, sum = 0;
  for (auto &[s, b] : cubeBytes) {
    most = std::max(most, b);
    sum += b;
  }
  EXPECT_LE(most, 1.02 * sum / (double)cubeBytes.size());
  ASSERT_EQ(readAheadLoads.size(), 48u) << "every vector core reads ahead";
  for (auto &[s, n] : readAheadLoads)
    EXPECT_EQ(n, rows) << "stream " << s << ": one load per entry";
}

// A prefill's routed down product runs beside the shared experts' on two
// thirds of the cube cores. Each core of a column tile loads every entry's
// A rows as well as its weight tile, and at 128 columns those loads
// outlast the core's share of the DRAM time: the tiles are 256 wide (one
// L0C buffer) and parts fill the cores, so each entry's rows are loaded
// once per 256 columns. A product with all the cores keeps narrower tiles.
// The results match the host's either way.
TEST(CodeGen, GroupedDownProductBesideTakesWideTilesWhenItsCoresLoadMost) {
  const auto &t = preset("dc");
  int64_t E = 4, N = 512, K = 1408, rows = 300, entries = 4;
  // (expert, first row, rows): expert 0 has two entries, expert 2 none.
  std::vector<std::array<int64_t, 3>> table = {
      {0, 0, 128}, {0, 128, 22}, {1, 150, 100}, {3, 250, 50}};
  uint64_t wBytes = (uint64_t)(E * N * K * 2);
  uint64_t a = 0, w = 1 << 20, c = w + wBytes,
           tbl = c + (uint64_t)(rows * N * 2);
  Tensor x = randomTensor({rows, K}, 31).castTo(DType::BF16);
  Tensor wt = randomTensor({E, N, K}, 32).castTo(DType::BF16);
  Tensor tableT = groupedTable(table);
  for (bool beside : {true, false}) {
    ProgramBuilder pb(t, "grouped");
    GroupedMatmulKernel g = groupedBf16Product(pb, "routed_down", a, w, c, tbl,
                                               rows, K, E, N, entries);
    pb.setGmBytes(tbl + 4096);
    g.productBeside = beside;
    std::string err;
    ASSERT_TRUE(pb.addGroupedMatmul(g, err)) << err;
    bin::Program p = finishSynced(pb, t);
    std::map<std::string, Tensor> in{{"a", x}, {"w", wt}, {"table", tableT}},
        out;
    sim::SimOptions opts;
    opts.recordTrace = true;
    sim::Simulator sim(t, opts);
    sim::Stats st;
    ASSERT_TRUE(sim.run(p, in, out, st, err)) << err;
    expectGroupedRows(out.at("c"), x, wt, table, K, N, 3, 5,
                      beside ? "beside" : "alone");
    // The cube cores' loads: A's (their rows a run-time extent) and the
    // weights' (static tiles), chunk by chunk of each entry's tile.
    int aLoads = 0, wLoads = 0;
    double wLoaded = 0;
    int64_t widest = 0;
    std::set<uint32_t> cubes;
    for (const sim::TraceEvent &ev : sim.trace()) {
      const bin::Instr &ins = p.code(ev.stream)[ev.instr];
      const bin::CoreStream &cs = p.streams[ev.stream];
      if (ins.op != Opcode::DmaLd ||
          !t.coreTypes[cs.coreType].hasPipe(target::Pipe::M))
        continue;
      cubes.insert(ev.stream);
      const bin::Tile &src = ins.tiles[1];
      if (src.offset < w) {
        ++aLoads;
      } else if (src.offset < c) {
        ++wLoads;
        wLoaded += (double)src.numElements() * 2;
        widest = std::max(widest, src.shape[0]);
      }
    }
    // Each entry's weights once, and its rows once per weight tile.
    EXPECT_EQ(wLoaded, (double)(entries * N * K * 2));
    EXPECT_EQ(aLoads, wLoads);
    if (beside) {
      // Two tiles in eight parts on 16 cores: the four entries keep 8.
      EXPECT_EQ(cubes.size(), 8u);
      EXPECT_EQ(widest, 256) << "wide tiles";
    } else {
      EXPECT_EQ(cubes.size(), 24u);
      EXPECT_LE(widest, 128) << "narrow tiles";
    }
  }
}

// A prefill's grouped product, its weights read ahead by partner vector
// cores paced by the cube cores, asks the cache engine for the next
// kernel's weights (cacheEngineReadsAfter) as the partners' last reads are
// done: split among them, every byte once, while the cube cores still
// compute, not with the next kernel. The products still match the host's.
TEST(CodeGen, PacedGroupedProductAsksForTheNextWeightsAsItsReadAheadEnds) {
  const auto &t = preset("dc");
  int64_t E = 4, N = 256, K = 512, rows = 300, entries = 4;
  std::vector<std::array<int64_t, 3>> table = {
      {0, 0, 128}, {0, 128, 22}, {1, 150, 100}, {3, 250, 50}};
  uint64_t wBytes = (uint64_t)(E * N * K * 2), nextBytes = 1 << 20;
  uint64_t a = 0, w = 1 << 20, c = w + wBytes,
           tbl = c + (uint64_t)(rows * N * 2), next = tbl + 4096;
  ProgramBuilder pb(t, "grouped");
  GroupedMatmulKernel g = groupedBf16Product(pb, "routed_gate_up", a, w, c, tbl,
                                             rows, K, E, N, entries);
  int64_t nextElems = (int64_t)nextBytes / 2;
  pb.addIo({"next", false, DType::BF16, {nextElems}, next, bin::Layout::ND});
  pb.setGmBytes(next + nextBytes);
  // All a prefill MoE may read: more than the L2, so the read-ahead is paced.
  g.readAheadBytes = (int64_t)t.l2.bytes;
  g.cacheEngineReadsAfter = {{next, next + nextBytes}};
  g.cacheEngineReadsAfterLoc = "routed_swiglu:l2_prefetch";
  std::string err;
  ASSERT_TRUE(pb.addGroupedMatmul(g, err)) << err;
  bin::Program p = finishSynced(pb, t);
  Tensor x = randomTensor({rows, K}, 41).castTo(DType::BF16);
  Tensor wt = randomTensor({E, N, K}, 42).castTo(DType::BF16);
  Tensor tableT = groupedTable(table);
  std::map<std::string, Tensor> in{{"a", x},
                                   {"w", wt},
                                   {"table", tableT},
                                   {"next", Tensor(DType::BF16, {nextElems})}},
      out;
  sim::SimOptions opts;
  opts.recordTrace = true;
  sim::Simulator sim(t, opts);
  sim::Stats st;
  ASSERT_TRUE(sim.run(p, in, out, st, err)) << err;
  expectGroupedRows(out.at("c"), x, wt, table, K, N, 7, 9, "paced");
  // The requests: on the partners (vector cores that read weights ahead),
  // each after a wait for its own loads (MTE2 -> S), covering `next` once;
  // the scalar unit passes that wait (the trace's event of the instruction
  // before the request: the engine's requests have no event of their own)
  // once the partner's weight reads are done and before the cube cores'
  // last product.
  std::map<uint32_t, double> lastWeightRead;
  std::map<std::pair<uint32_t, uint32_t>, double> passed;
  double cubeEnd = 0;
  for (const sim::TraceEvent &ev : sim.trace()) {
    const bin::Instr &ins = p.code(ev.stream)[ev.instr];
    bool cube =
        t.coreTypes[p.streams[ev.stream].coreType].hasPipe(target::Pipe::M);
    if (cube && ins.op == Opcode::Mmad)
      cubeEnd = std::max(cubeEnd, ev.end);
    if (!cube && ins.op == Opcode::DmaLd && ins.tiles[1].offset >= w &&
        ins.tiles[1].offset < c)
      lastWeightRead[ev.stream] = std::max(lastWeightRead[ev.stream], ev.end);
    passed[{ev.stream, ev.instr}] = ev.end;
  }
  std::vector<std::pair<int64_t, int64_t>> spans;
  int asked = 0;
  for (uint32_t s = 0; s < p.streams.size(); ++s) {
    const auto &code = p.code(s);
    for (uint32_t i = 0; i < code.size(); ++i) {
      if (code[i].op != Opcode::L2Prefetch)
        continue;
      ++asked;
      ASSERT_TRUE(lastWeightRead.count(s))
          << "stream " << s << " asks but reads no weights ahead";
      ASSERT_GE(i, 1u);
      EXPECT_EQ(code[i - 1].op, Opcode::WaitFlag) << "stream " << s;
      ASSERT_TRUE(passed.count({s, i - 1})) << "stream " << s;
      double at = passed[{s, i - 1}];
      EXPECT_GE(at, lastWeightRead[s]) << "stream " << s;
      EXPECT_LT(at, cubeEnd) << "stream " << s << ": asked after the product";
      const bin::Tile &src = code[i].tiles[0];
      spans.push_back({src.offset, src.offset + src.shape[0]});
    }
  }
  ASSERT_GT(asked, 1) << "the partners share the request";
  std::sort(spans.begin(), spans.end());
  EXPECT_EQ((uint64_t)spans.front().first, next);
  for (size_t i = 1; i < spans.size(); ++i)
    EXPECT_EQ(spans[i].first, spans[i - 1].second) << "request " << i;
  EXPECT_EQ((uint64_t)spans.back().second, next + nextBytes);
  EXPECT_GE(st.l2PrefetchReadBytes, nextBytes);
}

// A prefill MoE's shared experts as fixed experts of the routed products'
// table (SGLang's shared-expert fusion): the table kernel spreads their
// entries between the routed experts' and writes a table of the routed
// entries alone; the grouped product reads their tiles
// from their own weights (its partners too) and matches the host's.
TEST(CodeGen, FixedExpertsTakeSpreadEntriesAndTheirOwnWeights) {
  const auto &t = preset("dc");
  int64_t E = 4, F = 2, T = 200, N = 256, K = 512, S = 300;
  std::vector<int32_t> counts = {100, 0, 150, 50};
  int64_t routedEntries = 7, fixedEntries = F * 2, rows = S + F * T;
  // The fixed weights apart from the routed ones (after the output).
  uint64_t x = 0, w = 1 << 20, c = w + (uint64_t)(E * N * K * 2),
           wf = c + (uint64_t)(rows * N * 2),
           rowTok = wf + (uint64_t)(F * N * K * 2), cnt = rowTok + 4096,
           offs = cnt + 64, tbl = offs + 64, rtbl = tbl + 4096,
           end = rtbl + 4096;
  ProgramBuilder pb(t, "fused");
  pb.addIo({"x", false, DType::BF16, {T, K}, x, bin::Layout::ND});
  pb.addIo({"w", false, DType::BF16, {E, N, K}, w, bin::Layout::ND});
  pb.addIo({"wf", false, DType::BF16, {F, N, K}, wf, bin::Layout::ND});
  pb.addIo({"c", true, DType::BF16, {rows, N}, c, bin::Layout::ND});
  pb.addIo({"row_token", false, DType::I32, {S}, rowTok, bin::Layout::ND});
  pb.addIo({"fixed_token",
            false,
            DType::I32,
            {F * T},
            rowTok + (uint64_t)(4 * S),
            bin::Layout::ND});
  pb.addIo({"counts", false, DType::I32, {E}, cnt, bin::Layout::ND});
  pb.addIo({"table",
            true,
            DType::I32,
            {1 + 3 * (routedEntries + fixedEntries)},
            tbl,
            bin::Layout::ND});
  pb.addIo({"routed_table",
            true,
            DType::I32,
            {1 + 3 * routedEntries},
            rtbl,
            bin::Layout::ND});
  pb.setGmBytes(end);
  MoETableKernel tk;
  tk.name = "tile_table";
  tk.countsAddr = cnt;
  tk.offsetsAddr = offs;
  tk.experts = E;
  tk.tileRows = 128;
  tk.table = {tbl, routedEntries + fixedEntries};
  tk.fixedExperts = F;
  tk.fixedRows = T;
  tk.fixedRow0 = S;
  tk.routedOnly = {rtbl, routedEntries};
  GroupedMatmulKernel g;
  g.name = "routed_gate";
  g.a = GmView::contiguous(x, DType::BF16, {T, K});
  g.aRowOf = GmView::contiguous(rowTok, DType::I32, {rows});
  g.weights.push_back({GmView::contiguous(w, DType::BF16, {E, N, K}),
                       GmView::contiguous(c, DType::BF16, {rows, N}),
                       GmView::contiguous(wf, DType::BF16, {F, N, K})});
  g.table = tk.table;
  g.tileRows = 128;
  // More than the L2: paced partners read the weights ahead.
  g.readAheadBytes = (int64_t)t.l2.bytes;
  std::string err;
  ASSERT_TRUE(pb.addMoETable(tk, err)) << err;
  ASSERT_TRUE(pb.addGroupedMatmul(g, err)) << err;
  bin::Program p = finishSynced(pb, t);

  Tensor xt = randomTensor({T, K}, 51).castTo(DType::BF16);
  Tensor wt = randomTensor({E, N, K}, 52).castTo(DType::BF16);
  Tensor wft = randomTensor({F, N, K}, 53).castTo(DType::BF16);
  Tensor countsT(DType::I32, {E}), rowTokT(DType::I32, {S});
  for (int64_t e = 0; e < E; ++e)
    countsT.setI(e, counts[e]);
  // The routed rows' tokens (what the MoE's gather writes), the fixed
  // rows' (0, 1, ... for each fixed expert: a copy kernel's).
  for (int64_t r = 0; r < S; ++r)
    rowTokT.setI(r, (r * 7) % T);
  Tensor fixedTok(DType::I32, {F * T});
  for (int64_t r = 0; r < F * T; ++r)
    fixedTok.setI(r, r % T);
  std::map<std::string, Tensor> in{{"x", xt},
                                   {"w", wt},
                                   {"wf", wft},
                                   {"counts", countsT},
                                   {"row_token", rowTokT},
                                   {"fixed_token", fixedTok}},
      out;
  sim::Simulator sim(t);
  sim::Stats st;
  ASSERT_TRUE(sim.run(p, in, out, st, err)) << err;

  // The tables: the routed entries in expert order, each expert's rows
  // after the previous one's; the fixed experts' entries (experts E and
  // E + 1, rows S + f * T on) spread between them, none first or last.
  const Tensor &table = out.at("table"), &routed = out.at("routed_table");
  std::vector<std::array<int64_t, 3>> entries, routedOnly, fixed;
  for (int64_t i = 0; i < table.getI(0); ++i)
    entries.push_back(
        {table.getI(1 + 3 * i), table.getI(2 + 3 * i), table.getI(3 + 3 * i)});
  for (int64_t i = 0; i < routed.getI(0); ++i)
    routedOnly.push_back({routed.getI(1 + 3 * i), routed.getI(2 + 3 * i),
                          routed.getI(3 + 3 * i)});
  std::vector<std::array<int64_t, 3>> expectRouted = {
      {0, 0, 100}, {2, 100, 128}, {2, 228, 22}, {3, 250, 50}};
  EXPECT_EQ(routedOnly, expectRouted);
  ASSERT_EQ((int64_t)entries.size(), 4 + fixedEntries);
  std::vector<std::array<int64_t, 3>> routedInTable;
  for (const auto &e : entries)
    (e[0] >= E ? fixed : routedInTable).push_back(e);
  EXPECT_EQ(routedInTable, expectRouted);
  std::vector<std::array<int64_t, 3>> expectFixed = {{E, S, 128},
                                                     {E, S + 128, 72},
                                                     {E + 1, S + T, 128},
                                                     {E + 1, S + T + 128, 72}};
  EXPECT_EQ(fixed, expectFixed);
  EXPECT_LT(entries.front()[0], E) << "a routed entry first";
  EXPECT_LT(entries.back()[0], E) << "a routed entry last";
  EXPECT_GE(entries[1][0], E) << "a fixed entry after the first expert's";
  auto tokenOf = [&](int64_t r) {
    return r < S ? rowTokT.getI(r) : fixedTok.getI(r - S);
  };
  // The product, every row: routed rows from their experts' weights, fixed
  // rows from the fixed weights.
  const Tensor &cOut = out.at("c");
  for (const auto &[e, r0, n] : entries)
    for (int64_t r = r0; r < r0 + n; r += 3)
      for (int64_t col = r % 5; col < N; col += 11) {
        const Tensor &wSrc = e < E ? wt : wft;
        int64_t we = e < E ? e : e - E, tok = tokenOf(r);
        double acc = 0;
        for (int64_t q = 0; q < K; ++q)
          acc +=
              (double)xt.getF(tok * K + q) * wSrc.getF((we * N + col) * K + q);
        ASSERT_NEAR(cOut.getF(r * N + col), acc,
                    1.0 / 64 * (1 + std::fabs(acc)))
            << "expert " << e << " row " << r << " column " << col;
      }
  // The partners' weight reads (vector cores' loads from the routed
  // weights) move to the fixed weights for fixed experts too: a register
  // term of the distance between the two.
  int64_t toFixed = (int64_t)wf - (int64_t)w - E * N * K * 2;
  int partnerReads = 0, partnerReadsFixed = 0;
  for (uint32_t si = 0; si < p.streams.size(); ++si) {
    if (t.coreTypes[p.streams[si].coreType].hasPipe(target::Pipe::M))
      continue;
    for (const bin::Instr &ins : p.code(si)) {
      if (ins.op != Opcode::DmaLd || ins.tiles[1].offset < w ||
          ins.tiles[1].offset >= c)
        continue;
      ++partnerReads;
      for (unsigned i = 0; i < ins.tiles[1].numTerms; ++i)
        partnerReadsFixed += ins.tiles[1].terms[i].stride == toFixed;
    }
  }
  EXPECT_GT(partnerReads, 0);
  EXPECT_EQ(partnerReadsFixed, partnerReads);
}

// The cache engine reads a product's weights during the attention before
// it (readFromAttention): they are in the L2 when it starts, the cube
// cores' loads and not the DRAM set its pace, and its tiles are twice as
// wide. Read from DRAM as it runs, the same product keeps 128 columns.
TEST(CodeGen, GroupedProductReadDuringTheAttentionTakesWideTiles) {
  const auto &t = preset("dc");
  // 3072 columns: 24 tiles of 128 for the 24 cube cores, or 12 of 256 in
  // two parts.
  int64_t E = 4, N = 3072, K = 512, rows = 300, entries = 4;
  std::vector<std::array<int64_t, 3>> table = {
      {0, 0, 128}, {0, 128, 22}, {1, 150, 100}, {3, 250, 50}};
  uint64_t a = 0, w = 1 << 20, c = w + (uint64_t)(E * N * K * 2),
           tbl = c + (uint64_t)(rows * N * 2);
  Tensor x = randomTensor({rows, K}, 41).castTo(DType::BF16);
  Tensor wt = randomTensor({E, N, K}, 42).castTo(DType::BF16);
  for (bool early : {false, true}) {
    SCOPED_TRACE(early ? "read during the attention" : "read as it runs");
    ProgramBuilder pb(t, "grouped");
    GroupedMatmulKernel g = groupedBf16Product(pb, "routed_gate_up", a, w, c,
                                               tbl, rows, K, E, N, entries);
    pb.setGmBytes(tbl + 4096);
    g.readFromAttention = early;
    std::string err;
    ASSERT_TRUE(pb.addGroupedMatmul(g, err)) << err;
    bin::Program p = finishSynced(pb, t);
    int64_t widest = 0;
    for (const bin::CoreStream &cs : p.streams) {
      if (!t.coreTypes[cs.coreType].hasPipe(target::Pipe::M))
        continue;
      for (const bin::Instr &ins : cs.instrs)
        if (ins.op == Opcode::DmaLd && ins.tiles[1].offset >= w &&
            ins.tiles[1].offset < c)
          widest = std::max(widest, ins.tiles[1].shape[0]);
    }
    EXPECT_EQ(widest, early ? 256 : 128);
    std::map<std::string, Tensor> in{
        {"a", x}, {"w", wt}, {"table", groupedTable(table)}},
        out;
    sim::Simulator sim(t);
    sim::Stats st;
    ASSERT_TRUE(sim.run(p, in, out, st, err)) << err;
    expectGroupedRows(out.at("c"), x, wt, table, K, N, 3, 5,
                      early ? "wide" : "narrow");
  }
}

// A scatter's rows narrower than a DMA burst cost a burst each: where they
// are all different (a permutation: a MoE's token_of_row), they spread
// over the vector cores, at least 128 a core; where one may be written
// twice, one core keeps the writes in order.
TEST(CodeGen, ScatterOfDistinctNarrowRowsSpreadsOverTheCores) {
  const auto &t = preset("dc");
  int64_t n = 1024;
  uint64_t dst = 0, idx = 4 * (uint64_t)n, src = 8 * (uint64_t)n;
  Tensor idxT(DType::I32, {n}), srcT(DType::I32, {n});
  for (int64_t i = 0; i < n; ++i) {
    idxT.setI(i, (i * 389 + 7) % n); // 389 is prime to 1024
    srcT.setI(i, 3 * i + 1);
  }
  for (bool distinct : {false, true}) {
    SCOPED_TRACE(distinct ? "distinct rows" : "rows maybe repeated");
    ProgramBuilder pb(t, "scatter");
    pb.addIo({"dst", true, DType::I32, {n}, dst, bin::Layout::ND});
    pb.addIo({"idx", false, DType::I32, {n}, idx, bin::Layout::ND});
    pb.addIo({"src", false, DType::I32, {n}, src, bin::Layout::ND});
    pb.setGmBytes(src + 4 * (uint64_t)n);
    GatherKernel g;
    g.name = "token_of_row";
    g.scatter = true;
    g.distinctRows = distinct;
    g.table = GmView::contiguous(dst, DType::I32, {1, n, 1});
    g.index = GmView::contiguous(idx, DType::I32, {n});
    g.out = GmView::contiguous(src, DType::I32, {1, n, 1});
    std::string err;
    ASSERT_TRUE(pb.addGather(g, err)) << err;
    bin::Program p = finishSynced(pb, t);
    size_t cores = streamsWith(p, Opcode::DmaScatter);
    EXPECT_EQ(cores, distinct ? (size_t)(n / 128) : 1u);
    std::map<std::string, Tensor> in{{"idx", idxT}, {"src", srcT}}, out;
    sim::Simulator sim(t);
    sim::Stats st;
    ASSERT_TRUE(sim.run(p, in, out, st, err)) << err;
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(out.at("dst").getI(idxT.getI(i)), 3 * i + 1) << "slot " << i;
  }
}

// A tall product whose rows leave a remainder of one either way (a MoE
// router's prefix counts: T + 1 rows) halves its row tiles to fill the
// cores: 17 tiles of 64 rows instead of 9 of 128. Simulated against the host.
TEST(CodeGen, TallProductWithAShortRemainderStillSplitsItsRows) {
  const auto &t = preset("dc");
  int64_t m = 1025, k = 1024, n = 64;
  ProgramBuilder pb(t, "prefix_counts");
  uint64_t a = 0, b = 4 << 20, c = 8 << 20;
  pb.addIo({"a", false, DType::BF16, {m, k}, a, bin::Layout::ND});
  pb.addIo({"b", false, DType::BF16, {k, n}, b, bin::Layout::ND});
  pb.addIo({"c", true, DType::F32, {m, n}, c, bin::Layout::ND});
  pb.setGmBytes(12 << 20);
  MatmulKernel mm;
  mm.name = "prefix_counts";
  mm.a = GmView::contiguous(a, DType::BF16, {m, k});
  mm.b = GmView::contiguous(b, DType::BF16, {k, n});
  mm.c = GmView::contiguous(c, DType::F32, {m, n});
  Tiling tl;
  std::string err;
  ASSERT_TRUE(pb.planMatmul(mm, tl, err)) << err;
  EXPECT_EQ(tl.tile[0], 64); // tm
  ASSERT_TRUE(pb.addMatmul(mm, tl, err)) << err;
  bin::Program p = finishSynced(pb, t);
  size_t cores = streamsWith(p, Opcode::Mmad);
  EXPECT_EQ(cores, 17u);
  // A lower-triangular 0/1 matrix times small integers: exact in bf16.
  Tensor x(DType::BF16, {m, k}), w(DType::BF16, {k, n});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t q = 0; q < k; ++q)
      x.setF(i * k + q, q < i ? 1.0f : 0.0f);
  for (int64_t q = 0; q < k; ++q)
    for (int64_t j = 0; j < n; ++j)
      w.setF(q * n + j, (float)((q * 7 + j * 3) % 5));
  std::map<std::string, Tensor> in{{"a", x}, {"b", w}}, out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  for (int64_t j = 0; j < n; ++j) {
    double acc = 0;
    for (int64_t i = 0; i < m; ++i) {
      ASSERT_EQ(out["c"].getF(i * n + j), acc) << i << "," << j;
      if (i < k)
        acc += w.getF(i * n + j);
    }
  }
}

TEST(CodeGen, AWeightedSumOfGatheredRowsConvertsEachRowWhereItIsUsed) {
  // A MoE combine: out[t] = shared[t] + sum_c w[t, c] * table[pos[t, c]],
  // bf16 rows. Loaded in their type, converted one at a time and summed by
  // multiply-adds into one accumulator, a row takes half the UB it took with
  // every row converted as it came (then a vmul and a vadd each): two rows
  // a tile instead of one.
  const auto &t = preset("dc");
  int64_t T = 256, H = 2048, K = 6;
  uint64_t table = 0, pos = 8 << 20, w = 9 << 20, shared = 10 << 20,
           out = 14 << 20;
  Tensor tableT(DType::BF16, {T * K, H}), posT(DType::I32, {T, K}),
      wT(DType::F32, {T, K}), sharedT(DType::F32, {T, H});
  for (int64_t i = 0; i < T * K * H; ++i)
    tableT.setF(i, (double)((i * 7) % 97 - 48) / 64);
  for (int64_t i = 0; i < T; ++i)
    for (int64_t c = 0; c < K; ++c) {
      posT.setI(i * K + c, (i * 37 + c * 101) % (T * K));
      wT.setF(i * K + c, 0.1 + 0.03 * (double)c + 1e-3 * (double)i);
    }
  for (int64_t i = 0; i < T * H; ++i)
    sharedT.setF(i, (double)(i % 13) / 3);
  for (bool fused : {true, false}) {
    SCOPED_TRACE(fused ? "multiply-adds" : "multiplies and adds");
    ProgramBuilder pb(t, "combine");
    pb.addIo({"table", false, DType::BF16, {T * K, H}, table, bin::Layout::ND});
    pb.addIo({"pos", false, DType::I32, {T, K}, pos, bin::Layout::ND});
    pb.addIo({"w", false, DType::F32, {T, K}, w, bin::Layout::ND});
    pb.addIo({"shared", false, DType::F32, {T, H}, shared, bin::Layout::ND});
    pb.addIo({"out", true, DType::F32, {T, H}, out, bin::Layout::ND});
    pb.setGmBytes(16 << 20);
    VectorKernel k;
    k.name = "combine";
    k.space = {T, H};
    std::vector<int> ws, rows;
    for (int64_t c = 0; c < K; ++c) {
      GmView wc = GmView::contiguous(w + 4 * c, DType::F32, {T, H});
      wc.strides = {K, 0};
      k.inputs.push_back(wc);
      ws.push_back(k.load((int)k.inputs.size() - 1));
      k.inputs.push_back(GmView::contiguous(table, DType::BF16, {T, H}));
      GmView index = GmView::contiguous(pos + 4 * c, DType::I32, {T});
      index.strides = {K};
      rows.push_back(k.loadRows((int)k.inputs.size() - 1, index, T * K,
                                /*stored=*/fused));
    }
    k.inputs.push_back(GmView::contiguous(shared, DType::F32, {T, H}));
    int acc = k.load((int)k.inputs.size() - 1);
    for (int64_t c = 0; c < K; ++c)
      acc = fused ? k.mulAdd(ws[c], k.cast(rows[c], DType::F32), acc)
                  : k.binary(Opcode::VAdd, acc,
                             k.binary(Opcode::VMul, ws[c], rows[c]));
    k.store(acc, GmView::contiguous(out, DType::F32, {T, H}));
    Tiling vt;
    std::string err;
    ASSERT_TRUE(pb.planVector(k, vt, err)) << err;
    EXPECT_EQ(vt.tile[1], fused ? 2 : 1);
    ASSERT_TRUE(pb.addVector(k, vt, err)) << err;
    bin::Program p = finishSynced(pb, t);
    EXPECT_EQ(streamsWith(p, Opcode::VMla) > 0, fused);
    if (!fused)
      continue;
    std::map<std::string, Tensor> in{
        {"table", tableT}, {"pos", posT}, {"w", wT}, {"shared", sharedT}},
        res;
    sim::Stats st;
    ASSERT_TRUE(sim::Simulator(t).run(p, in, res, st, err)) << err;
    for (int64_t i = 0; i < T; ++i)
      for (int64_t h = 0; h < H; ++h) {
        float a = (float)sharedT.getF(i * H + h);
        for (int64_t c = 0; c < K; ++c)
          a = std::fma((float)wT.getF(i * K + c),
                       (float)tableT.getF(posT.getI(i * K + c) * H + h), a);
        ASSERT_EQ(res["out"].getF(i * H + h), a) << i << "," << h;
      }
  }
}

// A vector kernel of many instructions per element (a MoE router's
// one-hot of six choices over [1024, 64]: 30 nodes) spreads over dc's 48
// vector cores (47 tiles of 22 rows); the same elements through one
// instruction stay on 16. A top-k of several per row spreads the same
// way; an argmax not. The one-hot is simulated against the host.
TEST(CodeGen, VectorWorkOfManyInstructionsSpreadsOverMoreCores) {
  const auto &t = preset("dc");
  int64_t T = 1024, E = 64, K = 6;
  uint64_t idx = 0, iota = 1 << 20, oh = 2 << 20, cp = 3 << 20;
  Tensor idxT(DType::I32, {T, K}), iotaT(DType::F32, {E});
  for (int64_t i = 0; i < T; ++i)
    for (int64_t c = 0; c < K; ++c)
      idxT.setI(i * K + c, (i * 13 + c * 11) % E);
  for (int64_t e = 0; e < E; ++e)
    iotaT.setF(e, (float)e);
  for (bool oneHot : {true, false}) {
    SCOPED_TRACE(oneHot ? "one-hot" : "copy");
    ProgramBuilder pb(t, "one_hot");
    pb.addIo({"idx", false, DType::I32, {T, K}, idx, bin::Layout::ND});
    pb.addIo({"iota", false, DType::F32, {E}, iota, bin::Layout::ND});
    pb.addIo({"oh", true, DType::F32, {T, E}, oh, bin::Layout::ND});
    pb.addIo({"cp", true, DType::F32, {T, E}, cp, bin::Layout::ND});
    pb.setGmBytes(4 << 20);
    VectorKernel k;
    k.name = "one_hot";
    k.space = {T, E};
    GmView iotaRow = GmView::contiguous(iota, DType::F32, {T, E});
    iotaRow.strides = {0, 1};
    k.inputs = {iotaRow};
    if (oneHot) {
      for (int64_t c = 0; c < K; ++c) {
        GmView choice = GmView::contiguous(idx + 4 * c, DType::I32, {T, E});
        choice.strides = {K, 0};
        k.inputs.push_back(choice);
      }
      int row = k.load(0), sum = -1;
      for (int64_t c = 0; c < K; ++c) {
        int eq = k.cast(k.compare(bin::CmpKind::EQ,
                                  k.cast(k.load((int)c + 1), DType::F32), row),
                        DType::F32);
        sum = sum < 0 ? eq : k.binary(Opcode::VAdd, sum, eq);
      }
      k.store(sum, GmView::contiguous(oh, DType::F32, {T, E}));
    } else {
      k.inputs = {GmView::contiguous(oh, DType::F32, {T, E})};
      k.store(k.load(0), GmView::contiguous(cp, DType::F32, {T, E}));
    }
    Tiling vt;
    std::string err;
    ASSERT_TRUE(pb.planVector(k, vt, err)) << err;
    EXPECT_EQ(vt.cores, oneHot ? 47 : 16);
    ASSERT_TRUE(pb.addVector(k, vt, err)) << err;
    bin::Program p = finishSynced(pb, t);
    if (!oneHot)
      continue;
    std::map<std::string, Tensor> in{{"idx", idxT}, {"iota", iotaT}}, out;
    sim::Stats st;
    ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
    for (int64_t i = 0; i < T; ++i)
      for (int64_t e = 0; e < E; ++e) {
        int64_t count = 0;
        for (int64_t c = 0; c < K; ++c)
          count += idxT.getI(i * K + c) == e;
        ASSERT_EQ(out["oh"].getF(i * E + e), (float)count) << i << "," << e;
      }
  }
  for (int64_t kk : {6, 1}) {
    SCOPED_TRACE("top-" + std::to_string(kk));
    ProgramBuilder pb(t, "topk");
    uint64_t x = 0, vals = 1 << 20, ind = 2 << 20;
    pb.addIo({"x", false, DType::F32, {T, E}, x, bin::Layout::ND});
    pb.addIo({"v", true, DType::F32, {T, kk}, vals, bin::Layout::ND});
    pb.addIo({"i", true, DType::I32, {T, kk}, ind, bin::Layout::ND});
    pb.setGmBytes(3 << 20);
    TopKKernel k;
    k.name = "topk";
    k.in = GmView::contiguous(x, DType::F32, {T, E});
    k.k = kk;
    k.values = GmView::contiguous(vals, DType::F32, {T, kk});
    k.indices = GmView::contiguous(ind, DType::I32, {T, kk});
    std::string err;
    ASSERT_TRUE(pb.addTopK(k, err)) << err;
    bin::Program p = finishSynced(pb, t);
    size_t cores = streamsWith(p, Opcode::DmaLd);
    EXPECT_EQ(cores, kk > 1 ? 47u : 16u);
  }
}

// A stored value that later nodes keep using (a residual sum before its
// RMSNorm): the store's cast to the storage type goes where the next nodes
// do not go, so the vector unit does not wait for the store's DMA to read
// it (a write-after-read) before computing on.
TEST(CodeGen, VectorKernelComputesOnWhileAStoreReadsItsStage) {
  const auto &t = preset("dc");
  int64_t rows = 24, cols = 2048;
  uint64_t xb = 0, yb = 1 << 20, sb = 2 << 20, ub = 3 << 20;
  ProgramBuilder pb(t, "residual");
  pb.addIo({"x", false, DType::BF16, {rows, cols}, xb, bin::Layout::ND});
  pb.addIo({"y", false, DType::BF16, {rows, cols}, yb, bin::Layout::ND});
  pb.addIo({"s", true, DType::BF16, {rows, cols}, sb, bin::Layout::ND});
  pb.addIo({"u", true, DType::BF16, {rows, cols}, ub, bin::Layout::ND});
  pb.setGmBytes(4 << 20);
  VectorKernel k;
  k.name = "residual";
  k.space = {rows, cols};
  k.inputs = {GmView::contiguous(xb, DType::BF16, {rows, cols}),
              GmView::contiguous(yb, DType::BF16, {rows, cols})};
  int sum = k.binary(Opcode::VAdd, k.load(0), k.load(1));
  k.store(sum, GmView::contiguous(sb, DType::BF16, {rows, cols}));
  k.store(k.binary(Opcode::VMul, sum, sum),
          GmView::contiguous(ub, DType::BF16, {rows, cols}));
  Tiling vt;
  std::string err;
  ASSERT_TRUE(pb.planVector(k, vt, err)) << err;
  vt.cores = 1; // several tiles (of a few rows) on one core
  ASSERT_TRUE(pb.addVector(k, vt, err)) << err;
  bin::Program p = finishSynced(pb, t);
  // After each store of s, the product is computed without a wait for
  // MTE3 first.
  size_t stores = 0;
  for (const bin::CoreStream &cs : p.streams)
    for (size_t i = 0; i < cs.instrs.size(); ++i) {
      const bin::Instr &in = cs.instrs[i];
      if (in.op != Opcode::DmaSt || in.tiles[0].offset < sb ||
          in.tiles[0].offset >= sb + (uint64_t)(rows * cols * 2))
        continue;
      ++stores;
      for (size_t j = i + 1; j < cs.instrs.size(); ++j) {
        const bin::Instr &next = cs.instrs[j];
        if (next.op == Opcode::VMul)
          break;
        EXPECT_FALSE(next.op == Opcode::WaitFlag &&
                     next.ints[0] == (int64_t)target::Pipe::MTE3 &&
                     next.ints[1] == (int64_t)target::Pipe::V)
            << "instruction " << j << " waits for the store at " << i;
      }
    }
  EXPECT_GT(stores, 2u);
  Tensor x = randomTensor({rows, cols}, 51).castTo(DType::BF16),
         y = randomTensor({rows, cols}, 52).castTo(DType::BF16);
  std::map<std::string, Tensor> in{{"x", x}, {"y", y}}, out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  for (int64_t i = 0; i < rows * cols; ++i) {
    float s = (float)x.getF(i) + (float)y.getF(i);
    ASSERT_EQ(out.at("s").getF(i), roundToBF16(s)) << i;
    ASSERT_EQ(out.at("u").getF(i), roundToBF16(s * s)) << i;
  }
}

// A vector kernel whose input rows come by index (a MoE combine reading
// each token's expert outputs where the experts wrote them): y[r, :] =
// w[r] * table[index[r], :] + z[r, :], the index a strided column of an
// i32 matrix, the table bf16 (a staged load) or f32 (loaded in place), in
// tiles of several rows on several cores. Equal to the host's in f32, bit
// for bit. A gather over a reduced space is refused with its reason.
TEST(CodeGen, VectorKernelGathersRowsByIndex) {
  const auto &t = preset("dc");
  int64_t rows = 40, cols = 300, tableRows = 100;
  std::mt19937 rng(7);
  Tensor idx(DType::I32, {rows, 2});
  for (int64_t r = 0; r < rows; ++r) {
    idx.setF(2 * r, (double)(rng() % tableRows));
    idx.setF(2 * r + 1, -1.0);
  }
  Tensor w = randomTensor({rows, 1}, 41), z = randomTensor({rows, cols}, 42);
  for (DType tdt : {DType::BF16, DType::F32}) {
    Tensor table = randomTensor({tableRows, cols}, 43).castTo(tdt);
    uint64_t tb = 0, ib = 1 << 20, wb = ib + 4096, zb = wb + 4096,
             yb = zb + (1 << 20);
    ProgramBuilder pb(t, "gathered");
    pb.addIo({"table", false, tdt, {tableRows, cols}, tb, bin::Layout::ND});
    pb.addIo({"idx", false, DType::I32, {rows, 2}, ib, bin::Layout::ND});
    pb.addIo({"w", false, DType::F32, {rows, 1}, wb, bin::Layout::ND});
    pb.addIo({"z", false, DType::F32, {rows, cols}, zb, bin::Layout::ND});
    pb.addIo({"y", true, DType::F32, {rows, cols}, yb, bin::Layout::ND});
    pb.setGmBytes(yb + (1 << 20));
    VectorKernel k;
    k.name = "combine";
    k.space = {rows, cols};
    GmView wv = GmView::contiguous(wb, DType::F32, {rows, cols});
    wv.strides = {1, 0};
    k.inputs = {GmView::contiguous(tb, tdt, {rows, cols}), wv,
                GmView::contiguous(zb, DType::F32, {rows, cols})};
    GmView index = GmView::contiguous(ib, DType::I32, {rows});
    index.strides = {2};
    int x = k.loadRows(0, index, tableRows);
    int prod = k.binary(Opcode::VMul, k.load(1), x);
    k.store(k.binary(Opcode::VAdd, prod, k.load(2)),
            GmView::contiguous(yb, DType::F32, {rows, cols}));
    Tiling vt;
    std::string err;
    ASSERT_TRUE(pb.planVector(k, vt, err)) << err;
    EXPECT_EQ(vt.tile[0], 0) << "tiles of whole rows";
    vt.tile[1] = 3; // several tiles per core
    vt.cores = 4;
    ASSERT_TRUE(pb.addVector(k, vt, err)) << err;
    bin::Program p = finishSynced(pb, t);
    std::map<std::string, Tensor> in{
        {"table", table}, {"idx", idx}, {"w", w}, {"z", z}},
        out;
    sim::Simulator sim(t);
    sim::Stats st;
    ASSERT_TRUE(sim.run(p, in, out, st, err)) << err;
    const Tensor &y = out.at("y");
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        int64_t src = (int64_t)idx.getF(2 * r);
        float want = (float)w.getF(r) * (float)table.getF(src * cols + c) +
                     (float)z.getF(r * cols + c);
        ASSERT_EQ((float)y.getF(r * cols + c), want)
            << dtypeName(tdt) << " row " << r << " column " << c;
      }
  }
  // Over a reduced space: refused, saying why.
  ProgramBuilder pb(t, "gathered");
  VectorKernel k;
  k.name = "rowsum";
  k.space = {rows, cols};
  k.reducedDims = 1;
  k.inputs = {GmView::contiguous(0, DType::F32, {rows, cols})};
  GmView index = GmView::contiguous(1 << 20, DType::I32, {rows});
  k.store(k.reduce(Opcode::VRedSum, k.loadRows(0, index, tableRows)),
          GmView::contiguous(2 << 20, DType::F32, {rows, 1}));
  Tiling vt;
  std::string err;
  EXPECT_FALSE(pb.planVector(k, vt, err));
  EXPECT_NE(err.find("'rowsum': gathered rows of input 0: the kernel's space "
                     "must be [rows, cols] with no reduction"),
            std::string::npos)
      << err;
}

// One index per row (argmax, argmin: the greedy token) without a top-k
// sort: the row maximum, the columns equal to it, the least such index.
// Ties give the first, as the golden evaluator's argmax does, and the
// values output is the maximum (the minimum for argmin).
TEST(CodeGen, ArgMaxFindsTheFirstMaximumWithoutASort) {
  const auto &t = preset("dc");
  int64_t rows = 5, cols = 3000;
  for (bool largest : {true, false}) {
    ProgramBuilder pb(t, "argmax");
    uint64_t x = 0, vals = 65536, idx = vals + 512;
    pb.addIo({"x", false, DType::F32, {rows, cols}, x, bin::Layout::ND});
    pb.addIo({"v", true, DType::F32, {rows, 1}, vals, bin::Layout::ND});
    pb.addIo({"i", true, DType::I32, {rows, 1}, idx, bin::Layout::ND});
    pb.setGmBytes(idx + 512);
    TopKKernel k;
    k.name = "argmax";
    k.in = GmView::contiguous(x, DType::F32, {rows, cols});
    k.largest = largest;
    k.values = GmView::contiguous(vals, DType::F32, {rows, 1});
    k.indices = GmView::contiguous(idx, DType::I32, {rows, 1});
    std::string err;
    ASSERT_TRUE(pb.addTopK(k, err)) << err;
    bin::Program p = finishSynced(pb, t);
    EXPECT_EQ(countOps(p, Opcode::VTopK), 0u);
    Tensor in = randomTensor({rows, cols}, 31);
    // Row 1 has its extreme twice (the first at 17), row 2 at the last
    // column, row 3 at the first.
    float extreme = largest ? 9.0f : -9.0f;
    in.setF(1 * cols + 17, extreme);
    in.setF(1 * cols + 2500, extreme);
    in.setF(2 * cols + cols - 1, extreme);
    in.setF(3 * cols + 0, extreme);
    std::map<std::string, Tensor> ins{{"x", in}}, out;
    sim::Stats st;
    ASSERT_TRUE(sim::Simulator(t).run(p, ins, out, st, err)) << err;
    for (int64_t r = 0; r < rows; ++r) {
      int64_t best = 0;
      for (int64_t c = 1; c < cols; ++c) {
        double a = in.getF(r * cols + c), b = in.getF(r * cols + best);
        if (largest ? a > b : a < b)
          best = c;
      }
      EXPECT_EQ((int64_t)out["i"].getF(r), best)
          << "row " << r << (largest ? " argmax" : " argmin");
      EXPECT_EQ(out["v"].getF(r), in.getF(r * cols + best));
    }
    EXPECT_EQ((int64_t)out["i"].getF(1), 17);
  }
}

// A matmul that reads its weights once (M = 96) after a compute-bound one:
// idle vector cores read the weights into L2 while the cube cores compute,
// so every weight byte the second matmul loads is an L2 hit rather than a
// DRAM read. The first (M = 1024, tall) streams its own weight panels into
// L2 on the idle vector cores too. The read-ahead never writes GM and
// raises no race; switched off, the same program has no read-ahead and
// that many fewer hits.
TEST(CodeGen, ReadOnceWeightsAreReadAheadIntoL2) {
  const auto &t = preset("dc");
  auto build = [&](bool prefetch, uint64_t &prefetched) {
    ProgramBuilder pb(t, "prefetch");
    pb.setL2Prefetch(prefetch);
    int64_t m = 1024, k = 2048, n = 2048, em = 96, ek = 1024;
    uint64_t x = 0, w = x + m * k * 2, ex = w + k * n * 2,
             ew = ex + em * ek * 2, y = ew + ek * n * 2, ey = y + m * n * 2;
    pb.addIo({"x", false, DType::BF16, {m, k}, x, bin::Layout::ND});
    pb.addIo({"w", false, DType::BF16, {k, n}, w, bin::Layout::ND});
    pb.addIo({"ex", false, DType::BF16, {em, ek}, ex, bin::Layout::ND});
    pb.addIo({"ew", false, DType::BF16, {ek, n}, ew, bin::Layout::ND});
    pb.addIo({"y", true, DType::BF16, {m, n}, y, bin::Layout::ND});
    pb.addIo({"ey", true, DType::BF16, {em, n}, ey, bin::Layout::ND});
    pb.setGmBytes(ey + em * n * 2 + (8 << 20));
    std::string err;
    for (int i = 0; i < 2; ++i) {
      MatmulKernel mm;
      mm.name = i ? "expert" : "dense";
      mm.a =
          GmView::contiguous(i ? ex : x, DType::BF16, {i ? em : m, i ? ek : k});
      mm.b = GmView::contiguous(i ? ew : w, DType::BF16, {i ? ek : k, n});
      mm.c = GmView::contiguous(i ? ey : y, DType::BF16, {i ? em : m, n});
      mm.partialsAddr = ey + em * n * 2;
      Tiling tl;
      EXPECT_TRUE(pb.planMatmul(mm, tl, err)) << err;
      EXPECT_TRUE(pb.addMatmul(mm, tl, err)) << err;
    }
    bin::Program p = finishSynced(pb, t);
    prefetched = pb.stats().l2PrefetchBytes;
    return p;
  };
  uint64_t withBytes = 0, withoutBytes = 0;
  bin::Program with = build(true, withBytes);
  bin::Program without = build(false, withoutBytes);
  uint64_t weightBytes = 1024 * 2048 * 2, denseWeightBytes = 2048 * 2048 * 2;
  EXPECT_EQ(withBytes, weightBytes + denseWeightBytes);
  EXPECT_EQ(withoutBytes, 0u);
  sim::SimOptions opts;
  opts.functional = false; // timing and the race checker only
  std::map<std::string, Tensor> in, out;
  sim::Stats a, b;
  std::string err;
  ASSERT_TRUE(sim::Simulator(t, opts).run(with, in, out, a, err)) << err;
  ASSERT_TRUE(sim::Simulator(t, opts).run(without, in, out, b, err)) << err;
  // The read-ahead itself misses (it is what brings the lines in); the
  // expert's own loads of those bytes then hit.
  EXPECT_GE(a.l2HitBytes, b.l2HitBytes + weightBytes);
  EXPECT_EQ(a.dramWriteBytes, b.dramWriteBytes);
}

// Narrowing the M tile stops at 64 rows and never leaves a short remainder
// tile; for M at or below 64 it must stop at once (M = 16 used to spin).
// Each product is planned, generated and checked against the host.
TEST(CodeGen, ShortMatmulRowsPlanAndMatchTheHost) {
  const auto &t = preset("dc");
  for (int64_t m : {1, 15, 16, 17, 32, 48, 96}) {
    SCOPED_TRACE("M = " + std::to_string(m));
    int64_t k = 256, n = 1024;
    ProgramBuilder pb(t, "short");
    uint64_t a = 0, b = 1 << 20, c = 3 << 20, parts = 4 << 20;
    pb.addIo({"a", false, DType::F32, {m, k}, a, bin::Layout::ND});
    pb.addIo({"b", false, DType::F32, {k, n}, b, bin::Layout::ND});
    pb.addIo({"c", true, DType::F32, {m, n}, c, bin::Layout::ND});
    MatmulKernel mm;
    mm.name = "short";
    mm.a = GmView::contiguous(a, DType::F32, {m, k});
    mm.b = GmView::contiguous(b, DType::F32, {k, n});
    mm.c = GmView::contiguous(c, DType::F32, {m, n});
    mm.partialsAddr = parts;
    Tiling tl;
    std::string err;
    ASSERT_TRUE(pb.planMatmul(mm, tl, err)) << err;
    EXPECT_GE(tl.tile[0], std::min<int64_t>(m, 16)); // tm
    pb.setGmBytes(parts + (uint64_t)tl.scratchBytes + 4096);
    ASSERT_TRUE(pb.addMatmul(mm, tl, err)) << err;
    bin::Program p = finishSynced(pb, t);
    Tensor x = randomTensor({m, k}, 11), w = randomTensor({k, n}, 12);
    std::map<std::string, Tensor> in{{"a", x}, {"b", w}}, out;
    sim::Stats st;
    ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
    for (int64_t i = 0; i < m; i += std::max<int64_t>(1, m / 4))
      for (int64_t j = 0; j < n; j += 7) {
        double acc = 0;
        for (int64_t q = 0; q < k; ++q)
          acc += (double)x.getF(i * k + q) * w.getF(q * n + j);
        EXPECT_NEAR(out["c"].getF(i * n + j), acc, 1e-3) << i << "," << j;
      }
  }
}

// Enough column tiles for every core (72 of 256): K is not split, so the
// vector cores' GEMV jobs write C themselves, with the ReLU and the cast to
// bf16 the matrix cores' FIX applies.
TEST(CodeGen, GemvJobsWriteTheOutputWhenKIsNotSplit) {
  const auto &t = preset("dc");
  int64_t k = 1024, n = 18432;
  ProgramBuilder pb(t, "gemv_out");
  uint64_t a = 0, b = 4096, c = b + (uint64_t)(k * n * 2);
  pb.addIo({"a", false, DType::BF16, {1, k}, a, bin::Layout::ND});
  pb.addIo({"b", false, DType::BF16, {k, n}, b, bin::Layout::ND});
  pb.addIo({"c", true, DType::BF16, {1, n}, c, bin::Layout::ND});
  pb.setGmBytes(c + (uint64_t)(n * 2));
  MatmulKernel mm;
  mm.name = "gemv_out";
  mm.a = GmView::contiguous(a, DType::BF16, {1, k});
  mm.b = GmView::contiguous(b, DType::BF16, {k, n});
  mm.c = GmView::contiguous(c, DType::BF16, {1, n});
  mm.relu = true;
  Tiling tl;
  std::string err;
  ASSERT_TRUE(pb.planMatmul(mm, tl, err)) << err;
  ASSERT_EQ(tl.tile.size(), 6u);
  EXPECT_EQ(tl.tile[4], 1); // no split-K
  ASSERT_TRUE(pb.addMatmul(mm, tl, err)) << err;
  bin::Program p = finishSynced(pb, t);
  size_t vectorStores = 0;
  for (const bin::CoreStream &cs : p.streams)
    for (const bin::Instr &in : cs.instrs)
      vectorStores +=
          in.op == Opcode::DmaSt && in.tiles[0].dtype == DType::BF16;
  EXPECT_GT(vectorStores, 0u); // some columns of C come from vector cores
  // Every job reads all of x: each vector core loads it once, before its
  // job loop.
  auto [xBefore, xInside] = gemvXLoads(p, t, a);
  EXPECT_GT(xBefore, 0);
  EXPECT_EQ(xInside, 0);
  Tensor x = randomTensor({1, k}, 13).castTo(DType::BF16),
         w = randomTensor({k, n}, 14).castTo(DType::BF16);
  std::map<std::string, Tensor> in{{"a", x}, {"b", w}}, out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  Tensor got = out["c"].castTo(DType::F32);
  for (int64_t j = 0; j < n; ++j) {
    double acc = 0;
    for (int64_t i = 0; i < k; ++i)
      acc += (double)x.getF(i) * w.getF(i * n + j);
    // One bf16 rounding of the f32 sum: 2^-8 relative.
    double want = std::max(acc, 0.0);
    EXPECT_NEAR(got.getF(j), want, std::abs(want) / 256 + 1e-4)
        << "column " << j;
  }
}

// Deferred kernels flushed together split the vector cores in proportion to
// their bytes: a bias over 1536 columns takes about six times the cores of
// one over 256 (prefill's Q bias beside its K bias), and both are exact.
TEST(CodeGen, DeferredKernelsShareTheVectorCoresByTheirBytes) {
  const auto &t = preset("dc");
  ProgramBuilder pb(t, "biases");
  int64_t m = 1024, nq = 1536, nk = 256;
  uint64_t q = 0, kk = q + (uint64_t)(m * nq * 4),
           bq = kk + (uint64_t)(m * nk * 4), bk = bq + (uint64_t)(nq * 4);
  pb.addIo({"q", false, DType::F32, {m, nq}, q, bin::Layout::ND});
  pb.addIo({"k", false, DType::F32, {m, nk}, kk, bin::Layout::ND});
  pb.addIo({"bq", false, DType::F32, {1, nq}, bq, bin::Layout::ND});
  pb.addIo({"bk", false, DType::F32, {1, nk}, bk, bin::Layout::ND});
  pb.addIo({"q_out", true, DType::F32, {m, nq}, q, bin::Layout::ND});
  pb.addIo({"k_out", true, DType::F32, {m, nk}, kk, bin::Layout::ND});
  pb.setGmBytes(bk + (uint64_t)(nk * 4));
  std::string err;
  // The Q bias adds, the K bias multiplies: the opcode tells them apart.
  for (auto [c, b, n, op] : {std::tuple{q, bq, nq, Opcode::VAdd},
                             std::tuple{kk, bk, nk, Opcode::VMul}}) {
    VectorKernel bias;
    bias.name = "bias";
    bias.space = {m, n};
    bias.deferrable = true;
    bias.inputs = {GmView::contiguous(c, DType::F32, {m, n}),
                   GmView::contiguous(b, DType::F32, {1, n})};
    bias.store(bias.binary(op, bias.load(0), bias.load(1)), bias.inputs[0]);
    Tiling vt;
    ASSERT_TRUE(pb.planVector(bias, vt, err)) << err;
    ASSERT_TRUE(pb.addVector(bias, vt, err)) << err;
  }
  bin::Program p = finishSynced(pb, t); // flushes both, side by side
  int qCores = 0, kCores = 0;
  for (const bin::CoreStream &cs : p.streams) {
    bool adds = false, muls = false;
    for (const bin::Instr &in : cs.instrs) {
      adds |= in.op == Opcode::VAdd;
      muls |= in.op == Opcode::VMul;
    }
    qCores += adds;
    kCores += muls;
  }
  EXPECT_GE(qCores, 4 * kCores) << qCores << " vs " << kCores;
  EXPECT_LE(qCores + kCores, 48);
  Tensor xq = randomTensor({m, nq}, 41), xk = randomTensor({m, nk}, 42),
         vq = randomTensor({1, nq}, 43), vk = randomTensor({1, nk}, 44);
  std::map<std::string, Tensor> in{
      {"q", xq}, {"k", xk}, {"bq", vq}, {"bk", vk}},
      out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  for (int64_t i = 0; i < m; i += 31) {
    for (int64_t j = 0; j < nq; j += 7)
      EXPECT_FLOAT_EQ(out["q_out"].getF(i * nq + j),
                      xq.getF(i * nq + j) + vq.getF(j));
    for (int64_t j = 0; j < nk; j += 3)
      EXPECT_FLOAT_EQ(out["k_out"].getF(i * nk + j),
                      xk.getF(i * nk + j) * vk.getF(j));
  }
}

// Prefill's K projection beside its Q projection (both read the same A): on
// its own the K product (one column of tiles) is cut to fill the cores
// (shorter tiles, K split); beside Q's 24 tiles it keeps its 4 whole tiles,
// which stream their one panel of B into L2. Both products stay exact.
TEST(CodeGen, SiblingProductsFillTheCoresTogether) {
  const auto &t = preset("dc");
  int64_t m = 512, k = 1024, nq = 1536, nk = 256;
  ProgramBuilder pb(t, "qk");
  uint64_t a = 0, bq = a + (uint64_t)(m * k * 2),
           bk = bq + (uint64_t)(k * nq * 2), cq = bk + (uint64_t)(k * nk * 2),
           ck = cq + (uint64_t)(m * nq * 4),
           parts = ck + (uint64_t)(m * nk * 4);
  pb.addIo({"a", false, DType::BF16, {m, k}, a, bin::Layout::ND});
  pb.addIo({"bq", false, DType::BF16, {k, nq}, bq, bin::Layout::ND});
  pb.addIo({"bk", false, DType::BF16, {k, nk}, bk, bin::Layout::ND});
  pb.addIo({"cq", true, DType::F32, {m, nq}, cq, bin::Layout::ND});
  pb.addIo({"ck", true, DType::F32, {m, nk}, ck, bin::Layout::ND});
  auto product = [&](const char *name, uint64_t b, uint64_t c, int64_t n) {
    MatmulKernel mm;
    mm.name = name;
    mm.a = GmView::contiguous(a, DType::BF16, {m, k});
    mm.b = GmView::contiguous(b, DType::BF16, {k, n});
    mm.c = GmView::contiguous(c, DType::F32, {m, n});
    mm.partialsAddr = parts;
    return mm;
  };
  MatmulKernel q = product("q", bq, cq, nq), kp = product("k", bk, ck, nk);
  std::string err;
  Tiling alone, tq, tk;
  ASSERT_TRUE(pb.planMatmul(kp, alone, err)) << err;
  EXPECT_TRUE(alone.tile[0] < 128 || alone.tile[4] > 1); // cut to fill cores
  ASSERT_TRUE(pb.planMatmul(kp, tk, err)) << err;
  ASSERT_TRUE(pb.planMatmul(q, tq, err, tk.wholeTileJobs)) << err;
  EXPECT_EQ(tk.wholeTileJobs, 4);
  EXPECT_EQ(tq.wholeTileJobs, 4 * 6);
  ASSERT_TRUE(pb.planMatmul(kp, tk, err, tq.wholeTileJobs)) << err;
  EXPECT_EQ(tk.tile[0], 128); // whole tiles: M not narrowed ...
  EXPECT_EQ(tk.tile[1], nk);
  EXPECT_EQ(tk.tile[4], 1); // ... nor K split
  pb.setGmBytes(parts + (uint64_t)std::max(tq.scratchBytes, tk.scratchBytes));
  ASSERT_TRUE(pb.addMatmul(q, tq, err)) << err;
  ASSERT_TRUE(pb.addMatmul(kp, tk, err)) << err;
  bin::Program p = finishSynced(pb, t);
  size_t kPanelReads = 0; // vector cores reading K's B into L2
  for (const bin::CoreStream &cs : p.streams)
    if (!t.coreTypes[cs.coreType].hasPipe(target::Pipe::M))
      for (const bin::Instr &in : cs.instrs)
        kPanelReads += in.op == Opcode::DmaLd &&
                       in.tiles[1].space == target::Space::GM &&
                       in.tiles[1].offset >= bk && in.tiles[1].offset < cq;
  EXPECT_GT(kPanelReads, 0u);
  Tensor x = randomTensor({m, k}, 21).castTo(DType::BF16),
         wq = randomTensor({k, nq}, 22).castTo(DType::BF16),
         wk = randomTensor({k, nk}, 23).castTo(DType::BF16);
  std::map<std::string, Tensor> in{{"a", x}, {"bq", wq}, {"bk", wk}}, out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  for (auto [name, w, n] : {std::tuple{"cq", &wq, nq}, {"ck", &wk, nk}})
    for (int64_t i = 0; i < m; i += 37)
      for (int64_t j = 0; j < n; j += 7) {
        double acc = 0;
        for (int64_t r = 0; r < k; ++r)
          acc += (double)x.getF(i * k + r) * w->getF(r * n + j);
        EXPECT_NEAR(out[name].getF(i * n + j), acc, 1e-3)
            << name << " " << i << "," << j;
      }
}

// Two vector streams with common code and then a loop each: loops whose
// bodies share an instruction shape merge into one; loops whose bodies share
// nothing stay two, each guarded once, so neither stream walks the other's
// guarded body on every trip of its own (a barrier hub's collect loop
// merged with an attention loop cost 4 us of skips on dc).
/// A dc program of two vector-core streams, each `code(core)` then `end`.
static bin::Program
twoVectorStreams(const target::TargetDesc &t,
                 const std::function<std::vector<bin::Instr>(uint32_t)> &code) {
  bin::Program p;
  bin::setTarget(p, t);
  p.gmBytes = 8192;
  for (uint32_t core = 0; core < 2; ++core) {
    bin::CoreStream s;
    s.coreType = 1; // vector
    s.coreIndex = core;
    s.instrs = code(core);
    s.instrs.push_back(bin::makeInstr(Opcode::End, {}));
    p.streams.push_back(s);
  }
  return p;
}

TEST(Spmd, LoopsWithNothingInCommonStayApart) {
  const auto &t = preset("dc");
  using bin::Space;
  auto program = [&](bool sameBodies) {
    bin::Program p = twoVectorStreams(t, [&](uint32_t core) {
      std::vector<bin::Instr> code;
      bin::Tile common = bin::makeTile(Space::UB, 0, DType::F32, {64});
      for (int i = 0; i < 24; ++i)
        code.push_back(
            bin::makeInstr(Opcode::VAddS, {common, common}, {}, 1.0f));
      bin::Tile own =
          bin::makeTile(Space::UB, 4096 + 256 * core, DType::F32, {64});
      code.push_back(bin::makeInstr(Opcode::Loop, {}, {1, 0, 20 + 10 * core}));
      code.push_back(core == 0 || sameBodies
                         ? bin::makeInstr(Opcode::VMulS, {own, own}, {}, 0.5f)
                         : bin::makeInstr(Opcode::VExp, {own, own}));
      code.push_back(bin::makeInstr(Opcode::EndLoop, {}));
      return code;
    });
    for (uint32_t core = 0; core < 2; ++core) {
      for (uint32_t i = 0; i < 24; ++i)
        p.debug.push_back({core, i, "common"});
      p.debug.push_back({core, 25, "own"});
    }
    return p;
  };
  for (bool same : {true, false}) {
    bin::Program p = program(same);
    SpmdStats ss;
    shareStreams(p, t, ss);
    std::string err;
    ASSERT_TRUE(bin::verifyProgram(p, t, err)) << err;
    ASSERT_EQ(ss.bodies, 1u) << same;
    ASSERT_EQ(p.streams[1].shares, 0u) << same;
    size_t loops = std::count_if(
        p.streams[0].instrs.begin(), p.streams[0].instrs.end(),
        [](const bin::Instr &in) { return in.op == Opcode::Loop; });
    EXPECT_EQ(loops, same ? 1u : 2u) << same;
  }
}

// Streams whose code names the registers shared code takes its launch
// arguments in keep their own code, and the stats say so (a MoE kernel
// that named all 32 once left 48 streams unshared, noticed only by the
// program's size).
TEST(Spmd, StreamsNamingEveryRegisterKeepTheirCodeAndSaySo) {
  const auto &t = preset("dc");
  auto program = [&](uint8_t reg) {
    return twoVectorStreams(t, [&](uint32_t) {
      std::vector<bin::Instr> code;
      for (int i = 0; i < 8; ++i)
        code.push_back(
            bin::makeInstr(Opcode::SAdd, {}, {reg, 0, 0, (int64_t)i}));
      return code;
    });
  };
  uint8_t last = (uint8_t)(t.scalar.registers - 1);
  for (uint8_t reg : {(uint8_t)1, last}) {
    bin::Program p = program(reg);
    SpmdStats ss;
    shareStreams(p, t, ss);
    std::string err;
    ASSERT_TRUE(bin::verifyProgram(p, t, err)) << err;
    bool shared = reg == 1;
    EXPECT_EQ(ss.bodies, shared ? 1u : 0u) << (int)reg;
    EXPECT_EQ(p.streams[1].shares, shared ? 0u : bin::kOwnCode) << (int)reg;
    EXPECT_EQ(ss.noRegisters, shared ? 0u : 1u) << (int)reg;
    EXPECT_EQ(ss.highestRegister, shared ? 0u : (uint32_t)last) << (int)reg;
  }
}

// Streams that share one body (SPMD) keep the results, every pipe's
// instructions and the schedule; the program stores the shared code once,
// survives the file format, and every wait of a shared body is still needed.
TEST(Spmd, SharedBodiesKeepResultsPipesAndWaits) {
  for (const char *name : {"dc", "edge"}) {
    const auto &t = preset(name);
    std::string err;
    bin::Program p = softmaxAndMatmul(t, 256, 64, 128, err);
    RerollStats rs;
    ASSERT_TRUE(rerollLoops(p, t, rs, err)) << err;
    bin::Program q = p;
    SpmdStats ss;
    shareStreams(q, t, ss);
    ASSERT_TRUE(bin::verifyProgram(q, t, err)) << name << err;
    EXPECT_EQ(ss.before, p.numInstrs()) << name;
    EXPECT_EQ(ss.after, q.numInstrs()) << name;
    if (std::string(name) == "dc") {
      EXPECT_GT(ss.bodies, 0u);
      EXPECT_GT(ss.sharing, 0u);
      EXPECT_LT(ss.after, ss.before);
    }
    std::vector<uint8_t> img = bin::encodeProgram(q);
    bin::Program back;
    ASSERT_TRUE(bin::decodeProgram(img.data(), img.size(), back, err)) << err;
    EXPECT_EQ(back.numInstrs(), q.numInstrs()) << name;
    for (size_t s = 0; s < q.streams.size(); ++s) {
      EXPECT_EQ(back.streams[s].shares, q.streams[s].shares) << name;
      EXPECT_EQ(back.streams[s].args, q.streams[s].args) << name;
      EXPECT_TRUE(back.streams[s].instrs == q.streams[s].instrs) << name;
    }
    EXPECT_TRUE(bin::encodeProgram(back) == img) << name;

    std::map<std::string, Tensor> in{{"x", randomTensor({256, 64}, 3)},
                                     {"w", randomTensor({64, 128}, 4)}},
        out0, out;
    sim::Stats st0, st;
    ASSERT_TRUE(sim::Simulator(t).run(p, in, out0, st0, err)) << err;
    ASSERT_TRUE(sim::Simulator(t).run(q, in, out, st, err)) << name << err;
    for (const char *o : {"s", "y"})
      EXPECT_EQ(out[o].toBytes(), out0[o].toBytes()) << name << " " << o;
    for (const auto &kv : st0.pipes) {
      if (kv.first != "S") {
        EXPECT_EQ(st.pipes[kv.first].instrs, kv.second.instrs)
            << name << " " << kv.first;
      }
    }
    EXPECT_NEAR(st.kernelCycles / st0.kernelCycles, 1.0, 0.01) << name;
    // Sharing streams hold no instructions: they run their owner's.
    for (size_t s = 0; s < q.streams.size(); ++s)
      if (q.streams[s].shares != bin::kOwnCode) {
        EXPECT_TRUE(q.streams[s].instrs.empty()) << name;
        EXPECT_FALSE(q.code((uint32_t)s).empty()) << name;
      }
    // Removing a wait from a shared body removes it from every stream that
    // runs the body: still a race.
    size_t tried = 0;
    for (size_t s = 0; s < q.streams.size() && tried < 12; ++s) {
      if (q.streams[s].shares != bin::kOwnCode)
        continue;
      bool shared = false;
      for (const bin::CoreStream &cs : q.streams)
        shared |= cs.shares == s;
      for (size_t i = 0; shared && i < q.streams[s].instrs.size() && tried < 12;
           ++i) {
        if (q.streams[s].instrs[i].op != Opcode::WaitFlag)
          continue;
        ++tried;
        bin::Program r = q;
        r.streams[s].instrs.erase(r.streams[s].instrs.begin() +
                                  (std::ptrdiff_t)i);
        r.debug.clear();
        std::string e2;
        EXPECT_FALSE(sim::Simulator(t).run(r, in, out, st, e2))
            << name << ": removing wait " << i << " of body " << s;
        EXPECT_NE(e2.find("race on"), std::string::npos) << name << e2;
      }
    }
    if (ss.bodies) {
      EXPECT_GT(tried, 0u) << name;
    }
  }
}

// A decode step on edge is one core streaming weights. The kernel after a
// vector kernel loads its weights (constants) while the vector kernel still
// computes and stores: the loads move ahead into it (LoadHoisting.h), and
// the program is as exact as before (every wait still needed, none missing,
// the same result) and faster than with the loads in place.
TEST(LoadHoisting, WeightLoadsStreamDuringTheKernelBefore) {
  const auto &t = preset("edge");
  int64_t k = 512, n = 4096;
  uint64_t x = 0, e = 4096, s = 8192, w = 1 << 20, y = 32 << 20;
  auto build = [&] {
    ProgramBuilder pb(t, "hoist");
    pb.addIo({"x", false, DType::F32, {1, k}, x, bin::Layout::ND});
    pb.addIo({"y", true, DType::F32, {1, n}, y, bin::Layout::ND});
    bin::ConstBlob c;
    c.name = "w";
    c.gmAddr = w;
    c.size = (uint64_t)(k * n * 4);
    Tensor wt = randomTensor({k, n}, 7);
    c.data = wt.toBytes();
    pb.addConst(std::move(c));
    pb.setGmBytes(48 << 20);
    // e = exp(x), s = e * x, then y = s @ w: the second kernel's load
    // waits for the first one's store, and the weights queued behind it
    // on the DMA engine would wait too.
    std::string err;
    auto vectorKernel = [&](uint64_t from, uint64_t to, bool exp) {
      VectorKernel v = expOrTimesX(from, to, x, k, exp);
      Tiling vt;
      EXPECT_TRUE(pb.planVector(v, vt, err)) << err;
      EXPECT_TRUE(pb.addVector(v, vt, err)) << err;
    };
    vectorKernel(x, e, true);
    vectorKernel(e, s, false);
    MatmulKernel mm = matmulKernel(s, w, y, 1, k, n);
    Tiling mt;
    EXPECT_TRUE(pb.planMatmul(mm, mt, err)) << err;
    EXPECT_TRUE(pb.addMatmul(mm, mt, err)) << err;
    bin::Program p;
    EXPECT_TRUE(pb.finish(p, err)) << err;
    return p;
  };
  Tensor xin = randomTensor({1, k}, 8);
  Tensor sHost(DType::F32, {1, k});
  for (int64_t i = 0; i < k; ++i)
    sHost.setF(i, std::exp(xin.getF(i)) * xin.getF(i));
  std::map<std::string, Tensor> in{{"x", xin}};
  std::string err;

  // Loads in place: each stream synchronized without the constants.
  bin::Program plain = build();
  ASSERT_EQ(plain.streams.size(), 1u);
  SyncStats plainStats;
  ASSERT_TRUE(
      insertSyncStream(plain.streams[0], 0, plain.debug, plainStats, err))
      << err;
  EXPECT_EQ(plainStats.hoistedLoads, 0u);
  // Hoisted: the first weight load now precedes the second kernel's store.
  SyncStats stats;
  bin::Program p = build();
  ASSERT_TRUE(insertSync(p, t, stats, err)) << err;
  ASSERT_TRUE(bin::verifyProgram(p, t, err)) << err;
  EXPECT_GT(stats.hoistedLoads, 0u);
  const std::vector<bin::Instr> &code = p.streams[0].instrs;
  size_t store = code.size(), firstWeight = code.size();
  for (size_t i = 0; i < code.size(); ++i) {
    const bin::Instr &in = code[i];
    if (in.op == Opcode::DmaSt && in.tiles[0].offset == s)
      store = i;
    if (in.op == Opcode::DmaLd && in.tiles[1].space == target::Space::GM &&
        in.tiles[1].offset >= w && firstWeight == code.size())
      firstWeight = i;
  }
  EXPECT_LT(firstWeight, store);

  sim::Stats plainRun, run;
  std::map<std::string, Tensor> out;
  ASSERT_TRUE(sim::Simulator(t).run(plain, in, out, plainRun, err)) << err;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, run, err)) << err;
  // (0.5 us of DMA latency and the vector kernel's tail, out of ~140 us.)
  EXPECT_LT(run.cycles, plainRun.cycles)
      << "hoisted " << run.cycles << " vs " << plainRun.cycles << " cycles";
  Tensor wt = randomTensor({k, n}, 7);
  expectRowTimesMatrix(out["y"], sHost, wt, k, n, 1.0);

  // Every wait is still needed (removing one is a race) and none missing.
  size_t waits = 0, caught = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    if (code[i].op != Opcode::WaitFlag)
      continue;
    ++waits;
    bin::Program q = p;
    q.streams[0].instrs.erase(q.streams[0].instrs.begin() + i);
    q.debug.clear();
    std::string e2;
    sim::Stats st;
    if (!sim::Simulator(t).run(q, in, out, st, e2) &&
        e2.find("race on") != std::string::npos)
      ++caught;
    else
      ADD_FAILURE() << "removing wait " << i << " went unnoticed";
  }
  EXPECT_EQ(waits, stats.flagPairs);
  EXPECT_EQ(caught, waits);
}

// A chain of small kernels on one vector core, each reading what the one
// before it wrote, needs no cross-core barrier (that core's own flags order
// them): it runs beside a product spread over the matrix cores, as the MoE
// router's chain beside the shared experts' down product in decode. A
// kernel on another core that reads the chain's result still waits at one.
TEST(CodeGen, AOneCoreChainRunsBesideAProductWithoutABarrier) {
  const auto &t = preset("dc");
  int64_t n = 256, k = 64;
  uint64_t big = (uint64_t)(n * n * 4), row = 4096;
  uint64_t a = 0, b = a + big, c = b + big, x = c + big, e = x + row,
           s = e + row, w = s + row, y = w + (uint64_t)(k * n * 4);
  ProgramBuilder pb(t, "chain");
  pb.addIo({"a", false, DType::F32, {n, n}, a, bin::Layout::ND});
  pb.addIo({"b", false, DType::F32, {n, n}, b, bin::Layout::ND});
  pb.addIo({"c", true, DType::F32, {n, n}, c, bin::Layout::ND});
  pb.addIo({"x", false, DType::F32, {1, k}, x, bin::Layout::ND});
  pb.addIo({"s", true, DType::F32, {1, k}, s, bin::Layout::ND});
  pb.addIo({"w", false, DType::F32, {k, n}, w, bin::Layout::ND});
  pb.addIo({"y", true, DType::F32, {1, n}, y, bin::Layout::ND});
  pb.setGmBytes(y + 4096);
  std::string err;
  auto product = [&](const MatmulKernel &mm) {
    Tiling tl;
    EXPECT_TRUE(pb.planMatmul(mm, tl, err)) << err;
    EXPECT_TRUE(pb.addMatmul(mm, tl, err)) << err;
  };
  product(matmulKernel(a, b, c, n, n, n));
  // e = exp(x), then s = e * x: one vector core each.
  for (bool exp : {true, false}) {
    VectorKernel v = expOrTimesX(exp ? x : e, exp ? e : s, x, k, exp);
    Tiling vt;
    EXPECT_TRUE(pb.planVector(v, vt, err)) << err;
    EXPECT_EQ(vt.cores, 1);
    EXPECT_TRUE(pb.addVector(v, vt, err)) << err;
  }
  EXPECT_EQ(pb.stats().crossCoreBarriers, 0u)
      << "the chain waits for nothing of another core";
  // y = s @ w reads the chain's result on another core.
  product(matmulKernel(s, w, y, 1, k, n));
  EXPECT_EQ(pb.stats().crossCoreBarriers, 1u);
  bin::Program p = finishSynced(pb, t);
  // Both kernels of the chain on one core.
  int chainStreams = 0;
  for (const bin::CoreStream &cs : p.streams) {
    bool exp = false, mul = false;
    for (const bin::Instr &in : cs.instrs) {
      exp = exp || in.op == Opcode::VExp;
      mul = mul || in.op == Opcode::VMul;
    }
    chainStreams += exp || mul;
    if (exp || mul) {
      EXPECT_TRUE(exp && mul) << "the chain split over cores";
    }
  }
  EXPECT_EQ(chainStreams, 1);
  Tensor ain = randomTensor({n, n}, 1), bin_ = randomTensor({n, n}, 2),
         xin = randomTensor({1, k}, 3), win = randomTensor({k, n}, 4);
  std::map<std::string, Tensor> in{
      {"a", ain}, {"b", bin_}, {"x", xin}, {"w", win}},
      out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  Tensor sHost(DType::F32, {1, k});
  for (int64_t i = 0; i < k; ++i) {
    sHost.setF(i, std::exp(xin.getF(i)) * xin.getF(i));
    EXPECT_NEAR(out.at("s").getF(i), sHost.getF(i),
                1e-5 * (1 + std::fabs(sHost.getF(i))));
  }
  expectRowTimesMatrix(out.at("y"), sHost, win, k, n, 1.0);
  for (int64_t i = 0; i < n; ++i) {
    double acc = 0;
    for (int64_t j = 0; j < n; ++j)
      acc += (double)ain.getF(j) * bin_.getF(j * n + i);
    EXPECT_NEAR(out.at("c").getF(i), acc, 1e-3 * (1 + std::fabs(acc)));
  }
}

// Independent one-core kernels take cores of their own, so they run side by
// side instead of queueing on core 0 (decode's RoPEs and cache writes after
// the projections); a kernel reading what one of them wrote follows it on
// its core, with no barrier.
TEST(CodeGen, IndependentOneCoreKernelsRunOnCoresOfTheirOwn) {
  const auto &t = preset("dc");
  int64_t k = 64;
  uint64_t row = 4096;
  uint64_t x1 = 0, x2 = x1 + row, e1 = x2 + row, e2 = e1 + row, s = e2 + row;
  ProgramBuilder pb(t, "side_by_side");
  pb.addIo({"x1", false, DType::F32, {1, k}, x1, bin::Layout::ND});
  pb.addIo({"x2", false, DType::F32, {1, k}, x2, bin::Layout::ND});
  pb.addIo({"e1", true, DType::F32, {1, k}, e1, bin::Layout::ND});
  pb.addIo({"e2", true, DType::F32, {1, k}, e2, bin::Layout::ND});
  pb.addIo({"s", true, DType::F32, {1, k}, s, bin::Layout::ND});
  pb.setGmBytes(s + row);
  std::string err;
  // e1 = exp(x1), e2 = exp(x2), s = e1 * x1.
  struct Step {
    uint64_t in, out, x;
    bool exp;
  };
  for (Step st : {Step{x1, e1, x1, true}, Step{x2, e2, x2, true},
                  Step{e1, s, x1, false}}) {
    VectorKernel v = expOrTimesX(st.in, st.out, st.x, k, st.exp);
    Tiling vt;
    EXPECT_TRUE(pb.planVector(v, vt, err)) << err;
    EXPECT_EQ(vt.cores, 1);
    EXPECT_TRUE(pb.addVector(v, vt, err)) << err;
  }
  EXPECT_EQ(pb.stats().crossCoreBarriers, 0u);
  bin::Program p = finishSynced(pb, t);
  int expStreams = 0, mulStreams = 0, both = 0;
  for (const bin::CoreStream &cs : p.streams) {
    int exps = 0;
    bool mul = false;
    for (const bin::Instr &in : cs.instrs) {
      exps += in.op == Opcode::VExp;
      mul = mul || in.op == Opcode::VMul;
    }
    expStreams += exps > 0;
    mulStreams += mul;
    both += exps > 0 && mul;
  }
  EXPECT_EQ(expStreams, 2) << "the two exps queued on one core";
  EXPECT_EQ(mulStreams, 1);
  EXPECT_EQ(both, 1) << "the product left the core of its operand";
  Tensor a = randomTensor({1, k}, 5), b = randomTensor({1, k}, 6);
  std::map<std::string, Tensor> in{{"x1", a}, {"x2", b}}, out;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(t).run(p, in, out, st, err)) << err;
  for (int64_t i = 0; i < k; ++i) {
    double ea = std::exp(a.getF(i)), eb = std::exp(b.getF(i));
    EXPECT_NEAR(out.at("e1").getF(i), ea, 1e-5 * (1 + ea));
    EXPECT_NEAR(out.at("e2").getF(i), eb, 1e-5 * (1 + eb));
    double sv = ea * a.getF(i);
    EXPECT_NEAR(out.at("s").getF(i), sv, 1e-5 * (1 + std::fabs(sv)));
  }
}

// A fence puts a barrier where no data dependence would: the reader of a
// gather's rows two kernels later then needs none, so the product between
// them, which reads none of those rows, runs after the fence rather than
// before a barrier (the MoE's shared-expert products before its routed
// experts). Either way the program has one barrier and no race.
TEST(CodeGen, AFenceMovesTheBarrierAheadOfIndependentKernels) {
  const auto &t = preset("dc");
  int cube = -1;
  for (size_t i = 0; i < t.coreTypes.size(); ++i)
    if (t.coreTypes[i].hasPipe(target::Pipe::M))
      cube = (int)i;
  ASSERT_GE(cube, 0);
  int64_t n = 256;
  uint64_t bytes = (uint64_t)(n * n * 4);
  uint64_t table = 0, idx = bytes, gathered = idx + 4096, a = gathered + bytes,
           b = a + bytes, c = b + bytes, d = c + bytes;
  auto build = [&](bool fence, uint64_t &barriers) {
    ProgramBuilder pb(t, "fence");
    pb.addIo({"table", false, DType::F32, {n, n}, table, bin::Layout::ND});
    pb.addIo({"idx", false, DType::I32, {n}, idx, bin::Layout::ND});
    pb.addIo({"a", false, DType::F32, {n, n}, a, bin::Layout::ND});
    pb.addIo({"b", false, DType::F32, {n, n}, b, bin::Layout::ND});
    pb.addIo({"c", true, DType::F32, {n, n}, c, bin::Layout::ND});
    pb.addIo({"d", true, DType::F32, {n, n}, d, bin::Layout::ND});
    pb.setGmBytes(d + bytes);
    std::string err;
    GatherKernel g;
    g.name = "gather";
    g.table = GmView::contiguous(table, DType::F32, {1, n, n});
    g.index = GmView::contiguous(idx, DType::I32, {n});
    g.out = GmView::contiguous(gathered, DType::F32, {1, n, n});
    EXPECT_TRUE(pb.addGather(g, err)) << err;
    if (fence)
      pb.addFence({"fence"});
    for (int i = 0; i < 2; ++i) {
      MatmulKernel mm;
      mm.name = i ? "reads_gathered" : "independent";
      mm.a = GmView::contiguous(i ? gathered : a, DType::F32, {n, n});
      mm.b = GmView::contiguous(b, DType::F32, {n, n});
      mm.c = GmView::contiguous(i ? d : c, DType::F32, {n, n});
      Tiling tl;
      EXPECT_TRUE(pb.planMatmul(mm, tl, err)) << err;
      EXPECT_TRUE(pb.addMatmul(mm, tl, err)) << err;
    }
    bin::Program p = finishSynced(pb, t);
    barriers = pb.stats().crossCoreBarriers;
    return p;
  };
  // Where cube core 0's first cross-core wait and first mmad are.
  auto order = [&](const bin::Program &p, size_t &wait, size_t &mmad) {
    wait = mmad = SIZE_MAX;
    for (const bin::CoreStream &cs : p.streams) {
      if (cs.coreType != (uint32_t)cube || cs.coreIndex != 0)
        continue;
      for (size_t i = 0; i < cs.instrs.size(); ++i) {
        if (cs.instrs[i].op == Opcode::XWait && wait == SIZE_MAX)
          wait = i;
        if (cs.instrs[i].op == Opcode::Mmad && mmad == SIZE_MAX)
          mmad = i;
      }
    }
  };
  for (bool fence : {false, true}) {
    SCOPED_TRACE(fence ? "fence" : "no fence");
    uint64_t barriers = 0;
    bin::Program p = build(fence, barriers);
    EXPECT_EQ(barriers, 1u);
    size_t wait, mmad;
    order(p, wait, mmad);
    ASSERT_NE(wait, SIZE_MAX);
    ASSERT_NE(mmad, SIZE_MAX);
    if (fence)
      EXPECT_LT(wait, mmad) << "the barrier comes before the first product";
    else
      EXPECT_GT(wait, mmad) << "the independent product runs before it";
    sim::SimOptions opts;
    opts.functional = false; // timing and the race checker only
    std::map<std::string, Tensor> in, out;
    sim::Stats st;
    std::string err;
    EXPECT_TRUE(sim::Simulator(t, opts).run(p, in, out, st, err)) << err;
  }
}
