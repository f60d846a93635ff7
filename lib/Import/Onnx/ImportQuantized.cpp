//===- ImportQuantized.cpp - ONNX import of quantized ops -----------------===//
//
// Quantized ops become float graph ops between casts, following ONNX's
// definitions:
//
//   QuantizeLinear(x, s, zp)   = cast(clip(round(x / s) + zp, qmin, qmax))
//   DequantizeLinear(q, s, zp) = (float(q) - float(zp)) * s
//   DynamicQuantizeLinear(x):  s = (max(x, 0) - min(x, 0)) / 255,
//                              zp = clip(round(-min(x, 0) / s), 0, 255),
//                              q = QuantizeLinear(x, s, zp) (uint8)
//   MatMulInteger(a, b, za, zb) = int32((a - za) x (b - zb))
//   QLinearMatMul: q = QuantizeLinear((a - za) x (b - zb) * (sa * sb / sy),
//                                     1, zy)
//
// 8-bit operands minus their zero points are exact in f32, and so is a
// matrix product of them as long as its sums stay below 2^24 (K <= 258 at
// full range). round() rounds half to even, as ONNX does. (QLinearConv and
// ConvInteger are in ImportNN.cpp; they share requantize() from here.)
//
//===----------------------------------------------------------------------===//
#include "NodeImporter.h"

using namespace mlir;

namespace tessera::onnx_import {
namespace graph = tessera::graph;

FailureOr<Value> castValue(NodeImporter &n, Value v, Type t) {
  if (cast<RankedTensorType>(v.getType()).getElementType() == t)
    return v;
  auto c = n.create<graph::CastOp>(v, {n.b.getNamedAttr("to", TypeAttr::get(t))});
  if (failed(c))
    return failure();
  return c->getResult();
}

/// A per-axis parameter (1-D, one value per slice of `axis`) reshaped to
/// broadcast against a tensor of rank `rank`; scalars pass unchanged.
FailureOr<Value> alongAxis(NodeImporter &n, Value p, int64_t axis,
                           int64_t rank, StringRef what) {
  auto pt = cast<RankedTensorType>(p.getType());
  if (pt.getRank() == 0 || (pt.getRank() == 1 && pt.getDimSize(0) == 1 &&
                            rank > 0))
    return p;
  if (pt.getRank() != 1)
    return n.error(what + " must be a scalar or 1-D (per-axis); it has rank " +
                   Twine(pt.getRank()));
  auto a = n.normalizeAxis(axis, rank);
  if (failed(a))
    return failure();
  SmallVector<int64_t> shape(rank, 1);
  shape[*a] = pt.getDimSize(0);
  auto r = n.create<graph::ReshapeOp>(
      p, {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(shape))});
  if (failed(r))
    return failure();
  return r->getResult();
}

/// The range of an integer type a quantized value is stored in.
static FailureOr<std::pair<double, double>> quantRange(NodeImporter &n,
                                                       Type t) {
  auto it = dyn_cast<IntegerType>(t);
  if (it && it.getWidth() == 8)
    return it.isUnsigned() ? std::make_pair(0.0, 255.0)
                           : std::make_pair(-128.0, 127.0);
  if (it && it.getWidth() == 16)
    return it.isUnsigned() ? std::make_pair(0.0, 65535.0)
                           : std::make_pair(-32768.0, 32767.0);
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return n.error("quantized values of type " + s +
                 " are not supported (int8, uint8, int16, uint16)");
}

/// cast<qt>(clip(round(v) + zp, qmin, qmax)) for f32 `v` already divided by
/// its scale; `zp` (f32, broadcastable) may be null.
FailureOr<Value> requantize(NodeImporter &n, Value v, Value zp, Type qt) {
  auto range = quantRange(n, qt);
  if (failed(range))
    return failure();
  auto r = n.create<graph::RoundOp>(v);
  if (failed(r))
    return failure();
  Value q = r->getResult();
  if (zp) {
    auto add = n.create<graph::AddOp>(ValueRange{q, zp});
    if (failed(add))
      return failure();
    q = add->getResult();
  }
  auto clip = n.create<graph::ClipOp>(
      q, {n.b.getNamedAttr("min", n.b.getF64FloatAttr(range->first)),
          n.b.getNamedAttr("max", n.b.getF64FloatAttr(range->second))});
  if (failed(clip))
    return failure();
  return castValue(n, clip->getResult(), qt);
}

/// float(v) - float(zp), with zp at input `zpIndex` (absent: none) laid
/// along `axis` when it is per-axis.
FailureOr<Value> shiftedFloat(NodeImporter &n, size_t i, size_t zpIndex,
                              int64_t axis) {
  Type f32 = n.b.getF32Type();
  FailureOr<Value> v = castValue(n, n.input(i), f32);
  if (failed(v) || !n.hasInput(zpIndex))
    return v;
  FailureOr<Value> zp = castValue(n, n.input(zpIndex), f32);
  if (failed(zp))
    return failure();
  zp = alongAxis(n, *zp, axis, n.inputRank(i), "the zero point");
  if (failed(zp))
    return failure();
  auto sub = n.create<graph::SubOp>(ValueRange{*v, *zp});
  if (failed(sub))
    return failure();
  return sub->getResult();
}

static LogicalResult requireInputs(NodeImporter &n, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (!n.hasInput(i))
      return n.error("expects input #" + Twine(i));
  return success();
}

/// Opset 21's blocked quantization: a scale or zero point `p` with one value
/// per `blockSize` consecutive elements along `axis` (and the input's other
/// dimensions), repeated to the input's shape `dims`:
/// reshape [.., B, ..] -> [.., B, 1, ..], expand to [.., B, block, ..],
/// reshape to [.., B * block, ..], slice to the input's length.
static FailureOr<Value> repeatBlocks(NodeImporter &n, Value p, int64_t axis,
                                     int64_t blockSize, ArrayRef<int64_t> dims,
                                     StringRef what) {
  auto pt = cast<RankedTensorType>(p.getType());
  int64_t rank = dims.size();
  if (pt.getRank() != rank)
    return n.error(what + " has rank " + Twine(pt.getRank()) +
                   "; blocked quantization needs the input's rank " +
                   Twine(rank));
  int64_t blocks = (dims[axis] + blockSize - 1) / blockSize;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t want = d == axis ? blocks : dims[d];
    if (pt.getDimSize(d) != want)
      return n.error(what + " has " + Twine(pt.getDimSize(d)) +
                     " values on axis " + Twine(d) + " where blocks of " +
                     Twine(blockSize) + " need " + Twine(want));
  }
  SmallVector<int64_t> split(dims.begin(), dims.end());
  split[axis] = blocks;
  split.insert(split.begin() + axis + 1, 1);
  auto r1 = n.create<graph::ReshapeOp>(
      p, {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(split))});
  if (failed(r1))
    return failure();
  split[axis + 1] = blockSize;
  auto e = n.create<graph::ExpandOp>(
      r1->getResult(),
      {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(split))});
  if (failed(e))
    return failure();
  SmallVector<int64_t> merged(dims.begin(), dims.end());
  merged[axis] = blocks * blockSize;
  auto r2 = n.create<graph::ReshapeOp>(
      e->getResult(),
      {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(merged))});
  if (failed(r2))
    return failure();
  if (merged[axis] == dims[axis])
    return r2->getResult();
  SmallVector<int64_t> starts(rank, 0), ends(dims.begin(), dims.end()),
      steps(rank, 1);
  auto sl = n.create<graph::SliceOp>(
      r2->getResult(),
      {n.b.getNamedAttr("starts", n.b.getDenseI64ArrayAttr(starts)),
       n.b.getNamedAttr("ends", n.b.getDenseI64ArrayAttr(ends)),
       n.b.getNamedAttr("steps", n.b.getDenseI64ArrayAttr(steps))});
  if (failed(sl))
    return failure();
  return sl->getResult();
}

/// A scale or zero point laid out against the input: per tensor, per axis,
/// or (opset 21, block_size > 0) per block along the axis.
static FailureOr<Value> quantParameter(NodeImporter &n, Value p, int64_t axis,
                                       StringRef what) {
  int64_t blockSize = n.attrInt("block_size", 0);
  if (blockSize < 0)
    return n.error("block_size " + Twine(blockSize) + " is negative");
  Shape dims = n.inputShape(0);
  if (blockSize == 0)
    return alongAxis(n, p, axis, dims.size(), what);
  auto a = n.normalizeAxis(axis, dims.size());
  if (failed(a))
    return failure();
  return repeatBlocks(n, p, *a, blockSize, dims, what);
}

static LogicalResult importQuantizeLinear(NodeImporter &n) {
  if (failed(requireInputs(n, 2)))
    return failure();
  // `saturate` (opset 19) concerns float8 outputs only, which Tessera does
  // not store; integer outputs always saturate.
  Type qt = n.hasInput(2) ? n.inputElementType(2)
                          : (Type)n.b.getIntegerType(8, /*isSigned=*/false);
  if (int64_t want = n.attrInt("output_dtype", 0)) {
    // Opset 21: the output type without a zero point to take it from.
    Type t;
    switch (want) {
    case 2: // UINT8
      t = n.b.getIntegerType(8, /*isSigned=*/false);
      break;
    case 3: // INT8
      t = n.b.getIntegerType(8); // signed integers are signless here
      break;
    case 4: // UINT16
      t = n.b.getIntegerType(16, /*isSigned=*/false);
      break;
    case 5: // INT16
      t = n.b.getIntegerType(16);
      break;
    default:
      return n.error("output_dtype " + Twine(want) +
                     " is not supported (int8, uint8, int16, uint16)");
    }
    if (n.hasInput(2) && t != qt)
      return n.error("output_dtype does not match the zero point's type");
    qt = t;
  }
  int64_t axis = n.attrInt("axis", 1);
  Type f32 = n.b.getF32Type();
  FailureOr<Value> x = castValue(n, n.input(0), f32);
  FailureOr<Value> s = castValue(n, n.input(1), f32);
  if (failed(x) || failed(s))
    return failure();
  s = quantParameter(n, *s, axis, "y_scale");
  if (failed(s))
    return failure();
  auto div = n.create<graph::DivOp>(ValueRange{*x, *s});
  if (failed(div))
    return failure();
  Value zp;
  if (n.hasInput(2)) {
    auto z = castValue(n, n.input(2), f32);
    if (failed(z))
      return failure();
    z = quantParameter(n, *z, axis, "y_zero_point");
    if (failed(z))
      return failure();
    zp = *z;
  }
  auto q = requantize(n, div->getResult(), zp, qt);
  if (failed(q))
    return failure();
  n.setResult(*q);
  return success();
}

static LogicalResult importDequantizeLinear(NodeImporter &n) {
  if (failed(requireInputs(n, 2)))
    return failure();
  int64_t axis = n.attrInt("axis", 1);
  Type f32 = n.b.getF32Type();
  FailureOr<Value> x = castValue(n, n.input(0), f32);
  if (failed(x))
    return failure();
  if (n.hasInput(2)) {
    FailureOr<Value> zp = castValue(n, n.input(2), f32);
    if (failed(zp))
      return failure();
    zp = quantParameter(n, *zp, axis, "x_zero_point");
    if (failed(zp))
      return failure();
    auto sub = n.create<graph::SubOp>(ValueRange{*x, *zp});
    if (failed(sub))
      return failure();
    x = sub->getResult();
  }
  Type st = n.inputElementType(1);
  FailureOr<Value> s = castValue(n, n.input(1), f32);
  if (failed(s))
    return failure();
  s = quantParameter(n, *s, axis, "x_scale");
  if (failed(s))
    return failure();
  auto mul = n.create<graph::MulOp>(ValueRange{*x, *s});
  if (failed(mul))
    return failure();
  auto y = castValue(n, mul->getResult(), st);
  if (failed(y))
    return failure();
  n.setResult(*y);
  return success();
}

static LogicalResult importDynamicQuantizeLinear(NodeImporter &n) {
  if (failed(requireInputs(n, 1)))
    return failure();
  Type f32 = n.b.getF32Type(), u8 = n.b.getIntegerType(8, false);
  FailureOr<Value> x = castValue(n, n.input(0), f32);
  if (failed(x))
    return failure();
  auto allReduce = [&](auto tag) -> FailureOr<Value> {
    using OpT = typename decltype(tag)::type;
    auto r = n.create<OpT>(
        *x, {n.b.getNamedAttr("keepdims", n.b.getBoolAttr(false))});
    if (failed(r))
      return failure();
    return r->getResult();
  };
  FailureOr<Value> hi = allReduce(llvm::type_identity<graph::ReduceMaxOp>());
  FailureOr<Value> lo = allReduce(llvm::type_identity<graph::ReduceMinOp>());
  if (failed(hi) || failed(lo))
    return failure();
  Value zero = n.constant(Tensor::scalarF(DType::F32, 0.0f));
  auto hi0 = n.create<graph::MaxOp>(ValueRange{*hi, zero});
  auto lo0 = n.create<graph::MinOp>(ValueRange{*lo, zero});
  if (failed(hi0) || failed(lo0))
    return failure();
  auto span = n.create<graph::SubOp>(
      ValueRange{hi0->getResult(), lo0->getResult()});
  if (failed(span))
    return failure();
  auto scale = n.create<graph::DivOp>(ValueRange{
      span->getResult(), n.constant(Tensor::scalarF(DType::F32, 255.0f))});
  if (failed(scale))
    return failure();
  Value s = scale->getResult();
  // zp = clip(round(qmin - min / s), 0, 255)
  auto lds = n.create<graph::DivOp>(ValueRange{lo0->getResult(), s});
  if (failed(lds))
    return failure();
  auto negl = n.create<graph::SubOp>(ValueRange{zero, lds->getResult()});
  if (failed(negl))
    return failure();
  FailureOr<Value> zpq = requantize(n, negl->getResult(), Value(), u8);
  if (failed(zpq))
    return failure();
  FailureOr<Value> zpf = castValue(n, *zpq, f32);
  if (failed(zpf))
    return failure();
  auto xs = n.create<graph::DivOp>(ValueRange{*x, s});
  if (failed(xs))
    return failure();
  FailureOr<Value> y = requantize(n, xs->getResult(), *zpf, u8);
  if (failed(y))
    return failure();
  n.setResults(ValueRange{*y, s, *zpq});
  return success();
}

/// The zero point of MatMulInteger's A is per row (1-D of M values: laid
/// along the row axis), B's per column (1-D of N values: the last axis).
static FailureOr<Value> matmulOperand(NodeImporter &n, size_t i,
                                      size_t zpIndex) {
  int64_t rank = n.inputRank(i);
  return shiftedFloat(n, i, zpIndex, i == 0 ? rank - 2 : rank - 1);
}

static LogicalResult importMatMulInteger(NodeImporter &n) {
  if (failed(requireInputs(n, 2)))
    return failure();
  if (n.inputRank(0) < 2 || n.inputRank(1) < 2)
    return n.error("1-D operands are not supported");
  FailureOr<Value> a = matmulOperand(n, 0, 2), b = matmulOperand(n, 1, 3);
  if (failed(a) || failed(b))
    return failure();
  auto mm = n.create<graph::MatMulOp>(ValueRange{*a, *b});
  if (failed(mm))
    return failure();
  auto y = castValue(n, mm->getResult(), n.b.getIntegerType(32));
  if (failed(y))
    return failure();
  n.setResult(*y);
  return success();
}

/// (sa * sb) / sy in f32 (inputs `scales`), each laid along its axis of a
/// rank-`rank` result when it is per-axis.
FailureOr<Value> outputMultiplier(NodeImporter &n,
                                  ArrayRef<std::pair<size_t, int64_t>> scales,
                                  int64_t rank) {
  Type f32 = n.b.getF32Type();
  SmallVector<Value> s;
  for (auto [i, axis] : scales) {
    auto v = castValue(n, n.input(i), f32);
    if (failed(v))
      return failure();
    v = alongAxis(n, *v, axis, rank, "a scale");
    if (failed(v))
      return failure();
    s.push_back(*v);
  }
  auto ab = n.create<graph::MulOp>(ValueRange{s[0], s[1]});
  if (failed(ab))
    return failure();
  auto m = n.create<graph::DivOp>(ValueRange{ab->getResult(), s[2]});
  if (failed(m))
    return failure();
  return m->getResult();
}

static LogicalResult importQLinearMatMul(NodeImporter &n) {
  // a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zp
  if (failed(requireInputs(n, 8)))
    return failure();
  if (n.inputRank(0) < 2 || n.inputRank(3) < 2)
    return n.error("1-D operands are not supported");
  int64_t ra = n.inputRank(0);
  FailureOr<Value> a = shiftedFloat(n, 0, 2, ra - 2);
  FailureOr<Value> b = shiftedFloat(n, 3, 5, n.inputRank(3) - 1);
  if (failed(a) || failed(b))
    return failure();
  auto mm = n.create<graph::MatMulOp>(ValueRange{*a, *b});
  if (failed(mm))
    return failure();
  int64_t rank = cast<RankedTensorType>(mm->getType()).getRank();
  // a's scale is per row, b's per column, y's one value.
  return requantizeQLinearOutput(n, mm->getResult(),
                                 {{1, rank - 2}, {4, rank - 1}, {6, 0}}, rank);
}

LogicalResult
requantizeQLinearOutput(NodeImporter &n, Value acc,
                        ArrayRef<std::pair<size_t, int64_t>> scales,
                        int64_t rank) {
  auto mult = outputMultiplier(n, scales, rank);
  if (failed(mult))
    return failure();
  auto scaled = n.create<graph::MulOp>(ValueRange{acc, *mult});
  if (failed(scaled))
    return failure();
  auto zp = castValue(n, n.input(7), n.b.getF32Type());
  if (failed(zp))
    return failure();
  auto y = requantize(n, scaled->getResult(), *zp, n.inputElementType(7));
  if (failed(y))
    return failure();
  n.setResult(*y);
  return success();
}

void registerQuantizedImporters(OpImportRegistry &r) {
  r.add("QuantizeLinear", importQuantizeLinear);
  r.add("DequantizeLinear", importDequantizeLinear);
  r.add("DynamicQuantizeLinear", importDynamicQuantizeLinear);
  r.add("MatMulInteger", importMatMulInteger);
  r.add("QLinearMatMul", importQLinearMatMul);
}

} // namespace tessera::onnx_import
