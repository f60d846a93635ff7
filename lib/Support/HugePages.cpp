//===- HugePages.cpp - Memory in transparent huge pages for the tools -----===//
//
// See HugePages.h.
//
//===----------------------------------------------------------------------===//
#include "tessera/Support/HugePages.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__linux__) && defined(__GLIBC__)
#include <dirent.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace tessera {

#if defined(__linux__) && defined(__GLIBC__)
namespace {
/// The bytes of the tensors a weight-layout manifest lists (the sum of its
/// `"size": N` members), or 0 when `path` is not one. A compile from a
/// manifest builds the whole model's programs (hundreds of MB of
/// instructions) from a file of a few hundred KB: the file's own size says
/// nothing about the work. Read before main() parses anything, so scanned
/// rather than parsed: both writers (WeightStore::manifestJson and the test
/// scripts' json.dumps) put `"size"` keys only on tensors.
uint64_t manifestWeightBytes(const std::string &path, uint64_t fileBytes) {
  constexpr uint64_t kMaxManifestBytes = uint64_t(64) << 20;
  if (fileBytes > kMaxManifestBytes)
    return 0;
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return 0;
  // The format member comes first (both writers put it there): a file
  // without it in its first KiB is not read further (a program, a model).
  std::string text(std::min<uint64_t>(1024, fileBytes), '\0');
  size_t got = std::fread(text.data(), 1, text.size(), f);
  if (text.find("\"tessera-weight-manifest\"") == std::string::npos) {
    std::fclose(f);
    return 0;
  }
  text.resize(fileBytes);
  got += std::fread(text.data() + got, 1, text.size() - got, f);
  std::fclose(f);
  text.resize(got);
  uint64_t total = 0;
  const std::string key = "\"size\"";
  for (size_t at = text.find(key); at != std::string::npos;
       at = text.find(key, at + key.size())) {
    size_t i = at + key.size();
    while (i < text.size() && std::isspace((unsigned char)text[i]))
      ++i;
    if (i >= text.size() || text[i] != ':')
      continue; // a name "size", not the key
    ++i;
    while (i < text.size() && std::isspace((unsigned char)text[i]))
      ++i;
    uint64_t v = 0;
    for (; i < text.size() && std::isdigit((unsigned char)text[i]); ++i)
      v = v * 10 + (uint64_t)(text[i] - '0');
    total += v;
  }
  return total;
}

/// Is `path` a regular file of at least `minBytes` (or a weight-layout
/// manifest listing that much), or a directory holding one (a Hugging Face
/// model, a generation output directory)?
bool isLargeInput(const std::string &path, uint64_t minBytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return false;
  if (S_ISREG(st.st_mode))
    return (uint64_t)st.st_size >= minBytes ||
           manifestWeightBytes(path, (uint64_t)st.st_size) >= minBytes;
  if (!S_ISDIR(st.st_mode))
    return false;
  DIR *dir = ::opendir(path.c_str());
  if (!dir)
    return false;
  bool large = false;
  while (struct dirent *e = ::readdir(dir)) {
    std::string child = path + "/" + e->d_name;
    if (::stat(child.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size >= minBytes) {
      large = true;
      break;
    }
  }
  ::closedir(dir);
  return large;
}
} // namespace
#endif

bool argumentsNameLargeInput(char **argv, uint64_t minBytes) {
#if defined(__linux__) && defined(__GLIBC__)
  for (char **a = argv + 1; *a; ++a) {
    // A path is an argument of its own or the value of --opt=PATH (or of
    // --input=NAME=PATH).
    const char *eq = std::strrchr(*a, '=');
    std::string path = eq ? eq + 1 : *a;
    if (!path.empty() && path[0] != '-' && isLargeInput(path, minBytes))
      return true;
  }
#else
  (void)argv;
  (void)minBytes;
#endif
  return false;
}

void reexecWithHugePageMalloc(char **argv) {
#if defined(__linux__) && defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
  if (std::getenv("GLIBC_TUNABLES") || std::getenv("TESSERA_HUGE_PAGES"))
    return;
  // Starting the executable again costs its dynamic linking (~0.07 s here):
  // only worth it when the run handles a large model or program.
  if (!argumentsNameLargeInput(argv, kHugePageInputBytes))
    return;
  if (setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 0) != 0 ||
      setenv("TESSERA_HUGE_PAGES", "done", 1) != 0)
    return;
  execv("/proc/self/exe", argv);
  // exec failed: go on as we are (without the variable, so children of
  // this process are not affected either).
  unsetenv("GLIBC_TUNABLES");
#else
  (void)argv;
#endif
}

void adviseHugePages(void *data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t(2) << 20;
  uintptr_t lo = ((uintptr_t)data + kHuge - 1) & ~(kHuge - 1);
  uintptr_t hi = ((uintptr_t)data + bytes) & ~(kHuge - 1);
  if (hi > lo)
    (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

void prepareHeapForLargeBuffers() {
#if defined(__linux__) && defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
  // Setting either threshold also stops glibc from adjusting them itself.
  // 32 MiB is the largest mmap threshold glibc accepts on 64-bit systems.
  constexpr size_t kBlock = size_t(30) << 20, kHeap = size_t(512) << 20;
  (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
  (void)mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // Grow the heap by kHeap (blocks under the threshold come from it, one
  // after another), advise the span into huge pages and free it again: it
  // stays in the heap, untouched (no memory is used until written), and
  // what is allocated from it later faults in 2 MiB at a time. Only the
  // blocks' headers are written now.
  void *blocks[kHeap / kBlock];
  size_t n = 0;
  for (; n < kHeap / kBlock; ++n)
    if (!(blocks[n] = std::malloc(kBlock)))
      break;
  // One after another (a chunk header apart) when nothing else took memory
  // in between, the usual case at a tool's start: advise the whole span,
  // else each block on its own.
  bool oneSpan = n > 0;
  for (size_t i = 1; i < n && oneSpan; ++i) {
    uintptr_t end = (uintptr_t)blocks[i - 1] + kBlock;
    oneSpan = (uintptr_t)blocks[i] >= end && (uintptr_t)blocks[i] - end < 4096;
  }
  if (oneSpan) {
    adviseHugePages(blocks[0],
                    (uintptr_t)blocks[n - 1] + kBlock - (uintptr_t)blocks[0]);
  } else {
    for (size_t i = 0; i < n; ++i)
      adviseHugePages(blocks[i], kBlock);
  }
  for (size_t i = 0; i < n; ++i)
    std::free(blocks[i]);
#endif
}

} // namespace tessera
