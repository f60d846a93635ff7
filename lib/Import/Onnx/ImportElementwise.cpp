//===- ImportElementwise.cpp - ONNX import of elementwise ops -------------===//

#include "NodeImporter.h"
#include "tessera/Import/OnnxTensor.h"

#include <functional>
#include <numeric>

using namespace mlir;

namespace tessera::onnx_import {
namespace graph = tessera::graph;

/// Ops with one attribute `alpha` (float) and the given ONNX default.
template <typename OpT> static OpImportFn alphaOp(float defaultAlpha) {
  return [defaultAlpha](NodeImporter &n) {
    return n.emit<OpT>(
        n.input(0), {n.b.getNamedAttr("alpha", n.b.getF32FloatAttr(n.attrFloat(
                                                   "alpha", defaultAlpha)))});
  };
}

/// Variadic ONNX ops (Max, Min, Sum) become a chain of binary graph ops.
template <typename OpT>
static LogicalResult variadicChain(NodeImporter &n, Value &result) {
  SmallVector<Value> operands;
  for (size_t i = 0; i < n.numInputs(); ++i)
    if (n.hasInput(i))
      operands.push_back(n.input(i));
  if (operands.empty())
    return n.error("needs at least one input");
  result = operands[0];
  for (size_t i = 1; i < operands.size(); ++i) {
    auto op = n.create<OpT>(ValueRange{result, operands[i]});
    if (failed(op))
      return failure();
    result = op->getResult();
  }
  return success();
}

template <typename OpT> static LogicalResult variadicOp(NodeImporter &n) {
  Value result;
  if (failed(variadicChain<OpT>(n, result)))
    return failure();
  n.setResult(result);
  return success();
}

static LogicalResult importMean(NodeImporter &n) {
  Value sum;
  if (failed(variadicChain<graph::AddOp>(n, sum)))
    return failure();
  int64_t count = 0;
  for (size_t i = 0; i < n.numInputs(); ++i)
    count += n.hasInput(i);
  std::optional<DType> dt = graph::toDType(n.inputElementType(0));
  if (!dt || !isFloatDType(*dt))
    return n.error("Mean needs floating-point inputs");
  Value divisor = n.constant(Tensor::scalarF(*dt, (float)count));
  return n.emit<graph::DivOp>(ValueRange{sum, divisor});
}

/// Reads an optional scalar bound of Clip (input in opset >= 11): a
/// constant one into `bound`; one known only at run time (e.g. a log-mel
/// front end's `ReduceMax(x) - 80`) into `runtime`.
static LogicalResult clipBound(NodeImporter &n, size_t index, StringRef name,
                               std::optional<double> &bound, Value &runtime) {
  if (n.opset < 11) {
    if (n.hasAttr(name))
      bound = n.attrFloat(name, 0);
    return success();
  }
  if (!n.hasInput(index))
    return success();
  Shape shape = n.inputShape(index);
  if (std::accumulate(shape.begin(), shape.end(), (int64_t)1,
                      std::multiplies<int64_t>()) != 1)
    return n.error("'" + name + "' must be a scalar");
  if (std::optional<Tensor> t = n.constantInput(index)) {
    bound = t->getD(0);
    return success();
  }
  runtime = n.input(index);
  return success();
}

static LogicalResult importClip(NodeImporter &n) {
  std::optional<double> lo, hi;
  Value loValue, hiValue;
  if (failed(clipBound(n, 1, "min", lo, loValue)) ||
      failed(clipBound(n, 2, "max", hi, hiValue)))
    return failure();
  SmallVector<NamedAttribute> attrs;
  if (lo)
    attrs.push_back(n.b.getNamedAttr("min", n.b.getF64FloatAttr(*lo)));
  if (hi)
    attrs.push_back(n.b.getNamedAttr("max", n.b.getF64FloatAttr(*hi)));
  if (!loValue && !hiValue)
    return n.emit<graph::ClipOp>(n.input(0), attrs);
  // Run-time bounds stay operands: Clip(x) = Min(Max(x, min), max), as ONNX
  // defines it; the constant bound (if any) is still an attribute.
  Value x = n.input(0);
  if (!attrs.empty()) {
    auto clip = n.create<graph::ClipOp>(x, attrs);
    if (failed(clip))
      return failure();
    x = clip->getResult();
  }
  if (loValue) {
    auto m = n.create<graph::MaxOp>(ValueRange{x, loValue});
    if (failed(m))
      return failure();
    x = m->getResult();
  }
  if (hiValue) {
    auto m = n.create<graph::MinOp>(ValueRange{x, hiValue});
    if (failed(m))
      return failure();
    x = m->getResult();
  }
  n.setResult(x);
  return success();
}

static LogicalResult importCast(NodeImporter &n) {
  int64_t to = n.attrInt("to", 0);
  std::optional<DType> dt = dtypeFromOnnx((int)to);
  if (!dt)
    return n.error("cannot cast to unsupported type " +
                   Twine(onnxDataTypeName((int)to)));
  return n.emit<graph::CastOp>(
      n.input(0), {n.b.getNamedAttr("to", TypeAttr::get(graph::toMlirType(
                                              n.b.getContext(), *dt)))});
}

static LogicalResult importCastLike(NodeImporter &n) {
  return n.emit<graph::CastOp>(
      n.input(0),
      {n.b.getNamedAttr("to", TypeAttr::get(n.inputElementType(1)))});
}

static LogicalResult importBitShift(NodeImporter &n) {
  std::string direction = n.attrString("direction", "");
  if (direction == "LEFT")
    return n.emit<graph::BitShiftLeftOp>(ValueRange{n.input(0), n.input(1)});
  if (direction == "RIGHT")
    return n.emit<graph::BitShiftRightOp>(ValueRange{n.input(0), n.input(1)});
  return n.error("unsupported direction '" + direction +
                 "' (expected LEFT or RIGHT)");
}

static LogicalResult importDropout(NodeImporter &n) {
  // Inference: Dropout is the identity. Training mode draws random numbers,
  // which a deterministic compiler does not model, unless the ratio is 0:
  // nothing is dropped and the scale 1 / (1 - ratio) is 1.
  if (n.opset >= 12 && n.hasInput(2)) {
    std::optional<Tensor> training = n.constantInput(2);
    if (!training || training->numElements() != 1 || training->getI(0) != 0) {
      std::optional<Tensor> ratio =
          n.hasInput(1) ? n.constantInput(1) : std::nullopt;
      if (!training || !ratio || ratio->numElements() != 1 ||
          ratio->getF(0) != 0.0f)
        return n.error("training_mode dropout is not supported (only "
                       "inference, or a constant ratio of 0)");
    }
  }
  if (n.opset < 7 && n.attrInt("is_test", 0) == 0)
    return n.error("training dropout is not supported");
  SmallVector<Value> results{n.input(0)};
  if (n.wantsOutput(1)) {
    auto type = cast<RankedTensorType>(n.input(0).getType());
    Tensor mask(DType::Bool,
                Shape(type.getShape().begin(), type.getShape().end()));
    for (int64_t i = 0; i < mask.numElements(); ++i)
      mask.setI(i, 1);
    results.push_back(n.constant(mask));
  }
  n.setResults(results);
  return success();
}

/// Gelu (opset 20): graph.gelu for the exact form; the tanh approximation
///   0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
/// as elementwise ops.
static LogicalResult importGelu(NodeImporter &n) {
  std::string approximate = n.attrString("approximate", "none");
  if (approximate == "none")
    return n.emit<graph::GeluOp>(n.input(0));
  if (approximate != "tanh")
    return n.error("unsupported approximate '" + approximate +
                   "' (expected none or tanh)");
  Value x = n.input(0);
  std::optional<DType> dt = graph::toDType(n.inputElementType(0));
  if (!dt || !isFloatDType(*dt))
    return n.error("Gelu needs a floating-point input");
  auto cst = [&](float v) { return n.constant(Tensor::scalarF(*dt, v)); };
  Value result = x;
  auto apply = [&](auto tag, Value a, Value b) -> LogicalResult {
    using OpT = typename decltype(tag)::type;
    auto op = n.create<OpT>(ValueRange{a, b});
    if (failed(op))
      return failure();
    result = op->getResult();
    return success();
  };
  using Mul = llvm::type_identity<graph::MulOp>;
  using Add = llvm::type_identity<graph::AddOp>;
  if (failed(apply(Mul(), x, x)) || failed(apply(Mul(), result, x)) ||
      failed(apply(Mul(), result, cst(0.044715f))) ||
      failed(apply(Add(), result, x)) ||
      failed(apply(Mul(), result, cst(0.7978845608028654f))))
    return failure();
  auto t = n.create<graph::TanhOp>(result);
  if (failed(t))
    return failure();
  if (failed(apply(Add(), t->getResult(), cst(1.0f))) ||
      failed(apply(Mul(), result, x)) ||
      failed(apply(Mul(), result, cst(0.5f))))
    return failure();
  n.setResult(result);
  return success();
}

/// `shape`'s reshape of `v` (unchanged if it has it).
static FailureOr<Value> reshapeTo(NodeImporter &n, Value v,
                                  ArrayRef<int64_t> shape) {
  if (graph::shapeOf(v.getType()) == Shape(shape.begin(), shape.end()))
    return v;
  auto r = n.create<graph::ReshapeOp>(
      v, {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(shape))});
  if (failed(r))
    return failure();
  return r->getResult();
}

/// The second operand of a binary op as numpy broadcasting needs it. Before
/// opset 7, `broadcast=1` with `axis` aligned it with the first operand's
/// dimensions starting at `axis` (not at the end): trailing unit dimensions
/// make numpy's trailing alignment do the same.
static FailureOr<Value> legacyBroadcastOperand(NodeImporter &n) {
  Value b = n.input(1);
  if (n.opset >= 7 || !n.hasAttr("axis"))
    return b;
  if (n.attrInt("broadcast", 0) != 1)
    return n.error("attribute 'axis' needs broadcast=1");
  Shape a = n.inputShape(0), bs = n.inputShape(1);
  int64_t rank = a.size(), k = bs.size();
  int64_t axis = n.attrInt("axis", 0);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis + k > rank)
    return n.error("a rank-" + Twine(k) + " operand cannot be aligned at axis " +
                   Twine(n.attrInt("axis", 0)) + " of a rank-" + Twine(rank) +
                   " one");
  for (int64_t i = 0; i < k; ++i)
    if (bs[i] != 1 && bs[i] != a[axis + i])
      return n.error("dimension " + Twine(i) + " of the second operand (" +
                     Twine(bs[i]) + ") does not match dimension " +
                     Twine(axis + i) + " of the first (" + Twine(a[axis + i]) +
                     ")");
  std::vector<int64_t> shape(bs.begin(), bs.end());
  shape.resize(rank - axis, 1);
  return reshapeTo(n, b, shape);
}

/// PRelu. Before opset 7 a 1-D slope with one value per channel applies
/// along axis 1 (numpy broadcasting would align it with the last axis).
static LogicalResult importPRelu(NodeImporter &n) {
  if (n.numInputs() != 2 || !n.hasInput(0) || !n.hasInput(1))
    return n.error("expects two inputs");
  Value slope = n.input(1);
  Shape x = n.inputShape(0), s = n.inputShape(1);
  if (n.opset < 7 && s.size() == 1 && x.size() > 2 && s[0] == x[1] &&
      s[0] != 1) {
    std::vector<int64_t> shape(x.size() - 1, 1);
    shape[0] = s[0];
    FailureOr<Value> r = reshapeTo(n, slope, shape);
    if (failed(r))
      return failure();
    slope = *r;
  }
  return n.emit<graph::PReluOp>(ValueRange{n.input(0), slope});
}

void registerElementwiseImporters(OpImportRegistry &r) {
  // Unary math.
  r.add("Abs", simpleOp<graph::AbsOp>);
  r.add("Neg", simpleOp<graph::NegOp>);
  r.add("Exp", simpleOp<graph::ExpOp>);
  r.add("Log", simpleOp<graph::LogOp>);
  r.add("Sqrt", simpleOp<graph::SqrtOp>);
  r.add("Reciprocal", simpleOp<graph::ReciprocalOp>);
  r.add("Sin", simpleOp<graph::SinOp>);
  r.add("Cos", simpleOp<graph::CosOp>);
  r.add("Tan", simpleOp<graph::TanOp>);
  r.add("Asin", simpleOp<graph::AsinOp>);
  r.add("Acos", simpleOp<graph::AcosOp>);
  r.add("Atan", simpleOp<graph::AtanOp>);
  r.add("Sinh", simpleOp<graph::SinhOp>);
  r.add("Cosh", simpleOp<graph::CoshOp>);
  r.add("Tanh", simpleOp<graph::TanhOp>);
  r.add("Asinh", simpleOp<graph::AsinhOp>);
  r.add("Acosh", simpleOp<graph::AcoshOp>);
  r.add("Atanh", simpleOp<graph::AtanhOp>);
  r.add("Erf", simpleOp<graph::ErfOp>);
  r.add("Sigmoid", simpleOp<graph::SigmoidOp>);
  r.add("Softplus", simpleOp<graph::SoftplusOp>);
  r.add("Softsign", simpleOp<graph::SoftsignOp>);
  r.add("Floor", simpleOp<graph::FloorOp>);
  r.add("Ceil", simpleOp<graph::CeilOp>);
  r.add("Round", simpleOp<graph::RoundOp>);
  r.add("Relu", simpleOp<graph::ReluOp>);
  r.add("Sign", simpleOp<graph::SignOp>);
  r.add("Not", simpleOp<graph::NotOp>);
  r.add("BitwiseNot", simpleOp<graph::BitwiseNotOp>);
  r.add("Gelu", importGelu);
  r.add("HardSwish", simpleOp<graph::HardSwishOp>);
  r.add("Mish", simpleOp<graph::MishOp>);
  r.add("IsNaN", simpleOp<graph::IsNaNOp>);

  // Activations with parameters.
  r.add("Elu", alphaOp<graph::EluOp>(1.0f));
  r.add("Celu", alphaOp<graph::CeluOp>(1.0f));
  r.add("LeakyRelu", alphaOp<graph::LeakyReluOp>(0.01f));
  r.add("ThresholdedRelu", alphaOp<graph::ThresholdedReluOp>(1.0f));
  r.add("Selu", [](NodeImporter &n) {
    return n.emit<graph::SeluOp>(
        n.input(0),
        {n.b.getNamedAttr("alpha", n.b.getF32FloatAttr(n.attrFloat(
                                       "alpha", 1.67326319217681884765625f))),
         n.b.getNamedAttr("gamma", n.b.getF32FloatAttr(n.attrFloat(
                                       "gamma", 1.05070102214813232421875f)))});
  });
  r.add("HardSigmoid", [](NodeImporter &n) {
    return n.emit<graph::HardSigmoidOp>(
        n.input(0),
        {n.b.getNamedAttr("alpha",
                          n.b.getF32FloatAttr(n.attrFloat("alpha", 0.2f))),
         n.b.getNamedAttr("beta",
                          n.b.getF32FloatAttr(n.attrFloat("beta", 0.5f)))});
  });
  r.add("Shrink", [](NodeImporter &n) {
    return n.emit<graph::ShrinkOp>(
        n.input(0),
        {n.b.getNamedAttr("bias", n.b.getF32FloatAttr(n.attrFloat("bias", 0))),
         n.b.getNamedAttr("lambd",
                          n.b.getF32FloatAttr(n.attrFloat("lambd", 0.5f)))});
  });
  r.add("IsInf", [](NodeImporter &n) {
    return n.emit<graph::IsInfOp>(
        n.input(0),
        {n.b.getNamedAttr("detect_positive",
                          n.b.getBoolAttr(n.attrInt("detect_positive", 1))),
         n.b.getNamedAttr("detect_negative",
                          n.b.getBoolAttr(n.attrInt("detect_negative", 1)))});
  });
  r.add("Clip", importClip);

  // Binary arithmetic and logic.
  auto binary = [](auto tag) {
    using OpT = typename decltype(tag)::type;
    return [](NodeImporter &n) {
      if (n.numInputs() != 2 || !n.hasInput(0) || !n.hasInput(1))
        return n.error("expects two inputs");
      FailureOr<Value> rhs = legacyBroadcastOperand(n);
      if (failed(rhs))
        return failure();
      return n.emit<OpT>(ValueRange{n.input(0), *rhs});
    };
  };
  r.add("Add", binary(llvm::type_identity<graph::AddOp>()));
  r.add("Sub", binary(llvm::type_identity<graph::SubOp>()));
  r.add("Mul", binary(llvm::type_identity<graph::MulOp>()));
  r.add("Div", binary(llvm::type_identity<graph::DivOp>()));
  r.add("Pow", binary(llvm::type_identity<graph::PowOp>()));
  r.add("PRelu", importPRelu);
  r.add("And", binary(llvm::type_identity<graph::AndOp>()));
  r.add("Or", binary(llvm::type_identity<graph::OrOp>()));
  r.add("Xor", binary(llvm::type_identity<graph::XorOp>()));
  r.add("BitwiseAnd", binary(llvm::type_identity<graph::BitwiseAndOp>()));
  r.add("BitwiseOr", binary(llvm::type_identity<graph::BitwiseOrOp>()));
  r.add("BitwiseXor", binary(llvm::type_identity<graph::BitwiseXorOp>()));
  r.add("Equal", binary(llvm::type_identity<graph::EqualOp>()));
  r.add("Less", binary(llvm::type_identity<graph::LessOp>()));
  r.add("LessOrEqual", binary(llvm::type_identity<graph::LessEqualOp>()));
  r.add("Greater", binary(llvm::type_identity<graph::GreaterOp>()));
  r.add("GreaterOrEqual", binary(llvm::type_identity<graph::GreaterEqualOp>()));
  r.add("Mod", [](NodeImporter &n) {
    if (!n.attrInt("fmod", 0) && isa<FloatType>(n.inputElementType(0)))
      return n.error("fmod must be 1 for floating-point inputs");
    return n.emit<graph::ModOp>(
        ValueRange{n.input(0), n.input(1)},
        {n.b.getNamedAttr("fmod", n.b.getBoolAttr(n.attrInt("fmod", 0)))});
  });
  r.add("BitShift", importBitShift);
  r.add("Max", variadicOp<graph::MaxOp>);
  r.add("Min", variadicOp<graph::MinOp>);
  r.add("Sum", variadicOp<graph::AddOp>);
  r.add("Mean", importMean);

  // Selection and conversion.
  r.add("Where", [](NodeImporter &n) {
    return n.emit<graph::WhereOp>(
        ValueRange{n.input(0), n.input(1), n.input(2)});
  });
  r.add("Cast", importCast);
  r.add("CastLike", importCastLike);
  r.add("Dropout", importDropout);
}

} // namespace tessera::onnx_import
