//===- GemvKernel.cpp - One-row matmul jobs on the vector cores -----------===//
//
// Decode multiplies one activation row by large weight matrices: the work is
// all DRAM traffic. On a chip with separate vector cores (dc) the matrix
// cores alone barely out-demand DRAM (24 x 32 B/cycle against ~755), so any
// pause of one core (each chunk's `set_flag` waits out the DMA latency)
// leaves DRAM idle. ProgramBuilder::addMatmul therefore hands some of a
// one-row product's (column tile, K part) jobs to vector cores, balanced by
// estimated time; this file emits such a job:
//
//   x   = a[0, k0:k1] as f32                        (one DMA, one cast)
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
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/Kernels.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tessera::codegen {

using bin::makeInstr;
using bin::Opcode;
using bin::Tile;
using target::Space;

namespace {
/// Byte offsets of a GEMV job's buffers in the vector core's local memory.
struct GemvLayout {
  int64_t pitch = 0; // elements per row of a block (32-byte aligned rows)
  uint64_t xStage = 0, xF32 = 0, acc = 0, accOut = 0, block = 0, work = 0;
  uint64_t blockBytes = 0, end = 0;
};

GemvLayout gemvLayout(DType dt, int64_t kRows, int64_t nt, int64_t blockRows,
                      uint64_t align) {
  GemvLayout l;
  int64_t es = dtypeByteSize(dt);
  l.pitch = (nt + 15) / 16 * 16;
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
  l.blockBytes = llvm::alignTo((uint64_t)(blockRows * l.pitch * es), align);
  l.block = take(2 * l.blockBytes);
  // f32 blocks are multiplied in place; narrower ones are cast into `work`.
  l.work = take(es == 4 ? 0 : (uint64_t)(blockRows * l.pitch * 4));
  l.end = at;
  return l;
}
} // namespace

int64_t ProgramBuilder::gemvBlockRows(DType dt, int64_t kMax,
                                      int64_t nt) const {
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
    if (gemvLayout(dt, kMax, nt, mid * 8, align).end <= cap)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo * 8;
}

double ProgramBuilder::gemvJobCycles(DType dt, int64_t rows, int64_t nt) const {
  Space local;
  if (vectorCoreType(local) < 0)
    return std::numeric_limits<double>::infinity();
  int64_t blockRows = gemvBlockRows(dt, rows, nt);
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
  int64_t pitch = (nt + 15) / 16 * 16;
  double repeats =
      (double)blockRows *
      std::ceil((double)pitch * 4 / std::max(1.0, t_.vectorBytesPerCycle));
  // Each block: its DMA and the set_flag that waits out the latency, against
  // cast + multiply + the halving tree (about one more pass) on V.
  double dma = (double)(blockRows * nt * es) / rate + latency;
  double vec = repeats * ((es == 4 ? 0 : opCycles("cast")) + opCycles("mul") +
                          opCycles("add")) +
               (4 + std::log2((double)blockRows)) * t_.vectorStartupCycles;
  int64_t blocks = (rows + blockRows - 1) / blockRows;
  return (double)blocks * std::max(dma, vec) + latency;
}

void ProgramBuilder::emitVectorGemvJob(const MatmulKernel &k, uint32_t vType,
                                       uint32_t core, int64_t k0, int64_t k1,
                                       int64_t n0, int64_t nt, const Tile &out,
                                       bool finalOutput) {
  Space local;
  vectorCoreType(local);
  DType dt = k.a.dtype;
  int64_t es = dtypeByteSize(dt);
  int r = (int)k.c.shape.size();
  int64_t kt = k1 - k0;
  int64_t blockRows = gemvBlockRows(dt, kt, nt);
  if (blockRows <= 0)
    return; // addMatmul checked that every job fits
  GemvLayout l = gemvLayout(dt, kt, nt, blockRows, t_.space(local).align);
  auto E = [&](const bin::Instr &in) { emit(vType, core, in, k.name); };
  auto ub = [&](uint64_t off, DType type, int64_t rows, int64_t cols,
                int64_t rowStride) {
    Tile t = bin::makeTile(local, off, type, {rows, cols});
    t.strides[0] = rowStride;
    t.strides[1] = 1;
    return t;
  };
  auto gm = [&](const GmView &v, int64_t row, int64_t col, int64_t rows,
                int64_t cols) {
    Tile t = bin::makeTile(
        Space::GM,
        v.addr +
            (uint64_t)((row * v.strides[r - 2] + col * v.strides[r - 1]) * es),
        v.dtype, {rows, cols});
    t.strides[0] = v.strides[r - 2];
    t.strides[1] = v.strides[r - 1];
    return t;
  };

  // x = a[0, k0:k1] in f32.
  Tile xF32 = ub(l.xF32, DType::F32, 1, kt, kt);
  if (es == 4) {
    E(makeInstr(Opcode::DmaLd, {xF32, gm(k.a, 0, k0, 1, kt)}));
  } else {
    Tile stage = ub(l.xStage, dt, 1, kt, kt);
    E(makeInstr(Opcode::DmaLd, {stage, gm(k.a, 0, k0, 1, kt)}));
    E(makeInstr(Opcode::VCast, {xF32, stage}, {1}));
  }
  if (gemvBlock_.size() <= core)
    gemvBlock_.resize(core + 1, 0);
  Tile acc = ub(l.acc, DType::F32, 1, nt, l.pitch);
  for (int64_t r0 = 0; r0 < kt; r0 += blockRows) {
    int64_t rows = std::min(blockRows, kt - r0);
    uint64_t buf = l.block + (uint64_t)(gemvBlock_[core]++ % 2) * l.blockBytes;
    Tile w = ub(buf, dt, rows, nt, l.pitch);
    E(makeInstr(Opcode::DmaLd, {w, gm(k.b, k0 + r0, n0, rows, nt)}));
    uint64_t work = es == 4 ? buf : l.work;
    Tile prod = ub(work, DType::F32, rows, nt, l.pitch);
    if (es != 4)
      E(makeInstr(Opcode::VCast, {prod, w}, {1}));
    Tile xCol =
        bin::makeTile(local, l.xF32 + (uint64_t)r0 * 4, DType::F32, {rows, 1});
    xCol.strides[0] = 1;
    xCol.strides[1] = 1;
    E(makeInstr(Opcode::VMul, {prod, prod, xCol}, {0}));
    // Halving tree: rows [0, h) += rows [n-h, n) until one row is left.
    for (int64_t n = rows; n > 1;) {
      int64_t h = n / 2;
      Tile lo = ub(work, DType::F32, h, nt, l.pitch);
      Tile hi = ub(work + (uint64_t)((n - h) * l.pitch * 4), DType::F32, h, nt,
                   l.pitch);
      E(makeInstr(Opcode::VAdd, {lo, lo, hi}, {0}));
      n -= h;
    }
    Tile row0 = ub(work, DType::F32, 1, nt, l.pitch);
    if (r0 == 0)
      E(makeInstr(Opcode::VAddS, {acc, row0}, {}, 0.0f));
    else
      E(makeInstr(Opcode::VAdd, {acc, acc, row0}, {0}));
  }
  if (k.scale != 1.0f)
    E(makeInstr(Opcode::VMulS, {acc, acc}, {}, k.scale));
  if (finalOutput && k.relu)
    E(makeInstr(Opcode::VRelu, {acc, acc}));
  Tile src = acc;
  if (out.dtype != DType::F32) {
    src = ub(l.accOut, out.dtype, 1, nt, l.pitch);
    E(makeInstr(Opcode::VCast, {src, acc}, {1}));
  }
  E(makeInstr(Opcode::DmaSt, {out, src}));
}

} // namespace tessera::codegen
