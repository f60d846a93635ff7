//===- LoadHoisting.h - Weight loads ahead of their kernel ----*- C++ -*-===//
//
// A core's DMA queue runs in program order. A kernel's first load of
// activations waits for the kernel before to store them, and the weight
// loads queued behind it wait too: the DMA engine idles through that
// kernel's last products and stores (on `edge`, where one core streams every
// weight, 4-6 us at most kernel boundaries of a decode step). Moving each
// weight load up past the instructions it does not depend on lets the
// weights stream meanwhile, as a DMA-bound kernel sequence should.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CODEGEN_LOADHOISTING_H
#define TESSERA_CODEGEN_LOADHOISTING_H

#include "tessera/Binary/Program.h"

#include <utility>
#include <vector>

namespace tessera::codegen {

/// GM byte ranges [lo, hi) that no instruction writes: the program's
/// constants, sorted.
using ConstRanges = std::vector<std::pair<uint64_t, uint64_t>>;
ConstRanges constRangesOf(const bin::Program &p);

/// Moves every load of constant bytes (a `dma_ld` or dequantizing load
/// from one of `consts`, at static addresses) of a straight-line stream up
/// past the instructions of earlier kernels (cs.kernelStarts) that touch
/// none of its bytes, at most `window` of them, stopping at flags,
/// barriers, scalar control and other constant loads (the weights keep
/// their order). Debug entries follow
/// their instructions; `hoisted` marks the loads that moved (for
/// insertSyncStream). Returns how many moved.
uint64_t hoistConstantLoads(bin::CoreStream &cs,
                            std::vector<bin::DebugEntry> &debug,
                            const ConstRanges &consts, unsigned window,
                            std::vector<bool> &hoisted);

} // namespace tessera::codegen

#endif
