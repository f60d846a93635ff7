//===- Work.cpp - Host work of one simulated instruction ------------------===//
#include "Work.h"

namespace tessera::sim {

using bin::OpClass;
using bin::Tile;

namespace {
/// ceil(log2(n)) for n >= 1: the comparisons per element of a sort.
uint64_t log2Ceil(int64_t n) {
  uint64_t bits = 1;
  while (bits < 63 && (int64_t(1) << bits) < n)
    ++bits;
  return bits;
}
} // namespace

uint64_t instrWork(const bin::Instr &in, bool functional) {
  const bin::OpInfo &inf = in.info();
  uint64_t work = 0;
  for (unsigned i = 0; i < inf.numTiles; ++i)
    work += (uint64_t)in.tiles[i].numElements();
  if (!functional)
    return work;
  switch (inf.cls) {
  case OpClass::Mmad: {
    const Tile &a = in.tiles[1], &b = in.tiles[2];
    uint64_t macs =
        (uint64_t)a.shape[0] * (uint64_t)a.shape[1] * (uint64_t)b.shape[1];
    return work + macs / kMacsPerWorkUnit;
  }
  case OpClass::VTopK: {
    const Tile &s = in.tiles[2];
    return work + (uint64_t)s.numElements() * log2Ceil(s.shape[s.rank - 1]);
  }
  case OpClass::Cpu: {
    const Tile &s = in.tiles[1];
    if (in.ints[0] == (int64_t)bin::CpuFn::SortDesc)
      return work + (uint64_t)s.numElements() * log2Ceil(s.shape[s.rank - 1]);
    return work;
  }
  default:
    return work;
  }
}

} // namespace tessera::sim
