//===- VectorKernel.cpp - Tiling and code generation of vector kernels ----===//
//
// A vector kernel is a dataflow graph over an iteration space. Code
// generation:
//  1. coalesces adjacent dimensions that every view and value walks
//     contiguously (so most kernels become 1-3 dimensional);
//  2. tiles: a tile covers dims > `split` whole and `block` indices of dim
//     `split`; the largest tile whose buffers (allocated by liveness) fit in
//     half the local memory wins, the other half holds the next tile;
//  3. splits the tiles across the vector cores in contiguous runs;
//  4. per tile: DMA loads (casting to the compute type on the vector unit),
//     the graph's instructions in order, DMA stores.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/FirstFitAllocator.h"
#include "tessera/CodeGen/Kernels.h"

#include <algorithm>
#include <functional>

namespace tessera::codegen {

using bin::Instr;
using bin::makeInstr;
using bin::Opcode;
using bin::Tile;
using target::Space;

DType computeTypeOf(DType storage) {
  if (isFloatDType(storage))
    return DType::F32;
  if (storage == DType::U8 || storage == DType::Bool)
    return DType::U8;
  return DType::I32;
}

//===----------------------------------------------------------------------===//
// Graph construction
//===----------------------------------------------------------------------===//

static std::vector<bool> orOnes(const std::vector<bool> &a,
                                const std::vector<bool> &b) {
  std::vector<bool> r(a.size());
  for (size_t i = 0; i < a.size(); ++i)
    r[i] = a[i] && b[i];
  return r;
}

static int append(std::vector<VNode> &nodes, VNode n) {
  nodes.push_back(std::move(n));
  return (int)nodes.size() - 1;
}

/// A node computed from operand `a`, with a's type and broadcast mask.
static VNode derived(const std::vector<VNode> &nodes, VKind kind, Opcode op,
                     int a) {
  VNode n;
  n.kind = kind;
  n.opcode = op;
  n.a = a;
  n.type = nodes[a].type;
  n.one = nodes[a].one;
  return n;
}

int VectorKernel::load(int input) {
  // A dim the view reads with stride 0 (an expanded view: one element for
  // every index) is a broadcast: loaded once and broadcast by the vector
  // unit. (As a DMA it was one 2-byte run per element: the RoPE tables of
  // V2-Lite's 16 query heads, 512 runs each, cost 1.6 us per load on edge.)
  GmView &view = inputs[input];
  for (size_t k = 0; k < view.shape.size(); ++k)
    if (view.strides[k] == 0)
      view.shape[k] = 1;
  VNode n;
  n.kind = VKind::Load;
  n.input = input;
  n.type = computeTypeOf(inputs[input].dtype);
  n.one.resize(space.size());
  for (size_t k = 0; k < space.size(); ++k)
    n.one[k] = inputs[input].shape[k] == 1;
  return append(nodes, std::move(n));
}

int VectorKernel::loadStored(int input) {
  int n = load(input);
  nodes[n].type = inputs[input].dtype;
  return n;
}

int VectorKernel::loadRows(int input, const GmView &index, int64_t tableRows,
                           bool stored) {
  rowGathers.push_back({input, index, tableRows});
  return stored ? loadStored(input) : load(input);
}

int VectorKernel::constant(float value, DType type) {
  VNode n;
  n.kind = VKind::Const;
  n.imm = value;
  n.type = type;
  n.one.assign(space.size(), true);
  return append(nodes, std::move(n));
}

int VectorKernel::unary(Opcode op, int a) {
  return append(nodes, derived(nodes, VKind::Unary, op, a));
}

int VectorKernel::binary(Opcode op, int a, int b) {
  VNode n = derived(nodes, VKind::Binary, op, a);
  n.b = b;
  n.one = orOnes(n.one, nodes[b].one);
  return append(nodes, std::move(n));
}

int VectorKernel::scalar(Opcode op, int a, float imm) {
  VNode n = derived(nodes, VKind::Scalar, op, a);
  n.imm = imm;
  return append(nodes, std::move(n));
}

int VectorKernel::compare(bin::CmpKind kind, int a, int b) {
  VNode n = derived(nodes, VKind::Cmp, Opcode::VCmp, a);
  n.cmp = (int64_t)kind;
  n.b = b;
  n.type = DType::U8;
  n.one = orOnes(n.one, nodes[b].one);
  return append(nodes, std::move(n));
}

int VectorKernel::select(int mask, int a, int b) {
  VNode n = derived(nodes, VKind::Select, Opcode::VSel, mask);
  n.b = a;
  n.c = b;
  n.type = nodes[a].type;
  n.one = orOnes(orOnes(n.one, nodes[a].one), nodes[b].one);
  return append(nodes, std::move(n));
}

int VectorKernel::mulAdd(int a, int b, int c) {
  if (nodes[a].type != DType::F32 || nodes[b].type != DType::F32 ||
      nodes[c].type != DType::F32)
    return binary(Opcode::VAdd, binary(Opcode::VMul, a, b), c);
  VNode n = derived(nodes, VKind::MulAdd, Opcode::VMla, a);
  n.b = b;
  n.c = c;
  n.one = orOnes(orOnes(n.one, nodes[b].one), nodes[c].one);
  return append(nodes, std::move(n));
}

int VectorKernel::cast(int a, DType type) {
  if (nodes[a].type == type)
    return a;
  VNode n = derived(nodes, VKind::Cast, Opcode::VCast, a);
  n.type = type;
  return append(nodes, std::move(n));
}

int VectorKernel::reduce(Opcode op, int a) {
  VNode n = derived(nodes, VKind::Reduce, op, a);
  for (size_t k = space.size() - reducedDims; k < space.size(); ++k)
    n.one[k] = true;
  return append(nodes, std::move(n));
}

void VectorKernel::store(int node, const GmView &view) {
  bool widen = false;
  for (size_t k = 0; k < space.size(); ++k)
    if (nodes[node].one[k] && view.shape[k] != 1)
      widen = true;
  if (widen) {
    // vadds 0 broadcasts its source to the destination's shape.
    int b = scalar(Opcode::VAddS, node, 0.0f);
    for (size_t k = 0; k < space.size(); ++k)
      nodes[b].one[k] = view.shape[k] == 1;
    node = b;
  }
  stores.push_back({node, view});
}

//===----------------------------------------------------------------------===//
// Coalescing
//===----------------------------------------------------------------------===//

namespace {

/// A kernel normalized for code generation: extent-1 dims dropped, mergeable
/// dims merged, at least one non-reduced dim.
struct Normalized {
  std::vector<int64_t> space;
  int reduced = 0;
  std::vector<GmView> inputs;
  std::vector<VNode> nodes;
  std::vector<VStore> stores;
  std::vector<VRowGather> rowGathers;
  /// The row gather of each input, or -1.
  int gatherOf(int input) const {
    for (size_t g = 0; g < rowGathers.size(); ++g)
      if (rowGathers[g].input == input)
        return (int)g;
    return -1;
  }
};

Normalized normalize(const VectorKernel &k) {
  Normalized n;
  n.space = k.space;
  n.reduced = k.reducedDims;
  n.inputs = k.inputs;
  n.nodes = k.nodes;
  n.stores = k.stores;
  n.rowGathers = k.rowGathers;
  auto eraseDim = [&](size_t d) {
    n.space.erase(n.space.begin() + d);
    for (GmView &v : n.inputs) {
      v.shape.erase(v.shape.begin() + d);
      v.strides.erase(v.strides.begin() + d);
    }
    for (VStore &s : n.stores) {
      s.view.shape.erase(s.view.shape.begin() + d);
      s.view.strides.erase(s.view.strides.begin() + d);
    }
    for (VNode &v : n.nodes)
      v.one.erase(v.one.begin() + d);
  };
  // Gathered rows keep the [rows, cols] space as it is.
  bool keepDims = !n.rowGathers.empty();
  // Drop extent-1 dims (keep the reduced count right).
  for (size_t d = keepDims ? 0 : n.space.size(); d-- > 0;) {
    if (n.space[d] != 1 || n.space.size() == 1)
      continue;
    if (d >= n.space.size() - n.reduced)
      --n.reduced;
    eraseDim(d);
  }
  // Merge d and d+1 when every view and value allows it.
  auto viewMergeable = [&](const GmView &v, size_t d) {
    bool o0 = v.shape[d] == 1, o1 = v.shape[d + 1] == 1;
    if (o0 != o1)
      return false;
    return o0 || v.strides[d] == v.strides[d + 1] * v.shape[d + 1];
  };
  for (size_t d = keepDims ? 0 : n.space.size() - 1; d-- > 0;) {
    size_t firstReduced = n.space.size() - n.reduced;
    if ((d < firstReduced) != (d + 1 < firstReduced))
      continue;
    bool ok = true;
    for (const GmView &v : n.inputs)
      ok = ok && viewMergeable(v, d);
    for (const VStore &s : n.stores)
      ok = ok && viewMergeable(s.view, d);
    for (const VNode &v : n.nodes)
      ok = ok && v.one[d] == v.one[d + 1];
    if (!ok)
      continue;
    auto mergeView = [&](GmView &v) {
      v.shape[d] *= v.shape[d + 1];
      v.strides[d] = v.strides[d + 1];
    };
    for (GmView &v : n.inputs)
      mergeView(v);
    for (VStore &s : n.stores)
      mergeView(s.view);
    n.space[d] *= n.space[d + 1];
    // Erase d+1 without touching the merged values.
    n.space.erase(n.space.begin() + d + 1);
    for (GmView &v : n.inputs) {
      v.shape.erase(v.shape.begin() + d + 1);
      v.strides.erase(v.strides.begin() + d + 1);
    }
    for (VStore &s : n.stores) {
      s.view.shape.erase(s.view.shape.begin() + d + 1);
      s.view.strides.erase(s.view.strides.begin() + d + 1);
    }
    for (VNode &v : n.nodes)
      v.one.erase(v.one.begin() + d + 1);
    if (d + 1 >= firstReduced)
      --n.reduced;
  }
  // Dead values (a constant whose use became an immediate) are dropped.
  {
    std::vector<bool> live(n.nodes.size(), false);
    for (const VStore &st : n.stores)
      live[st.node] = true;
    for (size_t i = n.nodes.size(); i-- > 0;)
      if (live[i])
        for (int o : {n.nodes[i].a, n.nodes[i].b, n.nodes[i].c})
          if (o >= 0)
            live[o] = true;
    std::vector<int> remap(n.nodes.size(), -1);
    std::vector<VNode> kept;
    for (size_t i = 0; i < n.nodes.size(); ++i)
      if (live[i]) {
        remap[i] = (int)kept.size();
        VNode v = n.nodes[i];
        for (int *o : {&v.a, &v.b, &v.c})
          if (*o >= 0)
            *o = remap[*o];
        kept.push_back(v);
      }
    n.nodes = std::move(kept);
    for (VStore &st : n.stores)
      st.node = remap[st.node];
  }
  // A leading non-reduced dim to split, even for a full reduction.
  if ((int)n.space.size() == n.reduced) {
    n.space.insert(n.space.begin(), 1);
    for (GmView &v : n.inputs) {
      v.shape.insert(v.shape.begin(), 1);
      v.strides.insert(v.strides.begin(), 0);
    }
    for (VStore &s : n.stores) {
      s.view.shape.insert(s.view.shape.begin(), 1);
      s.view.strides.insert(s.view.strides.begin(), 0);
    }
    for (VNode &v : n.nodes)
      v.one.insert(v.one.begin(), true);
  }
  return n;
}

int64_t computeBytes(DType t) { return dtypeByteSize(t); }

/// The buffers of one tile, in program order, with their lifetimes.
struct TilePlan {
  // Per node: offset of its compute buffer; staging buffers for loads and
  // stores that change type.
  std::vector<uint64_t> nodeOff, loadStage;
  std::vector<uint64_t> storeStage;
  // Per node: the row indices of a gathered load.
  std::vector<uint64_t> indexStage;
  uint64_t peak = 0;
};

int64_t nodeElems(const Normalized &n, const VNode &v, int split,
                  int64_t block) {
  int64_t e = 1;
  for (size_t k = split; k < n.space.size(); ++k)
    if (!v.one[k])
      e *= (int)k == split ? block : n.space[k];
  return e;
}

/// A load through a staging buffer (it changes type) whose innermost GM
/// stride is 2 to 4 (an interleaved RoPE's even or odd elements) loads the
/// contiguous span instead, one DMA run per row rather than one per
/// element, and its cast reads every s-th element of it: returns that s
/// (1: an ordinary load).
int64_t stagedLoadStride(const Normalized &n, const VNode &v) {
  if (v.kind != VKind::Load || n.inputs[v.input].dtype == v.type)
    return 1;
  size_t d = n.space.size() - 1;
  int64_t s = n.inputs[v.input].strides[d];
  return !v.one[d] && s >= 2 && s <= 4 ? s : 1;
}

bool planTile(const Normalized &n, int split, int64_t block, uint64_t capacity,
              uint64_t align, TilePlan &plan) {
  size_t N = n.nodes.size();
  std::vector<int> lastUse(N, -1);
  for (size_t i = 0; i < N; ++i) {
    const VNode &v = n.nodes[i];
    for (int o : {v.a, v.b, v.c})
      if (o >= 0)
        lastUse[o] = std::max(lastUse[o], (int)i);
  }
  std::vector<std::vector<size_t>> storesOf(N);
  for (size_t s = 0; s < n.stores.size(); ++s) {
    storesOf[n.stores[s].node].push_back(s);
    lastUse[n.stores[s].node] =
        std::max(lastUse[n.stores[s].node], n.stores[s].node);
  }
  FirstFitAllocator alloc(capacity, align);
  plan.nodeOff.assign(N, 0);
  plan.loadStage.assign(N, ~0ull);
  plan.indexStage.assign(N, ~0ull);
  plan.storeStage.assign(n.stores.size(), ~0ull);
  std::vector<std::vector<size_t>> freeAt(N);
  for (size_t i = 0; i < N; ++i)
    if (lastUse[i] >= 0)
      freeAt[lastUse[i]].push_back(i);
    else if (storesOf[i].empty())
      freeAt[i].push_back(i); // dead value: still computed, freed at once
  // A multiply-add whose addend dies there writes over it (the vector unit
  // reads each element before it writes it): a chain of them, as a MoE's
  // combine is, keeps one accumulator instead of two.
  std::vector<bool> handedOn(N, false);
  auto accumulatesInPlace = [&](size_t i) {
    const VNode &v = n.nodes[i];
    if (v.kind != VKind::MulAdd || v.c == v.a || v.c == v.b)
      return false;
    const VNode &c = n.nodes[v.c];
    return lastUse[v.c] == (int)i && storesOf[v.c].empty() &&
           c.type == v.type && c.one == v.one;
  };
  // A run of loads keeps its staging buffers apart: one buffer shared by
  // the run made each load wait for the cast of the one before (a
  // write-after-read), so a kernel of k inputs paid k DMA latencies in a
  // row (an interleaved RoPE's six, 3.3 us on edge).
  std::vector<uint64_t> runStages;
  for (size_t i = 0; i < N; ++i) {
    const VNode &v = n.nodes[i];
    int64_t elems = nodeElems(n, v, split, block);
    if (v.kind != VKind::Load) {
      for (uint64_t off : runStages)
        alloc.release(off);
      runStages.clear();
    }
    if (v.kind == VKind::Load && n.gatherOf(v.input) >= 0) {
      // The row indices live as long as the run's staging buffers.
      if (!alloc.allocate(block * 4, plan.indexStage[i]))
        return false;
      runStages.push_back(plan.indexStage[i]);
    }
    if (v.kind == VKind::Load && n.inputs[v.input].dtype != v.type) {
      uint64_t off;
      if (!alloc.allocate(elems * stagedLoadStride(n, v) *
                              dtypeByteSize(n.inputs[v.input].dtype),
                          off))
        return false;
      plan.loadStage[i] = off;
    }
    if (accumulatesInPlace(i)) {
      plan.nodeOff[i] = plan.nodeOff[v.c];
      handedOn[v.c] = true;
    } else if (!alloc.allocate(elems * computeBytes(v.type), plan.nodeOff[i])) {
      return false;
    }
    if (plan.loadStage[i] != ~0ull)
      runStages.push_back(plan.loadStage[i]);
    for (size_t s : storesOf[i]) {
      const GmView &view = n.stores[s].view;
      if (view.dtype == v.type)
        continue;
      // At the top of the free space: the nodes after this one, placed
      // first fit, would otherwise take its bytes and wait for the store's
      // DMA (a write-after-read; V2-Lite's residual add + RMSNorm waited
      // ~0.19 us a tile for the sum's store).
      uint64_t off;
      if (!alloc.allocateHigh(elems * dtypeByteSize(view.dtype), off))
        return false;
      plan.storeStage[s] = off;
      // Stage buffers live until their store; freed after this node.
    }
    for (size_t s : storesOf[i])
      if (plan.storeStage[s] != ~0ull)
        alloc.release(plan.storeStage[s]);
    for (size_t d : freeAt[i])
      if (!handedOn[d])
        alloc.release(plan.nodeOff[d]);
  }
  plan.peak = alloc.peak();
  return true;
}

} // namespace

//===----------------------------------------------------------------------===//
// Planning
//===----------------------------------------------------------------------===//

static std::string kernelName(const std::string &name) {
  return name.empty() ? std::string("vector kernel") : "'" + name + "'";
}

/// Gathered rows need a [rows, cols] space with no reduction, a table view
/// of contiguous rows and one i32 index per row.
static bool checkRowGathers(const Normalized &n, std::string &error,
                            const std::string &name) {
  for (const VRowGather &g : n.rowGathers) {
    auto fail = [&](const std::string &why) {
      error = name + ": gathered rows of input " + std::to_string(g.input) +
              ": " + why;
      return false;
    };
    if (n.space.size() != 2 || n.reduced != 0)
      return fail("the kernel's space must be [rows, cols] with no reduction");
    if (g.input < 0 || g.input >= (int)n.inputs.size())
      return fail("no such input");
    const GmView &v = n.inputs[g.input];
    if (v.rank() != 2 || v.shape[0] != n.space[0] || v.shape[1] != n.space[1] ||
        v.strides[1] != 1 || v.strides[0] < 1)
      return fail("the table's view must be [rows, cols] of contiguous rows");
    if (g.index.rank() != 1 || g.index.dtype != DType::I32 ||
        g.index.shape[0] != n.space[0])
      return fail("the index must be i32 [" + std::to_string(n.space[0]) + "]");
    if (g.tableRows < 1)
      return fail("the table has no rows");
  }
  return true;
}

/// The GM bytes a gathered input reads (every row of its table) and its
/// index.
static void rowGatherRegions(const VectorKernel &k,
                             std::vector<ProgramBuilder::Region> &out) {
  for (const VRowGather &g : k.rowGathers) {
    const GmView &v = k.inputs[g.input];
    uint64_t es = (uint64_t)dtypeByteSize(v.dtype);
    uint64_t lo = v.addr,
             hi = v.addr + ((uint64_t)((g.tableRows - 1) * v.strides[0] +
                                       v.shape[1] - 1) +
                            1) *
                               es;
    out.push_back({lo, hi, false});
    ProgramBuilder::Region r{0, 0, false};
    g.index.byteRange(r.lo, r.hi);
    out.push_back(r);
  }
}

bool ProgramBuilder::planVector(const VectorKernel &k, Tiling &out,
                                std::string &error, int64_t maxCores) const {
  Space local;
  int ct = vectorCoreType(local, error);
  if (ct < 0)
    return false;
  Normalized n = normalize(k);
  int dims = (int)n.space.size();
  if (!checkRowGathers(n, error, kernelName(k.name)))
    return false;
  if (n.reduced > 4) {
    error = kernelName(k.name) + " reduces over " + std::to_string(n.reduced) +
            " non-contiguous dimensions; at most 4 fit one tile";
    return false;
  }
  uint64_t half = t_.space(local).bytes / 2;
  uint64_t align = t_.space(local).align;
  // A view whose innermost elements are not adjacent (an interleaved RoPE's
  // pairs, a transpose) moves one element per DMA burst: such a kernel's
  // time is its DMA segments, so its work is spread over more cores (a
  // DeepSeek decode's query RoPE, 16 x 32 pairs, took 2.9 us on one core).
  bool elementDma = false;
  auto strided = [](const GmView &v) {
    return !v.strides.empty() && v.shape.back() > 1 && v.strides.back() != 0 &&
           v.strides.back() != 1;
  };
  for (const GmView &v : k.inputs)
    elementDma = elementDma || strided(v);
  for (const VStore &st : k.stores)
    elementDma = elementDma || strided(st.view);
  TilePlan plan;
  // Gathered rows: tiles of whole rows only.
  int lastSplit = n.rowGathers.empty() ? dims - n.reduced : 1;
  for (int split = std::max(0, dims - 4); split < lastSplit; ++split) {
    int64_t lo = 1, hi = n.space[split];
    if (!planTile(n, split, 1, half, align, plan))
      continue;
    while (lo < hi) {
      int64_t mid = lo + (hi - lo + 1) / 2;
      if (planTile(n, split, mid, half, align, plan))
        lo = mid;
      else
        hi = mid - 1;
    }
    int64_t outer = 1;
    for (int d = 0; d < split; ++d)
      outer *= n.space[d];
    // Enough tiles to keep the cores busy once the work is worth it.
    int64_t total = outer * n.space[split];
    for (int d = split + 1; d < dims; ++d)
      total *= n.space[d];
    int64_t coreCount = t_.coreTypes[ct].count;
    if (maxCores > 0)
      coreCount = std::min(coreCount, maxCores);
    // A kernel of many instructions per element (a MoE router's one-hot:
    // 30 nodes over [T, E]) is worth a core at fewer elements: 4096 for
    // every 4 nodes (V2-Lite's 1024-token prefill router, 64 experts: its
    // one-hot on 16 cores 1.6 us, on 47 1.1 us).
    int64_t perElement = std::max<int64_t>(1, (int64_t)n.nodes.size() / 4);
    int64_t want = std::min<int64_t>(
        coreCount,
        std::max<int64_t>(1, total * perElement / (elementDma ? 64 : 4096)));
    int64_t tiles = outer * ((n.space[split] + lo - 1) / lo);
    if (tiles < want) {
      int64_t perOuter = (want + outer - 1) / outer;
      lo = std::max<int64_t>(1, (n.space[split] + perOuter - 1) / perOuter);
      tiles = outer * ((n.space[split] + lo - 1) / lo);
    }
    out.tile = {split, lo};
    out.cores = std::min<int64_t>(coreCount, tiles);
    return true;
  }
  int64_t row = 1;
  for (int d = dims - n.reduced - 1; d < dims; ++d)
    row *= n.space[d];
  error = kernelName(k.name) + ": one row of " + std::to_string(row) +
          " elements (with its temporaries) does not fit in half of the " +
          std::to_string(t_.space(local).bytes) + "-byte " +
          target::spaceName(local);
  return false;
}

//===----------------------------------------------------------------------===//
// Emission
//===----------------------------------------------------------------------===//

namespace {

/// One tile of a vector kernel being emitted: where it sits in the
/// iteration space, where its buffers are.
struct TileContext {
  const Normalized &n;
  const TilePlan &plan;
  int split;
  Space local;
  std::vector<int64_t> idx, ext;
  uint64_t base = 0;
  /// An input whose tile is already in local memory (a matmul epilogue's
  /// accumulator): its load becomes a local copy.
  int preloadedInput = -1;
  Tile preloaded;
};

/// Emits every node (loads, vector instructions, stores) of one tile.
void emitTile(const TileContext &tc,
              const std::function<void(const Instr &)> &E) {
  const Normalized &n = tc.n;
  const TilePlan &plan = tc.plan;
  int split = tc.split, dims = (int)n.space.size();
  Space local = tc.local;
  uint64_t base = tc.base;
  const std::vector<int64_t> &idx = tc.idx, &ext = tc.ext;
  auto localTile = [&](uint64_t off, DType dt, const std::vector<bool> &one) {
    Shape shape;
    for (int d = split; d < dims; ++d)
      shape.push_back(one[d] ? 1 : ext[d]);
    return bin::makeTile(local, off, dt, shape);
  };
  auto gmTile = [&](const GmView &v) {
    Tile t;
    t.space = Space::GM;
    t.dtype = v.dtype;
    t.rank = (uint8_t)(dims - split);
    uint64_t off = 0;
    for (int d = 0; d < dims; ++d)
      if (v.shape[d] != 1)
        off += (uint64_t)(idx[d] * v.strides[d]);
    t.offset = v.addr + off * dtypeByteSize(v.dtype);
    for (int d = split; d < dims; ++d) {
      t.shape[d - split] = v.shape[d] == 1 ? 1 : ext[d];
      t.strides[d - split] = v.strides[d];
    }
    return t;
  };
  // A gathered load's row indices, and the whole table it reads (the
  // tile's columns of every row).
  auto rowIndexTile = [&](size_t node) {
    return bin::makeTile(local, base + plan.indexStage[node], DType::I32,
                         {ext[0]});
  };
  auto gatherTable = [&](int input) {
    const GmView &v = n.inputs[input];
    Tile t = bin::makeTile(
        Space::GM,
        v.addr + (uint64_t)(idx[1] * v.strides[1] * dtypeByteSize(v.dtype)),
        v.dtype, {n.rowGathers[n.gatherOf(input)].tableRows, ext[1]});
    t.strides[0] = v.strides[0];
    t.strides[1] = v.strides[1];
    return t;
  };
  // 2-D [rows, cols] view of a contiguous local buffer for reductions.
  auto reduceTiles = [&](const VNode &src, uint64_t srcOff, uint64_t dstOff,
                         DType dt, Tile &s2, Tile &d1, int64_t &missing) {
    int64_t rows = 1, cols = 1;
    missing = 1;
    for (int d = split; d < dims; ++d) {
      int64_t e = src.one[d] ? 1 : ext[d];
      if (d >= dims - n.reduced) {
        cols *= e;
        if (src.one[d])
          missing *= ext[d];
      } else {
        rows *= e;
      }
    }
    s2 = bin::makeTile(local, srcOff, dt, {rows, cols});
    d1 = bin::makeTile(local, dstOff, dt, {rows});
  };
  for (size_t i = 0; i < n.nodes.size(); ++i) {
    const VNode &v = n.nodes[i];
    Tile dst = localTile(base + plan.nodeOff[i], v.type, v.one);
    auto opnd = [&](int o) {
      return localTile(base + plan.nodeOff[o], n.nodes[o].type, n.nodes[o].one);
    };
    // A run of loads issues its DMAs first, then the casts out of their
    // staging buffers (planTile keeps those apart), so the DMA latencies
    // overlap: load-cast pairs made each load wait for the last.
    // Gathered rows: their indices load first of all, so that their
    // latency overlaps the other loads'.
    bool runStart =
        v.kind == VKind::Load && (i == 0 || n.nodes[i - 1].kind != VKind::Load);
    if (runStart)
      for (size_t j = i; j < n.nodes.size() && n.nodes[j].kind == VKind::Load;
           ++j)
        if (int g = n.gatherOf(n.nodes[j].input); g >= 0) {
          const GmView &index = n.rowGathers[g].index;
          Tile src = bin::makeTile(
              Space::GM, index.addr + (uint64_t)(idx[0] * index.strides[0] * 4),
              DType::I32, {ext[0]});
          src.strides[0] = index.strides[0];
          E(makeInstr(Opcode::DmaLd, {rowIndexTile(j), src}));
        }
    if (runStart)
      for (size_t j = i; j < n.nodes.size() && n.nodes[j].kind == VKind::Load;
           ++j)
        if (n.nodes[j].input != tc.preloadedInput &&
            plan.loadStage[j] != ~0ull) {
          const GmView &view = n.inputs[n.nodes[j].input];
          Tile stage = localTile(base + plan.loadStage[j], view.dtype,
                                 n.nodes[j].one),
               src = gmTile(view);
          if (plan.indexStage[j] != ~0ull) {
            E(makeInstr(
                Opcode::DmaGather,
                {stage, gatherTable(n.nodes[j].input), rowIndexTile(j)}));
            continue;
          }
          int64_t s = stagedLoadStride(n, n.nodes[j]);
          if (s > 1) {
            src.shape[src.rank - 1] = stage.shape[stage.rank - 1] =
                (stage.shape[stage.rank - 1] - 1) * s + 1;
            src.strides[src.rank - 1] = 1;
            stage.setContiguous();
          }
          E(makeInstr(Opcode::DmaLd, {stage, src}));
        }
    switch (v.kind) {
    case VKind::Load: {
      if (v.input == tc.preloadedInput) {
        E(makeInstr(
            tc.preloaded.dtype == v.type ? Opcode::VAddS : Opcode::VCast,
            {dst, tc.preloaded}, {tc.preloaded.dtype == v.type ? 0 : 1}));
        break;
      }
      const GmView &view = n.inputs[v.input];
      Tile src = gmTile(view);
      if (plan.loadStage[i] != ~0ull) {
        // (Its DMA went out with its run's, above.)
        Tile stage = localTile(base + plan.loadStage[i], view.dtype, v.one);
        if (int64_t s = stagedLoadStride(n, v); s > 1) {
          // Every s-th element of the span the DMA loaded.
          int r = stage.rank;
          int64_t inner = stage.shape[r - 1];
          stage.shape[r - 1] = (inner - 1) * s + 1;
          stage.setContiguous();
          stage.shape[r - 1] = inner;
          stage.strides[r - 1] = s;
        }
        E(makeInstr(Opcode::VCast, {dst, stage}, {1}));
      } else if (plan.indexStage[i] != ~0ull) {
        E(makeInstr(Opcode::DmaGather,
                    {dst, gatherTable(v.input), rowIndexTile(i)}));
      } else {
        E(makeInstr(Opcode::DmaLd, {dst, src}));
      }
      break;
    }
    case VKind::Const:
      E(makeInstr(Opcode::VDup, {dst}, {}, v.imm));
      break;
    case VKind::Unary:
      E(makeInstr(v.opcode, {dst, opnd(v.a)}));
      break;
    case VKind::Binary:
      E(makeInstr(v.opcode, {dst, opnd(v.a), opnd(v.b)}, {0}));
      break;
    case VKind::Scalar:
      E(makeInstr(v.opcode, {dst, opnd(v.a)}, {}, v.imm));
      break;
    case VKind::Cmp:
      E(makeInstr(Opcode::VCmp, {dst, opnd(v.a), opnd(v.b)}, {v.cmp}));
      break;
    case VKind::Select:
      E(makeInstr(Opcode::VSel, {dst, opnd(v.a), opnd(v.b), opnd(v.c)}));
      break;
    case VKind::MulAdd:
      E(makeInstr(Opcode::VMla, {dst, opnd(v.a), opnd(v.b), opnd(v.c)}));
      break;
    case VKind::Cast:
      E(makeInstr(Opcode::VCast, {dst, opnd(v.a)}, {1}));
      break;
    case VKind::Reduce: {
      Tile s2, d1;
      int64_t missing;
      reduceTiles(n.nodes[v.a], base + plan.nodeOff[v.a],
                  base + plan.nodeOff[i], v.type, s2, d1, missing);
      if (s2.shape[1] > 1) {
        E(makeInstr(v.opcode, {d1, s2}));
        if (missing > 1 && v.opcode == Opcode::VRedSum)
          E(makeInstr(Opcode::VMulS, {d1, d1}, {}, (float)missing));
      } else {
        bool sum = v.opcode == Opcode::VRedSum;
        Tile s1 = bin::makeTile(local, s2.offset, v.type, {s2.shape[0]});
        E(makeInstr(sum ? Opcode::VMulS : Opcode::VAddS, {d1, s1}, {},
                    sum ? (float)missing : 0.0f));
      }
      break;
    }
    }
    for (size_t s = 0; s < n.stores.size(); ++s) {
      if (n.stores[s].node != (int)i)
        continue;
      const GmView &view = n.stores[s].view;
      Tile src = dst;
      if (plan.storeStage[s] != ~0ull) {
        src = localTile(base + plan.storeStage[s], view.dtype, v.one);
        E(makeInstr(Opcode::VCast, {src, dst}, {1}));
      }
      E(makeInstr(Opcode::DmaSt, {gmTile(view), src}));
    }
  }
}

} // namespace

bool ProgramBuilder::deferVector(const VectorKernel &k, std::string &error) {
  Tiling vt;
  if (!planVector(k, vt, error)) // (fails now, not at the flush)
    return false;
  Deferred def{k, {}};
  def.kernel.deferrable = false;
  for (const GmView &v : k.inputs) {
    Region in{0, 0, false};
    v.byteRange(in.lo, in.hi);
    def.regions.push_back(in);
  }
  for (const VStore &st : k.stores) {
    Region out{0, 0, true};
    st.view.byteRange(out.lo, out.hi);
    def.regions.push_back(out);
  }
  rowGatherRegions(k, def.regions);
  deferred_.push_back(std::move(def));
  return true;
}

bool ProgramBuilder::addVector(const VectorKernel &k, const Tiling &tiling,
                               std::string &error) {
  Space local;
  int ct = vectorCoreType(local, error);
  if (ct < 0)
    return false;
  if (k.deferrable && !flushing_ && hasSeparateVectorCores())
    return deferVector(k, error);
  for (auto [lo, hi] : k.cacheEngineReads)
    requestL2Prefetch(lo, hi, k.name + ":l2_prefetch");
  Normalized n = normalize(k);
  int dims = (int)n.space.size();
  if (!checkRowGathers(n, error, kernelName(k.name)))
    return false;
  if (tiling.tile.size() != 2 || tiling.tile[0] < 0 ||
      tiling.tile[0] >= dims - n.reduced || tiling.tile[0] < dims - 4 ||
      tiling.tile[1] < 1 || tiling.tile[1] > n.space[tiling.tile[0]] ||
      (!n.rowGathers.empty() && tiling.tile[0] != 0)) {
    error = kernelName(k.name) + ": invalid tiling for its " +
            std::to_string(dims) + "-d iteration space";
    return false;
  }
  int split = (int)tiling.tile[0];
  int64_t block = tiling.tile[1];
  uint64_t capacity = t_.space(local).bytes;
  uint64_t half = capacity / 2;
  TilePlan plan;
  if (!planTile(n, split, block, half, t_.space(local).align, plan)) {
    error = kernelName(k.name) + ": the tile does not fit in half of " +
            target::spaceName(local);
    return false;
  }
  int64_t outer = 1;
  for (int d = 0; d < split; ++d)
    outer *= n.space[d];
  int64_t blocks = (n.space[split] + block - 1) / block;
  int64_t tiles = outer * blocks;
  int64_t cores = std::max<int64_t>(
      1, std::min<int64_t>(
             {tiling.cores, tiles, (int64_t)t_.coreTypes[ct].count}));

  std::vector<Region> regions;
  for (const GmView &v : n.inputs) {
    Region r{0, 0, false};
    v.byteRange(r.lo, r.hi);
    regions.push_back(r);
  }
  for (const VStore &s : n.stores) {
    Region r{0, 0, true};
    s.view.byteRange(r.lo, r.hi);
    regions.push_back(r);
  }
  rowGatherRegions(k, regions);
  uint32_t start = placeVectorKernel(cores, regions);
  std::vector<CoreRef> coreRefs;
  for (int64_t c = 0; c < cores; ++c)
    coreRefs.push_back(
        {(uint32_t)ct, (uint32_t)((c + start) % t_.coreTypes[ct].count)});
  beginKernel(coreRefs, regions);

  for (int64_t c = 0; c < cores; ++c) {
    int64_t first = tiles * c / cores, last = tiles * (c + 1) / cores;
    uint32_t core = (uint32_t)((c + start) % t_.coreTypes[ct].count);
    auto E = [&](const Instr &in) { emit(ct, core, in, k.name); };
    TileContext tc{n, plan, split, local, {}, {}, 0, -1, Tile()};
    tc.idx.assign(dims, 0);
    tc.ext.assign(dims, 1);
    for (int64_t tIdx = first; tIdx < last; ++tIdx) {
      tc.base = (uint64_t)(tIdx - first) % 2 * half;
      int64_t rest = tIdx / blocks, b = tIdx % blocks;
      for (int d = split - 1; d >= 0; --d) {
        tc.idx[d] = rest % n.space[d];
        rest /= n.space[d];
      }
      tc.idx[split] = b * block;
      for (int d = split; d < dims; ++d) {
        if (d > split)
          tc.idx[d] = 0;
        tc.ext[d] =
            d == split ? std::min(block, n.space[d] - tc.idx[d]) : n.space[d];
      }
      emitTile(tc, E);
    }
  }
  return true;
}

bool ProgramBuilder::emitEpilogueTile(const VectorKernel &epi,
                                      uint32_t coreType, uint32_t core,
                                      Space local, uint64_t regionBase,
                                      uint64_t regionBytes, int64_t m0,
                                      int64_t mt, int64_t n0, int64_t nt,
                                      const Tile &acc, const std::string &loc,
                                      bool planOnly) {
  // The epilogue keeps the matmul's 2-D tiling: no coalescing; buffers are
  // sized for this tile.
  Normalized n;
  n.space = {mt, nt};
  n.inputs = epi.inputs;
  n.nodes = epi.nodes;
  n.stores = epi.stores;
  TilePlan plan;
  if (!planTile(n, 0, mt, regionBytes, t_.space(local).align, plan))
    return false;
  if (planOnly)
    return true;
  TileContext tc{n, plan, 0, local, {}, {}, 0, -1, Tile()};
  tc.idx = {m0, n0};
  tc.ext = {mt, nt};
  tc.base = regionBase;
  tc.preloadedInput = 0;
  tc.preloaded = acc;
  emitTile(tc, [&](const Instr &in) { emit(coreType, core, in, loc); });
  return true;
}

} // namespace tessera::codegen
