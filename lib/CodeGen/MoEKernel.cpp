//===- MoEKernel.cpp - Kernels with run-time row counts (sparse MoE) ------===//
//
// See MoEKernels.h. The grouped matmul's jobs are (weight, column tile,
// part): a job walks the table entries part, part + R, part + 2R, ... with a
// hardware loop whose trip count the scalar unit computes from the entry
// count in the table; per entry it loads (expert, first row, rows) with
// `sld` and runs the K chunks of a matmul tile whose rows are a register
// extent and whose A, W and C addresses are register terms. Double buffers
// alternate by registers toggled per chunk / step / entry, so the buffer a
// transfer uses does not depend on how many iterations ran before it, and
// the flags follow the counting protocol of a producer/consumer ring: each
// "free" flag is set twice before the loops (two buffers) and consumed twice
// after them, so the counts balance for any trip count, zero included.
//
// addGroupedMatmul plans the tile and its buffers (planGroupedTiles), the
// jobs and the matrix cores they go to (planGroupedJobs) and the vector
// cores' read-ahead of the weights (planGroupedReadAhead), then
// GroupedMatmulEmitter writes each core's stream from that plan.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/MoEKernels.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <algorithm>

namespace tessera::codegen {

using bin::Instr;
using bin::makeInstr;
using bin::Opcode;
using bin::Tile;
using target::Pipe;
using target::Space;

static int64_t roundUpTo(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

namespace {

/// The flag id the self-synchronized kernels use on every pipe pair (the
/// straight-line analysis uses id 0; keeping them apart makes a region's
/// counts obviously its own).
constexpr int64_t kFlagId = 1;

// Scalar registers of the kernels (r0 reads as zero).
enum Reg : uint8_t {
  RCount = 1, // entries in the table
  RTrips,     // entries of this job
  RIdx,       // loop index
  ROff,       // byte offset of the entry in the table
  RExpert,
  RRow0,
  RRows,
  RP, // L1 chunk buffer (0/1)
  RQ, // L0A/L0B step buffer (0/1)
  RC, // L0C tile buffer (0/1)
  // Table construction.
  RE4,
  RCnt,
  RTiles,
  RJ,
  RTmp,
  RTmp2,
  REnt,
  RRowOff,
  RCredit, // a paced partner's entries it may still read with no credit
  RFree,   // 1 when this entry takes one of them
  RWaits,  // 1 - RFree: the credits to wait for
  RWaitIdx,
};

// A paced partner's evictions (l2_evict) take registers only the cube
// cores and the table's construction use, and a partner's A-row registers
// before it loads them: a stream naming every register leaves none for the
// arguments of code shared by streams (Spmd.cpp), and the 48 partners'
// streams shared none (V2-Lite's 1024-token prefill program: 2.2 -> 22.9
// MB; the MoE layer 1092.9 us then, 1095.7 with the shared code).
constexpr uint8_t REvTrips = RQ;    // 1 when the entry `lead` back goes now
constexpr uint8_t REvX = RC;        // the entry evicted
constexpr uint8_t REvOff = RE4;     // byte offset of an entry in the table
constexpr uint8_t REvExpert = RCnt; // its expert
// The next entry's index, then its expert, then the trip count.
constexpr uint8_t REvNext = RTiles;
// The job's last entry index, then min(1, last - REvX).
constexpr uint8_t REvLast = RJ;
constexpr uint8_t REvIdx = REnt;
constexpr uint8_t REvIdx2 = RRowOff;
// 1 when an entry's expert is a fixed one (Operand::fixed), computed just
// before each use (a partner's A rows clobber it).
constexpr uint8_t RFixed = RTmp2;

Instr flag(Opcode op, Pipe from, Pipe to) {
  return pipeFlag(op, from, to, kFlagId);
}

/// `t` with register terms added to its offset and, when `rowsReg` is set,
/// dimension 0 taken from that register (its static size is the maximum).
Tile rel(Tile t, std::initializer_list<bin::RegTerm> terms,
         uint8_t rowsReg = 0) {
  for (const bin::RegTerm &r : terms)
    if (r.stride != 0)
      t.terms[t.numTerms++] = r;
  if (rowsReg) {
    t.extentDim = 0;
    t.extentReg = rowsReg;
  }
  return t;
}

Tile tile2(Space s, uint64_t off, DType dt, int64_t rows, int64_t cols,
           int64_t rowStride) {
  Tile t = bin::makeTile(s, off, dt, {rows, cols});
  t.strides[0] = rowStride;
  t.strides[1] = 1;
  return t;
}

struct Spaces {
  int coreType = -1;
  bool unified = false;
  Space l1 = Space::L1, l0a = Space::L0A, l0b = Space::L0B, l0c = Space::L0C;
};

bool findSpaces(const target::TargetDesc &t, Spaces &ms) {
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
    // A unified local memory: the matrix engine reads where the DMA wrote,
    // and the vector unit of the same core transposes the weights.
    if (!ct.hasPipe(Pipe::V))
      continue;
    for (Space s : ct.spaces)
      if (t.spaceServes(s, Space::L0A) && t.spaceServes(s, Space::L0C) &&
          t.spaceServes(s, Space::L1) && t.spaceServes(s, Space::UB)) {
        ms.unified = true;
        ms.l1 = ms.l0a = ms.l0b = ms.l0c = s;
        return true;
      }
  }
  return false;
}

/// Share `a` of `n` near-equal consecutive shares of the bytes [lo, hi).
std::pair<uint64_t, uint64_t> evenShare(uint64_t lo, uint64_t hi, uint64_t a,
                                        uint64_t n) {
  uint64_t bytes = hi - lo;
  return {lo + bytes * a / n, lo + bytes * (a + 1) / n};
}

} // namespace

bool ProgramBuilder::addMoETable(const MoETableKernel &k, std::string &error) {
  // Any core with a scalar unit will do: the first vector core, else the
  // first core.
  Space local;
  int ct = vectorCoreType(local);
  if (ct < 0)
    ct = 0;
  if (k.experts < 1 || k.tileRows < 1 || k.table.maxEntries < (int64_t)0 ||
      k.fixedExperts < 0 || (k.fixedExperts && k.fixedRows < 1)) {
    error = "'" + k.name + "': malformed MoE table kernel";
    return false;
  }
  Region counts{k.countsAddr, k.countsAddr + (uint64_t)(4 * k.experts), false};
  Region offs{k.offsetsAddr, k.offsetsAddr + (uint64_t)(4 * k.experts), true};
  Region table{k.table.addr,
               k.table.addr + (uint64_t)TileTable::bytes(k.table.maxEntries),
               true};
  std::vector<Region> regions{counts, offs, table};
  bool routedOnly = k.fixedExperts && k.routedOnly.addr;
  if (routedOnly)
    regions.push_back({k.routedOnly.addr,
                       k.routedOnly.addr +
                           (uint64_t)TileTable::bytes(k.routedOnly.maxEntries),
                       true});
  beginKernel({{(uint32_t)ct, 0}}, regions);
  auto E = [&](const Instr &in) { emit((uint32_t)ct, 0, in, k.name); };
  int64_t tm = k.tileRows;
  int64_t tbl = (int64_t)k.table.addr;
  int64_t routedTbl = (int64_t)k.routedOnly.addr;
  // The entries of experts [first, first + count): each expert's rows in
  // tiles of tm, its first row after the previous expert's.
  auto routedExperts = [&](int64_t first, int64_t count) {
    if (count <= 0)
      return;
    uint8_t loopIdx = first ? RIdx : RExpert;
    E(makeInstr(Opcode::Loop, {}, {loopIdx, 0, count}));
    if (first)
      E(salu(Opcode::SAdd, RExpert, RIdx, 0, first));
    E(salu(Opcode::SShl, RE4, RExpert, 0, 2));
    E(makeInstr(Opcode::SLd, {}, {RCnt, RE4, (int64_t)k.countsAddr}));
    E(makeInstr(Opcode::SSt, {}, {RRowOff, RE4, (int64_t)k.offsetsAddr}));
    // tiles = ceil(count / tm)
    E(salu(Opcode::SAdd, RTiles, RCnt, 0, tm - 1));
    E(salu(Opcode::SDiv, RTiles, RTiles, 0, tm));
    E(makeInstr(Opcode::Loop, {}, {RJ, RTiles, 0}));
    {
      E(salu(Opcode::SMul, ROff, REnt, 0, 12));
      E(makeInstr(Opcode::SSt, {}, {RExpert, ROff, tbl + 4}));
      E(salu(Opcode::SMul, RTmp, RJ, 0, tm));
      E(salu(Opcode::SAdd, RTmp2, RRowOff, RTmp, 0));
      E(makeInstr(Opcode::SSt, {}, {RTmp2, ROff, tbl + 8}));
      E(salu(Opcode::SSub, RTmp2, RCnt, RTmp, 0));
      E(salu(Opcode::SMin, RTmp2, RTmp2, 0, tm));
      E(makeInstr(Opcode::SSt, {}, {RTmp2, ROff, tbl + 12}));
      E(salu(Opcode::SAdd, REnt, REnt, 0, 1));
      if (routedOnly) {
        // The same entry, routed entry RTrips of the routed-only table.
        E(salu(Opcode::SMul, ROff, RTrips, 0, 12));
        E(makeInstr(Opcode::SSt, {}, {RExpert, ROff, routedTbl + 4}));
        E(salu(Opcode::SAdd, RTmp, RRowOff, RTmp, 0));
        E(makeInstr(Opcode::SSt, {}, {RTmp, ROff, routedTbl + 8}));
        E(makeInstr(Opcode::SSt, {}, {RTmp2, ROff, routedTbl + 12}));
        E(salu(Opcode::SAdd, RTrips, RTrips, 0, 1));
      }
    }
    E(makeInstr(Opcode::EndLoop, {}));
    E(salu(Opcode::SAdd, RRowOff, RRowOff, RCnt, 0));
    E(makeInstr(Opcode::EndLoop, {}));
  };
  E(barrierAll());
  E(salu(Opcode::SAdd, REnt, 0, 0, 0));
  E(salu(Opcode::SAdd, RRowOff, 0, 0, 0));
  if (routedOnly)
    E(salu(Opcode::SAdd, RTrips, 0, 0, 0));
  // Fixed entry i (static but for its place in the table) goes after the
  // first (i + 1) * experts / (n + 1) routed experts, one at least: the
  // partners' read-ahead starts on routed weights, and (with more routed
  // experts than fixed entries) routed entries end the table, so the fixed
  // entries' products overlap routed reads rather than follow the last.
  int64_t perFixed = (k.fixedRows + tm - 1) / tm;
  int64_t n = k.fixedExperts * perFixed, before = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t after = std::max<int64_t>(1, (i + 1) * k.experts / (n + 1));
    routedExperts(before, after - before);
    before = after;
    int64_t f = i / perFixed, r = i % perFixed * tm;
    E(salu(Opcode::SMul, ROff, REnt, 0, 12));
    int64_t fields[3] = {k.experts + f, k.fixedRow0 + f * k.fixedRows + r,
                         std::min(tm, k.fixedRows - r)};
    for (int j = 0; j < 3; ++j) {
      E(salu(Opcode::SAdd, RTmp, 0, 0, fields[j]));
      E(makeInstr(Opcode::SSt, {}, {RTmp, ROff, tbl + 4 + 4 * j}));
    }
    E(salu(Opcode::SAdd, REnt, REnt, 0, 1));
  }
  routedExperts(before, k.experts - before);
  E(makeInstr(Opcode::SSt, {}, {REnt, 0, tbl}));
  if (routedOnly)
    E(makeInstr(Opcode::SSt, {}, {RTrips, 0, routedTbl}));
  E(barrierAll());
  return true;
}

namespace {

/// 512-byte aligned bytes of `elems` elements of `size` bytes.
uint64_t bufferBytes(int64_t elems, int64_t size) {
  return (uint64_t)roundUpTo(elems * size, 512);
}

/// A grouped matmul's tile and its local buffers: entries of at most `tm`
/// rows, column tiles of `tn`, K in chunks of `ck` (L1) and steps of `step`
/// (L0A/L0B), each double-buffered.
struct GroupedTiles {
  int64_t es = 0; // bytes per operand element
  int64_t tm = 0, tn = 0, ck = 0, step = 0;
  /// One L0C tile instead of two: twice the columns per loaded A chunk.
  bool singleC = false;
  uint64_t aChunk = 0, bChunk = 0, aStep = 0, bStep = 0, cBytes = 0;
  /// An entry's row indices (with gathered rows): two buffers, after the
  /// chunks (and a unified memory's C tiles).
  uint64_t indexBytes = 0;

  void size() {
    aChunk = bufferBytes(tm * ck, es);
    bChunk = bufferBytes(tn * ck, es);
    aStep = bufferBytes(tm * step, es);
    bStep = bufferBytes(step * tn, es);
    cBytes = bufferBytes(tm * tn, 4);
  }
  bool fits(const target::TargetDesc &t, const Spaces &ms) {
    size();
    if (ms.unified) // A and W chunks, two C tiles
      return 2 * (aChunk + bChunk) + 2 * cBytes + 2 * indexBytes <=
             t.space(ms.l1).bytes;
    return 2 * (aChunk + bChunk) + 2 * indexBytes <= t.space(ms.l1).bytes &&
           2 * aStep <= t.space(ms.l0a).bytes &&
           2 * bStep <= t.space(ms.l0b).bytes &&
           (singleC ? 1 : 2) * cBytes <= t.space(ms.l0c).bytes;
  }
};

/// The largest tile that fits local memory, K chunks first.
bool planGroupedTiles(const target::TargetDesc &t, const Spaces &ms,
                      const GroupedMatmulKernel &k, GroupedTiles &g,
                      std::string &why) {
  DType dt = k.a.dtype;
  int64_t K = k.a.shape[1];
  g.es = dtypeByteSize(dt);
  // No entry has more rows than the tile or the whole of A.
  g.tm = std::min(k.tileRows, k.rows());
  g.tn = ms.unified ? 256 : 128;
  g.ck = g.es >= 4 ? 128 : 256;
  g.step = ms.unified ? g.ck : (g.es >= 4 ? 32 : 64);
  int64_t maxN = 0;
  for (const auto &w : k.weights)
    maxN = std::max(maxN, w.w.shape[1]);
  g.tn = std::min(g.tn, roundUpTo(maxN, 16));
  g.ck = std::min(g.ck, roundUpTo(K, 16));
  g.step = std::min(g.step, g.ck);
  g.indexBytes = k.aRowOf ? bufferBytes(g.tm, 4) : 0;
  while (!g.fits(t, ms)) {
    if (!ms.unified && g.step > 16)
      g.step /= 2;
    else if (g.ck > 16)
      g.ck /= 2, g.step = ms.unified ? g.ck : std::min(g.step, g.ck);
    else if (g.tn > 16)
      g.tn /= 2;
    else {
      why = "a grouped matmul tile of " + std::to_string(g.tm) +
            " rows does not fit local memory";
      return false;
    }
  }
  // A unified local memory holds far larger chunks: each ends with one
  // DMA latency (its set_flag), which 256 x 256 chunks of bf16 paid once
  // per 2.2 us of transfer on edge (DeepSeek-V2-Lite's routed experts at
  // decode: 70 % of the DRAM roof). K grows to the whole row where it fits.
  if (ms.unified) {
    while (g.ck < roundUpTo(K, 16)) {
      int64_t save = g.ck;
      g.ck = std::min(2 * g.ck, roundUpTo(K, 16));
      g.step = g.ck;
      if (!g.fits(t, ms)) {
        g.ck = g.step = save;
        g.size();
        break;
      }
    }
    // Then wider column tiles (fewer chunks, so fewer latencies): the
    // widest that fits, as equal tiles of the widest weight (V2-Lite's
    // experts: 2 x 704 columns of gate/up, 2 x 1024 of down).
    if (g.ck >= roundUpTo(K, 16)) {
      int64_t save = g.tn, widest = g.tn;
      for (g.tn = save + 16; g.tn <= roundUpTo(maxN, 16) && g.fits(t, ms);
           g.tn += 16)
        widest = g.tn;
      int64_t tiles = (maxN + widest - 1) / widest;
      g.tn = std::max(save, roundUpTo((maxN + tiles - 1) / tiles, 16));
      g.size();
    }
  }
  while (g.ck % g.step)
    g.step -= 16;
  return true;
}

/// A job: column tile [n0, n0 + nt) of weight `w` for the table entries
/// part, part + R, part + 2R, ...
struct GroupedJob {
  size_t w;
  int64_t n0, nt, part;
};

/// The jobs and the matrix cores they go to.
struct GroupedJobs {
  uint32_t cores = 0; // P: the matrix cores the jobs are dealt over
  int64_t parts = 1;  // R
  int64_t colTiles = 0;
  std::vector<GroupedJob> all;
  std::vector<std::vector<GroupedJob>> of; // per matrix core
};

/// Jobs (weight, column tile, part). Column tiles of near-equal width
/// (multiples of `unit` columns, at most tn) in a number that is a multiple
/// of the cores where the widths allow; the parts split the entries round
/// robin so that a few column tiles still feed every core. The unit is the
/// engine's 16-column fractal where the products are compute-bound, and
/// one column where no entry has more than a fractal's rows (decode): a
/// job's time is then its weight bytes, and widths a fractal apart left
/// cores idle (DeepSeek-V2-Lite's 6 experts: gate/up in 24 tiles of 112
/// or 128 columns, down in 80 or 96, a 9 and a 12 % longer busiest core).
/// May widen the tiles (`singleC`).
GroupedJobs planGroupedJobs(const target::TargetDesc &t, const Spaces &ms,
                            const GroupedMatmulKernel &k, GroupedTiles &g) {
  GroupedJobs jobs;
  int64_t K = k.a.shape[1], es = g.es;
  int64_t maxN = 0;
  for (const auto &w : k.weights)
    maxN = std::max(maxN, w.w.shape[1]);
  uint32_t P = t.coreTypes[ms.coreType].count;
  const target::Fractal *fr = t.fractal(k.a.dtype);
  int64_t unit = g.tm <= (int64_t)fr->m ? 1 : 16;
  // With a product beside it, at most two thirds of the cores, as many as
  // split the weights' columns, in whole tiles, evenly (else more parts
  // per column tile, and no evictions: V2-Lite's routed down product on 15
  // of 24 cores made its MoE layer 1249.8 us, on 16 1083.8).
  if (k.productBeside) {
    int64_t fractals = 0;
    for (const auto &w : k.weights)
      fractals += w.w.shape[1] / unit;
    for (uint32_t p = P * 2 / 3; p >= 1; --p)
      if (fractals % p == 0) {
        P = p;
        break;
      }
  }
  // Every core of a column tile loads each entry's A rows as well as its
  // weight tile. Where those loads, at the L2's per-core rate, outlast the
  // core's share of the DRAM time for the entry's weights (P tiles at the
  // effective rate), the cores, not the DRAM, set the pace: then a tile
  // twice as wide in a single L0C buffer loads the rows once for twice the
  // columns (the parts, not the tiles, then fill the cores). The loads keep
  // the MTE2 queue about 80 % busy (DMA latencies and the rings' waits the
  // rest: the down product's trace). The DRAM's share counts only the
  // entries whose weights come from it: not the fixed experts' (every
  // token's rows, their tiles read once), and, where the cache engine
  // reads the product's weights from the attention on (readFromAttention),
  // not the L2's size of them it holds when the product starts.
  // DeepSeek-V2-Lite's 1024-token prefill on dc: the routed down product
  // (K = 1408, 16 cores) in 8 tiles of 256 for 2 parts: its cores' loads
  // from L2 727 -> 588 MB, the MoE layer 1042.5 -> 1030.7 us. The gate/up
  // product (K = 2048, 24 cores) stayed at 128 while the DRAM read all its
  // weights during it (wide: 1037.7 us); with the shared experts' rows a
  // quarter of its rows and a fifth of its weights read during the
  // attention, its trace at 128 showed every cube core's MTE2 queue the
  // pace-setter (gathered A chunks 0.33 us, weight chunks 0.29, the matrix
  // engine 65 % busy) and the DRAM 75-95 % busy for 130 us: wide, the MoE
  // layer 986.7 -> 961.4 us.
  if (!ms.unified && t.l2.present && t.l2.readBytesPerCycle > 0 &&
      g.tm > (int64_t)fr->m && 2 * g.tn <= roundUpTo(maxN, 16)) {
    double fromDram = 1;
    int64_t fixed =
        k.weights.front().fixed ? k.weights.front().fixed->shape[0] : 0;
    if (fixed && k.aRowOf && k.rows() > 0)
      fromDram = std::max(0.0, 1.0 - (double)(fixed * k.a.shape[0]) /
                                         (double)k.rows());
    uint64_t routedBytes = 0;
    for (const auto &w : k.weights)
      routedBytes += (uint64_t)(w.w.numElements() * es);
    if (k.readFromAttention && routedBytes > 0)
      fromDram *= routedBytes > t.l2.bytes
                      ? (double)(routedBytes - t.l2.bytes) / (double)routedBytes
                      : 0;
    double loadCycles =
        (double)((g.tm + g.tn) * K * es) / (0.8 * t.l2.readBytesPerCycle);
    double dramShareCycles = (double)(g.tn * K * es) * P * fromDram /
                             std::max(1e-9, t.dramBytesPerCycle());
    if (loadCycles > dramShareCycles) {
      int64_t save = g.tn;
      g.singleC = true;
      g.tn = 2 * g.tn;
      if (!g.fits(t, ms)) {
        g.singleC = false;
        g.tn = save;
        g.size();
      }
    }
  }
  std::vector<int64_t> tilesOf, fracOf;
  int64_t colTiles = 0;
  for (const auto &w : k.weights) {
    fracOf.push_back((w.w.shape[1] + unit - 1) / unit);
    tilesOf.push_back((w.w.shape[1] + g.tn - 1) / g.tn);
    colTiles += tilesOf.back();
  }
  for (int64_t extra = g.singleC ? 0 : (colTiles + P - 1) / P * P - colTiles;
       extra > 0; --extra) {
    int64_t best = -1;
    for (size_t w = 0; w < tilesOf.size(); ++w)
      if (tilesOf[w] < fracOf[w] &&
          (best < 0 || fracOf[w] * tilesOf[best] > fracOf[best] * tilesOf[w]))
        best = (int64_t)w;
    if (best < 0)
      break;
    ++tilesOf[best];
    ++colTiles;
  }
  int64_t R = 1;
  double best = -1;
  for (int64_t r = 1; r <= 8; ++r) {
    int64_t n = colTiles * r;
    double eff = (double)n / (double)(((n + P - 1) / P) * P);
    if (eff > best + 1e-9) {
      best = eff;
      R = r;
    }
    if (n >= 4 * (int64_t)P)
      break;
  }
  for (int64_t part = 0; part < R; ++part)
    for (size_t w = 0; w < k.weights.size(); ++w) {
      int64_t N = k.weights[w].w.shape[1], n0 = 0;
      for (int64_t i = 0; i < tilesOf[w]; ++i) {
        int64_t f = fracOf[w] / tilesOf[w] + (i < fracOf[w] % tilesOf[w]);
        int64_t nt = std::min(unit * f, N - n0);
        jobs.all.push_back({w, n0, nt, part});
        n0 += nt;
      }
    }
  jobs.cores = P;
  jobs.parts = R;
  jobs.colTiles = colTiles;
  jobs.of.resize(P);
  for (size_t q = 0; q < jobs.all.size(); ++q)
    jobs.of[q % P].push_back(jobs.all[q]);
  return jobs;
}

/// Which vector cores read the weights ahead into L2, and how.
struct GroupedReadAhead {
  int vType = -1; // the vector cores' type (-1: none)
  Space vLocal = Space::UB;
  /// Read-all form: V cores read every entry's weights at once.
  struct Prefetch {
    size_t job;
    int64_t sub, subs; // rows [nt * sub / subs, nt * (sub + 1) / subs)
  };
  uint32_t V = 0;
  std::vector<std::vector<Prefetch>> prefetchOf; // per read-all core
  /// Paced form: `partners` vector cores per matrix core, `lead` entries
  /// ahead of it.
  uint32_t partners = 0;
  int64_t lead = 0;
  /// A read-ahead core's chunk buffers (two).
  uint64_t pfChunk = 0;
  /// The partners also read each entry's A rows (`aPieceRows` each at
  /// most), the pieces dealt over `pieceCores` cores' partners.
  bool prefetchA = false;
  bool piecesPerPart = false;
  int64_t pieceCores = 0;
  uint64_t aPieceRows = 0;
  /// The partners drop what their cube core has loaded from the L2.
  bool evict = false;
};

/// On a chip whose vector cores are apart from the matrix cores and share
/// an L2 with them, the (otherwise idle) vector cores read the same weights
/// ahead into L2, walking the same table: each cube core then streams its
/// weights at the L2's rate while DRAM stays saturated. Only the entries'
/// experts are read, so no extra DRAM traffic. `allowed`: the builder's
/// read-ahead is on.
GroupedReadAhead planGroupedReadAhead(const target::TargetDesc &t,
                                      const Spaces &ms,
                                      const GroupedMatmulKernel &k,
                                      const GroupedTiles &g,
                                      const GroupedJobs &jobs, int vType,
                                      Space vLocal, bool allowed) {
  GroupedReadAhead ra;
  ra.vType = vType;
  ra.vLocal = vLocal;
  int64_t K = k.a.shape[1], es = g.es;
  uint32_t P = jobs.cores;
  // Read all at once, the read-ahead only pays when everything it can read
  // fits half of the L2 (decode's few experts); streaming more would evict
  // lines before the cube cores reach them (the paced form below).
  uint64_t mostBytes = 0;
  int64_t mostExperts = std::min(k.table.maxEntries, k.rows());
  for (const auto &w : k.weights)
    mostBytes +=
        (uint64_t)(std::min(mostExperts, w.w.shape[0]) * w.w.shape[1] * K * es);
  bool apart = k.readAheadBytes > 0 && allowed && !ms.unified && t.l2.present &&
               vType >= 0 && vType != ms.coreType;
  if (apart && (uint64_t)k.readAheadBytes <= t.l2.bytes / 4 * 3 &&
      mostBytes <= t.l2.bytes / 2)
    ra.V = t.coreTypes[vType].count;
  // Otherwise (prefill: every expert's weights, several times the L2) the
  // read-ahead is paced: each cube core gets partner vector cores (two on a
  // chip with twice as many vector cores, as an Ascend AI core pairs one
  // cube with two vector units) that walk the cube core's own jobs and
  // entries, each reading its share of every entry's weight tile. A partner
  // reads its first `lead` entries freely (it counts them itself) and each
  // later one on a credit: the cube core grants one, by a cross-core flag
  // (the target's last) from its MTE2 queue, as each entry's loads
  // complete, so a partner reads entry i only once its cube core has loaded
  // entry i - lead: the lines in flight stay within 3/4 of the L2 whatever
  // the number of experts. Free credits, not granted ones, let the partners
  // start when the kernel does, not when their cube core reaches it past
  // the products queued before it (the MoE's shared-expert gate and up);
  // more entries ahead read through more of those products. (DeepSeek-V2-
  // Lite's 1024-token prefill MoE layer on dc: 1448.5 us with credits
  // granted up front by the cube core, 1436.5 free, 1412.4 with a lead of
  // 8; 16 within 3/4 of the L2 gave 1406.0. Since the partners evict what
  // their cube core has loaded (below): within half of the L2 1116.5 us,
  // within 3/4 up to 12 entries 1100.7, up to 16 1124.8, within all of it
  // 1169.2.)
  uint64_t tileBytes = (uint64_t)(g.tn * K * es);
  if (!ra.V && apart && moePaceFlag(t) >= kBarrierFlagIds) {
    ra.partners = std::min<uint32_t>(2, t.coreTypes[vType].count / P);
    // Wide tiles: half the entries, the same bytes ahead (V2-Lite's MoE
    // layer with 12 of them 1079.6 us: the down product's A rows were
    // evicted and read from DRAM by the cube cores; 8: 1045.2, 6: 1029.8,
    // 5: 1035.1, 4: 1040.5).
    ra.lead = std::min<int64_t>(
        g.singleC ? 6 : 12,
        (int64_t)(t.l2.bytes / 4 * 3 / std::max<uint64_t>(1, P * tileBytes)));
    if (ra.lead < 1)
      ra.partners = 0;
  }
  // A read-ahead core's job and its share of the job's rows: `sub` of
  // `subs` (every entry's rows [nt * sub / subs, nt * (sub + 1) / subs)).
  ra.prefetchOf.resize(ra.V);
  size_t J = jobs.all.size();
  for (uint32_t v = 0; v < ra.V; ++v) {
    if (ra.V >= J) {
      size_t j = v % J;
      int64_t subs = (int64_t)((ra.V - 1 - j) / J + 1);
      ra.prefetchOf[v].push_back({j, (int64_t)(v / J), subs});
    } else {
      for (size_t j = v; j < J; j += ra.V)
        ra.prefetchOf[v].push_back({j, 0, 1});
    }
  }
  // A paced partner reads its share of a tile's rows (at most
  // ceil(tn / partners)), a read-all core up to all.
  int64_t pfRows = ra.partners ? (g.tn + ra.partners - 1) / ra.partners : g.tn;
  ra.pfChunk = bufferBytes(pfRows * g.ck, es);
  // Every cube core reads each entry's A rows too, at about the same time:
  // the first to get there read them from DRAM (the weights streamed since
  // A was written evict it from L2), at its own DRAM rate in a DRAM the
  // partners keep busy, while the others waited on its fill (DeepSeek-V2-
  // Lite's 1024-token prefill: an A chunk took 0.5-1.6 us instead of
  // 0.29). So the partners read those rows ahead too: partner q of Q takes
  // rows [rows * q / Q, rows * (q + 1) / Q) of each entry (at least one),
  // into UB beside its weight buffers. With parts (one job a core), an
  // entry is one part's: the pieces are dealt over the cores of that part,
  // one per column tile.
  ra.piecesPerPart = jobs.parts > 1 && J == (size_t)P;
  ra.pieceCores = ra.piecesPerPart ? jobs.colTiles : (int64_t)P;
  ra.aPieceRows = ra.partners
                      ? (uint64_t)((g.tm + ra.partners * ra.pieceCores - 1) /
                                   (ra.partners * ra.pieceCores)) +
                            1
                      : 0;
  // (Gathered rows come from the tokens themselves, which every entry
  // reads and the L2 keeps.)
  ra.prefetchA = ra.partners && !k.aRowOf &&
                 2 * ra.pfChunk + ra.aPieceRows * (uint64_t)(K * es) <=
                     t.space(vLocal).bytes;
  // Each entry's weight tile is read by one cube core (the job its entry
  // falls to: one where the column tiles fill the cores, as a prefill's
  // experts do, or one per part with wide tiles) and read ahead by its
  // partners. Once the cube core has loaded an entry's
  // tile the partners drop their rows of it from the L2 (l2_evict): the
  // experts streaming through then evict only each other, not the layer's
  // activations (the gate/up and SwiGLU outputs, the permuted tokens),
  // which stayed in the L2 no longer than a few experts did and were
  // written to DRAM and read back. (DeepSeek-V2-Lite's 1024-token prefill
  // MoE layer on dc: 1219.4 -> 1145.8 us evicting as each credit comes,
  // 1122.7 with the last `lead` entries too; 103 MB of such write-backs and
  // 60 MB of reads back gone.) With parts, the entries of an expert that
  // has several go to the parts in turn, on other cores at about the same
  // time: its tile goes with its last entry, as with one part.
  ra.evict = ra.partners && t.l2.present;
  return ra;
}

/// Emits the streams of a planned grouped matmul: the matrix cores' jobs,
/// the read-all cores' and the paced partners' read-ahead.
class GroupedMatmulEmitter {
public:
  using EmitFn = llvm::function_ref<void(
      uint32_t type, uint32_t index, const Instr &in, const std::string &loc)>;
  GroupedMatmulEmitter(const target::TargetDesc &target,
                       const GroupedMatmulKernel &kernel, const Spaces &spaces,
                       const GroupedTiles &tiles, const GroupedJobs &jobList,
                       const GroupedReadAhead &readAhead, EmitFn emit)
      : t(target), k(kernel), ms(spaces), g(tiles), jobs(jobList),
        ra(readAhead), emitTo(emit), dt(kernel.a.dtype), es(tiles.es),
        K(kernel.a.shape[1]), lda(kernel.a.strides[0]),
        tbl((int64_t)kernel.table.addr), chunks((K + tiles.ck - 1) / tiles.ck) {
  }

  void emitMatrixCore(uint32_t core);
  void emitReadAllCore(uint32_t v);
  /// Partner `i` of matrix core `c`; `afterShares`: its share of the
  /// cache engine's reads after the product's (cacheEngineReadsAfter).
  void emitPacedPartner(
      uint32_t i, uint32_t c,
      const std::vector<std::pair<uint64_t, uint64_t>> &afterShares,
      const std::string &afterLoc);

private:
  /// The stream E() appends to.
  void at(uint32_t type, uint32_t index, std::string loc) {
    curType = type;
    curIndex = index;
    curLoc = std::move(loc);
  }
  void E(const Instr &in) { emitTo(curType, curIndex, in, curLoc); }
  /// An entry's loop header: RTrips = ceil((count - part) / R) entries of
  /// job `j`, ROff the byte offset of the current one past the part's
  /// first.
  void beginEntryLoop(const GroupedJob &j);
  /// Rows [r0, r1) of job j's weight tile, columns [k0, k0 + kt), of the
  /// expert in register `expert` (RFixed set for it).
  Tile weightRows(const GroupedJob &j, int64_t r0, int64_t r1, int64_t k0,
                  int64_t kt, uint8_t expert) const;
  /// RFixed = 1 if the expert in register `expert` is a fixed one (with
  /// fixed weights).
  void selectFixed(uint8_t expert);
  /// Where the fixed weights of operand `w` are, from its expert E on.
  int64_t fixedOffset(size_t w) const;
  /// A read-ahead core's loads of rows [r0, r1) of job j's tile of the
  /// entry's expert (register RExpert), chunk by chunk as the cube core
  /// takes them, into alternate scratch buffers (RP) never read.
  void readRows(const GroupedJob &j, int64_t r0, int64_t r1);
  /// Entry REvX's weight rows [r0, r1) of job j, dropped from the L2 once
  /// its cube core has loaded them (the caller made the scalar unit wait
  /// for that) unless the next entry of the table (this job's next, or
  /// with parts another part's) is the same expert's: it reads the same
  /// rows.
  void evictEntry(const GroupedJob &j, int64_t r0, int64_t r1);
  /// A paced partner's wait for its cube core's next grant.
  void credit();

  const target::TargetDesc &t;
  const GroupedMatmulKernel &k;
  const Spaces &ms;
  const GroupedTiles &g;
  const GroupedJobs &jobs;
  const GroupedReadAhead &ra;
  EmitFn emitTo;
  uint32_t curType = 0, curIndex = 0;
  std::string curLoc;
  DType dt;
  int64_t es, K, lda, tbl, chunks;
};

void GroupedMatmulEmitter::beginEntryLoop(const GroupedJob &j) {
  int64_t R = jobs.parts;
  // trips = ceil((count - part) / R), never negative.
  E(salu(Opcode::SAdd, RTrips, RCount, 0, R - 1 - j.part));
  E(salu(Opcode::SDiv, RTrips, RTrips, 0, R));
  E(makeInstr(Opcode::Loop, {}, {RIdx, RTrips, 0}));
  E(salu(Opcode::SMul, ROff, RIdx, 0, R * 12));
}

void GroupedMatmulEmitter::selectFixed(uint8_t expert) {
  if (!k.weights.front().fixed)
    return;
  int64_t routed = k.weights.front().w.shape[0];
  E(salu(Opcode::SAdd, RFixed, expert, 0, 1 - routed));
  E(salu(Opcode::SMax, RFixed, RFixed, 0, 0));
  E(salu(Opcode::SMin, RFixed, RFixed, 0, 1));
}

int64_t GroupedMatmulEmitter::fixedOffset(size_t w) const {
  const auto &op = k.weights[w];
  if (!op.fixed)
    return 0;
  int64_t N = op.w.shape[1], routed = op.w.shape[0];
  return (int64_t)op.fixed->addr - (int64_t)op.w.addr - routed * N * K * es;
}

void GroupedMatmulEmitter::emitMatrixCore(uint32_t core) {
  at(ms.coreType, core, k.name);
  uint32_t P = jobs.cores;
  E(barrierAll());
  Pipe loadFree = ms.unified ? Pipe::M : Pipe::MTE1;
  Pipe stepFree = Pipe::M;
  Pipe stepUser = Pipe::MTE1; // (unified: no L0 steps)
  // The free buffers of each ring: two of the L1 loads and L0 steps, two
  // of L0C or one (singleC). SetFlag frees them all before the entries,
  // WaitFlag takes them all back after.
  auto allBuffersFree = [&](Opcode op) {
    for (int i = 0; i < 2; ++i) {
      E(flag(op, loadFree, Pipe::MTE2));
      if (!ms.unified)
        E(flag(op, stepFree, stepUser));
      if (i == 0 || !g.singleC)
        E(flag(op, Pipe::FIX, Pipe::M));
    }
  };
  allBuffersFree(Opcode::SetFlag);
  auto grant = [&] {
    for (uint32_t i = 0; i < ra.partners; ++i)
      E(makeInstr(Opcode::XSet, {},
                  {(int64_t)Pipe::MTE2,
                   (int64_t)t.flatCoreId((uint32_t)ra.vType, core + i * P),
                   moePaceFlag(t)}));
  };
  E(salu(Opcode::SAdd, RP, 0, 0, 0));
  E(salu(Opcode::SAdd, RQ, 0, 0, 0));
  E(salu(Opcode::SAdd, RC, 0, 0, 0));
  E(makeInstr(Opcode::SLd, {}, {RCount, 0, tbl}));
  // Local buffers.
  int64_t tm = g.tm;
  uint64_t aBase = 0, bBase = 2 * g.aChunk;
  uint64_t cBase = ms.unified ? 2 * (g.aChunk + g.bChunk) : 0;
  uint64_t indexBase =
      2 * (g.aChunk + g.bChunk) + (ms.unified ? 2 * g.cBytes : 0);
  for (const GroupedJob &j : jobs.of[core]) {
    const auto &w = k.weights[j.w];
    int64_t N = w.w.shape[1], nt = j.nt;
    int64_t ldc = w.c.strides[0];
    int64_t esc = dtypeByteSize(w.c.dtype);
    beginEntryLoop(j);
    int64_t entry = tbl + 4 + j.part * 12;
    E(makeInstr(Opcode::SLd, {}, {RExpert, ROff, entry}));
    E(makeInstr(Opcode::SLd, {}, {RRow0, ROff, entry + 4}));
    E(makeInstr(Opcode::SLd, {}, {RRows, ROff, entry + 8}));
    selectFixed(RExpert);
    Tile cT = rel(bin::makeTile(ms.l0c, cBase, DType::F32, {tm, nt}),
                  {{RC, g.singleC ? 0 : (int64_t)g.cBytes}}, RRows);
    // The entry's row indices, into the buffer of its parity (RC): the
    // previous entry's gathers may still be reading the other one. One
    // MTE2 queue orders the load before the gathers that read it.
    Tile rowIndex = rel(bin::makeTile(ms.l1, indexBase, DType::I32, {tm}),
                        {{RC, (int64_t)g.indexBytes}}, RRows);
    if (k.aRowOf)
      E(makeInstr(Opcode::DmaLd,
                  {rowIndex, rel(bin::makeTile(Space::GM, k.aRowOf->addr,
                                               DType::I32, {tm}),
                                 {{RRow0, 4}}, RRows)}));
    bool first = true;
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t k0 = c * g.ck, kt = std::min(g.ck, K - k0);
      E(flag(Opcode::WaitFlag, loadFree, Pipe::MTE2));
      Tile aL1 = rel(tile2(ms.l1, aBase, dt, tm, kt, kt),
                     {{RP, (int64_t)g.aChunk}}, RRows);
      if (k.aRowOf) {
        // Rows of the whole of A's columns [k0, k0 + kt), by index.
        Tile table = tile2(Space::GM, k.a.addr + (uint64_t)(k0 * es), dt,
                           k.a.shape[0], kt, lda);
        E(makeInstr(Opcode::DmaGather, {aL1, table, rowIndex}));
      } else {
        Tile aGm = rel(
            tile2(Space::GM, k.a.addr + (uint64_t)(k0 * es), dt, tm, kt, lda),
            {{RRow0, lda * es}}, RRows);
        E(makeInstr(Opcode::DmaLd, {aL1, aGm}));
      }
      Tile bL1 =
          rel(tile2(ms.l1, bBase, dt, nt, kt, kt), {{RP, (int64_t)g.bChunk}});
      Tile bGm =
          rel(tile2(Space::GM, w.w.addr + (uint64_t)((j.n0 * K + k0) * es), dt,
                    nt, kt, K),
              {{RExpert, N * K * es}, {RFixed, fixedOffset(j.w)}});
      E(makeInstr(Opcode::DmaLd, {bL1, bGm}));
      if (ms.unified) {
        // The matrix engine reads the [nt, kt] weight rows in place as
        // the [kt, nt] operand (a transposed view, as MatmulKernel's
        // nn.Linear weights on edge), the whole chunk at once. (A copy
        // transposed on the vector unit took as much local memory again:
        // half as wide chunks, twice the DMA latencies.)
        E(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::M));
        E(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::M));
        if (first)
          E(flag(Opcode::WaitFlag, Pipe::FIX, Pipe::M));
        Tile bT = bin::makeTile(ms.l1, bBase, dt, {kt, nt});
        bT.strides[0] = 1;
        bT.strides[1] = kt;
        bT = rel(bT, {{RP, (int64_t)g.bChunk}});
        E(makeInstr(Opcode::Mmad, {cT, aL1, bT}, {first ? 0 : 1}));
        first = false;
        E(flag(Opcode::SetFlag, Pipe::M, Pipe::MTE2));
        E(salu(Opcode::SXor, RP, RP, 0, 1));
        continue;
      }
      E(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::MTE1));
      E(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::MTE1));
      int64_t steps = (kt + g.step - 1) / g.step;
      for (int64_t s = 0; s < steps; ++s) {
        int64_t s0 = s * g.step, st = std::min(g.step, kt - s0);
        E(flag(Opcode::WaitFlag, Pipe::M, Pipe::MTE1));
        Tile aSrc =
            rel(tile2(ms.l1, aBase + (uint64_t)(s0 * es), dt, tm, st, kt),
                {{RP, (int64_t)g.aChunk}}, RRows);
        Tile aOp = rel(bin::makeTile(ms.l0a, 0, dt, {tm, st}),
                       {{RQ, (int64_t)g.aStep}}, RRows);
        E(makeInstr(Opcode::Mv, {aOp, aSrc}, {0}));
        Tile bSrc =
            rel(tile2(ms.l1, bBase + (uint64_t)(s0 * es), dt, nt, st, kt),
                {{RP, (int64_t)g.bChunk}});
        Tile bOp = rel(bin::makeTile(ms.l0b, 0, dt, {st, nt}),
                       {{RQ, (int64_t)g.bStep}});
        E(makeInstr(Opcode::Mv, {bOp, bSrc}, {1}));
        E(flag(Opcode::SetFlag, Pipe::MTE1, Pipe::M));
        if (s + 1 == steps)
          E(flag(Opcode::SetFlag, Pipe::MTE1, Pipe::MTE2));
        E(flag(Opcode::WaitFlag, Pipe::MTE1, Pipe::M));
        if (first)
          E(flag(Opcode::WaitFlag, Pipe::FIX, Pipe::M));
        E(makeInstr(Opcode::Mmad, {cT, aOp, bOp}, {first ? 0 : 1}));
        first = false;
        E(flag(Opcode::SetFlag, Pipe::M, Pipe::MTE1));
        E(salu(Opcode::SXor, RQ, RQ, 0, 1));
      }
      E(salu(Opcode::SXor, RP, RP, 0, 1));
    }
    // This entry's weights are loaded (the flag leaves the MTE2 queue
    // after them): the partners may read one entry further.
    grant();
    E(flag(Opcode::SetFlag, Pipe::M, Pipe::FIX));
    E(flag(Opcode::WaitFlag, Pipe::M, Pipe::FIX));
    Tile out = rel(tile2(Space::GM, w.c.addr + (uint64_t)(j.n0 * esc),
                         w.c.dtype, tm, nt, ldc),
                   {{RRow0, ldc * esc}}, RRows);
    E(makeInstr(Opcode::Fix, {out, cT}, {0}, 1.0f));
    E(flag(Opcode::SetFlag, Pipe::FIX, Pipe::M));
    E(salu(Opcode::SXor, RC, RC, 0, 1));
    E(makeInstr(Opcode::EndLoop, {}));
  }
  allBuffersFree(Opcode::WaitFlag);
  E(barrierAll());
}

Tile GroupedMatmulEmitter::weightRows(const GroupedJob &j, int64_t r0,
                                      int64_t r1, int64_t k0, int64_t kt,
                                      uint8_t expert) const {
  const auto &w = k.weights[j.w];
  int64_t N = w.w.shape[1];
  return rel(tile2(Space::GM,
                   w.w.addr + (uint64_t)(((j.n0 + r0) * K + k0) * es), dt,
                   r1 - r0, kt, K),
             {{expert, N * K * es}, {RFixed, fixedOffset(j.w)}});
}

void GroupedMatmulEmitter::readRows(const GroupedJob &j, int64_t r0,
                                    int64_t r1) {
  selectFixed(RExpert);
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t k0 = c * g.ck, kt = std::min(g.ck, K - k0);
    Tile dst = rel(tile2(ra.vLocal, 0, dt, r1 - r0, kt, kt),
                   {{RP, (int64_t)ra.pfChunk}});
    Tile src = weightRows(j, r0, r1, k0, kt, RExpert);
    E(makeInstr(Opcode::DmaLd, {dst, src}));
    E(salu(Opcode::SXor, RP, RP, 0, 1));
  }
}

void GroupedMatmulEmitter::emitReadAllCore(uint32_t v) {
  at((uint32_t)ra.vType, v, k.name + ":l2_prefetch");
  E(barrierAll());
  E(makeInstr(Opcode::SLd, {}, {RCount, 0, tbl}));
  E(salu(Opcode::SAdd, RP, 0, 0, 0));
  for (const GroupedReadAhead::Prefetch &pf : ra.prefetchOf[v]) {
    const GroupedJob &j = jobs.all[pf.job];
    // The job's entries are part + R * i, all of them; of each entry's
    // chunks this core reads rows [r0, r1), its share of `subs`. Entry by
    // entry and chunk by chunk, as the cube core takes them, so its last
    // entry lands at the end with every core's share of it: with the
    // entries dealt round robin instead (sub + subs * i), the last two
    // landed together and the cube core read one of them whole after the
    // read-ahead ended (DeepSeek-V2-Lite's gate/up: 3.4 us).
    int64_t r0 = j.nt * pf.sub / pf.subs, r1 = j.nt * (pf.sub + 1) / pf.subs;
    if (r1 <= r0)
      continue;
    beginEntryLoop(j);
    E(makeInstr(Opcode::SLd, {}, {RExpert, ROff, tbl + 4 + j.part * 12}));
    readRows(j, r0, r1);
    E(makeInstr(Opcode::EndLoop, {}));
  }
  E(barrierAll());
}

void GroupedMatmulEmitter::evictEntry(const GroupedJob &j, int64_t r0,
                                      int64_t r1) {
  int64_t R = jobs.parts;
  E(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::S));
  E(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::S));
  // REvOff = the entry's index in the table, part + R * REvX; REvNext =
  // the next one's, the last one's own.
  E(salu(Opcode::SMul, REvOff, REvX, 0, R));
  if (j.part)
    E(salu(Opcode::SAdd, REvOff, REvOff, 0, j.part));
  E(salu(Opcode::SAdd, REvNext, REvOff, 0, 1));
  E(salu(Opcode::SAdd, REvLast, RCount, 0, -1));
  E(salu(Opcode::SMin, REvNext, REvNext, REvLast, 0));
  // REvLast = min(1, last - REvOff): 0 for the table's last entry.
  E(salu(Opcode::SSub, REvLast, REvLast, REvOff, 0));
  E(salu(Opcode::SMin, REvLast, REvLast, 0, 1));
  E(salu(Opcode::SMul, REvOff, REvOff, 0, 12));
  E(makeInstr(Opcode::SLd, {}, {REvExpert, REvOff, tbl + 4}));
  E(salu(Opcode::SMul, REvOff, REvNext, 0, 12));
  E(makeInstr(Opcode::SLd, {}, {REvNext, REvOff, tbl + 4}));
  selectFixed(REvExpert);
  // trips = min(1, (next expert - expert)^2 + (the entry is the last)).
  E(salu(Opcode::SSub, REvNext, REvNext, REvExpert, 0));
  E(salu(Opcode::SMul, REvNext, REvNext, REvNext, 0));
  E(salu(Opcode::SSub, REvNext, REvNext, REvLast, -1));
  E(salu(Opcode::SMin, REvNext, REvNext, 0, 1));
  if (k.weights.front().fixed) {
    // Never a fixed expert's: its entries are spread over the table, and
    // every one reads the same tiles.
    E(salu(Opcode::SSub, REvNext, REvNext, RFixed, 0));
    E(salu(Opcode::SMax, REvNext, REvNext, 0, 0));
  }
  E(makeInstr(Opcode::Loop, {}, {REvIdx2, REvNext, 0}));
  E(makeInstr(Opcode::L2Evict, {weightRows(j, r0, r1, 0, K, REvExpert)}));
  E(makeInstr(Opcode::EndLoop, {}));
}

void GroupedMatmulEmitter::credit() {
  E(makeInstr(Opcode::XWait, {}, {(int64_t)Pipe::MTE2, moePaceFlag(t)}));
}

void GroupedMatmulEmitter::emitPacedPartner(
    uint32_t i, uint32_t c,
    const std::vector<std::pair<uint64_t, uint64_t>> &afterShares,
    const std::string &afterLoc) {
  uint32_t P = jobs.cores, partners = ra.partners;
  int64_t lead = ra.lead;
  uint32_t v = c + i * P;
  at((uint32_t)ra.vType, v, k.name + ":l2_prefetch");
  // An entry's credit: one of the `lead` free ones while any is left,
  // else a wait for the cube core's grant (a loop of 0 or 1 trips, not
  // a skip: the partners' streams still share their code, Spmd.h).
  auto entryCredit = [&] {
    E(salu(Opcode::SMin, RFree, RCredit, 0, 1));
    E(salu(Opcode::SSub, RCredit, RCredit, RFree, 0));
    E(salu(Opcode::SAdd, RWaits, 0, 0, 1));
    E(salu(Opcode::SSub, RWaits, RWaits, RFree, 0));
    E(makeInstr(Opcode::Loop, {}, {RWaitIdx, RWaits, 0}));
    credit();
    E(makeInstr(Opcode::EndLoop, {}));
  };
  E(barrierAll());
  E(salu(Opcode::SAdd, RCredit, 0, 0, lead));
  E(makeInstr(Opcode::SLd, {}, {RCount, 0, tbl}));
  E(salu(Opcode::SAdd, RP, 0, 0, 0));
  for (const GroupedJob &j : jobs.of[c]) {
    int64_t r0 = j.nt * i / partners, r1 = j.nt * (i + 1) / partners;
    beginEntryLoop(j);
    E(makeInstr(Opcode::SLd, {}, {RExpert, ROff, tbl + 4 + j.part * 12}));
    entryCredit();
    if (r1 > r0 && ra.evict) {
      // RIdx >= lead: the credit just taken was entry RIdx - lead's.
      E(salu(Opcode::SAdd, REvTrips, RIdx, 0, 1 - lead));
      E(salu(Opcode::SMax, REvTrips, REvTrips, 0, 0));
      E(salu(Opcode::SMin, REvTrips, REvTrips, 0, 1));
      E(makeInstr(Opcode::Loop, {}, {REvIdx, REvTrips, 0}));
      E(salu(Opcode::SAdd, REvX, RIdx, 0, -lead));
      evictEntry(j, r0, r1);
      E(makeInstr(Opcode::EndLoop, {}));
    }
    if (ra.prefetchA) {
      int64_t q = (int64_t)((ra.piecesPerPart ? c % jobs.colTiles : c) *
                                partners +
                            i),
              Q = ra.pieceCores * (int64_t)partners;
      int64_t entry = tbl + 4 + j.part * 12;
      E(makeInstr(Opcode::SLd, {}, {RRow0, ROff, entry + 4}));
      E(makeInstr(Opcode::SLd, {}, {RRows, ROff, entry + 8}));
      // RTmp = first row (clamped into the entry), RTmp2 = rows (>= 1).
      E(salu(Opcode::SMul, RTmp, RRows, 0, q));
      E(salu(Opcode::SDiv, RTmp, RTmp, 0, Q));
      E(salu(Opcode::SMul, RTmp2, RRows, 0, q + 1));
      E(salu(Opcode::SDiv, RTmp2, RTmp2, 0, Q));
      E(salu(Opcode::SSub, RTmp2, RTmp2, RTmp, 0));
      E(salu(Opcode::SMax, RTmp2, RTmp2, 0, 1));
      E(salu(Opcode::SAdd, RRowOff, RRows, 0, -1));
      E(salu(Opcode::SMin, RTmp, RTmp, RRowOff, 0));
      E(salu(Opcode::SAdd, RTmp, RTmp, RRow0, 0));
      Tile dst = rel(
          tile2(ra.vLocal, 2 * ra.pfChunk, dt, (int64_t)ra.aPieceRows, K, K),
          {}, RTmp2);
      Tile src =
          rel(tile2(Space::GM, k.a.addr, dt, (int64_t)ra.aPieceRows, K, lda),
              {{RTmp, lda * es}}, RTmp2);
      E(makeInstr(Opcode::DmaLd, {dst, src}));
    }
    if (r1 > r0)
      readRows(j, r0, r1);
    E(makeInstr(Opcode::EndLoop, {}));
  }
  // This partner's reads are done (its scalar unit waits for its MTE2
  // queue): its share of what the cache engine reads next goes in now,
  // while the cube cores still compute their last `lead` entries and
  // the DRAM would idle. (Asked as the scalar unit passed the reads,
  // before they were done: V2-Lite's MoE layer 1007.0 us, 1005.8 now.)
  if (!afterShares.empty()) {
    E(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::S));
    E(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::S));
  }
  for (auto [lo, hi] : afterShares)
    emitTo((uint32_t)ra.vType, v,
           makeInstr(
               Opcode::L2Prefetch,
               {bin::makeTile(Space::GM, lo, DType::U8, {(int64_t)(hi - lo)})}),
           afterLoc);
  // The cube core granted one credit per entry: those of the free
  // entries (lead - RCredit of them) are still to be taken.
  E(salu(Opcode::SAdd, RTmp, 0, 0, lead));
  E(salu(Opcode::SSub, RTmp, RTmp, RCredit, 0));
  E(makeInstr(Opcode::Loop, {}, {RWaitIdx, RTmp, 0}));
  credit();
  if (ra.evict && jobs.of[c].size() == 1) {
    // The credits of the job's last RTmp entries, in order.
    const GroupedJob &j = jobs.of[c].front();
    int64_t r0 = j.nt * i / partners, r1 = j.nt * (i + 1) / partners;
    if (r1 > r0) {
      E(salu(Opcode::SSub, REvX, RTrips, RTmp, 0));
      E(salu(Opcode::SAdd, REvX, REvX, RWaitIdx, 0));
      evictEntry(j, r0, r1);
    }
  }
  E(makeInstr(Opcode::EndLoop, {}));
  E(barrierAll());
}

} // namespace

bool ProgramBuilder::addGroupedMatmul(const GroupedMatmulKernel &k,
                                      std::string &error) {
  auto fail = [&](const std::string &why) {
    error = "'" + k.name + "': " + why;
    return false;
  };
  Spaces ms;
  if (!findSpaces(t_, ms))
    return fail("target '" + t_.name +
                "' has no core that can run a grouped matmul (a matrix "
                "engine with L1/L0 buffers, or a unified local memory "
                "shared with a vector unit)");
  if (k.a.rank() != 2 || k.weights.empty() || k.tileRows < 1 ||
      k.a.strides[1] != 1 ||
      (k.aRowOf && (k.aRowOf->rank() != 1 || k.aRowOf->dtype != DType::I32 ||
                    k.aRowOf->strides[0] != 1)))
    return fail("malformed grouped matmul");
  DType dt = k.a.dtype;
  if (!t_.fractal(dt))
    return fail("the matrix engine of '" + t_.name + "' does not support " +
                dtypeName(dt));
  int64_t K = k.a.shape[1];
  for (const auto &w : k.weights)
    if (w.w.rank() != 3 || w.w.shape[2] != K || w.w.dtype != dt ||
        w.c.rank() != 2 || w.c.shape[1] != w.w.shape[1] || w.c.strides[1] != 1)
      return fail("grouped matmul weights must be [experts, N, K = " +
                  std::to_string(K) + "] of " + dtypeName(dt) +
                  " with outputs [rows, N]");
  // Fixed experts: every operand has them, after the same routed ones.
  for (const auto &w : k.weights) {
    const auto &first = k.weights.front();
    if (w.fixed.has_value() != first.fixed.has_value() ||
        (w.fixed &&
         (w.fixed->rank() != 3 || w.fixed->dtype != dt ||
          w.fixed->shape[1] != w.w.shape[1] || w.fixed->shape[2] != K ||
          w.fixed->shape[0] != first.fixed->shape[0] ||
          w.w.shape[0] != first.w.shape[0])))
      return fail("a grouped matmul's fixed experts must be [F, N, K] of "
                  "every weight, after as many routed experts");
  }
  GroupedTiles tiles;
  std::string why;
  if (!planGroupedTiles(t_, ms, k, tiles, why))
    return fail(why);
  GroupedJobs jobs = planGroupedJobs(t_, ms, k, tiles);
  Space vLocal = Space::UB;
  int vType = vectorCoreType(vLocal);
  GroupedReadAhead ra =
      planGroupedReadAhead(t_, ms, k, tiles, jobs, vType, vLocal, l2Prefetch_);
  uint32_t P = jobs.cores;

  std::vector<CoreRef> refs;
  for (uint32_t c = 0; c < P; ++c)
    if (!jobs.of[c].empty())
      refs.push_back({(uint32_t)ms.coreType, c});
  for (uint32_t v = 0; v < ra.V; ++v)
    if (!ra.prefetchOf[v].empty())
      refs.push_back({(uint32_t)vType, v});
  // Partner i of cube core c is vector core c + i * P.
  for (uint32_t i = 0; i < ra.partners; ++i)
    for (uint32_t c = 0; c < P; ++c)
      if (!jobs.of[c].empty())
        refs.push_back({(uint32_t)vType, c + i * P});
  std::vector<Region> regions;
  auto addRegion = [&](const GmView &v, bool write) {
    Region r{0, 0, write};
    v.byteRange(r.lo, r.hi);
    regions.push_back(r);
  };
  addRegion(k.a, false);
  if (k.aRowOf)
    addRegion(*k.aRowOf, false);
  regions.push_back(
      {k.table.addr,
       k.table.addr + (uint64_t)TileTable::bytes(k.table.maxEntries), false});
  for (const auto &w : k.weights) {
    addRegion(w.w, false);
    if (w.fixed)
      addRegion(*w.fixed, false);
    addRegion(w.c, true);
  }
  beginKernel(refs, regions);

  // (Named: the emitter keeps a reference to it.)
  auto emitInstr = [&](uint32_t type, uint32_t index, const Instr &in,
                       const std::string &loc) { emit(type, index, in, loc); };
  GroupedMatmulEmitter emitter(t_, k, ms, tiles, jobs, ra, emitInstr);
  for (uint32_t core = 0; core < P; ++core)
    if (!jobs.of[core].empty())
      emitter.emitMatrixCore(core);
  for (uint32_t v = 0; v < ra.V; ++v)
    if (!ra.prefetchOf[v].empty())
      emitter.emitReadAllCore(v);
  // The cache engine's reads after this product's (cacheEngineReadsAfter):
  // split evenly over the partners that read, each asking for its share
  // once its own reads are done; without partners, with the next kernel.
  std::vector<uint32_t> askers;
  for (uint32_t i = 0; i < ra.partners; ++i)
    for (uint32_t c = 0; c < P; ++c)
      if (!jobs.of[c].empty())
        askers.push_back(i * P + c);
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> afterShares(
      (size_t)ra.partners * P);
  std::string afterLoc = k.cacheEngineReadsAfterLoc.empty()
                             ? k.name + ":l2_prefetch"
                             : k.cacheEngineReadsAfterLoc;
  for (auto [lo, hi] : k.cacheEngineReadsAfter) {
    if (askers.empty() || !hasCacheEngine() || hi <= lo ||
        !isReadOnlyData(lo, hi)) {
      requestL2Prefetch(lo, hi, afterLoc);
      continue;
    }
    for (size_t a = 0; a < askers.size(); ++a) {
      auto [b0, b1] = evenShare(lo, hi, a, askers.size());
      if (b1 > b0) {
        afterShares[askers[a]].push_back({b0, b1});
        stats_.l2EngineBytes += b1 - b0;
      }
    }
  }
  for (uint32_t i = 0; i < ra.partners; ++i)
    for (uint32_t c = 0; c < P; ++c)
      if (!jobs.of[c].empty())
        emitter.emitPacedPartner(i, c, afterShares[i * P + c], afterLoc);
  // Its cores are busy for its weight bytes at the DRAM's rate at least:
  // the product beside it goes to the others.
  if (k.productBeside) {
    if (matrixLoad_.size() != t_.coreTypes[ms.coreType].count)
      matrixLoad_.assign(t_.coreTypes[ms.coreType].count, 0.0);
    uint64_t bytes = 0;
    for (const auto &w : k.weights)
      bytes += (uint64_t)(w.w.numElements() * tiles.es);
    for (uint32_t c = 0; c < P; ++c)
      matrixLoad_[c] += (double)bytes / t_.dramBytesPerCycle();
  }
  return true;
}

} // namespace tessera::codegen
