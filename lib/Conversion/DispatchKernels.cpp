//===- DispatchKernels.cpp - npu.dispatch -> back-end kernels -------------===//
//
// Vector dispatches become one VectorKernel over an iteration space:
//  - elementwise groups iterate over their widest result; every value is
//    right-aligned to it (numpy broadcasting);
//  - a group with a row operation (reductions, softmax, norms) iterates over
//    that op's input with the reduced axes moved last; the reduced values
//    keep extent 1 there;
// Graph ops are expanded into vector instructions computed in f32 (i32 for
// integers, u8 for booleans). Data movement (DataMovementKernels.cpp),
// matrix, gather and top-k dispatches (MatrixKernels.cpp) and NN ops
// (NNKernels.cpp) have their own files; translateDispatch dispatches.
//
//===----------------------------------------------------------------------===//
#include "DispatchKernels.h"
#include "IntegerKernels.h"

#include "Graph/IR/GraphDialect.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace tessera;
using namespace tessera::codegen;
using bin::CmpKind;
using bin::Opcode;

namespace tessera::conversion {

std::string nodeName(Operation *op) {
  Location loc = op->getLoc();
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  if (auto f = dyn_cast<FusedLoc>(loc))
    for (Location l : f.getLocations())
      if (auto n = dyn_cast<NameLoc>(l))
        return n.getName().str();
  return op->getName().getStringRef().str();
}

std::optional<DType> storageDType(Type t, DType precision, bool keepFloat) {
  std::optional<DType> d = graph::toDType(t);
  if (!d)
    return std::nullopt;
  switch (*d) {
  case DType::F64:
  case DType::F32:
    return keepFloat ? DType::F32 : precision;
  case DType::F16:
  case DType::BF16:
    return *d;
  case DType::I64:
  case DType::I32:
  case DType::U16: // every uint16 value is an int32 value
  // uint32 is kept as its bit pattern and computed with the i32 instructions
  // where they give the same bits, with unsigned emulations elsewhere
  // (IntegerKernels.cpp); uint64 is stored like int64 (values must fit).
  case DType::U32:
  case DType::U64:
    return DType::I32;
  case DType::Bool:
  case DType::U8:
    return DType::U8;
  case DType::I8:
  case DType::I16:
    return *d;
  }
  return std::nullopt;
}

std::vector<int64_t> shapeOfValue(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return std::vector<int64_t>(t.getShape().begin(), t.getShape().end());
}

DType dtypeOfValue(Value v) {
  auto d = graph::toDType(cast<RankedTensorType>(v.getType()).getElementType());
  return d ? *d : DType::F32;
}

std::vector<int64_t> contiguousStrides(const std::vector<int64_t> &s) {
  std::vector<int64_t> st(s.size());
  int64_t acc = 1;
  for (int i = (int)s.size() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

bool isRowOp(Operation *op) {
  return isa<graph::ReduceSumOp, graph::ReduceMeanOp, graph::ReduceMaxOp,
             graph::ReduceMinOp, graph::ReduceSumSquareOp,
             graph::ReduceLogSumOp, graph::ReduceLogSumExpOp, graph::SoftmaxOp,
             graph::LogSoftmaxOp, graph::LayerNormOp, graph::RMSNormOp,
             graph::LpNormOp, graph::InstanceNormOp, graph::MeanVarianceNormOp,
             graph::ReduceL1Op, graph::ReduceL2Op, graph::ReduceProdOp,
             graph::ArgMaxOp, graph::ArgMinOp, graph::HardmaxOp>(op);
}

bool rowAxes(Operation *op, std::vector<int64_t> &axes, bool &keep,
             std::string &why) {
  int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  keep = true;
  auto norm = [&](int64_t a) { return a < 0 ? a + rank : a; };
  axes.clear();
  auto reduceAxes = [&](ArrayRef<int64_t> ax, bool keepdims, bool noop) {
    keep = keepdims;
    if (ax.empty()) {
      if (noop)
        return true; // an identity
      for (int64_t i = 0; i < rank; ++i)
        axes.push_back(i);
    } else {
      for (int64_t a : ax)
        axes.push_back(norm(a));
    }
    return true;
  };
  bool ok =
      llvm::TypeSwitch<Operation *, bool>(op)
          .Case<graph::ReduceSumOp, graph::ReduceMeanOp, graph::ReduceMaxOp,
                graph::ReduceMinOp, graph::ReduceSumSquareOp,
                graph::ReduceLogSumOp, graph::ReduceLogSumExpOp,
                graph::ReduceL1Op, graph::ReduceL2Op, graph::ReduceProdOp>(
              [&](auto r) {
                return reduceAxes(r.getAxes(), r.getKeepdims(),
                                  r.getNoopWithEmptyAxes());
              })
          .Case<graph::SoftmaxOp, graph::LogSoftmaxOp, graph::LpNormOp,
                graph::HardmaxOp>([&](auto s) {
            axes.push_back(norm(s.getAxis()));
            return true;
          })
          .Case<graph::ArgMaxOp, graph::ArgMinOp>([&](auto a) {
            axes.push_back(norm(a.getAxis()));
            keep = a.getKeepdims();
            return true;
          })
          .Case<graph::LayerNormOp>([&](auto l) {
            for (int64_t i = norm(l.getAxis()); i < rank; ++i)
              axes.push_back(i);
            return true;
          })
          .Case<graph::RMSNormOp>([&](auto l) {
            for (int64_t i = norm(l.getAxis()); i < rank; ++i)
              axes.push_back(i);
            return true;
          })
          .Case<graph::InstanceNormOp>([&](auto) {
            for (int64_t i = 2; i < rank; ++i)
              axes.push_back(i);
            return true;
          })
          .Case<graph::MeanVarianceNormOp>([&](auto m) {
            for (int64_t a : m.getAxes())
              axes.push_back(norm(a));
            return true;
          })
          .Default([](Operation *) { return false; });
  if (!ok) {
    why = "a reduction over no axes (noop_with_empty_axes) is an identity";
    return false;
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  for (int64_t a : axes)
    if (a < 0 || a >= rank) {
      why = "axis out of range";
      return false;
    }
  return true;
}

namespace {

/// Builds a VectorKernel from the ops of a vector dispatch.
class VectorTranslator {
public:
  VectorTranslator(npu::DispatchOp op, ArrayRef<int64_t> addrs)
      : op_(op), addrs_(addrs) {}

  bool run(std::vector<Kernel> &kernels, std::string &why);

  /// Matmul epilogues: `seed` (the product, a value inside the body) is
  /// input 0, read from `seedAddr`; ops up to and including `after` are
  /// skipped.
  void setSeed(Value seed, uint64_t seedAddr, Operation *after) {
    seed_ = seed;
    seedAddr_ = seedAddr;
    skipUpTo_ = after;
  }

private:
  bool setUpSpace(std::string &why);
  /// GM view of operand `i` (or of a result) with model shape `shape`
  /// aligned to the iteration space.
  GmView alignedView(uint64_t addr, DType storage,
                     const std::vector<int64_t> &shape,
                     const std::vector<int64_t> *explicitAlign = nullptr);
  int valueNode(Value v, std::string &why);
  bool emitOp(Operation *op, std::string &why);
  std::optional<float> scalarOf(Value v);
  int zero(DType t) { return k_.constant(0.0f, t); }
  int toF32(int n) { return k_.cast(n, DType::F32); }

  npu::DispatchOp op_;
  ArrayRef<int64_t> addrs_;
  VectorKernel k_;
  std::vector<int64_t> modelSpace_; // before permutation
  std::vector<int64_t> perm_;       // space dim i = model dim perm_[i]
  Operation *rowOp_ = nullptr;
  std::vector<int64_t> axes_;
  bool keep_ = true;
  llvm::DenseMap<Value, int> nodes_;
  // Loads with a non-numpy alignment (batch-norm parameters per channel).
  std::map<std::pair<unsigned, std::vector<int64_t>>, int> alignedLoads_;
  Value seed_;
  uint64_t seedAddr_ = 0;
  Operation *skipUpTo_ = nullptr;
};

} // namespace

bool VectorTranslator::setUpSpace(std::string &why) {
  Block &body = op_.getBody().front();
  // Several row ops share one kernel when they reduce the same rows: the
  // second stage of a split argmax takes the groups' extreme, then the least
  // index among the groups holding it, over the same few values. All but
  // the last keep the reduced dims (their results broadcast back over the
  // row); the last may drop them (its result is only stored).
  SmallVector<Operation *> rowOps;
  for (Operation &o : body.without_terminator())
    if (isRowOp(&o))
      rowOps.push_back(&o);
  if (!rowOps.empty()) {
    rowOp_ = rowOps.back();
    modelSpace_ = shapeOfValue(rowOp_->getOperand(0));
    if (!rowAxes(rowOp_, axes_, keep_, why))
      return false;
    for (Operation *o : ArrayRef(rowOps).drop_back()) {
      std::vector<int64_t> axes;
      bool keep;
      if (!rowAxes(o, axes, keep, why))
        return false;
      if (shapeOfValue(o->getOperand(0)) != modelSpace_ || axes != axes_ ||
          !keep) {
        why = "two row operations over different rows in one vector kernel";
        return false;
      }
    }
    if (rowOps.size() > 1 && !keep_ &&
        llvm::any_of(rowOp_->getUsers(),
                     [&](Operation *u) { return u != body.getTerminator(); })) {
      why = "a reduction that drops its axes feeds another op in its kernel";
      return false;
    }
    int64_t rank = (int64_t)modelSpace_.size();
    for (int64_t d = 0; d < rank; ++d)
      if (!llvm::is_contained(axes_, d))
        perm_.push_back(d);
    for (int64_t a : axes_)
      perm_.push_back(a);
    k_.reducedDims = (int)axes_.size();
  } else {
    // The widest value of the group.
    for (Operation &o : body.without_terminator())
      for (Value r : o.getResults())
        if (shapeOfValue(r).size() >= modelSpace_.size()) {
          auto s = shapeOfValue(r);
          if (s.size() > modelSpace_.size() ||
              std::accumulate(s.begin(), s.end(), (int64_t)1,
                              std::multiplies<int64_t>()) >
                  std::accumulate(modelSpace_.begin(), modelSpace_.end(),
                                  (int64_t)1, std::multiplies<int64_t>()))
            modelSpace_ = s;
        }
    for (Value v : body.getTerminator()->getOperands()) {
      auto s = shapeOfValue(v);
      if (s.size() > modelSpace_.size())
        modelSpace_ = s;
    }
    perm_.resize(modelSpace_.size());
    std::iota(perm_.begin(), perm_.end(), 0);
  }
  for (int64_t p : perm_)
    k_.space.push_back(modelSpace_[p]);
  if (k_.space.empty()) {
    k_.space.push_back(1);
    modelSpace_.push_back(1);
    perm_.push_back(0);
  }
  return true;
}

GmView
VectorTranslator::alignedView(uint64_t addr, DType storage,
                              const std::vector<int64_t> &shape,
                              const std::vector<int64_t> *explicitAlign) {
  size_t n = modelSpace_.size();
  std::vector<int64_t> strides = contiguousStrides(shape);
  std::vector<int64_t> mshape(n, 1), mstrides(n, 0);
  if (explicitAlign) {
    // explicitAlign[i] = model dim of shape dim i.
    for (size_t i = 0; i < shape.size(); ++i) {
      mshape[(*explicitAlign)[i]] = shape[i];
      mstrides[(*explicitAlign)[i]] = shape[i] == 1 ? 0 : strides[i];
    }
  } else {
    size_t off = n - std::min(n, shape.size());
    for (size_t i = 0; i < shape.size() && i < n; ++i) {
      size_t si = shape.size() - std::min(n, shape.size()) + i;
      mshape[off + i] = shape[si];
      mstrides[off + i] = shape[si] == 1 ? 0 : strides[si];
    }
  }
  GmView v;
  v.addr = addr;
  v.dtype = storage;
  for (int64_t p : perm_) {
    v.shape.push_back(mshape[p]);
    v.strides.push_back(mstrides[p]);
  }
  return v;
}

std::optional<float> VectorTranslator::scalarOf(Value v) {
  return splatScalar(v);
}

std::optional<float> splatScalar(Value v) {
  auto c = v.getDefiningOp<graph::ConstantOp>();
  if (!c)
    return std::nullopt;
  auto attr = dyn_cast<DenseElementsAttr>(c.getValue());
  if (!attr || !attr.isSplat())
    return std::nullopt;
  Type et = attr.getElementType();
  if (isa<FloatType>(et))
    return (float)attr.getSplatValue<APFloat>().convertToDouble();
  if (et.isInteger(1))
    return attr.getSplatValue<bool>() ? 1.0f : 0.0f;
  if (isa<IntegerType>(et))
    return (float)attr.getSplatValue<APInt>().getSExtValue();
  return std::nullopt;
}

int VectorTranslator::valueNode(Value v, std::string &why) {
  auto it = nodes_.find(v);
  if (it != nodes_.end())
    return it->second;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    unsigned i = arg.getArgNumber();
    Value operand = op_.getInputs()[i];
    DType storage = dtypeOfValue(operand);
    k_.inputs.push_back(
        alignedView((uint64_t)addrs_[i], storage, shapeOfValue(operand)));
    int n = k_.load((int)k_.inputs.size() - 1);
    nodes_[v] = n;
    return n;
  }
  if (auto s = scalarOf(v)) {
    DType t = computeTypeOf(dtypeOfValue(v));
    int n = k_.constant(*s, t);
    nodes_[v] = n;
    return n;
  }
  why = "value defined outside the vector group";
  return -1;
}

bool VectorTranslator::run(std::vector<Kernel> &kernels, std::string &why) {
  Block &body = op_.getBody().front();
  k_.name = nodeName(op_);
  if (!setUpSpace(why))
    return false;
  bool skipping = skipUpTo_ != nullptr;
  if (seed_) {
    k_.inputs.push_back(alignedView(
        seedAddr_, dtypeOfValue(op_.getResults()[0]), shapeOfValue(seed_)));
    nodes_[seed_] = k_.load(0);
  }
  for (Operation &o : body.without_terminator()) {
    if (skipping) {
      skipping = &o != skipUpTo_;
      continue;
    }
    if (isa<graph::ConstantOp>(&o)) {
      if (!scalarOf(o.getResult(0))) {
        why = "a non-splat constant inside a vector group";
        return false;
      }
      continue;
    }
    if (!emitOp(&o, why)) {
      if (why.empty())
        why = "no vector lowering";
      return false;
    }
  }
  unsigned nIn = op_.getInputs().size();
  for (auto [i, v] : llvm::enumerate(body.getTerminator()->getOperands())) {
    int n = valueNode(v, why);
    if (n < 0)
      return false;
    Value res = op_.getResults()[i];
    DType storage = dtypeOfValue(res);
    std::vector<int64_t> shape = shapeOfValue(res);
    GmView view;
    if (rowOp_ && !keep_ && v == rowOp_->getResult(0)) {
      // keepdims = 0: the kept model dims, in order, are the result dims.
      std::vector<int64_t> align;
      for (int64_t d = 0; d < (int64_t)modelSpace_.size(); ++d)
        if (!llvm::is_contained(axes_, d))
          align.push_back(d);
      view = alignedView((uint64_t)addrs_[nIn + i], storage, shape, &align);
    } else {
      view = alignedView((uint64_t)addrs_[nIn + i], storage, shape);
    }
    // The value computed here must match the result's storage class.
    int node = n;
    DType ct = computeTypeOf(storage);
    node = k_.cast(node, ct);
    k_.store(node, view);
  }
  kernels.push_back(k_);
  return true;
}

/// Broadcast-aware binary op with a scalar fast path.
static int binaryOf(VectorKernel &k, Opcode op, Opcode scalarOp, int a, int b,
                    std::optional<float> sb) {
  if (sb && scalarOp != Opcode::End)
    return k.scalar(scalarOp, a, *sb);
  return k.binary(op, a, b);
}

static bool isU32(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getElementType().isUnsignedInteger(32);
}

/// Ops with a lowering for uint32 values (i32 tiles holding the bits): the
/// ones whose i32 instructions give the same bits, and those with an exact
/// unsigned expansion (IntegerKernels.h).
static bool acceptsU32(Operation *op) {
  return isa<graph::AddOp, graph::SubOp, graph::MulOp, graph::MaxOp,
             graph::MinOp, graph::DivOp, graph::ModOp, graph::PowOp,
             graph::BitShiftLeftOp, graph::BitShiftRightOp, graph::EqualOp,
             graph::LessOp, graph::LessEqualOp, graph::GreaterOp,
             graph::GreaterEqualOp, graph::WhereOp, graph::CastOp>(op);
}

/// The vector instruction of a graph op that is exactly one unary vector
/// instruction, if it is one.
static std::optional<Opcode> singleUnaryOpcode(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<Opcode>>(op)
      .Case([](graph::ExpOp) { return Opcode::VExp; })
      .Case([](graph::LogOp) { return Opcode::VLn; })
      .Case([](graph::SqrtOp) { return Opcode::VSqrt; })
      .Case([](graph::ReciprocalOp) { return Opcode::VRec; })
      .Case([](graph::SigmoidOp) { return Opcode::VSigmoid; })
      .Case([](graph::TanhOp) { return Opcode::VTanh; })
      .Case([](graph::GeluOp) { return Opcode::VGelu; })
      .Case([](graph::SinOp) { return Opcode::VSin; })
      .Case([](graph::CosOp) { return Opcode::VCos; })
      .Case([](graph::ErfOp) { return Opcode::VErf; })
      .Case([](graph::FloorOp) { return Opcode::VFloor; })
      .Case([](graph::CeilOp) { return Opcode::VCeil; })
      .Case([](graph::RoundOp) { return Opcode::VRound; })
      .Default([](Operation *) { return std::nullopt; });
}

bool VectorTranslator::emitOp(Operation *op, std::string &why) {
  auto in = [&](unsigned i) { return valueNode(op->getOperand(i), why); };
  auto def = [&](int n) {
    nodes_[op->getResult(0)] = n;
    return n >= 0;
  };
  // A per-channel parameter (norm scale, bias, mean, variance): a kernel
  // input aligned to the channel axis (dim 1) of the iteration space.
  auto channelParam = [&](unsigned idx, const char *opName) -> int {
    auto arg = dyn_cast<BlockArgument>(op->getOperand(idx));
    if (!arg) {
      why = std::string(opName) + " parameters must be kernel inputs";
      return -1;
    }
    Value outer = op_.getInputs()[arg.getArgNumber()];
    std::vector<int64_t> align = {1};
    k_.inputs.push_back(alignedView((uint64_t)addrs_[arg.getArgNumber()],
                                    dtypeOfValue(outer), shapeOfValue(outer),
                                    &align));
    return k_.load((int)k_.inputs.size() - 1);
  };
  bool u32 = llvm::any_of(op->getOperands(), isU32) ||
             llvm::any_of(op->getResults(), isU32);
  if (u32 && !acceptsU32(op)) {
    why = "'" + op->getName().getStringRef().str() +
          "' on uint32 has no vector lowering (the vector unit has no u32)";
    return false;
  }
  if (std::optional<Opcode> u = singleUnaryOpcode(op)) {
    int a = in(0);
    return a >= 0 && def(k_.unary(*u, a));
  }
  Type resultElem =
      cast<RankedTensorType>(op->getResult(0).getType()).getElementType();
  bool isFloatResult = isa<FloatType>(resultElem);
  auto rowCount = [&]() {
    int64_t c = 1;
    for (int64_t a : axes_)
      c *= modelSpace_[a];
    return (float)c;
  };
  auto f = [&](int x) { return toF32(x); };

  if (auto sw = dyn_cast<graph::SwiGLUOp>(op)) {
    if (!sw.getUp()) {
      why = "a one-operand swiglu runs as a kernel of its own";
      return false;
    }
    // silu(g) * up as the unfused graph computes it: g * sigmoid(g) * up.
    int g = in(0), u = in(1);
    if (g < 0 || u < 0)
      return false;
    g = f(g);
    int silu = k_.binary(Opcode::VMul, g, k_.unary(Opcode::VSigmoid, g));
    return def(k_.binary(Opcode::VMul, silu, f(u)));
  }
  return llvm::TypeSwitch<Operation *, bool>(op)
      // --- Arithmetic -----------------------------------------------------
      .Case<graph::AddOp, graph::MulOp, graph::MaxOp, graph::MinOp>([&](auto) {
        int a = in(0), b = in(1);
        if (a < 0 || b < 0)
          return false;
        if (u32 && isa<graph::MaxOp, graph::MinOp>(op))
          return def(unsignedMinMax(k_, isa<graph::MaxOp>(op), a, b));
        auto sa = scalarOf(op->getOperand(0)), sb = scalarOf(op->getOperand(1));
        Opcode vop = isa<graph::AddOp>(op)   ? Opcode::VAdd
                     : isa<graph::MulOp>(op) ? Opcode::VMul
                     : isa<graph::MaxOp>(op) ? Opcode::VMax
                                             : Opcode::VMin;
        Opcode sop = isa<graph::AddOp>(op)   ? Opcode::VAddS
                     : isa<graph::MulOp>(op) ? Opcode::VMulS
                     : isa<graph::MaxOp>(op) ? Opcode::VMaxS
                                             : Opcode::VMinS;
        if (sa && !sb)
          return def(k_.scalar(sop, b, *sa));
        return def(binaryOf(k_, vop, sop, a, b, sb));
      })
      .Case<graph::SubOp>([&](auto) {
        int a = in(0), b = in(1);
        if (a < 0 || b < 0)
          return false;
        auto sa = scalarOf(op->getOperand(0)), sb = scalarOf(op->getOperand(1));
        if (sb && !sa)
          return def(k_.scalar(Opcode::VAddS, a, -*sb));
        if (sa && !sb && isFloatResult)
          return def(k_.scalar(Opcode::VAddS, k_.unary(Opcode::VNeg, b), *sa));
        return def(k_.binary(Opcode::VSub, a, b));
      })
      .Case<graph::DivOp>([&](auto) {
        int a = in(0), b = in(1);
        if (a < 0 || b < 0)
          return false;
        if (u32)
          return def(unsignedDiv(k_, a, b));
        auto sb = scalarOf(op->getOperand(1));
        if (sb && isFloatResult && *sb != 0.0f)
          return def(k_.scalar(Opcode::VMulS, a, 1.0f / *sb));
        return def(k_.binary(Opcode::VDiv, a, b));
      })
      .Case<graph::PowOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        if (!isFloatResult) {
          int b = in(1);
          if (b < 0)
            return false;
          if (isFloatDType(k_.nodes[b].type))
            return def(integerPowF(k_, a, b));
          return def(integerPow(k_, a, b, isU32(op->getOperand(1))));
        }
        auto e = scalarOf(op->getOperand(1));
        if (e && *e == 1.0f)
          return def(k_.scalar(Opcode::VMulS, a, 1.0f));
        if (e && *e == 2.0f)
          return def(k_.binary(Opcode::VMul, a, a));
        if (e && *e == 3.0f)
          return def(k_.binary(Opcode::VMul, k_.binary(Opcode::VMul, a, a), a));
        if (e && *e == 0.5f)
          return def(k_.unary(Opcode::VSqrt, a));
        if (e && *e == -1.0f)
          return def(k_.unary(Opcode::VRec, a));
        if (e && *e == -0.5f)
          return def(k_.unary(Opcode::VRsqrt, a));
        int b = in(1);
        if (b < 0)
          return false;
        // x^y = exp(y ln x) for x > 0.
        // An integer exponent: exact squaring (negative bases too).
        if (!isFloatDType(k_.nodes[b].type))
          return def(floatPowInt(k_, a, b, isU32(op->getOperand(1))));
        int lnx = k_.unary(Opcode::VLn, a);
        int y = k_.cast(b, DType::F32);
        return def(k_.unary(Opcode::VExp, k_.binary(Opcode::VMul, lnx, y)));
      })
      // --- Unary ------------------------------------------------------------
      .Case<graph::AbsOp, graph::NegOp, graph::ReluOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        Opcode u = isa<graph::AbsOp>(op)   ? Opcode::VAbs
                   : isa<graph::NegOp>(op) ? Opcode::VNeg
                                           : Opcode::VRelu;
        return def(k_.unary(u, a));
      })
      .Case<graph::SoftplusOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        return def(
            k_.unary(Opcode::VLn,
                     k_.scalar(Opcode::VAddS, k_.unary(Opcode::VExp, a), 1)));
      })
      .Case<graph::SoftsignOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        int d = k_.scalar(Opcode::VAddS, k_.unary(Opcode::VAbs, a), 1);
        return def(k_.binary(Opcode::VDiv, a, d));
      })
      .Case<graph::MishOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        int sp = k_.unary(Opcode::VLn, k_.scalar(Opcode::VAddS,
                                                 k_.unary(Opcode::VExp, a), 1));
        return def(k_.binary(Opcode::VMul, a, k_.unary(Opcode::VTanh, sp)));
      })
      .Case<graph::HardSwishOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        int g = k_.scalar(Opcode::VAddS, k_.scalar(Opcode::VMulS, a, 1.0f / 6),
                          0.5f);
        g = k_.scalar(Opcode::VMinS, k_.scalar(Opcode::VMaxS, g, 0), 1);
        return def(k_.binary(Opcode::VMul, a, g));
      })
      .Case<graph::HardSigmoidOp>([&](graph::HardSigmoidOp h) {
        int a = in(0);
        if (a < 0)
          return false;
        int g = k_.scalar(
            Opcode::VAddS,
            k_.scalar(Opcode::VMulS, a, h.getAlpha().convertToFloat()),
            h.getBeta().convertToFloat());
        return def(k_.scalar(Opcode::VMinS, k_.scalar(Opcode::VMaxS, g, 0), 1));
      })
      .Case<graph::LeakyReluOp>([&](graph::LeakyReluOp l) {
        int a = in(0);
        if (a < 0)
          return false;
        int pos = k_.scalar(Opcode::VMaxS, a, 0);
        int neg = k_.scalar(Opcode::VMulS, k_.scalar(Opcode::VMinS, a, 0),
                            l.getAlpha().convertToFloat());
        return def(k_.binary(Opcode::VAdd, pos, neg));
      })
      .Case<graph::EluOp, graph::SeluOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        float alpha, gamma = 1;
        if (auto e = dyn_cast<graph::EluOp>(op))
          alpha = e.getAlpha().convertToFloat();
        else {
          auto s = cast<graph::SeluOp>(op);
          alpha = s.getAlpha().convertToFloat();
          gamma = s.getGamma().convertToFloat();
        }
        int m = k_.compare(CmpKind::GT, a, zero(DType::F32));
        int e = k_.scalar(
            Opcode::VMulS,
            k_.scalar(Opcode::VAddS, k_.unary(Opcode::VExp, a), -1.0f), alpha);
        int r = k_.select(m, a, e);
        if (gamma != 1)
          r = k_.scalar(Opcode::VMulS, r, gamma);
        return def(r);
      })
      .Case<graph::CeluOp>([&](graph::CeluOp c) {
        int a = in(0);
        if (a < 0)
          return false;
        float alpha = c.getAlpha().convertToFloat();
        int e = k_.unary(Opcode::VExp, k_.scalar(Opcode::VMulS, a, 1 / alpha));
        e = k_.scalar(Opcode::VMulS, k_.scalar(Opcode::VAddS, e, -1), alpha);
        return def(k_.binary(Opcode::VAdd, k_.scalar(Opcode::VMaxS, a, 0),
                             k_.scalar(Opcode::VMinS, e, 0)));
      })
      .Case<graph::ThresholdedReluOp>([&](graph::ThresholdedReluOp t) {
        int a = in(0);
        if (a < 0)
          return false;
        int th = k_.constant(t.getAlpha().convertToFloat(), DType::F32);
        int m = k_.compare(CmpKind::GT, a, th);
        return def(k_.select(m, a, zero(DType::F32)));
      })
      .Case<graph::ShrinkOp>([&](graph::ShrinkOp s) {
        int a = in(0);
        if (a < 0)
          return false;
        DType t = k_.nodes[a].type;
        float bias = s.getBias().convertToFloat(),
              l = s.getLambd().convertToFloat();
        int lo = k_.compare(CmpKind::LT, a, k_.constant(-l, t));
        int hi = k_.compare(CmpKind::GT, a, k_.constant(l, t));
        int r = k_.select(hi, k_.scalar(Opcode::VAddS, a, -bias), zero(t));
        return def(k_.select(lo, k_.scalar(Opcode::VAddS, a, bias), r));
      })
      .Case<graph::ClipOp>([&](graph::ClipOp c) {
        int a = in(0);
        if (a < 0)
          return false;
        int r = a;
        if (auto mn = c.getMin())
          r = k_.scalar(Opcode::VMaxS, r, (float)mn->convertToDouble());
        if (auto mx = c.getMax())
          r = k_.scalar(Opcode::VMinS, r, (float)mx->convertToDouble());
        if (r == a)
          r = k_.scalar(Opcode::VAddS, a, 0);
        return def(r);
      })
      .Case<graph::SignOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        DType t = k_.nodes[a].type;
        int z = zero(t);
        int pos = k_.cast(k_.compare(CmpKind::GT, a, z), t);
        int neg = k_.cast(k_.compare(CmpKind::LT, a, z), t);
        return def(k_.binary(Opcode::VSub, pos, neg));
      })
      .Case<graph::PReluOp>([&](auto) {
        int a = in(0), s = in(1);
        if (a < 0 || s < 0)
          return false;
        int m = k_.compare(CmpKind::LT, a, zero(k_.nodes[a].type));
        return def(k_.select(m, k_.binary(Opcode::VMul, a, s), a));
      })
      // --- Logic and comparison ------------------------------------------
      .Case<graph::NotOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        return def(k_.compare(CmpKind::EQ, a, zero(DType::U8)));
      })
      .Case<graph::AndOp, graph::OrOp, graph::XorOp>([&](auto) {
        int a = in(0), b = in(1);
        if (a < 0 || b < 0)
          return false;
        if (isa<graph::XorOp>(op))
          return def(k_.compare(CmpKind::NE, a, b));
        return def(k_.binary(
            isa<graph::AndOp>(op) ? Opcode::VMin : Opcode::VMax, a, b));
      })
      .Case<graph::EqualOp, graph::LessOp, graph::LessEqualOp, graph::GreaterOp,
            graph::GreaterEqualOp>([&](auto) {
        int a = in(0), b = in(1);
        if (a < 0 || b < 0)
          return false;
        CmpKind kind = isa<graph::EqualOp>(op)       ? CmpKind::EQ
                       : isa<graph::LessOp>(op)      ? CmpKind::LT
                       : isa<graph::LessEqualOp>(op) ? CmpKind::LE
                       : isa<graph::GreaterOp>(op)   ? CmpKind::GT
                                                     : CmpKind::GE;
        if (u32)
          return def(unsignedCompare(k_, kind, a, b));
        return def(k_.compare(kind, a, b));
      })
      .Case<graph::WhereOp>([&](auto) {
        int c = in(0), a = in(1), b = in(2);
        if (c < 0 || a < 0 || b < 0)
          return false;
        return def(k_.select(c, a, b));
      })
      .Case<graph::IsNaNOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        return def(k_.compare(CmpKind::NE, a, a));
      })
      .Case<graph::IsInfOp>([&](graph::IsInfOp i) {
        int a = in(0);
        if (a < 0)
          return false;
        int inf = k_.constant(INFINITY, DType::F32);
        int pos = k_.compare(CmpKind::EQ, a, inf);
        int neg =
            k_.compare(CmpKind::EQ, a, k_.constant(-INFINITY, DType::F32));
        if (i.getDetectPositive() && i.getDetectNegative())
          return def(k_.binary(Opcode::VMax, pos, neg));
        if (i.getDetectPositive())
          return def(pos);
        if (i.getDetectNegative())
          return def(neg);
        return def(k_.binary(Opcode::VMin, pos, neg));
      })
      .Case<graph::CastOp>([&](graph::CastOp c) {
        int a = in(0);
        if (a < 0)
          return false;
        auto to = graph::toDType(c.getTo());
        if (!to || !storageDType(c.getTo(), DType::F32, true)) {
          why = "cast to an element type the NPU does not store";
          return false;
        }
        if (*to == DType::Bool)
          return def(k_.compare(CmpKind::NE, a, zero(k_.nodes[a].type)));
        DType src = dtypeOfValue(op->getOperand(0));
        if (src == DType::U32 && isFloatDType(*to)) {
          a = unsignedToF32(k_, a);
          if (*to == DType::F16 || *to == DType::BF16)
            return def(k_.cast(k_.cast(a, *to), DType::F32));
          return def(a);
        }
        if (isFloatDType(src) && !isFloatDType(*to)) {
          // ONNX truncates toward zero: sign(x) * floor(|x|), then convert.
          int t = k_.unary(Opcode::VFloor, k_.unary(Opcode::VAbs, a));
          int neg = k_.compare(CmpKind::LT, a, zero(DType::F32));
          t = k_.select(neg, k_.unary(Opcode::VNeg, t), t);
          return def(k_.cast(t, computeTypeOf(*to)));
        }
        // A float narrowing (f32 -> f16/bf16) rounds once, as ONNX does.
        if (*to == DType::F16 || *to == DType::BF16)
          return def(k_.cast(k_.cast(a, *to), DType::F32));
        return def(k_.cast(a, computeTypeOf(*to)));
      })
      // --- Row operations ---------------------------------------------------
      .Case<graph::ReduceSumOp, graph::ReduceMeanOp, graph::ReduceMaxOp,
            graph::ReduceMinOp, graph::ReduceSumSquareOp, graph::ReduceLogSumOp,
            graph::ReduceLogSumExpOp, graph::ReduceL1Op, graph::ReduceL2Op,
            graph::ReduceProdOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        if (axes_.empty()) // noop_with_empty_axes: an identity
          return def(k_.scalar(Opcode::VAddS, a, 0));
        if (isa<graph::ReduceL1Op>(op))
          return def(k_.reduce(Opcode::VRedSum, k_.unary(Opcode::VAbs, a)));
        if (isa<graph::ReduceL2Op>(op))
          return def(k_.unary(
              Opcode::VSqrt,
              f(k_.reduce(Opcode::VRedSum, k_.binary(Opcode::VMul, a, a)))));
        if (isa<graph::ReduceProdOp>(op)) {
          // prod = sign * exp(sum(ln|x|)); ln 0 = -inf gives 0. The sign is
          // negative when the count of negative factors is odd.
          int x = f(a);
          int mag = k_.unary(
              Opcode::VExp,
              k_.reduce(Opcode::VRedSum,
                        k_.unary(Opcode::VLn, k_.unary(Opcode::VAbs, x))));
          int negs =
              k_.reduce(Opcode::VRedSum,
                        k_.cast(k_.compare(CmpKind::LT, x, zero(DType::F32)),
                                DType::F32));
          int half =
              k_.unary(Opcode::VFloor, k_.scalar(Opcode::VMulS, negs, 0.5f));
          int odd =
              k_.binary(Opcode::VSub, negs, k_.scalar(Opcode::VMulS, half, 2));
          int sign =
              k_.scalar(Opcode::VAddS, k_.scalar(Opcode::VMulS, odd, -2), 1);
          int r = k_.binary(Opcode::VMul, mag, sign);
          if (!isFloatResult)
            r = k_.unary(Opcode::VRound, r);
          return def(r);
        }
        if (isa<graph::ReduceMaxOp>(op))
          return def(k_.reduce(Opcode::VRedMax, a));
        if (isa<graph::ReduceMinOp>(op))
          return def(k_.reduce(Opcode::VRedMin, a));
        if (isa<graph::ReduceSumSquareOp>(op))
          return def(k_.reduce(Opcode::VRedSum, k_.binary(Opcode::VMul, a, a)));
        if (isa<graph::ReduceLogSumExpOp>(op)) {
          int x = f(a);
          int m = k_.reduce(Opcode::VRedMax, x);
          int e = k_.unary(Opcode::VExp, k_.binary(Opcode::VSub, x, m));
          int s = k_.unary(Opcode::VLn, k_.reduce(Opcode::VRedSum, e));
          return def(k_.binary(Opcode::VAdd, s, m));
        }
        int s = k_.reduce(Opcode::VRedSum, a);
        if (isa<graph::ReduceLogSumOp>(op))
          return def(k_.unary(Opcode::VLn, f(s)));
        if (isa<graph::ReduceMeanOp>(op)) {
          if (!isFloatResult) {
            why = "integer ReduceMean has no vector lowering";
            return false;
          }
          return def(k_.scalar(Opcode::VMulS, s, 1.0f / rowCount()));
        }
        return def(s);
      })
      .Case<graph::SoftmaxOp, graph::LogSoftmaxOp>([&](auto) {
        int x = in(0);
        if (x < 0)
          return false;
        int m = k_.reduce(Opcode::VRedMax, x);
        int xc = k_.binary(Opcode::VSub, x, m);
        int e = k_.unary(Opcode::VExp, xc);
        int s = k_.reduce(Opcode::VRedSum, e);
        if (isa<graph::SoftmaxOp>(op))
          return def(k_.binary(Opcode::VMul, e, k_.unary(Opcode::VRec, s)));
        return def(k_.binary(Opcode::VSub, xc, k_.unary(Opcode::VLn, s)));
      })
      .Case<graph::LpNormOp>([&](graph::LpNormOp l) {
        int x = in(0);
        if (x < 0)
          return false;
        int s;
        if (l.getP() == 1)
          s = k_.reduce(Opcode::VRedSum, k_.unary(Opcode::VAbs, x));
        else if (l.getP() == 2)
          s = k_.unary(Opcode::VSqrt, k_.reduce(Opcode::VRedSum,
                                                k_.binary(Opcode::VMul, x, x)));
        else {
          why = "LpNormalization with p other than 1 or 2";
          return false;
        }
        return def(k_.binary(Opcode::VDiv, x, s));
      })
      .Case<graph::LayerNormOp, graph::RMSNormOp, graph::InstanceNormOp,
            graph::MeanVarianceNormOp>([&](auto) {
        int x = in(0);
        if (x < 0)
          return false;
        float inv = 1.0f / rowCount();
        float eps = 1e-9f;
        if (auto l = dyn_cast<graph::LayerNormOp>(op))
          eps = l.getEpsilon().convertToFloat();
        if (auto r = dyn_cast<graph::RMSNormOp>(op))
          eps = r.getEpsilon().convertToFloat();
        if (auto i = dyn_cast<graph::InstanceNormOp>(op))
          eps = i.getEpsilon().convertToFloat();
        int xc = x;
        if (!isa<graph::RMSNormOp>(op)) {
          int mean =
              k_.scalar(Opcode::VMulS, k_.reduce(Opcode::VRedSum, x), inv);
          xc = k_.binary(Opcode::VSub, x, mean);
        }
        int var = k_.scalar(
            Opcode::VMulS,
            k_.reduce(Opcode::VRedSum, k_.binary(Opcode::VMul, xc, xc)), inv);
        int r = k_.unary(Opcode::VRsqrt, k_.scalar(Opcode::VAddS, var, eps));
        if (isa<graph::MeanVarianceNormOp>(op))
          r = k_.unary(
              Opcode::VRec,
              k_.unary(Opcode::VSqrt, k_.scalar(Opcode::VAddS, var, eps)));
        int y = k_.binary(Opcode::VMul, xc, r);
        if (isa<graph::MeanVarianceNormOp>(op))
          return def(y);
        // Scale (and bias): per channel for instance norm, trailing otherwise.
        auto param = [&](unsigned idx) -> int {
          if (!isa<graph::InstanceNormOp>(op))
            return in(idx);
          return channelParam(idx, "instance-norm");
        };
        int sc = param(1);
        if (sc < 0)
          return false;
        y = k_.binary(Opcode::VMul, y, sc);
        bool hasBias = op->getNumOperands() > 2;
        if (hasBias) {
          int b = param(2);
          if (b < 0)
            return false;
          y = k_.binary(Opcode::VAdd, y, b);
        }
        return def(y);
      })
      .Case<graph::BatchNormOp>([&](graph::BatchNormOp bn) {
        int x = in(0);
        if (x < 0)
          return false;
        auto param = [&](unsigned idx) {
          return channelParam(idx, "batch-norm");
        };
        int sc = param(1), b = param(2), mean = param(3), var = param(4);
        if (sc < 0 || b < 0 || mean < 0 || var < 0)
          return false;
        int r = k_.unary(
            Opcode::VRsqrt,
            k_.scalar(Opcode::VAddS, var, bn.getEpsilon().convertToFloat()));
        int y = k_.binary(Opcode::VMul, k_.binary(Opcode::VSub, x, mean),
                          k_.binary(Opcode::VMul, r, sc));
        return def(k_.binary(Opcode::VAdd, y, b));
      })
      .Case<graph::ArgMaxOp, graph::ArgMinOp, graph::HardmaxOp>([&](auto) {
        int x = in(0);
        if (x < 0)
          return false;
        x = f(x);
        // The iota of the axis is the dispatch's last operand.
        BlockArgument iotaArg = op_.getBody().front().getArguments().back();
        std::vector<int64_t> align = {axes_[0]};
        k_.inputs.push_back(alignedView(
            (uint64_t)addrs_[iotaArg.getArgNumber()], DType::F32,
            shapeOfValue(op_.getInputs()[iotaArg.getArgNumber()]), &align));
        int io = k_.load((int)k_.inputs.size() - 1);
        bool isMin = isa<graph::ArgMinOp>(op);
        bool last = false;
        if (auto a = dyn_cast<graph::ArgMaxOp>(op))
          last = a.getSelectLastIndex();
        if (auto a = dyn_cast<graph::ArgMinOp>(op))
          last = a.getSelectLastIndex();
        int m = k_.reduce(isMin ? Opcode::VRedMin : Opcode::VRedMax, x);
        int eq = k_.compare(CmpKind::EQ, x, m);
        int cand = k_.select(
            eq, io, k_.constant(last ? -1.0f : rowCount(), DType::F32));
        int idx = k_.reduce(last ? Opcode::VRedMax : Opcode::VRedMin, cand);
        if (isa<graph::HardmaxOp>(op))
          return def(k_.cast(k_.compare(CmpKind::EQ, io, idx), DType::F32));
        return def(idx);
      })
      .Case<graph::AsinhOp, graph::AcoshOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        // ln(x + sqrt(x^2 +- 1))
        int sq = k_.scalar(Opcode::VAddS, k_.binary(Opcode::VMul, a, a),
                           isa<graph::AsinhOp>(op) ? 1.0f : -1.0f);
        return def(
            k_.unary(Opcode::VLn,
                     k_.binary(Opcode::VAdd, a, k_.unary(Opcode::VSqrt, sq))));
      })
      .Case<graph::AtanhOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        // 0.5 ln((1 + x) / (1 - x))
        int num = k_.scalar(Opcode::VAddS, a, 1.0f);
        int den = k_.scalar(Opcode::VAddS, k_.unary(Opcode::VNeg, a), 1.0f);
        return def(k_.scalar(
            Opcode::VMulS,
            k_.unary(Opcode::VLn, k_.binary(Opcode::VDiv, num, den)), 0.5f));
      })
      .Case<graph::TanOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        return def(k_.binary(Opcode::VDiv, k_.unary(Opcode::VSin, a),
                             k_.unary(Opcode::VCos, a)));
      })
      .Case<graph::SinhOp, graph::CoshOp>([&](auto) {
        int a = in(0);
        if (a < 0)
          return false;
        int e = k_.unary(Opcode::VExp, a);
        int en = k_.unary(Opcode::VExp, k_.unary(Opcode::VNeg, a));
        int r = k_.binary(isa<graph::SinhOp>(op) ? Opcode::VSub : Opcode::VAdd,
                          e, en);
        return def(k_.scalar(Opcode::VMulS, r, 0.5f));
      })
      .Case<graph::ModOp>([&](graph::ModOp mod) {
        int a = in(0), b = in(1);
        if (a < 0 || b < 0)
          return false;
        DType t = k_.nodes[a].type;
        if (u32) // unsigned: fmod and Python-style agree
          return def(unsignedRem(k_, a, b));
        if (t == DType::F32) {
          if (!mod.getFmod()) {
            why = "float Mod needs fmod=1";
            return false;
          }
          // fmod: a - trunc(a / b) * b, trunc(q) = sign(q) * floor(|q|).
          int q = k_.binary(Opcode::VDiv, a, b);
          int tq = k_.unary(Opcode::VFloor, k_.unary(Opcode::VAbs, q));
          int neg = k_.compare(CmpKind::LT, q, zero(t));
          tq = k_.select(neg, k_.unary(Opcode::VNeg, tq), tq);
          return def(
              k_.binary(Opcode::VSub, a, k_.binary(Opcode::VMul, tq, b)));
        }
        // Integers: the vector unit divides truncating toward zero.
        int r = k_.binary(
            Opcode::VSub, a,
            k_.binary(Opcode::VMul, k_.binary(Opcode::VDiv, a, b), b));
        if (mod.getFmod())
          return def(r);
        // Python-style: the result takes the divisor's sign.
        int z = zero(t);
        int rNeg = k_.compare(CmpKind::LT, r, z);
        int bNeg = k_.compare(CmpKind::LT, b, z);
        int nz = k_.compare(CmpKind::NE, r, z);
        int differ = k_.compare(CmpKind::NE, rNeg, bNeg);
        int fix = k_.binary(Opcode::VMin, nz, differ);
        return def(k_.select(fix, k_.binary(Opcode::VAdd, r, b), r));
      })
      .Case<graph::BitShiftLeftOp, graph::BitShiftRightOp>([&](auto) {
        int a = in(0), b = in(1);
        if (a < 0 || b < 0)
          return false;
        auto et =
            cast<RankedTensorType>(op->getResult(0).getType()).getElementType();
        return def(shiftBits(k_, isa<graph::BitShiftLeftOp>(op), a, b,
                             et.getIntOrFloatBitWidth()));
      })
      .Default([&](Operation *) {
        why = "no vector lowering for '" + op->getName().getStringRef().str() +
              "'";
        return false;
      });
}

bool translateEpilogue(npu::DispatchOp d, ArrayRef<int64_t> addrs, Value seed,
                       uint64_t seedAddr, Operation *after, VectorKernel &out,
                       std::string &why) {
  VectorTranslator t(d, addrs);
  t.setSeed(seed, seedAddr, after);
  std::vector<Kernel> ks;
  if (!t.run(ks, why))
    return false;
  out = std::get<VectorKernel>(ks[0]);
  return true;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

/// Ops with no tensor-engine kernel that the AI-CPU computes.
static std::optional<bin::CpuFn> aicpuFunction(Operation *op) {
  if (isa<graph::AsinOp>(op))
    return bin::CpuFn::Asin;
  if (isa<graph::AcosOp>(op))
    return bin::CpuFn::Acos;
  if (isa<graph::AtanOp>(op))
    return bin::CpuFn::Atan;
  return std::nullopt;
}

/// A transpose whose dimensions of more than one element keep their
/// relative order leaves the elements where they were: a reshape (e.g. the
/// heads split and merge of a one-token decode step).
static bool isReshapingTranspose(Operation *op) {
  auto t = dyn_cast<graph::TransposeOp>(op);
  if (!t)
    return false;
  auto in = cast<RankedTensorType>(t.getInput().getType());
  int64_t last = -1;
  for (int64_t p : t.getPerm()) {
    if (in.getDimSize(p) == 1)
      continue;
    if (p < last)
      return false;
    last = p;
  }
  return true;
}

/// The first element a slice selects, when it selects one contiguous run
/// of its input with unit steps: every dimension after the first sliced one
/// whole, every dimension before it of extent 1 in the result (DeepSeek's
/// decode takes the latent and the rope key out of one projected row this
/// way). nullopt otherwise.
static std::optional<int64_t> contiguousSliceStart(graph::SliceOp s) {
  auto in = cast<RankedTensorType>(s.getInput().getType());
  auto out = cast<RankedTensorType>(s.getOutput().getType());
  if (!in.hasStaticShape() || !out.hasStaticShape())
    return std::nullopt;
  ArrayRef<int64_t> starts = s.getStarts(), steps = s.getSteps();
  int64_t rank = in.getRank();
  if ((int64_t)starts.size() != rank || (int64_t)steps.size() != rank)
    return std::nullopt;
  int64_t first = rank; // the outermost dimension the slice narrows
  for (int64_t j = 0; j < rank; ++j) {
    if (steps[j] != 1 || starts[j] < 0 ||
        starts[j] + out.getDimSize(j) > in.getDimSize(j))
      return std::nullopt;
    if (first == rank && out.getDimSize(j) != in.getDimSize(j))
      first = j;
  }
  int64_t offset = 0, stride = 1;
  for (int64_t j = rank - 1; j >= 0; --j) {
    if (j > first && out.getDimSize(j) != in.getDimSize(j))
      return std::nullopt;
    if (j < first && out.getDimSize(j) != 1)
      return std::nullopt;
    offset += starts[j] * stride;
    stride *= in.getDimSize(j);
  }
  return offset;
}

uint64_t viewByteOffset(npu::DispatchOp d) {
  if (d.getEngine() != npu::Engine::view)
    return 0;
  for (Operation &o : d.getBody().front().without_terminator())
    if (auto s = dyn_cast<graph::SliceOp>(&o))
      if (std::optional<int64_t> start = contiguousSliceStart(s))
        return (uint64_t)*start * dtypeByteSize(dtypeOfValue(d.getInputs()[0]));
  return 0;
}

bool concatSlots(npu::DispatchOp d,
                 SmallVectorImpl<std::pair<Value, uint64_t>> &slots) {
  slots.clear();
  if (d.getEngine() != npu::Engine::vector || d.getNumResults() != 1)
    return false;
  Block &body = d.getBody().front();
  auto concat = dyn_cast<graph::ConcatOp>(&body.front());
  if (!concat || concat->getNextNode() != body.getTerminator() ||
      body.getTerminator()->getOperand(0) != concat.getResult() ||
      concat.getInputs().size() != d.getInputs().size())
    return false;
  for (auto [j, v] : llvm::enumerate(concat.getInputs()))
    if (v != body.getArgument(j))
      return false;
  auto out = cast<RankedTensorType>(d.getResult(0).getType());
  if (!out.hasStaticShape())
    return false;
  int64_t rank = out.getRank();
  int64_t axis = normalizedAxis((int64_t)concat.getAxis(), rank);
  if (axis < 0 || axis >= rank)
    return false;
  int64_t outer = 1, inner = 1;
  for (int64_t j = 0; j < axis; ++j)
    outer *= out.getDimSize(j);
  for (int64_t j = axis + 1; j < rank; ++j)
    inner *= out.getDimSize(j);
  std::optional<DType> dt = graph::toDType(out.getElementType());
  if (outer != 1 || !dt)
    return false;
  uint64_t offset = 0;
  for (Value in : d.getInputs()) {
    auto t = cast<RankedTensorType>(in.getType());
    if (t.getElementType() != out.getElementType())
      return false;
    // Through reshape views (no offset) to the buffer a kernel writes.
    Value base = in;
    Operation *consumer = d.getOperation();
    for (;;) {
      // Used once on the way to the concat; besides, the buffer may have
      // views (they alias the slot: a row chunk of a SwiGLU read by its own
      // down product, PipelineMlp.cpp), no other user, which could write
      // it in place.
      bool once = false;
      for (OpOperand &use : base.getUses()) {
        auto user = dyn_cast<npu::DispatchOp>(use.getOwner());
        if (use.getOwner() == consumer && !once)
          once = true;
        else if (!user || user.getEngine() != npu::Engine::view)
          return false;
      }
      if (!once)
        return false;
      auto pd = base.getDefiningOp<npu::DispatchOp>();
      if (!pd)
        return false;
      if (pd.getEngine() == npu::Engine::view && viewByteOffset(pd) == 0) {
        base = pd.getInputs()[0];
        consumer = pd.getOperation();
        continue;
      }
      if ((pd.getEngine() != npu::Engine::vector &&
           pd.getEngine() != npu::Engine::matrix) ||
          isInPlaceDispatch(pd))
        return false;
      break;
    }
    slots.push_back({base, offset});
    offset += (uint64_t)(t.getDimSize(axis) * inner) * dtypeByteSize(*dt);
  }
  return true;
}

bool engineFor(Operation *op, npu::Engine &engine, std::string &why,
               bool aicpuAvailable) {
  if (aicpuFunction(op)) {
    if (!aicpuAvailable) {
      why = "no vector instruction computes it and the target has no AI-CPU "
            "to fall back on";
      return false;
    }
    engine = npu::Engine::aicpu;
    return true;
  }
  auto slice = dyn_cast<graph::SliceOp>(op);
  if (isa<graph::ReshapeOp>(op) || isReshapingTranspose(op) ||
      (slice && contiguousSliceStart(slice))) {
    engine = npu::Engine::view;
    return true;
  }
  if (isa<graph::MatMulOp, graph::GemmOp, graph::WeightQuantMatMulOp,
          graph::DequantMatMulOp>(op)) {
    engine = npu::Engine::matrix;
    return true;
  }
  if (isa<graph::ConvOp, graph::CumSumOp>(op)) {
    engine = npu::Engine::matrix;
    return true;
  }
  if (isa<graph::GatherOp, graph::GatherElementsOp, graph::ScatterElementsOp,
          graph::CacheUpdateOp>(op)) {
    engine = npu::Engine::gather;
    return true;
  }
  if (isa<graph::ArgMaxOp, graph::ArgMinOp>(op)) {
    // The top-k unit keeps the first maximum of a row; the last one, or a
    // middle axis, is a row reduction on the vector unit.
    auto shape = shapeOfValue(op->getOperand(0));
    int64_t axis = op->getAttrOfType<IntegerAttr>("axis").getInt();
    if (axis < 0)
      axis += (int64_t)shape.size();
    bool middle = axis > 0 && axis + 1 < (int64_t)shape.size();
    bool last = op->getAttrOfType<BoolAttr>("select_last_index").getValue();
    engine = middle || last ? npu::Engine::vector : npu::Engine::topk;
    return true;
  }
  if (isa<graph::TopKOp>(op)) {
    engine = npu::Engine::topk;
    return true;
  }
  engine = npu::Engine::vector;
  return true;
}

/// The Concat of a body that holds it and splat constants that only it uses,
/// or null.
static Operation *concatOfSplats(llvm::iterator_range<Block::iterator> ops) {
  Operation *concat = nullptr;
  for (Operation &o : ops) {
    if (isa<graph::ConcatOp>(&o) && !concat) {
      concat = &o;
      continue;
    }
    if (!isa<graph::ConstantOp>(&o) || !splatScalar(o.getResult(0)))
      return nullptr;
  }
  if (!concat)
    return nullptr;
  for (Operation &o : ops)
    if (&o != concat &&
        llvm::any_of(o.getUsers(), [&](Operation *u) { return u != concat; }))
      return nullptr;
  return concat;
}

bool translateDispatch(npu::DispatchOp op, ArrayRef<int64_t> addrs,
                       std::vector<Kernel> &kernels, std::string &why,
                       const DispatchOptions &options) {
  Block &body = op.getBody().front();
  // Its operands were written in their slots.
  if (op->hasAttr(kConcatInPlaceAttr))
    return true;
  // Empty results need no work.
  if (llvm::all_of(op.getResults(), [](Value r) {
        return cast<RankedTensorType>(r.getType()).getNumElements() == 0;
      }))
    return true;
  // Kernels index `addrs` as inputs, results, then scratch buffers: a
  // dispatch that lost its scratch (or an address list built for another
  // dispatch) must fail here, not read past the list.
  size_t expected = op.getInputs().size() + op.getNumResults() +
                    (op.getScratch() ? op.getScratch()->size() : 0);
  if (addrs.size() != expected) {
    why = "internal error: the dispatch has " + std::to_string(addrs.size()) +
          " GM addresses for " + std::to_string(expected) +
          " operands, results and scratch buffers";
    return false;
  }
  switch (op.getEngine()) {
  case npu::Engine::view:
    return true;
  case npu::Engine::matrix:
    for (Operation &o : body.without_terminator()) {
      if (!isNNOp(&o))
        continue;
      // An NN op's kernels compute that op alone: anything fused beside it
      // would be dropped.
      for (Operation &other : body.without_terminator())
        if (&other != &o && !isa<graph::ConstantOp>(&other)) {
          why = "'" + other.getName().getStringRef().str() +
                "' is fused into a '" + o.getName().getStringRef().str() +
                "' kernel, which takes no epilogue";
          return false;
        }
      return translateNN(op, &o, addrs, kernels, why);
    }
    return translateMatmul(op, addrs, kernels, why);
  case npu::Engine::gather:
    if (isInPlaceOp(&body.front()))
      return translateCacheUpdate(op, addrs, kernels, why);
    if (!isa<graph::GatherOp>(body.front()))
      return translateNN(op, &body.front(), addrs, kernels, why);
    return translateGather(op, addrs, kernels, why);
  case npu::Engine::topk:
    return translateTopK(op, addrs, kernels, why);
  case npu::Engine::aicpu: {
    Operation &o = body.front();
    auto fn = aicpuFunction(&o);
    if (!fn) {
      why = "no AI-CPU function for '" + o.getName().getStringRef().str() + "'";
      return false;
    }
    AiCpuKernel k;
    k.name = nodeName(op);
    k.fn = *fn;
    Value in = op.getInputs()[0], out = op.getResults()[0];
    k.src = GmView::contiguous((uint64_t)addrs[0], dtypeOfValue(in),
                               shapeOfValue(in));
    k.dst = GmView::contiguous((uint64_t)addrs[op.getInputs().size()],
                               dtypeOfValue(out), shapeOfValue(out));
    if (!isFloatDType(k.src.dtype) || !isFloatDType(k.dst.dtype)) {
      why = "the AI-CPU functions take floating-point tensors";
      return false;
    }
    kernels.push_back(k);
    return true;
  }
  case npu::Engine::vector:
    break;
  }
  // A single data-movement op is a strided copy.
  auto ops = body.without_terminator();
  if (!ops.empty() && std::next(ops.begin()) == ops.end() &&
      isMoEOp(&*ops.begin()))
    return translateMoE(op, &*ops.begin(), addrs, kernels, why, options);
  if (!ops.empty() && std::next(ops.begin()) == ops.end() &&
      isDataOp(&*ops.begin()))
    return translateData(op, &*ops.begin(), addrs, kernels, why);
  if (!ops.empty() && std::next(ops.begin()) == ops.end() &&
      isNNOp(&*ops.begin()))
    return translateNN(op, &*ops.begin(), addrs, kernels, why);
  if (!ops.empty() && std::next(ops.begin()) == ops.end() &&
      isLLMOp(&*ops.begin()))
    return translateLLM(op, &*ops.begin(), addrs, kernels, why);
  // A rotation reading its input through layout changes (NpuFuse).
  if (Operation *rope = ropeOfBody(body))
    return translateLLM(op, rope, addrs, kernels, why);
  // An attention reading its operands through layout changes and writing
  // its result with the heads merged (NpuFuse).
  if (Operation *attention = attentionOfBody(body))
    return translateLLM(op, attention, addrs, kernels, why);
  for (Operation &o : ops)
    if (isLLMOp(&o)) {
      why = "'" + o.getName().getStringRef().str() +
            "' runs as a kernel of its own";
      return false;
    }
  // A Concat with splat-constant pieces (GraphToNpu clones splat constants
  // into vector bodies; exporters spell a channel Pad as a Concat with
  // ConstantOfShape zeros): copies for the tensors, fills for the splats.
  // (A Concat of constants alone folds before lowering; translateData
  // reads input 0.)
  if (Operation *c = op.getInputs().empty() ? nullptr : concatOfSplats(ops))
    return translateData(op, c, addrs, kernels, why);
  for (Operation &o : ops)
    if (isDataOp(&o)) {
      why = "data movement fused with compute";
      return false;
    }
  VectorTranslator t(op, addrs);
  return t.run(kernels, why);
}

} // namespace tessera::conversion
