//===- GraphElementwiseOps.td - Elementwise ops ------------*- tablegen -*-===//
//
// Math, activation, arithmetic, logic and comparison ops. Binary ops follow
// ONNX (numpy) broadcasting. Each op's scalar semantics are written here once,
// as the C++ expression the golden evaluator applies per element.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_ELEMENTWISE_OPS
#define TESSERA_GRAPH_ELEMENTWISE_OPS

include "Graph/IR/GraphBase.td"

//===----------------------------------------------------------------------===//
// Unary math on floats
//===----------------------------------------------------------------------===//

class Graph_FloatUnaryOp<string mnemonic, string expr, int flops = 1>
    : Graph_UnaryOp<mnemonic, Graph_FloatTensor, expr, "", flops> {
  let summary = "elementwise " # mnemonic;
}

def Graph_ExpOp : Graph_FloatUnaryOp<"exp", "std::exp(x)", 4>;
def Graph_LogOp : Graph_FloatUnaryOp<"log", "std::log(x)", 4>;
def Graph_SqrtOp : Graph_FloatUnaryOp<"sqrt", "std::sqrt(x)", 4>;
def Graph_ReciprocalOp : Graph_FloatUnaryOp<"reciprocal", "1.0f / x", 4>;
def Graph_SinOp : Graph_FloatUnaryOp<"sin", "std::sin(x)", 4>;
def Graph_CosOp : Graph_FloatUnaryOp<"cos", "std::cos(x)", 4>;
def Graph_TanOp : Graph_FloatUnaryOp<"tan", "std::tan(x)", 4>;
def Graph_AsinOp : Graph_FloatUnaryOp<"asin", "std::asin(x)", 4>;
def Graph_AcosOp : Graph_FloatUnaryOp<"acos", "std::acos(x)", 4>;
def Graph_AtanOp : Graph_FloatUnaryOp<"atan", "std::atan(x)", 4>;
def Graph_SinhOp : Graph_FloatUnaryOp<"sinh", "std::sinh(x)", 4>;
def Graph_CoshOp : Graph_FloatUnaryOp<"cosh", "std::cosh(x)", 4>;
def Graph_TanhOp : Graph_FloatUnaryOp<"tanh", "std::tanh(x)", 4>;
def Graph_AsinhOp : Graph_FloatUnaryOp<"asinh", "std::asinh(x)", 4>;
def Graph_AcoshOp : Graph_FloatUnaryOp<"acosh", "std::acosh(x)", 4>;
def Graph_AtanhOp : Graph_FloatUnaryOp<"atanh", "std::atanh(x)", 4>;
def Graph_ErfOp : Graph_FloatUnaryOp<"erf", "std::erf(x)", 8>;
def Graph_SigmoidOp : Graph_FloatUnaryOp<"sigmoid",
    "x >= 0 ? 1.0f / (1.0f + std::exp(-x)) : std::exp(x) / (1.0f + std::exp(x))", 4>;
def Graph_SoftplusOp : Graph_FloatUnaryOp<"softplus",
    "x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x))", 8>;
def Graph_SoftsignOp : Graph_FloatUnaryOp<"softsign", "x / (1.0f + std::fabs(x))", 3>;
def Graph_FloorOp : Graph_FloatUnaryOp<"floor", "std::floor(x)">;
def Graph_CeilOp : Graph_FloatUnaryOp<"ceil", "std::ceil(x)">;
// Rounds half to even, as ONNX's Round does.
def Graph_RoundOp : Graph_FloatUnaryOp<"round", "std::nearbyint(x)">;
def Graph_MishOp : Graph_FloatUnaryOp<"mish",
    "x * std::tanh(x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)))", 12>;
def Graph_HardSwishOp : Graph_FloatUnaryOp<"hard_swish",
    "x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f))", 4>;
def Graph_GeluOp : Graph_FloatUnaryOp<"gelu",
    "0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f))", 10>;

//===----------------------------------------------------------------------===//
// Activations with parameters
//===----------------------------------------------------------------------===//

class Graph_AlphaUnaryOp<string mnemonic, string expr, string defaultAlpha,
                         int flops = 2>
    : Graph_UnaryOp<mnemonic, Graph_FloatTensor, expr, "", flops,
                    "float alpha = getAlpha().convertToFloat();"> {
  let summary = "elementwise " # mnemonic # " with parameter alpha";
  let arguments = (ins Graph_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, defaultAlpha>:$alpha);
}

def Graph_EluOp : Graph_AlphaUnaryOp<"elu",
    "x >= 0 ? x : alpha * (std::exp(x) - 1.0f)", "1.0", 5>;
def Graph_CeluOp : Graph_AlphaUnaryOp<"celu",
    "std::max(0.0f, x) + std::min(0.0f, alpha * (std::exp(x / alpha) - 1.0f))",
    "1.0", 6>;
def Graph_LeakyReluOp : Graph_AlphaUnaryOp<"leaky_relu",
    "x >= 0 ? x : alpha * x", "0.01">;
def Graph_ThresholdedReluOp : Graph_AlphaUnaryOp<"thresholded_relu",
    "x > alpha ? x : 0.0f", "1.0">;

def Graph_SeluOp : Graph_UnaryOp<"selu", Graph_FloatTensor,
    "x > 0 ? gamma * x : gamma * (alpha * std::exp(x) - alpha)", "", 5,
    "float alpha = getAlpha().convertToFloat(), gamma = getGamma().convertToFloat();"> {
  let summary = "scaled exponential linear unit";
  let arguments = (ins Graph_FloatTensor:$input,
      DefaultValuedAttr<F32Attr, "1.67326319217681884765625">:$alpha,
      DefaultValuedAttr<F32Attr, "1.05070102214813232421875">:$gamma);
}

def Graph_HardSigmoidOp : Graph_UnaryOp<"hard_sigmoid", Graph_FloatTensor,
    "std::max(0.0f, std::min(1.0f, alpha * x + beta))", "", 3,
    "float alpha = getAlpha().convertToFloat(), beta = getBeta().convertToFloat();"> {
  let summary = "max(0, min(1, alpha * x + beta))";
  let arguments = (ins Graph_FloatTensor:$input,
      DefaultValuedAttr<F32Attr, "0.2">:$alpha,
      DefaultValuedAttr<F32Attr, "0.5">:$beta);
}

def Graph_ShrinkOp : Graph_UnaryOp<"shrink", Graph_NumericTensor,
    "x < -lambd ? x + bias : (x > lambd ? x - bias : 0.0f)",
    "x < -lambd ? x + (int64_t)bias : (x > lambd ? x - (int64_t)bias : 0)", 2,
    "float bias = getBias().convertToFloat(), lambd = getLambd().convertToFloat();"> {
  let summary = "shrink: values within [-lambd, lambd] become 0, others move by bias";
  let arguments = (ins Graph_NumericTensor:$input,
      DefaultValuedAttr<F32Attr, "0.0">:$bias,
      DefaultValuedAttr<F32Attr, "0.5">:$lambd);
}

// Clamps to [min, max]; an absent bound does not clamp.
def Graph_ClipOp : Graph_UnaryOp<"clip", Graph_NumericTensor,
    "std::isnan(x) ? x : std::min((float)hi, std::max((float)lo, x))",
    "std::min((int64_t)hi, std::max((int64_t)lo, x))", 2,
    "double lo = getMin() ? getMin()->convertToDouble() : -INFINITY;"
    "double hi = getMax() ? getMax()->convertToDouble() : INFINITY;"
    "if (!in[0].isFloat()) { lo = std::max(lo, -9.2e18); hi = std::min(hi, 9.2e18); }"> {
  let summary = "clamps every element into [min, max]";
  let arguments = (ins Graph_NumericTensor:$input, OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
}

//===----------------------------------------------------------------------===//
// Unary ops on floats and integers
//===----------------------------------------------------------------------===//

def Graph_AbsOp : Graph_UnaryOp<"abs", Graph_NumericTensor, "std::fabs(x)",
                                "x < 0 ? -x : x">;
def Graph_NegOp : Graph_UnaryOp<"neg", Graph_NumericTensor, "-x", "-x">;
def Graph_SignOp : Graph_UnaryOp<"sign", Graph_NumericTensor,
    "std::isnan(x) ? x : (float)((x > 0) - (x < 0))", "(x > 0) - (x < 0)">;
def Graph_ReluOp : Graph_UnaryOp<"relu", Graph_NumericTensor,
    "std::isnan(x) ? x : std::max(x, 0.0f)", "std::max<int64_t>(x, 0)">;
def Graph_NotOp : Graph_UnaryOp<"not", Graph_BoolTensor, "x == 0", "x == 0">;

// Float → bool classification.
class Graph_FloatClassOp<string mnemonic, string expr, string prelude = "">
    : Graph_Op<mnemonic, [SameOperandsAndResultShape]> {
  let summary = "elementwise classification " # mnemonic;
  let arguments = (ins Graph_FloatTensor:$input);
  let results = (outs Graph_BoolTensor:$output);
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *ctx,
        std::optional<::mlir::Location>, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      types.push_back(::mlir::cast<::mlir::RankedTensorType>(
          adaptor.getInput().getType()).clone(::mlir::IntegerType::get(ctx, 1)));
      return ::mlir::success();
    }
    ::llvm::LogicalResult $cppClass::evaluate(
        ::llvm::ArrayRef<::tessera::Tensor> in,
        ::llvm::SmallVectorImpl<::tessera::Tensor> &out) {
      }] # prelude # [{
      ::tessera::Tensor r(::tessera::DType::Bool, in[0].shape());
      for (int64_t i = 0; i < r.numElements(); ++i) {
        float x = in[0].getF(i);
        r.setI(i, (}] # expr # [{) ? 1 : 0);
      }
      out.push_back(std::move(r));
      return ::mlir::success();
    }
  }];
}

def Graph_IsNaNOp : Graph_FloatClassOp<"is_nan", "std::isnan(x)">;
def Graph_IsInfOp : Graph_FloatClassOp<"is_inf",
    "std::isinf(x) && ((x > 0 && detectPositive) || (x < 0 && detectNegative))",
    "bool detectPositive = getDetectPositive(), detectNegative = getDetectNegative();"> {
  let arguments = (ins Graph_FloatTensor:$input,
                       DefaultValuedAttr<BoolAttr, "true">:$detect_positive,
                       DefaultValuedAttr<BoolAttr, "true">:$detect_negative);
}

//===----------------------------------------------------------------------===//
// Binary arithmetic
//===----------------------------------------------------------------------===//

def Graph_AddOp : Graph_BinaryOp<"add", Graph_NumericTensor, "a + b",
    "(int64_t)((uint64_t)a + (uint64_t)b)", [Commutative]> {
  let summary = "elementwise addition with broadcasting";
  let hasFolder = 1;
}
def Graph_SubOp : Graph_BinaryOp<"sub", Graph_NumericTensor, "a - b",
    "(int64_t)((uint64_t)a - (uint64_t)b)"> {
  let summary = "elementwise subtraction with broadcasting";
}
def Graph_MulOp : Graph_BinaryOp<"mul", Graph_NumericTensor, "a * b",
    "(int64_t)((uint64_t)a * (uint64_t)b)", [Commutative]> {
  let summary = "elementwise multiplication with broadcasting";
  let hasFolder = 1;
}
// Integer division truncates toward zero, as ONNX's reference does; x / 0
// gives 0 and INT64_MIN / -1 wraps (no trap on the host).
def Graph_DivOp : Graph_BinaryOp<"div", Graph_NumericTensor, "a / b",
    "b == 0 ? 0 : isUnsigned ? (int64_t)((uint64_t)a / (uint64_t)b) "
    ": (b == -1 ? (int64_t)(0 - (uint64_t)a) : a / b)"> {
  let summary = "elementwise division with broadcasting";
}
def Graph_PowOp : Graph_Op<"pow"> {
  let summary = "elementwise power with broadcasting (exponent may differ in type)";
  let arguments = (ins Graph_NumericTensor:$lhs, Graph_NumericTensor:$rhs);
  let results = (outs Graph_NumericTensor:$output);
}
def Graph_MaxOp : Graph_BinaryOp<"max", Graph_NumericTensor,
    "(std::isnan(a) || std::isnan(b)) ? NAN : std::max(a, b)",
    "isUnsigned ? (int64_t)std::max((uint64_t)a, (uint64_t)b) : std::max(a, b)",
    [Commutative]> {
  let summary = "elementwise maximum with broadcasting";
}
def Graph_MinOp : Graph_BinaryOp<"min", Graph_NumericTensor,
    "(std::isnan(a) || std::isnan(b)) ? NAN : std::min(a, b)",
    "isUnsigned ? (int64_t)std::min((uint64_t)a, (uint64_t)b) : std::min(a, b)",
    [Commutative]> {
  let summary = "elementwise minimum with broadcasting";
}
// fmod = 0: integer modulo takes the sign of the divisor (Python's %);
// fmod = 1: the sign of the dividend (C's fmod).
def Graph_ModOp : Graph_Op<"mod", [SameOperandsElementType,
                                   SameOperandsAndResultElementType]> {
  let summary = "elementwise modulo with broadcasting";
  let arguments = (ins Graph_NumericTensor:$lhs, Graph_NumericTensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$fmod);
  let results = (outs Graph_NumericTensor:$output);
}
def Graph_PReluOp : Graph_BinaryOp<"prelu", Graph_NumericTensor,
    "a < 0 ? a * b : a", "a < 0 ? a * b : a"> {
  let summary = "parametric ReLU: x < 0 ? slope * x : x, slope broadcast";
}
def Graph_BitShiftLeftOp : Graph_BinaryOp<"shift_left", Graph_IntTensor,
    "a", "b >= 64 ? 0 : (int64_t)((uint64_t)a << b)"> {
  let summary = "elementwise logical shift left";
}
def Graph_BitShiftRightOp : Graph_BinaryOp<"shift_right", Graph_IntTensor,
    "a", "b >= 64 ? 0 : (int64_t)((uint64_t)a >> b)"> {
  let summary = "elementwise logical shift right";
}
def Graph_AndOp : Graph_BinaryOp<"and", Graph_BoolTensor, "a", "a && b",
                                 [Commutative]> {
  let summary = "elementwise logical and";
}
def Graph_OrOp : Graph_BinaryOp<"or", Graph_BoolTensor, "a", "a || b",
                                [Commutative]> {
  let summary = "elementwise logical or";
}
def Graph_XorOp : Graph_BinaryOp<"xor", Graph_BoolTensor, "a", "a != b",
                                 [Commutative]> {
  let summary = "elementwise logical xor";
}
// Bitwise ops on the two's-complement bits of integers (ONNX opset 18); the
// result is stored back at the operands' width.
def Graph_BitwiseAndOp : Graph_BinaryOp<"bitwise_and", Graph_IntTensor, "a",
                                        "a & b", [Commutative]> {
  let summary = "elementwise bitwise and of integers";
}
def Graph_BitwiseOrOp : Graph_BinaryOp<"bitwise_or", Graph_IntTensor, "a",
                                       "a | b", [Commutative]> {
  let summary = "elementwise bitwise or of integers";
}
def Graph_BitwiseXorOp : Graph_BinaryOp<"bitwise_xor", Graph_IntTensor, "a",
                                        "a ^ b", [Commutative]> {
  let summary = "elementwise bitwise xor of integers";
}
def Graph_BitwiseNotOp : Graph_UnaryOp<"bitwise_not", Graph_IntTensor, "x",
                                       "~x"> {
  let summary = "elementwise bitwise complement of integers";
}

//===----------------------------------------------------------------------===//
// Comparison
//===----------------------------------------------------------------------===//

def Graph_EqualOp : Graph_CompareOp<"equal", "a == b">;
def Graph_LessOp : Graph_CompareOp<"less", "a < b">;
def Graph_LessEqualOp : Graph_CompareOp<"less_equal", "a <= b">;
def Graph_GreaterOp : Graph_CompareOp<"greater", "a > b">;
def Graph_GreaterEqualOp : Graph_CompareOp<"greater_equal", "a >= b">;

//===----------------------------------------------------------------------===//
// Selection and conversion
//===----------------------------------------------------------------------===//

def Graph_WhereOp : Graph_Op<"where"> {
  let summary = "cond ? x : y with three-way broadcasting";
  let arguments = (ins Graph_BoolTensor:$condition, Graph_Tensor:$x,
                       Graph_Tensor:$y);
  let results = (outs Graph_Tensor:$output);
}

def Graph_CastOp : Graph_Op<"cast", [SameOperandsAndResultShape]> {
  let summary = "converts the element type (ONNX Cast semantics)";
  let arguments = (ins Graph_Tensor:$input, TypeAttr:$to);
  let results = (outs Graph_Tensor:$output);
  let hasFolder = 1;
  let hasVerifier = 1;
}

#endif // TESSERA_GRAPH_ELEMENTWISE_OPS
