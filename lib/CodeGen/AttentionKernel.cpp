//===- AttentionKernel.cpp - Flash attention on the vector cores ----------===//
//
// See AttentionKernel.h. A work item is (batch b, key/value head g, a block
// of qb queries); its R = G x qb rows are every query head of g's group
// (G = Hq / Hkv) for those queries, so one K/V tile load serves all of them
// (GQA and MLA's absorbed decode, where G = Hq and Hkv = 1). Per core, the
// work items it was given, each:
//
//   Qf[R, Dqk]   = f32(Q rows)                 acc = 0, m = -3e38, l = 0
//   per key tile t0 (T keys, K and V double-buffered in local memory):
//     Kf         = f32(K[t0 : t0+T])
//     S[r, :]    = rowsum(Kf * Qf[r])          (vmul + vredsum, per row)
//     S          = S * scale (+ mask tile)
//     S          = pos < limit[r] ? S : -inf   (causal / kv_length, with the
//                                               iota constant; vcmp + vsel)
//     mt         = max(m, rowmax(S));  alpha = exp(m - mt);  m = mt
//     S          = exp(S - m);  l = l * alpha + rowsum(S);  acc *= alpha
//     acc[r]    += sum over the tile's keys of S[r, j] * Vf[j]
//                                              (vmul by S's column, then a
//                                               halving tree of vadds)
//   out = acc / l, cast, stored.
//
// Scores and probabilities stay in local memory; the softmax is f32.
//
// A run-time kv_length L is read once per core (`sld`, after a `barrier ALL`
// so that an earlier kernel's store of it is complete) and checked: a
// `vdup` whose extent is L - low (low = 1, or Sq when causal) over a static
// size capacity - low fails in the simulator for any other L, naming the
// register's value. Per key tile the scalar unit computes c = clamp(L - t0,
// 0, T) (the last tile is not clamped above, a second check): the K and V
// loads, casts and score products take c as their row extent, the P.V
// products and sums an extent of Dv or 0 (c == 0), so a tile past L moves
// no bytes and costs a few small instructions. V's rows past c are zeroed
// (their probabilities are 0 but stale data could be inf).
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/AttentionKernel.h"

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

/// Elements per 64-byte row unit (local rows start 64-byte aligned).
int64_t pitchOf(int64_t n, DType dt) {
  int64_t per = 64 / dtypeByteSize(dt);
  return (n + per - 1) / per * per;
}

struct AttnShape {
  int64_t b, hq, sq, dqk, hkv, skv, dv, g;
};

/// Byte offsets of a work item's buffers in local memory.
struct AttnLayout {
  int64_t tp = 0, pq = 0, pv = 0, pk = 0, pvs = 0, pqs = 0, po = 0, pw = 0,
          pp = 0;
  // Matrix path: P = hi + lo, each in the storage type, for P.V (pf: hi
  // back in f32).
  uint64_t pb = 0, plo = 0, pf = 0;
  uint64_t qf = 0, qst = 0, acc = 0, s = 0, mk = 0, mf = 0, mst = 0;
  uint64_t m = 0, l = 0, mt = 0, al = 0, lt = 0, lim = 0, limT = 0;
  uint64_t neg = 0, lb = 0, li = 0, lf = 0, iota = 0, chk = 0;
  uint64_t kst = 0, kBytes = 0, vst = 0, vBytes = 0, w = 0, prod = 0;
  uint64_t ost = 0, end = 0;
};

AttnLayout layoutFor(const AttentionKernel &k, const AttnShape &sh, int64_t r,
                     int64_t t, uint64_t align, bool mat) {
  AttnLayout l;
  uint64_t at = 0;
  auto take = [&](uint64_t bytes) {
    uint64_t here = at;
    at = llvm::alignTo(at + std::max<uint64_t>(bytes, 1), align);
    return here;
  };
  DType f = DType::F32;
  l.tp = pitchOf(t, f);
  l.pq = pitchOf(sh.dqk, f);
  l.pv = pitchOf(sh.dv, f);
  l.pk = pitchOf(sh.dqk, k.k.dtype);
  l.pvs = pitchOf(sh.dv, k.v.dtype);
  l.pqs = pitchOf(sh.dqk, k.q.dtype);
  l.po = pitchOf(sh.dv, k.out.dtype);
  l.pw = std::max(l.pq, l.pv);
  auto es = [](DType d) { return (uint64_t)dtypeByteSize(d); };
  if (!mat)
    l.qf = take((uint64_t)(r * l.pq) * 4);
  if (k.q.dtype != f)
    l.qst = take((uint64_t)(r * l.pqs) * es(k.q.dtype));
  if (mat) {
    l.pp = pitchOf(t, k.k.dtype);
    l.pb = take((uint64_t)(r * l.pp) * es(k.k.dtype));
    l.plo = take((uint64_t)(r * l.pp) * es(k.k.dtype));
    l.pf = take((uint64_t)(r * l.tp) * 4);
  }
  l.acc = take((uint64_t)(r * l.pv) * 4);
  l.s = take((uint64_t)(r * l.tp) * 4);
  l.mk = take((uint64_t)(r * l.tp));
  if (k.hasMask) {
    l.mf = take((uint64_t)(r * l.tp) * 4);
    if (k.mask.dtype != f)
      l.mst = take((uint64_t)(r * l.tp) * es(k.mask.dtype));
  }
  for (uint64_t *v : {&l.m, &l.l, &l.mt, &l.al, &l.lt, &l.lim, &l.limT})
    *v = take((uint64_t)r * 4);
  l.neg = take(4);
  l.lb = take(4);
  l.li = take(4);
  l.lf = take(4);
  l.iota = take(std::max(AttentionKernel::kIotaLength, t) * 4);
  l.chk = take(1);
  l.kBytes = llvm::alignTo((uint64_t)(t * l.pk) * es(k.k.dtype), align);
  l.kst = take(2 * l.kBytes);
  l.vBytes = llvm::alignTo((uint64_t)(t * l.pvs) * es(k.v.dtype), align);
  if (k.valuesAreKeys()) {
    l.vst = l.kst;
    l.vBytes = l.kBytes;
  } else {
    l.vst = take(2 * l.vBytes);
  }
  if (!mat) {
    if (k.k.dtype != f || k.v.dtype != f)
      l.w = take((uint64_t)(t * l.pw) * 4);
    l.prod = take((uint64_t)(t * l.pw) * 4);
  }
  if (k.out.dtype != f)
    l.ost = take((uint64_t)(r * l.po) * es(k.out.dtype));
  l.end = at;
  return l;
}

/// A local tile of `shape` with explicit element strides.
Tile local(Space sp, uint64_t off, DType dt, const std::vector<int64_t> &shape,
           const std::vector<int64_t> &strides) {
  Tile t = bin::makeTile(sp, off, dt, shape);
  for (size_t i = 0; i < strides.size(); ++i)
    t.strides[i] = strides[i];
  return t;
}

/// The tile with dimension `dim` taking its extent from register `reg`.
Tile withExtent(Tile t, int dim, uint8_t reg) {
  t.extentDim = (int8_t)dim;
  t.extentReg = reg;
  return t;
}

} // namespace

std::vector<AttentionPart> attentionParts(const GmView &v, const GmView &tail) {
  int64_t d = v.shape[3];
  if (tail.shape.empty())
    return {{&v, 0, d}};
  int64_t t = tail.shape[3];
  return {{&v, 0, d - t}, {&tail, d - t, t}};
}

Tile attentionBox(const GmView &v, int64_t b, int64_t h, int64_t s,
                  int64_t heads, int64_t rows, int64_t cols) {
  uint64_t at =
      v.addr +
      (uint64_t)((b * v.strides[0] + h * v.strides[1] + s * v.strides[2]) *
                 (int64_t)dtypeByteSize(v.dtype));
  std::vector<int64_t> shape = {rows, cols},
                       strides = {v.strides[2], v.strides[3]};
  if (heads) {
    shape.insert(shape.begin(), heads);
    strides.insert(strides.begin(), v.strides[1]);
  }
  Tile t = bin::makeTile(Space::GM, at, v.dtype, shape);
  for (size_t i = 0; i < strides.size(); ++i)
    t.strides[i] = strides[i];
  return t;
}

GmView columnsOf(GmView v, int64_t cols) {
  v.shape[3] = cols;
  return v;
}

Tile columnsOf(Tile t, int64_t c0, int64_t cols) {
  int last = t.rank - 1;
  t.offset += (uint64_t)(c0 * t.strides[last] * t.elemBytes());
  t.shape[last] = cols;
  return t;
}

namespace {

/// The longest key tile of the vector-unit kernel (a multiple of the iota
/// constant's length).
constexpr int64_t kMaxKeyTile = 2 * AttentionKernel::kIotaLength;

// Scalar registers the kernel uses (r0 reads as zero).
constexpr uint8_t kRegLength = 1; // L
constexpr uint8_t kRegCheck = 2;  // L - low
constexpr uint8_t kRegValid = 3;  // c: valid keys of the current tile
constexpr uint8_t kRegRest = 4;   // T - c
constexpr uint8_t kRegCols = 5;   // Dv if c > 0, else 0

} // namespace

bool ProgramBuilder::addAttention(const AttentionKernel &k,
                                  std::string &error) {
  Space sp;
  int ct = vectorCoreType(sp, error);
  if (ct < 0)
    return false;
  auto fail = [&](const std::string &why) {
    error = "attention '" + k.name + "': " + why;
    return false;
  };
  if (k.q.rank() != 4 || k.k.rank() != 4 || k.v.rank() != 4 ||
      k.out.rank() != 4)
    return fail("query, key, value and result must be 4-D");
  // The result's rows may be strided (written straight into the merged
  // heads' [B, Sq, Hq, Dv] layout), each row contiguous.
  if (k.out.strides.size() != 4 || k.out.strides[3] != 1)
    return fail("the result's rows must be contiguous");
  for (const GmView *v : {&k.q, &k.k, &k.v})
    if (v->strides.size() != 4)
      return fail("query, key and value need a stride per dimension");
  // A tail gives the last columns of its operand, in the operand's type.
  auto badTail = [](const GmView &tail, const GmView &v) {
    return !tail.shape.empty() &&
           (tail.rank() != 4 || tail.strides.size() != 4 ||
            tail.dtype != v.dtype || tail.shape[3] <= 0 ||
            tail.shape[3] >= v.shape[3] ||
            !std::equal(tail.shape.begin(), tail.shape.begin() + 3,
                        v.shape.begin()));
  };
  if (badTail(k.qTail, k.q) || badTail(k.kTail, k.k))
    return fail("a query or key tail must be [B, H, S, Dt] of the operand's "
                "type with Dt below its head dim");
  AttnShape sh{k.q.shape[0], k.q.shape[1], k.q.shape[2], k.q.shape[3],
               k.k.shape[1], k.k.shape[2], k.v.shape[3], 1};
  if (sh.hkv <= 0 || sh.hq % sh.hkv != 0 || sh.skv <= 0)
    return fail("key/value heads must divide the query heads");
  sh.g = sh.hq / sh.hkv;
  // Prefill on separate cube and vector cores: the split (AttentionSplit.cpp).
  if (k.workspaceAddr != ~0ull) {
    AttentionSplitPlan plan;
    DType st = k.q.dtype;
    if ((st == DType::BF16 || st == DType::F16) && k.k.dtype == st &&
        k.v.dtype == st && t_.fractal(st) &&
        planAttentionSplit(t_, sh.b, sh.hq, sh.sq, sh.dqk, sh.hkv, sh.skv,
                           sh.dv, dtypeByteSize(st), k.causal, k.hasMask,
                           k.hasKvLength, plan) &&
        plan.workspaceBytes <= k.workspaceBytes &&
        (plan.splits == 1 || k.scratchAddr != ~0ull))
      return addAttentionSplit(k, plan, error);
  }
  if (k.hasKvLength && t_.scalar.registers <= kRegCols)
    return fail("the target has too few scalar registers");
  const int64_t iotaLen = AttentionKernel::kIotaLength;
  uint64_t cap = t_.space(sp).bytes, align = t_.space(sp).align;
  // Where the matrix engine shares the vector unit's local memory (edge),
  // Q K^T and P V run on it from there: S = Q . K^T reads the K tile
  // through a transposed view, P is cast to the storage type, and the
  // accumulator takes P . V in place (mmad accumulate). Scores still never
  // leave local memory. 16-bit storage only (the f32 fractal is slow).
  const target::CoreTypeDesc &cd = t_.coreTypes[ct];
  DType sdt = k.q.dtype;
  bool mat = cd.hasPipe(target::Pipe::M) && t_.spaceServes(sp, Space::L0A) &&
             t_.spaceServes(sp, Space::L0B) && t_.spaceServes(sp, Space::L0C) &&
             (sdt == DType::BF16 || sdt == DType::F16) && k.k.dtype == sdt &&
             k.v.dtype == sdt && t_.fractal(sdt);
  int64_t cores = t_.coreTypes[ct].count;

  // Queries per block: enough work items for the cores, at most 64 (and
  // the iota's length), fewer if the buffers do not fit.
  int64_t qb = std::min<int64_t>(sh.sq, 64);
  while (qb > 1 && sh.b * sh.hkv * ((sh.sq + qb - 1) / qb) < cores)
    qb = (qb + 1) / 2;
  int64_t tile = 0;
  AttnLayout lay;
  for (;;) {
    // The largest key tile that fits: each tile's loads end with one DMA
    // latency (the set_flag after them), which 128-key tiles paid about
    // once per 1.2 us of transfer on edge (Qwen2-1.5B's decode attention:
    // 117.9 us at most 128 keys, 95.2 at most 512, 87.6 at most 1024).
    // Past the iota constant's length the kernel extends it in local
    // memory.
    for (int64_t t : {1024, 512, 256, 128, 64, 32, 16, 8}) {
      if (t > kMaxKeyTile || (t > 8 && t / 2 >= sh.skv))
        continue;
      AttnLayout l = layoutFor(k, sh, sh.g * qb, t, align, mat);
      if (l.end <= cap) {
        tile = t;
        lay = l;
        break;
      }
    }
    if (tile || qb == 1)
      break;
    qb = (qb + 1) / 2;
  }
  if (!tile)
    return fail("head dims " + std::to_string(sh.dqk) + "/" +
                std::to_string(sh.dv) + " with " + std::to_string(sh.g) +
                " query heads per key/value head do not fit in " +
                target::spaceName(sp));

  int64_t blocks = (sh.sq + qb - 1) / qb;
  int64_t items = sh.b * sh.hkv * blocks;
  int64_t nTilesAll = (sh.skv + tile - 1) / tile;
  // Flash decoding: too few work items for the cores, and scratch for the
  // partial results: each item's keys are split over `ns` cores.
  int64_t ns = 1;
  if (k.scratchAddr != ~0ull && blocks * qb == sh.sq)
    ns = std::clamp<int64_t>(cores / items, 1,
                             std::min(AttentionKernel::kMaxSplits, nTilesAll));
  int64_t rmax = sh.g * qb;
  // Per (item, split): acc [rmax, Dv], then m [rmax], then l [rmax] (f32).
  uint64_t blockBytes = (uint64_t)(rmax * (sh.dv + 2) * 4);
  int64_t units = items * ns;
  int64_t used = std::max<int64_t>(1, std::min(units, cores));
  std::vector<CoreRef> coreRefs;
  for (int64_t c = 0; c < used; ++c)
    coreRefs.push_back({(uint32_t)ct, (uint32_t)c});
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
  if (k.hasMask)
    read(k.mask);
  regions.push_back({k.iotaAddr, k.iotaAddr + (uint64_t)iotaLen * 4, false});
  if (k.hasKvLength)
    regions.push_back({k.kvLengthAddr, k.kvLengthAddr + 4, false});
  if (ns > 1) {
    regions.push_back(
        {k.scratchAddr, k.scratchAddr + (uint64_t)units * blockBytes, true});
  } else {
    Region r{0, 0, true};
    k.out.byteRange(r.lo, r.hi);
    regions.push_back(r);
  }
  beginKernel(coreRefs, regions);

  const DType f = DType::F32;
  const bool needLimit = k.causal || k.hasKvLength;
  const int64_t low = k.causal ? std::max<int64_t>(sh.sq, 1) : 1;
  auto gm = [](uint64_t addr, DType dt, const std::vector<int64_t> &shape,
               const std::vector<int64_t> &strides) {
    Tile t = bin::makeTile(Space::GM, addr, dt, shape);
    for (size_t i = 0; i < strides.size(); ++i)
      t.strides[i] = strides[i];
    return t;
  };
  auto esOf = [](DType d) { return (int64_t)dtypeByteSize(d); };
  auto vec = [&](uint64_t off, int64_t n) {
    return local(sp, off, f, {n}, {1});
  };
  auto col = [&](uint64_t off, int64_t n) {
    return local(sp, off, f, {n, 1}, {1, 1});
  };

  for (int64_t c = 0; c < used; ++c) {
    uint32_t core = (uint32_t)c;
    auto E = [&](const Instr &in) { emit(ct, core, in, k.name); };
    auto S = [&](Opcode op, int64_t rd, int64_t ra, int64_t rb, int64_t imm) {
      E(makeInstr(op, {}, {rd, ra, rb, imm}));
    };
    // Once per core: the iota, -inf and the run-time length.
    E(makeInstr(Opcode::DmaLd,
                {vec(lay.iota, iotaLen), gm(k.iotaAddr, f, {iotaLen}, {1})}));
    for (int64_t at = iotaLen; at < tile; at += iotaLen) {
      int64_t n = std::min(iotaLen, tile - at);
      E(makeInstr(Opcode::VAddS,
                  {vec(lay.iota + (uint64_t)at * 4, n), vec(lay.iota, n)}, {},
                  (float)at));
    }
    E(makeInstr(Opcode::VDup, {vec(lay.neg, 1)}, {},
                -std::numeric_limits<float>::infinity()));
    if (k.hasKvLength) {
      E(makeInstr(Opcode::Barrier, {}, {bin::kBarrierAll}));
      E(makeInstr(Opcode::SLd, {}, {kRegLength, 0, (int64_t)k.kvLengthAddr}));
      // L must lie in [low, capacity]: two vdups of extents L (at most
      // the capacity) and L - low (at least 0) fail in the simulator
      // otherwise, naming the register's value and (in their debug
      // location) the rule.
      std::string rule = k.name + ": kv_length (r" +
                         std::to_string(kRegLength) + ") must lie in [" +
                         std::to_string(low) + ", " + std::to_string(sh.skv) +
                         "]";
      Tile chk = local(sp, lay.chk, DType::U8, {sh.skv}, {0});
      emit(ct, core,
           makeInstr(Opcode::VDup, {withExtent(chk, 0, kRegLength)}, {}, 0.0f),
           rule);
      S(Opcode::SAdd, kRegCheck, kRegLength, 0, -low);
      Tile chk2 = local(sp, lay.chk, DType::U8,
                        {std::max<int64_t>(sh.skv - low, 1)}, {0});
      emit(ct, core,
           makeInstr(Opcode::VDup, {withExtent(chk2, 0, kRegCheck)}, {}, 0.0f),
           rule);
      Tile li = local(sp, lay.li, DType::I32, {1}, {1});
      E(makeInstr(Opcode::DmaLd,
                  {li, gm(k.kvLengthAddr, DType::I32, {1}, {1})}));
      E(makeInstr(Opcode::VCast, {vec(lay.lf, 1), li}, {0}));
    }
    int64_t first = units * c / used, last = units * (c + 1) / used;
    int64_t tileNo = 0; // double buffers carry on across work items
    for (int64_t unit = first; unit < last; ++unit) {
      int64_t item = unit / ns, split = unit % ns;
      int64_t blk = item % blocks, bg = item / blocks;
      int64_t g = bg % sh.hkv, b = bg / sh.hkv;
      int64_t i0 = blk * qb, qn = std::min(qb, sh.sq - i0);
      int64_t rows = sh.g * qn;
      // Q rows [G, qn, Dqk] of heads g*G.. -> Qf [rows, Dqk].
      {
        Tile qf = local(sp, lay.qf, f, {rows, sh.dqk}, {lay.pq, 1});
        Tile dst = k.q.dtype == f && !mat
                       ? local(sp, lay.qf, f, {sh.g, qn, sh.dqk},
                               {qn * lay.pq, lay.pq, 1})
                       : local(sp, lay.qst, k.q.dtype, {sh.g, qn, sh.dqk},
                               {qn * lay.pqs, lay.pqs, 1});
        for (const AttentionPart &part : attentionParts(k.q, k.qTail))
          E(makeInstr(Opcode::DmaLd, {columnsOf(dst, part.c0, part.cols),
                                      attentionBox(*part.view, b, g * sh.g, i0,
                                                   sh.g, qn, part.cols)}));
        if (!mat && k.q.dtype != f) {
          E(makeInstr(
              Opcode::VCast,
              {qf, local(sp, lay.qst, k.q.dtype, {rows, sh.dqk}, {lay.pqs, 1})},
              {0}));
        }
      }
      Tile acc = local(sp, lay.acc, f, {rows, sh.dv}, {lay.pv, 1});
      E(makeInstr(Opcode::VDup, {acc}, {}, 0.0f));
      E(makeInstr(Opcode::VDup, {vec(lay.m, rows)}, {}, -3.0e38f));
      E(makeInstr(Opcode::VDup, {vec(lay.l, rows)}, {}, 0.0f));
      // Row r = (head hl, query i0 + ii) sees key positions below
      // lim[r] = L + (i0 + ii - Sq + 1) when causal, L otherwise.
      int64_t base = k.causal ? i0 - sh.sq + 1 : 0;
      if (needLimit) {
        Tile lb = local(sp, lay.lb, f, {1, 1}, {1, 1});
        if (k.hasKvLength)
          E(makeInstr(Opcode::VAddS, {lb, local(sp, lay.lf, f, {1, 1}, {1, 1})},
                      {}, (float)base));
        else
          E(makeInstr(Opcode::VDup, {lb}, {}, (float)(sh.skv + base)));
        Tile lim = local(sp, lay.lim, f, {sh.g, qn}, {qn, 1});
        if (k.causal)
          E(makeInstr(Opcode::VAdd,
                      {lim, local(sp, lay.iota, f, {1, qn}, {qn, 1}), lb},
                      {0}));
        else
          E(makeInstr(Opcode::VAddS, {lim, lb}, {}, 0.0f));
      }
      // The last key any row of the block sees (static lengths).
      int64_t lastKey = k.causal ? i0 + qn - 1 + sh.skv - sh.sq : sh.skv - 1;
      int64_t nTiles = nTilesAll;
      for (int64_t n = split * nTilesAll / ns; n < (split + 1) * nTilesAll / ns;
           ++n) {
        int64_t t0 = n * tile, tn = std::min(tile, sh.skv - t0);
        if (!k.hasKvLength && t0 > lastKey)
          break;
        bool rt = k.hasKvLength;
        bool masked = rt || (k.causal && t0 + tn > i0 + 1 + sh.skv - sh.sq);
        if (rt) {
          // c = clamp(L - t0, 0, tn) (the last tile: not clamped above).
          S(Opcode::SAdd, kRegValid, kRegLength, 0, -t0);
          S(Opcode::SMax, kRegValid, kRegValid, 0, 0);
          if (n + 1 < nTiles)
            S(Opcode::SMin, kRegValid, kRegValid, 0, tn);
          S(Opcode::SSub, kRegRest, 0, kRegValid, -tn);
          S(Opcode::SMin, kRegCols, kRegValid, 0, 1);
          S(Opcode::SMul, kRegCols, kRegCols, 0, sh.dv);
        }
        auto rows0 = [&](Tile t) {
          return rt ? withExtent(t, 0, kRegValid) : t;
        };
        auto colsV = [&](Tile t) {
          return rt ? withExtent(t, 1, kRegCols) : t;
        };
        uint64_t kb = lay.kst + (uint64_t)(tileNo % 2) * lay.kBytes;
        uint64_t vb = lay.vst + (uint64_t)(tileNo % 2) * lay.vBytes;
        ++tileNo;
        Tile kDst = local(sp, kb, k.k.dtype, {tn, sh.dqk}, {lay.pk, 1});
        for (const AttentionPart &part : attentionParts(k.k, k.kTail))
          E(makeInstr(
              Opcode::DmaLd,
              {rows0(columnsOf(kDst, part.c0, part.cols)),
               rows0(attentionBox(*part.view, b, g, t0, 0, tn, part.cols))}));
        // (V that is K is already here: MLA's latent cache, read once.)
        if (!k.valuesAreKeys())
          E(makeInstr(
              Opcode::DmaLd,
              {rows0(local(sp, vb, k.v.dtype, {tn, sh.dv}, {lay.pvs, 1})),
               rows0(attentionBox(k.v, b, g, t0, 0, tn, sh.dv))}));
        // Scores.
        if (mat) {
          Tile c = local(sp, lay.s, f, {rows, tn}, {lay.tp, 1});
          Tile qa = local(sp, lay.qst, sdt, {rows, sh.dqk}, {lay.pqs, 1});
          Tile kt = local(sp, kb, sdt, {sh.dqk, tn}, {1, lay.pk});
          if (rt) {
            c = withExtent(c, 1, kRegValid);
            kt = withExtent(kt, 1, kRegValid);
          }
          E(makeInstr(Opcode::Mmad, {c, qa, kt}, {0}));
        }
        Tile kf = local(sp, kb, f, {tn, sh.dqk}, {lay.pk, 1});
        if (!mat && k.k.dtype != f) {
          kf = local(sp, lay.w, f, {tn, sh.dqk}, {lay.pq, 1});
          E(makeInstr(Opcode::VCast,
                      {rows0(kf), rows0(local(sp, kb, k.k.dtype, {tn, sh.dqk},
                                              {lay.pk, 1}))},
                      {0}));
        }
        Tile prodK = local(sp, lay.prod, f, {tn, sh.dqk}, {lay.pq, 1});
        for (int64_t r = 0; r < rows && !mat; ++r) {
          Tile qrow = local(sp, lay.qf + (uint64_t)(r * lay.pq * 4), f,
                            {1, sh.dqk}, {lay.pq, 1});
          E(makeInstr(Opcode::VMul, {rows0(prodK), rows0(kf), qrow}, {0}));
          E(makeInstr(Opcode::VRedSum,
                      {rows0(local(sp, lay.s + (uint64_t)(r * lay.tp * 4), f,
                                   {tn}, {1})),
                       rows0(prodK)}));
        }
        Tile s = local(sp, lay.s, f, {rows, tn}, {lay.tp, 1});
        if (k.scale != 1.0f)
          E(makeInstr(Opcode::VMulS, {s, s}, {}, k.scale));
        if (k.hasMask) {
          int64_t es = esOf(k.mask.dtype);
          const auto &ms = k.mask.strides;
          uint64_t a = k.mask.addr + (uint64_t)((b * ms[0] + g * sh.g * ms[1] +
                                                 i0 * ms[2] + t0 * ms[3]) *
                                                es);
          Tile src = gm(a, k.mask.dtype, {sh.g, qn, tn}, {ms[1], ms[2], ms[3]});
          Tile mf3 =
              local(sp, lay.mf, f, {sh.g, qn, tn}, {qn * lay.tp, lay.tp, 1});
          if (k.mask.dtype == f) {
            E(makeInstr(Opcode::DmaLd, {mf3, src}));
          } else {
            Tile st = local(sp, lay.mst, k.mask.dtype, {sh.g, qn, tn},
                            {qn * lay.tp, lay.tp, 1});
            E(makeInstr(Opcode::DmaLd, {st, src}));
            E(makeInstr(Opcode::VCast, {mf3, st}, {0}));
          }
          E(makeInstr(Opcode::VAdd,
                      {s, s, local(sp, lay.mf, f, {rows, tn}, {lay.tp, 1})},
                      {0}));
        }
        if (needLimit && masked) {
          E(makeInstr(Opcode::VAddS, {vec(lay.limT, rows), vec(lay.lim, rows)},
                      {}, (float)-t0));
          Tile mk = local(sp, lay.mk, DType::U8, {rows, tn}, {lay.tp, 1});
          E(makeInstr(Opcode::VCmp,
                      {mk, local(sp, lay.iota, f, {1, tn}, {tn, 1}),
                       col(lay.limT, rows)},
                      {(int64_t)bin::CmpKind::LT}));
          E(makeInstr(Opcode::VSel,
                      {s, mk, s, local(sp, lay.neg, f, {1, 1}, {1, 1})}));
        }
        // Online softmax.
        Tile m = vec(lay.m, rows), mt = vec(lay.mt, rows),
             al = vec(lay.al, rows), l = vec(lay.l, rows),
             lt = vec(lay.lt, rows);
        E(makeInstr(Opcode::VRedMax, {mt, s}));
        E(makeInstr(Opcode::VMax, {mt, mt, m}, {0}));
        E(makeInstr(Opcode::VSub, {al, m, mt}, {0}));
        E(makeInstr(Opcode::VExp, {al, al}));
        E(makeInstr(Opcode::VAddS, {m, mt}, {}, 0.0f));
        E(makeInstr(Opcode::VSub, {s, s, col(lay.mt, rows)}, {0}));
        E(makeInstr(Opcode::VExp, {s, s}));
        E(makeInstr(Opcode::VRedSum, {lt, s}));
        E(makeInstr(Opcode::VMul, {l, l, al}, {0}));
        E(makeInstr(Opcode::VAdd, {l, l, lt}, {0}));
        E(makeInstr(Opcode::VMul, {acc, acc, col(lay.al, rows)}, {0}));
        // P V.
        if (mat) {
          // P in 16 bits alone cost the tiny DeepSeek-V2-Lite's logits
          // their cosine (0.9973 against 0.9992 with P V in f32 on the
          // vector unit): P V takes P's rounding residual in a second
          // product, ~16 significant bits for one more pass over V.
          Tile pb = local(sp, lay.pb, sdt, {rows, tn}, {lay.pp, 1});
          Tile plo = local(sp, lay.plo, sdt, {rows, tn}, {lay.pp, 1});
          Tile pf = local(sp, lay.pf, f, {rows, tn}, {lay.tp, 1});
          E(makeInstr(Opcode::VCast, {pb, s}, {0}));
          E(makeInstr(Opcode::VCast, {pf, pb}, {0}));
          E(makeInstr(Opcode::VSub, {pf, s, pf}, {0}));
          E(makeInstr(Opcode::VCast, {plo, pf}, {0}));
          Tile vt = local(sp, vb, sdt, {tn, sh.dv}, {lay.pvs, 1});
          if (rt) {
            pb = withExtent(pb, 1, kRegValid);
            plo = withExtent(plo, 1, kRegValid);
            vt = withExtent(vt, 0, kRegValid);
          }
          E(makeInstr(Opcode::Mmad, {acc, pb, vt}, {1}));
          E(makeInstr(Opcode::Mmad, {acc, plo, vt}, {1}));
          continue;
        }
        Tile vf = local(sp, vb, f, {tn, sh.dv}, {lay.pvs, 1});
        if (k.v.dtype != f) {
          vf = local(sp, lay.w, f, {tn, sh.dv}, {lay.pv, 1});
          E(makeInstr(Opcode::VCast,
                      {rows0(vf), rows0(local(sp, vb, k.v.dtype, {tn, sh.dv},
                                              {lay.pvs, 1}))},
                      {0}));
        }
        int64_t vp = vf.strides[0];
        if (rt) {
          // Rows [c, tn) of V: zero (their weights are 0; stale data
          // could be inf).
          Tile rest = withExtent(vf, 0, kRegRest);
          rest.numTerms = 1;
          rest.terms[0] = {kRegValid, vp * 4};
          E(makeInstr(Opcode::VDup, {rest}, {}, 0.0f));
        }
        for (int64_t r = 0; r < rows; ++r) {
          Tile prod = local(sp, lay.prod, f, {tn, sh.dv}, {lay.pv, 1});
          Tile pcol =
              local(sp, lay.s + (uint64_t)(r * lay.tp * 4), f, {tn, 1}, {1, 1});
          E(makeInstr(Opcode::VMul, {colsV(prod), colsV(vf), pcol}, {0}));
          for (int64_t cnt = tn; cnt > 1;) {
            int64_t h = cnt / 2;
            Tile lo = local(sp, lay.prod, f, {h, sh.dv}, {lay.pv, 1});
            Tile hi = local(sp, lay.prod + (uint64_t)((cnt - h) * lay.pv * 4),
                            f, {h, sh.dv}, {lay.pv, 1});
            E(makeInstr(Opcode::VAdd, {colsV(lo), colsV(lo), colsV(hi)}, {0}));
            cnt -= h;
          }
          Tile arow = local(sp, lay.acc + (uint64_t)(r * lay.pv * 4), f,
                            {1, sh.dv}, {lay.pv, 1});
          Tile p0 = local(sp, lay.prod, f, {1, sh.dv}, {lay.pv, 1});
          E(makeInstr(Opcode::VAdd, {colsV(arow), colsV(arow), colsV(p0)},
                      {0}));
        }
      }
      if (ns > 1) {
        // The partial result of this split: acc, m and l, unnormalized.
        uint64_t blk = k.scratchAddr + (uint64_t)unit * blockBytes;
        E(makeInstr(Opcode::DmaSt,
                    {gm(blk, f, {rows, sh.dv}, {sh.dv, 1}), acc}));
        uint64_t mAt = blk + (uint64_t)(rmax * sh.dv * 4);
        E(makeInstr(Opcode::DmaSt,
                    {gm(mAt, f, {rows}, {1}), vec(lay.m, rows)}));
        E(makeInstr(
            Opcode::DmaSt,
            {gm(mAt + (uint64_t)rmax * 4, f, {rows}, {1}), vec(lay.l, rows)}));
        continue;
      }
      // out = acc / l.
      E(makeInstr(Opcode::VDiv, {acc, acc, col(lay.l, rows)}, {0}));
      {
        int64_t es = esOf(k.out.dtype);
        const std::vector<int64_t> &os = k.out.strides;
        uint64_t a =
            k.out.addr +
            (uint64_t)((b * os[0] + g * sh.g * os[1] + i0 * os[2]) * es);
        Tile dst = gm(a, k.out.dtype, {sh.g, qn, sh.dv}, {os[1], os[2], 1});
        if (k.out.dtype == f) {
          E(makeInstr(Opcode::DmaSt,
                      {dst, local(sp, lay.acc, f, {sh.g, qn, sh.dv},
                                  {qn * lay.pv, lay.pv, 1})}));
        } else {
          E(makeInstr(
              Opcode::VCast,
              {local(sp, lay.ost, k.out.dtype, {rows, sh.dv}, {lay.po, 1}),
               acc},
              {0}));
          E(makeInstr(Opcode::DmaSt,
                      {dst, local(sp, lay.ost, k.out.dtype, {sh.g, qn, sh.dv},
                                  {qn * lay.po, lay.po, 1})}));
        }
      }
    }
  }
  if (ns > 1)
    emitAttentionCombine(k, ct, sp, items, ns, qb, rmax, blockBytes);
  return true;
}

// The combine of a split attention: per work item, over a chunk of the
// value columns on each core,
//   M = max_s m_s,  w_s = exp(m_s - M),  out = sum_s w_s acc_s / sum_s w_s l_s
// with the maxima and sums over the splits as halving trees of vmax / vadd.
void ProgramBuilder::emitAttentionCombine(const AttentionKernel &k, int ct,
                                          Space sp, int64_t items, int64_t ns,
                                          int64_t qb, int64_t rmax,
                                          uint64_t blockBytes) {
  const DType f = DType::F32;
  int64_t hq = k.q.shape[1], sq = k.q.shape[2], hkv = k.k.shape[1];
  int64_t dv = k.v.shape[3], g = hq / hkv;
  int64_t blocks = sq / qb;
  int64_t cores = t_.coreTypes[ct].count;
  uint64_t align = t_.space(sp).align;
  // Column chunks (multiples of 16) so that every core gets a job.
  int64_t chunks = std::clamp<int64_t>(cores / items, 1, (dv + 15) / 16);
  int64_t cw = ((dv + chunks - 1) / chunks + 15) / 16 * 16;
  chunks = (dv + cw - 1) / cw;
  int64_t jobs = items * chunks;
  int64_t used = std::min(jobs, cores);
  int64_t pr = pitchOf(rmax, f), pc = pitchOf(cw, f),
          po = pitchOf(cw, k.out.dtype);
  uint64_t at = 0;
  auto take = [&](uint64_t bytes) {
    uint64_t here = at;
    at = llvm::alignTo(at + std::max<uint64_t>(bytes, 1), align);
    return here;
  };
  uint64_t mAll = take((uint64_t)(ns * pr) * 4), lAll = take(ns * pr * 4),
           w = take(ns * pr * 4), tree = take(ns * pr * 4), den = take(pr * 4),
           o = take(rmax * pc * 4), ost = take(rmax * po * 4);
  // The partial results arrive `nb` splits per load (double-buffered, as
  // many as fit): one split per load paid a DMA latency for a few vector
  // repeats of work.
  uint64_t aBytes = (uint64_t)(rmax * pc * 4);
  uint64_t room = t_.space(sp).bytes > at ? t_.space(sp).bytes - at : 0;
  int64_t nb = std::clamp<int64_t>((int64_t)(room / (2 * aBytes)), 1, ns);
  uint64_t a0 = take(2 * (uint64_t)nb * aBytes);
  std::vector<CoreRef> refs;
  for (int64_t c = 0; c < used; ++c)
    refs.push_back({(uint32_t)ct, (uint32_t)c});
  std::vector<Region> regions;
  regions.push_back({k.scratchAddr,
                     k.scratchAddr + (uint64_t)(items * ns) * blockBytes,
                     false});
  Region w0{0, 0, true};
  k.out.byteRange(w0.lo, w0.hi);
  regions.push_back(w0);
  beginKernel(refs, regions);
  auto loc = [&](uint64_t off, DType dt, const std::vector<int64_t> &shape,
                 const std::vector<int64_t> &strides) {
    return local(sp, off, dt, shape, strides);
  };
  auto gmt = [](uint64_t addr, DType dt, const std::vector<int64_t> &shape,
                const std::vector<int64_t> &strides) {
    Tile t = bin::makeTile(Space::GM, addr, dt, shape);
    for (size_t i = 0; i < strides.size(); ++i)
      t.strides[i] = strides[i];
    return t;
  };
  int64_t bs = (int64_t)blockBytes / 4; // block stride in f32 elements
  for (int64_t c = 0; c < used; ++c) {
    uint32_t core = (uint32_t)c;
    auto E = [&](const Instr &in) { emit(ct, core, in, k.name); };
    int64_t first = jobs * c / used, last = jobs * (c + 1) / used;
    int64_t buf = 0;
    for (int64_t job = first; job < last; ++job) {
      int64_t item = job / chunks, ch = job % chunks;
      int64_t c0 = ch * cw, cn = std::min(cw, dv - c0);
      int64_t blk = item % blocks, bg = item / blocks;
      int64_t gi = bg % hkv, b = bg / hkv;
      int64_t i0 = blk * qb, qn = qb, rows = g * qn;
      uint64_t base = k.scratchAddr + (uint64_t)(item * ns) * blockBytes;
      uint64_t mOff = base + (uint64_t)(rmax * dv * 4);
      E(makeInstr(Opcode::DmaLd, {loc(mAll, f, {ns, rows}, {pr, 1}),
                                  gmt(mOff, f, {ns, rows}, {bs, 1})}));
      E(makeInstr(Opcode::DmaLd,
                  {loc(lAll, f, {ns, rows}, {pr, 1}),
                   gmt(mOff + (uint64_t)rmax * 4, f, {ns, rows}, {bs, 1})}));
      // M = max over the splits (rows of mAll), by a halving tree.
      E(makeInstr(Opcode::VAddS,
                  {loc(tree, f, {ns, rows}, {pr, 1}),
                   loc(mAll, f, {ns, rows}, {pr, 1})},
                  {}, 0.0f));
      auto halve = [&](Opcode op) {
        for (int64_t cnt = ns; cnt > 1;) {
          int64_t h = cnt / 2;
          Tile lo = loc(tree, f, {h, rows}, {pr, 1});
          Tile hi =
              loc(tree + (uint64_t)((cnt - h) * pr * 4), f, {h, rows}, {pr, 1});
          E(makeInstr(op, {lo, lo, hi}, {0}));
          cnt -= h;
        }
      };
      halve(Opcode::VMax);
      Tile wt = loc(w, f, {ns, rows}, {pr, 1});
      E(makeInstr(Opcode::VSub,
                  {wt, loc(mAll, f, {ns, rows}, {pr, 1}),
                   loc(tree, f, {1, rows}, {pr, 1})},
                  {0}));
      E(makeInstr(Opcode::VExp, {wt, wt}));
      // den = sum_s w_s l_s.
      E(makeInstr(Opcode::VMul,
                  {loc(tree, f, {ns, rows}, {pr, 1}), wt,
                   loc(lAll, f, {ns, rows}, {pr, 1})},
                  {0}));
      halve(Opcode::VAdd);
      E(makeInstr(Opcode::VAddS,
                  {loc(den, f, {rows}, {1}), loc(tree, f, {rows}, {1})}, {},
                  0.0f));
      Tile ot = loc(o, f, {rows, cn}, {pc, 1});
      E(makeInstr(Opcode::VDup, {ot}, {}, 0.0f));
      for (int64_t s0 = 0; s0 < ns; s0 += nb) {
        int64_t cnt = std::min(nb, ns - s0);
        uint64_t at0 = a0 + (uint64_t)(buf++ % 2) * (uint64_t)nb * aBytes;
        auto parts = [&](int64_t first, int64_t n) {
          return loc(at0 + (uint64_t)first * aBytes, f, {n, rows, cn},
                     {rmax * pc, pc, 1});
        };
        E(makeInstr(Opcode::DmaLd,
                    {parts(0, cnt),
                     gmt(base + (uint64_t)s0 * blockBytes + (uint64_t)c0 * 4, f,
                         {cnt, rows, cn}, {bs, dv, 1})}));
        E(makeInstr(
            Opcode::VMul,
            {parts(0, cnt), parts(0, cnt),
             loc(w + (uint64_t)(s0 * pr * 4), f, {cnt, rows, 1}, {pr, 1, 1})},
            {0}));
        // Their sum by a halving tree, then into the output.
        for (int64_t n = cnt; n > 1;) {
          int64_t h = n / 2;
          E(makeInstr(Opcode::VAdd, {parts(0, h), parts(0, h), parts(n - h, h)},
                      {0}));
          n -= h;
        }
        E(makeInstr(Opcode::VAdd, {ot, ot, loc(at0, f, {rows, cn}, {pc, 1})},
                    {0}));
      }
      E(makeInstr(Opcode::VDiv, {ot, ot, loc(den, f, {rows, 1}, {1, 1})}, {0}));
      int64_t es = dtypeByteSize(k.out.dtype);
      const std::vector<int64_t> &os = k.out.strides;
      uint64_t a =
          k.out.addr +
          (uint64_t)((b * os[0] + gi * g * os[1] + i0 * os[2] + c0) * es);
      Tile dst = gmt(a, k.out.dtype, {g, qn, cn}, {os[1], os[2], 1});
      if (k.out.dtype == f) {
        E(makeInstr(Opcode::DmaSt,
                    {dst, loc(o, f, {g, qn, cn}, {qn * pc, pc, 1})}));
      } else {
        E(makeInstr(Opcode::VCast,
                    {loc(ost, k.out.dtype, {rows, cn}, {po, 1}), ot}, {0}));
        E(makeInstr(Opcode::DmaSt, {dst, loc(ost, k.out.dtype, {g, qn, cn},
                                             {qn * po, po, 1})}));
      }
    }
  }
}

} // namespace tessera::codegen
