//===- NpuToIsa.cpp - Tiling, memory planning, code generation, sync ------===//
#include "DispatchKernels.h"

#include "Graph/IR/GraphDialect.h"
#include "Isa/IR/IsaConversion.h"
#include "Isa/IR/IsaDialect.h"
#include "Npu/IR/NpuDialect.h"
#include "tessera/CodeGen/FirstFitAllocator.h"
#include "tessera/CodeGen/Reroll.h"
#include "tessera/CodeGen/Spmd.h"
#include "tessera/CodeGen/SyncInsertion.h"
#include "tessera/Conversion/ModuleTarget.h"
#include "tessera/Conversion/Passes.h"
#include "tessera/Support/ByteRanges.h"
#include "tessera/Support/Hash.h"
#include "tessera/Target/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Threading.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/MapVector.h"

namespace tessera::conversion {
#define GEN_PASS_DEF_NPUTILE
#define GEN_PASS_DEF_NPUPLANMEMORY
#define GEN_PASS_DEF_NPUTOISA
#define GEN_PASS_DEF_ISAINSERTSYNC
#include "Npu/Transforms/Passes.h.inc"
} // namespace tessera::conversion

using namespace mlir;
using namespace tessera::conversion;
namespace target = tessera::target;
namespace bin = tessera::bin;
namespace graph = tessera::graph;
namespace npu = tessera::npu;
namespace codegen = tessera::codegen;
using tessera::DType;
using tessera::Tensor;

static int64_t bytesOf(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  auto d = graph::toDType(t.getElementType());
  return t.getNumElements() * (d ? tessera::dtypeByteSize(*d) : 4);
}

/// The kernels `d` runs, at its planned addresses (0 before planning).
static bool dispatchKernels(npu::DispatchOp d, std::vector<Kernel> &kernels) {
  std::string why;
  SmallVector<int64_t> addrs(d.getInputs().size() + d.getNumResults() +
                                 (d.getScratch() ? d.getScratch()->size() : 0),
                             0);
  if (auto a = d.getAddrs())
    addrs.assign(a->begin(), a->end());
  kernels.clear();
  return translateDispatch(d, addrs, kernels, why);
}

/// Does `d` run a single kernel whose tiling the attributes describe?
static bool singleKernel(npu::DispatchOp d, std::vector<Kernel> &kernels) {
  return dispatchKernels(d, kernels) && kernels.size() == 1;
}

/// The whole-tile jobs (Tiling::wholeTileJobs) of the other products that
/// multiply `d`'s A: matrix dispatches whose first input is the same value,
/// neither reading the other's result (prefill's Q, K and V projections, an
/// MLP's gate and up). They run side by side with `d`, so planMatmul counts
/// them towards filling the cores.
static int64_t siblingMatmulJobs(npu::DispatchOp d,
                                 const codegen::ProgramBuilder &pb) {
  if (d.getEngine() != npu::Engine::matrix || d.getInputs().empty())
    return 0;
  auto reads = [](npu::DispatchOp reader, npu::DispatchOp writer) {
    return llvm::any_of(reader.getInputs(), [&](Value v) {
      return v.getDefiningOp() == writer.getOperation();
    });
  };
  Value a = d.getInputs()[0];
  int64_t jobs = 0;
  llvm::SmallPtrSet<Operation *, 8> seen;
  for (Operation *user : a.getUsers()) {
    auto s = dyn_cast<npu::DispatchOp>(user);
    if (!s || s == d || !seen.insert(user).second ||
        s.getEngine() != npu::Engine::matrix || s.getInputs()[0] != a ||
        s->getBlock() != d->getBlock() || reads(s, d) || reads(d, s))
      continue;
    std::vector<Kernel> ks;
    if (!dispatchKernels(s, ks) || ks.empty())
      continue;
    std::string why;
    codegen::Tiling t;
    if (auto *m = std::get_if<codegen::MatmulKernel>(&ks[0]))
      if (pb.planMatmul(*m, t, why))
        jobs += t.wholeTileJobs;
  }
  return jobs;
}

/// A byte range a dispatch reads whole; `experts`: a MoE's expert weights,
/// read whole only in all likelihood (wholeReads).
struct WholeRead {
  uint64_t lo, hi;
  bool experts = false;
  /// GroupedMatmulKernel::readFromAttention.
  bool fromAttention = false;
};

/// The read-only bytes a dispatch's `kernels` read whole: the operands of
/// its products and vector kernels that are constants or program inputs
/// (weights, norm scales, biases; a MoE layer's router and shared experts),
/// smallest first, else in their kernels' order. (The engine reads them in
/// that order; the small ones, a router's weight or a norm's scale, feed the
/// short kernels a layer's critical path runs through, and cost it little.)
/// Gathers, attention and the grouped products read rows chosen at run time
/// (a table's rows, the filled part of a KV cache, the selected experts):
/// reading those ahead would read what the program never needs -- but for a
/// MoE whose rows outnumber its experts kRowsPerExpertReadWhole times
/// (DispatchKernels.h). Its experts' weights are then read whole in all but
/// name, and reading their first ones ahead keeps the DRAM busy through the
/// router, the token gather and the shared experts, which the routing
/// otherwise leaves idle (CacheEngineReadAhead).
static void wholeReads(const std::vector<Kernel> &kernels,
                       const codegen::ProgramBuilder &pb,
                       std::vector<WholeRead> &out) {
  out.clear();
  auto add = [&](const codegen::GmView &v, bool experts = false,
                 bool fromAttention = false) {
    uint64_t lo, hi;
    v.byteRange(lo, hi);
    if (hi > lo && pb.isReadOnlyData(lo, hi) &&
        llvm::none_of(
            out, [&](const WholeRead &r) { return r.lo == lo && r.hi == hi; }))
      out.push_back({lo, hi, experts, fromAttention});
  };
  for (const Kernel &k : kernels) {
    if (const auto *m = std::get_if<codegen::MatmulKernel>(&k)) {
      add(m->a);
      add(m->b);
    } else if (const auto *v = std::get_if<codegen::VectorKernel>(&k)) {
      for (const codegen::GmView &in : v->inputs)
        add(in);
    } else if (const auto *g = std::get_if<codegen::GroupedMatmulKernel>(&k)) {
      auto readWhole = [&](const codegen::GroupedMatmulKernel::Operand &op) {
        return !op.w.shape.empty() && !g->a.shape.empty() &&
               g->rows() >= kRowsPerExpertReadWhole * op.w.shape[0];
      };
      for (const auto &op : g->weights)
        if (readWhole(op))
          add(op.w, /*experts=*/true, g->readFromAttention);
      // Fixed experts (a MoE's shared ones) take every row: read whole,
      // after the routed ones (as other weights, read before them, they
      // could keep the engine from reaching those in time). (Read expert
      // by expert instead, every weight of one before the next's, as the
      // entries come: DeepSeek-V2-Lite's 1024-token prefill MoE layer on
      // dc 992.6 us against 986.7.)
      for (const auto &op : g->weights)
        if (op.fixed && readWhole(op))
          add(*op.fixed, /*experts=*/true, g->readFromAttention);
    }
  }
  // Experts last and in their kernels' order (gate and up before down,
  // which the experts' first products need hundreds of microseconds later).
  llvm::stable_sort(out, [](const WholeRead &x, const WholeRead &y) {
    if (x.experts || y.experts)
      return !x.experts && y.experts;
    return x.hi - x.lo < y.hi - y.lo;
  });
}

/// The cache engine's read-ahead (where the chip has one): before each
/// dispatch, the bytes the dispatches from it on read whole (wholeReads) are
/// requested in their order until `horizon` bytes beyond what the
/// dispatches before it read, so the engine works that far ahead of the
/// kernels: enough to cover the phases that read little (norms, attention,
/// barriers), a quarter of the L2, so the lines are still there when their
/// kernel comes. (Decode at context 4096 on dc, 2-layer programs: an
/// eighth of the L2 gave steps of 502.6 / 578.1 us for R1-Distill-Qwen-1.5B
/// / DeepSeek-V2-Lite, a quarter 499.2 / 571.3.)
class CacheEngineReadAhead {
  /// The experts' horizon in eighths of the L2.
  static constexpr uint64_t kExpertHorizonEighths = 7;
  /// How many dispatches before their MoE's the engine reads experts
  /// marked readFromAttention. (DeepSeek-V2-Lite's 1024-token prefill
  /// MoE layer on dc, measured without shared experts ahead of the routed
  /// products: 0 / 2 / 4 / 6 dispatches 1030.4 / 969.1 / 954.4 / 955.6
  /// us; with them fused, 3 / 4 / 5: 987.6 / 986.7 / 986.9 us. With the
  /// router's chain 8 us shorter, the products start before the engine
  /// has read what the L2 holds: 4 / 5 / 6 gave a 4-layer program's MoE
  /// layer between MoE layers 960.1 / 953.1 / 955.4 us, the 2-layer
  /// program's 958.1 / 959.1 / -. With the combine 3 us shorter and the
  /// attention's multiply-adds, the products and the engine's reads start
  /// earlier together: 5 / 6 / 7 / 8 / 10 gave that layer 952.8 / 951.9 /
  /// 949.8 / 949.8 / 949.6 us; 8 sits inside the flat part. From 14 on the
  /// engine reads during q_proj and the L2 evicts the first experts.)
  static constexpr size_t kFromAttentionDispatches = 8;

public:
  CacheEngineReadAhead(ArrayRef<npu::DispatchOp> dispatches,
                       const codegen::ProgramBuilder &pb,
                       const DispatchOptions &options)
      : dispatches(dispatches), readsBefore(dispatches.size() + 1, 0) {
    if (!pb.hasCacheEngine())
      return;
    horizon = options.cacheEngineAhead;
    expertHorizon = pb.target().l2.bytes * kExpertHorizonEighths / 8;
    std::vector<WholeRead> reads;
    for (size_t i = 0; i < dispatches.size(); ++i) {
      npu::DispatchOp d = dispatches[i];
      std::vector<Kernel> ks;
      std::string why;
      reads.clear();
      if (auto addrs = d.getAddrs();
          addrs && translateDispatch(d, *addrs, ks, why, options))
        wholeReads(ks, pb, reads);
      uint64_t bytes = 0;
      for (const WholeRead &r : reads) {
        ahead.push_back({r.lo, r.hi, i, r.experts, r.fromAttention});
        bytes += r.hi - r.lo;
      }
      readsBefore[i + 1] = readsBefore[i] + bytes;
    }
  }

  /// Requests what dispatch `di` brings within the horizon (the builder
  /// puts the requests before the barrier before the dispatch's first
  /// kernel: they are issued when the kernels before it start).
  void before(size_t di, codegen::ProgramBuilder &pb) {
    // (A request is at most 64 MiB: a tile holds at most 2^28 elements.)
    constexpr uint64_t kMaxRequest = 64 << 20;
    while (horizon && next < ahead.size()) {
      const Read &r = ahead[next];
      uint64_t until = readsBefore[di] + (r.experts ? expertHorizon : horizon);
      // Experts only from their own dispatch on (its router's start): read
      // during the attention before it, the lines were evicted by its
      // activations before the experts' products came (DeepSeek-V2-Lite's
      // 1024-token prefill: 41 MB read twice), or by the time the shared
      // experts' products ahead of them took. Those whose product starts
      // right after the router, from a few dispatches before on: the
      // attention block then reads them instead of leaving the DRAM idle.
      if (requested >= until ||
          (r.experts &&
           r.dispatch > di + (r.fromAttention ? kFromAttentionDispatches : 0)))
        break;
      uint64_t lo = r.lo + into, n;
      if (requested < readsBefore[di]) {
        // Read by the kernels before this one already: skipped.
        n = std::min(r.hi - lo, readsBefore[di] - requested);
      } else {
        n = std::min({r.hi - lo, until - requested, kMaxRequest});
        npu::DispatchOp reader = dispatches[r.dispatch];
        pb.requestL2Prefetch(lo, lo + n, nodeName(reader) + ":l2_prefetch");
      }
      requested += n;
      into += n;
      if (r.lo + into >= r.hi) {
        ++next;
        into = 0;
      }
    }
  }

private:
  struct Read {
    uint64_t lo, hi;
    size_t dispatch;
    bool experts;       // a MoE's experts, read whole in all likelihood
    bool fromAttention; // WholeRead::fromAttention
  };
  ArrayRef<npu::DispatchOp> dispatches;
  std::vector<Read> ahead;           // in dispatch order
  std::vector<uint64_t> readsBefore; // bytes of `ahead` before dispatch i
  uint64_t horizon = 0;              // 0: no cache engine
  // How far ahead a MoE's experts (wholeReads) are read, from the MoE's own
  // dispatch on: through its router, token gather and shared experts, which
  // read little while the routing leaves the DRAM idle. DeepSeek-V2-Lite's
  // 1024-token prefill MoE layer: 1330.7 us not read ahead, 1327.8 with
  // the L2's quarter, 1313.1 with half, 1293.6 with three quarters (all of
  // it: 1293.7). Since dead scratch is discarded (L2Discard.cpp) the
  // engine reads faster during the attention, and what survives until the
  // experts' products depends on the timing, not monotonically: 0 to 7
  // eighths gave 1255.0 / - / 1252.2 / 1252.2 / 1243.4 / 1222.0 / 1252.5 /
  // 1247.6 us (1 not measured). Since the prefill partners evict the
  // experts their cube cores have loaded (MoEKernel.cpp) the response is
  // smooth: 5 to 8 eighths 1106.4 / 1096.9 / 1092.9 / 1093.8 us; seven
  // eighths it is.
  uint64_t expertHorizon = 0;
  // The next byte to request, ahead[next].lo + into, `requested` bytes
  // into the whole order.
  size_t next = 0;
  uint64_t into = 0, requested = 0;
};

/// The read-only bytes (weights, constant tables, inputs the program does
/// not write) whose last reader is each dispatch, where the program reads
/// more of them than the L2 holds; empty otherwise. Such a program streams
/// them through the L2: none is still there when the next call reads it
/// again, and an LRU L2 keeps the ones a kernel read last over the lines the
/// cache engine read ahead before them (a MoE layer's first experts, read
/// during its router and shared experts) or the activations written before
/// them. Dropped after their last reader (l2_evict: GM keeps its bytes),
/// they give those lines their place. (DeepSeek-V2-Lite's 1024-token prefill
/// MoE layer on dc: 1083.8 -> 1078.7 us.) A range that overlaps one read
/// later (a view of a weight, W_UK beside kv_b_proj) keeps the overlap.
static std::vector<std::vector<std::pair<uint64_t, uint64_t>>>
readOnlyLastRead(ArrayRef<npu::DispatchOp> dispatches,
                 const codegen::ProgramBuilder &pb) {
  using Range = std::pair<uint64_t, uint64_t>;
  std::vector<std::vector<Range>> byDispatch(dispatches.size());
  if (!pb.target().l2.present)
    return byDispatch;
  llvm::MapVector<Range, size_t> lastReader;
  for (size_t di = 0; di < dispatches.size(); ++di) {
    npu::DispatchOp d = dispatches[di];
    auto addrs = d.getAddrs();
    if (!addrs)
      continue;
    for (auto [i, v] : llvm::enumerate(d.getInputs())) {
      uint64_t lo = (uint64_t)(*addrs)[i], hi = lo + (uint64_t)bytesOf(v);
      if (pb.isReadOnlyData(lo, hi))
        lastReader[{lo, hi}] = di;
    }
  }
  // The bytes of their union (views of a weight share its bytes).
  std::vector<Range> ranges;
  for (const auto &[range, di] : lastReader)
    ranges.push_back(range);
  llvm::sort(ranges);
  uint64_t total = 0, end = 0;
  for (auto [lo, hi] : ranges) {
    lo = std::max(lo, end);
    if (hi > lo)
      total += hi - lo;
    end = std::max(end, hi);
  }
  if (total <= pb.target().l2.bytes)
    return byDispatch;
  struct Part {
    uint64_t lo, hi;
  };
  for (const auto &[range, di] : lastReader) {
    std::vector<Part> parts{{range.first, range.second}};
    for (const auto &[later, dj] : lastReader)
      if (dj > di)
        tessera::cutOut(parts, later.first, later.second);
    for (const Part &p : parts)
      byDispatch[di].push_back({p.lo, p.hi});
  }
  return byDispatch;
}

namespace {

//===----------------------------------------------------------------------===//
// Tiling
//===----------------------------------------------------------------------===//

struct NpuTilePass
    : public tessera::conversion::impl::NpuTileBase<NpuTilePass> {
  using NpuTileBase::NpuTileBase;
  void runOnOperation() override {
    const target::TargetDesc *t = getModuleTarget(getOperation());
    if (!t)
      return signalPassFailure();
    codegen::ProgramBuilder pb(*t, "plan");
    WalkResult r = getOperation().walk([&](npu::DispatchOp d) {
      std::vector<Kernel> ks;
      if (!singleKernel(d, ks))
        return WalkResult::advance();
      codegen::Tiling tiling;
      std::string error;
      bool ok = true;
      if (auto *v = std::get_if<codegen::VectorKernel>(&ks[0]))
        ok = pb.planVector(*v, tiling, error);
      else if (auto *m = std::get_if<codegen::MatmulKernel>(&ks[0]))
        ok = pb.planMatmul(*m, tiling, error, siblingMatmulJobs(d, pb),
                           /*ownCores=*/true);
      else
        return WalkResult::advance();
      if (!ok) {
        d.emitError("cannot tile node '") << nodeName(d) << "': " << error;
        return WalkResult::interrupt();
      }
      Builder b(d);
      d.setTilingAttr(b.getDenseI64ArrayAttr(tiling.tile));
      if (tiling.scratchBytes > 0)
        d.setScratchAttr(b.getDenseI64ArrayAttr({tiling.scratchBytes}));
      d.setCoresAttr(b.getI64IntegerAttr(tiling.cores));
      if (d.getEngine() == npu::Engine::matrix)
        d.setLayoutAttr(b.getStringAttr(tiling.nz ? "nz" : "nd"));
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};

//===----------------------------------------------------------------------===//
// GM planning
//===----------------------------------------------------------------------===//

constexpr uint64_t kGmAlign = 512;
uint64_t alignGm(uint64_t x) { return llvm::alignTo(x, kGmAlign); }

struct NpuPlanMemoryPass
    : public tessera::conversion::impl::NpuPlanMemoryBase<NpuPlanMemoryPass> {
  using NpuPlanMemoryBase::NpuPlanMemoryBase;

  LogicalResult planFunc(func::FuncOp func, const target::TargetDesc &t) {
    Block &entry = func.getBody().front();
    Builder b(func.getContext());
    llvm::DenseMap<Value, uint64_t> addr;
    uint64_t at = 0, inputs = 0, outputs = 0, weights = 0;
    for (BlockArgument a : entry.getArguments()) {
      addr[a] = at;
      func.setArgAttr(a.getArgNumber(), "npu.addr",
                      b.getI64IntegerAttr((int64_t)at));
      at = alignGm(at + bytesOf(a));
    }
    inputs = at;
    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    // A result written in place (a KV-cache update) shares the buffer it
    // updates: an input's, so the output is that input's bytes (state the
    // program carries from one call to the next), or a buffer placed here.
    auto inPlaceRoot = [](Value v) {
      while (auto d = v.getDefiningOp<npu::DispatchOp>()) {
        if (!tessera::conversion::isInPlaceDispatch(d))
          break;
        v = d.getInputs()[0];
      }
      return v;
    };
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      Value r = inPlaceRoot(v);
      uint64_t here = at;
      if (r != v && addr.count(r)) {
        here = addr[r];
      } else {
        if (r != v)
          addr[r] = at;
        at = alignGm(at + bytesOf(v));
      }
      addr[v] = here;
      func.setResultAttr(i, "npu.addr", b.getI64IntegerAttr((int64_t)here));
    }
    outputs = at - inputs;
    for (auto c : entry.getOps<graph::ConstantOp>()) {
      addr[c.getResult()] = at;
      c->setAttr("npu.addr", b.getI64IntegerAttr((int64_t)at));
      at = alignGm(at + bytesOf(c.getResult()));
    }
    weights = at - inputs - outputs;
    uint64_t scratchBase = at;

    // Buffers of dispatch results by liveness; views alias their source (a
    // slice view at a byte offset into it).
    SmallVector<npu::DispatchOp> ds(entry.getOps<npu::DispatchOp>());
    struct Alias {
      Value of;
      uint64_t offset;
    };
    llvm::DenseMap<Value, Alias> root; // view -> buffer it aliases
    llvm::DenseMap<Value, size_t> lastUse;
    auto rootOf = [&](Value v) {
      while (root.count(v))
        v = root[v].of;
      return v;
    };
    auto offsetInRoot = [&](Value v) {
      uint64_t off = 0;
      for (; root.count(v); v = root[v].of)
        off += root[v].offset;
      return off;
    };
    // A concat whose slots are contiguous runs of its result needs no copy:
    // each operand's buffer is placed in its slot, written there by the
    // kernel that makes it (DeepSeek's decode: the cache row is the latent
    // then the rope key).
    llvm::DenseSet<Value> slotted; // operand buffers placed in a concat
    auto concatInPlace = [&](npu::DispatchOp d) {
      SmallVector<std::pair<Value, uint64_t>> slots;
      if (probes || !tessera::conversion::concatSlots(d, slots))
        return;
      for (auto &[base, offset] : slots)
        if (root.count(base) || slotted.count(base))
          return;
      for (auto &[base, offset] : slots) {
        root[base] = {d.getResult(0), offset};
        slotted.insert(base);
      }
      d->setAttr(tessera::conversion::kConcatInPlaceAttr, b.getUnitAttr());
    };
    for (size_t i = 0; i < ds.size(); ++i) {
      if (ds[i].getEngine() == npu::Engine::view ||
          tessera::conversion::isInPlaceDispatch(ds[i]))
        root[ds[i].getResult(0)] = {ds[i].getInputs()[0],
                                    tessera::conversion::viewByteOffset(ds[i])};
      concatInPlace(ds[i]);
      for (Value in : ds[i].getInputs())
        lastUse[rootOf(in)] = i;
    }
    // A buffer freed after its last reader k is reused only once k is
    // known complete: at the first dispatch that reads what k wrote (a
    // barrier comes before it), or kReuseGap kernels later. A kernel that
    // overwrote what the kernel before it still reads would need a barrier
    // between them, where kernels with disjoint bytes run side by side (a
    // SwiGLU on the vector cores beside the next rows' products,
    // PipelineMlp.cpp). Views and in-place concats run no kernel.
    constexpr size_t kReuseGap = 2;
    size_t none = ds.size();
    SmallVector<size_t> kernelsUpTo(ds.size()), firstReader(ds.size(), none);
    llvm::DenseMap<Value, size_t> writer; // buffer -> its latest kernel
    for (size_t i = 0, n = 0; i < ds.size(); ++i) {
      bool kernel = ds[i].getEngine() != npu::Engine::view &&
                    !ds[i]->hasAttr(tessera::conversion::kConcatInPlaceAttr);
      n += kernel;
      kernelsUpTo[i] = n;
      for (Value in : ds[i].getInputs()) {
        auto w = writer.find(rootOf(in));
        if (w != writer.end() && firstReader[w->second] == none)
          firstReader[w->second] = i;
      }
      if (kernel)
        for (Value r : ds[i].getResults())
          writer[rootOf(r)] = i;
    }
    auto reusableAt = [&](size_t lastReader, size_t i) {
      if (lastReader >= i)
        return false;
      return firstReader[lastReader] <= i ||
             kernelsUpTo[lastReader] + kReuseGap < kernelsUpTo[i];
    };
    // Offsets are scratch-relative; GM's size is checked on the total below.
    codegen::FirstFitAllocator activations(~0ull, kGmAlign);
    auto place = [&](uint64_t bytes) {
      uint64_t off = 0;
      (void)activations.allocate(std::max<uint64_t>(bytes, 1), off);
      return off;
    };
    llvm::DenseMap<Operation *, SmallVector<int64_t>> scratchAddr;
    std::vector<std::pair<size_t, uint64_t>> live; // (last use, offset)
    for (size_t i = 0; i < ds.size(); ++i) {
      // Free buffers whose last use came before this dispatch; what they
      // hold is dead from here (the dispatch's `dead` ranges).
      SmallVector<int64_t> dead;
      for (auto it = live.begin(); it != live.end();) {
        if (reusableAt(it->first, i)) {
          uint64_t bytes = activations.release(it->second);
          dead.append({(int64_t)(scratchBase + it->second), (int64_t)bytes});
          it = live.erase(it);
        } else {
          ++it;
        }
      }
      npu::DispatchOp d = ds[i];
      if (!dead.empty())
        d.setDeadAttr(b.getDenseI64ArrayAttr(dead));
      else
        d.removeDeadAttr();
      for (Value r : d.getResults()) {
        if (addr.count(r))
          continue; // a program output
        if (d.getEngine() == npu::Engine::view ||
            tessera::conversion::isInPlaceDispatch(d)) {
          addr[r] = addr.lookup(rootOf(r)) + offsetInRoot(r);
          continue;
        }
        if (slotted.count(r)) {
          // The concat's buffer, placed when its first operand is made and
          // live until the concat's last reader.
          Value whole = rootOf(r);
          if (!addr.count(whole)) {
            uint64_t off =
                place((uint64_t)std::max<int64_t>(bytesOf(whole), 0));
            addr[whole] = scratchBase + off;
            live.push_back({lastUse.count(whole) ? lastUse[whole] : i, off});
          }
          addr[r] = addr[whole] + offsetInRoot(r);
          continue;
        }
        uint64_t off = place((uint64_t)std::max<int64_t>(bytesOf(r), 0));
        addr[r] = scratchBase + off;
        live.push_back({probes             ? ds.size()
                        : lastUse.count(r) ? lastUse[r]
                                           : i,
                        off});
      }
      // Scratch lives while the dispatch runs; a matmul's split-K partial
      // sums until its result is used (their reduction may run late).
      size_t scratchEnd = i;
      if (d.getEngine() == npu::Engine::matrix && d.getTiling() &&
          d.getTiling()->size() >= 5 && (*d.getTiling())[4] > 1) {
        scratchEnd = ds.size();
        for (Value r : d.getResults())
          if (lastUse.count(r) && !llvm::any_of(r.getUsers(), [](Operation *u) {
                return isa<func::ReturnOp>(u);
              }))
            scratchEnd = lastUse[r];
      }
      if (auto sc = d.getScratch())
        for (int64_t bytes : *sc) {
          uint64_t off = place((uint64_t)std::max<int64_t>(bytes, 0));
          scratchAddr[d.getOperation()].push_back(scratchBase + off);
          live.push_back({scratchEnd, off});
        }
    }
    uint64_t peak = activations.peak();
    uint64_t total = scratchBase + peak;
    for (npu::DispatchOp d : ds) {
      SmallVector<int64_t> a;
      for (Value v : d.getInputs()) {
        if (!addr.count(rootOf(v)) && !addr.count(v))
          return d.emitError("operand without a GM address");
        a.push_back((int64_t)(addr.count(v)
                                  ? addr[v]
                                  : addr[rootOf(v)] + offsetInRoot(v)));
      }
      for (Value r : d.getResults())
        a.push_back((int64_t)addr[r]);
      for (int64_t s : scratchAddr.lookup(d.getOperation()))
        a.push_back(s);
      d.setAddrsAttr(b.getDenseI64ArrayAttr(a));
    }
    func->setAttr("npu.gm_bytes", b.getI64IntegerAttr((int64_t)total));
    func->setAttr("npu.gm_activation_peak", b.getI64IntegerAttr((int64_t)peak));
    uint64_t gm = t.space(target::Space::GM).bytes;
    if (total > gm)
      return func.emitError("the model needs ")
             << total << " bytes of GM (inputs " << inputs << ", outputs "
             << outputs << ", weights " << weights << ", activations at peak "
             << peak << ") but target '" << t.name << "' has " << gm;
    return success();
  }

  void runOnOperation() override {
    const target::TargetDesc *t = getModuleTarget(getOperation());
    if (!t)
      return signalPassFailure();
    for (auto f : getOperation().getOps<func::FuncOp>())
      if (failed(planFunc(f, *t)))
        return signalPassFailure();
  }
};

//===----------------------------------------------------------------------===//
// Code generation
//===----------------------------------------------------------------------===//

/// What tessera-isa-insert-sync does to a program: pipe flags, then (with
/// `loops`) repetitions folded into loops. Records what it did on the
/// program op built from the result (`setStats`).
struct SyncResult {
  codegen::SyncStats sync;
  codegen::RerollStats reroll;
  codegen::SpmdStats spmd;
  bool loops = false;
  void setStats(Operation *progOp) const {
    Builder b(progOp->getContext());
    progOp->setAttr("npu.sync_flag_pairs",
                    b.getI64IntegerAttr((int64_t)sync.flagPairs));
    if (sync.hoistedLoads)
      progOp->setAttr("npu.hoisted_loads",
                      b.getI64IntegerAttr((int64_t)sync.hoistedLoads));
    if (loops)
      progOp->setAttr("npu.loops", b.getI64IntegerAttr((int64_t)reroll.loops));
    // Nothing fails when streams cannot share code, the program just
    // grows by their count: said, so a kernel that names every register
    // is found by more than the program's size.
    if (spmd.noRegisters)
      progOp->emitWarning()
          << "the streams of " << spmd.noRegisters
          << " core type(s) keep their own code: it names scalar registers "
             "up to r"
          << spmd.highestRegister
          << ", leaving too few for the launch arguments of shared code";
  }
};

/// With `packed` (the code generator's streams, still packed: see
/// bin::PackedStream), each stream is unpacked and verified just before it
/// is synchronized and folded.
bool syncAndFold(MLIRContext *ctx, bin::Program &prog,
                 const target::TargetDesc &t, bool loops, bool spmd,
                 SyncResult &r, std::string &error,
                 std::vector<bin::PackedStream> *packed = nullptr) {
  r.loops = loops;
  if (packed && !loops) {
    for (size_t si = 0; si < packed->size(); ++si)
      if (!bin::unpackStream((*packed)[si], prog.streams[si].instrs, error) ||
          !bin::verifyStreamCode(prog, (uint32_t)si, t, error)) {
        error = "generated program does not verify: " + error;
        return false;
      }
    packed->clear();
  }
  if (!loops)
    return codegen::insertSync(prog, t, r.sync, error);
  // Stream by stream: each is folded right after it is synchronized, so the
  // compiler holds one synchronized straight-line stream per thread, not
  // all of them (and, given the packed code, not the others' unpacked
  // instructions: with the folded streams packed too, 5.5 -> 3.4 GB for
  // DeepSeek-V2-Lite's prefill of 1024 tokens).
  // Streams are independent until LoopFolder::finish, so they are done on
  // the context's threads; the program does not depend on how (the
  // statistics are summed and the first failing stream reported).
  size_t n = prog.streams.size();
  std::vector<std::vector<bin::DebugEntry>> debugOf(n);
  for (bin::DebugEntry &d : prog.debug)
    if (d.stream < n)
      debugOf[d.stream].push_back(std::move(d));
  prog.debug.clear();
  codegen::LoopFolder folder(prog, t);
  // Folded streams wait packed for shareStreams (which unpacks them).
  std::vector<bin::PackedStream> folded(spmd ? n : 0);
  if (spmd)
    folder.packInto(&folded);
  std::vector<codegen::SyncStats> syncOf(n);
  codegen::ConstRanges consts = codegen::constRangesOf(prog);
  std::vector<std::string> errorOf(n);
  mlir::parallelFor(ctx, 0, n, [&](size_t si) {
    if (prog.streams[si].shares != bin::kOwnCode)
      return; // runs another stream's code (an assembled SPMD program)
    if (packed && si < packed->size()) {
      bin::PackedStream code = std::move((*packed)[si]);
      std::string why;
      if (!bin::unpackStream(code, prog.streams[si].instrs, why) ||
          !bin::verifyStreamCode(prog, (uint32_t)si, t, why)) {
        errorOf[si] = "generated program does not verify: " + why;
        return;
      }
    }
    if (!codegen::insertSyncStream(prog.streams[si], (uint32_t)si, debugOf[si],
                                   syncOf[si], errorOf[si], &consts)) {
      if (errorOf[si].empty())
        errorOf[si] = "stream " + std::to_string(si) + ": sync failed";
      return;
    }
    folder.foldStream((uint32_t)si, debugOf[si]);
  });
  for (size_t si = 0; si < n; ++si) {
    if (!errorOf[si].empty()) {
      error = errorOf[si];
      return false;
    }
    r.sync.flagPairs += syncOf[si].flagPairs;
    r.sync.dependencies += syncOf[si].dependencies;
    r.sync.alreadyOrdered += syncOf[si].alreadyOrdered;
    r.sync.hoistedLoads += syncOf[si].hoistedLoads;
    for (bin::DebugEntry &d : debugOf[si])
      prog.debug.push_back(std::move(d));
  }
  if (!folder.finish(error))
    return false;
  r.reroll = folder.stats();
  if (spmd)
    codegen::shareStreams(prog, t, r.spmd, &folded);

  return true;
}

struct NpuToIsaPass
    : public tessera::conversion::impl::NpuToIsaBase<NpuToIsaPass> {
  using NpuToIsaBase::NpuToIsaBase;

  LogicalResult lower(func::FuncOp func, const target::TargetDesc &t) {
    Block &entry = func.getBody().front();
    codegen::ProgramBuilder pb(t, func.getName().str());
    pb.setL2Prefetch(l2Prefetch);
    pb.setL2Discard(l2Discard);
    DispatchOptions dispatchOptions;
    dispatchOptions.separateVectorCores = pb.hasSeparateVectorCores();
    dispatchOptions.cacheEngineAhead = pb.hasCacheEngine() ? t.l2.bytes / 4 : 0;
    auto gmBytes = func->getAttrOfType<IntegerAttr>("npu.gm_bytes");
    if (!gmBytes)
      return func.emitError("run tessera-npu-plan-memory first");
    auto ioEntry = [&](StringRef name, bool out, Type type, int64_t at) {
      auto rt = cast<RankedTensorType>(type);
      bin::IoEntry e;
      e.name = name.str();
      e.isOutput = out;
      e.dtype = *graph::toDType(rt.getElementType());
      e.shape.assign(rt.getShape().begin(), rt.getShape().end());
      e.gmAddr = (uint64_t)at;
      return e;
    };
    for (BlockArgument a : entry.getArguments()) {
      auto n =
          func.getArgAttrOfType<StringAttr>(a.getArgNumber(), "graph.name");
      auto at =
          func.getArgAttrOfType<IntegerAttr>(a.getArgNumber(), "npu.addr");
      if (!at)
        return func.emitError("input without an address");
      // Unnamed arguments and results are argN / resultN, as the golden
      // evaluator names them (getArgumentNames), so --check and the C API
      // bind the same names on both sides.
      std::string name =
          n ? n.getValue().str() : "arg" + std::to_string(a.getArgNumber());
      pb.addIo(ioEntry(name, false, a.getType(), at.getInt()));
    }
    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      auto n = func.getResultAttrOfType<StringAttr>(i, "graph.name");
      auto at = func.getResultAttrOfType<IntegerAttr>(i, "npu.addr");
      std::string name = n ? n.getValue().str() : "result" + std::to_string(i);
      pb.addIo(ioEntry(name, true, v.getType(), at.getInt()));
    }
    for (auto c : entry.getOps<graph::ConstantOp>()) {
      auto at = c->getAttrOfType<IntegerAttr>("npu.addr");
      if (!at)
        return c.emitError("constant without an address");
      auto resource = dyn_cast<DenseResourceElementsAttr>(c.getValue());
      bin::ConstBlob blob;
      blob.name = nodeName(c);
      blob.gmAddr = (uint64_t)at.getInt();
      if (resource && !resource.getRawHandle().getBlob()) {
        // A weight-layout manifest's constant: a generation compile from a
        // manifest (kUnplacedWeightsAttr) places it in the weight file by
        // size alone; anything else needs the bytes.
        auto module = func->getParentOfType<ModuleOp>();
        auto file = module ? module->getAttrOfType<StringAttr>(
                                 tessera::isa::kUnplacedWeightsAttr)
                           : StringAttr();
        std::optional<DType> dt =
            graph::toDType(cast<ShapedType>(c.getType()).getElementType());
        if (!file || !dt)
          return c.emitError("constant '")
                 << nodeName(c)
                 << "' has no bytes (a weight-layout manifest): a program "
                    "needs the weights (--emit=npu stops before code "
                    "generation; a generation compile into a directory "
                    "writes the programs and the weights' layout)";
        blob.external = blob.unplaced = true;
        blob.file = file.getValue().str();
        blob.size = (uint64_t)(cast<ShapedType>(c.getType()).getNumElements() *
                               dtypeByteSize(*dt));
        pb.addConst(std::move(blob));
        continue;
      }
      // A resource blob already holds the storage bytes: the program refers
      // to them where the context holds them (ConstBlob::mapped; the isa
      // module built from the program does too) instead of a copy of a
      // model's weights, or decoding to f32 and encoding again.
      auto type = cast<ShapedType>(c.getType());
      std::optional<DType> dtype = graph::toDType(type.getElementType());
      if (resource && dtype && *dtype != DType::Bool &&
          resource.getRawHandle().getBlob()->getData().size() ==
              (size_t)(type.getNumElements() * dtypeByteSize(*dtype))) {
        ArrayRef<char> raw = resource.getRawHandle().getBlob()->getData();
        blob.mapped = reinterpret_cast<const uint8_t *>(raw.data());
        blob.size = raw.size();
      } else {
        FailureOr<Tensor> host = graph::elementsToTensor(c.getValue());
        if (failed(host))
          return c.emitError("cannot read constant");
        blob.data = host->toBytes();
        blob.size = blob.data.size();
      }
      pb.addConst(std::move(blob));
    }
    pb.setGmBytes((uint64_t)gmBytes.getInt());
    // Probes: every intermediate dispatch result (views alias another
    // buffer, outputs are outputs already) as an extra output, in dispatch
    // order, named after its ONNX node.
    if (probes) {
      llvm::DenseSet<Value> outputs(ret.getOperands().begin(),
                                    ret.getOperands().end());
      for (auto d : entry.getOps<npu::DispatchOp>()) {
        if (d.getEngine() == npu::Engine::view || !d.getAddrs())
          continue;
        unsigned nIn = d.getInputs().size();
        for (auto [i, r] : llvm::enumerate(d.getResults()))
          if (!outputs.count(r))
            pb.addIo(ioEntry("probe:" + nodeName(d) + "#" + std::to_string(i),
                             true, r.getType(), (*d.getAddrs())[nIn + i]));
      }
    }
    SmallVector<npu::DispatchOp> dispatches(
        entry.getOps<npu::DispatchOp>().begin(),
        entry.getOps<npu::DispatchOp>().end());
    CacheEngineReadAhead readAhead(dispatches, pb, dispatchOptions);
    auto lastRead = readOnlyLastRead(dispatches, pb);
    for (auto [di, d] : llvm::enumerate(dispatches)) {
      auto addrs = d.getAddrs();
      if (!addrs)
        return d.emitError("dispatch without addresses");
      readAhead.before(di, pb);
      if (auto dead = d.getDead())
        for (size_t k = 0; k + 1 < dead->size(); k += 2)
          pb.discardWhenDrained((uint64_t)(*dead)[k],
                                (uint64_t)((*dead)[k] + (*dead)[k + 1]));
      if (di > 0)
        for (auto [lo, hi] : lastRead[di - 1])
          pb.evictWhenDrained(lo, hi);
      std::vector<Kernel> ks;
      std::string why;
      if (!translateDispatch(d, *addrs, ks, why, dispatchOptions))
        return d.emitError("no NPU lowering for node '")
               << nodeName(d) << "': " << why;
      for (size_t i = 0; i < ks.size(); ++i) {
        std::string error;
        bool ok;
        codegen::Tiling tiling;
        bool useAttrs = ks.size() == 1 && d.getTiling();
        if (useAttrs) {
          tiling.tile.assign(d.getTiling()->begin(), d.getTiling()->end());
          tiling.cores = d.getCores() ? (int64_t)*d.getCores() : 1;
          tiling.nz = d.getLayout() && *d.getLayout() == "nz";
        }
        if (auto *v = std::get_if<codegen::VectorKernel>(&ks[i]))
          ok = (useAttrs || pb.planVector(*v, tiling, error)) &&
               pb.addVector(*v, tiling, error);
        else if (auto *m = std::get_if<codegen::MatmulKernel>(&ks[i]))
          // (The dispatch's first kernel is its product of input 0.)
          ok = (useAttrs || pb.planMatmul(*m, tiling, error,
                                          i == 0 ? siblingMatmulJobs(d, pb) : 0,
                                          /*ownCores=*/ks.size() == 1)) &&
               pb.addMatmul(*m, tiling, error);
        else if (auto *g = std::get_if<codegen::GatherKernel>(&ks[i]))
          ok = pb.addGather(*g, error);
        else if (auto *a = std::get_if<codegen::AiCpuKernel>(&ks[i]))
          ok = pb.addAiCpu(*a, error);
        else if (auto *g = std::get_if<codegen::GroupedMatmulKernel>(&ks[i]))
          ok = pb.addGroupedMatmul(*g, error);
        else if (auto *mt = std::get_if<codegen::MoETableKernel>(&ks[i]))
          ok = pb.addMoETable(*mt, error);
        else if (auto *at = std::get_if<codegen::AttentionKernel>(&ks[i]))
          ok = pb.addAttention(*at, error);
        else if (auto *f = std::get_if<codegen::FenceKernel>(&ks[i]))
          pb.addFence(*f);
        else
          ok = pb.addTopK(std::get<codegen::TopKKernel>(ks[i]), error);
        if (!ok)
          return d.emitError("code generation failed for node '")
                 << nodeName(d) << "': " << error;
      }
    }
    bin::Program prog;
    std::string error;
    std::vector<bin::PackedStream> packed;
    if (sync ? !pb.finish(prog, packed, error) : !pb.finish(prog, error))
      return func.emitError("code generation failed: ") << error;
    if (!bin::verifyProgram(prog, t, error, /*checkCode=*/!sync))
      return func.emitError("generated program does not verify: ") << error;
    SyncResult synced;
    if (sync && !syncAndFold(func.getContext(), prog, t, loops, spmd, synced,
                             error, &packed))
      return func.emitError(error);
    OwningOpRef<ModuleOp> m =
        tessera::isa::programToModule(func.getContext(), std::move(prog), t);
    if (!m)
      return func.emitError("cannot build the isa program");
    Operation *progOp = &m->getBody()->front();
    if (sync)
      synced.setStats(progOp);
    // What the code generator did, for --emit=isa readers.
    Builder b(func.getContext());
    const codegen::BuildStats &bs = pb.stats();
    progOp->setAttr("npu.kernels", b.getI64IntegerAttr((int64_t)bs.kernels));
    progOp->setAttr("npu.cross_core_barriers",
                    b.getI64IntegerAttr((int64_t)bs.crossCoreBarriers));
    progOp->setAttr("npu.aicpu_kernels",
                    b.getI64IntegerAttr((int64_t)bs.aicpuKernels));
    progOp->setAttr("npu.l2_prefetch_bytes",
                    b.getI64IntegerAttr((int64_t)bs.l2PrefetchBytes));
    progOp->setAttr("npu.l2_engine_bytes",
                    b.getI64IntegerAttr((int64_t)bs.l2EngineBytes));
    if (bs.l2DiscardBytes)
      progOp->setAttr("npu.l2_discard_bytes",
                      b.getI64IntegerAttr((int64_t)bs.l2DiscardBytes));
    if (bs.l2EvictBytes)
      progOp->setAttr("npu.l2_evict_bytes",
                      b.getI64IntegerAttr((int64_t)bs.l2EvictBytes));
    if (auto peak = func->getAttrOfType<IntegerAttr>("npu.gm_activation_peak"))
      progOp->setAttr("npu.gm_activation_peak", peak);
    progOp->moveBefore(func);
    func.erase();
    return success();
  }

  void runOnOperation() override {
    const target::TargetDesc *t = getModuleTarget(getOperation());
    if (!t)
      return signalPassFailure();
    for (auto f :
         llvm::make_early_inc_range(getOperation().getOps<func::FuncOp>()))
      if (failed(lower(f, *t)))
        return signalPassFailure();
  }
};

//===----------------------------------------------------------------------===//
// Sync insertion
//===----------------------------------------------------------------------===//

struct IsaInsertSyncPass
    : public tessera::conversion::impl::IsaInsertSyncBase<IsaInsertSyncPass> {
  using IsaInsertSyncBase::IsaInsertSyncBase;
  void runOnOperation() override {
    for (auto p : llvm::make_early_inc_range(
             getOperation().getOps<tessera::isa::ProgramOp>())) {
      // Synchronized already, by tessera-npu-to-isa{sync=true}.
      if (p->hasAttr("npu.sync_flag_pairs"))
        continue;
      // A module lowered here records its target; a hand-written isa
      // module has only the program's own.
      const target::TargetDesc *t = nullptr;
      if (getOperation()->hasAttr(kTargetAttrName)) {
        t = getModuleTarget(p);
      } else {
        std::string error;
        t = target::getPresetCached(p.getTarget().str(), error);
        if (!t)
          p.emitError("target '") << p.getTarget() << "': " << error;
      }
      if (!t)
        return signalPassFailure();
      FailureOr<bin::Program> prog = tessera::isa::emitProgram(p, *t);
      if (failed(prog))
        return signalPassFailure();
      SyncResult synced;
      std::string error;
      if (!syncAndFold(&getContext(), *prog, *t, loops, spmd, synced, error)) {
        p.emitError(error);
        return signalPassFailure();
      }
      OwningOpRef<ModuleOp> m =
          tessera::isa::programToModule(&getContext(), std::move(*prog), *t);
      Operation *np = &m->getBody()->front();
      for (NamedAttribute a : p->getDiscardableAttrs())
        np->setAttr(a.getName(), a.getValue());
      synced.setStats(np);
      np->moveBefore(p);
      p.erase();
    }
  }
};

} // namespace

llvm::SmallVector<std::string> tessera::conversion::npuFusedLLMOps() {
  return {"rms_norm", "swiglu", "rope", "attention", "moe"};
}
