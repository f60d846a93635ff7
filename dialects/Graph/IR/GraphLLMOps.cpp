//===- GraphLLMOps.cpp - Fused LLM ops: inference, verifiers, evaluation --===//
//
// Type inference, verification, golden evaluation and cost of the ops in
// GraphLLMOps.td. The shape rules are the golden kernels' own (LLMKernels.h),
// so an op that verifies can be evaluated and the messages are the same.
// Result-type inference checks what the result type depends on; the
// verifiers check the rest.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/LLMKernels.h"

#include <cmath>

using namespace mlir;

namespace tessera::graph {

static Shape shapeOf(Value v) { return shapeOf(v.getType()); }

static Type withShape(Type like, const Shape &shape) {
  return RankedTensorType::get(shape, cast<ShapedType>(like).getElementType());
}

/// Reports `error` (if any) on `op`.
static LogicalResult check(Operation *op, llvm::Error error) {
  if (!error)
    return success();
  return op->emitOpError(llvm::toString(std::move(error)));
}

//===----------------------------------------------------------------------===//
// rope
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult RopeOp::verify() {
  if (!golden::parseRopeStyle(getStyle()))
    return emitOpError() << "unknown rope style '" << getStyle()
                         << "' (expected rotate_half, interleaved or "
                            "deinterleaved)";
  return check(*this,
               golden::checkRopeShapes(shapeOf(getInput()), shapeOf(getCos()),
                                       shapeOf(getSin())));
}

LogicalResult RopeOp::evaluate(ArrayRef<Tensor> in,
                               SmallVectorImpl<Tensor> &out) {
  std::optional<golden::RopeStyle> style = golden::parseRopeStyle(getStyle());
  if (!style)
    return emitOpError() << "unknown rope style '" << getStyle() << "'";
  return wrapEval(*this, out, golden::rope(in[0], in[1], in[2], *style));
}

int64_t RopeOp::getFlops() {
  return golden::ropeFlops(shapeOf(getInput()), shapeOf(getCos()).back());
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  Shape mask;
  if (Value m = adaptor.getMask())
    mask = shapeOf(m);
  auto shape = golden::attentionShape(
      shapeOf(adaptor.getQuery()), shapeOf(adaptor.getKey()),
      shapeOf(adaptor.getValue()), adaptor.getMask() ? &mask : nullptr,
      adaptor.getCausal());
  if (!shape)
    return emitOptionalError(loc, llvm::toString(shape.takeError()));
  types.push_back(withShape(adaptor.getQuery().getType(), *shape));
  return success();
}

void AttentionOp::setOperandSegments(Properties &props, ValueRange operands) {
  int32_t mask = 0, kvLength = 0;
  for (Value v : operands.drop_front(std::min<size_t>(3, operands.size()))) {
    if (isa<FloatType>(getElementTypeOrSelf(v.getType())))
      ++mask;
    else
      ++kvLength;
  }
  int32_t fixed = (int32_t)std::min<size_t>(3, operands.size());
  auto &sizes = props.operandSegmentSizes;
  sizes[0] = fixed > 0;
  sizes[1] = fixed > 1;
  sizes[2] = fixed > 2;
  sizes[3] = mask;
  sizes[4] = kvLength;
}

void AttentionOp::build(OpBuilder &builder, OperationState &state,
                        ValueRange operands,
                        ArrayRef<NamedAttribute> attributes) {
  state.addOperands(operands);
  Properties &props = state.getOrAddProperties<Properties>();
  DictionaryAttr dict = builder.getDictionaryAttr(attributes);
  // Inherent attributes go to the properties (a wrongly typed one is
  // reported by the verifier of the op built without it); others stay.
  (void)setPropertiesFromAttr(props, dict,
                              [&] { return mlir::emitError(state.location); });
  ArrayRef<StringRef> inherent = getAttributeNames();
  for (NamedAttribute attr : attributes)
    if (!llvm::is_contained(inherent, attr.getName().getValue()))
      state.addAttribute(attr.getName(), attr.getValue());
  setOperandSegments(props, operands);
  SmallVector<Type> types;
  if (succeeded(inferReturnTypes(builder.getContext(), state.location,
                                 state.operands, dict, state.getRawProperties(),
                                 state.regions, types)))
    state.addTypes(types);
  else
    state.addTypes(operands.empty() ? Type() : operands[0].getType());
}

void AttentionOp::build(OpBuilder &builder, OperationState &state, Value query,
                        Value key, Value value, Value mask, BoolAttr causal,
                        FloatAttr scale, Value kvLength) {
  SmallVector<Value> operands{query, key, value};
  if (mask)
    operands.push_back(mask);
  if (kvLength)
    operands.push_back(kvLength);
  SmallVector<NamedAttribute> attrs;
  if (causal)
    attrs.push_back(builder.getNamedAttr("causal", causal));
  if (scale)
    attrs.push_back(builder.getNamedAttr("scale", scale));
  build(builder, state, operands, attrs);
}

ParseResult AttentionOp::parse(OpAsmParser &parser, OperationState &result) {
  SmallVector<OpAsmParser::UnresolvedOperand> operands;
  FunctionType type;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseOperandList(operands) ||
      parser.parseOptionalAttrDict(result.attributes) || parser.parseColon() ||
      parser.parseType(type))
    return failure();
  if (operands.size() < 3 || operands.size() > 5)
    return parser.emitError(loc) << "expected query, key, value, an optional "
                                    "mask and an optional kv_length, got "
                                 << operands.size() << " operands";
  if (parser.resolveOperands(operands, type.getInputs(), loc, result.operands))
    return failure();
  result.addTypes(type.getResults());
  // The attributes parsed above go to the properties; the segments are
  // derived from the operands' types.
  Properties &props = result.getOrAddProperties<Properties>();
  DictionaryAttr dict = result.attributes.getDictionary(parser.getContext());
  if (failed(setPropertiesFromAttr(props, dict,
                                   [&] { return parser.emitError(loc); })))
    return failure();
  for (StringRef name : getAttributeNames())
    result.attributes.erase(name);
  setOperandSegments(props, result.operands);
  return success();
}

void AttentionOp::print(OpAsmPrinter &p) {
  p << ' ' << getOperands();
  SmallVector<StringRef> elided{getOperandSegmentSizesAttrName()};
  if (!getCausal())
    elided.push_back(getCausalAttrName());
  p.printOptionalAttrDict((*this)->getAttrs(), elided);
  p << " : ";
  p.printFunctionalType(getOperandTypes(), (*this)->getResultTypes());
}

LogicalResult AttentionOp::verify() {
  Type element = getElementTypeOrSelf(getOutput().getType());
  for (Value v : {getQuery(), getKey(), getValue(), getMask()})
    if (v && getElementTypeOrSelf(v.getType()) != element)
      return emitOpError() << "query, key, value, mask and result must share "
                              "one element type, got "
                           << v.getType() << " with a " << element << " result";
  if (Value length = getKvLength())
    if (failed(
            check(*this, golden::checkAttentionKvLengthShape(shapeOf(length)))))
      return failure();
  if (std::optional<llvm::APFloat> scale = getScale()) {
    float value = scale->convertToFloat();
    if (!std::isfinite(value) || value <= 0)
      return emitOpError() << "scale must be positive and finite, got "
                           << value;
  }
  return success();
}

float AttentionOp::getScaleValue() {
  if (std::optional<llvm::APFloat> scale = getScale())
    return scale->convertToFloat();
  return golden::defaultAttentionScale(getQuery().getType().getShape()[3]);
}

LogicalResult AttentionOp::evaluate(ArrayRef<Tensor> in,
                                    SmallVectorImpl<Tensor> &out) {
  const Tensor *mask = getMask() ? &in[3] : nullptr;
  std::optional<int64_t> kvLength;
  if (getKvLength())
    kvLength = in.back().getI(0);
  return wrapEval(*this, out,
                  golden::attention(in[0], in[1], in[2], mask, getCausal(),
                                    getScaleValue(), kvLength));
}

int64_t AttentionOp::getFlops() {
  return golden::attentionFlops(shapeOf(getQuery()), shapeOf(getKey()),
                                shapeOf(getValue()), getMask() != nullptr,
                                getCausal());
}

//===----------------------------------------------------------------------===//
// swiglu
//===----------------------------------------------------------------------===//

LogicalResult SwiGLUOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  Shape up;
  if (Value u = adaptor.getUp())
    up = shapeOf(u);
  auto shape =
      golden::swigluShape(shapeOf(adaptor.getInput()),
                          adaptor.getUp() ? &up : nullptr, adaptor.getAxis());
  if (!shape)
    return emitOptionalError(loc, llvm::toString(shape.takeError()));
  types.push_back(withShape(adaptor.getInput().getType(), *shape));
  return success();
}

LogicalResult SwiGLUOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  const Tensor *up = in.size() > 1 ? &in[1] : nullptr;
  return wrapEval(*this, out, golden::swiglu(in[0], up, getAxis()));
}

int64_t SwiGLUOp::getFlops() { return golden::swigluFlops(shapeOf(getType())); }

//===----------------------------------------------------------------------===//
// moe
//===----------------------------------------------------------------------===//

LogicalResult MoEOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

/// The op's router configuration, or an error naming the bad attribute.
static FailureOr<golden::MoEConfig> moeConfig(MoEOp op) {
  golden::MoEConfig c;
  c.topK = op.getTopK();
  c.normTopkProb = op.getNormTopkProb();
  c.routedScalingFactor = op.getRoutedScalingFactor().convertToFloat();
  c.nGroup = op.getNGroup();
  c.topkGroup = op.getTopkGroup();
  std::optional<golden::MoEScoring> scoring =
      golden::parseMoEScoring(op.getScoringFunc());
  if (!scoring)
    return op.emitOpError() << "unknown scoring_func '" << op.getScoringFunc()
                            << "' (expected softmax or sigmoid)";
  c.scoring = *scoring;
  std::optional<golden::MoEGroupScoring> groupScoring =
      golden::parseMoEGroupScoring(op.getGroupScoring());
  if (!groupScoring)
    return op.emitOpError() << "unknown group_scoring '" << op.getGroupScoring()
                            << "' (expected max or top2_sum)";
  c.groupScoring = *groupScoring;
  if (std::optional<ElementsAttr> bias = op.getScoreCorrectionBias()) {
    auto type = cast<ShapedType>(bias->getType());
    if (type.getRank() != 1 || !isa<FloatType>(type.getElementType()))
      return op.emitOpError()
             << "score_correction_bias must be a 1-D float tensor, got "
             << type;
    FailureOr<Tensor> values = elementsToTensor(*bias);
    if (failed(values))
      return op.emitOpError()
             << "score_correction_bias has no data (a weight-layout "
                "manifest gives shapes only)";
    c.scoreBias = values->floats();
    c.scoreBias.resize(type.getNumElements());
  }
  return c;
}

LogicalResult MoEOp::verify() {
  size_t numShared = getSharedWeights().size();
  if (numShared != 0 && numShared != 3)
    return emitOpError() << "takes 0 or 3 shared expert weights (gate, up, "
                            "down), got "
                         << numShared;
  Shape shared[3];
  for (size_t i = 0; i < numShared; ++i)
    shared[i] = shapeOf(getSharedWeights()[i]);
  golden::MoEShapes shapes{shapeOf(getInput()), shapeOf(getRouterWeight()),
                           shapeOf(getGateWeights()), shapeOf(getUpWeights()),
                           shapeOf(getDownWeights())};
  if (numShared == 3) {
    shapes.sharedGate = &shared[0];
    shapes.sharedUp = &shared[1];
    shapes.sharedDown = &shared[2];
  }
  if (failed(check(*this, golden::checkMoEShapes(shapes))))
    return failure();
  if (std::optional<ElementsAttr> bias = getScoreCorrectionBias()) {
    // Checked from the type alone: a manifest's weights have no data.
    auto type = cast<ShapedType>(bias->getType());
    if (type.getRank() != 1 || type.getDimSize(0) != shapes.router[0] ||
        !isa<FloatType>(type.getElementType()))
      return emitOpError() << "score_correction_bias must be a float tensor "
                              "of one value per expert ("
                           << shapes.router[0] << "), got " << type;
  }
  golden::MoEConfig config;
  config.topK = getTopK();
  config.nGroup = getNGroup();
  config.topkGroup = getTopkGroup();
  config.routedScalingFactor = getRoutedScalingFactor().convertToFloat();
  std::optional<golden::MoEGroupScoring> groupScoring =
      golden::parseMoEGroupScoring(getGroupScoring());
  if (!golden::parseMoEScoring(getScoringFunc()))
    return emitOpError() << "unknown scoring_func '" << getScoringFunc()
                         << "' (expected softmax or sigmoid)";
  if (!groupScoring)
    return emitOpError() << "unknown group_scoring '" << getGroupScoring()
                         << "' (expected max or top2_sum)";
  config.groupScoring = *groupScoring;
  return check(*this, golden::checkMoEConfig(config, shapes.router[0]));
}

LogicalResult MoEOp::evaluate(ArrayRef<Tensor> in,
                              SmallVectorImpl<Tensor> &out) {
  golden::MoEWeights w;
  w.router = &in[1];
  w.gate = &in[2];
  w.up = &in[3];
  w.down = &in[4];
  if (in.size() == 8) {
    w.sharedGate = &in[5];
    w.sharedUp = &in[6];
    w.sharedDown = &in[7];
  }
  FailureOr<golden::MoEConfig> config = moeConfig(*this);
  if (failed(config))
    return failure();
  return wrapEval(*this, out, golden::moe(in[0], w, *config));
}

int64_t MoEOp::getFlops() {
  Shape gate = shapeOf(getGateWeights());
  int64_t hidden = gate[2];
  int64_t tokens = hidden ? numElements(getType()) / hidden : 0;
  int64_t sharedInter =
      getSharedWeights().size() == 3 ? shapeOf(getSharedWeights()[0])[0] : 0;
  return golden::moeFlops(tokens, hidden, gate[0], gate[1], getTopK(),
                          sharedInter);
}

} // namespace tessera::graph
