//===- MatrixKernels.cpp - Matmul, Gather and TopK dispatches
//--------------===//
//
// Matrix dispatches become a MatmulKernel (views with batch broadcast, the
// batch folded into M when B is shared, a FIX scale/ReLU or a vector
// epilogue, split-K scratch); Gather dispatches a GatherKernel; TopK and
// ArgMax/ArgMin a TopKKernel over the axis moved innermost.
//
//===----------------------------------------------------------------------===//
#include "DispatchKernels.h"

#include "Graph/IR/GraphDialect.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::codegen;
using bin::Opcode;

namespace tessera::conversion {
//===----------------------------------------------------------------------===//
// Matrix, gather, top-k
//===----------------------------------------------------------------------===//

/// Merges an epilogue's leading dims so its space has `rank` dims (C's
/// folded shape), when every view and value walks them contiguously (or
/// broadcasts over all of them). Leaves the kernel unchanged otherwise.
static void collapseLeadingDims(VectorKernel &k, int rank) {
  int r = (int)k.space.size();
  if (rank < 1 || r <= rank)
    return;
  int lead = r - rank + 1; // dims [0, lead) become one
  auto mergeable = [&](const GmView &v) {
    bool anyFull = false, allFull = true;
    for (int i = 0; i < lead; ++i) {
      bool full = v.shape[i] != 1 || k.space[i] == 1;
      anyFull |= v.shape[i] != 1;
      allFull &= full;
    }
    if (!anyFull)
      return true; // broadcast over all of them
    if (!allFull)
      return false;
    for (int i = 0; i + 1 < lead; ++i)
      if (k.space[i + 1] != 1 && k.space[i] != 1 &&
          v.strides[i] != v.strides[i + 1] * v.shape[i + 1])
        return false;
    return true;
  };
  for (const GmView &v : k.inputs)
    if (!mergeable(v))
      return;
  for (const VStore &s : k.stores)
    if (!mergeable(s.view))
      return;
  for (const VNode &n : k.nodes)
    for (int i = 1; i < lead; ++i)
      if (n.one[i] != n.one[0] && k.space[i] != 1 && k.space[0] != 1)
        return;
  auto merge = [&](GmView &v) {
    // The merged dim's stride is that of its innermost full dim.
    int64_t n = 1, stride = 0;
    for (int i = 0; i < lead; ++i)
      n *= v.shape[i];
    for (int i = lead - 1; i >= 0; --i)
      if (v.shape[i] != 1) {
        stride = v.strides[i];
        break;
      }
    v.shape.erase(v.shape.begin(), v.shape.begin() + lead);
    v.strides.erase(v.strides.begin(), v.strides.begin() + lead);
    v.shape.insert(v.shape.begin(), n);
    v.strides.insert(v.strides.begin(), n == 1 ? 0 : stride);
  };
  for (GmView &v : k.inputs)
    merge(v);
  for (VStore &s : k.stores)
    merge(s.view);
  int64_t n = 1;
  for (int i = 0; i < lead; ++i)
    n *= k.space[i];
  k.space.erase(k.space.begin(), k.space.begin() + lead);
  k.space.insert(k.space.begin(), n);
  for (VNode &v : k.nodes) {
    // A value is one in the merged dim when it is one in all of them.
    bool one = true;
    for (int i = 0; i < lead; ++i)
      one = one && v.one[i];
    v.one.erase(v.one.begin(), v.one.begin() + lead);
    v.one.insert(v.one.begin(), one);
  }
}

bool translateMatmul(npu::DispatchOp d, ArrayRef<int64_t> addrs,
                     std::vector<Kernel> &kernels, std::string &why) {
  Block &body = d.getBody().front();
  Operation *mm = nullptr;
  MatmulKernel k;
  k.name = nodeName(d);
  // After the product: a scale by a scalar and a ReLU run in the FIX pipe;
  // anything else makes the whole tail a vector epilogue.
  bool fixOnly = true;
  for (Operation &o : body.without_terminator()) {
    if (isa<graph::MatMulOp, graph::GemmOp, graph::WeightQuantMatMulOp,
            graph::DequantMatMulOp, graph::ConstantOp>(&o))
      continue;
    bool scalarRhs = false;
    if (isa<graph::MulOp, graph::DivOp>(&o)) {
      auto c = o.getOperand(1).getDefiningOp<graph::ConstantOp>();
      auto attr = c ? dyn_cast<DenseElementsAttr>(c.getValue()) : nullptr;
      scalarRhs =
          attr && attr.isSplat() && isa<FloatType>(attr.getElementType());
    }
    if (!scalarRhs && !isa<graph::ReluOp>(&o))
      fixOnly = false;
  }
  for (Operation &o : body.without_terminator()) {
    if (isa<graph::MatMulOp, graph::GemmOp, graph::WeightQuantMatMulOp,
            graph::DequantMatMulOp>(&o)) {
      mm = &o;
      continue;
    }
    if (isa<graph::ConstantOp>(&o) || !fixOnly)
      continue;
    // Fused epilogue: scale by a scalar and ReLU (the FIX pipe does both).
    if (auto mul = dyn_cast<graph::MulOp>(&o)) {
      auto c = mul.getRhs().getDefiningOp<graph::ConstantOp>();
      auto attr = c ? dyn_cast<DenseElementsAttr>(c.getValue()) : nullptr;
      k.scale *= (float)attr.getSplatValue<APFloat>().convertToDouble();
    } else if (auto div = dyn_cast<graph::DivOp>(&o)) {
      auto c = div.getRhs().getDefiningOp<graph::ConstantOp>();
      auto attr = c ? dyn_cast<DenseElementsAttr>(c.getValue()) : nullptr;
      k.scale /= (float)attr.getSplatValue<APFloat>().convertToDouble();
    } else if (isa<graph::ReluOp>(&o)) {
      k.relu = true;
    }
  }
  if (!mm) {
    why = "matrix dispatch without a matmul";
    return false;
  }
  Value a = d.getInputs()[0], b = d.getInputs()[1];
  Value c = d.getResults()[0];
  std::vector<int64_t> as = shapeOfValue(a), bs = shapeOfValue(b),
                       cs = shapeOfValue(c);
  DType at = dtypeOfValue(a), bt = dtypeOfValue(b);
  auto wq = dyn_cast<graph::WeightQuantMatMulOp>(mm);
  if (wq && (!fixOnly || !isFloatDType(at) || bt != DType::I8)) {
    why = fixOnly
              ? "a weight-only quantized matmul multiplies a float input "
                "by an i8 weight (got " +
                    std::string(dtypeName(at)) + " and " + dtypeName(bt) + ")"
              : "a weight-only quantized matmul takes no fused epilogue";
    return false;
  }
  auto dq = dyn_cast<graph::DequantMatMulOp>(mm);
  if (dq && !isFloatDType(at)) {
    why = "a block-quantized matmul multiplies a float input (got " +
          std::string(dtypeName(at)) + ")";
    return false;
  }
  if (!wq && !dq && (at != bt || !isFloatDType(at))) {
    why = "the matrix engine multiplies floating-point operands of one "
          "dtype (got " +
          std::string(dtypeName(at)) + " and " + dtypeName(bt) + ")";
    return false;
  }
  std::vector<int64_t> ast = contiguousStrides(as), bst = contiguousStrides(bs);
  bool transA = false, transB = false;
  if (auto g = dyn_cast<graph::GemmOp>(mm)) {
    transA = g.getTransA();
    transB = g.getTransB();
    k.scale *= g.getAlpha().convertToFloat();
  }
  // The i8 weight is nn.Linear's [N, K]; the load widens it into local
  // memory (MatmulKernel.cpp), the scale multiplies the accumulator below.
  if (wq || dq)
    transB = true;
  // 1-D operands: [K] -> [1, K] and [K] -> [K, 1].
  bool aVec = as.size() == 1, bVec = bs.size() == 1;
  if (aVec) {
    as.insert(as.begin(), 1);
    ast.insert(ast.begin(), 0);
  }
  if (bVec) {
    bs.push_back(1);
    bst.push_back(0);
  }
  if (transA) {
    std::swap(as[0], as[1]);
    std::swap(ast[0], ast[1]);
  }
  if (transB) {
    std::swap(bs[0], bs[1]);
    std::swap(bst[0], bst[1]);
  }
  size_t r = std::max({as.size(), bs.size(), (size_t)2});
  auto pad = [&](std::vector<int64_t> &s, std::vector<int64_t> &st) {
    while (s.size() < r) {
      s.insert(s.begin(), 1);
      st.insert(st.begin(), 0);
    }
  };
  pad(as, ast);
  pad(bs, bst);
  std::vector<int64_t> cfull(r), cst;
  for (size_t i = 0; i + 2 < r; ++i)
    cfull[i] = std::max(as[i], bs[i]);
  cfull[r - 2] = as[r - 2];
  cfull[r - 1] = bs[r - 1];
  cst = contiguousStrides(cfull);
  for (size_t i = 0; i + 2 < r; ++i) {
    if (as[i] == 1)
      ast[i] = 0;
    if (bs[i] == 1)
      bst[i] = 0;
  }
  unsigned nIn = d.getInputs().size();
  k.a = {(uint64_t)addrs[0], at, as, ast};
  k.b = {(uint64_t)addrs[1], bt, bs, bst};
  k.c = {(uint64_t)addrs[nIn], dtypeOfValue(c), cfull, cst};
  // Fold batch dims into M when B is shared and A, C are contiguous: one
  // big matrix instead of many small ones.
  bool shared = true;
  for (size_t i = 0; i + 2 < r; ++i)
    shared = shared && bst[i] == 0;
  if (shared && r > 2 && !transA) {
    int64_t batch = 1;
    for (size_t i = 0; i + 2 < r; ++i)
      batch *= cfull[i];
    bool aFull = true;
    for (size_t i = 0; i + 2 < r; ++i)
      aFull = aFull && as[i] == cfull[i];
    if (aFull) {
      int64_t m = batch * cfull[r - 2];
      k.a = GmView::contiguous(k.a.addr, at, {m, as[r - 1]});
      k.b.shape = {bs[r - 2], bs[r - 1]};
      k.b.strides = {bst[r - 2], bst[r - 1]};
      k.c = GmView::contiguous(k.c.addr, k.c.dtype, {m, cfull[r - 1]});
    }
  }
  if (dq &&
      (dtypeOfValue(d.getInputs()[2]) != DType::F32 ||
       (dq.getZeroPoint() && dtypeOfValue(d.getInputs()[3]) != DType::U8))) {
    why = "a block-quantized matmul reads f32 scales and u8 zero points";
    return false;
  }
  if (dq) {
    // The packed weight [N, row bytes] stays in its own orientation: the
    // dequantizing load reads rows of it and writes [K, N] tiles of the
    // matrix precision (MatmulKernel.cpp). `b` keeps the logical [K, N].
    golden::BlockQuantLayout layout = dq.getLayout();
    int64_t kk = k.a.shape.back(), n = shapeOfValue(b)[0];
    int64_t rowBytes = layout.rowBytes(kk);
    k.b = {(uint64_t)addrs[1], DType::U8, {kk, n}, {1, rowBytes}};
    BlockQuantB qb;
    qb.layout = layout;
    qb.scaleAddr = (uint64_t)addrs[2];
    if (dq.getZeroPoint())
      qb.zeroAddr = (uint64_t)addrs[3];
    k.quant = qb;
  }
  if (!fixOnly) {
    // The product is the epilogue's input 0, at the result's address; the
    // epilogue writes the result in place. Its space is C's folded 2-D
    // shape when every view allows (a local-memory epilogue on chips whose
    // matrix and vector units share it), else C's model shape.
    VectorKernel epi;
    if (!translateEpilogue(d, addrs, mm->getResult(0), (uint64_t)addrs[nIn], mm,
                           epi, why))
      return false;
    collapseLeadingDims(epi, (int)k.c.shape.size());
    k.epilogue = epi;
  }
  if (wq) {
    // Per-output-channel scale on the product, in f32 on the vector unit:
    // on each output tile in local memory where the accumulator sits there
    // (edge), else reading C back from GM.
    VectorKernel epi;
    epi.name = k.name;
    epi.space = k.c.shape;
    GmView cv = GmView::contiguous(k.c.addr, k.c.dtype, k.c.shape);
    GmView sv = cv;
    sv.addr = (uint64_t)addrs[2];
    sv.dtype = dtypeOfValue(d.getInputs()[2]);
    for (size_t i = 0; i + 1 < sv.shape.size(); ++i) {
      sv.shape[i] = 1;
      sv.strides[i] = 0;
    }
    sv.strides.back() = 1;
    epi.inputs = {cv, sv};
    int x = epi.load(0), s = epi.load(1);
    epi.store(epi.binary(Opcode::VMul, x, s), cv);
    k.epilogue = epi;
  }
  // Split-K partial sums go to the dispatch's scratch (tessera-npu-tile
  // asks for it when it splits K).
  if (auto sc = d.getScratch();
      sc && sc->size() == 1 && addrs.size() > nIn + d.getNumResults())
    k.partialsAddr = (uint64_t)addrs[nIn + d.getNumResults()];
  kernels.push_back(k);
  // Gemm's bias: C = C + beta * bias, in place on the vector unit.
  if (auto g = dyn_cast<graph::GemmOp>(mm); g && g.getC()) {
    VectorKernel bias;
    bias.name = k.name;
    bias.space = cfull;
    bias.deferrable = true;
    GmView cv = GmView::contiguous(k.c.addr, k.c.dtype, cfull);
    bias.inputs.push_back(cv);
    float beta = g.getBeta().convertToFloat();
    auto arg = dyn_cast<BlockArgument>(g.getC());
    if (!arg) {
      // A splat bias is cloned into the body (graph-to-npu inlines splat
      // constants): one scalar add.
      auto cst = g.getC().getDefiningOp<graph::ConstantOp>();
      auto a = cst ? dyn_cast<DenseElementsAttr>(cst.getValue()) : nullptr;
      if (!a || !a.isSplat() || !isa<FloatType>(a.getElementType())) {
        why = "Gemm bias must be a kernel input or a floating-point splat "
              "constant";
        return false;
      }
      float value =
          (float)a.getSplatValue<APFloat>().convertToDouble() * beta;
      int s = bias.scalar(Opcode::VAddS, bias.load(0), value);
      bias.store(s, cv);
      kernels.push_back(bias);
      return true;
    }
    Value bv = d.getInputs()[arg.getArgNumber()];
    std::vector<int64_t> bsh = shapeOfValue(bv);
    GmView biasView;
    biasView.addr = (uint64_t)addrs[arg.getArgNumber()];
    biasView.dtype = dtypeOfValue(bv);
    std::vector<int64_t> bstr = contiguousStrides(bsh);
    for (size_t i = 0; i < cfull.size(); ++i) {
      size_t off = cfull.size() - bsh.size();
      int64_t e = i >= off ? bsh[i - off] : 1;
      biasView.shape.push_back(e);
      biasView.strides.push_back(e == 1 ? 0 : bstr[i - off]);
    }
    bias.inputs.push_back(biasView);
    int x = bias.load(0), y = bias.load(1);
    if (beta != 1.0f)
      y = bias.scalar(Opcode::VMulS, y, beta);
    int s = bias.binary(Opcode::VAdd, x, y);
    bias.store(s, cv);
    kernels.push_back(bias);
  }
  return true;
}

bool translateGather(npu::DispatchOp d, ArrayRef<int64_t> addrs,
                     std::vector<Kernel> &kernels, std::string &why) {
  auto g = cast<graph::GatherOp>(&d.getBody().front().front());
  std::vector<int64_t> s = shapeOfValue(d.getInputs()[0]);
  int64_t axis = g.getAxis();
  if (axis < 0)
    axis += (int64_t)s.size();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i)
    inner *= s[i];
  int64_t count =
      std::max<int64_t>(1, graph::numElements(d.getInputs()[1].getType()));
  GatherKernel k;
  k.name = nodeName(d);
  k.table =
      GmView::contiguous((uint64_t)addrs[0], dtypeOfValue(d.getInputs()[0]),
                         {outer, s[axis], inner});
  k.index = GmView::contiguous((uint64_t)addrs[1], DType::I32, {count});
  if (dtypeOfValue(d.getInputs()[1]) != DType::I32) {
    why = "gather indices must be stored as i32";
    return false;
  }
  k.out =
      GmView::contiguous((uint64_t)addrs[2], dtypeOfValue(d.getResults()[0]),
                         {outer, count, inner});
  kernels.push_back(k);
  return true;
}

bool translateTopK(npu::DispatchOp d, ArrayRef<int64_t> addrs,
                   std::vector<Kernel> &kernels, std::string &why) {
  Operation *op = &d.getBody().front().front();
  std::vector<int64_t> s = shapeOfValue(d.getInputs()[0]);
  int64_t axis, kk = 1;
  bool largest = true, hasValues = true;
  if (auto t = dyn_cast<graph::TopKOp>(op)) {
    axis = t.getAxis();
    kk = t.getK();
    largest = t.getLargest();
  } else {
    auto set = [&](auto a) {
      axis = a.getAxis();
      if (a.getSelectLastIndex()) {
        why = "select_last_index (the top-k unit keeps the first)";
        return false;
      }
      return true;
    };
    if (auto a = dyn_cast<graph::ArgMaxOp>(op)) {
      if (!set(a))
        return false;
    } else if (auto m = dyn_cast<graph::ArgMinOp>(op)) {
      if (!set(m))
        return false;
      largest = false;
    } else {
      why = "not a top-k op";
      return false;
    }
    hasValues = false;
  }
  int64_t r = (int64_t)s.size();
  if (axis < 0)
    axis += r;
  // View as [rows, cols] with the axis innermost: rows iterate the other
  // dims; when the axis is not innermost the load is strided.
  int64_t outer = 1, inner = 1, n = s[axis];
  for (int64_t i = 0; i < axis; ++i)
    outer *= s[i];
  for (int64_t i = axis + 1; i < r; ++i)
    inner *= s[i];
  if (inner != 1 && outer != 1) {
    why = "top-k along a middle axis";
    return false;
  }
  TopKKernel k;
  k.name = nodeName(d);
  k.k = kk;
  k.largest = largest;
  k.hasValues = hasValues;
  DType dt = dtypeOfValue(d.getInputs()[0]);
  int64_t rows = outer * inner;
  k.in = {(uint64_t)addrs[0], dt, {rows, n}, {inner == 1 ? n : 1, inner}};
  unsigned out = 1;
  if (hasValues) {
    DType vt = dtypeOfValue(d.getResults()[0]);
    k.values = {
        (uint64_t)addrs[out++], vt, {rows, kk}, {inner == 1 ? kk : 1, inner}};
  }
  DType it = dtypeOfValue(d.getResults()[hasValues ? 1 : 0]);
  if (it != DType::I32) {
    why = "top-k indices are stored as i32";
    return false;
  }
  k.indices = {(uint64_t)addrs[out],
               DType::I32,
               {rows, kk},
               {inner == 1 ? kk : 1, inner}};
  kernels.push_back(k);
  return true;
}

} // namespace tessera::conversion
