//===- AttentionSplit.cpp - Attention split over cube and vector cores ----===//
//
// See AttentionSplitPlan in AttentionKernel.h. On `dc` the cube cores have
// no vector unit and no path to a vector core's UB, so a tile's scores go
// from L0C (FIX, f32, scaled) to a small per-core GM workspace that stays in
// L2, as in Ascend's fused attention. Cube core c serves vector cores
// c*n .. c*n+n-1 (n = vector cores per cube core); each takes a contiguous
// share of a work item's rows. A work item is (batch, key/value head g, a
// block of qb queries) with rows = every query head of g's group for those
// queries (GQA without repeating K/V); its key tiles past the block's last
// visible key (causal) are skipped. In decode (few queries, a long cache)
// each item's keys are split in equal ranges over the cube cores and the
// partial results combined by emitAttentionCombine; a run-time length is
// read with `sld` on every core and gives each key-tile instruction of the
// cube a register extent. Per tile s of a cube core's flat list of
// (work unit, key tile):
//
//   cube   S(s):  S = Q K^T (mv to L0A/L0B in contraction steps, mmad; K^T
//                 by a transposing mv), fix -> S slot, xset SREADY
//   vector        xwait SREADY, load its rows of S, xset SFREE; mask;
//                 m' = max(m, rowmax S); alpha = exp(m - m'); P = exp(S - m');
//                 l = l alpha + rowsum P; cast P, store -> P slot,
//                 xset PREADY
//   cube   PV(s): xwait PREADY (every vector core), load P, xset PFREE;
//                 mmad P V, fix -> PV slot, xset PVREADY
//   vector        xwait PVREADY, load, xset PVFREE; O = O alpha + P V; at
//                 the item's last tile O / l, cast, store.
//
// The cube emits S(s), then the K/V loads of s+1, then PV(s - kLag); the
// vector cores softmax(s), then accumulate(s - kLag): the cube computes the
// scores of the next tiles while the vector cores work on earlier ones, and
// the round trip of a tile's P through the workspace and the cube overlaps
// kLag softmaxes. Slots rotate over kSlots = kLag + 1; a slot is rewritten
// only after its consumer released it (SFREE, PFREE, PVFREE, counted: the
// first kSlots uses need no wait; every kernel consumes all its flags, so
// the counters end where they started). A counter counts any sender, so the
// cube core keeps one id per vector core and kind. The cross-core ids start
// at 4: ProgramBuilder's barriers use 0-3.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/AttentionKernel.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <limits>

namespace tessera::codegen {

using bin::Instr;
using bin::makeInstr;
using bin::Opcode;
using bin::Tile;
using target::Pipe;
using target::Space;

namespace {

// Cross-core flag ids (from kAttentionFlagBase, Kernels.h). A counter counts
// signals from any core, so the cube core keeps one id per vector core and
// kind: two signals from one fast vector core must not satisfy a wait meant
// for both.
// On a vector core: S of a tile is in its slot, the cube read P, P V is in
// its slot.
constexpr int64_t kSReady = kAttentionFlagBase;
constexpr int64_t kPFree = kAttentionFlagBase + 1;
constexpr int64_t kPVReady = kAttentionFlagBase + 2;
// On the cube core, from its vector core v: v read S, wrote P, read P V.
int64_t sFree(int64_t v) { return kAttentionFlagBase + 3 * v; }
int64_t pReady(int64_t v) { return kAttentionFlagBase + 1 + 3 * v; }
int64_t pvFree(int64_t v) { return kAttentionFlagBase + 2 + 3 * v; }

// The vector cores accumulate tile s - kLag after the softmax of tile s, and
// the cube computes P V of tile s - kLag after the scores of tile s: kLag
// tiles in flight, kSlots = kLag + 1 workspace slots of each kind.
constexpr int64_t kLag = 2;
constexpr int64_t kSlots = kLag + 1;
// P goes to the cube in two parts of the storage type, P = hi + lo with
// hi = round(P) and lo = round(P - hi) (~16 significant bits), and the cube
// accumulates hi V + lo V: P rounded to 8 bits alone moved a tiny DeepSeek
// model's generated logits to cosine 0.9906 of the f32 reference (as edge's
// kernel does, docs/generation.md), with both parts they stay at the vector
// kernel's accuracy. It costs a second P V mmad and P's bytes twice.
constexpr int64_t kPParts = 2;

// Scalar registers (r0 reads as zero).
constexpr uint8_t kRegLength = 1; // L, the run-time length
constexpr uint8_t kRegCheck = 2;  // L - low (vector cores: range check)
constexpr uint8_t kRegValid = 3;  // c: valid keys of the current tile
constexpr uint8_t kRegCols = 5;   // vector cores: Dv if c > 0, else 0
constexpr uint8_t kRegStep = 6;   // cube: valid keys of a P V step

int64_t pitchOf(int64_t n, int64_t elemBytes) {
  int64_t per = 64 / elemBytes;
  return (n + per - 1) / per * per;
}

/// Row boundaries between an item's vector cores fall on multiples of 8,
/// so each core's per-row f32 vectors start 32-byte aligned in UB.
int64_t rowSplit(int64_t rows, int64_t v, int64_t nv) {
  return std::min(rows, (rows * v / nv + 7) / 8 * 8);
}

/// The most rows one of `nv` vector cores takes of an item of at most
/// `rmax` rows.
int64_t rowsPerVec(int64_t rmax, int64_t nv) {
  int64_t most = 0;
  for (int64_t rows = 1; rows <= rmax; ++rows)
    for (int64_t v = 0; v < nv; ++v)
      most = std::max(most, rowSplit(rows, v + 1, nv) - rowSplit(rows, v, nv));
  return most;
}

/// The tile with dimension `dim` taking its extent from register `reg`.
Tile withExtent(Tile t, int dim, uint8_t reg) {
  t.extentDim = (int8_t)dim;
  t.extentReg = reg;
  return t;
}

bool hasSpace(const target::CoreTypeDesc &ct, Space s) {
  return std::find(ct.spaces.begin(), ct.spaces.end(), s) != ct.spaces.end();
}

/// Byte offsets of a vector core's buffers in UB.
struct VecLayout {
  int64_t tp = 0, pp = 0, pv = 0; // pitches: S (f32), P, P V / O (f32)
  // P: two buffers, alternating by tile, or P's high and low parts.
  uint64_t s[2] = {0, 0}, p[2] = {0, 0}, pvb = 0, o = 0, mk = 0, tmp = 0;
  // Per item in flight (m, l, limits) and per tile in flight (alpha).
  uint64_t m[kSlots] = {}, l[kSlots] = {}, lim[kSlots] = {}, al[kSlots] = {};
  uint64_t mt = 0, lt = 0, limT = 0, neg = 0, lb = 0, iota = 0, end = 0;
  uint64_t li = 0, lf = 0, chk = 0; // the run-time length (i32, f32), checks
};

VecLayout vecLayout(int64_t rv, int64_t rmax, int64_t tile, int64_t dv,
                    int64_t es, uint64_t align, int64_t tmpRows) {
  VecLayout l;
  uint64_t at = 0;
  auto take = [&](uint64_t bytes) {
    uint64_t here = at;
    at = llvm::alignTo(at + std::max<uint64_t>(bytes, 1), align);
    return here;
  };
  l.tp = pitchOf(tile, 4);
  l.pp = pitchOf(tile, es);
  l.pv = pitchOf(dv, 4);
  for (int i = 0; i < 2; ++i)
    l.s[i] = take((uint64_t)(rv * l.tp) * 4);
  for (int i = 0; i < 2; ++i)
    l.p[i] = take((uint64_t)(rv * l.pp * es));
  // The output's cast reuses the P V buffer (at most f32 wide).
  l.pvb = take((uint64_t)(rv * l.pv) * 4);
  l.o = take((uint64_t)(rv * l.pv) * 4);
  l.mk = take((uint64_t)(rv * l.tp));
  l.tmp = take((uint64_t)(tmpRows * l.tp) * 4);
  for (int i = 0; i < kSlots; ++i) {
    l.m[i] = take((uint64_t)rv * 4);
    l.l[i] = take((uint64_t)rv * 4);
    l.lim[i] = take((uint64_t)rmax * 4);
    l.al[i] = take((uint64_t)rv * 4);
  }
  l.mt = take((uint64_t)rv * 4);
  l.lt = take((uint64_t)rv * 4);
  l.limT = take((uint64_t)rv * 4);
  l.neg = take(4);
  l.lb = take(4);
  l.iota = take(AttentionKernel::kIotaLength * 4);
  l.li = take(4);
  l.lf = take(4);
  l.chk = take(1);
  l.end = at;
  return l;
}

/// Byte offsets of the cube core's buffers in L1 (L0A/L0B are split in
/// halves, L0C holds S and P V).
struct CubeLayout {
  uint64_t q[2] = {}, k[2] = {}, v[kLag + 2] = {}, p[4] = {};
  uint64_t end = 0;
  uint64_t l0cPV = 0, l0cEnd = 0;
};

CubeLayout cubeLayout(int64_t rmax, int64_t tile, int64_t dqk, int64_t dv,
                      int64_t es, int64_t parts, uint64_t align,
                      uint64_t l0cAlign) {
  CubeLayout c;
  uint64_t at = 0;
  auto take = [&](uint64_t bytes) {
    uint64_t here = at;
    at = llvm::alignTo(at + std::max<uint64_t>(bytes, 1), align);
    return here;
  };
  for (int i = 0; i < 2; ++i)
    c.q[i] = take((uint64_t)(rmax * dqk * es));
  for (int i = 0; i < 2; ++i)
    c.k[i] = take((uint64_t)(tile * dqk * es));
  // kLag + 2 V buffers: the loads of tile s+1 are emitted before P V of
  // s - kLag.
  for (int i = 0; i < kLag + 2; ++i)
    c.v[i] = take((uint64_t)(tile * dv * es));
  // P of two tiles (each in `parts` parts).
  for (int i = 0; i < 2 * parts; ++i)
    c.p[i] = take((uint64_t)(rmax * tile * es));
  c.end = at;
  c.l0cPV = llvm::alignTo((uint64_t)(rmax * tile * 4), l0cAlign);
  c.l0cEnd = c.l0cPV + (uint64_t)(rmax * dv * 4);
  return c;
}

/// The largest contraction step (a multiple of 16, at most `limit` rounded
/// up to 16) with a [m, ks] A and a [ks, n] B in half of L0A / L0B.
int64_t stepFor(int64_t m, int64_t n, int64_t limit, int64_t es, uint64_t halfA,
                uint64_t halfB) {
  for (int64_t ks : {256, 128, 64, 32, 16}) {
    if ((uint64_t)(m * ks * es) > halfA || (uint64_t)(ks * n * es) > halfB)
      continue;
    return std::min(ks, (limit + 15) / 16 * 16);
  }
  return 0;
}

} // namespace

bool planAttentionSplit(const target::TargetDesc &t, int64_t b, int64_t hq,
                        int64_t sq, int64_t dqk, int64_t hkv, int64_t skv,
                        int64_t dv, int64_t es, bool causal, bool hasMask,
                        bool hasKvLength, AttentionSplitPlan &plan) {
  plan = AttentionSplitPlan();
  // A run-time length only in decode (with flash decoding's scratch); the
  // registers: length, valid keys, P V's per-step extent, and the vector
  // cores' length checks and column extent.
  bool decode = AttentionKernel::splits(sq, skv);
  if (es != 2 || hasMask || b <= 0 || hkv <= 0 || sq < 1 ||
      (sq == 1 && !decode) || skv <= 0 || hq % hkv != 0 ||
      (hasKvLength && !decode) || (causal && skv < sq) ||
      t.scalar.registers <= kRegStep)
    return false;
  // A prefill over fewer keys than one 64-key tile is latency-bound: the
  // cube/vector hand-offs (flags, workspace round trips) cost more than the
  // products they move (Qwen2's test block, 8 tokens: 0.83 us on 32 vector
  // cores, 1.22 us split).
  if (!decode && skv < 64)
    return false;
  for (size_t i = 0; i < t.coreTypes.size(); ++i) {
    const auto &ct = t.coreTypes[i];
    if (plan.cubeType < 0 && ct.hasPipe(Pipe::M) && ct.hasPipe(Pipe::FIX) &&
        ct.hasPipe(Pipe::MTE1) && ct.hasPipe(Pipe::MTE2) &&
        !ct.hasPipe(Pipe::V) && hasSpace(ct, Space::L1) &&
        hasSpace(ct, Space::L0A) && hasSpace(ct, Space::L0B) &&
        hasSpace(ct, Space::L0C))
      plan.cubeType = (int)i;
    if (plan.vecType < 0 && ct.hasPipe(Pipe::V) && ct.hasPipe(Pipe::MTE2) &&
        ct.hasPipe(Pipe::MTE3) && !ct.hasPipe(Pipe::M) &&
        hasSpace(ct, Space::UB))
      plan.vecType = (int)i;
  }
  if (plan.cubeType < 0 || plan.vecType < 0 || !t.fractal(DType::BF16) ||
      !t.findPath(Space::L0C, Space::GM) || !t.findPath(Space::GM, Space::L1) ||
      !t.findPath(Space::GM, Space::UB) || !t.findPath(Space::UB, Space::GM))
    return false;
  plan.cubes = t.coreTypes[plan.cubeType].count;
  plan.perCube = t.coreTypes[plan.vecType].count / plan.cubes;
  // The ids stay below the MoE read-ahead's.
  if (plan.perCube < 1 ||
      kAttentionFlagBase + 3 * plan.perCube > moePaceFlag(t))
    return false;
  int64_t g = hq / hkv;
  uint64_t halfA = t.space(Space::L0A).bytes / 2,
           halfB = t.space(Space::L0B).bytes / 2;
  for (int64_t want : {128, 64, 32, 16}) {
    int64_t qb = 1;
    while (qb * 2 * g <= want)
      qb *= 2;
    qb = std::min(qb, sq);
    int64_t rmax = g * qb;
    if (rmax > AttentionKernel::kIotaLength)
      continue;
    int64_t rv = rowsPerVec(rmax, plan.perCube);
    for (int64_t tile : {128, 64, 32, 16}) {
      if (tile > 16 && tile / 2 >= skv)
        continue;
      CubeLayout c =
          cubeLayout(rmax, tile, dqk, dv, es, kPParts, t.space(Space::L1).align,
                     t.space(Space::L0C).align);
      // The f32 copy of P's high part is made in row chunks that fit.
      int64_t tmpRows = kPParts == 2 ? rv : 0;
      VecLayout v;
      for (;;) {
        v = vecLayout(rv, rmax, tile, dv, es, t.space(Space::UB).align,
                      tmpRows);
        if (v.end <= t.space(Space::UB).bytes || tmpRows <= 8)
          break;
        tmpRows = std::max<int64_t>(8, (tmpRows / 2 + 7) / 8 * 8);
      }
      int64_t ksS = stepFor(rmax, tile, dqk, es, halfA, halfB);
      // P V's A operand holds both parts of P in one half of L0A.
      int64_t ksPV = stepFor(kPParts * rmax, dv, tile, es, halfA, halfB);
      if (c.end > t.space(Space::L1).bytes ||
          c.l0cEnd > t.space(Space::L0C).bytes ||
          v.end > t.space(Space::UB).bytes || !ksS || !ksPV)
        continue;
      plan.tmpRows = tmpRows;
      // Decode: each work item's keys split over the cube cores.
      int64_t items = b * hkv * ((sq + qb - 1) / qb);
      plan.splits =
          decode ? std::clamp<int64_t>(plan.cubes / items, 1,
                                       std::min(AttentionKernel::kMaxSplits,
                                                (skv + tile - 1) / tile))
                 : 1;
      plan.qb = qb;
      plan.rmax = rmax;
      plan.tile = tile;
      plan.ksS = ksS;
      plan.ksPV = ksPV;
      plan.slotS = (uint64_t)(rmax * tile * 4);
      plan.slotP = (uint64_t)(kPParts * rmax * tile * es);
      plan.slotPV = (uint64_t)(rmax * dv * 4);
      plan.perCoreBytes =
          llvm::alignTo(kSlots * (plan.slotS + plan.slotP + plan.slotPV), 512);
      plan.workspaceBytes = (uint64_t)plan.cubes * plan.perCoreBytes;
      return true;
    }
  }
  return false;
}

bool ProgramBuilder::addAttentionSplit(const AttentionKernel &k,
                                       const AttentionSplitPlan &p,
                                       std::string &error) {
  (void)error;
  const DType f = DType::F32, sdt = k.q.dtype;
  const int64_t es = dtypeByteSize(sdt);
  const int64_t b = k.q.shape[0], hq = k.q.shape[1], sq = k.q.shape[2],
                dqk = k.q.shape[3], hkv = k.k.shape[1], skv = k.k.shape[2],
                dv = k.v.shape[3], g = hq / hkv;
  const bool valuesAreKeys = k.valuesAreKeys();
  const int64_t T = p.tile, nv = p.perCube;
  const int64_t iotaLen = AttentionKernel::kIotaLength;

  // Work units: a work item's keys (causal, static length: up to the last
  // visible key) in tiles of T, in decode split in `ns` equal ranges whose
  // partial results a second kernel combines (unit = item * ns + split).
  const bool rt = k.hasKvLength;
  const int64_t ns = p.splits;
  struct Item {
    int64_t b, g, i0, qn, rows, k0, k1, tiles, unit;
  };
  std::vector<Item> items;
  int64_t blocks = (sq + p.qb - 1) / p.qb, nItems = b * hkv * blocks;
  for (int64_t bb = 0; bb < b; ++bb)
    for (int64_t gg = 0; gg < hkv; ++gg)
      for (int64_t blk = 0; blk < blocks; ++blk) {
        int64_t i0 = blk * p.qb, qn = std::min(p.qb, sq - i0);
        int64_t keys = k.causal && !rt ? i0 + qn + skv - sq : skv;
        int64_t item = (bb * hkv + gg) * blocks + blk;
        for (int64_t sp = 0; sp < ns; ++sp) {
          int64_t lo = sp * keys / ns, hi = (sp + 1) * keys / ns;
          items.push_back({bb, gg, i0, qn, g * qn, lo, hi,
                           (hi - lo + T - 1) / T, item * ns + sp});
        }
      }
  // Longest first onto the least loaded cube core.
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return items[x].tiles != items[y].tiles ? items[x].tiles > items[y].tiles
                                            : x < y;
  });
  int64_t used = std::min<int64_t>(p.cubes, (int64_t)items.size());
  std::vector<std::vector<size_t>> itemsOf(used);
  std::vector<int64_t> load(used, 0);
  for (size_t i : order) {
    int64_t c = std::min_element(load.begin(), load.end()) - load.begin();
    itemsOf[c].push_back(i);
    load[c] += items[i].tiles;
  }

  std::vector<CoreRef> refs;
  for (int64_t c = 0; c < used; ++c) {
    refs.push_back({(uint32_t)p.cubeType, (uint32_t)c});
    for (int64_t v = 0; v < nv; ++v)
      refs.push_back({(uint32_t)p.vecType, (uint32_t)(c * nv + v)});
  }
  std::vector<Region> regions;
  auto read = [&](const GmView &v) {
    Region r{0, 0, false};
    v.byteRange(r.lo, r.hi);
    regions.push_back(r);
  };
  for (const AttentionPart &part : attentionParts(k.q, k.qTail))
    read(columnsOf(*part.view, part.cols));
  for (const AttentionPart &part : attentionParts(k.k, k.kTail))
    read(columnsOf(*part.view, part.cols));
  read(k.v);
  regions.push_back({k.iotaAddr, k.iotaAddr + (uint64_t)iotaLen * 4, false});
  if (rt)
    regions.push_back({k.kvLengthAddr, k.kvLengthAddr + 4, false});
  regions.push_back({k.workspaceAddr,
                     k.workspaceAddr + (uint64_t)used * p.perCoreBytes, true});
  // Per (item, split) of a decode: acc [rmax, Dv], m [rmax], l [rmax] (f32).
  const uint64_t blockBytes = (uint64_t)(p.rmax * (dv + 2) * 4);
  if (ns > 1) {
    regions.push_back({k.scratchAddr,
                       k.scratchAddr + (uint64_t)(nItems * ns) * blockBytes,
                       true});
  } else {
    Region r{0, 0, true};
    k.out.byteRange(r.lo, r.hi);
    regions.push_back(r);
  }
  beginKernel(refs, regions);

  auto tileAt = [](Space sp, uint64_t off, DType dt,
                   const std::vector<int64_t> &shape,
                   const std::vector<int64_t> &strides) {
    Tile t = bin::makeTile(sp, off, dt, shape);
    for (size_t i = 0; i < strides.size(); ++i)
      t.strides[i] = strides[i];
    return t;
  };
  auto gm = [&](uint64_t addr, DType dt, const std::vector<int64_t> &shape,
                const std::vector<int64_t> &strides) {
    return tileAt(Space::GM, addr, dt, shape, strides);
  };
  auto xset = [](Pipe pipe, uint32_t flat, int64_t id) {
    return makeInstr(Opcode::XSet, {}, {(int64_t)pipe, (int64_t)flat, id});
  };
  auto xwait = [](Pipe pipe, int64_t id) {
    return makeInstr(Opcode::XWait, {}, {(int64_t)pipe, id});
  };
  const uint64_t align = t_.space(Space::L1).align;
  const CubeLayout cl = cubeLayout(p.rmax, T, dqk, dv, es, kPParts, align,
                                   t_.space(Space::L0C).align);
  const uint64_t halfA = t_.space(Space::L0A).bytes / 2,
                 halfB = t_.space(Space::L0B).bytes / 2;
  const int64_t rvMax = rowsPerVec(p.rmax, nv);
  const VecLayout vl =
      vecLayout(rvMax, p.rmax, T, dv, es, t_.space(Space::UB).align, p.tmpRows);

  for (int64_t c = 0; c < used; ++c) {
    uint64_t ws = k.workspaceAddr + (uint64_t)c * p.perCoreBytes;
    uint64_t wsS = ws, wsP = ws + kSlots * p.slotS,
             wsPV = ws + kSlots * (p.slotS + p.slotP);
    struct Step {
      size_t item;
      int64_t t0, tn; // keys [t0, t0 + tn)
      bool first;     // first tile of its item
      int64_t ord; // item's position on this core
      bool last;   // last tile of its item
    };
    // The online softmax takes the key tiles in any order: each core starts
    // its items at a different tile, so cores that share K/V (every query
    // block of a head) do not all miss on the same L2 lines at once.
    int64_t rot = c;
    std::vector<Step> steps;
    for (size_t o = 0; o < itemsOf[c].size(); ++o) {
      const Item &it = items[itemsOf[c][o]];
      for (int64_t n = 0; n < it.tiles; ++n) {
        int64_t t0 = it.k0 + (n + rot) % it.tiles * T;
        steps.push_back({itemsOf[c][o], t0, std::min(T, it.k1 - t0), n == 0,
                         (int64_t)o, n + 1 == it.tiles});
      }
    }
    const int64_t N = (int64_t)steps.size();
    uint32_t cubeFlat = t_.flatCoreId((uint32_t)p.cubeType, (uint32_t)c);
    std::vector<uint32_t> vecFlat;
    for (int64_t v = 0; v < nv; ++v)
      vecFlat.push_back(
          t_.flatCoreId((uint32_t)p.vecType, (uint32_t)(c * nv + v)));

    // ---- The cube core. ----
    {
      auto E = [&](const Instr &in) {
        emit((uint32_t)p.cubeType, (uint32_t)c, in, k.name);
      };
      auto S = [&](Opcode op, int64_t rd, int64_t ra, int64_t rb, int64_t imm) {
        E(makeInstr(op, {}, {rd, ra, rb, imm}));
      };
      // c = clamp(L - t0, 0, tn): the tile's valid keys (run-time length).
      auto setValid = [&](int64_t s) {
        int64_t t0 = steps[s].t0, tn = steps[s].tn;
        S(Opcode::SAdd, kRegValid, kRegLength, 0, -t0);
        S(Opcode::SMax, kRegValid, kRegValid, 0, 0);
        S(Opcode::SMin, kRegValid, kRegValid, 0, tn);
      };
      auto rows0 = [&](Tile t) { return rt ? withExtent(t, 0, kRegValid) : t; };
      int64_t stepNo = 0; // L0A/L0B halves alternate
      // mmad c[m, n] (+)= a[m, kk] b[kk, n] from L1 in contraction steps;
      // `bT`: b is stored as [n, kk] (rows of K) and moved transposed.
      // `a2` (~0: none): a second A of the same shape, c += a2 b too, its
      // steps in the second quarter of the L0A half. With a run-time
      // length, Q K^T (bT) takes the valid keys as its n extent and P V as
      // its contraction extent (per step, in kRegStep): keys past the
      // length are neither moved nor multiplied.
      auto product = [&](Tile cT, uint64_t a, uint64_t a2, int64_t aPitch,
                         uint64_t bb, int64_t bPitch, bool bT, int64_t m,
                         int64_t kk, int64_t n, int64_t ks) {
        bool nExt = rt && bT, kExt = rt && !bT;
        auto ek = [&](Tile t, int dim) {
          return kExt ? withExtent(t, dim, kRegStep) : t;
        };
        auto en = [&](Tile t, int dim) {
          return nExt ? withExtent(t, dim, kRegValid) : t;
        };
        for (int64_t k0 = 0; k0 < kk; k0 += ks, ++stepNo) {
          int64_t kt = std::min(ks, kk - k0);
          uint64_t h = (uint64_t)(stepNo % 2);
          if (kExt) {
            S(Opcode::SAdd, kRegStep, kRegValid, 0, -k0);
            S(Opcode::SMax, kRegStep, kRegStep, 0, 0);
            S(Opcode::SMin, kRegStep, kRegStep, 0, kt);
          }
          Tile a0 = ek(bin::makeTile(Space::L0A, h * halfA, sdt, {m, kt}), 1);
          Tile a1 =
              ek(bin::makeTile(Space::L0A, h * halfA + halfA / 2, sdt, {m, kt}),
                 1);
          Tile b0 = bin::makeTile(Space::L0B, h * halfB, sdt, {kt, n});
          b0 = bT ? en(b0, 1) : ek(b0, 0);
          E(makeInstr(Opcode::Mv,
                      {a0, ek(tileAt(Space::L1, a + (uint64_t)(k0 * es), sdt,
                                     {m, kt}, {aPitch, 1}),
                              1)},
                      {0}));
          if (a2 != ~0ull)
            E(makeInstr(Opcode::Mv,
                        {a1, ek(tileAt(Space::L1, a2 + (uint64_t)(k0 * es), sdt,
                                       {m, kt}, {aPitch, 1}),
                                1)},
                        {0}));
          if (bT)
            E(makeInstr(Opcode::Mv,
                        {b0, en(tileAt(Space::L1, bb + (uint64_t)(k0 * es), sdt,
                                       {n, kt}, {bPitch, 1}),
                                0)},
                        {1}));
          else
            E(makeInstr(
                Opcode::Mv,
                {b0, ek(tileAt(Space::L1, bb + (uint64_t)(k0 * bPitch * es),
                               sdt, {kt, n}, {bPitch, 1}),
                        0)},
                {0}));
          E(makeInstr(Opcode::Mmad, {en(cT, 1), a0, b0}, {k0 > 0 ? 1 : 0}));
          if (a2 != ~0ull)
            E(makeInstr(Opcode::Mmad, {en(cT, 1), a1, b0}, {1}));
        }
      };
      auto loadTile = [&](int64_t s) {
        const Item &it = items[steps[s].item];
        int64_t tn = steps[s].tn;
        if (steps[s].first) {
          // Q rows [G, qn, Dqk] of heads g*G.. -> L1 [rows, Dqk].
          Tile dst = tileAt(Space::L1, cl.q[steps[s].ord % 2], sdt,
                            {g, it.qn, dqk}, {it.qn * dqk, dqk, 1});
          for (const AttentionPart &part : attentionParts(k.q, k.qTail))
            E(makeInstr(Opcode::DmaLd,
                        {columnsOf(dst, part.c0, part.cols),
                         attentionBox(*part.view, it.b, it.g * g, it.i0, g,
                                      it.qn, part.cols)}));
        }
        int64_t t0 = steps[s].t0;
        if (rt)
          setValid(s);
        // V that is K (MLA's absorbed decode: one latent cache) is loaded
        // once, into the V ring, and the scores read it there.
        if (!valuesAreKeys) {
          Tile dst = tileAt(Space::L1, cl.k[s % 2], sdt, {tn, dqk}, {dqk, 1});
          for (const AttentionPart &part : attentionParts(k.k, k.kTail))
            E(makeInstr(Opcode::DmaLd,
                        {rows0(columnsOf(dst, part.c0, part.cols)),
                         rows0(attentionBox(*part.view, it.b, it.g, t0, 0, tn,
                                            part.cols))}));
        }
        E(makeInstr(Opcode::DmaLd,
                    {rows0(tileAt(Space::L1, cl.v[s % (kLag + 2)], sdt,
                                  {tn, dv}, {dv, 1})),
                     rows0(attentionBox(k.v, it.b, it.g, t0, 0, tn, dv))}));
      };
      if (rt && N > 0) {
        // The length, once an earlier kernel's store of it has landed.
        E(makeInstr(Opcode::Barrier, {}, {bin::kBarrierAll}));
        E(makeInstr(Opcode::SLd, {}, {kRegLength, 0, (int64_t)k.kvLengthAddr}));
      }
      if (N > 0)
        loadTile(0);
      for (int64_t s = 0; s < N + kLag; ++s) {
        if (s < N) {
          const Item &it = items[steps[s].item];
          int64_t tn = steps[s].tn, rows = it.rows;
          Tile cS = bin::makeTile(Space::L0C, 0, f, {rows, tn});
          if (rt)
            setValid(s);
          product(cS, cl.q[steps[s].ord % 2], ~0ull, dqk,
                  valuesAreKeys ? cl.v[s % (kLag + 2)] : cl.k[s % 2], dqk, true,
                  rows, dqk, tn, p.ksS);
          if (s >= kSlots)
            for (int64_t v = 0; v < nv; ++v)
              E(xwait(Pipe::FIX, sFree(v)));
          // (Columns past the length stay stale: the vector cores mask them.)
          auto cols = [&](Tile t) {
            return rt ? withExtent(t, 1, kRegValid) : t;
          };
          E(makeInstr(Opcode::Fix,
                      {cols(gm(wsS + (uint64_t)(s % kSlots) * p.slotS, f,
                               {rows, tn}, {T, 1})),
                       cols(cS)},
                      {0}, k.scale));
          for (uint32_t vf : vecFlat)
            E(xset(Pipe::FIX, vf, kSReady));
        }
        if (s + 1 < N)
          loadTile(s + 1);
        if (s >= kLag) {
          int64_t u = s - kLag;
          const Item &it = items[steps[u].item];
          int64_t tn = steps[u].tn, rows = it.rows;
          for (int64_t v = 0; v < nv; ++v)
            E(xwait(Pipe::MTE2, pReady(v)));
          uint64_t pl1 = cl.p[(u % 2) * kPParts];
          uint64_t pl2 = kPParts == 2 ? cl.p[(u % 2) * kPParts + 1] : ~0ull;
          for (int64_t part = 0; part < kPParts; ++part)
            E(makeInstr(Opcode::DmaLd,
                        {tileAt(Space::L1, cl.p[(u % 2) * kPParts + part], sdt,
                                {rows, tn}, {tn, 1}),
                         gm(wsP + (uint64_t)(u % kSlots) * p.slotP +
                                (uint64_t)(part * p.rmax * T * es),
                            sdt, {rows, tn}, {T, 1})}));
          for (uint32_t vf : vecFlat)
            E(xset(Pipe::MTE2, vf, kPFree));
          Tile cPV = bin::makeTile(Space::L0C, cl.l0cPV, f, {rows, dv});
          // (A tile past the length leaves L0C stale: the vector cores then
          // add none of it.)
          if (rt)
            setValid(u);
          product(cPV, pl1, pl2, tn, cl.v[u % (kLag + 2)], dv, false, rows, tn,
                  dv, p.ksPV);
          if (u >= kSlots)
            for (int64_t v = 0; v < nv; ++v)
              E(xwait(Pipe::FIX, pvFree(v)));
          E(makeInstr(Opcode::Fix,
                      {gm(wsPV + (uint64_t)(u % kSlots) * p.slotPV, f,
                          {rows, dv}, {dv, 1}),
                       cPV},
                      {0}, 1.0f));
          for (uint32_t vf : vecFlat)
            E(xset(Pipe::FIX, vf, kPVReady));
        }
      }
      // The releases of the last two slots' uses: consumed, so the
      // counters end at zero.
      for (int64_t i = 0; i < std::min<int64_t>(N, kSlots); ++i)
        for (int64_t v = 0; v < nv; ++v) {
          E(xwait(Pipe::FIX, sFree(v)));
          E(xwait(Pipe::FIX, pvFree(v)));
        }
    }

    // ---- Its vector cores. ----
    // Decode: a cube core alone streams its keys at its own DRAM rate (32
    // B/cycle on dc), a tile at a time behind the scores of the one
    // before. Its vector cores, idle until the first scores, read the
    // filled part of its later tiles ahead into L2 (the first one the cube
    // loads itself): chunks of rows dealt round-robin, each clamped to the
    // run-time length, into UB past the kernel's buffers (never read; one
    // pipe, in order), as L2Prefetch.cpp does for weights.
    const uint64_t ubBytes = t_.space(Space::UB).bytes,
                   ubAlign = t_.space(Space::UB).align;
    const bool separateV = !valuesAreKeys;
    const int64_t rowBytes = (dqk + (separateV ? dv : 0)) * es;
    // (Less one alignment unit: the V rows start aligned after the K rows.)
    const int64_t aheadRows =
        t_.l2.present && ubBytes > vl.end + ubAlign
            ? std::min<int64_t>(64, (int64_t)(ubBytes - vl.end - ubAlign) /
                                        rowBytes)
            : 0;
    auto readAheadKeys = [&](int64_t v, const auto &E,
                             const std::vector<Step> &steps) {
      if (aheadRows == 0)
        return;
      int64_t chunk = 0;
      for (size_t s = 1; s < steps.size(); ++s) {
        const Item &it = items[steps[s].item];
        for (int64_t r0 = 0; r0 < steps[s].tn; r0 += aheadRows, ++chunk) {
          if (chunk % nv != v)
            continue;
          int64_t rows = std::min(aheadRows, steps[s].tn - r0);
          // rows past the length: clamp(L - t0 - r0, 0, rows).
          int64_t first = steps[s].t0 + r0;
          E(makeInstr(Opcode::SAdd, {}, {kRegValid, kRegLength, 0, -first}));
          E(makeInstr(Opcode::SMax, {}, {kRegValid, kRegValid, 0, 0}));
          E(makeInstr(Opcode::SMin, {}, {kRegValid, kRegValid, 0, rows}));
          // Each part's rows [first, first + rows) of the (b, g) head.
          auto ahead = [&](const GmView &view, int64_t c0, int64_t width,
                           int64_t pitch, uint64_t at) {
            E(makeInstr(Opcode::DmaLd,
                        {withExtent(columnsOf(tileAt(Space::UB, at, sdt,
                                                     {rows, pitch}, {pitch, 1}),
                                              c0, width),
                                    0, kRegValid),
                         withExtent(attentionBox(view, it.b, it.g, first, 0,
                                                 rows, width),
                                    0, kRegValid)}));
          };
          for (const AttentionPart &part : attentionParts(k.k, k.kTail))
            ahead(*part.view, part.c0, part.cols, dqk, vl.end);
          if (separateV)
            ahead(k.v, 0, dv, dv,
                  llvm::alignTo(vl.end + (uint64_t)(rows * dqk * es), ubAlign));
        }
      }
    };
    for (int64_t v = 0; v < nv; ++v) {
      uint32_t vcore = (uint32_t)(c * nv + v);
      auto E = [&](const Instr &in) {
        emit((uint32_t)p.vecType, vcore, in, k.name);
      };
      auto loc = [&](uint64_t off, DType dt, const std::vector<int64_t> &shape,
                     const std::vector<int64_t> &strides) {
        return tileAt(Space::UB, off, dt, shape, strides);
      };
      auto vec = [&](uint64_t off, int64_t n) { return loc(off, f, {n}, {1}); };
      auto col = [&](uint64_t off, int64_t n) {
        return loc(off, f, {n, 1}, {1, 1});
      };
      // This core's rows of an item: [r0, r1).
      auto share = [&](const Item &it, int64_t &r0, int64_t &r1) {
        r0 = rowSplit(it.rows, v, nv);
        r1 = rowSplit(it.rows, v + 1, nv);
      };
      E(makeInstr(Opcode::DmaLd,
                  {vec(vl.iota, iotaLen), gm(k.iotaAddr, f, {iotaLen}, {1})}));
      E(makeInstr(Opcode::VDup, {vec(vl.neg, 1)}, {},
                  -std::numeric_limits<float>::infinity()));
      auto S = [&](Opcode op, int64_t rd, int64_t ra, int64_t rb, int64_t imm) {
        E(makeInstr(op, {}, {rd, ra, rb, imm}));
      };
      // c = clamp(L - t0, 0, tn) and the column extent Dv if c > 0, else 0.
      auto setValid = [&](int64_t s) {
        int64_t t0 = steps[s].t0, tn = steps[s].tn;
        S(Opcode::SAdd, kRegValid, kRegLength, 0, -t0);
        S(Opcode::SMax, kRegValid, kRegValid, 0, 0);
        S(Opcode::SMin, kRegValid, kRegValid, 0, tn);
        S(Opcode::SMin, kRegCols, kRegValid, 0, 1);
        S(Opcode::SMul, kRegCols, kRegCols, 0, dv);
      };
      const int64_t low = k.causal ? std::max<int64_t>(sq, 1) : 1;
      if (rt && N > 0) {
        // L, once an earlier kernel's store of it has landed, checked to lie
        // in [low, capacity] (as the vector kernel does: two vdups whose
        // register extents are out of range otherwise), and as f32.
        E(makeInstr(Opcode::Barrier, {}, {bin::kBarrierAll}));
        E(makeInstr(Opcode::SLd, {}, {kRegLength, 0, (int64_t)k.kvLengthAddr}));
        std::string rule = k.name + ": kv_length (r" +
                           std::to_string(kRegLength) + ") must lie in [" +
                           std::to_string(low) + ", " + std::to_string(skv) +
                           "]";
        emit((uint32_t)p.vecType, vcore,
             makeInstr(Opcode::VDup,
                       {withExtent(loc(vl.chk, DType::U8, {skv}, {0}), 0,
                                   kRegLength)},
                       {}, 0.0f),
             rule);
        S(Opcode::SAdd, kRegCheck, kRegLength, 0, -low);
        emit((uint32_t)p.vecType, vcore,
             makeInstr(Opcode::VDup,
                       {withExtent(loc(vl.chk, DType::U8,
                                       {std::max<int64_t>(skv - low, 1)}, {0}),
                                   0, kRegCheck)},
                       {}, 0.0f),
             rule);
        Tile li = loc(vl.li, DType::I32, {1}, {1});
        E(makeInstr(Opcode::DmaLd,
                    {li, gm(k.kvLengthAddr, DType::I32, {1}, {1})}));
        E(makeInstr(Opcode::VCast, {vec(vl.lf, 1), li}, {0}));
        readAheadKeys(v, E, steps);
      }
      for (int64_t s = 0; s < N + kLag; ++s) {
        if (s < N) {
          const Item &it = items[steps[s].item];
          int64_t t0 = steps[s].t0, tn = steps[s].tn;
          int64_t ip = steps[s].ord % kSlots, r0, r1;
          share(it, r0, r1);
          int64_t rv = r1 - r0;
          E(xwait(Pipe::MTE2, kSReady));
          Tile sT = loc(vl.s[s % 2], f, {rv, tn}, {vl.tp, 1});
          if (rv > 0)
            E(makeInstr(Opcode::DmaLd,
                        {sT, gm(wsS + (uint64_t)(s % kSlots) * p.slotS +
                                    (uint64_t)(r0 * T * 4),
                                f, {rv, tn}, {T, 1})}));
          E(xset(Pipe::MTE2, cubeFlat, sFree(v)));
          if (rv > 0) {
            Tile m = vec(vl.m[ip], rv), l = vec(vl.l[ip], rv),
                 mt = vec(vl.mt, rv), al = vec(vl.al[s % kSlots], rv),
                 lt = vec(vl.lt, rv);
            if (steps[s].first) {
              E(makeInstr(Opcode::VDup, {m}, {}, -3.0e38f));
              E(makeInstr(Opcode::VDup, {l}, {}, 0.0f));
              if (k.causal || rt) {
                // Row (head h, query i0 + i) sees keys below
                // L - Sq + i0 + i + 1 (causal), L otherwise.
                int64_t base = k.causal ? it.i0 - sq + 1 : 0;
                Tile lb = loc(vl.lb, f, {1, 1}, {1, 1});
                Tile lim = loc(vl.lim[ip], f, {g, it.qn}, {it.qn, 1});
                if (rt)
                  E(makeInstr(Opcode::VAddS,
                              {lb, loc(vl.lf, f, {1, 1}, {1, 1})}, {},
                              (float)base));
                else
                  E(makeInstr(Opcode::VDup, {lb}, {}, (float)(skv + base)));
                if (k.causal)
                  E(makeInstr(
                      Opcode::VAdd,
                      {lim, loc(vl.iota, f, {1, it.qn}, {it.qn, 1}), lb}, {0}));
                else
                  E(makeInstr(Opcode::VAddS, {lim, lb}, {}, 0.0f));
              }
            }
            bool masked = rt || (k.causal && t0 + tn > it.i0 + 1 + skv - sq);
            if (masked) {
              E(makeInstr(
                  Opcode::VAddS,
                  {vec(vl.limT, rv), vec(vl.lim[ip] + (uint64_t)(r0 * 4), rv)},
                  {}, (float)-t0));
              Tile mk = loc(vl.mk, DType::U8, {rv, tn}, {vl.tp, 1});
              E(makeInstr(
                  Opcode::VCmp,
                  {mk, loc(vl.iota, f, {1, tn}, {tn, 1}), col(vl.limT, rv)},
                  {(int64_t)bin::CmpKind::LT}));
              E(makeInstr(Opcode::VSel,
                          {sT, mk, sT, loc(vl.neg, f, {1, 1}, {1, 1})}));
            }
            E(makeInstr(Opcode::VRedMax, {mt, sT}));
            E(makeInstr(Opcode::VMax, {mt, mt, m}, {0}));
            E(makeInstr(Opcode::VSub, {al, m, mt}, {0}));
            E(makeInstr(Opcode::VExp, {al, al}));
            E(makeInstr(Opcode::VAddS, {m, mt}, {}, 0.0f));
            E(makeInstr(Opcode::VSub, {sT, sT, col(vl.mt, rv)}, {0}));
            E(makeInstr(Opcode::VExp, {sT, sT}));
            E(makeInstr(Opcode::VRedSum, {lt, sT}));
            E(makeInstr(Opcode::VMul, {l, l, al}, {0}));
            E(makeInstr(Opcode::VAdd, {l, l, lt}, {0}));
            // P, or its high part, in the storage type.
            uint64_t hi = vl.p[kPParts == 2 ? 0 : s % 2];
            E(makeInstr(Opcode::VCast, {loc(hi, sdt, {rv, tn}, {vl.pp, 1}), sT},
                        {0}));
            if (kPParts == 2) {
              // lo = round(P - f32(hi)), the subtraction exact.
              for (int64_t c0 = 0; c0 < rv; c0 += p.tmpRows) {
                int64_t cr = std::min(p.tmpRows, rv - c0);
                Tile tmp = loc(vl.tmp, f, {cr, tn}, {vl.tp, 1});
                Tile part = loc(vl.s[s % 2] + (uint64_t)(c0 * vl.tp * 4), f,
                                {cr, tn}, {vl.tp, 1});
                E(makeInstr(Opcode::VCast,
                            {tmp, loc(hi + (uint64_t)(c0 * vl.pp * es), sdt,
                                      {cr, tn}, {vl.pp, 1})},
                            {0}));
                E(makeInstr(Opcode::VSub, {part, part, tmp}, {0}));
              }
              E(makeInstr(Opcode::VCast,
                          {loc(vl.p[1], sdt, {rv, tn}, {vl.pp, 1}), sT}, {0}));
            }
          }
          if (s >= kSlots)
            E(xwait(Pipe::MTE3, kPFree));
          for (int64_t part = 0; part < kPParts && rv > 0; ++part)
            E(makeInstr(Opcode::DmaSt,
                        {gm(wsP + (uint64_t)(s % kSlots) * p.slotP +
                                (uint64_t)((part * p.rmax + r0) * T * es),
                            sdt, {rv, tn}, {T, 1}),
                         loc(vl.p[kPParts == 2 ? part : s % 2], sdt, {rv, tn},
                             {vl.pp, 1})}));
          E(xset(Pipe::MTE3, cubeFlat, pReady(v)));
        }
        if (s >= kLag) {
          int64_t u = s - kLag;
          const Item &it = items[steps[u].item];
          int64_t ip = steps[u].ord % kSlots, r0, r1;
          share(it, r0, r1);
          int64_t rv = r1 - r0;
          E(xwait(Pipe::MTE2, kPVReady));
          Tile pv = loc(vl.pvb, f, {rv, dv}, {vl.pv, 1});
          Tile o = loc(vl.o, f, {rv, dv}, {vl.pv, 1});
          if (rv > 0)
            E(makeInstr(Opcode::DmaLd,
                        {pv, gm(wsPV + (uint64_t)(u % kSlots) * p.slotPV +
                                    (uint64_t)(r0 * dv * 4),
                                f, {rv, dv}, {dv, 1})}));
          E(xset(Pipe::MTE2, cubeFlat, pvFree(v)));
          if (rv == 0)
            continue;
          if (rt) {
            // A tile past the length adds nothing (its alpha is 1): its
            // P V slot was not written.
            setValid(u);
            if (steps[u].first)
              E(makeInstr(Opcode::VDup, {o}, {}, 0.0f));
            else
              E(makeInstr(Opcode::VMul, {o, o, col(vl.al[u % kSlots], rv)},
                          {0}));
            E(makeInstr(Opcode::VAdd,
                        {withExtent(o, 1, kRegCols), withExtent(o, 1, kRegCols),
                         withExtent(pv, 1, kRegCols)},
                        {0}));
          } else if (steps[u].first) {
            E(makeInstr(Opcode::VAddS, {o, pv}, {}, 0.0f));
          } else {
            E(makeInstr(Opcode::VMla, {o, o, col(vl.al[u % kSlots], rv), pv}));
          }
          if (!steps[u].last)
            continue;
          if (ns > 1) {
            // The partial result of this split: O, m and l, unnormalized.
            uint64_t blk = k.scratchAddr + (uint64_t)it.unit * blockBytes;
            E(makeInstr(
                Opcode::DmaSt,
                {gm(blk + (uint64_t)(r0 * dv * 4), f, {rv, dv}, {dv, 1}), o}));
            uint64_t mAt = blk + (uint64_t)(p.rmax * dv * 4);
            E(makeInstr(Opcode::DmaSt,
                        {gm(mAt + (uint64_t)(r0 * 4), f, {rv}, {1}),
                         vec(vl.m[ip], rv)}));
            E(makeInstr(Opcode::DmaSt,
                        {gm(mAt + (uint64_t)((p.rmax + r0) * 4), f, {rv}, {1}),
                         vec(vl.l[ip], rv)}));
            continue;
          }
          // out = O / l, cast, stored per query head.
          E(makeInstr(Opcode::VDiv, {o, o, col(vl.l[ip], rv)}, {0}));
          DType odt = k.out.dtype;
          int64_t oes = dtypeByteSize(odt);
          uint64_t src = vl.o;
          int64_t po = vl.pv;
          if (odt != f) {
            po = pitchOf(dv, oes);
            src = vl.pvb;
            E(makeInstr(Opcode::VCast, {loc(src, odt, {rv, dv}, {po, 1}), o},
                        {0}));
          }
          for (int64_t h = r0 / it.qn; h * it.qn < r1; ++h) {
            int64_t a0 = std::max(r0, h * it.qn),
                    a1 = std::min(r1, (h + 1) * it.qn);
            const std::vector<int64_t> &os = k.out.strides;
            uint64_t dst =
                k.out.addr + (uint64_t)((it.b * os[0] + (it.g * g + h) * os[1] +
                                         (it.i0 + (a0 - h * it.qn)) * os[2]) *
                                        oes);
            E(makeInstr(Opcode::DmaSt,
                        {gm(dst, odt, {a1 - a0, dv}, {os[2], 1}),
                         loc(src + (uint64_t)((a0 - r0) * po * oes), odt,
                             {a1 - a0, dv}, {po, 1})}));
          }
        }
      }
      for (int64_t i = 0; i < std::min<int64_t>(N, kSlots); ++i)
        E(xwait(Pipe::MTE3, kPFree));
    }
  }
  if (ns > 1)
    emitAttentionCombine(k, p.vecType, Space::UB, nItems, ns, p.qb, p.rmax,
                         blockBytes);
  return true;
}

} // namespace tessera::codegen
