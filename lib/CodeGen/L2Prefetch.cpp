//===- L2Prefetch.cpp - Weights read ahead into L2 by idle vector cores ---===//
//
// A matmul whose tiles read B once (a routed expert at prefill: M = 96, one
// row of tiles) needs its operands at ~85 B/cycle per matrix core to keep
// the engine busy; from L2 a core gets 110 B/cycle, from DRAM only 32. So
// such a kernel runs at a third of the engine's speed when its weights
// first come from DRAM, while the kernels before it were compute-bound and
// left the DRAM mostly idle. Where the chip has an L2 and separate vector
// cores, the vector cores read B ahead during those kernels: plain dma_ld
// into a scratch buffer of their local memory, never read; what counts is
// the L2 lines the transfers fill. (torch_npu's npu_prefetch does the same
// for MoE weights on the 910B.)
//
// The read-ahead uses the fewest vector cores that finish it by the time the
// matrix cores are estimated to reach the kernel (lines fetched just in time
// are the least likely to be evicted, and DRAM keeps headroom for the matrix
// cores' own misses), never more than half the DRAM bandwidth, and at most
// half the L2 over the whole program. Only program inputs and constants are
// read ahead: no kernel writes them, so the early reads cannot race.
//
// A tall product (many rows of tiles: prefill's projections) reads each
// panel of B once from DRAM and then from L2 for every other row of tiles.
// Its jobs walk the panels in order, and streamToL2 reads the panels in
// that order beside it on up to half the DRAM bandwidth's worth of vector
// cores, every core taking a piece of each panel, so a panel is in L2 at
// their summed rate before the matrix cores get to it. Without it a job
// starting on a new panel read it at one core's DRAM rate while its
// engine waited.
//
// Where the chip has a cache engine (l2_prefetch, Ascend's CMO prefetch
// task), the compiler also asks it to read the weights of the kernels
// ahead into L2 (requestL2Prefetch; the horizon is NpuToIsa.cpp's). The
// engine runs beside the cores and no barrier waits for it, so it keeps
// DRAM busy through the phases that read little (norms, attention,
// barriers) where the vector cores' read-ahead would hold up the next
// barrier.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/Kernels.h"

#include <algorithm>
#include <cmath>

namespace tessera::codegen {

using bin::makeInstr;
using bin::Opcode;
using target::Space;

namespace {
/// The vector cores a read-ahead may use, least loaded first, and the DMA
/// rate of one of them.
struct ReadAheadCores {
  double rate;                 // bytes/cycle of one core from DRAM
  std::vector<uint32_t> order; // least loaded first
  uint32_t maxCores;           // half the DRAM bandwidth's worth
};

/// `load` (per vector core, cycles) is first raised to the last barrier
/// and the GEMV jobs queued, since a core's read-ahead starts after both.
ReadAheadCores readAheadCores(const target::TargetDesc &t, Space local,
                              int vType, std::vector<double> &load,
                              double barrierLevel,
                              const std::vector<double> &gemvLoad) {
  ReadAheadCores r;
  const target::DmaPath *path = t.findPath(Space::GM, local);
  r.rate = path ? path->bytesPerCycle : 1.0;
  if (t.dramPerCoreBytesPerCycle > 0)
    r.rate = std::min(r.rate, t.dramPerCoreBytesPerCycle);
  uint32_t count = t.coreTypes[vType].count;
  if (load.size() != count)
    load.assign(count, 0.0);
  for (uint32_t c = 0; c < count; ++c)
    load[c] = std::max(
        {load[c], barrierLevel, c < gemvLoad.size() ? gemvLoad[c] : 0.0});
  // Idle cores first; on ties the last cores, since vector kernels fill
  // the vector cores from core 0.
  r.order.resize(count);
  for (uint32_t c = 0; c < count; ++c)
    r.order[c] = count - 1 - c;
  std::stable_sort(r.order.begin(), r.order.end(),
                   [&](uint32_t x, uint32_t y) { return load[x] < load[y]; });
  // Half the DRAM bandwidth: the matrix cores' own misses keep the rest.
  r.maxCores = (uint32_t)std::clamp<double>(
      std::floor(0.5 * t.dramBytesPerCycle() / r.rate), 1.0, (double)count);
  return r;
}
} // namespace

bool ProgramBuilder::isReadOnlyData(uint64_t lo, uint64_t hi) const {
  // An input that is also an output (a KV cache updated in place) is
  // written.
  for (const bin::IoEntry &o : prog_.io)
    if (o.isOutput && lo < o.gmAddr + (uint64_t)o.byteSize() && o.gmAddr < hi)
      return false;
  for (const bin::IoEntry &e : prog_.io)
    if (!e.isOutput && lo >= e.gmAddr &&
        hi <= e.gmAddr + (uint64_t)e.byteSize())
      return true;
  for (const bin::ConstBlob &c : prog_.consts)
    if (lo >= c.gmAddr && hi <= c.gmAddr + c.size)
      return true;
  return false;
}

uint64_t ProgramBuilder::prefetchToL2(uint64_t lo, uint64_t hi, double needAt,
                                      const std::string &loc) {
  Space local;
  int vType = vectorCoreType(local);
  if (!l2Prefetch_ || !t_.l2.present || vType < 0 ||
      vType == matrixCoreType() || hi <= lo || !isReadOnlyData(lo, hi))
    return 0;
  uint64_t bytes = hi - lo;
  if (prefetchedBytes_ + bytes > t_.l2.bytes / 2)
    return 0;
  ReadAheadCores rc =
      readAheadCores(t_, local, vType, prefetchLoad_, barrierLevel_, gemvLoad_);
  double rate = rc.rate;
  const std::vector<uint32_t> &order = rc.order;
  uint32_t maxCores = rc.maxCores;
  uint32_t cores = 0;
  for (uint32_t p = 1; p <= maxCores && !cores; ++p) {
    double start = 0;
    for (uint32_t i = 0; i < p; ++i)
      start = std::max(start, prefetchLoad_[order[i]]);
    if (start + (double)bytes / ((double)p * rate) <= needAt)
      cores = p;
  }
  if (!cores)
    return 0;
  // Chunks of a quarter of local memory, dealt round-robin; every chunk of
  // a core lands on the same scratch bytes (one pipe, in order: no flags).
  uint64_t chunk = std::max<uint64_t>(
      t_.space(local).align, t_.space(local).bytes / 4 / t_.space(local).align *
                                 t_.space(local).align);
  uint64_t i = 0;
  for (uint64_t at = lo; at < hi; at += chunk, ++i) {
    uint64_t n = std::min(chunk, hi - at);
    uint32_t core = order[i % cores];
    bin::Tile dst = bin::makeTile(local, 0, DType::U8, {(int64_t)n});
    bin::Tile src = bin::makeTile(Space::GM, at, DType::U8, {(int64_t)n});
    emit((uint32_t)vType, core, makeInstr(Opcode::DmaLd, {dst, src}), loc);
    prefetchLoad_[core] += (double)n / rate;
  }
  prefetchedBytes_ += bytes;
  stats_.l2PrefetchBytes += bytes;
  return bytes;
}

bool ProgramBuilder::hasCacheEngine() const {
  return l2Prefetch_ && t_.l2.present && t_.l2.prefetchBytesPerCycle > 0;
}

uint64_t ProgramBuilder::requestL2Prefetch(uint64_t lo, uint64_t hi,
                                           const std::string &loc) {
  if (!hasCacheEngine() || hi <= lo || !isReadOnlyData(lo, hi))
    return 0;
  // Emitted with the next kernel, before the barrier before it.
  bin::Tile src = bin::makeTile(Space::GM, lo, DType::U8, {(int64_t)(hi - lo)});
  l2Requests_.push_back({makeInstr(Opcode::L2Prefetch, {src}), loc});
  return hi - lo;
}

void ProgramBuilder::emitL2Requests(const std::vector<uint32_t> &kernelCores) {
  // The kernel's first core asks (an AI-CPU has no scalar unit to): every
  // core takes part in every cross-core barrier, so its scalar unit reaches
  // the requests once the barrier before them released (when the kernels
  // before this one started), not earlier; and the kernel makes its stream
  // anyway (streams keep the order in which kernels first use the cores).
  auto asker = std::find_if(kernelCores.begin(), kernelCores.end(),
                            [&](uint32_t f) { return f < t_.totalCores(); });
  if (l2Requests_.empty() || asker == kernelCores.end())
    return;
  uint32_t type, index;
  t_.coreOf(*asker, type, index);
  for (auto &[in, loc] : l2Requests_) {
    emit(type, index, in, loc);
    stats_.l2EngineBytes += (uint64_t)in.tiles[0].shape[0];
  }
  l2Requests_.clear();
}

bool ProgramBuilder::canStreamToL2(uint64_t lo, uint64_t hi) const {
  Space local;
  int vType = vectorCoreType(local);
  return l2Prefetch_ && t_.l2.present && vType >= 0 &&
         vType != matrixCoreType() && hi > lo && isReadOnlyData(lo, hi);
}

uint64_t ProgramBuilder::streamToL2(const std::vector<GmPanel> &panels,
                                    const std::string &loc) {
  Space local;
  int vType = vectorCoreType(local);
  if (panels.empty() || vType < 0)
    return 0;
  ReadAheadCores rc =
      readAheadCores(t_, local, vType, prefetchLoad_, barrierLevel_, gemvLoad_);
  double rate = rc.rate;
  const std::vector<uint32_t> &order = rc.order;
  uint32_t cores = rc.maxCores;
  uint64_t align = t_.space(local).align;
  uint64_t chunk =
      std::max<uint64_t>(align, t_.space(local).bytes / 4 / align * align);
  uint64_t total = 0, piece = 0;
  auto read = [&](uint64_t addr, int64_t rows, int64_t rowBytes,
                  int64_t stride) {
    uint32_t core = order[piece++ % cores];
    bin::Tile dst = bin::makeTile(local, 0, DType::U8, {rows, rowBytes});
    bin::Tile src = bin::makeTile(Space::GM, addr, DType::U8, {rows, rowBytes});
    src.strides[0] = stride;
    src.strides[1] = 1;
    emit((uint32_t)vType, core, makeInstr(Opcode::DmaLd, {dst, src}), loc);
    uint64_t n = (uint64_t)(rows * rowBytes);
    prefetchLoad_[core] += (double)n / rate;
    total += n;
  };
  for (const GmPanel &p : panels) {
    // A contiguous panel (rows back to back) reads as one run in pieces of
    // `chunk`, a row longer than a piece as such a run of its own;
    // otherwise whole rows, as many as fit a piece.
    auto run = [&](uint64_t lo, uint64_t hi) {
      for (uint64_t at = lo; at < hi; at += chunk) {
        int64_t n = (int64_t)std::min(chunk, hi - at);
        read(at, 1, n, n);
      }
    };
    if (p.stride == p.rowBytes || p.rows == 1) {
      run(p.addr, p.addr + (uint64_t)(p.rows * p.rowBytes));
      continue;
    }
    if ((uint64_t)p.rowBytes > chunk) {
      for (int64_t r = 0; r < p.rows; ++r) {
        uint64_t at = p.addr + (uint64_t)(r * p.stride);
        run(at, at + (uint64_t)p.rowBytes);
      }
      continue;
    }
    int64_t rowsPer = (int64_t)(chunk / (uint64_t)p.rowBytes);
    for (int64_t r = 0; r < p.rows; r += rowsPer)
      read(p.addr + (uint64_t)(r * p.stride), std::min(rowsPer, p.rows - r),
           p.rowBytes, p.stride);
  }
  stats_.l2PrefetchBytes += total;
  return total;
}

} // namespace tessera::codegen
