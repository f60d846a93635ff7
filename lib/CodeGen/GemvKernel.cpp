//===- GemvKernel.cpp - One-row matmul jobs on the vector cores -----------===//
//
// Decode multiplies one activation row by large weight matrices: the work is
// all DRAM traffic. On a chip with separate vector cores (dc) the matrix
// cores alone barely out-demand DRAM (24 x 32 B/cycle against ~755), so any
// pause of one core (each chunk's `set_flag` waits out the DMA latency)
// leaves DRAM idle. ProgramBuilder::addMatmul therefore hands some of a
// one-row product's (column tile, K part) jobs to vector cores, balanced by
// estimated time. A job:
//
//   x   = a[0, k0:k1] as f32                        (one DMA, one cast;
//                                                    once per kernel where
//                                                    every job reads all of x)
//   acc = 0
//   per block of R rows of B (double-buffered in local memory):
//     w     = b[r0:r0+R, n0:n0+nt]                  (MTE2)
//     w     = f32(w) * x[r0:r0+R] (column, broadcast across the row)
//     w[0]  = sum of w's rows                       (a halving tree of vadds)
//     acc  += w[0]
//   out = acc * scale (ReLU, cast) -> GM             (MTE3)
//
// Products and sums are f32, as the matrix engine's are; only the order of
// the additions differs.
//
// An nn.Linear weight is stored [N, K] (B^T): B's [K, N] rows would be one
// element per DMA run. Such a job reads B^T's rows instead and takes row
// dot products (the "transposed" form):
//
//   per block of R elements of K:
//     w     = bT[n0:n0+nt, r0:r0+R]                 (nt runs of R elements)
//     w     = f32(w) * x[r0:r0+R] (row, broadcast down the columns)
//     red   = the sum of each of w's rows            (vredsum)
//     acc  += red                                    (acc as a column)
//
// The jobs of consecutive kernels are batched and emitted as one
// self-synchronized region per vector core (flushGemvBatch): per kernel, in
// the same order on every core, a loop over this core's jobs (trip count 0
// where it has none) that reads each job's x, B and output offsets and its
// block count from a job table in GM (`sld`), and per job a loop over its
// blocks whose tiles are register-relative. Every kernel's blocks are R rows
// dividing each of its jobs, and every kernel of the batch uses one buffer
// layout, so the code is the same on every vector core (the cores share one
// body, Spmd.cpp: 997 instructions for the 48 cores of the DeepSeek-V2-Lite
// decode projections instead of 3,143) and the DMA ring runs on from one
// job and kernel to the next. The flags follow a producer/consumer ring
// (MoEKernel.cpp): the free flags are set before the loops and taken after
// them, so their counts balance for any trip count.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/Kernels.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tessera::codegen {

using bin::Instr;
using bin::makeInstr;
using bin::Opcode;
using bin::Tile;
using target::Space;

namespace {
/// Byte offsets of a GEMV job's buffers in the vector core's local memory.
struct GemvLayout {
  int64_t pitch = 0;      // elements per row of acc (32-byte aligned rows)
  int64_t blockPitch = 0; // elements per row of a block
  uint64_t xStage = 0, xF32 = 0, acc = 0, accOut = 0, block = 0, work = 0;
  uint64_t red = 0;
  uint64_t blockBytes = 0, end = 0;
};

/// The buffers of a job of `kRows` x `nt` in blocks of `blockRows` rows of B
/// (of B^T's columns when `transposed`: a block is [nt, blockRows]).
GemvLayout gemvLayout(DType dt, int64_t kRows, int64_t nt, int64_t blockRows,
                      uint64_t align, bool transposed) {
  GemvLayout l;
  int64_t es = dtypeByteSize(dt);
  l.pitch = (nt + 15) / 16 * 16;
  // A block's rows and their pitch.
  int64_t rows = transposed ? nt : blockRows;
  int64_t pitch = transposed ? (blockRows + 15) / 16 * 16 : l.pitch;
  l.blockPitch = pitch;
  uint64_t at = 0;
  auto take = [&](uint64_t bytes) {
    uint64_t here = at;
    at = llvm::alignTo(at + bytes, align);
    return here;
  };
  l.xStage = take(es == 4 ? 0 : (uint64_t)(kRows * es));
  l.xF32 = take((uint64_t)kRows * 4);
  l.acc = take((uint64_t)l.pitch * 4);
  l.accOut = take((uint64_t)l.pitch * 4);
  l.blockBytes = llvm::alignTo((uint64_t)(rows * pitch * es), align);
  l.block = take(2 * l.blockBytes);
  // f32 blocks are multiplied in place; narrower ones are cast into `work`.
  l.work = take(es == 4 ? 0 : (uint64_t)(rows * pitch * 4));
  // The transposed form's row sums.
  l.red = take(transposed ? (uint64_t)l.pitch * 4 : 0);
  l.end = at;
  return l;
}
} // namespace

int64_t ProgramBuilder::gemvBlockRows(DType dt, int64_t kMax, int64_t nt,
                                      bool transposed) const {
  Space local;
  if (vectorCoreType(local) < 0)
    return 0;
  uint64_t cap = t_.space(local).bytes, align = t_.space(local).align;
  // The largest multiple of 8 rows (so each block's slice of x stays
  // 32-byte aligned) whose buffers fit; no more than the job has.
  int64_t want = std::max<int64_t>(8, (kMax + 7) / 8 * 8);
  int64_t lo = 0, hi = want / 8;
  while (lo < hi) {
    int64_t mid = (lo + hi + 1) / 2;
    if (gemvLayout(dt, kMax, nt, mid * 8, align, transposed).end <= cap)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo * 8;
}

double ProgramBuilder::gemvJobCycles(DType dt, int64_t rows, int64_t nt,
                                     bool transposed, double dramShare) const {
  Space local;
  if (vectorCoreType(local) < 0)
    return std::numeric_limits<double>::infinity();
  int64_t blockRows = gemvEvenRows(dt, rows, rows, nt, transposed);
  if (blockRows == 0) // addMatmul rejects such jobs; never pick them
    return std::numeric_limits<double>::infinity();
  int64_t es = dtypeByteSize(dt);
  const target::DmaPath *path = t_.findPath(Space::GM, local);
  double rate = path ? path->bytesPerCycle : 1.0;
  if (t_.dramPerCoreBytesPerCycle > 0)
    rate = std::min(rate, t_.dramPerCoreBytesPerCycle);
  double latency =
      (path ? path->latencyCycles : 0) + (double)t_.dramLatencyCycles;
  auto opCycles = [&](const char *op) {
    auto it = t_.vectorOpCycles.find(op);
    return it == t_.vectorOpCycles.end() ? 1.0 : it->second;
  };
  int64_t pitch = transposed ? (blockRows + 15) / 16 * 16 : (nt + 15) / 16 * 16;
  double repeats =
      (double)(transposed ? nt : blockRows) *
      std::ceil((double)pitch * 4 / std::max(1.0, t_.vectorBytesPerCycle));
  // Each block: its DMA and the set_flag that waits out the latency, against
  // cast + multiply + the halving tree or the row sums (about one more pass)
  // on V.
  double dma = dramShare > 0 ? (double)(blockRows * nt * es) / dramShare
                             : (double)(blockRows * nt * es) / rate + latency;
  double vec = repeats * ((es == 4 ? 0 : opCycles("cast")) + opCycles("mul") +
                          opCycles("add")) +
               (4 + std::log2((double)blockRows)) * t_.vectorStartupCycles;
  int64_t blocks = (rows + blockRows - 1) / blockRows;
  return (double)blocks * std::max(dma, vec) + latency;
}

int64_t ProgramBuilder::gemvEvenRows(DType dt, int64_t kMax, int64_t divides,
                                     int64_t nt, bool transposed) const {
  for (int64_t r = gemvBlockRows(dt, kMax, nt, transposed); r >= 8; r -= 8)
    if (divides % r == 0)
      return r;
  return 0;
}

namespace {
/// Flag ids of the batch region (the straight-line analysis uses id 0):
/// the B block ring, and the x slice's staging buffer.
constexpr int64_t kBlockFlag = 1, kXFlag = 2;

// Scalar registers of the batch region (r0 reads as zero).
enum GemvReg : uint8_t {
  RJob = 1, // job loop index
  ROff,     // byte offset of the job's table entry
  RX,       // x slice: bytes from a's base
  RB,       // B block: bytes from b's base
  RO,       // output: bytes from the output base
  RBlocks,  // blocks of the job
  RK,       // rows of the job (elements of x)
  RIdx,     // block loop index
  RP,       // B block buffer (0/1)
  RCols,    // the job's output columns (B^T rows when transposed)
};
} // namespace

/// The layout that holds the buffers of every kernel of a batch (their
/// largest x slice, width and block).
static GemvLayout gemvBatchLayout(const std::vector<GemvBatchKernel> &batch,
                                  uint64_t align) {
  int64_t kt = 0, nt = 0, rows = 0;
  for (const auto &g : batch) {
    kt = std::max(kt, g.ktMax);
    nt = std::max(nt, g.nt);
    rows = std::max(rows, g.rows);
  }
  return gemvLayout(batch.front().k.a.dtype, kt, nt, rows, align,
                    batch.front().transposed);
}

bool ProgramBuilder::gemvBatchAccepts(const GemvBatchKernel &g) const {
  if (gemvBatch_.empty())
    return true;
  if (g.k.a.dtype != gemvBatch_.front().k.a.dtype ||
      g.transposed != gemvBatch_.front().transposed)
    return false;
  Space local;
  vectorCoreType(local);
  std::vector<GemvBatchKernel> with = gemvBatch_;
  with.push_back(g);
  return gemvBatchLayout(with, t_.space(local).align).end <=
         t_.space(local).bytes;
}

void ProgramBuilder::flushGemvBatch() {
  if (gemvBatch_.empty() || flushingGemv_)
    return;
  flushingGemv_ = true;
  using target::Pipe;
  Space local;
  int vType = vectorCoreType(local);
  uint64_t align = t_.space(local).align;
  // The job table: a header with each core's first entry (byte offset from
  // the entries), then per core, kernel by kernel, its jobs' entries (x, B
  // and output offsets, then the block count and the output columns as the
  // low and high 16 bits of one word: i32 each), placed after everything in
  // GM. Four entries fill a 64-byte line of the scalar data cache, so a job
  // starts with a miss only every fourth time (five words cost a miss every
  // other job, 0.11 us each: lm_head took 1.7 us longer). A core walks its
  // entries with one pointer, so the loads' addresses are the same on every
  // core; only the header address and the trip counts differ.
  constexpr int64_t kEntry = 16;
  uint32_t cores = (uint32_t)gemvBatchJobs_.size();
  int64_t header = (int64_t)llvm::alignTo((uint64_t)cores * 4, kEntry);
  std::vector<int32_t> table(header / 4, 0);
  std::vector<std::vector<int64_t>> count(cores);
  for (uint32_t c = 0; c < cores; ++c) {
    table[c] = (int32_t)((int64_t)(table.size() - header / 4) * 4);
    count[c].assign(gemvBatch_.size(), 0);
    for (uint32_t kb = 0; kb < gemvBatch_.size(); ++kb)
      for (const GemvBatchJob &j : gemvBatchJobs_[c]) {
        if (j.kernel != kb)
          continue;
        int64_t cols = j.cols ? j.cols : gemvBatch_[kb].nt;
        if (((j.blocks >> 16) || (cols >> 15)) && deferredError_.empty())
          deferredError_ = "a GEMV job of " + std::to_string(j.blocks) +
                           " blocks and " + std::to_string(cols) +
                           " columns does not fit its table entry";
        table.insert(table.end(),
                     {(int32_t)j.xOff, (int32_t)j.bOff, (int32_t)j.outOff,
                      (int32_t)(j.blocks | cols << 16)});
        ++count[c][kb];
      }
  }
  uint64_t tableAddr =
      appendConst("gemv_jobs", table.data(), (uint64_t)table.size() * 4);
  // A kernel whose jobs all read the same slice of x (K not split: the whole
  // row) loads and casts it once per core, before its job loop, instead of
  // once per job: each load is a DMA latency the MTE2 queue waits out
  // before the job's first block (Qwen2-1.5B's decode projections: a job of
  // two blocks took ~1.3 us, 0.13 us of it the x load).
  struct SharedX {
    bool shared = true;
    int64_t xOff = -1, blocks = -1;
  };
  std::vector<SharedX> sharedX(gemvBatch_.size());
  for (const auto &jobs : gemvBatchJobs_)
    for (const GemvBatchJob &j : jobs) {
      SharedX &sx = sharedX[j.kernel];
      if (sx.xOff < 0) {
        sx.xOff = j.xOff;
        sx.blocks = j.blocks;
      }
      sx.shared = sx.shared && sx.xOff == j.xOff && sx.blocks == j.blocks;
    }
  uint64_t entriesAddr = tableAddr + (uint64_t)header;
  // One layout for the whole region: the buffers of every kernel's jobs at
  // the same places, so the flags order reuse across kernels too.
  GemvLayout l = gemvBatchLayout(gemvBatch_, align);
  for (uint32_t c = 0; c < cores; ++c) {
    if (gemvBatchJobs_[c].empty())
      continue;
    std::string loc = gemvBatch_.front().k.name;
    auto E = [&](const Instr &in) { emit((uint32_t)vType, c, in, loc); };
    E(barrierAll());
    E(pipeFlag(Opcode::SetFlag, Pipe::V, Pipe::MTE2, kBlockFlag));
    E(pipeFlag(Opcode::SetFlag, Pipe::V, Pipe::MTE2, kBlockFlag));
    E(pipeFlag(Opcode::SetFlag, Pipe::V, Pipe::MTE2, kXFlag));
    E(pipeFlag(Opcode::SetFlag, Pipe::MTE3, Pipe::V, kBlockFlag));
    E(salu(Opcode::SAdd, RP, 0, 0, 0));
    E(makeInstr(Opcode::SLd, {}, {ROff, 0, (int64_t)tableAddr + 4 * c}));
    for (uint32_t kb = 0; kb < gemvBatch_.size(); ++kb) {
      const GemvBatchKernel &g = gemvBatch_[kb];
      const MatmulKernel &k = g.k;
      loc = k.name;
      DType dt = k.a.dtype;
      int64_t es = dtypeByteSize(dt);
      int r = (int)k.c.shape.size();
      int64_t nt = g.nt, R = g.rows;
      auto ub = [&](uint64_t off, DType type, int64_t rows, int64_t cols,
                    int64_t rowStride) {
        Tile t = bin::makeTile(local, off, type, {rows, cols});
        t.strides[0] = rowStride;
        t.strides[1] = 1;
        return t;
      };
      auto withTerm = [](Tile t, uint8_t reg, int64_t stride) {
        t.terms[t.numTerms++] = {reg, stride};
        return t;
      };
      auto withExtent = [](Tile t, int8_t dim, uint8_t reg) {
        t.extentDim = dim;
        t.extentReg = reg;
        return t;
      };
      // x = a[0, k0:k0+kt] in f32: per job from the job's slice (RX, RK),
      // or once for all of the kernel's jobs.
      bool xOnce = sharedX[kb].shared && sharedX[kb].xOff >= 0;
      auto loadX = [&] {
        int64_t kt = xOnce ? sharedX[kb].blocks * R : g.ktMax;
        Tile xGm = bin::makeTile(
            Space::GM, k.a.addr + (uint64_t)(xOnce ? sharedX[kb].xOff : 0), dt,
            {1, kt});
        xGm.strides[0] = k.a.strides[r - 2];
        xGm.strides[1] = k.a.strides[r - 1];
        Tile xF32 = ub(l.xF32, DType::F32, 1, kt, kt);
        Tile stage = ub(l.xStage, dt, 1, kt, kt);
        if (!xOnce) {
          xGm = withExtent(withTerm(xGm, RX, 1), 1, RK);
          xF32 = withExtent(xF32, 1, RK);
          stage = withExtent(stage, 1, RK);
        }
        E(pipeFlag(Opcode::WaitFlag, Pipe::V, Pipe::MTE2, kXFlag));
        E(makeInstr(Opcode::DmaLd, {es == 4 ? xF32 : stage, xGm}));
        E(pipeFlag(Opcode::SetFlag, Pipe::MTE2, Pipe::V, kXFlag));
        E(pipeFlag(Opcode::WaitFlag, Pipe::MTE2, Pipe::V, kXFlag));
        if (es != 4) {
          E(makeInstr(Opcode::VCast, {xF32, stage}, {1}));
          E(pipeFlag(Opcode::SetFlag, Pipe::V, Pipe::MTE2, kXFlag));
        }
      };
      if (xOnce)
        loadX();
      // Every core runs this loop, zero times where it has no such job.
      E(makeInstr(Opcode::Loop, {}, {RJob, 0, count[c][kb]}));
      int64_t entry = (int64_t)entriesAddr;
      E(makeInstr(Opcode::SLd, {}, {RX, ROff, entry}));
      E(makeInstr(Opcode::SLd, {}, {RB, ROff, entry + 4}));
      E(makeInstr(Opcode::SLd, {}, {RO, ROff, entry + 8}));
      E(makeInstr(Opcode::SLd, {}, {RBlocks, ROff, entry + 12}));
      E(salu(Opcode::SShr, RCols, RBlocks, 0, 16));
      E(salu(Opcode::SAnd, RBlocks, RBlocks, 0, 0xFFFF));
      E(salu(Opcode::SAdd, ROff, ROff, 0, kEntry));
      E(salu(Opcode::SMul, RK, RBlocks, 0, R));
      if (!xOnce)
        loadX();
      // acc = 0, once the previous job's result has left.
      // A job may be narrower than nt (the widths that balance the cores,
      // MatmulKernel.cpp): every tile spanning the job's columns takes RCols.
      Tile acc = withExtent(ub(l.acc, DType::F32, 1, nt, l.pitch), 1, RCols);
      E(pipeFlag(Opcode::WaitFlag, Pipe::MTE3, Pipe::V, kBlockFlag));
      E(makeInstr(Opcode::VDup, {acc}, {}, 0.0f));
      E(makeInstr(Opcode::Loop, {}, {RIdx, RBlocks, 0}));
      {
        E(pipeFlag(Opcode::WaitFlag, Pipe::V, Pipe::MTE2, kBlockFlag));
        // The block: R rows of B, or (transposed) nt rows of R elements of
        // B^T; the next block is R rows (elements) further along K.
        int64_t bRows = g.transposed ? nt : R, bCols = g.transposed ? R : nt;
        int8_t colDim = g.transposed ? 0 : 1;
        Tile w =
            withExtent(withTerm(ub(l.block, dt, bRows, bCols, l.blockPitch), RP,
                                (int64_t)l.blockBytes),
                       colDim, RCols);
        Tile bGm =
            bin::makeTile(Space::GM, k.b.addr, k.b.dtype, {bRows, bCols});
        bGm.strides[0] = k.b.strides[g.transposed ? r - 1 : r - 2];
        bGm.strides[1] = k.b.strides[g.transposed ? r - 2 : r - 1];
        bGm = withExtent(
            withTerm(withTerm(bGm, RB, 1), RIdx, R * k.b.strides[r - 2] * es),
            colDim, RCols);
        E(makeInstr(Opcode::DmaLd, {w, bGm}));
        E(pipeFlag(Opcode::SetFlag, Pipe::MTE2, Pipe::V, kBlockFlag));
        E(pipeFlag(Opcode::WaitFlag, Pipe::MTE2, Pipe::V, kBlockFlag));
        Tile prod = withExtent(
            es == 4
                ? withTerm(ub(l.block, DType::F32, bRows, bCols, l.blockPitch),
                           RP, (int64_t)l.blockBytes)
                : ub(l.work, DType::F32, bRows, bCols, l.blockPitch),
            colDim, RCols);
        if (es != 4) {
          E(makeInstr(Opcode::VCast, {prod, w}, {1}));
          E(pipeFlag(Opcode::SetFlag, Pipe::V, Pipe::MTE2, kBlockFlag));
        }
        if (g.transposed) {
          // x[r0:r0+R] as a row, broadcast down the nt rows; then each
          // row's sum, added to acc seen as a column.
          Tile xRow = withTerm(ub(l.xF32, DType::F32, 1, R, R), RIdx, R * 4);
          E(makeInstr(Opcode::VMul, {prod, prod, xRow}, {0}));
          Tile red = withExtent(ub(l.red, DType::F32, nt, 1, 1), 0, RCols);
          E(makeInstr(Opcode::VRedSum, {red, prod}));
          Tile accCol = withExtent(ub(l.acc, DType::F32, nt, 1, 1), 0, RCols);
          E(makeInstr(Opcode::VAdd, {accCol, accCol, red}, {0}));
        } else {
          Tile xCol = bin::makeTile(local, l.xF32, DType::F32, {R, 1});
          xCol.strides[0] = 1;
          xCol.strides[1] = 1;
          xCol = withTerm(xCol, RIdx, R * 4);
          E(makeInstr(Opcode::VMul, {prod, prod, xCol}, {0}));
          // Halving tree: rows [0, h) += rows [n-h, n) until one row is left.
          for (int64_t n = R; n > 1;) {
            int64_t h = n / 2;
            Tile lo = prod, hi = prod;
            lo.shape[0] = hi.shape[0] = h;
            hi.offset += (uint64_t)((n - h) * l.blockPitch * 4);
            E(makeInstr(Opcode::VAdd, {lo, lo, hi}, {0}));
            n -= h;
          }
          Tile row0 = prod;
          row0.shape[0] = 1;
          E(makeInstr(Opcode::VAdd, {acc, acc, row0}, {0}));
        }
        if (es == 4)
          E(pipeFlag(Opcode::SetFlag, Pipe::V, Pipe::MTE2, kBlockFlag));
        E(salu(Opcode::SXor, RP, RP, 0, 1));
      }
      E(makeInstr(Opcode::EndLoop, {}));
      // x was read in place: free once the blocks (all jobs) are done.
      if (es == 4 && !xOnce)
        E(pipeFlag(Opcode::SetFlag, Pipe::V, Pipe::MTE2, kXFlag));
      if (k.scale != 1.0f)
        E(makeInstr(Opcode::VMulS, {acc, acc}, {}, k.scale));
      if (g.finalOutput && k.relu)
        E(makeInstr(Opcode::VRelu, {acc, acc}));
      DType outT = g.finalOutput ? k.c.dtype : DType::F32;
      Tile src = acc;
      if (outT != DType::F32) {
        src = withExtent(ub(l.accOut, outT, 1, nt, l.pitch), 1, RCols);
        E(makeInstr(Opcode::VCast, {src, acc}, {1}));
      }
      Tile out = bin::makeTile(Space::GM, g.outBase, outT, {1, nt});
      out.strides[0] = g.finalOutput ? k.c.strides[r - 2] : nt;
      out.strides[1] = g.finalOutput ? k.c.strides[r - 1] : 1;
      out = withExtent(withTerm(out, RO, 1), 1, RCols);
      E(pipeFlag(Opcode::SetFlag, Pipe::V, Pipe::MTE3, kBlockFlag));
      E(pipeFlag(Opcode::WaitFlag, Pipe::V, Pipe::MTE3, kBlockFlag));
      E(makeInstr(Opcode::DmaSt, {out, src}));
      E(pipeFlag(Opcode::SetFlag, Pipe::MTE3, Pipe::V, kBlockFlag));
      E(makeInstr(Opcode::EndLoop, {}));
      if (es == 4 && xOnce)
        E(pipeFlag(Opcode::SetFlag, Pipe::V, Pipe::MTE2, kXFlag));
    }
    E(pipeFlag(Opcode::WaitFlag, Pipe::V, Pipe::MTE2, kBlockFlag));
    E(pipeFlag(Opcode::WaitFlag, Pipe::V, Pipe::MTE2, kBlockFlag));
    E(pipeFlag(Opcode::WaitFlag, Pipe::V, Pipe::MTE2, kXFlag));
    E(pipeFlag(Opcode::WaitFlag, Pipe::MTE3, Pipe::V, kBlockFlag));
    E(barrierAll());
  }
  gemvBatch_.clear();
  gemvBatchJobs_.clear();
  flushingGemv_ = false;
}

} // namespace tessera::codegen
