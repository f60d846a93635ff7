//===- SyncInsertion.h - Flags between pipes from a dependency analysis -*- C++
//-*-===//
//
// Each core's pipes run their queues in order and concurrently; only flags
// order them. insertSync walks every stream in program order, records each
// instruction's memory footprint (space, byte range, read/write) and, when an
// instruction on pipe P touches bytes that an earlier instruction on pipe
// Q != P wrote (or reads bytes P is about to write), makes sure Q's
// instruction happens-before P's: unless a chain of existing flags, barriers
// or program order on one pipe already implies it (tracked with vector clocks
// over the core's pipes), it inserts `wait_flag Q -> P` before P's
// instruction and `set_flag Q -> P` after Q's instruction (for GM transfers:
// after Q's last instruction before P's, so a batch of loads pays one DMA
// latency); sets on a pipe pair stay in order, so the counters' FIFO order
// stays matched.
//
// GM accesses of different cores are ordered by the cross-core barriers the
// program builder inserts between conflicting kernels; this pass orders the
// pipes within one core.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CODEGEN_SYNCINSERTION_H
#define TESSERA_CODEGEN_SYNCINSERTION_H

#include "tessera/Binary/Program.h"
#include "tessera/CodeGen/LoadHoisting.h"

namespace tessera::codegen {

struct SyncStats {
  uint64_t flagPairs = 0;      // set_flag/wait_flag pairs inserted
  uint64_t dependencies = 0;   // (access, producer pipe) conflicts found
  uint64_t alreadyOrdered = 0; // of which implied by earlier sync
  uint64_t hoistedLoads = 0;   // constant loads moved into earlier kernels
};

/// The bytes an instruction's tile operands touch, and whether each is
/// written (scalar control touches none here).
struct MemAccess {
  unsigned space;
  uint64_t lo, hi;
  bool write;
};
void footprint(const bin::Instr &in, std::vector<MemAccess> &out);

/// Inserts set_flag/wait_flag pairs into every stream of `p` (after
/// hoisting its constant loads). A kernel that
/// orders its own pipes (loops with run-time trip counts, MoEKernels.h) is a
/// *self-synchronized region*: its flags and scalar control sit between two
/// `barrier ALL`s, and the region is copied verbatim (the barriers order it
/// against everything around it). Flags or control outside such a region
/// are an error.
/// The debug map is remapped to the new instruction indices.
bool insertSync(bin::Program &p, const target::TargetDesc &t, SyncStats &stats,
                std::string &error);

/// insertSync on one stream (index `si`): `debug` holds that stream's debug
/// entries, whose instruction indices are remapped to the new stream. Lets a
/// caller fold each stream into loops right after (Reroll.h) instead of
/// holding every synchronized straight-line stream at once.
/// With `consts` (the program's constants, constRangesOf), the loads of
/// constants first move ahead into earlier kernels (hoistConstantLoads);
/// a set_flag after a batch of loads is then not delayed behind them.
bool insertSyncStream(bin::CoreStream &cs, uint32_t si,
                      std::vector<bin::DebugEntry> &debug, SyncStats &stats,
                      std::string &error, const ConstRanges *consts = nullptr);

} // namespace tessera::codegen

#endif
