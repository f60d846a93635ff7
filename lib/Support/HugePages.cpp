//===- HugePages.cpp - Memory in transparent huge pages for the tools -----===//
//
// See HugePages.h.
//
//===----------------------------------------------------------------------===//
#include "tessera/Support/HugePages.h"

#include <cstdlib>

#if defined(__linux__) && defined(__GLIBC__)
#include <unistd.h>
#endif

namespace tessera {

void reexecWithHugePageMalloc(char **argv) {
#if defined(__linux__) && defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
  if (std::getenv("GLIBC_TUNABLES") || std::getenv("TESSERA_HUGE_PAGES"))
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

} // namespace tessera
