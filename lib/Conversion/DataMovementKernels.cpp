//===- DataMovementKernels.cpp - Layout changes as strided DMA copies -----===//
//
// Transpose, Slice, Expand, Tile, Concat, Split and constant Pad never go
// through the vector unit's arithmetic: each is a load through a strided GM
// view (permuted, offset, stride 0 for broadcasts, a split [r, d] view for
// Tile) and a store, i.e. DMA work; Pad is a fill plus a copy.
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
// Data movement: strided views
//===----------------------------------------------------------------------===//

/// A copy kernel: the `src` view (already in the output's index space) to
/// the contiguous destination.
VectorKernel copyKernel(const std::string &name, const GmView &src,
                        const GmView &dst) {
  VectorKernel k;
  k.name = name;
  k.space = dst.shape;
  if (k.space.empty()) {
    k.space = {1};
  }
  GmView s = src, d = dst;
  if (s.shape.empty()) {
    s.shape = {1};
    s.strides = {0};
    d.shape = {1};
    d.strides = {0};
  }
  k.inputs.push_back(s);
  int n = k.load(0);
  k.store(n, d);
  return k;
}

bool isViewLayoutOp(Operation *op) {
  if (auto s = dyn_cast<graph::SliceOp>(op))
    return llvm::all_of(s.getSteps(), [](int64_t st) { return st > 0; });
  return isa<graph::TransposeOp, graph::ExpandOp, graph::ReshapeOp>(op);
}

/// The dims of `shape` other than 1.
static SmallVector<int64_t> nonUnitDims(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> dims;
  for (int64_t n : shape)
    if (n != 1)
      dims.push_back(n);
  return dims;
}

bool reshapesUnitDims(Operation *op) {
  auto r = dyn_cast<graph::ReshapeOp>(op);
  return r && nonUnitDims(shapeOfValue(r.getInput())) ==
                  nonUnitDims(shapeOfValue(r.getResult()));
}

bool layoutView(Value v, npu::DispatchOp d, ArrayRef<int64_t> addrs,
                GmView &out) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Value in = d.getInputs()[arg.getArgNumber()];
    out = GmView::contiguous((uint64_t)addrs[arg.getArgNumber()],
                             dtypeOfValue(in), shapeOfValue(in));
    return true;
  }
  Operation *op = v.getDefiningOp();
  GmView in;
  if (!op || !isViewLayoutOp(op) ||
      !layoutView(op->getOperand(0), d, addrs, in))
    return false;
  std::vector<int64_t> shape = shapeOfValue(v);
  out.addr = in.addr;
  out.dtype = in.dtype;
  out.shape = shape;
  out.strides.clear();
  if (auto t = dyn_cast<graph::TransposeOp>(op)) {
    for (int64_t p : t.getPerm())
      out.strides.push_back(in.strides[p]);
  } else if (auto s = dyn_cast<graph::SliceOp>(op)) {
    int64_t off = 0;
    for (size_t i = 0; i < in.shape.size(); ++i) {
      int64_t st = s.getStarts()[i];
      if (st < 0)
        st += in.shape[i];
      off += std::clamp<int64_t>(st, 0, in.shape[i]) * in.strides[i];
      out.strides.push_back(in.strides[i] * s.getSteps()[i]);
    }
    out.addr += (uint64_t)(off * (int64_t)dtypeByteSize(in.dtype));
  } else if (isa<graph::ExpandOp>(op)) {
    size_t off = shape.size() - in.shape.size();
    for (size_t i = 0; i < shape.size(); ++i)
      out.strides.push_back(
          i < off || in.shape[i - off] == 1 ? 0 : in.strides[i - off]);
  } else if (in.strides == contiguousStrides(in.shape)) {
    out.strides = contiguousStrides(shape);
  } else if (reshapesUnitDims(op)) {
    // The other dims keep their strides, in order; unit dims take 0.
    SmallVector<int64_t> kept;
    for (size_t i = 0; i < in.shape.size(); ++i)
      if (in.shape[i] != 1)
        kept.push_back(in.strides[i]);
    size_t next = 0;
    for (int64_t n : shape)
      out.strides.push_back(n == 1 ? 0 : kept[next++]);
  } else {
    return false;
  }
  return true;
}

bool translateData(npu::DispatchOp d, Operation *op, ArrayRef<int64_t> addrs,
                   std::vector<Kernel> &kernels, std::string &why) {
  std::string name = nodeName(d);
  Value in = d.getInputs()[0];
  DType dt = dtypeOfValue(in);
  std::vector<int64_t> inShape = shapeOfValue(in);
  std::vector<int64_t> inStrides = contiguousStrides(inShape);
  unsigned nIn = d.getInputs().size();
  auto outView = [&](unsigned i) {
    Value r = d.getResults()[i];
    return GmView::contiguous((uint64_t)addrs[nIn + i], dtypeOfValue(r),
                              shapeOfValue(r));
  };
  GmView inView = GmView::contiguous((uint64_t)addrs[0], dt, inShape);

  return llvm::TypeSwitch<Operation *, bool>(op)
      .Case<graph::TransposeOp, graph::SliceOp, graph::ExpandOp>(
          [&](Operation *) {
            // A copy from the view of the input the result is (layoutView).
            if (auto s = dyn_cast<graph::SliceOp>(op);
                s &&
                llvm::any_of(s.getSteps(), [](int64_t st) { return st < 0; })) {
              why = "Slice with a negative step (a reversing DMA) is not "
                    "supported";
              return false;
            }
            GmView src, out = outView(0);
            if (isa<graph::SliceOp>(op) && out.numElements() == 0) {
              why = "empty slice";
              return false;
            }
            if (!layoutView(op->getResult(0), d, addrs, src)) {
              why = "internal error: a layout op must read its dispatch's "
                    "input";
              return false;
            }
            kernels.push_back(copyKernel(name, src, out));
            return true;
          })
      .Case<graph::TileOp>([&](graph::TileOp t) {
        GmView out = outView(0);
        // Output [r0*d0, r1*d1, ...] seen as [r0, d0, r1, d1, ...].
        GmView src, dst;
        src.addr = inView.addr;
        src.dtype = dt;
        dst.addr = out.addr;
        dst.dtype = out.dtype;
        std::vector<int64_t> split;
        for (size_t i = 0; i < inShape.size(); ++i) {
          split.push_back(t.getRepeats()[i]);
          split.push_back(inShape[i]);
          src.shape.push_back(t.getRepeats()[i]);
          src.strides.push_back(0);
          src.shape.push_back(inShape[i]);
          src.strides.push_back(inStrides[i]);
        }
        dst.shape = split;
        dst.strides = contiguousStrides(split);
        if (out.numElements() == 0) {
          why = "empty tile";
          return false;
        }
        kernels.push_back(copyKernel(name, src, dst));
        return true;
      })
      .Case<graph::ConcatOp>([&](graph::ConcatOp c) {
        GmView out = outView(0);
        int64_t axis = c.getAxis();
        if (axis < 0)
          axis += out.rank();
        int64_t at = 0;
        // Each piece is a dispatch input (copied) or a splat constant cloned
        // into the body (filled).
        for (Value piece : c.getInputs()) {
          std::vector<int64_t> s = shapeOfValue(piece);
          GmView dst = out;
          dst.shape = s;
          dst.addr +=
              (uint64_t)(at * out.strides[axis] * dtypeByteSize(out.dtype));
          at += s[axis];
          if (dst.numElements() == 0)
            continue;
          if (auto arg = dyn_cast<BlockArgument>(piece)) {
            unsigned i = arg.getArgNumber();
            kernels.push_back(copyKernel(
                name,
                GmView::contiguous((uint64_t)addrs[i],
                                   dtypeOfValue(d.getInputs()[i]), s),
                dst));
            continue;
          }
          std::optional<float> value = splatScalar(piece);
          if (!value) {
            why = "a Concat input computed in the same kernel";
            return false;
          }
          VectorKernel fill;
          fill.name = name;
          fill.space = s;
          fill.store(fill.constant(*value, computeTypeOf(out.dtype)), dst);
          kernels.push_back(fill);
        }
        return true;
      })
      .Case<graph::SplitOp>([&](graph::SplitOp s) {
        int64_t axis = s.getAxis();
        if (axis < 0)
          axis += (int64_t)inShape.size();
        int64_t at = 0;
        for (unsigned i = 0; i < d.getResults().size(); ++i) {
          GmView out = outView(i);
          if (out.numElements() == 0)
            continue;
          GmView src = inView;
          src.shape = out.shape;
          src.addr += (uint64_t)(at * inStrides[axis] * dtypeByteSize(dt));
          at += out.shape[axis];
          kernels.push_back(copyKernel(name, src, out));
        }
        return true;
      })
      .Case<graph::PadOp>([&](graph::PadOp p) {
        if (p.getMode() != "constant") {
          why = "Pad mode '" + p.getMode().str() +
                "' (only constant padding is a DMA pattern)";
          return false;
        }
        GmView out = outView(0);
        size_t r = inShape.size();
        ArrayRef<int64_t> pads = p.getPads();
        // Fill, then copy the (possibly cropped) input inside.
        VectorKernel fill;
        fill.name = name;
        fill.space = out.shape.empty() ? std::vector<int64_t>{1} : out.shape;
        int c = fill.constant((float)p.getValue().convertToDouble(),
                              computeTypeOf(out.dtype));
        GmView whole = out;
        if (whole.shape.empty()) {
          whole.shape = {1};
          whole.strides = {0};
        }
        fill.store(c, whole);
        kernels.push_back(fill);
        GmView src = inView, dst = out;
        int64_t srcOff = 0, dstOff = 0;
        for (size_t i = 0; i < r; ++i) {
          int64_t b = pads[i], e = pads[i + r];
          int64_t lo = std::max<int64_t>(0, -b), hi = std::max<int64_t>(0, -e);
          int64_t n = inShape[i] - lo - hi;
          if (n <= 0)
            return true;
          srcOff += lo * inStrides[i];
          dstOff += std::max<int64_t>(0, b) * out.strides[i];
          src.shape[i] = n;
          dst.shape[i] = n;
        }
        src.addr += (uint64_t)(srcOff * dtypeByteSize(dt));
        dst.addr += (uint64_t)(dstOff * dtypeByteSize(out.dtype));
        kernels.push_back(copyKernel(name, src, dst));
        return true;
      })
      .Default([&](Operation *) {
        why = "not a data-movement op";
        return false;
      });
}

bool isDataOp(Operation *op) {
  return isa<graph::TransposeOp, graph::SliceOp, graph::ExpandOp, graph::TileOp,
             graph::ConcatOp, graph::SplitOp, graph::PadOp>(op);
}

} // namespace tessera::conversion
