//===- HugePages.h - Memory in transparent huge pages for the tools -*- C++ -*-===//
//
// Compiling a model writes hundreds of MB once (unrolled instruction streams,
// converted weights); faulting that in 4 KiB pages costs more than the work
// on some machines (a paravirtualized VM here: 258K page faults, 2.7 s of
// system time for one DeepSeek-V2-Lite layer). Debian's kernels give
// transparent huge pages only to memory that asks (THP `madvise` mode), and
// glibc's malloc asks when GLIBC_TUNABLES sets glibc.malloc.hugetlb=1, a
// variable it reads only at startup.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SUPPORT_HUGEPAGES_H
#define TESSERA_SUPPORT_HUGEPAGES_H

#include <cstdint>

namespace tessera {

/// Inputs at least this large make a tool re-execute with huge pages.
constexpr uint64_t kHugePageInputBytes = uint64_t(32) << 20;

/// Does some argument (or the value of --opt=PATH) name a regular file of at
/// least `minBytes`, or a directory holding one?
bool argumentsNameLargeInput(char **argv, uint64_t minBytes);

/// Called first thing in a tool's main(): when GLIBC_TUNABLES is unset and
/// an argument names a large input (kHugePageInputBytes: a model with its
/// weights, a program holding them), runs the same executable again with
/// glibc.malloc.hugetlb=1 (and TESSERA_HUGE_PAGES=done, so it happens once).
/// Returns only when it did not re-execute: on other systems, for small
/// inputs (starting twice would cost more than the page faults saved), when
/// the variable is set (an empty value opts out), or when exec fails. The
/// program's output is the same either way.
void reexecWithHugePageMalloc(char **argv);

} // namespace tessera

#endif // TESSERA_SUPPORT_HUGEPAGES_H
