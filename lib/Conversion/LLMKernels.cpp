//===- LLMKernels.cpp - Fused LLM ops -> back-end kernels -----------------===//
//
// graph.rope and the one-operand graph.swiglu are vector kernels whose
// operands are read through strided GM views (no data moves through the
// vector unit to rotate or split); graph.attention is a flash-attention
// kernel (tessera/CodeGen/AttentionKernel.h). Each runs as a dispatch of its
// own (GraphToNpu's fusion keeps them apart), but for the head split
// before a rotation (transpose [0, 2, 1, 3] of the projection's rows): the
// rotation reads the rows in place through its views, so the split costs no
// copy of its own nor a barrier between it and the rotation.
//
// RoPE, with R the rotary width and j < R/2, computes two halves per pair:
//   out[a(j)] = x[a(j)] * cos[ta(j)] - x[b(j)] * sin[ta(j)]
//   out[c(j)] = x[b(j)] * cos[tc(j)] + x[a(j)] * sin[tc(j)]
// where, per style, (a, b) index the input, c the second output half and
// (ta, tc) the tables:
//   rotate_half:   a = j,  b = j + R/2,  c = j + R/2,  ta = j,  tc = j + R/2
//   interleaved:   a = 2j, b = 2j + 1,   c = 2j + 1,   ta = 2j, tc = 2j + 1
//   deinterleaved: a = 2j, b = 2j + 1,   out halves j and j + R/2, tables
//                  j and j + R/2 (the result stays de-interleaved)
// The same products and subtraction as the golden formula, in f32. Dims past
// R are copied.
//
//===----------------------------------------------------------------------===//
#include "DispatchKernels.h"

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/LLMKernels.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::codegen;
using bin::Opcode;

namespace tessera::conversion {

bool isLLMOp(Operation *op) {
  if (auto s = dyn_cast<graph::SwiGLUOp>(op))
    return !s.getUp(); // the two-operand form is plain elementwise work
  return isa<graph::RopeOp, graph::AttentionOp>(op);
}

/// A view of `shape` (row-major at `addr`) restricted to `extents` with the
/// given per-dim element offsets and steps.
static GmView subView(uint64_t addr, DType dt,
                      const std::vector<int64_t> &shape,
                      const std::vector<int64_t> &offsets,
                      const std::vector<int64_t> &steps,
                      const std::vector<int64_t> &extents) {
  std::vector<int64_t> strides = contiguousStrides(shape);
  GmView v;
  v.dtype = dt;
  int64_t off = 0;
  for (size_t i = 0; i < shape.size(); ++i) {
    off += offsets[i] * strides[i];
    v.shape.push_back(extents[i]);
    v.strides.push_back(extents[i] == 1 ? 0 : strides[i] * steps[i]);
  }
  v.addr = addr + (uint64_t)(off * dtypeByteSize(dt));
  return v;
}

bool isHeadTranspose(Operation *op) {
  auto t = dyn_cast_or_null<graph::TransposeOp>(op);
  return t && t.getPerm() == ArrayRef<int64_t>{0, 2, 1, 3};
}

Operation *ropeOfBody(Block &body) {
  Operation *rope = nullptr;
  for (Operation &o : body.without_terminator()) {
    if (rope || !(isa<graph::RopeOp>(&o) || isViewLayoutOp(&o)))
      return nullptr;
    if (isa<graph::RopeOp>(&o))
      rope = &o;
  }
  // The rotation last and yielded; its tables the dispatch's inputs.
  if (!rope || body.getTerminator()->getOperand(0) != rope->getResult(0) ||
      !isa<BlockArgument>(rope->getOperand(1)) ||
      !isa<BlockArgument>(rope->getOperand(2)))
    return nullptr;
  return rope;
}

static bool translateRope(npu::DispatchOp d, graph::RopeOp op,
                          ArrayRef<int64_t> addrs, std::vector<Kernel> &kernels,
                          std::string &why) {
  std::optional<golden::RopeStyle> style =
      golden::parseRopeStyle(op.getStyle());
  if (!style) {
    why = "unknown rope style";
    return false;
  }
  // The input [batch, heads, seq, head_dim] as a view of what GM holds: the
  // buffer itself, or the projection's rows through the head split (and
  // slices) fused in (NpuFuse).
  GmView in;
  auto table = [&](unsigned operand) {
    return cast<BlockArgument>(op->getOperand(operand)).getArgNumber();
  };
  if (!layoutView(op.getInput(), d, addrs, in) || in.rank() != 4 ||
      !isa<BlockArgument>(op->getOperand(1)) ||
      !isa<BlockArgument>(op->getOperand(2))) {
    why = "internal error: a rotation's input must be a view of its "
          "dispatch's input and its tables inputs";
    return false;
  }
  std::vector<int64_t> xs = in.shape;
  std::vector<int64_t> ts = shapeOfValue(d.getInputs()[table(1)]);
  if (ts.size() != 2 && ts.size() != 3) {
    why = "rope needs [batch, heads, seq, head_dim] and [(batch,) seq, R]";
    return false;
  }
  int64_t b = xs[0], h = xs[1], s = xs[2], dim = xs[3], r = ts.back();
  int64_t half = r / 2;
  unsigned nIn = d.getInputs().size();
  DType cdt = dtypeOfValue(d.getInputs()[table(1)]);
  DType sdt = dtypeOfValue(d.getInputs()[table(2)]);
  DType odt = dtypeOfValue(d.getResults()[0]);
  uint64_t cAddr = (uint64_t)addrs[table(1)], sAddr = (uint64_t)addrs[table(2)],
           oAddr = (uint64_t)addrs[nIn];
  bool pairs = *style != golden::RopeStyle::RotateHalf;
  bool deint = *style == golden::RopeStyle::Deinterleaved;
  // Element offsets along the head dim of each part and its step.
  int64_t aOff = 0, bOff = pairs ? 1 : half, step = pairs ? 2 : 1;
  int64_t outA = 0, outC = deint ? half : bOff, outStep = deint ? 1 : step;
  int64_t tabA = 0, tabC = outC, tabStep = outStep;

  // The space runs [batch, seq, heads, R/2]: a tile holds every head of its
  // positions, so it reads the tables' rows once and broadcasts them over
  // the heads. (Over [batch, heads, seq, R/2] each head's tile read the
  // four table views again: Qwen2-1.5B's q RoPE at 1024 tokens took 6 us.)
  VectorKernel k;
  k.name = nodeName(d);
  k.space = {b, s, h, half};
  // Columns off, off + st, ... (half of them) of a [b, h, s, dim] view, seen
  // as [b, s, h, half].
  auto part = [&](GmView v, int64_t off, int64_t st) {
    v.addr += (uint64_t)(off * v.strides[3] * (int64_t)dtypeByteSize(v.dtype));
    v.shape[3] = half;
    v.strides[3] *= st;
    std::swap(v.shape[1], v.shape[2]);
    std::swap(v.strides[1], v.strides[2]);
    return v;
  };
  GmView out = GmView::contiguous(oAddr, odt, xs);
  auto tabView = [&](uint64_t addr, DType dt, int64_t off) {
    // [seq, R] or [batch, seq, R], broadcast over the heads.
    GmView v;
    v.dtype = dt;
    v.addr = addr + (uint64_t)(off * dtypeByteSize(dt));
    int64_t batchStride = ts.size() == 3 ? s * r : 0;
    v.shape = {b, s, 1, half};
    v.strides = {b == 1 ? 0 : batchStride, s == 1 ? 0 : r, 0,
                 half == 1 ? 0 : tabStep};
    return v;
  };
  auto load = [&](const GmView &v) {
    k.inputs.push_back(v);
    return k.load((int)k.inputs.size() - 1);
  };
  int xa = load(part(in, aOff, step));
  int xb = load(part(in, bOff, step));
  int ca = load(tabView(cAddr, cdt, tabA));
  int sa = load(tabView(sAddr, sdt, tabA));
  int cc = load(tabView(cAddr, cdt, tabC));
  int sc = load(tabView(sAddr, sdt, tabC));
  int first = k.binary(Opcode::VSub, k.binary(Opcode::VMul, xa, ca),
                       k.binary(Opcode::VMul, xb, sa));
  int second = k.binary(Opcode::VAdd, k.binary(Opcode::VMul, xb, cc),
                        k.binary(Opcode::VMul, xa, sc));
  DType ct = computeTypeOf(odt);
  k.store(k.cast(first, ct), part(out, outA, outStep));
  k.store(k.cast(second, ct), part(out, outC, outStep));
  kernels.push_back(std::move(k));
  if (r < dim) {
    // The dims past the tables' width pass through.
    auto rest = [&](GmView v) {
      v.addr += (uint64_t)(r * v.strides[3] * (int64_t)dtypeByteSize(v.dtype));
      v.shape[3] = dim - r;
      return v;
    };
    kernels.push_back(copyKernel(nodeName(d), rest(in), rest(out)));
  }
  return true;
}

/// One-operand swiglu: gate and up are the two halves of `input` along the
/// axis, read through offset views.
static bool translateSwiGLU(npu::DispatchOp d, graph::SwiGLUOp op,
                            ArrayRef<int64_t> addrs,
                            std::vector<Kernel> &kernels) {
  std::vector<int64_t> in = shapeOfValue(d.getInputs()[0]);
  std::vector<int64_t> out = shapeOfValue(d.getResults()[0]);
  int64_t axis = normalizedAxis(op.getAxis(), (int64_t)in.size());
  DType idt = dtypeOfValue(d.getInputs()[0]);
  DType odt = dtypeOfValue(d.getResults()[0]);
  std::vector<int64_t> zero(in.size(), 0), ones(in.size(), 1);
  std::vector<int64_t> upOff = zero;
  upOff[axis] = out[axis];
  VectorKernel k;
  k.name = nodeName(d);
  k.space = out.empty() ? std::vector<int64_t>{1} : out;
  k.inputs.push_back(subView((uint64_t)addrs[0], idt, in, zero, ones, out));
  k.inputs.push_back(subView((uint64_t)addrs[0], idt, in, upOff, ones, out));
  int g = k.load(0), u = k.load(1);
  // silu(g) * up as the unfused graph computes it: g * sigmoid(g) * up.
  int silu = k.binary(Opcode::VMul, g, k.unary(Opcode::VSigmoid, g));
  int r = k.binary(Opcode::VMul, silu, u);
  k.store(k.cast(r, computeTypeOf(odt)),
          GmView::contiguous((uint64_t)addrs[1], odt, out));
  kernels.push_back(std::move(k));
  return true;
}

bool translateLLM(npu::DispatchOp d, Operation *op, ArrayRef<int64_t> addrs,
                  std::vector<Kernel> &kernels, std::string &why) {
  return llvm::TypeSwitch<Operation *, bool>(op)
      .Case([&](graph::RopeOp r) {
        return translateRope(d, r, addrs, kernels, why);
      })
      .Case([&](graph::SwiGLUOp s) {
        return translateSwiGLU(d, s, addrs, kernels);
      })
      .Case([&](graph::AttentionOp a) {
        return translateAttention(d, a.getOperation(), addrs, kernels, why);
      })
      .Default([&](Operation *) {
        why = "not a fused LLM op";
        return false;
      });
}

} // namespace tessera::conversion
