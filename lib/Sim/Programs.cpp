//===- Programs.cpp - Hand-tiled GEMM and streaming-copy programs ---------===//
#include "tessera/Sim/Programs.h"

#include <algorithm>
#include <array>
#include <map>

namespace tessera::sim {

using bin::Instr;
using bin::Layout;
using bin::Opcode;
using bin::Tile;
using target::Pipe;
using target::Space;

static Instr setFlag(Pipe a, Pipe b, int64_t id) {
  return makeInstr(Opcode::SetFlag, {}, {(int64_t)a, (int64_t)b, id});
}
static Instr waitFlag(Pipe a, Pipe b, int64_t id) {
  return makeInstr(Opcode::WaitFlag, {}, {(int64_t)a, (int64_t)b, id});
}

/// Appends, before the stream's end, a wait for every flag set more often
/// than it is waited for (the loops above skip the waits of the buffers'
/// first uses), so the program ends with no flag set, as the simulator
/// requires.
static void drainFlags(std::vector<Instr> &ins) {
  std::map<std::array<int64_t, 3>, int64_t> balance;
  for (const Instr &in : ins)
    if (in.op == Opcode::SetFlag || in.op == Opcode::WaitFlag)
      balance[{in.ints[0], in.ints[1], in.ints[2]}] +=
          in.op == Opcode::SetFlag ? 1 : -1;
  for (const auto &[key, n] : balance)
    for (int64_t i = 0; i < n; ++i)
      ins.push_back(waitFlag((Pipe)key[0], (Pipe)key[1], key[2]));
}

/// A 2-D tile of a row-major GM matrix with `ld` columns.
static Tile gmTile(uint64_t base, DType dt, int64_t r0, int64_t c0,
                   int64_t rows, int64_t cols, int64_t ld) {
  Tile t = bin::makeTile(Space::GM,
                         base + (uint64_t)((r0 * ld + c0) * dtypeByteSize(dt)),
                         dt, {rows, cols});
  t.strides[0] = ld;
  t.strides[1] = 1;
  return t;
}

bool buildGemmProgram(const target::TargetDesc &t, const GemmConfig &cfg,
                      bin::Program &p, std::string &error) {
  int coreType = -1;
  for (size_t i = 0; i < t.coreTypes.size(); ++i) {
    const auto &ct = t.coreTypes[i];
    if (ct.hasPipe(Pipe::M) && ct.hasPipe(Pipe::MTE1) &&
        ct.hasSpace(Space::L1) && ct.hasSpace(Space::L0A) &&
        ct.hasSpace(Space::L0B) && ct.hasSpace(Space::L0C)) {
      coreType = (int)i;
      break;
    }
  }
  if (coreType < 0) {
    error = "target '" + t.name +
            "' has no core with L1, L0A, L0B, L0C and pipes MTE1 and M";
    return false;
  }
  const DType dt = cfg.dtype;
  const int64_t es = dtypeByteSize(dt);
  if (cfg.m % cfg.tileM || cfg.n % cfg.tileN || cfg.k % cfg.chunkK ||
      cfg.chunkK % cfg.stepK || cfg.tileM % 16 || cfg.tileN % 16) {
    error = "GEMM dimensions must be multiples of the tile sizes";
    return false;
  }
  const int64_t aChunk = cfg.tileM * cfg.chunkK * es;
  const int64_t bChunk = cfg.chunkK * cfg.tileN * es;
  const int64_t aStep = cfg.tileM * cfg.stepK * es;
  const int64_t bStep = cfg.stepK * cfg.tileN * es;
  const int64_t cBytes = cfg.tileM * cfg.tileN * 4;
  if (2 * (aChunk + bChunk) > (int64_t)t.space(Space::L1).bytes ||
      2 * aStep > (int64_t)t.space(Space::L0A).bytes ||
      2 * bStep > (int64_t)t.space(Space::L0B).bytes ||
      cBytes > (int64_t)t.space(Space::L0C).bytes) {
    error = "GEMM tiles do not fit (double-buffered) in L1/L0A/L0B/L0C";
    return false;
  }
  uint32_t cores = cfg.cores ? cfg.cores : t.coreTypes[coreType].count;
  cores = std::min(cores, t.coreTypes[coreType].count);

  const uint64_t aBase = 0, bBase = aBase + cfg.m * cfg.k * es,
                 cBase = bBase + cfg.k * cfg.n * es;
  p = bin::Program();
  p.name = "gemm";
  bin::setTarget(p, t);
  p.gmBytes = cBase + cfg.m * cfg.n * es;
  p.io.push_back({"a", false, dt, {cfg.m, cfg.k}, aBase, Layout::ND});
  p.io.push_back({"b", false, dt, {cfg.k, cfg.n}, bBase, Layout::ND});
  p.io.push_back({"c", true, dt, {cfg.m, cfg.n}, cBase, Layout::ND});

  // Work items: (row, col, width) output tiles.
  struct Item {
    int64_t r, c, w;
  };
  std::vector<Item> items;
  int64_t tilesN = cfg.n / cfg.tileN, total = (cfg.m / cfg.tileM) * tilesN;
  int64_t full = total - (cfg.balanceTail ? total % cores : 0);
  // Visit tiles in column groups (all rows of `group` tile columns, then the
  // next group) so that a round of cores shares fewer A and B panels: the
  // first round then pulls less from DRAM, and misses spread over rounds.
  int64_t tilesM = cfg.m / cfg.tileM;
  int64_t group =
      cfg.groupN > 0 && tilesN % cfg.groupN == 0 ? cfg.groupN : tilesN;
  auto tileAt = [&](int64_t i, int64_t &r, int64_t &c) {
    int64_t perGroup = tilesM * group;
    int64_t gi = i / perGroup, within = i % perGroup;
    r = (within / group) * cfg.tileM;
    c = (gi * group + within % group) * cfg.tileN;
  };
  for (int64_t i = 0; i < full; ++i) {
    int64_t r, c;
    tileAt(i, r, c);
    items.push_back({r, c, cfg.tileN});
  }
  int64_t rest = total - full;
  if (rest > 0) {
    // Split each remaining tile into cores/rest pieces along N (16-aligned)
    // so the last round keeps every core busy.
    int64_t pieces = std::max<int64_t>(1, cores / rest);
    for (int64_t i = full; i < total; ++i) {
      int64_t r, c;
      tileAt(i, r, c);
      int64_t unit = cfg.tileN / 16, done = 0;
      for (int64_t q = 0; q < pieces; ++q) {
        int64_t w = (unit * (q + 1) / pieces - unit * q / pieces) * 16;
        if (w > 0)
          items.push_back({r, c + done, w});
        done += w;
      }
    }
  }

  const int64_t nChunks = cfg.k / cfg.chunkK, steps = cfg.chunkK / cfg.stepK;
  // Cores that share an A panel (same row, consecutive) or a B panel (same
  // column, one round apart) start their K loops at different chunks, so
  // the first round fetches each chunk from DRAM once and spreads misses.
  int64_t sharers = std::max<int64_t>(1, ((int64_t)cores + group - 1) / group);
  int64_t kStep = std::max<int64_t>(1, nChunks / sharers);
  for (uint32_t core = 0; core < cores; ++core) {
    int64_t kOffset =
        ((int64_t)core % group + ((int64_t)core / group) * kStep) % nChunks;
    bin::CoreStream s;
    s.coreType = (uint32_t)coreType;
    s.coreIndex = core;
    auto &ins = s.instrs;
    int64_t g = 0, st = 0, tileNo = 0;
    for (size_t it = core; it < items.size(); it += cores, ++tileNo) {
      const Item &item = items[it];
      int64_t w = item.w;
      int64_t halves = cfg.splitL0C && w % 32 == 0 ? 2 : 1;
      for (int64_t kc = 0; kc < nChunks; ++kc, ++g) {
        int64_t kk = cfg.rotateK ? (kc + kOffset) % nChunks : kc;
        int64_t p1 = g % 2;
        uint64_t l1A = (uint64_t)(p1 * aChunk);
        uint64_t l1B = (uint64_t)(2 * aChunk + p1 * bChunk);
        // MTE2: bring A[r, kk] and B[kk, c] into L1 buffer p1 (as NZ).
        if (g >= 2)
          ins.push_back(waitFlag(Pipe::MTE1, Pipe::MTE2, p1));
        ins.push_back(makeInstr(
            Opcode::DmaLd, {bin::makeTile(Space::L1, l1A, dt,
                                          {cfg.tileM, cfg.chunkK}, Layout::NZ),
                            gmTile(aBase, dt, item.r, kk * cfg.chunkK,
                                   cfg.tileM, cfg.chunkK, cfg.k)}));
        for (int64_t j = 0; j < steps; ++j)
          ins.push_back(
              makeInstr(Opcode::DmaLd,
                        {bin::makeTile(Space::L1,
                                       l1B + (uint64_t)(j * cfg.stepK * w * es),
                                       dt, {cfg.stepK, w}, Layout::NZ),
                         gmTile(bBase, dt, kk * cfg.chunkK + j * cfg.stepK,
                                item.c, cfg.stepK, w, cfg.n)}));
        ins.push_back(setFlag(Pipe::MTE2, Pipe::MTE1, p1));
        // MTE1 + M over the chunk's K steps.
        ins.push_back(waitFlag(Pipe::MTE2, Pipe::MTE1, p1));
        for (int64_t j = 0; j < steps; ++j, ++st) {
          int64_t q = st % 2;
          if (st >= 2)
            ins.push_back(waitFlag(Pipe::M, Pipe::MTE1, q));
          Tile l0a = bin::makeTile(Space::L0A, (uint64_t)(q * aStep), dt,
                                   {cfg.tileM, cfg.stepK}, Layout::NZ);
          Tile l0b = bin::makeTile(Space::L0B, (uint64_t)(q * bStep), dt,
                                   {cfg.stepK, w}, Layout::NZ);
          ins.push_back(makeInstr(
              Opcode::Mv,
              {l0a, bin::makeTile(Space::L1, l1A + (uint64_t)(j * aStep), dt,
                                  {cfg.tileM, cfg.stepK}, Layout::NZ)},
              {0}));
          ins.push_back(makeInstr(
              Opcode::Mv,
              {l0b, bin::makeTile(Space::L1,
                                  l1B + (uint64_t)(j * cfg.stepK * w * es), dt,
                                  {cfg.stepK, w}, Layout::NZ)},
              {0}));
          ins.push_back(setFlag(Pipe::MTE1, Pipe::M, q));
          ins.push_back(waitFlag(Pipe::MTE1, Pipe::M, q));
          // The output tile is computed as `halves` column halves with their
          // own L0C regions, so FIX drains one half while M finishes the
          // other, and the next tile starts on a half as soon as it drained.
          bool first = kc == 0 && j == 0;
          bool last = kc == nChunks - 1 && j == steps - 1;
          for (int64_t h = 0; h < halves; ++h) {
            int64_t hw = w / halves;
            if (first && tileNo > 0)
              ins.push_back(waitFlag(Pipe::FIX, Pipe::M, h));
            Tile bh = bin::makeTile(
                Space::L0B, (uint64_t)(q * bStep + h * cfg.stepK * hw * es), dt,
                {cfg.stepK, hw}, Layout::NZ);
            Tile ch =
                bin::makeTile(Space::L0C, (uint64_t)(h * cfg.tileM * hw * 4),
                              DType::F32, {cfg.tileM, hw});
            ins.push_back(
                makeInstr(Opcode::Mmad, {ch, l0a, bh}, {first ? 0 : 1}));
            if (last)
              ins.push_back(setFlag(Pipe::M, Pipe::FIX, h));
          }
          ins.push_back(setFlag(Pipe::M, Pipe::MTE1, q));
        }
        ins.push_back(setFlag(Pipe::MTE1, Pipe::MTE2, p1));
      }
      // FIX: each L0C half -> its columns of the C tile in GM, as bf16.
      for (int64_t h = 0; h < halves; ++h) {
        int64_t hw = w / halves;
        ins.push_back(waitFlag(Pipe::M, Pipe::FIX, h));
        ins.push_back(makeInstr(
            Opcode::Fix,
            {gmTile(cBase, dt, item.r, item.c + h * hw, cfg.tileM, hw, cfg.n),
             bin::makeTile(Space::L0C, (uint64_t)(h * cfg.tileM * hw * 4),
                           DType::F32, {cfg.tileM, hw})},
            {0}, 1.0f));
        ins.push_back(setFlag(Pipe::FIX, Pipe::M, h));
      }
    }
    drainFlags(ins);
    ins.push_back(makeInstr(Opcode::End, {}));
    p.streams.push_back(std::move(s));
  }
  return bin::verifyProgram(p, t, error);
}

bool buildStreamCopyProgram(const target::TargetDesc &t, const CopyConfig &cfg,
                            bin::Program &p, std::string &error) {
  int coreType = -1;
  Space local = Space::UB;
  for (size_t i = 0; i < t.coreTypes.size() && coreType < 0; ++i) {
    const auto &ct = t.coreTypes[i];
    if (!ct.hasPipe(Pipe::MTE2) || !ct.hasPipe(Pipe::MTE3))
      continue;
    for (Space s : ct.spaces)
      if (t.spaceServes(s, Space::UB) && t.findPath(Space::GM, s) &&
          t.findPath(s, Space::GM)) {
        coreType = (int)i;
        local = s;
        break;
      }
  }
  if (coreType < 0) {
    error = "target '" + t.name + "' has no core with MTE2, MTE3 and a UB";
    return false;
  }
  if (cfg.chunk == 0 || cfg.bytes % cfg.chunk || cfg.chunk % 4 ||
      2 * cfg.chunk > t.space(local).bytes) {
    error = "copy chunk must divide the size and fit twice in local memory";
    return false;
  }
  int64_t n = (int64_t)(cfg.bytes / 4), per = (int64_t)(cfg.chunk / 4);
  p = bin::Program();
  p.name = "stream_copy";
  bin::setTarget(p, t);
  p.gmBytes = 2 * cfg.bytes;
  p.io.push_back({"x", false, DType::F32, {n}, 0, Layout::ND});
  p.io.push_back({"y", true, DType::F32, {n}, cfg.bytes, Layout::ND});
  bin::CoreStream s;
  s.coreType = (uint32_t)coreType;
  s.coreIndex = 0;
  int64_t chunks = n / per;
  for (int64_t i = 0; i < chunks; ++i) {
    int64_t b = i % 2;
    Tile buf =
        bin::makeTile(local, (uint64_t)(b * cfg.chunk), DType::F32, {per});
    if (i >= 2)
      s.instrs.push_back(waitFlag(Pipe::MTE3, Pipe::MTE2, b));
    s.instrs.push_back(makeInstr(
        Opcode::DmaLd, {buf, bin::makeTile(Space::GM, (uint64_t)(i * cfg.chunk),
                                           DType::F32, {per})}));
    s.instrs.push_back(setFlag(Pipe::MTE2, Pipe::MTE3, b));
    s.instrs.push_back(waitFlag(Pipe::MTE2, Pipe::MTE3, b));
    s.instrs.push_back(makeInstr(
        Opcode::DmaSt,
        {bin::makeTile(Space::GM, cfg.bytes + (uint64_t)(i * cfg.chunk),
                       DType::F32, {per}),
         buf}));
    s.instrs.push_back(setFlag(Pipe::MTE3, Pipe::MTE2, b));
  }
  drainFlags(s.instrs);
  s.instrs.push_back(makeInstr(Opcode::End, {}));
  p.streams.push_back(std::move(s));
  return bin::verifyProgram(p, t, error);
}

} // namespace tessera::sim
