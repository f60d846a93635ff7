//===- ConstantFootprint.h - The constant bytes a run reads ----*- C++ -*-===//
//
// Which of a program's constants (its weights) a run actually reads, as
// distinct bytes in whole DRAM lines. A dense layer reads every byte of its
// weights; an embedding lookup reads the rows of the tokens it was given and
// a sparse MoE layer the experts its router chose, so for those the bytes a
// schedule must move depend on run-time values and not on the program alone.
// Token generation's roofline bound counts this footprint instead of every
// constant (lib/Sim/Generate.cpp); Stats::constantBytesRead reports it.
//
// Reads through a gather (`dma_gather`) count the rows the gather moved: the
// timing model does not see which rows its index selected.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_SIM_CONSTANTFOOTPRINT_H
#define TESSERA_LIB_SIM_CONSTANTFOOTPRINT_H

#include "tessera/Binary/Program.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace tessera::sim {

class ConstantFootprint {
public:
  /// Indexes the nonempty constants, counted in lines of `lineBytes`.
  void init(const std::vector<bin::ConstBlob> &consts, uint64_t lineBytes);
  /// Whether GM bytes [lo, hi) may meet a constant: a cheap test before a
  /// tile's runs are walked.
  bool mayMeet(uint64_t lo, uint64_t hi) const {
    return lo < spanHi && hi > spanLo;
  }
  /// Records a read of GM bytes [lo, hi).
  void read(uint64_t lo, uint64_t hi);
  /// Records a gather that moved `bytes` of rows out of the GM table
  /// [lo, hi), counted if the table is a constant's.
  void gathered(uint64_t lo, uint64_t hi, uint64_t bytes);
  /// Distinct constant bytes read (whole lines, clipped to the constants'
  /// span) plus the gathered rows.
  uint64_t bytes() const { return lineBytesRead + gatheredBytes; }

private:
  std::vector<std::pair<uint64_t, uint64_t>> ranges; // [lo, hi), disjoint
  uint64_t spanLo = 0, spanHi = 0;
  unsigned lineShift = 6;
  uint64_t firstLine = 0;
  std::vector<uint64_t> seen; // one bit per line from firstLine
  uint64_t lineBytesRead = 0, gatheredBytes = 0;
  void markLines(uint64_t lo, uint64_t hi);
  /// The first constant range ending after `lo`.
  std::vector<std::pair<uint64_t, uint64_t>>::const_iterator
  firstEndingAfter(uint64_t lo) const;
};

} // namespace tessera::sim

#endif
