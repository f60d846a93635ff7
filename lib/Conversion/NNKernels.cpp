//===- NNKernels.cpp - Convolution, pooling and indexed ops as kernels ----===//
//
//  - Pooling: the (padded) input seen through a window view
//    [N, C, O..., K...] (overlapping strides) reduced over its K dims on the
//    vector unit; padding and ceil-mode overhang go through a GM scratch copy
//    filled with -inf (max) or 0 (average); average divides by a
//    compile-time count of the elements each window covers.
//  - Convolution: im2col by a strided DMA copy into scratch
//    [N, G, C/G, K..., O...], then a batched matmul W[G, M/G, C/G*K] x col on
//    the matrix engine, then the bias on the vector unit.
//  - CumSum: a matmul with a constant triangular matrix.
//  - GatherElements/ScatterElements: element gathers/scatters of the
//    flattened tensor, row = base + index * stride (a constant base per
//    index position).
//  - Trilu: a select with a constant mask. DepthToSpace/SpaceToDepth: 6-D
//    strided copies.
//
//===----------------------------------------------------------------------===//
#include "DispatchKernels.h"
#include "tessera/Conversion/ModuleTarget.h"

#include "Graph/IR/GraphDialect.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace tessera;
using namespace tessera::codegen;
using bin::Opcode;

namespace tessera::conversion {

namespace {

struct PoolGeom {
  int64_t spatial = 0;
  std::vector<int64_t> in, k, s, d, padB, padE, out, padded;
};

template <typename PoolOp> PoolGeom poolGeom(PoolOp p) {
  PoolGeom g;
  std::vector<int64_t> x = shapeOfValue(p.getInput());
  std::vector<int64_t> y = shapeOfValue(p.getOutput());
  g.spatial = (int64_t)x.size() - 2;
  for (int64_t i = 0; i < g.spatial; ++i) {
    g.in.push_back(x[2 + i]);
    g.out.push_back(y[2 + i]);
    g.k.push_back(p.getKernelShape()[i]);
    g.s.push_back(p.getStrides().empty() ? 1 : p.getStrides()[i]);
    g.d.push_back(p.getDilations().empty() ? 1 : p.getDilations()[i]);
    g.padB.push_back(p.getPads().empty() ? 0 : p.getPads()[i]);
    g.padE.push_back(p.getPads().empty() ? 0 : p.getPads()[g.spatial + i]);
    // Every window must lie inside the padded input (ceil mode reaches
    // past the end pad).
    int64_t need =
        (g.out.back() - 1) * g.s.back() + (g.k.back() - 1) * g.d.back() + 1;
    g.padded.push_back(
        std::max(need, g.in.back() + g.padB.back() + g.padE.back()));
  }
  return g;
}

bool needsPadding(const PoolGeom &g) {
  for (int64_t i = 0; i < g.spatial; ++i)
    if (g.padB[i] || g.padded[i] != g.in[i])
      return true;
  return false;
}

/// Per output position, how many window elements an average divides by.
Tensor poolCounts(const PoolGeom &g, bool includePad) {
  Tensor t(DType::F32, Shape(g.out.begin(), g.out.end()));
  int64_t n = t.numElements();
  for (int64_t e = 0; e < n; ++e) {
    int64_t rem = e, count = 1;
    for (int64_t i = g.spatial - 1; i >= 0; --i) {
      int64_t o = rem % g.out[i];
      rem /= g.out[i];
      int64_t lo = includePad ? 0 : g.padB[i];
      int64_t hi =
          includePad ? g.in[i] + g.padB[i] + g.padE[i] : g.padB[i] + g.in[i];
      int64_t c = 0;
      for (int64_t j = 0; j < g.k[i]; ++j) {
        int64_t p = o * g.s[i] + j * g.d[i];
        if (p >= lo && p < hi)
          ++c;
      }
      count *= c;
    }
    t.setF(e, (float)std::max<int64_t>(count, 1));
  }
  return t;
}

struct ConvGeom {
  int64_t n, c, m, group;
  PoolGeom g;
};

ConvGeom convGeom(graph::ConvOp op) {
  ConvGeom cg;
  std::vector<int64_t> x = shapeOfValue(op.getInput());
  std::vector<int64_t> w = shapeOfValue(op.getWeight());
  std::vector<int64_t> y = shapeOfValue(op.getOutput());
  cg.n = x[0];
  cg.c = x[1];
  cg.m = w[0];
  cg.group = op.getGroup();
  PoolGeom &g = cg.g;
  g.spatial = (int64_t)x.size() - 2;
  for (int64_t i = 0; i < g.spatial; ++i) {
    g.in.push_back(x[2 + i]);
    g.out.push_back(y[2 + i]);
    g.k.push_back(w[2 + i]);
    g.s.push_back(op.getStrides().empty() ? 1 : op.getStrides()[i]);
    g.d.push_back(op.getDilations().empty() ? 1 : op.getDilations()[i]);
    g.padB.push_back(op.getPads().empty() ? 0 : op.getPads()[i]);
    g.padE.push_back(op.getPads().empty() ? 0 : op.getPads()[g.spatial + i]);
    int64_t need =
        (g.out.back() - 1) * g.s.back() + (g.k.back() - 1) * g.d.back() + 1;
    g.padded.push_back(
        std::max(need, g.in.back() + g.padB.back() + g.padE.back()));
  }
  return cg;
}

int64_t product(const std::vector<int64_t> &v) {
  int64_t p = 1;
  for (int64_t x : v)
    p *= x;
  return p;
}

/// Kernels that make `dst` (contiguous [N, C, padded...]) the zero- or
/// -inf-padded copy of `src` [N, C, in...].
void padKernels(const std::string &name, const GmView &src, uint64_t dstAddr,
                const PoolGeom &g, float value, std::vector<Kernel> &out) {
  std::vector<int64_t> ps = {src.shape[0], src.shape[1]};
  ps.insert(ps.end(), g.padded.begin(), g.padded.end());
  GmView dst = GmView::contiguous(dstAddr, src.dtype, ps);
  VectorKernel fill;
  fill.name = name;
  fill.space = ps;
  DType ct = computeTypeOf(src.dtype);
  // Integers pad with their smallest value where floats use -inf.
  if (std::isinf(value) && ct != DType::F32)
    value = ct == DType::U8           ? 0.0f
            : src.dtype == DType::I8  ? -128.0f
            : src.dtype == DType::I16 ? -32768.0f
                                      : -2147483648.0f;
  fill.store(fill.constant(value, ct), dst);
  out.push_back(fill);
  GmView inner = dst;
  uint64_t off = 0;
  for (int64_t i = 0; i < g.spatial; ++i) {
    inner.shape[2 + i] = g.in[i];
    off += (uint64_t)(g.padB[i] * dst.strides[2 + i]);
  }
  inner.addr += off * dtypeByteSize(src.dtype);
  out.push_back(copyKernel(name, src, inner));
}

/// The window view [N, C, O..., K...] of a contiguous [N, C, P...] tensor.
GmView windowView(uint64_t addr, DType dt, int64_t n, int64_t c,
                  const PoolGeom &g, const std::vector<int64_t> &extent) {
  std::vector<int64_t> shape = {n, c};
  shape.insert(shape.end(), extent.begin(), extent.end());
  std::vector<int64_t> st = contiguousStrides(shape);
  GmView v;
  v.addr = addr;
  v.dtype = dt;
  v.shape = {n, c};
  v.strides = {st[0], st[1]};
  for (int64_t i = 0; i < g.spatial; ++i) {
    v.shape.push_back(g.out[i]);
    v.strides.push_back(st[2 + i] * g.s[i]);
  }
  for (int64_t i = 0; i < g.spatial; ++i) {
    v.shape.push_back(g.k[i]);
    v.strides.push_back(st[2 + i] * g.d[i]);
  }
  return v;
}

} // namespace

bool isNNOp(Operation *op) {
  return isa<graph::MaxPoolOp, graph::AvgPoolOp, graph::ConvOp, graph::CumSumOp,
             graph::GatherElementsOp, graph::ScatterElementsOp, graph::TriluOp,
             graph::DepthToSpaceOp, graph::SpaceToDepthOp>(op);
}

unsigned numAuxOperands(Operation *op) {
  if (isMoEOp(op))
    return moeNumAux();
  if (isa<graph::GatherElementsOp, graph::ScatterElementsOp, graph::TriluOp,
          graph::AvgPoolOp, graph::CumSumOp, graph::HardmaxOp,
          graph::CacheUpdateOp, graph::AttentionOp>(op))
    return 1;
  npu::Engine e;
  std::string why;
  if (isa<graph::ArgMaxOp, graph::ArgMinOp>(op))
    return engineFor(op, e, why) && e == npu::Engine::vector ? 1 : 0;
  return 0;
}

/// A constant i32 tensor of `indices`' shape: the flat offset of each
/// position in a tensor of shape `data` with the `axis` coordinate zeroed.
static Tensor elementBase(const std::vector<int64_t> &idx,
                          const std::vector<int64_t> &data, int64_t axis) {
  Tensor t(DType::I32, Shape(idx.begin(), idx.end()));
  std::vector<int64_t> ds = contiguousStrides(data);
  for (int64_t e = 0; e < t.numElements(); ++e) {
    int64_t rem = e, off = 0;
    for (int64_t i = (int64_t)idx.size() - 1; i >= 0; --i) {
      int64_t c = rem % idx[i];
      rem /= idx[i];
      if (i != axis)
        off += c * ds[i];
    }
    t.setI(e, off);
  }
  return t;
}

bool loweringNeeds(Operation *op, int64_t eb, LoweringNeeds &needs,
                   std::string &why) {
  if (isMoEOp(op))
    return moeLoweringNeeds(op, eb, needs, why);
  auto addAux = [&](Tensor t, bool matrix) {
    needs.aux.push_back(std::move(t));
    needs.auxIsMatrixOperand.push_back(matrix);
  };
  auto iota = [&](int64_t n) {
    Tensor t(DType::F32, {n});
    for (int64_t i = 0; i < n; ++i)
      t.setF(i, (float)i);
    return t;
  };
  if (isa<graph::AttentionOp>(op)) {
    // Key positions within a tile, for the causal / kv_length masks.
    addAux(iota(kAttentionIotaLength), false);
    std::vector<int64_t> q = shapeOfValue(op->getOperand(0));
    std::vector<int64_t> v = shapeOfValue(op->getOperand(2));
    std::vector<int64_t> k = shapeOfValue(op->getOperand(1));
    auto a = cast<graph::AttentionOp>(op);
    codegen::AttentionSplitPlan plan;
    if (q.size() == 4 && v.size() == 4 &&
        codegen::AttentionKernel::splits(q[2], v[2]))
      needs.scratchBytes.push_back(
          codegen::AttentionKernel::partialBytes(q[0] * q[1] * q[2], v[3]));
    if (q.size() == 4 && k.size() == 4 && v.size() == 4) {
      // Separate cube and vector cores: the split's workspace.
      if (const target::TargetDesc *t = getModuleTarget(op))
        if (codegen::planAttentionSplit(
                *t, q[0], q[1], q[2], q[3], k[1], k[2], v[3], eb, a.getCausal(),
                (bool)a.getMask(), (bool)a.getKvLength(), plan))
          needs.scratchBytes.push_back((int64_t)plan.workspaceBytes);
    }
    return true;
  }
  if (auto u = dyn_cast<graph::CacheUpdateOp>(op)) {
    addAux(cacheUpdateIota(shapeOfValue(u.getUpdate())[u.getAxis()]), false);
  } else if (auto g = dyn_cast<graph::GatherElementsOp>(op)) {
    std::vector<int64_t> data = shapeOfValue(g.getInput());
    int64_t axis = normalizedAxis((int64_t)g.getAxis(), (int64_t)data.size());
    if (product(data) >= (int64_t(1) << 31)) {
      why = "more than 2^31 elements";
      return false;
    }
    addAux(elementBase(shapeOfValue(g.getIndices()), data, axis), false);
  } else if (auto s = dyn_cast<graph::ScatterElementsOp>(op)) {
    if (s.getReduction() != "none") {
      why = "ScatterElements with reduction '" + s.getReduction().str() + "'";
      return false;
    }
    std::vector<int64_t> data = shapeOfValue(s.getData());
    int64_t axis = normalizedAxis((int64_t)s.getAxis(), (int64_t)data.size());
    addAux(elementBase(shapeOfValue(s.getIndices()), data, axis), false);
  } else if (auto t = dyn_cast<graph::TriluOp>(op)) {
    std::vector<int64_t> x = shapeOfValue(t.getInput());
    if (x.size() < 2) {
      why = "Trilu needs a matrix";
      return false;
    }
    int64_t r = x[x.size() - 2], c = x.back(), k = t.getK();
    Tensor m(DType::U8, {r, c});
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j)
        m.setI(i * c + j, t.getUpper() ? (j - i >= k) : (j - i <= k));
    addAux(m, false);
  } else if (auto a = dyn_cast<graph::AvgPoolOp>(op)) {
    PoolGeom g = poolGeom(a);
    addAux(poolCounts(g, a.getCountIncludePad()), false);
    if (needsPadding(g))
      needs.scratchBytes.push_back(shapeOfValue(a.getInput())[0] *
                                   shapeOfValue(a.getInput())[1] *
                                   product(g.padded) * eb);
  } else if (auto m = dyn_cast<graph::MaxPoolOp>(op)) {
    PoolGeom g = poolGeom(m);
    if (needsPadding(g))
      needs.scratchBytes.push_back(shapeOfValue(m.getInput())[0] *
                                   shapeOfValue(m.getInput())[1] *
                                   product(g.padded) * eb);
  } else if (auto c = dyn_cast<graph::ConvOp>(op)) {
    ConvGeom cg = convGeom(c);
    needs.scratchBytes.push_back(cg.n * cg.c * product(cg.g.padded) * eb);
    needs.scratchBytes.push_back(cg.n * cg.c * product(cg.g.k) *
                                 product(cg.g.out) * eb);
  } else if (auto cs = dyn_cast<graph::CumSumOp>(op)) {
    std::vector<int64_t> x = shapeOfValue(cs.getInput());
    int64_t axis = normalizedAxis((int64_t)cs.getAxis(), (int64_t)x.size());
    int64_t n = x[axis];
    if (n > 4096) {
      why = "CumSum over more than 4096 elements (the triangular matrix "
            "would not be worth it)";
      return false;
    }
    // x[.., n] @ U: U[i][j] = 1 where element i contributes to output j.
    Tensor u(DType::F32, {n, n});
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        bool in = cs.getReverse() ? (cs.getExclusive() ? i > j : i >= j)
                                  : (cs.getExclusive() ? i < j : i <= j);
        u.setF(i * n + j, in ? 1.0f : 0.0f);
      }
    bool last = axis == (int64_t)x.size() - 1;
    if (!last) {
      // U^T @ x[o, :, i]: store U transposed.
      Tensor ut(DType::F32, {n, n});
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
          ut.setF(j * n + i, u.getF(i * n + j));
      u = ut;
    }
    addAux(u, true);
  } else if (auto h = dyn_cast<graph::HardmaxOp>(op)) {
    std::vector<int64_t> x = shapeOfValue(h.getInput());
    int64_t axis = normalizedAxis((int64_t)h.getAxis(), (int64_t)x.size());
    addAux(iota(x[axis]), false);
  } else if (isa<graph::ArgMaxOp, graph::ArgMinOp>(op)) {
    npu::Engine e;
    if (!engineFor(op, e, why) || e != npu::Engine::vector)
      return true; // the top-k unit needs no iota
    std::vector<int64_t> x = shapeOfValue(op->getOperand(0));
    int64_t axis = op->getAttrOfType<IntegerAttr>("axis").getInt();
    if (axis < 0)
      axis += (int64_t)x.size();
    addAux(iota(x[axis]), false);
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Translation
//===----------------------------------------------------------------------===//

bool translateNN(npu::DispatchOp d, Operation *op, ArrayRef<int64_t> addrs,
                 std::vector<Kernel> &kernels, std::string &why) {
  std::string name = nodeName(d);
  unsigned nIn = d.getInputs().size(), nOut = d.getNumResults();
  auto inView = [&](unsigned i) {
    Value v = d.getInputs()[i];
    return GmView::contiguous((uint64_t)addrs[i], dtypeOfValue(v),
                              shapeOfValue(v));
  };
  auto outView = [&](unsigned i) {
    Value r = d.getResults()[i];
    return GmView::contiguous((uint64_t)addrs[nIn + i], dtypeOfValue(r),
                              shapeOfValue(r));
  };
  auto scratch = [&](unsigned i) { return (uint64_t)addrs[nIn + nOut + i]; };
  // The kernels below find operand i at input i (then aux inputs, results
  // and scratch): an operand graph-to-npu cloned into the body as a splat
  // constant would shift them. Only a convolution's bias may be one.
  for (auto [i, v] : llvm::enumerate(op->getOperands())) {
    auto arg = dyn_cast<BlockArgument>(v);
    bool splatBias = isa<graph::ConvOp>(op) && i == 2;
    if ((!arg || arg.getArgNumber() != i) && !splatBias) {
      why = "operand " + std::to_string(i) + " of '" +
            op->getName().getStringRef().str() +
            "' is not the kernel's input " + std::to_string(i);
      return false;
    }
  }
  if (addrs.size() < nIn + nOut) {
    why = "internal error: fewer GM addresses than operands and results";
    return false;
  }

  if (auto ge = dyn_cast<graph::GatherElementsOp>(op)) {
    GmView data = inView(0), idx = inView(1);
    std::vector<int64_t> ds = data.shape;
    int64_t axis = normalizedAxis((int64_t)ge.getAxis(), (int64_t)ds.size());
    int64_t count = idx.numElements();
    GatherKernel k;
    k.name = name;
    k.table =
        GmView::contiguous(data.addr, data.dtype, {1, data.numElements(), 1});
    k.index = GmView::contiguous(idx.addr, DType::I32, {count});
    k.out =
        GmView::contiguous(outView(0).addr, outView(0).dtype, {1, count, 1});
    k.hasBase = true;
    k.base = GmView::contiguous((uint64_t)addrs[2], DType::I32, {count});
    k.scale = contiguousStrides(ds)[axis];
    k.wrap = ds[axis];
    kernels.push_back(k);
    return true;
  }
  if (auto se = dyn_cast<graph::ScatterElementsOp>(op)) {
    GmView data = inView(0), idx = inView(1), upd = inView(2), out = outView(0);
    int64_t axis = normalizedAxis((int64_t)se.getAxis(), (int64_t)data.rank());
    kernels.push_back(copyKernel(name, data, out));
    int64_t count = idx.numElements();
    GatherKernel k;
    k.name = name;
    k.scatter = true;
    k.table =
        GmView::contiguous(out.addr, out.dtype, {1, out.numElements(), 1});
    k.index = GmView::contiguous(idx.addr, DType::I32, {count});
    k.out = GmView::contiguous(upd.addr, upd.dtype, {1, count, 1});
    k.hasBase = true;
    k.base = GmView::contiguous((uint64_t)addrs[3], DType::I32, {count});
    k.scale = contiguousStrides(data.shape)[axis];
    k.wrap = data.shape[axis];
    kernels.push_back(k);
    return true;
  }
  if (isa<graph::TriluOp>(op)) {
    GmView x = inView(0), mask = inView(1), out = outView(0);
    VectorKernel k;
    k.name = name;
    k.space = x.shape;
    k.inputs.push_back(x);
    GmView m = mask;
    // Right-align the [R, C] mask.
    while (m.shape.size() < x.shape.size()) {
      m.shape.insert(m.shape.begin(), 1);
      m.strides.insert(m.strides.begin(), 0);
    }
    k.inputs.push_back(m);
    int xv = k.load(0), mv = k.load(1);
    DType ct = k.nodes[xv].type;
    k.store(k.select(mv, xv, k.constant(0, ct)), out);
    kernels.push_back(k);
    return true;
  }
  if (auto dts = dyn_cast<graph::DepthToSpaceOp>(op)) {
    GmView x = inView(0), out = outView(0);
    int64_t b = dts.getBlocksize();
    int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
    int64_t c2 = C / (b * b), hw = H * W;
    GmView src;
    src.addr = x.addr;
    src.dtype = x.dtype;
    src.shape = {N, c2, H, b, W, b};
    bool dcr = dts.getMode() == "DCR";
    // Channel of (c', b1, b2): DCR (b1*b + b2)*C' + c', CRD c'*b*b + b1*b + b2.
    int64_t sc = dcr ? hw : b * b * hw, sb1 = dcr ? b * c2 * hw : b * hw,
            sb2 = dcr ? c2 * hw : hw;
    src.strides = {C * hw, sc, W, sb1, 1, sb2};
    GmView dst = GmView::contiguous(out.addr, out.dtype, src.shape);
    kernels.push_back(copyKernel(name, src, dst));
    return true;
  }
  if (auto std = dyn_cast<graph::SpaceToDepthOp>(op)) {
    GmView x = inView(0), out = outView(0);
    int64_t b = std.getBlocksize();
    int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
    GmView src;
    src.addr = x.addr;
    src.dtype = x.dtype;
    src.shape = {N, b, b, C, H / b, W / b};
    src.strides = {C * H * W, W, 1, H * W, b * W, b};
    kernels.push_back(copyKernel(
        name, src, GmView::contiguous(out.addr, out.dtype, src.shape)));
    return true;
  }
  if (isa<graph::MaxPoolOp, graph::AvgPoolOp>(op)) {
    bool isMax = isa<graph::MaxPoolOp>(op);
    if (op->getNumResults() != 1) {
      why = "MaxPool's indices output";
      return false;
    }
    PoolGeom g = isMax ? poolGeom(cast<graph::MaxPoolOp>(op))
                       : poolGeom(cast<graph::AvgPoolOp>(op));
    GmView x = inView(0), out = outView(0);
    int64_t n = x.shape[0], c = x.shape[1];
    uint64_t src = x.addr;
    std::vector<int64_t> extent = g.in;
    if (needsPadding(g)) {
      src = scratch(0);
      padKernels(name, x, src, g, isMax ? -INFINITY : 0.0f, kernels);
      extent = g.padded;
    }
    VectorKernel k;
    k.name = name;
    GmView win = windowView(src, x.dtype, n, c, g, extent);
    k.space = win.shape;
    k.reducedDims = (int)g.spatial;
    k.inputs.push_back(win);
    int v = k.load(0);
    int r = k.reduce(isMax ? Opcode::VRedMax : Opcode::VRedSum,
                     k.cast(v, DType::F32));
    if (!isMax) {
      // Divide by the per-window count (aligned to the O dims).
      GmView cnt;
      cnt.addr = (uint64_t)addrs[1];
      cnt.dtype = DType::F32;
      cnt.shape = {1, 1};
      cnt.strides = {0, 0};
      std::vector<int64_t> cs = contiguousStrides(g.out);
      for (int64_t i = 0; i < g.spatial; ++i) {
        cnt.shape.push_back(g.out[i]);
        cnt.strides.push_back(cs[i]);
      }
      for (int64_t i = 0; i < g.spatial; ++i) {
        cnt.shape.push_back(1);
        cnt.strides.push_back(0);
      }
      k.inputs.push_back(cnt);
      r = k.binary(Opcode::VDiv, r, k.load(1));
    }
    GmView o;
    o.addr = out.addr;
    o.dtype = out.dtype;
    std::vector<int64_t> os = contiguousStrides(out.shape);
    o.shape = out.shape;
    o.strides = os;
    for (int64_t i = 0; i < g.spatial; ++i) {
      o.shape.push_back(1);
      o.strides.push_back(0);
    }
    k.store(k.cast(r, computeTypeOf(out.dtype)), o);
    kernels.push_back(k);
    return true;
  }
  if (auto conv = dyn_cast<graph::ConvOp>(op)) {
    ConvGeom cg = convGeom(conv);
    PoolGeom &g = cg.g;
    GmView x = inView(0), w = inView(1), out = outView(0);
    if (x.dtype != w.dtype) {
      why = "conv input and weight dtypes differ";
      return false;
    }
    uint64_t src = x.addr;
    std::vector<int64_t> extent = g.in;
    if (needsPadding(g)) {
      src = scratch(0);
      padKernels(name, x, src, g, 0.0f, kernels);
      extent = g.padded;
    }
    // im2col: col[n, grp, cg, k..., o...] = P[n, grp*cg + cg, o*s + k*d].
    int64_t G = cg.group, Cg = cg.c / G, Mg = cg.m / G;
    int64_t K = product(g.k), O = product(g.out);
    std::vector<int64_t> pshape = {cg.n, cg.c};
    pshape.insert(pshape.end(), extent.begin(), extent.end());
    std::vector<int64_t> pst = contiguousStrides(pshape);
    GmView colSrc;
    colSrc.addr = src;
    colSrc.dtype = x.dtype;
    colSrc.shape = {cg.n, G, Cg};
    colSrc.strides = {pst[0], Cg * pst[1], pst[1]};
    for (int64_t i = 0; i < g.spatial; ++i) {
      colSrc.shape.push_back(g.k[i]);
      colSrc.strides.push_back(pst[2 + i] * g.d[i]);
    }
    for (int64_t i = 0; i < g.spatial; ++i) {
      colSrc.shape.push_back(g.out[i]);
      colSrc.strides.push_back(pst[2 + i] * g.s[i]);
    }
    uint64_t colAddr = scratch(1);
    kernels.push_back(copyKernel(
        name, colSrc, GmView::contiguous(colAddr, x.dtype, colSrc.shape)));
    MatmulKernel mm;
    mm.name = name;
    mm.a = {
        w.addr, w.dtype, {cg.n, G, Mg, Cg * K}, {0, Mg * Cg * K, Cg * K, 1}};
    mm.b = GmView::contiguous(colAddr, x.dtype, {cg.n, G, Cg * K, O});
    mm.c = GmView::contiguous(out.addr, out.dtype, {cg.n, G, Mg, O});
    kernels.push_back(mm);
    if (Value bias = conv.getBias()) {
      VectorKernel bk;
      bk.name = name;
      bk.space = {cg.n, cg.m, O};
      GmView cv = GmView::contiguous(out.addr, out.dtype, bk.space);
      bk.inputs.push_back(cv);
      int s;
      if (auto arg = dyn_cast<BlockArgument>(bias)) {
        GmView b = inView(arg.getArgNumber());
        bk.inputs.push_back({b.addr, b.dtype, {1, cg.m, 1}, {0, 1, 0}});
        s = bk.binary(Opcode::VAdd, bk.load(0),
                      bk.cast(bk.load(1), computeTypeOf(out.dtype)));
      } else {
        // A splat bias (zeros, often) is cloned into the body by
        // graph-to-npu, not passed as an input.
        auto cst = bias.getDefiningOp<graph::ConstantOp>();
        auto a = cst ? dyn_cast<DenseElementsAttr>(cst.getValue()) : nullptr;
        if (!a || !a.isSplat() || !isa<FloatType>(a.getElementType())) {
          why = "the convolution bias must be a kernel input or a "
                "floating-point splat constant";
          return false;
        }
        s = bk.scalar(Opcode::VAddS, bk.load(0),
                      (float)a.getSplatValue<APFloat>().convertToDouble());
      }
      bk.store(s, cv);
      kernels.push_back(bk);
    }
    return true;
  }
  if (auto cs = dyn_cast<graph::CumSumOp>(op)) {
    GmView x = inView(0), u = inView(1), out = outView(0);
    int64_t r = x.rank();
    int64_t axis = normalizedAxis((int64_t)cs.getAxis(), r);
    int64_t n = x.shape[axis], outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i)
      outer *= x.shape[i];
    for (int64_t i = axis + 1; i < r; ++i)
      inner *= x.shape[i];
    if (x.dtype != u.dtype) {
      why = "CumSum of " + std::string(dtypeName(x.dtype)) +
            " (the matrix engine multiplies floating-point values)";
      return false;
    }
    MatmulKernel mm;
    mm.name = name;
    if (inner == 1) {
      mm.a = GmView::contiguous(x.addr, x.dtype, {outer, n});
      mm.b = GmView::contiguous(u.addr, u.dtype, {n, n});
      mm.c = GmView::contiguous(out.addr, out.dtype, {outer, n});
    } else {
      mm.a = {u.addr, u.dtype, {outer, n, n}, {0, n, 1}};
      mm.b = GmView::contiguous(x.addr, x.dtype, {outer, n, inner});
      mm.c = GmView::contiguous(out.addr, out.dtype, {outer, n, inner});
    }
    kernels.push_back(mm);
    return true;
  }
  why = "no lowering for '" + op->getName().getStringRef().str() + "'";
  return false;
}

} // namespace tessera::conversion
