//===- L2Cache.h - The LRU line cache of the timing model ------*- C++ -*-===//
//
// The L2 cache (and each scalar unit's data cache) of the timing model: an
// LRU set of lines, each remembering when its fill completes. Every GM
// transfer looks up each of its lines, so for a large cache the lookup is
// a direct index by line number (GM is dense and bounded), not a hash map;
// small caches over a large address range (the scalar data caches) hash.
// Both give exactly the same hits, misses, evictions and fill times.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_SIM_L2CACHE_H
#define TESSERA_LIB_SIM_L2CACHE_H

#include "HostMemory.h"

#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

namespace tessera::sim {

class L2Cache {
public:
  /// A cache of `bytes` in lines of `lineBytes`. `addressLimit` (0: unknown)
  /// bounds the addresses it will see; it picks the direct index when the
  /// line table for it is small enough.
  L2Cache(uint64_t bytes, uint32_t lineBytes, uint64_t addressLimit = 0);

  /// Touches [addr, addr+n). Adds the bytes that hit to `hit`, raises
  /// `readyAt` to the latest fill time among them, and records the lines
  /// that missed in `missed` (their fill time is set by fill()). A `write`
  /// marks the lines dirty; the lines this access evicts that were dirty
  /// add their bytes to `evictedDirty` (what a write-back cache writes to
  /// DRAM for it).
  void access(uint64_t addr, uint64_t n, uint64_t &hit, double &readyAt,
              std::vector<uint64_t> &missed, bool write = false,
              uint64_t *evictedDirty = nullptr);
  /// Sets the fill time of those of `lines` still cached.
  void fill(const std::vector<uint64_t> &lines, double when);
  /// Drops the lines wholly inside [addr, addr+n) without writing them
  /// anywhere (a range invalidate); returns the bytes of those that were
  /// dirty (what a write-back cache no longer has to write). `dropped`,
  /// when given, adds the bytes of every line dropped.
  uint64_t discard(uint64_t addr, uint64_t n, uint64_t *dropped = nullptr);
  /// Bytes of the dirty lines cached now (written, not yet evicted).
  uint64_t dirtyBytes() const { return dirtyLines * line; }

private:
  uint64_t capacity;
  uint64_t line;
  uint64_t dirtyLines = 0;

  // Direct index: one node per line number, an intrusive LRU list through
  // them (most recent at `head`). Links are line + 1, 0 is the end.
  struct Node {
    double ready;
    uint32_t prev, next;
    uint32_t present, dirty;
  };
  bool direct = false;
  HostBuffer nodeMem; // zero-filled: every line starts absent
  uint64_t numLines = 0;
  uint32_t head = 0, tail = 0;
  uint64_t count = 0;
  Node &node(uint64_t l) { return reinterpret_cast<Node *>(nodeMem.data())[l]; }
  void grow(uint64_t lines);
  void unlink(uint64_t l);
  void pushFront(uint64_t l);

  // Hashed: the same LRU over a map.
  struct Entry {
    std::list<uint64_t>::iterator pos;
    double ready;
    bool dirty;
  };
  std::list<uint64_t> lru;
  std::unordered_map<uint64_t, Entry> map;
};

} // namespace tessera::sim

#endif
