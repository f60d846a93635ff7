//===- ConstantFootprint.cpp - The constant bytes a run reads -------------===//
#include "ConstantFootprint.h"

#include <algorithm>

namespace tessera::sim {

void ConstantFootprint::init(const std::vector<bin::ConstBlob> &consts,
                             uint64_t lineBytes) {
  ranges.clear();
  for (const bin::ConstBlob &c : consts)
    if (c.size)
      ranges.push_back({c.gmAddr, c.gmAddr + c.size});
  std::sort(ranges.begin(), ranges.end());
  // Merge overlapping constants: a byte is read once whoever holds it.
  std::vector<std::pair<uint64_t, uint64_t>> merged;
  for (const auto &r : ranges)
    if (!merged.empty() && r.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, r.second);
    else
      merged.push_back(r);
  ranges = std::move(merged);
  lineShift = 0;
  while ((uint64_t(1) << (lineShift + 1)) <= std::max<uint64_t>(lineBytes, 1))
    ++lineShift;
  lineBytesRead = gatheredBytes = 0;
  seen.clear();
  if (ranges.empty()) {
    spanLo = spanHi = 0;
    return;
  }
  spanLo = ranges.front().first;
  spanHi = ranges.back().second;
  // Constants scattered over a huge GM (a target's GM is data) are counted
  // in coarser lines rather than in a bitmap of more than 32 MiB.
  while ((((spanHi - 1) >> lineShift) - (spanLo >> lineShift)) >= (1ull << 28))
    ++lineShift;
  firstLine = spanLo >> lineShift;
  uint64_t lines = ((spanHi - 1) >> lineShift) - firstLine + 1;
  seen.assign((lines + 63) / 64, 0);
}

std::vector<std::pair<uint64_t, uint64_t>>::const_iterator
ConstantFootprint::firstEndingAfter(uint64_t lo) const {
  return std::upper_bound(
      ranges.begin(), ranges.end(), lo,
      [](uint64_t a, const std::pair<uint64_t, uint64_t> &r) {
        return a < r.second;
      });
}

void ConstantFootprint::read(uint64_t lo, uint64_t hi) {
  if (!mayMeet(lo, hi))
    return;
  // Every constant from the first ending after lo that starts before hi.
  for (auto it = firstEndingAfter(lo); it != ranges.end() && it->first < hi;
       ++it)
    markLines(std::max(lo, it->first), std::min(hi, it->second));
}

void ConstantFootprint::gathered(uint64_t lo, uint64_t hi, uint64_t bytes) {
  // An input table may lie between two constants: only a constant's counts.
  auto it = firstEndingAfter(lo);
  if (mayMeet(lo, hi) && it != ranges.end() && it->first < hi)
    gatheredBytes += bytes;
}

void ConstantFootprint::markLines(uint64_t lo, uint64_t hi) {
  uint64_t line = uint64_t(1) << lineShift;
  for (uint64_t l = lo >> lineShift, last = (hi - 1) >> lineShift; l <= last;
       ++l) {
    uint64_t bit = l - firstLine;
    uint64_t &word = seen[bit >> 6];
    uint64_t mask = uint64_t(1) << (bit & 63);
    if (word & mask)
      continue;
    word |= mask;
    uint64_t a = std::max(l * line, spanLo),
             b = std::min((l + 1) * line, spanHi);
    lineBytesRead += b - a;
  }
}

} // namespace tessera::sim
