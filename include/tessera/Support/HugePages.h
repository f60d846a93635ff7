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

#include <cstddef>
#include <cstdint>

namespace tessera {

/// Inputs at least this large make a tool re-execute with huge pages.
constexpr uint64_t kHugePageInputBytes = uint64_t(32) << 20;

/// Does some argument (or the value of --opt=PATH) name a regular file of at
/// least `minBytes`, a weight-layout manifest listing at least `minBytes` of
/// tensors, or a directory holding such a file?
bool argumentsNameLargeInput(char **argv, uint64_t minBytes);

/// Called first thing in a tool's main(): when GLIBC_TUNABLES is unset and
/// an argument names a large input (kHugePageInputBytes: a model with its
/// weights or a manifest of them, a program holding them), runs the same
/// executable again with glibc.malloc.hugetlb=1 (and TESSERA_HUGE_PAGES=done,
/// so it happens once). Returns only when it did not re-execute: on other
/// systems, for small inputs (starting twice would cost more than the page
/// faults saved), when the variable is set (an empty value opts out), or when
/// exec fails. The program's output is the same either way.
void reexecWithHugePageMalloc(char **argv);

/// Asks the kernel for transparent huge pages under [data, data + bytes)
/// (the whole 2 MiB pages inside it), where THP is in `madvise` mode. For
/// the compiler's large buffers written once (unrolled instruction streams,
/// their synchronized copies): faulting hundreds of MB in 4 KiB pages costs
/// more than generating them. Advice only; a no-op elsewhere.
void adviseHugePages(void *data, size_t bytes);

/// Called at a tool's start (after reexecWithHugePageMalloc), for what
/// glibc.malloc.hugetlb=1 would give without starting again:
///  - buffers of up to 32 MiB come from malloc's heap, and memory a stage
///    frees stays there for the next stage instead of going back to the
///    kernel to be faulted in again (the compiler synchronizes and folds
///    stream after stream, each a few MB);
///  - the heap's first 512 MiB are advised into transparent huge pages
///    (reserved, not touched: memory is used only as it is written).
/// A 4096^3 GEMM's compile on dc (one thread, f32 compute) went from
/// 0.83-0.88 s to 0.57-0.59 s (medians of three runs, three rounds), most
/// of the difference page faults. For the compiler: the simulator's
/// runs got slower and more erratic with it (its memories are mappings of
/// their own, HostMemory.h). Not for libraries (it sets process-wide
/// policy); a no-op outside glibc and under ASan.
void prepareHeapForLargeBuffers();

} // namespace tessera

#endif // TESSERA_SUPPORT_HUGEPAGES_H
