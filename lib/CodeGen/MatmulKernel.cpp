//===- MatmulKernel.cpp - Matrix-engine kernels ---------------------------===//
//
// C tiles of tm x tn are distributed over the cores that have a matrix
// engine. Per tile, K is walked in chunks of ck (double-buffered in L1, as
// fractal NZ when the chunk is aligned), each chunk in steps of `step` moved
// to L0A/L0B (double-buffered) and accumulated in L0C; FIX writes the tile to
// GM converting f32 to c's dtype (with scale and ReLU when fused). On a chip
// whose unified local memory serves every role (edge), the matrix engine
// reads the chunks where the DMA put them.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/Kernels.h"
#include "tessera/Support/HugePages.h"

#include <algorithm>
#include <climits>
#include <numeric>

namespace tessera::codegen {

using bin::Instr;
using bin::Layout;
using bin::makeInstr;
using bin::Opcode;
using bin::Tile;
using target::Pipe;
using target::Space;

static int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/// Cycles of the matrix engine for an m x k x n product: one fractal a
/// cycle, partial fractals whole.
static double fractalCycles(const target::Fractal &fr, int64_t m, int64_t k,
                            int64_t n) {
  return (double)((m + fr.m - 1) / fr.m) * (double)((k + fr.k - 1) / fr.k) *
         (double)((n + fr.n - 1) / fr.n);
}

namespace {
/// Where the matrix kernel's buffers live on this target.
struct MatrixSpaces {
  int coreType = -1;
  bool unified = false; // one local space serves L1/L0A/L0B/L0C
  Space l1 = Space::L1, l0a = Space::L0A, l0b = Space::L0B, l0c = Space::L0C;
};

bool matrixSpaces(const target::TargetDesc &t, MatrixSpaces &ms) {
  for (size_t i = 0; i < t.coreTypes.size(); ++i) {
    const auto &ct = t.coreTypes[i];
    if (!ct.hasPipe(Pipe::M) || !ct.hasPipe(Pipe::FIX) ||
        !ct.hasPipe(Pipe::MTE2))
      continue;
    ms.coreType = (int)i;
    if (ct.hasPipe(Pipe::MTE1) && ct.hasSpace(Space::L1) &&
        ct.hasSpace(Space::L0A) && ct.hasSpace(Space::L0B) &&
        ct.hasSpace(Space::L0C))
      return true;
    for (Space s : ct.spaces)
      if (t.spaceServes(s, Space::L0A) && t.spaceServes(s, Space::L0C) &&
          t.spaceServes(s, Space::L1)) {
        ms.unified = true;
        ms.l1 = ms.l0a = ms.l0b = ms.l0c = s;
        return true;
      }
  }
  return false;
}

struct Dims {
  int64_t batch = 1, m = 0, n = 0, k = 0;
};
Dims dimsOf(const MatmulKernel &k) {
  Dims d;
  int r = (int)k.c.shape.size();
  for (int i = 0; i + 2 < r; ++i)
    d.batch *= k.c.shape[i];
  d.m = k.a.shape[r - 2];
  d.k = k.a.shape[r - 1];
  d.n = k.b.shape[r - 1];
  return d;
}
/// B's bytes in GM per element of its logical [K, N]: an i8 weight's one
/// (widened on the load), a block-quantized weight's packed bytes plus its
/// blocks' scales and zero points.
double bElementBytes(const MatmulKernel &k, int64_t kDim) {
  if (!k.quant)
    return (double)dtypeByteSize(k.b.dtype);
  const golden::BlockQuantLayout &l = k.quant->layout;
  double perBlock = 4.0 + (k.quant->zeroAddr != ~0ull ? 1.0 : 0.0);
  return (double)l.rowBytes(kDim) / (double)kDim +
         perBlock / (double)(l.blockN * l.blockK);
}

/// The load of B's piece [kAbs, kAbs + K) x [n0, n0 + N) of a
/// block-quantized weight into `dst` ([K, N] in local memory): the piece's
/// packed rows and the scale (and zero-point) blocks it covers, with the
/// phase of its first row and column in their blocks.
Instr dequantLoad(const MatmulKernel &k, const Dims &d, const Tile &dst,
                  int64_t kAbs, int64_t n0) {
  const golden::BlockQuantLayout &l = k.quant->layout;
  bool int4 = l.format == golden::BlockQuantFormat::Int4;
  int64_t kt = dst.shape[0], nt = dst.shape[1];
  int64_t rowBytes = l.rowBytes(d.k);
  Tile src = bin::makeTile(
      Space::GM, k.b.addr + (uint64_t)(n0 * rowBytes + l.rowBytes(kAbs)),
      DType::U8, {nt, l.rowBytes(kt)});
  src.strides[0] = rowBytes;
  src.strides[1] = 1;
  int64_t phaseN = n0 % l.blockN, phaseK = kAbs % l.blockK;
  int64_t gridK = l.scaleShape(d.n, d.k)[1];
  int64_t rows = (phaseN + nt + l.blockN - 1) / l.blockN,
          cols = (phaseK + kt + l.blockK - 1) / l.blockK;
  int64_t first = (n0 / l.blockN) * gridK + kAbs / l.blockK;
  auto grid = [&](uint64_t addr, DType t) {
    Tile g =
        bin::makeTile(Space::GM, addr + (uint64_t)(first * dtypeByteSize(t)), t,
                      {rows, cols});
    g.strides[0] = gridK;
    g.strides[1] = 1;
    return g;
  };
  Tile scale = grid(k.quant->scaleAddr, DType::F32);
  if (int4)
    return makeInstr(Opcode::DmaLdI4,
                     {dst, src, scale, grid(k.quant->zeroAddr, DType::U8)},
                     {l.blockK, phaseK});
  return makeInstr(Opcode::DmaLdF8, {dst, src, scale},
                   {l.blockN, l.blockK, phaseN, phaseK});
}

/// The GM byte ranges B reads: the view's, or a block-quantized weight's
/// packed rows, scales and zero points.
std::vector<ProgramBuilder::Region> bRegions(const MatmulKernel &k,
                                             const Dims &d) {
  std::vector<ProgramBuilder::Region> out;
  if (!k.quant) {
    ProgramBuilder::Region r{0, 0, false};
    k.b.byteRange(r.lo, r.hi);
    out.push_back(r);
    return out;
  }
  const golden::BlockQuantLayout &l = k.quant->layout;
  Shape grid = l.scaleShape(d.n, d.k);
  uint64_t blocks = (uint64_t)(grid[0] * grid[1]);
  out.push_back(
      {k.b.addr, k.b.addr + (uint64_t)(d.n * l.rowBytes(d.k)), false});
  out.push_back({k.quant->scaleAddr, k.quant->scaleAddr + 4 * blocks, false});
  if (k.quant->zeroAddr != ~0ull)
    out.push_back({k.quant->zeroAddr, k.quant->zeroAddr + blocks, false});
  return out;
}
} // namespace

/// A vector-only one-row product's jobs (planMatmul): at least this many
/// per core, and the busiest core's share at most this much over the mean
/// where narrower tiles allow.
static constexpr int64_t kGemvJobsPerCore = 8;
static constexpr double kGemvImbalance = 1.03;
/// The smallest one-row product (bytes of B) given to the vector cores.
static constexpr int64_t kGemvMinBytes = 512 << 10;
/// Widened thin tiles on a unified local memory: at least this many.
static constexpr int64_t kMinWideTiles = 4;

/// Whether a one-row product's GEMV jobs read B^T's rows: B is a transposed
/// view of an [N, K] weight (every element of a [K, N] row a DMA run of its
/// own).
static bool gemvReadsBT(const MatmulKernel &k) {
  int r = (int)k.c.shape.size();
  return !k.quant && k.b.strides[r - 2] == 1 && k.b.strides[r - 1] > 1;
}

int64_t ProgramBuilder::gemvVectorCores(const MatmulKernel &k) const {
  MatrixSpaces ms;
  Space local;
  if (!matrixSpaces(t_, ms) || ms.unified)
    return 0;
  int vType = vectorCoreType(local);
  if (vType < 0 || vType == ms.coreType)
    return 0;
  Dims d = dimsOf(k);
  DType dt = k.a.dtype;
  if (d.m != 1 || k.b.dtype != dt ||
      (dt != DType::F32 && dt != DType::BF16 && dt != DType::F16))
    return 0;
  // A GEMV job reads blocks of B's [K, N] rows, or of B^T's rows where B
  // is stored transposed (nn.Linear's [N, K] weight; gemvReadsBT).
  bool transposed = gemvReadsBT(k);
  auto vectorHas = [&](DType x) {
    return std::find(t_.vectorDTypes.begin(), t_.vectorDTypes.end(), x) !=
           t_.vectorDTypes.end();
  };
  if (!vectorHas(dt) || !vectorHas(DType::F32) || !vectorHas(k.c.dtype))
    return 0;
  // Only from 512 KiB of weights: below that the product is not DRAM-bound
  // enough to be worth more streams. (A decode's K and V projections, 0.75
  // MiB each for Qwen2-1.5B, took 17.5 us each on 2 matrix cores for 0.5 us
  // of DRAM time with a threshold of 64 KiB per matrix core.)
  // (A batch of one-row products, MLA's W_UK and W_UV per head, counts as
  // a whole: its jobs are (product, column tile) pairs.)
  int64_t bytes = d.batch * d.k * d.n * dtypeByteSize(dt);
  if (bytes < kGemvMinBytes ||
      gemvBlockRows(dt, d.k, std::min<int64_t>(d.n, 256), transposed) == 0)
    return 0;
  return t_.coreTypes[vType].count;
}

bool ProgramBuilder::gemvVectorOnly(const MatmulKernel &k,
                                    int64_t gemvCores) const {
  Space local;
  if (gemvCores <= 0 || !gemvReadsBT(k) || vectorCoreType(local) < 0)
    return false;
  const target::DmaPath *p = t_.findPath(Space::GM, local);
  double rate = p ? p->bytesPerCycle : 0;
  if (t_.dramPerCoreBytesPerCycle > 0)
    rate = std::min(rate, t_.dramPerCoreBytesPerCycle);
  return (double)gemvCores * rate >= t_.dramBytesPerCycle();
}

bool ProgramBuilder::planMatmul(const MatmulKernel &k, Tiling &out,
                                std::string &error, int64_t siblingJobs,
                                bool ownCores) const {
  MatrixSpaces ms;
  if (!matrixSpaces(t_, ms)) {
    error = "target '" + t_.name + "' has no core with a matrix engine";
    return false;
  }
  if (!t_.fractal(k.a.dtype)) {
    error = "'" + k.name + "': the matrix engine of '" + t_.name +
            "' does not support " + dtypeName(k.a.dtype);
    return false;
  }
  Dims d = dimsOf(k);
  int64_t es = dtypeByteSize(k.a.dtype);
  int64_t tm, tn, ck, step;
  if (ms.unified) {
    // One big local memory and no cache behind it: large output tiles cut
    // the DRAM re-reads of A and B (each is read N/tn and M/tm times). An
    // epilogue needs room for its own buffers beside them.
    tm = k.epilogue ? 512 : 1024;
    tn = k.epilogue ? 512 : 1024;
    ck = es >= 4 ? 256 : 512;
  } else {
    tm = 128;
    tn = 256;
    ck = es >= 4 ? 128 : 256;
  }
  step = ms.unified ? ck : (es >= 4 ? 32 : 64);
  tm = std::min(tm, roundUp(d.m, 16));
  tn = std::min(tn, roundUp(d.n, 16));
  ck = std::min(ck, roundUp(d.k, 16));
  step = std::min(step, ck);
  // K steps divide the chunk (both multiples of 16).
  auto alignStep = [&] {
    step = std::max<int64_t>(16, step / 16 * 16);
    while (ck % step)
      step -= 16;
  };
  alignStep();
  auto fits = [&] {
    uint64_t l1 = 2 * (tm * ck + ck * tn) * es;
    uint64_t a = 2 * tm * step * es, b = 2 * step * tn * es;
    uint64_t c = tm * tn * 4;
    if (ms.unified)
      return l1 + 2 * c <= t_.space(ms.l1).bytes;
    return l1 <= t_.space(ms.l1).bytes && a <= t_.space(ms.l0a).bytes &&
           b <= t_.space(ms.l0b).bytes && c <= t_.space(ms.l0c).bytes;
  };
  while (!fits()) {
    if (!ms.unified && step > 16)
      step /= 2;
    else if (ck > 16)
      ck /= 2, step = std::min(step, ck);
    else if (tn > 16)
      tn /= 2;
    else if (tm > 16)
      tm /= 2;
    else {
      error = "'" + k.name + "': no matrix tile fits the local memories";
      return false;
    }
    if (ms.unified)
      step = ck;
    alignStep();
  }
  // Enough tiles for every matrix core: narrow the tiles (N first: decode
  // has M = 1).
  // Small products stay on few cores: a core's share (2M MACs, or 64 KiB
  // of operands for the DRAM-bound decode shapes) should be worth more than
  // the cross-core barrier around the kernel.
  int64_t macs = d.batch * d.m * d.n * d.k;
  // B may be narrower than A in GM (an i8 or block-quantized weight
  // widened on the load).
  double esB = bElementBytes(k, d.k);
  int64_t bytes =
      d.batch * (d.m * d.k * es + (int64_t)(d.k * d.n * esB)) + d.m * d.n * 4;
  // One-row products may also use the vector cores (see GemvKernel.cpp).
  int64_t gemvCores = gemvVectorCores(k);
  int64_t cores =
      std::min<int64_t>(t_.coreTypes[ms.coreType].count + gemvCores,
                        std::max<int64_t>({1, macs >> 21, bytes >> 16}));
  auto jobs = [&] {
    return d.batch * ((d.m + tm - 1) / tm) * ((d.n + tn - 1) / tn);
  };
  // Narrow N only down to rows that span a whole L2 line (a partial line
  // still costs the line's DRAM traffic), then M.
  int64_t line = t_.l2.present ? t_.l2.lineBytes : 64;
  int64_t minTn = std::min(tn, std::max<int64_t>(16, roundUp(line / es, 16)));
  int64_t wantJobs = cores;
  // A one-row product over nn.Linear's [N, K] weight whose vector cores
  // alone out-demand DRAM runs on them only (gemvVectorOnly). Its jobs read
  // B^T's rows as one contiguous run whatever tn is, and all share the
  // bandwidth: a core's last job is what the kernel waits for, so the jobs
  // are made small enough for several per core. (A floor of 64 KiB per job
  // made Qwen2-1.5B's K and V projections 8 jobs each: its decode step took
  // 558.6 us instead of 551.9.)
  bool vectorOnly = gemvVectorOnly(k, gemvCores);
  if (vectorOnly) {
    cores = gemvCores;
    minTn = std::min<int64_t>(tn, 16);
    wantJobs = kGemvJobsPerCore * cores;
  }
  // Tall products (prefill) that read the same A beside this one share the
  // cores with it (addMatmul puts each job on the least-loaded core), so
  // their whole tiles count towards filling the cores. Narrowing M or
  // splitting K to fill them alone only multiplies the operand traffic:
  // Qwen2-1.5B's K and V projections at 1024 tokens (N = 256, one column
  // of tiles) were cut into 48 split-K jobs each, every one reading its
  // piece of B at one core's DRAM rate, then summed on the vector cores;
  // beside q_proj's 48 tiles the 8 whole tiles each are done sooner (the
  // layer: 388.9 -> 383.9 us).
  if (d.m > 16 && !vectorOnly) {
    out.wholeTileJobs = jobs();
    wantJobs = std::max<int64_t>(1, wantJobs - siblingJobs);
  }
  int64_t fillCores = d.m > 16 && !vectorOnly
                          ? std::max<int64_t>(1, cores - siblingJobs)
                          : cores;
  // (Equal jobs on `cores` cores: the busiest holds ceil(jobs / cores).)
  auto unbalanced = [&] {
    int64_t j = jobs();
    return vectorOnly && (double)((j + cores - 1) / cores * cores) >
                             kGemvImbalance * (double)j;
  };
  while ((jobs() < wantJobs || unbalanced()) && tn > minTn)
    tn = std::max<int64_t>(minTn, roundUp(tn / 2, 16));
  // Narrowing M below 64 rows makes each B byte feed too few rows (the
  // tile turns DMA-bound); K is split instead (below).
  // Halving must leave every tile at least that tall, so no short remainder
  // tile re-reads B for a few rows (M = 96 stays one tile of 96), unless
  // that remainder is there anyway (a MoE router's prefix counts, M =
  // T + 1: 9 tiles of 128 rows, the last of one, for 1024 tokens; 17 of 64
  // instead: V2-Lite's 1024-token prefill 3.1 -> 2.2 us).
  int64_t minTm = std::min<int64_t>(tm, 64);
  auto lastRowsAt = [&](int64_t rows) { return d.m - (d.m - 1) / rows * rows; };
  while (jobs() < fillCores) {
    int64_t half = roundUp(tm / 2, 16);
    int64_t lastRows = lastRowsAt(half);
    if (half >= tm || half < minTm ||
        (lastRows < minTm && lastRows != lastRowsAt(tm)))
      break;
    tm = half;
  }
  // A tall product with the matrix cores to itself (or shared only with
  // its siblings) balances its column tiles. (minTn keeps whole L2 lines of
  // a B stored along N; a B stored along K, nn.Linear's [N, K] weight, is
  // read in whole lines at any width.)
  if (ownCores && !ms.unified && !vectorOnly && d.m > 16 && t_.l2.present &&
      t_.l2.readBytesPerCycle > 0) {
    bool bAlongK = !k.b.strides.empty() && k.b.strides.back() != 1;
    int64_t narrowest = bAlongK ? 16 : minTn;
    // Equal widths: N in as many column tiles, the widest no wider than
    // needed (DeepSeek-V2-Lite's kv_a_proj, N = 576 beside q_proj's jobs:
    // 192 x 3 instead of 256, 256 and 64).
    int64_t cols = (d.n + tn - 1) / tn;
    if (int64_t w = roundUp((d.n + cols - 1) / cols, 16); w >= narrowest)
      tn = std::min(tn, w);
    // More tiles than cores, in rounds: the busiest core takes
    // ceil(jobs / cores) of them, and a part-filled last round leaves cores
    // idle. Narrower tiles that fill the rounds better end the product
    // sooner where their own cost (fractal cycles, or operand bytes at the
    // L2's per-core hit rate, as a prefill's re-read operands are hits)
    // falls faster than the rounds grow. (DeepSeek-V2-Lite at 1024 tokens on
    // dc, N = 2048 on 24 cores: 64 tiles of 256 columns take 3 rounds, the
    // last two-thirds full; 72 of 240 fill the 3 rounds at 94 % of the cost
    // each: its dense down_proj 148.6 -> 139.4 us.)
    const target::Fractal *fr = t_.fractal(k.a.dtype);
    int64_t tilesM = d.batch * ((d.m + tm - 1) / tm);
    auto roundCost = [&](int64_t w) {
      int64_t j = tilesM * ((d.n + w - 1) / w);
      double bytes = (double)(tm * d.k * es) + (double)d.k * (double)w * esB;
      return (double)((j + cores - 1) / cores) *
             std::max(bytes / t_.l2.readBytesPerCycle,
                      fractalCycles(*fr, tm, d.k, w));
    };
    if (siblingJobs == 0 && jobs() > cores && jobs() % cores) {
      int64_t bestTn = tn;
      double best = roundCost(tn);
      int64_t floorTn = std::max(narrowest, roundUp(tn / 2, 16));
      for (int64_t c = (d.n + tn - 1) / tn + 1;; ++c) {
        int64_t w = roundUp((d.n + c - 1) / c, 16);
        if (w < floorTn)
          break;
        // (A 2 % margin: a product no faster for it keeps its tiles.)
        if (double cost = roundCost(w); cost < 0.98 * best) {
          best = cost;
          bestTn = w;
        }
      }
      tn = bestTn;
    }
  }
  // Thin tiles (decode) stream B and wait out one DMA latency per K chunk
  // (the set_flag after a chunk's loads drains the pipe): take the largest
  // chunk L1 holds, double-buffered.
  bool thin = tm <= 16;
  if (thin) {
    while (ck + step <= roundUp(d.k, 16)) {
      int64_t save = ck;
      ck += step;
      if (!fits()) {
        ck = save;
        break;
      }
    }
    // Where the whole K fits, widen the tile too (edge: one set_flag per
    // tile, so per 3 MB of lm_head's weight at tn 1024), to as many equal
    // tiles as the widest that fits needs; at least 4 of them, or the last
    // tile's product and store, after all loads, cost more than the
    // latencies saved (Qwen2-1.5B's q_proj as one tile: 89.2 -> 91.7 us).
    if (ms.unified && ck >= d.k && jobs() >= wantJobs) {
      int64_t save = tn, widest = tn;
      for (tn = save + 256; tn <= roundUp(d.n, 16) && fits(); tn += 256)
        widest = tn;
      int64_t tiles = (d.n + widest - 1) / widest;
      tn = std::max(save, roundUp((d.n + tiles - 1) / tiles, 16));
      if (tiles < kMinWideTiles || jobs() < wantJobs)
        tn = save;
    }
  }
  // Still too few tiles (decode: M = 1, N small): split K across cores;
  // each writes f32 partial sums that a vector kernel adds up.
  int64_t split = 1;
  int64_t chunks = (d.k + ck - 1) / ck;
  // (Not a vector-only product: its partial sums' reduction, a kernel
  // after it, cost more than the balance it bought: the V2-Lite decode
  // projections of bench/npu took 144.1 us with K split and jobs of at
  // least 64 KiB, 131.3 us with neither.)
  if (!vectorOnly && jobs() < cores && thin && chunks >= 2) {
    // The fewest parts that fill the cores.
    split = std::min<int64_t>((cores + jobs() - 1) / jobs(), chunks);
    int64_t per = (chunks + split - 1) / split;
    split = (chunks + per - 1) / per;
  } else if (!vectorOnly && jobs() < fillCores && !thin && chunks >= 4) {
    // A tall tile takes the split whose busiest core streams the fewest K
    // chunks (the smallest on a tie): the fewest parts that fill the cores
    // can leave some a second round. DeepSeek-V2-Lite's routed expert at 96
    // tokens (11 column tiles of 8 chunks on 24 cores) took 3 parts in two
    // rounds, 6 chunks on the busiest core, where 2 parts in one round are
    // 4 (19.7 -> 16.4 us). (Thin products keep the fewest parts that fill
    // the cores: the int4 decode projections of bench/npu took 57.8 us with
    // this rule, 57.0 without.)
    int64_t most = std::min<int64_t>(
        std::max<int64_t>(2, (2 * cores + jobs() - 1) / jobs()), chunks / 2);
    int64_t bestLoad = INT64_MAX;
    for (int64_t s = 2; s <= most; ++s) {
      int64_t per = (chunks + s - 1) / s, parts = (chunks + per - 1) / per;
      int64_t rounds = (jobs() * parts + cores - 1) / cores;
      if (rounds * per < bestLoad) {
        bestLoad = rounds * per;
        split = parts;
      }
    }
  }
  // GEMV jobs need their slice of x and a block of B in local memory.
  if (gemvCores &&
      gemvBlockRows(k.a.dtype, std::min(d.k, (chunks + split - 1) / split * ck),
                    std::min(tn, d.n), gemvReadsBT(k)) == 0)
    gemvCores = 0;
  out.tile = {tm, tn, ck, step, split};
  if (gemvCores)
    out.tile.push_back(gemvCores);
  out.cores = std::min<int64_t>(cores, jobs() * split);
  out.scratchBytes = split > 1 ? split * d.batch * d.m * d.n * 4 : 0;
  int64_t c0 = 32 / es;
  out.nz = !ms.unified && tm % 16 == 0 && tn % c0 == 0 && step % 16 == 0 &&
           step % c0 == 0 && ck % step == 0;
  return true;
}

bool ProgramBuilder::addMatmul(const MatmulKernel &k, const Tiling &tiling,
                               std::string &error) {
  MatrixSpaces ms;
  if (!matrixSpaces(t_, ms)) {
    error = "target '" + t_.name + "' has no core with a matrix engine";
    return false;
  }
  if (tiling.tile.size() < 4 || tiling.tile.size() > 6) {
    error = "'" + k.name +
            "': a matmul tiling needs {tm, tn, ck, step[, split_k[, "
            "vector_cores]]}";
    return false;
  }
  int64_t tm = tiling.tile[0], tn = tiling.tile[1], ck = tiling.tile[2],
          step = tiling.tile[3];
  int64_t split = tiling.tile.size() >= 5 ? tiling.tile[4] : 1;
  int64_t gemvCores = tiling.tile.size() == 6 ? tiling.tile[5] : 0;
  if (gemvCores < 0 || gemvCores > gemvVectorCores(k)) {
    error = "'" + k.name + "': " + std::to_string(gemvCores) +
            " vector cores cannot run this matmul's jobs (GEMV jobs need one "
            "row of floats, a large B and separate vector cores; this "
            "product allows " +
            std::to_string(gemvVectorCores(k)) + ")";
    return false;
  }
  if (k.partialsAddr == ~0ull)
    split = 1; // no scratch for partial sums
  if (tm < 1 || tn < 1 || ck < 1 || step < 1 || ck % step) {
    error = "'" + k.name + "': invalid matmul tiling";
    return false;
  }
  Dims d = dimsOf(k);
  DType dt = k.a.dtype;
  int64_t es = dtypeByteSize(dt);
  DType accT = dt == DType::I8 ? DType::I32 : DType::F32;
  // B's bytes in GM: an i8 weight is widened to dt by its dma_ld, a
  // block-quantized one dequantized by dma_ld_i4 / dma_ld_f8.
  int64_t esB = dtypeByteSize(k.b.dtype);
  double bBytes = bElementBytes(k, d.k);
  int r = (int)k.c.shape.size();
  uint64_t aChunk = roundUp(tm * ck * es, 512),
           bChunk = roundUp(ck * tn * es, 512);
  uint64_t aStep = roundUp(tm * step * es, 512),
           bStep = roundUp(step * tn * es, 512);
  uint64_t cBytes = roundUp(tm * tn * 4, 512);
  uint64_t l1Base = 0, cBase = 0;
  bool cDouble;
  // Unified local memory, K whole in one chunk: each job's loads end in a
  // set_flag that waits out the DMA latency before the next job's loads
  // start. Where the tiles are small (MLA's W_UK and W_UV per head on
  // edge, 128 KiB each: 0.5 us lost per 2.4 us load), a group of jobs
  // loads into its own buffers before their products: one latency per
  // group. Two groups, so the second one's loads overlap the first one's
  // products (V2-Lite's edge decode per layer: 16 groups of 1 3138.1 us,
  // 4 of 4 3120.0, 2 of 8 3118.8, 1 of 16 3119.4).
  int64_t group = 1;
  if (ms.unified && ck >= d.k && !k.epilogue) {
    int64_t perCore = (d.batch * ((d.m + tm - 1) / tm) * ((d.n + tn - 1) / tn) +
                       tiling.cores - 1) /
                      std::max<int64_t>(1, tiling.cores);
    group = std::max<int64_t>(1, perCore / 2);
    while (group > 1 &&
           2 * group * (aChunk + bChunk) + 2 * cBytes > t_.space(ms.l1).bytes)
      --group;
  }
  if (ms.unified) {
    cBase = 2 * group * (aChunk + bChunk);
    // Grouped jobs sit at the top of local memory, above the small
    // kernels' buffers, so their first loads can move ahead into the
    // kernel before (LoadHoisting.h).
    if (group > 1) {
      uint64_t cap = t_.space(ms.l1).bytes;
      l1Base = (cap - cBase - 2 * cBytes) / 512 * 512;
      cBase += l1Base;
    }
    cDouble = cBase + 2 * cBytes <= t_.space(ms.l1).bytes;
    if (cBase + cBytes > t_.space(ms.l1).bytes) {
      error = "'" + k.name + "': the matmul tiles do not fit local memory";
      return false;
    }
  } else {
    cDouble = 2 * cBytes <= t_.space(ms.l0c).bytes;
    if (2 * (aChunk + bChunk) > t_.space(ms.l1).bytes ||
        2 * aStep > t_.space(ms.l0a).bytes ||
        2 * bStep > t_.space(ms.l0b).bytes || cBytes > t_.space(ms.l0c).bytes) {
      error = "'" + k.name + "': the matmul tiles do not fit L1/L0A/L0B/L0C";
      return false;
    }
  }
  int64_t tilesM = (d.m + tm - 1) / tm, tilesN = (d.n + tn - 1) / tn;
  int64_t chunksK = (d.k + ck - 1) / ck;
  split = std::max<int64_t>(1, std::min(split, chunksK));
  int64_t perSplit = (chunksK + split - 1) / split; // K chunks per split
  split = (chunksK + perSplit - 1) / perSplit;
  int64_t jobs = d.batch * tilesM * tilesN * split;
  // A GEMV job keeps its slice of x and two blocks of B rows in local memory.
  if (gemvCores > 0 && gemvBlockRows(dt, std::min(d.k, perSplit * ck),
                                     std::min(tn, d.n), gemvReadsBT(k)) == 0) {
    error = "'" + k.name + "': GEMV jobs of " +
            std::to_string(std::min(d.k, perSplit * ck)) + " x " +
            std::to_string(std::min(tn, d.n)) +
            " do not fit the vector cores' local memory";
    return false;
  }
  int64_t cores = std::max<int64_t>(
      1, std::min<int64_t>(
             {tiling.cores, jobs, (int64_t)t_.coreTypes[ms.coreType].count}));
  // Jobs go to the least-loaded of the `cores` least-loaded cores, counting
  // the work earlier kernels left on them, so independent matmuls of
  // different sizes balance. A job costs its operand bytes at the per-core
  // DRAM rate or its fractal cycles, whichever is larger.
  uint32_t typeCount = t_.coreTypes[ms.coreType].count;
  if (matrixLoad_.size() != typeCount)
    matrixLoad_.assign(typeCount, 0.0);
  std::vector<uint32_t> order(typeCount);
  for (uint32_t c = 0; c < typeCount; ++c)
    order[c] = c;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    return matrixLoad_[x] < matrixLoad_[y];
  });
  order.resize(cores);
  const target::Fractal *fr = t_.fractal(dt);
  double rate = t_.dramPerCoreBytesPerCycle > 0 ? t_.dramPerCoreBytesPerCycle
                                                : t_.dramBytesPerCycle();
  // With vector cores in the mix, a matrix core's time also counts the DMA
  // latency each chunk's set_flag waits out, as the vector cores' does.
  double chunkBubble = 1.0;
  Space vLocal;
  int vType = vectorCoreType(vLocal);
  uint32_t vCount = gemvCores ? (uint32_t)gemvCores : 0;
  if (vCount) {
    if (gemvLoad_.size() != t_.coreTypes[vType].count)
      gemvLoad_.assign(t_.coreTypes[vType].count, 0.0);
    const target::DmaPath *p = t_.findPath(Space::GM, ms.l1);
    double latency = (p ? p->latencyCycles : 0) + (double)t_.dramLatencyCycles;
    chunkBubble = 1.0 + rate * latency / (double)std::max<uint64_t>(1, bChunk);
  }
  // GEMV jobs run as identical blocks (GemvKernel.cpp): a vector core takes
  // only full-width jobs whose K part is a whole number of blocks.
  int64_t gemvNt = std::min(tn, d.n), gemvKt = std::min(d.k, perSplit * ck);
  // Blocks that divide both the full K parts and the last one.
  int64_t lastKt = d.k - (split - 1) * perSplit * ck;
  int64_t gemvRows = vCount ? gemvEvenRows(dt, gemvKt, std::gcd(gemvKt, lastKt),
                                           gemvNt, gemvReadsBT(k))
                            : 0;
  // The job table holds byte offsets from each operand's base as i32.
  uint64_t aLo, aHi, bLo, bHi, cLo, cHi;
  k.a.byteRange(aLo, aHi);
  k.b.byteRange(bLo, bHi);
  k.c.byteRange(cLo, cHi);
  uint64_t outSpan = split > 1 ? (uint64_t)split * d.m * d.n * 4 : cHi - cLo;
  if (gemvRows == 0 || std::max({aHi - aLo, bHi - bLo, outSpan}) > INT32_MAX)
    vCount = 0;
  // Matrix and vector cores streaming together ask DRAM for more than it
  // gives: each then gets about an equal share, and a job's time is its
  // bytes at that share on either kind of core (their DMA latencies overlap
  // other cores' transfers). Costing each core at its own rate instead gave
  // the vector cores half the bytes of a matrix core.
  // Where the vector cores alone out-demand DRAM, they take every job.
  bool vectorOnly = gemvVectorOnly(k, vCount);
  double share = 0;
  if (vCount) {
    double dramShare =
        t_.dramBytesPerCycle() / (double)(vectorOnly ? vCount : cores + vCount);
    if (dramShare < rate)
      share = dramShare;
  }
  // A tall product whose B is a weight (read-only) streams B's panels into
  // L2 on vector cores beside it (streamToL2), and its jobs walk a column
  // of tiles before the next (M fastest), so the jobs running at once share
  // the few panels streamed last. Row by row, the first row of jobs read
  // every panel of B at once at the per-core DRAM rate, their engines
  // waiting (Qwen2-1.5B's 1024-token up_proj on dc: 115.9 us, the first 30
  // us of it DMA-bound). One column of tiles too: its rows of tiles all
  // read the one panel (prefill's K and V projections).
  int rank = (int)k.b.shape.size();
  int64_t bRowStride = k.b.strides[rank - 2],
          bColStride = k.b.strides[rank - 1];
  Region bAll = bRegions(k, d)[0];
  bool streamB = !ms.unified && vCount == 0 && d.batch == 1 && !k.quant &&
                 split == 1 && tilesM > 1 &&
                 (bRowStride == 1 || bColStride == 1) &&
                 canStreamToL2(bAll.lo, bAll.hi);
  auto tileOf = [&](int64_t rem, int64_t &m0, int64_t &n0) {
    m0 = (streamB ? rem % tilesM : rem / tilesN) * tm;
    n0 = (streamB ? rem / tilesM : rem % tilesN) * tn;
  };
  std::vector<std::vector<int64_t>> jobsOf(typeCount), gemvJobsOf(vCount);
  // A vector core's queued GEMV jobs and the other kernels before them.
  auto vectorLoad = [&](int64_t v) {
    return gemvLoad_[v] +
           ((size_t)v < smallKernelLoad_.size() ? smallKernelLoad_[v] : 0.0);
  };
  // When the matrix cores reach this kernel, and how its jobs would run with
  // operands from DRAM (for the L2 read-ahead below).
  double startAt = matrixLoad_[order[0]];
  for (uint32_t c : order)
    startAt = std::min(startAt, matrixLoad_[c]);
  double dramTime = 0, mmadTime = 0;
  // A vector-only product's jobs all stream at one DRAM share, so the core
  // with the most columns decides when it ends. Where its column tiles do
  // not divide evenly over the cores (DeepSeek-V2-Lite's o_proj and
  // down_proj: 128 tiles of 16 on 48 cores, a third of the cores taking a
  // third more), the jobs may instead be a multiple of the cores in widths
  // that differ by at most one column (the job table gives each job's
  // width, GemvKernel.cpp): of the whole cores, or of those not still busy
  // with earlier kernels for more than half a job (the MoE router's chain
  // beside the shared experts' down product). The cut whose busiest core
  // is estimated to end first is taken, the tiles on a tie. (bench/npu's 18
  // V2-Lite decode projections in one batch, where the tiles of each fill
  // the gaps the products before it left: 131.3 us with the tiles, 131.8
  // with the cuts. A margin of half a job kept those at 131.2 but also
  // kept lm_head's 800 tiles of 128 columns, whose cut into 816 jobs saves
  // 3.8 us of its 320.5.)
  int64_t evenJobs = 0;
  if (vectorOnly && split == 1 && d.batch == 1 && tilesM == 1 && vCount > 1 &&
      d.k % gemvRows == 0) {
    bool bt = gemvReadsBT(k);
    // The busiest vector core after least-loaded placement of the widths.
    auto busiest = [&](const std::vector<int64_t> &widths) {
      std::vector<double> load(vCount);
      for (uint32_t v = 0; v < vCount; ++v)
        load[v] = vectorLoad(v);
      for (int64_t w : widths)
        *std::min_element(load.begin(), load.end()) +=
            gemvJobCycles(dt, d.k, w, bt, share);
      return *std::max_element(load.begin(), load.end());
    };
    auto evenWidths = [&](int64_t count) {
      std::vector<int64_t> w;
      for (int64_t j = 0; j < count; ++j)
        w.push_back((j + 1) * d.n / count - j * d.n / count);
      return w;
    };
    double least = vectorLoad(0);
    for (uint32_t v = 1; v < vCount; ++v)
      least = std::min(least, vectorLoad(v));
    double halfJob = gemvJobCycles(dt, d.k, gemvNt, bt, share) / 2;
    int64_t freeCores = 0;
    for (uint32_t v = 0; v < vCount; ++v)
      freeCores += vectorLoad(v) < least + halfJob;
    // The tiles: full ones (a narrower last tile is no GEMV job).
    std::vector<int64_t> tiles(d.n / gemvNt, gemvNt);
    double best = busiest(tiles);
    for (int64_t of : {(int64_t)vCount, std::max<int64_t>(1, freeCores)}) {
      int64_t count = (tilesN + of - 1) / of * of;
      double end = count <= d.n ? busiest(evenWidths(count)) : best;
      if (end < best) {
        best = end;
        evenJobs = count;
      }
    }
  }
  auto evenStart = [&](int64_t j) { return j * d.n / evenJobs; };
  for (int64_t j = 0; j < (evenJobs ? evenJobs : jobs); ++j) {
    int64_t job = j / split, part = j % split;
    int64_t m0, n0;
    tileOf(job % (tilesM * tilesN), m0, n0);
    if (evenJobs)
      m0 = 0, n0 = evenStart(j);
    int64_t mt = std::min(tm, d.m - m0), nt = std::min(tn, d.n - n0);
    if (evenJobs)
      nt = evenStart(j + 1) - n0;
    int64_t kt =
        std::min(d.k, (part + 1) * perSplit * ck) - part * perSplit * ck;
    double bytes = (double)(mt * kt * es) + (double)(kt * nt) * bBytes;
    double cycles = fractalCycles(*fr, mt, kt, nt);
    double cost = share > 0 ? std::max(bytes / share, cycles)
                            : std::max(bytes / rate * chunkBubble, cycles);
    uint32_t best = order[0];
    for (uint32_t c : order)
      if (matrixLoad_[c] < matrixLoad_[best])
        best = c;
    // The job goes where it would finish first.
    int64_t bestVector = -1;
    bool gemvFits = (nt == gemvNt || (evenJobs && nt <= gemvNt)) && gemvRows &&
                    kt % gemvRows == 0;
    double vCost = vCount && gemvFits
                       ? gemvJobCycles(dt, kt, nt, gemvReadsBT(k), share)
                       : 0;
    for (uint32_t v = 0; v < (gemvFits ? vCount : 0); ++v)
      if ((vectorOnly || vectorLoad(v) + vCost < matrixLoad_[best] + cost) &&
          (bestVector < 0 || vectorLoad(v) < vectorLoad(bestVector)))
        bestVector = v;
    if (bestVector >= 0) {
      gemvLoad_[bestVector] += vCost;
      gemvJobsOf[bestVector].push_back(j);
      continue;
    }
    matrixLoad_[best] += cost;
    jobsOf[best].push_back(j);
    dramTime += bytes / rate;
    mmadTime += cycles;
  }
  // B read once (one row of tiles) at a rate one core's DRAM share cannot
  // feed: have idle vector cores read it into L2 first (L2Prefetch.cpp).
  if (!ms.unified && vCount == 0 && tilesM * d.batch == 1 &&
      dramTime > mmadTime) {
    Region weights = bRegions(k, d)[0];
    uint64_t lo = weights.lo, hi = weights.hi;
    if (hi - lo <= (uint64_t)(2 * d.k * d.n * es))
      prefetchToL2(lo, hi, startAt, k.name);
  }
  std::vector<CoreRef> refs;
  for (uint32_t c = 0; c < typeCount; ++c)
    if (!jobsOf[c].empty())
      refs.push_back({(uint32_t)ms.coreType, c});
  for (uint32_t v = 0; v < vCount; ++v)
    if (!gemvJobsOf[v].empty())
      refs.push_back({(uint32_t)vType, v});
  std::vector<Region> regions(3);
  k.a.byteRange(regions[0].lo, regions[0].hi);
  regions[1] = bRegions(k, d)[0];
  k.c.byteRange(regions[2].lo, regions[2].hi);
  regions[0].write = regions[1].write = false;
  regions[2].write = true;
  uint64_t partBytes = (uint64_t)(d.batch * d.m * d.n * 4);
  if (split > 1) // the partial sums are what this kernel writes
    regions[2] = {k.partialsAddr, k.partialsAddr + split * partBytes, true};
  if (k.quant) { // the scales and zero points
    std::vector<Region> more = bRegions(k, d);
    regions.insert(regions.end(), more.begin() + 1, more.end());
  }
  // A layer group: where the accumulator sits in the vector unit's memory,
  // the epilogue runs on each output tile there, and C never makes a round
  // trip through GM.
  bool localEpi = false;
  uint64_t epiBase = 0, epiBytes = 0;
  if (k.epilogue && ms.unified && split == 1 && d.batch == 1 &&
      k.epilogue->space.size() == 2) {
    epiBase = cBase + (cDouble ? 2 : 1) * cBytes;
    uint64_t cap = t_.space(ms.l1).bytes;
    if (epiBase < cap) {
      epiBytes = cap - epiBase;
      localEpi = emitEpilogueTile(*k.epilogue, ms.coreType, 0, ms.l1, epiBase,
                                  epiBytes, 0, tm, 0, tn, Tile(), k.name,
                                  /*planOnly=*/true);
    }
  }
  if (localEpi) {
    for (size_t i = 1; i < k.epilogue->inputs.size(); ++i) {
      Region rr{0, 0, false};
      k.epilogue->inputs[i].byteRange(rr.lo, rr.hi);
      regions.push_back(rr);
    }
    for (const VStore &st : k.epilogue->stores) {
      Region rw{0, 0, true};
      st.view.byteRange(rw.lo, rw.hi);
      regions.push_back(rw);
    }
  }
  beginKernel(refs, regions, /*fence=*/false, /*chargeVectorCores=*/false);
  if (streamB) {
    std::vector<GmPanel> panels;
    for (int64_t n0 = 0; n0 < d.n; n0 += tn) {
      int64_t nt = std::min(tn, d.n - n0);
      uint64_t at = k.b.addr + (uint64_t)(n0 * bColStride * esB);
      if (bColStride == 1) // [K, N]: K rows of the panel's columns
        panels.push_back({at, d.k, nt * esB, bRowStride * esB});
      else // nn.Linear's [N, K]: the panel's rows of K
        panels.push_back({at, nt, d.k * esB, bColStride * esB});
    }
    streamToL2(panels, k.name + ":l2_stream");
  }

  auto batchOffset = [&](const GmView &v, int64_t bi) {
    int64_t off = 0;
    for (int i = r - 3; i >= 0; --i) {
      int64_t ix = bi % k.c.shape[i];
      bi /= k.c.shape[i];
      if (v.shape[i] != 1)
        off += ix * v.strides[i];
    }
    return off;
  };
  auto gm = [&](const GmView &v, int64_t elemOff, int64_t rows, int64_t cols) {
    Tile t = bin::makeTile(
        Space::GM, v.addr + (uint64_t)(elemOff * dtypeByteSize(v.dtype)),
        v.dtype, {rows, cols});
    t.strides[0] = v.strides[r - 2];
    t.strides[1] = v.strides[r - 1];
    return t;
  };
  int64_t c0 = 32 / es;
  if (matmulBuffers_.size() != typeCount)
    matmulBuffers_.assign(typeCount, {});
  for (uint32_t core = 0; core < typeCount; ++core) {
    int64_t &chunkNo = matmulBuffers_[core].chunk,
            &stepNo = matmulBuffers_[core].step,
            &jobNo = matmulBuffers_[core].tile;
    auto E = [&](const Instr &in) { emit(ms.coreType, core, in, k.name); };
    if (!jobsOf[core].empty()) {
      // Room for this kernel's debug names up front: a 4096^3 GEMM emits
      // ~13K instructions per core, and growing by doubling copies them
      // about twice. (The instructions are packed bytes.)
      int64_t perChunk =
          1 + 2 * ((ck + step - 1) / step) * (ms.unified ? 1 : 2);
      uint64_t need = (uint64_t)jobsOf[core].size() * (perSplit * perChunk + 2);
      Stream &s = stream(ms.coreType, core);
      size_t want = s.locs.size() + need;
      if (want > s.locs.capacity()) {
        want = std::max(want, 2 * s.locs.capacity());
        s.locs.reserve(want);
        adviseHugePages(s.locs.data(), want * sizeof(std::string));
      }
    }
    // One job: its tile, operand offsets and K range.
    struct Job {
      int64_t bi, part, m0, n0, mt, nt, aOff, bOff, cOff, kBegin, nChunks,
          rotate;
    };
    auto jobOf = [&](int64_t j) {
      Job o;
      int64_t job = j / split;
      o.part = j % split;
      o.bi = job / (tilesM * tilesN);
      tileOf(job % (tilesM * tilesN), o.m0, o.n0);
      o.mt = std::min(tm, d.m - o.m0);
      o.nt = std::min(tn, d.n - o.n0);
      o.aOff = batchOffset(k.a, o.bi);
      o.bOff = batchOffset(k.b, o.bi);
      o.cOff = batchOffset(k.c, o.bi);
      o.kBegin = o.part * perSplit * ck;
      int64_t kEnd = std::min(d.k, (o.part + 1) * perSplit * ck);
      // Cores start their K loops at different chunks, so cores that share
      // an A or B panel do not all miss on the same L2 lines at once.
      o.nChunks = (kEnd - o.kBegin + ck - 1) / ck;
      o.rotate = o.nChunks ? (int64_t)core % o.nChunks : 0;
      return o;
    };
    // A K chunk of a job lives in buffer `slot` of 2 x group.
    auto chunkK = [&](const Job &o, int64_t c, int64_t &k0, int64_t &kt) {
      k0 = o.kBegin + ((c + o.rotate) % o.nChunks) * ck;
      kt = std::min(ck, d.k - k0);
    };
    auto isNz = [&](const Job &o, int64_t kt) {
      return tiling.nz && o.mt % 16 == 0 && kt % step == 0 && o.nt % c0 == 0 &&
             step % c0 == 0 && step % 16 == 0;
    };
    // nn.Linear's [N, K] weight as B (a transposed view, K contiguous):
    // load B^T's rows [nt, st], runs of st elements instead of one. The mv
    // into L0B transposes them; where the matrix engine reads local memory
    // in place (edge, a BM1684X-like TIU whose MM2 takes B transposed,
    // "nt"), it reads them through a transposed view.
    bool bRows = !k.quant && k.b.strides[r - 2] == 1 && k.b.strides[r - 1] > 1;
    // A chunk's A rows and B panel go to their own loads. A thin product
    // (decode) on one core streaming everything (unified memory: edge)
    // loads B first: A is what the kernel before wrote, and the weights
    // should stream while that kernel finishes. (Elsewhere the order only
    // moves L2 misses and compute: B first, a cold 4096^3 GEMM on dc took
    // 2.7 % longer, the V2-Lite prefill projections on edge 0.4 %.)
    bool bFirst = ms.unified && tm <= 16;
    auto loadA = [&](const Job &o, int64_t c, uint64_t slot) {
      int64_t k0, kt;
      chunkK(o, c, k0, kt);
      Layout lay = isNz(o, kt) ? Layout::NZ : Layout::ND;
      Tile aL1 =
          bin::makeTile(ms.l1, l1Base + slot * aChunk, dt, {o.mt, kt}, lay);
      E(makeInstr(Opcode::DmaLd, {aL1, gm(k.a,
                                          o.aOff + o.m0 * k.a.strides[r - 2] +
                                              k0 * k.a.strides[r - 1],
                                          o.mt, kt)}));
    };
    auto loadB = [&](const Job &o, int64_t c, uint64_t slot) {
      int64_t k0, kt;
      chunkK(o, c, k0, kt);
      uint64_t l1B = l1Base + 2 * group * aChunk + slot * bChunk;
      bool nz = isNz(o, kt);
      Layout lay = nz ? Layout::NZ : Layout::ND;
      int64_t steps = (kt + step - 1) / step;
      Layout layBT = nz && o.nt % 16 == 0 ? Layout::NZ : Layout::ND;
      for (int64_t j = 0; j < steps; ++j) {
        int64_t s0 = j * step, st = std::min(step, kt - s0);
        if (bRows) {
          Tile bT = bin::makeTile(ms.l1, l1B + (uint64_t)(s0 * o.nt * es), dt,
                                  {o.nt, st}, layBT);
          Tile src = gm(k.b,
                        o.bOff + (k0 + s0) * k.b.strides[r - 2] +
                            o.n0 * k.b.strides[r - 1],
                        o.nt, st);
          src.strides[0] = k.b.strides[r - 1];
          src.strides[1] = 1;
          E(makeInstr(Opcode::DmaLd, {bT, src}));
          continue;
        }
        Tile bL1 = bin::makeTile(ms.l1, l1B + (uint64_t)(s0 * o.nt * es), dt,
                                 {st, o.nt}, lay);
        if (k.quant) {
          E(dequantLoad(k, d, bL1, k0 + s0, o.n0));
          continue;
        }
        E(makeInstr(Opcode::DmaLd,
                    {bL1, gm(k.b,
                             o.bOff + (k0 + s0) * k.b.strides[r - 2] +
                                 o.n0 * k.b.strides[r - 1],
                             st, o.nt)}));
      }
    };
    auto computeChunk = [&](const Job &o, int64_t c, uint64_t slot,
                            const Tile &cTile, bool &firstAcc) {
      int64_t k0, kt;
      chunkK(o, c, k0, kt);
      uint64_t l1A = l1Base + slot * aChunk,
               l1B = l1Base + 2 * group * aChunk + slot * bChunk;
      bool nz = isNz(o, kt);
      Layout lay = nz ? Layout::NZ : Layout::ND;
      Layout layBT = nz && o.nt % 16 == 0 ? Layout::NZ : Layout::ND;
      int64_t steps = (kt + step - 1) / step;
      for (int64_t j = 0; j < steps; ++j, ++stepNo) {
        int64_t s0 = j * step, st = std::min(step, kt - s0);
        Tile aSrc, bSrc = bin::makeTile(ms.l1, l1B + (uint64_t)(s0 * o.nt * es),
                                        dt, {st, o.nt}, lay);
        if (nz) {
          aSrc = bin::makeTile(ms.l1, l1A + (uint64_t)(s0 * o.mt * es), dt,
                               {o.mt, st}, Layout::NZ);
        } else {
          aSrc =
              bin::makeTile(ms.l1, l1A + (uint64_t)(s0 * es), dt, {o.mt, st});
          aSrc.strides[0] = kt;
          aSrc.strides[1] = 1;
        }
        if (bRows && !ms.unified) {
          bSrc = bin::makeTile(ms.l1, l1B + (uint64_t)(s0 * o.nt * es), dt,
                               {o.nt, st}, layBT);
        } else if (bRows) {
          bSrc = bin::makeTile(ms.l1, l1B + (uint64_t)(s0 * o.nt * es), dt,
                               {st, o.nt});
          bSrc.strides[0] = 1;
          bSrc.strides[1] = st;
        }
        Tile aOp = aSrc, bOp = bSrc;
        if (!ms.unified) {
          uint64_t q = (uint64_t)(stepNo % 2);
          aOp = bin::makeTile(ms.l0a, q * aStep, dt, {o.mt, st}, lay);
          bOp = bin::makeTile(ms.l0b, q * bStep, dt, {st, o.nt}, lay);
          E(makeInstr(Opcode::Mv, {aOp, aSrc}, {0}));
          E(makeInstr(Opcode::Mv, {bOp, bSrc}, {bRows ? 1 : 0}));
        }
        E(makeInstr(Opcode::Mmad, {cTile, aOp, bOp}, {firstAcc ? 0 : 1}));
        firstAcc = false;
      }
    };
    // The job's result: partial sums, the local epilogue or C.
    auto storeJob = [&](const Job &o, const Tile &cTile) {
      if (split > 1) {
        // Partial sums [split, batch, M, N] in f32; ReLU waits for the sum.
        Tile out = bin::makeTile(
            Space::GM,
            k.partialsAddr + o.part * partBytes +
                (uint64_t)(((o.bi * d.m + o.m0) * d.n + o.n0) * 4),
            DType::F32, {o.mt, o.nt});
        out.strides[0] = d.n;
        out.strides[1] = 1;
        E(makeInstr(Opcode::Fix, {out, cTile}, {0}, k.scale));
        return;
      }
      if (localEpi) {
        emitEpilogueTile(*k.epilogue, ms.coreType, core, ms.l1, epiBase,
                         epiBytes, o.m0, o.mt, o.n0, o.nt, cTile, k.name,
                         /*planOnly=*/false);
        return;
      }
      Tile out = gm(
          k.c, o.cOff + o.m0 * k.c.strides[r - 2] + o.n0 * k.c.strides[r - 1],
          o.mt, o.nt);
      E(makeInstr(Opcode::Fix, {out, cTile}, {k.relu ? 1 : 0}, k.scale));
    };
    auto cTileOf = [&](const Job &o) {
      ++jobNo;
      uint64_t cAt =
          cBase + (cDouble ? (uint64_t)((jobNo - 1) % 2) * cBytes : 0);
      return bin::makeTile(ms.l0c, cAt, accT, {o.mt, o.nt});
    };
    const std::vector<int64_t> &mine = jobsOf[core];
    if (group == 1) {
      for (int64_t j : mine) {
        Job o = jobOf(j);
        Tile cTile = cTileOf(o);
        bool firstAcc = true;
        for (int64_t c = 0; c < o.nChunks; ++c, ++chunkNo) {
          uint64_t slot = (uint64_t)(chunkNo % 2);
          if (bFirst) {
            loadB(o, c, slot);
            loadA(o, c, slot);
          } else {
            loadA(o, c, slot);
            loadB(o, c, slot);
          }
          computeChunk(o, c, slot, cTile, firstAcc);
        }
        storeJob(o, cTile);
      }
      continue;
    }
    // Grouped (one chunk per job): the group's loads, then its products.
    chunkNo = (chunkNo + 2 * group - 1) / (2 * group) * (2 * group);
    for (size_t g0 = 0; g0 < mine.size(); g0 += (size_t)group) {
      size_t g1 = std::min(mine.size(), g0 + (size_t)group);
      std::vector<Job> jobsHere;
      std::vector<uint64_t> slots;
      for (size_t i = g0; i < g1; ++i, ++chunkNo) {
        jobsHere.push_back(jobOf(mine[i]));
        slots.push_back((uint64_t)(chunkNo % (2 * group)));
        loadB(jobsHere.back(), 0, slots.back());
      }
      for (size_t i = 0; i < jobsHere.size(); ++i)
        loadA(jobsHere[i], 0, slots[i]);
      for (size_t i = 0; i < jobsHere.size(); ++i) {
        Tile cTile = cTileOf(jobsHere[i]);
        bool firstAcc = true;
        computeChunk(jobsHere[i], 0, slots[i], cTile, firstAcc);
        storeJob(jobsHere[i], cTile);
      }
    }
  }
  // The vector cores' jobs join the batch (GemvKernel.cpp).
  bool anyGemv = false;
  for (uint32_t v = 0; v < vCount; ++v)
    anyGemv |= !gemvJobsOf[v].empty();
  if (anyGemv) {
    GemvBatchKernel g;
    g.k = k;
    g.ktMax = gemvKt;
    g.nt = gemvNt;
    g.rows = gemvRows;
    g.finalOutput = split == 1;
    g.transposed = gemvReadsBT(k);
    g.outBase = split > 1 ? k.partialsAddr : k.c.addr;
    if (!gemvBatchAccepts(g))
      flushGemvBatch();
    uint32_t kb = (uint32_t)gemvBatch_.size();
    gemvBatch_.push_back(std::move(g));
    if (gemvBatchJobs_.size() < vCount)
      gemvBatchJobs_.resize(vCount);
    int64_t esC = dtypeByteSize(k.c.dtype);
    for (uint32_t v = 0; v < vCount; ++v)
      for (int64_t j : gemvJobsOf[v]) {
        int64_t job = j / split, part = j % split;
        int64_t bi = job / tilesN, n0 = (job % tilesN) * tn;
        if (evenJobs)
          bi = 0, n0 = evenStart(j);
        int64_t kBegin = part * perSplit * ck,
                kEnd = std::min(d.k, (part + 1) * perSplit * ck);
        GemvBatchJob b;
        b.kernel = kb;
        b.xOff = (batchOffset(k.a, bi) + kBegin * k.a.strides[r - 1]) * es;
        b.bOff = (batchOffset(k.b, bi) + kBegin * k.b.strides[r - 2] +
                  n0 * k.b.strides[r - 1]) *
                 esB;
        b.outOff = split > 1
                       ? part * (int64_t)partBytes + (bi * d.n + n0) * 4
                       : (batchOffset(k.c, bi) + n0 * k.c.strides[r - 1]) * esC;
        b.blocks = (kEnd - kBegin) / gemvRows;
        b.cols = evenJobs ? evenStart(j + 1) - n0 : gemvNt;
        gemvBatchJobs_[v].push_back(b);
      }
  }
  // Otherwise the epilogue reads C back from GM (after any split-K sum).
  // Where the vector cores are separate it is deferred like the split-K sum
  // (flushDeferred): it runs when a later kernel touches its bytes, so the
  // independent products after this one follow it without a barrier (as
  // one GEMV batch in decode), and the deferred epilogues then share the
  // vector cores. (So is a Gemm's bias, a kernel of its own: Qwen2's Q, K
  // and V projections.)
  auto epilogueFromGm = [&]() {
    if (!k.epilogue || localEpi)
      return true;
    if (hasSeparateVectorCores())
      return deferVector(*k.epilogue, error);
    Tiling vt;
    return planVector(*k.epilogue, vt, error) &&
           addVector(*k.epilogue, vt, error);
  };
  if (split == 1)
    return epilogueFromGm();
  // c = sum of the partials (then ReLU), on the vector unit.
  VectorKernel sum;
  sum.name = k.name;
  sum.space = {d.batch, d.m, d.n};
  for (int64_t p = 0; p < split; ++p)
    sum.inputs.push_back(GmView::contiguous(k.partialsAddr + p * partBytes,
                                            DType::F32, sum.space));
  int acc = sum.load(0);
  for (int64_t p = 1; p < split; ++p)
    acc = sum.binary(Opcode::VAdd, acc, sum.load((int)p));
  if (k.relu)
    acc = sum.unary(Opcode::VRelu, acc);
  GmView c = k.c;
  c.shape = sum.space;
  c.strides = {d.m * k.c.strides[r - 2], k.c.strides[r - 2],
               k.c.strides[r - 1]};
  sum.store(sum.cast(acc, computeTypeOf(c.dtype)), c);
  // Defer the reduction (see ProgramBuilder::flushDeferred).
  return deferVector(sum, error) && epilogueFromGm();
}

} // namespace tessera::codegen
