//===- SyncInsertion.cpp - Flags between pipes from a dependency analysis -===//
//
// See SyncInsertion.h. Per stream, in program order:
//  - every pipe p keeps a vector clock vc[p][q]: how many instructions of
//    pipe q are known to have completed before p's next instruction;
//  - every memory access is recorded as (space, byte range, read/write, pipe,
//    sequence number on its pipe);
//  - a new access that conflicts with a record of another pipe q that p's
//    clock does not cover needs a flag: `wait_flag q -> p` right before the
//    consumer and `set_flag q -> p` after the producer. A set fires when
//    everything before it on q has completed, DMA latency included: after a
//    GM transfer (MTE2/MTE3) the set goes after q's last instruction before
//    the consumer, so a batch of loads pays one latency; after compute it
//    goes right after the producer, so q keeps running ahead. Sets on a pipe
//    pair stay in program order, so the counters' FIFO pairs the k-th wait
//    with the k-th set. The consumer's clock then joins q's clock as of the
//    set.
// Records every pipe already knows about can never need a flag again and are
// dropped; a `barrier ALL` drops them all.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/SyncInsertion.h"
#include "tessera/Support/HugePages.h"

#include <algorithm>
#include <array>

namespace tessera::codegen {

using bin::Instr;
using bin::OpClass;
using bin::Opcode;
using target::Pipe;

namespace {

constexpr unsigned NP = target::kNumPipes;
// How far back a constant load may move (instructions): a kernel's tail
// of products and stores, not the whole kernel before.
constexpr unsigned kHoistWindow = 64;
using Clock = std::array<uint32_t, NP>;

struct Record {
  uint64_t lo, hi;
  bool write;
  unsigned pipe;
  uint32_t seq;  // 1-based position on its pipe
  uint32_t orig; // original instruction index
};

} // namespace

void footprint(const Instr &in, std::vector<MemAccess> &out) {
  out.clear();
  const bin::OpInfo &inf = in.info();
  auto add = [&](unsigned i, bool write) {
    const bin::Tile &t = in.tiles[i];
    out.push_back({(unsigned)t.space, t.offset, t.endByte(), write});
  };
  if (bin::isScalarControl(inf.cls))
    return; // refused by insertSync
  switch (inf.cls) {
  case OpClass::Sync:
  case OpClass::End:
  case OpClass::Prefetch: // changes no memory: orders nothing
  case OpClass::Discard:  // placed inside a barrier, after every pipe drained
    return;
  case OpClass::Mmad:
    add(0, true);
    if (in.ints[0])
      add(0, false);
    add(1, false);
    add(2, false);
    return;
  case OpClass::VTopK:
    add(0, true);
    add(1, true);
    add(2, false);
    return;
  default:
    add(0, true);
    for (unsigned i = 1; i < inf.numTiles; ++i)
      add(i, false);
    return;
  }
}

namespace {

Instr flagInstr(Opcode op, unsigned from, unsigned to) {
  return bin::makeInstr(op, {}, {(int64_t)from, (int64_t)to, 0});
}

} // namespace

bool insertSyncStream(bin::CoreStream &cs, uint32_t si,
                      std::vector<bin::DebugEntry> &debug, SyncStats &stats,
                      std::string &error, const ConstRanges *consts) {
  std::vector<bool> hoistedMask;
  const std::vector<bool> *hoisted = nullptr;
  if (consts) {
    stats.hoistedLoads +=
        hoistConstantLoads(cs, debug, *consts, kHoistWindow, hoistedMask);
    hoisted = &hoistedMask;
  }
  const std::vector<Instr> &ins = cs.instrs;
  size_t n = ins.size();
  // Self-synchronized regions (kernels with run-time loops, MoEKernels.h)
  // carry their own flags and control between two `barrier ALL`s: they are
  // copied verbatim, and the barriers keep the analysis apart from them.
  std::vector<bool> verbatim(n, false);
  auto isBarrierAll = [&](size_t i) {
    return ins[i].op == Opcode::Barrier && ins[i].ints[0] == bin::kBarrierAll;
  };
  for (size_t i = 0; i < n; ++i) {
    const Instr &in = ins[i];
    // Scalar arithmetic and loads (a run-time length read into a register
    // for tile extents) keep a stream straight-line: they touch no tile
    // and run on S at issue, in program order.
    bin::OpClass cls = in.info().cls;
    bool own = in.op == Opcode::SetFlag || in.op == Opcode::WaitFlag ||
               (bin::isScalarControl(cls) && cls != bin::OpClass::SAlu &&
                cls != bin::OpClass::SLoad);
    if (!own || verbatim[i])
      continue;
    int64_t lo = (int64_t)i - 1;
    while (lo >= 0 && !isBarrierAll((size_t)lo))
      --lo;
    size_t hi = i + 1;
    while (hi < n && !isBarrierAll(hi))
      ++hi;
    if (lo < 0 || hi >= n) {
      bool isFlag = in.op == Opcode::SetFlag || in.op == Opcode::WaitFlag;
      error = "stream " + std::to_string(si) +
              (isFlag ? std::string(" already has pipe flags")
                      : " has scalar control ('" +
                            std::string(in.info().mnemonic) + "')") +
              " outside a self-synchronized region (bracketed by 'barrier "
              "ALL'); sync insertion works on straight-line streams";
      return false;
    }
    for (size_t j = (size_t)lo + 1; j < hi; ++j)
      verbatim[j] = true;
  }
  bool aicpu = cs.coreType == bin::kAiCpuCoreType;

  std::array<Clock, NP> vc{};
  Clock seq{};
  std::vector<Clock> snapshot(n);    // clock of the pipe after instr i
  std::vector<uint32_t> seqOf(n, 0); // position of instr i on its pipe
  // The last instruction on each pipe, and the last one not hoisted.
  std::array<int64_t, NP> lastOnPipe, lastInPlace;
  lastOnPipe.fill(-1);
  lastInPlace.fill(-1);
  // Last set placed on a pipe pair: (orig index after which it sits).
  std::array<std::array<int64_t, NP>, NP> lastSet;
  for (auto &row : lastSet)
    row.fill(-1);
  // Flags to place: (instruction index, encoded flag), `after` in the
  // order they were decided (sorted stably below), `before` in order.
  std::vector<std::pair<uint32_t, uint16_t>> after, before;
  auto flagCode = [](unsigned from, unsigned to) {
    return (uint16_t)(from * NP + to);
  };
  // Records per (space, pipe), each list in program order, so the latest
  // conflicting record of a pipe is found scanning back from its end.
  std::vector<std::array<std::vector<Record>, NP>> records(target::kNumSpaces);
  std::vector<MemAccess> acc;

  // The pipes whose instructions touch memory here: a record can be
  // dropped once each of them knows it completed. (Pipes that had not run
  // yet used to be skipped, so a kernel's first product after 256 loads
  // found no record of them and got no flag.)
  std::array<bool, NP> used{};
  for (size_t i = 0; i < n; ++i) {
    bin::OpClass cls = ins[i].info().cls;
    if (!verbatim[i] && !bin::isScalarControl(cls) &&
        cls != bin::OpClass::Sync && cls != bin::OpClass::End &&
        cls != bin::OpClass::Prefetch && cls != bin::OpClass::Discard)
      used[(unsigned)bin::derivePipe(ins[i], aicpu)] = true;
  }
  auto prune = [&] {
    for (auto &perPipe : records)
      for (auto &list : perPipe)
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&](const Record &r) {
                                    for (unsigned q = 0; q < NP; ++q)
                                      if (used[q] && vc[q][r.pipe] < r.seq)
                                        return false;
                                    return true;
                                  }),
                   list.end());
  };

  for (size_t i = 0; i < n; ++i) {
    const Instr &in = ins[i];
    // (l2_prefetch changes no memory: nothing waits for it; l2_discard is
    // placed where every pipe has drained already.)
    if (verbatim[i] || in.info().cls == bin::OpClass::Prefetch ||
        in.info().cls == bin::OpClass::Discard)
      continue;
    unsigned P = (unsigned)bin::derivePipe(in, aicpu);
    if (in.op == Opcode::Barrier && in.ints[0] == bin::kBarrierAll) {
      Clock all{};
      for (unsigned q = 0; q < NP; ++q)
        for (unsigned r = 0; r < NP; ++r)
          all[r] = std::max(all[r], vc[q][r]);
      for (unsigned q = 0; q < NP; ++q)
        all[q] = std::max(all[q], seq[q]);
      for (unsigned q = 0; q < NP; ++q)
        vc[q] = all;
      snapshot[i] = all;
      for (auto &perPipe : records)
        for (auto &list : perPipe)
          list.clear();
      continue;
    }
    footprint(in, acc);
    // Producers this instruction must wait for, per pipe: the latest
    // conflicting record (if P's clock covers it, it covers every earlier
    // one of that pipe too).
    std::array<int64_t, NP> need;
    need.fill(-1);
    for (const MemAccess &a : acc)
      for (unsigned q = 0; q < NP; ++q) {
        if (q == P)
          continue;
        const std::vector<Record> &list = records[a.space][q];
        for (size_t j = list.size(); j-- > 0;) {
          const Record &r = list[j];
          if (!(a.write || r.write) || r.hi <= a.lo || a.hi <= r.lo)
            continue;
          ++stats.dependencies;
          if (vc[P][q] >= r.seq)
            ++stats.alreadyOrdered;
          else
            need[q] = std::max<int64_t>(need[q], r.orig);
          break;
        }
      }
    // Candidate flags, one per producer pipe, with where each set would
    // go. A set fires only when everything before it on q has completed,
    // DMA latency included: after a GM transfer (MTE2/MTE3) it goes as
    // late as it can, after q's last instruction before this one, so a
    // batch of loads pays one latency; after compute it goes right after
    // the producer, so q runs ahead. Loads hoisted from a later kernel
    // are not waited for: the set goes before them.
    std::array<int64_t, NP> at;
    at.fill(-1);
    for (unsigned q = 0; q < NP; ++q) {
      if (need[q] < 0 || vc[P][q] >= seqOf[need[q]])
        continue;
      bool late = q == (unsigned)Pipe::MTE2 || q == (unsigned)Pipe::MTE3;
      int64_t lastLoad =
          hoisted ? std::max(lastInPlace[q], need[q]) : lastOnPipe[q];
      at[q] = std::max<int64_t>(late ? lastLoad : need[q], lastSet[q][P]);
    }
    // A candidate whose producer another candidate's set already follows
    // (through that pipe's own waits) is implied: drop it.
    for (unsigned q = 0; q < NP; ++q) {
      if (at[q] < 0)
        continue;
      for (unsigned r = 0; r < NP; ++r)
        if (r != q && at[r] >= 0 && snapshot[at[r]][q] >= seqOf[need[q]]) {
          at[q] = -1;
          ++stats.alreadyOrdered;
          break;
        }
    }
    for (unsigned q = 0; q < NP; ++q) {
      if (at[q] < 0)
        continue;
      after.push_back({(uint32_t)at[q], flagCode(q, P)});
      lastSet[q][P] = at[q];
      before.push_back({(uint32_t)i, flagCode(q, P)});
      ++stats.flagPairs;
      const Clock &s = snapshot[at[q]];
      for (unsigned r = 0; r < NP; ++r)
        vc[P][r] = std::max(vc[P][r], s[r]);
    }
    seq[P]++;
    seqOf[i] = seq[P];
    lastOnPipe[P] = (int64_t)i;
    if (!hoisted || !(*hoisted)[i])
      lastInPlace[P] = (int64_t)i;
    vc[P][P] = seq[P];
    snapshot[i] = vc[P];
    for (const MemAccess &a : acc)
      records[a.space][P].push_back(
          {a.lo, a.hi, a.write, P, seq[P], (uint32_t)i});
    if ((i & 255) == 255)
      prune();
  }

  // Reassemble the stream and remap the debug map.
  std::stable_sort(
      after.begin(), after.end(),
      [](const auto &x, const auto &y) { return x.first < y.first; });
  auto flag = [&](Opcode op, uint16_t code) {
    return flagInstr(op, code / NP, code % NP);
  };
  std::vector<Instr> out;
  out.reserve(n + before.size() + after.size());
  adviseHugePages(out.data(), out.capacity() * sizeof(Instr));
  std::vector<uint32_t> newIndex(n);
  size_t bi = 0, ai = 0;
  for (size_t i = 0; i < n; ++i) {
    for (; bi < before.size() && before[bi].first == i; ++bi)
      out.push_back(flag(Opcode::WaitFlag, before[bi].second));
    newIndex[i] = (uint32_t)out.size();
    out.push_back(ins[i]);
    for (; ai < after.size() && after[ai].first == i; ++ai)
      out.push_back(flag(Opcode::SetFlag, after[ai].second));
  }
  for (bin::DebugEntry &d : debug) {
    d.stream = si;
    if (d.instr < n)
      d.instr = newIndex[d.instr];
  }
  cs.instrs = std::move(out);
  return true;
}

bool insertSync(bin::Program &p, const target::TargetDesc &t, SyncStats &stats,
                std::string &error) {
  (void)t;
  ConstRanges consts = constRangesOf(p);
  std::vector<std::vector<bin::DebugEntry>> debugOf(p.streams.size());
  for (bin::DebugEntry &d : p.debug)
    if (d.stream < p.streams.size())
      debugOf[d.stream].push_back(std::move(d));
  p.debug.clear();
  bool ok = true;
  for (uint32_t si = 0; si < p.streams.size() && ok; ++si)
    ok =
        insertSyncStream(p.streams[si], si, debugOf[si], stats, error, &consts);
  for (auto &list : debugOf)
    for (bin::DebugEntry &d : list)
      p.debug.push_back(std::move(d));
  return ok;
}

} // namespace tessera::codegen
