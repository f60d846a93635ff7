//===- HostMemory.cpp - Zero-filled host buffers for simulated memory -----===//
#include "HostMemory.h"

#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tessera::sim {

namespace {
/// Buffers this large are mapped (and offered huge pages); smaller ones come
/// from the heap, where a mapping would waste most of a huge page.
constexpr uint64_t kMapThreshold = 1 << 20;
constexpr uint64_t kHugePage = 2 << 20;
} // namespace

HostBuffer &HostBuffer::operator=(HostBuffer &&o) noexcept {
  if (this == &o)
    return *this;
  release();
  ptr = o.ptr;
  bytes = o.bytes;
  mapping = o.mapping;
  mappedBytes = o.mappedBytes;
  o.ptr = nullptr;
  o.bytes = 0;
  o.mapping = nullptr;
  o.mappedBytes = 0;
  return *this;
}

bool HostBuffer::allocate(uint64_t n) {
  release();
  if (n == 0)
    return true;
#if defined(__linux__)
  if (n >= kMapThreshold) {
    // Over-allocate by one huge page so the buffer can start on a huge-page
    // boundary, where the kernel can back it with 2 MiB pages.
    uint64_t len = n + kHugePage;
    void *m = mmap(nullptr, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
      return false;
    uintptr_t start =
        ((uintptr_t)m + kHugePage - 1) & ~(uintptr_t)(kHugePage - 1);
#ifdef MADV_HUGEPAGE
    // Only a hint: without transparent huge pages the buffer still works.
    madvise((void *)start, (size_t)(len - (start - (uintptr_t)m)),
            MADV_HUGEPAGE);
#endif
    mapping = m;
    mappedBytes = len;
    ptr = (uint8_t *)start;
    bytes = n;
    return true;
  }
#endif
  void *p = std::calloc((size_t)n, 1);
  if (!p)
    return false;
  mapping = p;
  ptr = (uint8_t *)p;
  bytes = n;
  return true;
}

void HostBuffer::release() {
  if (!mapping)
    return;
#if defined(__linux__)
  if (mappedBytes)
    munmap(mapping, (size_t)mappedBytes);
  else
    std::free(mapping);
#else
  std::free(mapping);
#endif
  ptr = nullptr;
  bytes = 0;
  mapping = nullptr;
  mappedBytes = 0;
}

} // namespace tessera::sim
