//===- ByteRanges.h - A byte range cut out of a list ------------*- C++ -*-===//
//
// Half-open byte ranges [lo, hi) of GM, as the code generator tracks dead
// buffers and read-only data: any type with members `lo` and `hi`.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SUPPORT_BYTERANGES_H
#define TESSERA_SUPPORT_BYTERANGES_H

#include <cstdint>
#include <utility>
#include <vector>

namespace tessera {

/// Removes [lo, hi) from every range of `ranges`; a range it falls inside
/// becomes two. The other members of each piece are its range's.
template <typename Range>
void cutOut(std::vector<Range> &ranges, uint64_t lo, uint64_t hi) {
  std::vector<Range> rest;
  for (const Range &r : ranges) {
    if (hi <= r.lo || r.hi <= lo) {
      rest.push_back(r);
      continue;
    }
    if (r.lo < lo) {
      Range below = r;
      below.hi = lo;
      rest.push_back(below);
    }
    if (hi < r.hi) {
      Range above = r;
      above.lo = hi;
      rest.push_back(above);
    }
  }
  ranges = std::move(rest);
}

} // namespace tessera

#endif // TESSERA_SUPPORT_BYTERANGES_H
