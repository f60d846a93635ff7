//===- ConstOverlay.cpp - GM constants read in place ----------------------===//
#include "ConstOverlay.h"

#include <algorithm>
#include <cstring>

namespace tessera::sim {

bool ConstOverlay::init(const std::vector<bin::ConstBlob> &cs) {
  consts = &cs;
  order.clear();
  for (uint32_t i = 0; i < cs.size(); ++i)
    if (cs[i].size)
      order.push_back(i);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return cs[a].gmAddr < cs[b].gmAddr;
  });
  for (size_t i = 1; i < order.size(); ++i)
    if (cs[order[i - 1]].gmAddr + cs[order[i - 1]].size > cs[order[i]].gmAddr)
      return false;
  inGm.assign(order.size(), 0);
  return true;
}

size_t ConstOverlay::firstMeeting(uint64_t lo) const {
  const auto &cs = *consts;
  // The last constant starting at or before lo may still cover it.
  size_t i = std::upper_bound(
                 order.begin(), order.end(), lo,
                 [&](uint64_t a, uint32_t c) { return a < cs[c].gmAddr; }) -
             order.begin();
  return i ? i - 1 : 0;
}

const bin::ConstBlob *ConstOverlay::holding(uint64_t lo, uint64_t hi) const {
  if (order.empty() || hi <= lo)
    return nullptr;
  size_t i = firstMeeting(lo);
  const bin::ConstBlob &c = (*consts)[order[i]];
  if (inGm[i] || lo < c.gmAddr || hi > c.gmAddr + c.size)
    return nullptr;
  return &c;
}

void ConstOverlay::materialize(uint64_t lo, uint64_t hi, uint8_t *gm) {
  if (order.empty() || hi <= lo)
    return;
  const auto &cs = *consts;
  for (size_t i = firstMeeting(lo); i < order.size(); ++i) {
    const bin::ConstBlob &c = cs[order[i]];
    if (c.gmAddr >= hi)
      break;
    if (inGm[i] || c.gmAddr + c.size <= lo)
      continue;
    std::memcpy(gm + c.gmAddr, c.bytes(), c.size);
    inGm[i] = 1;
  }
}

} // namespace tessera::sim
