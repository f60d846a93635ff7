//===- HostMemory.h - Zero-filled host buffers for simulated memory -*- C++
//-*-===//
//
// A functional run holds GM and every core's local memories in host memory,
// hundreds of MiB for a real model, most of it never touched by a given
// program. Filling a std::vector with zeros touches every page up front,
// and each first touch of a page is a page fault (microseconds each on a
// virtual machine). A HostBuffer instead maps anonymous memory, which the
// kernel supplies already zeroed on first touch, and leaves the pages that
// are never touched unallocated.
//
// Mapped buffers are advised into transparent huge pages (MADV_HUGEPAGE):
// one fault per 2 MiB instead of 512. TESSERA_NO_HUGE_PAGES=1 turns the
// advice off, for machines where clearing a fresh 2 MiB page costs more
// than the small faults it replaces (docs/simulator.md).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_SIM_HOSTMEMORY_H
#define TESSERA_LIB_SIM_HOSTMEMORY_H

#include <cstddef>
#include <cstdint>

namespace tessera::sim {

/// A zero-filled, move-only byte buffer of a fixed size.
class HostBuffer {
public:
  HostBuffer() = default;
  HostBuffer(const HostBuffer &) = delete;
  HostBuffer &operator=(const HostBuffer &) = delete;
  HostBuffer(HostBuffer &&o) noexcept { *this = static_cast<HostBuffer &&>(o); }
  HostBuffer &operator=(HostBuffer &&o) noexcept;
  ~HostBuffer() { release(); }

  /// Replaces the contents with `bytes` zero bytes. False if the host has
  /// no memory for them (the buffer is then empty).
  bool allocate(uint64_t bytes);
  void release();

  uint8_t *data() { return ptr; }
  const uint8_t *data() const { return ptr; }
  uint64_t size() const { return bytes; }

private:
  uint8_t *ptr = nullptr;
  uint64_t bytes = 0;
  bool mapped = false; // from mmap (else from calloc)
};

} // namespace tessera::sim

#endif
