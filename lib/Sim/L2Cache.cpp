//===- L2Cache.cpp - The LRU line cache of the timing model ---------------===//
#include "L2Cache.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tessera::sim {

namespace {
/// Line tables up to this many lines (24 bytes each, touched lazily) are
/// indexed directly: 16 GiB of GM at 512-byte lines.
constexpr uint64_t kMaxDirectLines = 1ull << 25;
} // namespace

L2Cache::L2Cache(uint64_t bytes, uint32_t lineBytes, uint64_t addressLimit)
    : capacity(std::max<uint64_t>(1, bytes / lineBytes)), line(lineBytes) {
  uint64_t lines = (addressLimit + line - 1) / line;
  if (addressLimit && lines <= kMaxDirectLines &&
      nodeMem.allocate(lines * sizeof(Node))) {
    direct = true;
    numLines = lines;
  }
}

void L2Cache::grow(uint64_t lines) {
  // An address past the limit given: keep the table, larger (not expected;
  // the engine bounds every GM tile by the program's GM size).
  HostBuffer bigger;
  if (!bigger.allocate(lines * sizeof(Node))) {
    std::fprintf(stderr, "error: out of host memory for the L2 line table\n");
    std::abort();
  }
  std::memcpy(bigger.data(), nodeMem.data(), numLines * sizeof(Node));
  nodeMem = std::move(bigger);
  numLines = lines;
}

void L2Cache::unlink(uint64_t l) {
  Node &n = node(l);
  if (n.prev)
    node(n.prev - 1).next = n.next;
  else
    head = n.next;
  if (n.next)
    node(n.next - 1).prev = n.prev;
  else
    tail = n.prev;
}

void L2Cache::pushFront(uint64_t l) {
  Node &n = node(l);
  n.prev = 0;
  n.next = head;
  if (head)
    node(head - 1).prev = (uint32_t)(l + 1);
  else
    tail = (uint32_t)(l + 1);
  head = (uint32_t)(l + 1);
}

void L2Cache::access(uint64_t addr, uint64_t n, uint64_t &hit, double &readyAt,
                     std::vector<uint64_t> &missed, bool write,
                     uint64_t *evictedDirty) {
  auto evicted = [&](bool wasDirty) {
    if (!wasDirty)
      return;
    --dirtyLines;
    if (evictedDirty)
      *evictedDirty += line;
  };
  uint64_t first = addr / line, last = (addr + n - 1) / line;
  if (direct && last >= numLines)
    grow(std::max(last + 1, numLines * 2));
  if (direct) {
    for (uint64_t l = first; l <= last; ++l) {
      Node &e = node(l);
      if (e.present) {
        uint64_t lo = std::max(addr, l * line);
        uint64_t hi = std::min(addr + n, (l + 1) * line);
        hit += hi - lo;
        readyAt = std::max(readyAt, e.ready);
        dirtyLines += write && !e.dirty;
        e.dirty |= write;
        if (head != l + 1) {
          unlink(l);
          pushFront(l);
        }
        continue;
      }
      e.present = 1;
      e.dirty = write;
      dirtyLines += write;
      e.ready = 0.0;
      pushFront(l);
      ++count;
      missed.push_back(l);
      if (count > capacity) {
        uint64_t victim = tail - 1;
        unlink(victim);
        node(victim).present = 0;
        evicted(node(victim).dirty);
        --count;
      }
    }
    return;
  }
  for (uint64_t l = first; l <= last; ++l) {
    uint64_t lo = std::max(addr, l * line);
    uint64_t hi = std::min(addr + n, (l + 1) * line);
    auto it = map.find(l);
    if (it != map.end()) {
      hit += hi - lo;
      readyAt = std::max(readyAt, it->second.ready);
      dirtyLines += write && !it->second.dirty;
      it->second.dirty |= write;
      lru.splice(lru.begin(), lru, it->second.pos);
      continue;
    }
    lru.push_front(l);
    map[l] = {lru.begin(), 0.0, write};
    dirtyLines += write;
    missed.push_back(l);
    if (map.size() > capacity) {
      evicted(map[lru.back()].dirty);
      map.erase(lru.back());
      lru.pop_back();
    }
  }
}

uint64_t L2Cache::discard(uint64_t addr, uint64_t n, uint64_t *droppedAll) {
  uint64_t first = (addr + line - 1) / line, end = (addr + n) / line;
  uint64_t dropped = 0;
  for (uint64_t l = first; l < end; ++l) {
    bool dirty;
    if (direct) {
      if (l >= numLines || !node(l).present)
        continue;
      unlink(l);
      Node &e = node(l);
      e.present = 0;
      dirty = e.dirty;
      e.dirty = 0;
      --count;
    } else {
      auto it = map.find(l);
      if (it == map.end())
        continue;
      dirty = it->second.dirty;
      lru.erase(it->second.pos);
      map.erase(it);
    }
    if (droppedAll)
      *droppedAll += line;
    if (dirty) {
      --dirtyLines;
      dropped += line;
    }
  }
  return dropped;
}

void L2Cache::fill(const std::vector<uint64_t> &lines, double when) {
  if (direct) {
    for (uint64_t l : lines)
      if (l < numLines && node(l).present)
        node(l).ready = when;
    return;
  }
  for (uint64_t l : lines) {
    auto it = map.find(l);
    if (it != map.end())
      it->second.ready = when;
  }
}

} // namespace tessera::sim
