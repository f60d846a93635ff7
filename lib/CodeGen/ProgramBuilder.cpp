//===- ProgramBuilder.cpp - Streams, cores and kernel ordering ------------===//
//
// Kernels are appended in program order. Each runs on a set of cores; a
// kernel that touches GM bytes an earlier, not yet ordered kernel wrote (or
// writes bytes it read) on another core is ordered after it by a barrier
// over every core of the chip: each core drains its pipes (`barrier
// ALL`) and signals a hub core, the hub waits for all of them and releases
// them. Kernels on one core need no barrier: the sync-insertion pass orders
// that core's pipes. Kernels that do not conflict run concurrently.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/Kernels.h"

#include "tessera/Support/Hash.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cstring>

namespace tessera::codegen {

using bin::Instr;
using bin::Opcode;
using target::Pipe;
using target::Space;

GmView GmView::contiguous(uint64_t addr, DType dtype,
                          const std::vector<int64_t> &shape) {
  GmView v;
  v.addr = addr;
  v.dtype = dtype;
  v.shape = shape;
  v.strides.assign(shape.size(), 0);
  int64_t s = 1;
  for (int i = (int)shape.size() - 1; i >= 0; --i) {
    v.strides[i] = s;
    s *= shape[i];
  }
  return v;
}

int64_t GmView::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

void GmView::byteRange(uint64_t &lo, uint64_t &hi) const {
  int64_t last = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    last += (shape[i] - 1) * strides[i];
  lo = addr;
  hi = addr + (uint64_t)(last + 1) * dtypeByteSize(dtype);
}

ProgramBuilder::ProgramBuilder(const target::TargetDesc &target,
                               std::string name)
    : t_(target) {
  prog_.name = std::move(name);
  bin::setTarget(prog_, t_);
  streamOf_.assign(t_.totalCores() + (t_.aicpu.present ? t_.aicpu.count : 0),
                   -1);
}

ProgramBuilder::Stream &ProgramBuilder::stream(uint32_t type, uint32_t index) {
  uint32_t flat = type == bin::kAiCpuCoreType ? t_.totalCores() + index
                                              : t_.flatCoreId(type, index);
  if (streamOf_[flat] < 0) {
    streamOf_[flat] = (int)streams_.size();
    streams_.emplace_back();
    streams_.back().cs.coreType = type;
    streams_.back().cs.coreIndex = index;
  }
  return streams_[streamOf_[flat]];
}

void ProgramBuilder::emit(uint32_t type, uint32_t index, const Instr &in,
                          const std::string &loc) {
  // Pending GEMV jobs come first on a vector core (see flushGemvBatch).
  if (!gemvBatch_.empty() && !flushingGemv_) {
    Space local;
    if ((int)type == vectorCoreType(local))
      flushGemvBatch();
  }
  Stream &s = stream(type, index);
  if (s.kernel != stats_.kernels) {
    s.kernel = stats_.kernels;
    s.cs.kernelStarts.push_back(s.code.count);
  }
  bin::packInstr(s.code, in);
  s.locs.push_back(loc);
}

static Instr syncInstr(Opcode op, std::initializer_list<int64_t> ints,
                       bool onAiCpu = false) {
  return bin::makeInstr(op, {}, ints, 0, onAiCpu);
}

static bool overlaps(const std::vector<ProgramBuilder::Region> &a,
                     const std::vector<ProgramBuilder::Region> &b) {
  for (const auto &r : a)
    for (const auto &q : b)
      if ((r.write || q.write) && r.lo < q.hi && q.lo < r.hi)
        return true;
  return false;
}

bool ProgramBuilder::flushDeferred(const std::vector<Region> *conflictsWith,
                                   std::string &error) {
  if (flushing_ || deferred_.empty())
    return true;
  bool any = conflictsWith == nullptr;
  for (const Deferred &d : deferred_)
    any = any || overlaps(d.regions, *conflictsWith);
  if (!any)
    return true;
  flushing_ = true;
  std::vector<Deferred> list = std::move(deferred_);
  deferred_.clear();
  // Independent reductions share the vector cores instead of each cutting
  // its work over all of them: fewer, larger tiles, each paying its DMA
  // latency once. Each takes cores in proportion to the bytes it reads and
  // writes (at least one): Qwen2's Q bias at 1024 tokens is six times its K
  // and V biases, and equal thirds kept it on 16 cores for 6 us while the
  // other 32 were done after 1 us.
  uint32_t next = 0;
  Space local;
  int vType = vectorCoreType(local);
  int64_t count = vType < 0 ? 0 : (int64_t)t_.coreTypes[vType].count;
  double total = 0;
  std::vector<double> bytes;
  for (const Deferred &d : list) {
    double b = 0;
    for (const Region &r : d.regions)
      b += (double)(r.hi - r.lo);
    bytes.push_back(b);
    total += b;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    Deferred &d = list[i];
    int64_t share = total > 0 ? (int64_t)((double)count * bytes[i] / total)
                              : count / (int64_t)list.size();
    share = std::max<int64_t>(1, share);
    Tiling t;
    vectorStart_ = next;
    if (!planVector(d.kernel, t, error, share) ||
        !addVector(d.kernel, t, error)) {
      flushing_ = false;
      vectorStart_ = 0;
      return false;
    }
    next += (uint32_t)t.cores;
  }
  vectorStart_ = 0;
  flushing_ = false;
  return true;
}

uint32_t ProgramBuilder::placeVectorKernel(int64_t cores,
                                           const std::vector<Region> &regions) {
  Space local;
  int vType = vectorCoreType(local);
  if (vType < 0 || flushing_)
    return vectorStart_;
  std::string error;
  if (!flushDeferred(&regions, error) && deferredError_.empty())
    deferredError_ = error;
  uint32_t count = t_.coreTypes[vType].count;
  if (cores >= (int64_t)count)
    return 0;
  // The one core every conflicting pending region was written by, or
  // kManyCores (several, or a barrier anyway); kNoConflict if none is.
  constexpr uint32_t kNoConflict = kManyCores - 1;
  uint32_t owner = kNoConflict;
  for (const Region &r : regions)
    for (size_t i = 0; i < pendingRegions_.size(); ++i) {
      const Region &q = pendingRegions_[i];
      if (!((r.write || q.write) && r.lo < q.hi && q.lo < r.hi))
        continue;
      uint32_t c = pendingRegionCore_[i];
      owner = owner == kNoConflict || owner == c ? c : kManyCores;
    }
  bool conflict = owner != kNoConflict;
  if (conflict && cores == 1 && owner != kManyCores) {
    uint32_t ty, ix;
    t_.coreOf(owner, ty, ix);
    if ((int)ty == vType)
      return ix;
  }
  if (conflict) // a barrier clears everything pending
    return 0;
  std::vector<bool> busy(count, false);
  for (uint32_t flat : pendingCores_) {
    if (flat >= t_.totalCores())
      continue;
    uint32_t ty, ix;
    t_.coreOf(flat, ty, ix);
    if ((int)ty == vType)
      busy[ix] = true;
  }
  for (uint32_t start = 0; start + cores <= count; ++start) {
    bool free = true;
    for (int64_t c = 0; c < cores && free; ++c)
      free = !busy[start + c];
    if (free)
      return start;
  }
  return 0;
}

void ProgramBuilder::beginKernel(const std::vector<CoreRef> &cores,
                                 const std::vector<Region> &regions, bool fence,
                                 bool chargeVectorCores) {
  // Deferred reductions this kernel depends on (or overwrites) go first.
  // They were planned when deferred; should one still fail, finish()
  // reports it.
  std::string error;
  if (!flushDeferred(&regions, error) && deferredError_.empty())
    deferredError_ = error;
  keepLiveRanges(regions);
  ++stats_.kernels;
  auto flatOf = [&](uint32_t type, uint32_t index) {
    return type == bin::kAiCpuCoreType ? t_.totalCores() + index
                                       : t_.flatCoreId(type, index);
  };
  std::vector<uint32_t> mine;
  for (const CoreRef &c : cores) {
    mine.push_back(flatOf(c.type, c.index));
    aiCpuJoined_ = aiCpuJoined_ || c.type == bin::kAiCpuCoreType;
  }
  // The cache engine's requests made for this kernel go before the barrier
  // before it: issued when the kernels before it start, they keep the
  // engine reading through that barrier.
  emitL2Requests(mine);
  // A kernel on one core that only touches what earlier kernels of that
  // same core left pending needs no barrier: the sync-insertion pass orders
  // a core's kernels through its own flags. So a chain of small kernels on
  // one core runs on beside a product spread over the other cores.
  uint32_t sole = mine.size() == 1 ? mine.front() : kManyCores;
  bool conflict = fence && !pendingRegions_.empty();
  for (const Region &r : regions) {
    for (size_t i = 0; i < pendingRegions_.size() && !conflict; ++i) {
      const Region &q = pendingRegions_[i];
      conflict = (r.write || q.write) && r.lo < q.hi && q.lo < r.hi &&
                 (sole == kManyCores || pendingRegionCore_[i] != sole);
    }
    if (conflict)
      break;
  }
  if (conflict) {
    // Every core of the chip takes part (and the AI-CPU once it runs
    // work). A core left out could later start a kernel unordered with the
    // work before the barrier, or run ahead and signal the next barrier's
    // hub while the hub still collects this one (the flags are plain
    // counters). With everyone in, no core passes barrier k+1 before
    // barrier k completed, so two flag id pairs, alternating, keep
    // consecutive barriers apart.
    std::vector<uint32_t> all;
    uint32_t agents = t_.totalCores() + (aiCpuJoined_ ? 1 : 0);
    for (uint32_t f = 0; f < agents; ++f)
      all.push_back(f);
    bool spansCores = false;
    for (uint32_t c : pendingCores_)
      spansCores =
          spansCores || std::find(mine.begin(), mine.end(), c) == mine.end();
    spansCores = spansCores || mine.size() > 1;
    if (all.size() > 1 && spansCores) {
      // Hub barrier: everyone drains and signals the hub; the hub collects
      // them and releases everyone. The AI-CPU has one pipe: it signals
      // and waits on it, with no drain.
      int64_t pair = t_.crossCoreFlags >= kBarrierFlagIds
                         ? 2 * (int64_t)(stats_.crossCoreBarriers % 2)
                         : 0;
      int64_t gather = pair, release = pair + 1;
      ++stats_.crossCoreBarriers;
      uint32_t hub = mine.front();
      auto at = [&](uint32_t flat, const Instr &in) {
        uint32_t ty, ix;
        if (flat >= t_.totalCores()) {
          ty = bin::kAiCpuCoreType;
          ix = flat - t_.totalCores();
        } else {
          t_.coreOf(flat, ty, ix);
        }
        emit(ty, ix, in, "");
      };
      auto isCpu = [&](uint32_t flat) { return flat >= t_.totalCores(); };
      auto pipeOf = [&](uint32_t flat) {
        return (int64_t)(isCpu(flat) ? Pipe::AICPU : Pipe::S);
      };
      auto drain = [&](uint32_t flat) {
        if (!isCpu(flat))
          at(flat, syncInstr(Opcode::Barrier, {bin::kBarrierAll}));
      };
      auto xset = [&](uint32_t flat, uint32_t to, int64_t id) {
        at(flat, syncInstr(Opcode::XSet, {pipeOf(flat), to, id}, isCpu(flat)));
      };
      auto xwait = [&](uint32_t flat, int64_t id) {
        at(flat, syncInstr(Opcode::XWait, {pipeOf(flat), id}, isCpu(flat)));
      };
      for (uint32_t c : all)
        if (c != hub) {
          drain(c);
          xset(c, hub, gather);
        }
      drain(hub);
      for (size_t i = 0; i + 1 < all.size(); ++i)
        xwait(hub, gather);
      // Every core has drained: the dead ranges' last readers are done, and
      // none writes them again before the release (L2Discard.cpp).
      uint32_t hubType = 0, hubIndex = 0;
      if (!isCpu(hub)) {
        t_.coreOf(hub, hubType, hubIndex);
        emitL2Discards(hubType, hubIndex, /*readOnly=*/false);
      }
      for (uint32_t c : all)
        if (c != hub)
          xset(hub, c, release);
      // Read-only lines keep their bytes in GM: they are dropped after the
      // release, off the other cores' way.
      if (!isCpu(hub))
        emitL2Discards(hubType, hubIndex, /*readOnly=*/true);
      drain(hub);
      for (uint32_t c : all)
        if (c != hub) {
          xwait(c, release);
          drain(c);
        }
      pendingCores_.clear();
      pendingRegions_.clear();
      pendingRegionCore_.clear();
      smallKernelLoad_.assign(smallKernelLoad_.size(), 0.0);
      double level = 0;
      for (double l : matrixLoad_)
        level = std::max(level, l);
      for (double l : gemvLoad_)
        level = std::max(level, l);
      // Every core drains its queued L2 read-ahead at the barrier too.
      for (double l : prefetchLoad_)
        level = std::max(level, l);
      for (double &l : matrixLoad_)
        l = level;
      for (double &l : gemvLoad_)
        l = level;
      for (double &l : prefetchLoad_)
        l = std::max(l, level);
      barrierLevel_ = level;
    }
    // On a single core the sync-insertion pass orders the kernels; the
    // pending regions stay, for a later kernel on another core.
  }
  for (uint32_t c : mine)
    if (std::find(pendingCores_.begin(), pendingCores_.end(), c) ==
        pendingCores_.end())
      pendingCores_.push_back(c);
  pendingRegions_.insert(pendingRegions_.end(), regions.begin(), regions.end());
  pendingRegionCore_.resize(pendingRegions_.size(), sole);
  if (!chargeVectorCores)
    return;
  // What the kernel costs a vector core at least: a load's and a store's
  // DMA latency (GEMV jobs placed after it queue behind it).
  Space local;
  int vType = vectorCoreType(local);
  const target::DmaPath *path = t_.findPath(Space::GM, local);
  double floor =
      2.0 * ((path ? path->latencyCycles : 0) + t_.dramLatencyCycles);
  for (const CoreRef &c : cores)
    if ((int)c.type == vType) {
      if (smallKernelLoad_.size() <= c.index)
        smallKernelLoad_.resize(t_.coreTypes[vType].count, 0.0);
      smallKernelLoad_[c.index] += floor;
    }
}

void ProgramBuilder::addFence(const FenceKernel &k) {
  (void)k; // (a fence emits only the barrier, which carries no location)
  std::vector<CoreRef> all;
  for (uint32_t ty = 0; ty < t_.coreTypes.size(); ++ty)
    for (uint32_t i = 0; i < t_.coreTypes[ty].count; ++i)
      all.push_back({ty, i});
  beginKernel(all, {}, /*fence=*/true, /*chargeVectorCores=*/false);
}

int ProgramBuilder::vectorCoreType(Space &local) const {
  for (size_t i = 0; i < t_.coreTypes.size(); ++i) {
    const auto &ct = t_.coreTypes[i];
    if (!ct.hasPipe(Pipe::V) || !ct.hasPipe(Pipe::MTE2) ||
        !ct.hasPipe(Pipe::MTE3))
      continue;
    for (Space s : ct.spaces)
      if (t_.spaceServes(s, Space::UB)) {
        local = s;
        return (int)i;
      }
  }
  return -1;
}

int ProgramBuilder::vectorCoreType(Space &local, std::string &error) const {
  int ct = vectorCoreType(local);
  if (ct < 0)
    error = "target '" + t_.name + "' has no core with a vector unit";
  return ct;
}

bool ProgramBuilder::hasSeparateVectorCores() const {
  Space local;
  int v = vectorCoreType(local);
  return v >= 0 && v != matrixCoreType() && t_.coreTypes[v].count > 1;
}

int ProgramBuilder::matrixCoreType() const {
  for (size_t i = 0; i < t_.coreTypes.size(); ++i)
    if (t_.coreTypes[i].hasPipe(Pipe::M) && t_.coreTypes[i].hasPipe(Pipe::FIX))
      return (int)i;
  return -1;
}

bool ProgramBuilder::addAiCpu(const AiCpuKernel &k, std::string &error) {
  if (!t_.aicpu.present || t_.crossCoreFlags == 0) {
    error = "'" + k.name + "': target '" + t_.name +
            "' has no AI-CPU reachable by cross-core flags";
    return false;
  }
  if (k.src.numElements() != k.dst.numElements()) {
    error = "'" + k.name + "': AI-CPU source and result sizes differ";
    return false;
  }
  Region in{0, 0, false}, out{0, 0, true};
  k.src.byteRange(in.lo, in.hi);
  k.dst.byteRange(out.lo, out.hi);
  beginKernel({{bin::kAiCpuCoreType, 0}}, {in, out});
  ++stats_.aicpuKernels;
  auto tile = [](const GmView &v) {
    return bin::makeTile(target::Space::GM, v.addr, v.dtype, {v.numElements()});
  };
  Instr cpu;
  cpu.op = Opcode::Cpu;
  cpu.tiles[0] = tile(k.dst);
  cpu.tiles[1] = tile(k.src);
  cpu.ints[0] = (int64_t)k.fn;
  cpu.pipe = bin::derivePipe(cpu, true);
  emit(bin::kAiCpuCoreType, 0, cpu, k.name);
  return true;
}

bool ProgramBuilder::finish(bin::Program &out, std::string &error) {
  std::vector<bin::PackedStream> packed;
  if (!finish(out, packed, error))
    return false;
  for (size_t si = 0; si < packed.size(); ++si)
    if (!bin::unpackStream(packed[si], out.streams[si].instrs, error))
      return false;
  return true;
}

bool ProgramBuilder::finish(bin::Program &out,
                            std::vector<bin::PackedStream> &packed,
                            std::string &error) {
  if (!deferredError_.empty()) {
    error = deferredError_;
    return false;
  }
  if (!flushDeferred(nullptr, error))
    return false;
  flushGemvBatch();
  if (!deferredError_.empty()) {
    error = deferredError_;
    return false;
  }
  out = finishPacked(packed);
  return true;
}

bin::Program ProgramBuilder::finish() {
  std::vector<bin::PackedStream> packed;
  bin::Program p = finishPacked(packed);
  std::string error;
  for (size_t si = 0; si < packed.size(); ++si)
    (void)bin::unpackStream(packed[si], p.streams[si].instrs, error);
  return p;
}

bin::Program
ProgramBuilder::finishPacked(std::vector<bin::PackedStream> &packed) {
  std::string error;
  (void)flushDeferred(nullptr, error);
  flushGemvBatch();
  // A program with no work still has one (empty) stream.
  if (streams_.empty() && !t_.coreTypes.empty())
    stream(0, 0);
  // The streams move out (an unrolled program is hundreds of MB of
  // instructions even packed; a copy would double the compiler's peak
  // memory).
  bin::Program p = std::move(prog_);
  prog_ = bin::Program();
  size_t entries = p.debug.size();
  for (const Stream &s : streams_)
    entries += s.locs.size() + 1;
  p.debug.reserve(entries);
  p.streams.reserve(p.streams.size() + streams_.size());
  packed.assign(p.streams.size(), {});
  packed.reserve(p.streams.size() + streams_.size());
  for (Stream &s : streams_) {
    Instr end;
    end.op = Opcode::End;
    end.pipe = s.cs.coreType == bin::kAiCpuCoreType ? Pipe::AICPU : Pipe::S;
    bin::packInstr(s.code, end);
    s.locs.push_back("");
    uint32_t si = (uint32_t)p.streams.size();
    for (uint32_t i = 0; i < s.locs.size(); ++i)
      if (!s.locs[i].empty())
        p.debug.push_back({si, i, std::move(s.locs[i])});
    p.streams.push_back(std::move(s.cs));
    packed.push_back(std::move(s.code));
  }
  streams_.clear();
  std::fill(streamOf_.begin(), streamOf_.end(), -1);
  return p;
}

uint64_t ProgramBuilder::appendConst(const std::string &name, const void *bytes,
                                     uint64_t size) {
  bin::ConstBlob blob;
  blob.name = name;
  blob.gmAddr = llvm::alignTo(prog_.gmBytes, 512);
  blob.size = size;
  blob.data.resize(size);
  std::memcpy(blob.data.data(), bytes, size);
  blob.checksum = xxh64(blob.data.data(), blob.size);
  uint64_t addr = blob.gmAddr;
  prog_.consts.push_back(std::move(blob));
  prog_.gmBytes = addr + llvm::alignTo(size, 512);
  if (prog_.gmBytes > t_.space(Space::GM).bytes && deferredError_.empty())
    deferredError_ =
        "the code generator's tables (" + name + ") do not fit in GM";
  return addr;
}

} // namespace tessera::codegen
