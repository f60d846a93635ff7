//===- L2Discard.cpp - Dead scratch dropped from a write-back L2 ----------===//
//
// A write-back L2 keeps what the kernels store as dirty lines and writes
// them to DRAM only when something evicts them. Activations and scratch
// die long before that: a decode step's layers leave a few MB of partial
// sums and hidden states dirty, and the lm_head's 400 MB weight stream then
// evicts them, spending DRAM bandwidth on data nothing will read. The GM
// plan knows when each buffer dies (the `dead` ranges of npu.dispatch); the
// code generator drops those lines with the L2's range invalidate
// (`l2_discard`, Ascend's CMO "invalid") where it is safe:
//
// - Only inside a cross-core barrier, on its hub, after it has collected
//   every core (each drained its pipes: the last readers are done) and
//   before it releases them (nothing writes the bytes again yet).
// - A range a kernel touches before that barrier is no longer dead (a
//   kernel on the core that last read it may have reused the bytes without
//   a barrier): it is forgotten, never discarded.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/Kernels.h"
#include "tessera/Support/ByteRanges.h"

namespace tessera::codegen {

using bin::makeInstr;
using bin::Opcode;
using target::Space;

void ProgramBuilder::discardWhenDrained(uint64_t lo, uint64_t hi) {
  // Only lines wholly inside the range go; a chip whose L2 writes through
  // has nothing dirty to drop.
  uint64_t line = t_.l2.lineBytes;
  if (!l2Discard_ || !t_.l2.present || !t_.l2.writeBack || !line)
    return;
  lo = (lo + line - 1) / line * line;
  hi = hi / line * line;
  if (lo < hi)
    deadRanges_.push_back({lo, hi, /*keepBytes=*/false});
}

void ProgramBuilder::evictWhenDrained(uint64_t lo, uint64_t hi) {
  // Clean lines: any L2 may drop them (no write-back needed).
  if (!l2Discard_ || !t_.l2.present || !t_.l2.lineBytes || hi <= lo ||
      !isReadOnlyData(lo, hi))
    return;
  deadRanges_.push_back({lo, hi, /*keepBytes=*/true});
}

void ProgramBuilder::keepLiveRanges(const std::vector<Region> &regions) {
  // The parts of the dead ranges no region touches (a region may cut one
  // in two).
  for (const Region &r : regions) {
    if (deadRanges_.empty())
      return;
    cutOut(deadRanges_, r.lo, r.hi);
  }
}

void ProgramBuilder::emitL2Discards(uint32_t hubType, uint32_t hubIndex,
                                    bool readOnly) {
  // Deferred reductions run after this barrier: what they read or write
  // stays (their bytes die only after them anyway).
  for (const Deferred &d : deferred_)
    keepLiveRanges(d.regions);
  // (A tile holds at most 2^28 elements: a longer range takes several.)
  constexpr uint64_t kMaxTileBytes = uint64_t(1) << 28;
  std::vector<DeadRange> others;
  for (const DeadRange &d : deadRanges_) {
    if (d.keepBytes != readOnly) {
      others.push_back(d);
      continue;
    }
    for (uint64_t lo = d.lo; lo < d.hi; lo += kMaxTileBytes) {
      uint64_t n = std::min(kMaxTileBytes, d.hi - lo);
      bin::Tile dst = bin::makeTile(Space::GM, lo, DType::U8, {(int64_t)n});
      emit(hubType, hubIndex,
           makeInstr(d.keepBytes ? Opcode::L2Evict : Opcode::L2Discard, {dst}),
           "");
    }
    (d.keepBytes ? stats_.l2EvictBytes : stats_.l2DiscardBytes) += d.hi - d.lo;
  }
  deadRanges_ = std::move(others);
}

} // namespace tessera::codegen
