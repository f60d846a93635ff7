//===- ConstOverlay.h - GM constants read in place -------------*- C++ -*-===//
//
// A program's constants (its weights: hundreds of MiB for a real model)
// start in GM. Copying them all into the host GM array at the start of a
// run touched as much fresh memory again as the constants themselves, at a
// page fault per page. Instead the run reads a constant where the decoded
// program holds it, for as long as nothing writes its GM bytes: an
// instruction whose only GM operand reads bytes inside one such constant is
// given that constant's bytes as its GM. Any other GM access first copies
// the constants it meets into the GM array ("materializes" them), after
// which GM holds them as it always did. Every access therefore sees the
// bytes it saw when all constants were copied up front.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_SIM_CONSTOVERLAY_H
#define TESSERA_LIB_SIM_CONSTOVERLAY_H

#include "tessera/Binary/Program.h"

#include <cstdint>
#include <vector>

namespace tessera::sim {

class ConstOverlay {
public:
  /// Indexes the constants. False when two of them share GM bytes (then the
  /// order they are copied in matters, and the caller copies them all).
  bool init(const std::vector<bin::ConstBlob> &consts);
  /// The constant not yet in GM that holds all of [lo, hi), or null.
  const bin::ConstBlob *holding(uint64_t lo, uint64_t hi) const;
  /// Copies into `gm` every constant meeting [lo, hi) that is not there.
  void materialize(uint64_t lo, uint64_t hi, uint8_t *gm);

private:
  /// The first position in `order` whose constant may meet [lo, ...).
  size_t firstMeeting(uint64_t lo) const;
  const std::vector<bin::ConstBlob> *consts = nullptr;
  std::vector<uint32_t> order; // nonempty constants by GM address
  std::vector<char> inGm;      // by position in `order`
};

} // namespace tessera::sim

#endif
