//===- HostMemory.cpp - Zero-filled host buffers for simulated memory -----===//
#include "HostMemory.h"

#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tessera::sim {

namespace {
/// Buffers this large are mapped; smaller ones come from the heap.
constexpr uint64_t kMapThreshold = 1 << 20;
} // namespace

HostBuffer &HostBuffer::operator=(HostBuffer &&o) noexcept {
  if (this == &o)
    return *this;
  release();
  ptr = o.ptr;
  bytes = o.bytes;
  mapped = o.mapped;
  o.ptr = nullptr;
  o.bytes = 0;
  o.mapped = false;
  return *this;
}

bool HostBuffer::allocate(uint64_t n) {
  release();
  if (n == 0)
    return true;
#if defined(__linux__)
  if (n >= kMapThreshold) {
    void *m = mmap(nullptr, (size_t)n, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
      return false;
#ifdef MADV_HUGEPAGE
    // A page fault costs microseconds (several on a paravirtualized VM):
    // 2 MiB pages fault 512 times less often. Advice only; on failure the
    // mapping works as it is.
    if (!std::getenv("TESSERA_NO_HUGE_PAGES"))
      (void)madvise(m, (size_t)n, MADV_HUGEPAGE);
#endif
    ptr = (uint8_t *)m;
    bytes = n;
    mapped = true;
    return true;
  }
#endif
  void *p = std::calloc((size_t)n, 1);
  if (!p)
    return false;
  ptr = (uint8_t *)p;
  bytes = n;
  return true;
}

void HostBuffer::release() {
  if (!ptr)
    return;
#if defined(__linux__)
  if (mapped)
    munmap(ptr, (size_t)bytes);
  else
    std::free(ptr);
#else
  std::free(ptr);
#endif
  ptr = nullptr;
  bytes = 0;
  mapped = false;
}

} // namespace tessera::sim
