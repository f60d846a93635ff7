//===- Reroll.h - Fold repeated instruction sequences into loops -*- C++
//-*-===//
//
// The kernels are generated as straight-line streams and synchronized there
// (SyncInsertion.h); rerollLoops then folds every run of repetitions of an
// instruction sequence into a hardware loop. A repetition may differ from the
// first only in its tiles' offsets:
//  - offsets that advance by a constant per repetition become register terms
//    (loop index x stride), so a K loop whose double buffers alternate is a
//    loop over pairs of chunks;
//  - offsets that vary otherwise (the output tiles a core was given) come
//    from a table in GM: the loop body loads each varying offset with `sld`
//    into a register that a term adds.
// Loops nest (the bodies are folded again) up to the target's loop depth.
// Code a kernel structures itself (scalar instructions, its own loops, the
// ranges its skips jump over) is kept as it is and the straight-line runs
// around it are folded, with registers above every register the stream
// uses (and below the last kSpmdRegisters); repetitions fold only under one
// debug name.
// The instructions every pipe executes, their order and their flags are
// exactly those of the straight-line stream, so the schedule, the
// synchronization (balanced per iteration by construction) and the simulated
// time are kept; only the scalar unit's own work grows (loop, endloop, the
// table loads), which it does ahead of the pipes.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CODEGEN_REROLL_H
#define TESSERA_CODEGEN_REROLL_H

#include "tessera/Binary/Program.h"

namespace tessera::codegen {

/// Registers the folded loops leave free at the top of the register file
/// for shareStreams (Spmd.h), which needs them for launch arguments.
constexpr uint32_t kSpmdRegisters = 4;

struct RerollStats {
  uint64_t before = 0, after = 0; // static instructions
  uint64_t loops = 0;             // loops created
  uint64_t tableBytes = 0;        // GM constant bytes of offset tables
};

/// Folds repetitions in every stream of `p` into loops (see above). Offset
/// tables become one constant placed after the program's GM; the debug map
/// keeps the entries of the instructions that remain.
bool rerollLoops(bin::Program &p, const target::TargetDesc &t,
                 RerollStats &stats, std::string &error);

/// rerollLoops one stream at a time, so a caller can synchronize and fold
/// each stream before the next (peak memory: one straight-line stream per
/// thread, not all of them). foldStream takes the stream's debug entries and
/// leaves the entries of the instructions that remain; it touches only its
/// own stream, so different streams may be folded at once and in any order.
/// finish places the streams' offset tables in stream order and relocates
/// their loads (after every stream was folded, before the program is used):
/// the program is the same, byte for byte, however the folds were scheduled.
class LoopFolder {
public:
  LoopFolder(bin::Program &p, const target::TargetDesc &t);
  /// Folded streams go packed into `(*out)[si]` (their `instrs` left
  /// empty) for shareStreams to take one at a time: a whole model's folded
  /// streams are millions of instructions before they share code.
  void packInto(std::vector<bin::PackedStream> *out) { packOut_ = out; }
  void foldStream(uint32_t si, std::vector<bin::DebugEntry> &debug);
  bool finish(std::string &error);
  /// Complete after finish().
  const RerollStats &stats() const { return stats_; }

private:
  /// What folding one stream made: its offset table (which the `sld`s at
  /// `tableLoads` address from 0) and its counts.
  struct Folded {
    std::vector<int32_t> table;
    std::vector<uint32_t> tableLoads;
    std::vector<size_t> tableLoadsAt; // packed: their byte offsets
    RerollStats stats;
  };
  bin::Program &p_;
  const target::TargetDesc &t_;
  uint64_t tableBase_;
  std::vector<Folded> folded_; // per stream
  std::vector<bin::PackedStream> *packOut_ = nullptr;
  RerollStats stats_;
};

} // namespace tessera::codegen

#endif
