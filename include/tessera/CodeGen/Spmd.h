//===- Spmd.h - Streams that share one body of code -------------*- C++ -*-===//
//
// After sync insertion and loop folding, streams of one core type often hold
// the same code with different offsets: the same kernel, each core on its
// own part of the data. shareStreams stores such code once: one stream keeps
// it, the others refer to it (CoreStream::shares, format version 5), and
// every value that differs between them (a tile offset, an `sld` address, a
// trip count) becomes a launch argument that an `sarg` loads into a free
// register just before the instruction uses it. Each core still executes
// exactly the instructions and flags it executed before, plus those `sarg`s.
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
};

/// Lets streams of `p` share one body (see above). Every stream of a body
/// gets the body's debug locations.
void shareStreams(bin::Program &p, const target::TargetDesc &t,
                  SpmdStats &stats);

} // namespace tessera::codegen

#endif
