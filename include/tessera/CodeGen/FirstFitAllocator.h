//===- FirstFitAllocator.h - Allocation by liveness, first fit --*- C++ -*-===//
//
// Buffers are allocated in program order and released after their last use,
// first fit, so values with disjoint lifetimes share bytes. The vector
// kernels allocate a tile's buffers in local memory with it (tiles alternate
// between two halves of the space, so tile i+1's loads overlap tile i's
// compute), and tessera-npu-plan-memory the GM buffers of the activations.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CODEGEN_FIRSTFITALLOCATOR_H
#define TESSERA_CODEGEN_FIRSTFITALLOCATOR_H

#include <algorithm>
#include <cstdint>
#include <map>

namespace tessera::codegen {

class FirstFitAllocator {
public:
  FirstFitAllocator(uint64_t capacity, uint64_t align)
      : capacity_(capacity), align_(align ? align : 1) {}

  /// Returns false when no free block is large enough.
  bool allocate(uint64_t bytes, uint64_t &offset) {
    bytes = (bytes + align_ - 1) / align_ * align_;
    if (bytes == 0)
      bytes = align_;
    uint64_t at = 0;
    for (const auto &[start, size] : used_) {
      if (start >= at + bytes)
        break;
      at = std::max(at, (start + size + align_ - 1) / align_ * align_);
    }
    if (at + bytes > capacity_)
      return false;
    used_[at] = bytes;
    offset = at;
    peak_ = std::max(peak_, at + bytes);
    return true;
  }
  /// Like allocate, but at the top of the highest free gap below the peak
  /// that holds it (first fit if none does), so the next buffers, placed
  /// first fit, stay clear of it as long as they can: a vector kernel's
  /// store stage, which its DMA still reads while the vector unit goes on.
  /// Never raises the peak where a gap below it fits.
  bool allocateHigh(uint64_t bytes, uint64_t &offset) {
    bytes = (bytes + align_ - 1) / align_ * align_;
    if (bytes == 0)
      bytes = align_;
    uint64_t best = ~0ull, gapStart = 0;
    auto consider = [&](uint64_t gapEnd) {
      if (gapEnd < bytes)
        return;
      uint64_t at = (gapEnd - bytes) / align_ * align_;
      if (at >= gapStart && (best == ~0ull || at > best))
        best = at;
    };
    for (const auto &[start, size] : used_) {
      if (start >= peak_)
        break;
      consider(start);
      gapStart =
          std::max(gapStart, (start + size + align_ - 1) / align_ * align_);
    }
    consider(peak_);
    if (best == ~0ull)
      return allocate(bytes, offset);
    used_[best] = bytes;
    offset = best;
    return true;
  }
  /// Frees the block at `offset`; returns its size (0: none there).
  uint64_t release(uint64_t offset) {
    auto it = used_.find(offset);
    if (it == used_.end())
      return 0;
    uint64_t bytes = it->second;
    used_.erase(it);
    return bytes;
  }
  uint64_t peak() const { return peak_; }

private:
  uint64_t capacity_, align_;
  uint64_t peak_ = 0;
  std::map<uint64_t, uint64_t> used_; // start -> size
};

} // namespace tessera::codegen

#endif
