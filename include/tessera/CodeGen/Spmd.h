//===- Spmd.h - Streams that share one body of code -------------*- C++ -*-===//
//
// After sync insertion and loop folding, the streams of one core type run the
// same kernels on different parts of the data: the same code with different
// offsets and trip counts, plus jobs only some cores have. shareStreams
// stores such code once: the first stream of the core type keeps the merged
// body, the others refer to it (CoreStream::shares, format version 5) and
// hold only their launch arguments, which `sarg` and `skipaz` read (offsets,
// trip counts, which parts of the body the stream runs). Each core still
// executes exactly the instructions and flags it executed before, plus those
// scalar instructions.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CODEGEN_SPMD_H
#define TESSERA_CODEGEN_SPMD_H

#include "tessera/Binary/Program.h"

namespace tessera::codegen {

struct SpmdStats {
  uint64_t before = 0, after = 0; // static instructions
  uint64_t bodies = 0;            // shared bodies
  uint64_t sharing = 0;           // streams that run another's code
  uint64_t args = 0;              // launch arguments over all streams
  /// Core types whose streams kept their own code because it names
  /// registers up to `highestRegister`, leaving too few for the launch
  /// arguments (a kernel naming every register silently multiplies the
  /// program's size by its core count).
  uint64_t noRegisters = 0;
  uint32_t highestRegister = 0;
};

/// Lets the streams of each core type of `p` share one body (see above) when
/// that stores fewer instructions than their separate code. Every stream of
/// a body gets the body's debug locations. With `packed` (LoopFolder's
/// packInto), a stream whose `(*packed)[si]` holds code is taken from there,
/// unpacked one at a time; every stream is unpacked on return.
void shareStreams(bin::Program &p, const target::TargetDesc &t,
                  SpmdStats &stats,
                  std::vector<bin::PackedStream> *packed = nullptr);

} // namespace tessera::codegen

#endif
