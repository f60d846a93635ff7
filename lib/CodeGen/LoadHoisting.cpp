//===- LoadHoisting.cpp - Weight loads ahead of their kernel -------------===//
//
// See LoadHoisting.h. One backward scan per constant load, over at most
// `window` instructions: the load moves above an instruction when neither
// writes bytes the other touches. Flags and barriers are never crossed (a
// self-synchronized region keeps its own order), nor scalar control (a
// skip or loop would change whether or how often the load runs), nor an
// earlier constant load, so the weights stream in program order.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/LoadHoisting.h"
#include "tessera/CodeGen/SyncInsertion.h"

#include <algorithm>
#include <deque>

namespace tessera::codegen {

using bin::Instr;
using bin::OpClass;
using bin::Opcode;

ConstRanges constRangesOf(const bin::Program &p) {
  ConstRanges r;
  for (const bin::ConstBlob &c : p.consts)
    if (c.size)
      r.push_back({c.gmAddr, c.gmAddr + c.size});
  std::sort(r.begin(), r.end());
  return r;
}

namespace {

bool inConstants(const ConstRanges &consts, uint64_t lo, uint64_t hi) {
  auto it = std::upper_bound(consts.begin(), consts.end(),
                             std::make_pair(lo, UINT64_MAX));
  if (it == consts.begin())
    return false;
  --it;
  return it->first <= lo && hi <= it->second;
}

/// A load of constant bytes into local memory, at static addresses.
bool isConstantLoad(const Instr &in, const ConstRanges &consts) {
  OpClass cls = in.info().cls;
  if (!(in.op == Opcode::DmaLd || cls == OpClass::Dequant))
    return false;
  for (unsigned i = 0; i < in.info().numTiles; ++i)
    if (in.tiles[i].isRegRelative())
      return false;
  const bin::Tile &dst = in.tiles[0];
  if (dst.space == target::Space::GM)
    return false;
  for (unsigned i = 1; i < in.info().numTiles; ++i) {
    const bin::Tile &src = in.tiles[i];
    if (src.space == target::Space::GM &&
        !inConstants(consts, src.offset, src.endByte()))
      return false;
  }
  return true;
}

bool barrierTo(const Instr &in) {
  OpClass cls = in.info().cls;
  return cls == OpClass::Sync || cls == OpClass::Cpu || cls == OpClass::End ||
         bin::isScalarControl(cls);
}

bool conflicts(const std::vector<MemAccess> &a,
               const std::vector<MemAccess> &b) {
  for (const MemAccess &x : a)
    for (const MemAccess &y : b)
      if ((x.write || y.write) && x.space == y.space && x.lo < y.hi &&
          y.lo < x.hi)
        return true;
  return false;
}

} // namespace

uint64_t hoistConstantLoads(bin::CoreStream &cs,
                            std::vector<bin::DebugEntry> &debug,
                            const ConstRanges &consts, unsigned window,
                            std::vector<bool> &hoisted) {
  std::vector<Instr> &ins = cs.instrs;
  size_t n = ins.size();
  hoisted.assign(n, false);
  if (cs.kernelStarts.size() < 2)
    return 0;
  // Where each original instruction ends up; built as a list of original
  // indices in the new order.
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i)
    order[i] = (uint32_t)i;
  std::vector<bool> isConst(n);
  for (size_t i = 0; i < n; ++i)
    isConst[i] = isConstantLoad(ins[i], consts);
  // Each instruction's kernel: a load moves only across earlier kernels'
  // instructions (within its own kernel the order is the one the kernel's
  // double buffering was planned for).
  std::vector<uint32_t> kernelOf(n, 0);
  {
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
      while (k < cs.kernelStarts.size() && cs.kernelStarts[k] <= i)
        ++k;
      kernelOf[i] = (uint32_t)k;
    }
  }
  std::vector<bool> moved(n, false);
  std::vector<MemAccess> mine, theirs;
  uint64_t count = 0;
  // Loads that wait for a store: loads of GM bytes that one of the
  // `window` instructions before them writes (decided in program order;
  // hoisting moves only loads, which write no GM).
  std::vector<bool> waitsForStore(n, false);
  {
    struct Write {
      uint64_t lo, hi;
      size_t at;
    };
    std::deque<Write> recent; // GM writes of the last `window` instructions
    for (size_t i = 0; i < n; ++i) {
      while (!recent.empty() && i - recent.front().at > window)
        recent.pop_front();
      footprint(ins[i], theirs);
      if (bin::derivePipe(ins[i], false) == target::Pipe::MTE2 && !isConst[i])
        for (const MemAccess &r : theirs)
          for (const Write &w : recent)
            if (!r.write && r.space == (unsigned)target::Space::GM &&
                r.lo < w.hi && w.lo < r.hi)
              waitsForStore[i] = true;
      for (const MemAccess &w : theirs)
        if (w.write && w.space == (unsigned)target::Space::GM)
          recent.push_back({w.lo, w.hi, i});
    }
  }
  for (size_t pos = 0; pos < n; ++pos) {
    uint32_t i = order[pos];
    if (!isConst[i])
      continue;
    footprint(ins[i], mine);
    // The scan goes as far as the load may move; it moves to just above
    // the furthest load that waits for a store (a load of what an earlier
    // instruction in the window wrote). The queue stalls there, and
    // everything behind it with it; moving past loads that do not wait
    // only delays their kernel.
    size_t to = pos, best = pos;
    while (to > 0 && pos - to < window) {
      const Instr &prev = ins[order[to - 1]];
      if (isConst[order[to - 1]] || barrierTo(prev) ||
          kernelOf[order[to - 1]] >= kernelOf[i])
        break;
      footprint(prev, theirs);
      if (conflicts(mine, theirs))
        break;
      --to;
      if (waitsForStore[order[to]])
        best = to;
    }
    if (best == pos)
      continue;
    to = best;
    std::rotate(order.begin() + to, order.begin() + pos,
                order.begin() + pos + 1);
    moved[i] = true;
    ++count;
  }
  if (!count)
    return 0;
  std::vector<uint32_t> newIndex(n);
  std::vector<Instr> out;
  out.reserve(n);
  for (size_t pos = 0; pos < n; ++pos) {
    newIndex[order[pos]] = (uint32_t)pos;
    hoisted[pos] = moved[order[pos]];
    out.push_back(ins[order[pos]]);
  }
  for (bin::DebugEntry &d : debug)
    if (d.instr < n)
      d.instr = newIndex[d.instr];
  ins = std::move(out);
  return count;
}

} // namespace tessera::codegen
