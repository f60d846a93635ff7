//===- ImportSequence.cpp - Sequence and optional ops ---------------------===//
//
// SequenceConstruct, SequenceEmpty, SequenceInsert, SequenceAt,
// SequenceErase, SequenceLength, ConcatFromSequence, SplitToSequence,
// Optional, OptionalHasElement, OptionalGetElement. Positions must be known
// at import time (after unrolling a Loop they are); a sequence's length and
// an optional's presence are static, so SequenceLength and
// OptionalHasElement are constants. See SequenceValues.h.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "SequenceValues.h"

#include "tessera/Import/OnnxTensor.h"

#include "onnx/onnx_pb.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ScopedPrinter.h"

using namespace mlir;

namespace tessera::onnx_import {

//===----------------------------------------------------------------------===//
// Helpers (SequenceValues.h)
//===----------------------------------------------------------------------===//

SmallVector<Value> sequenceElements(OpBuilder &b, Location loc, Value seq) {
  if (auto construct = seq.getDefiningOp<graph::SeqConstructOp>())
    return SmallVector<Value>(construct.getInputs());
  auto type = cast<graph::SequenceType>(seq.getType());
  SmallVector<Value> elements;
  for (auto [i, t] : llvm::enumerate(type.getElements()))
    elements.push_back(
        graph::SeqAtOp::create(b, loc, t, seq, b.getI64IntegerAttr(i))
            .getResult());
  return elements;
}

Value buildSequence(OpBuilder &b, Location loc, Type elementType,
                    ValueRange elements) {
  SmallVector<Type> types(elements.getTypes());
  auto type = graph::SequenceType::get(b.getContext(), elementType, types);
  return graph::SeqConstructOp::create(b, loc, type, elements).getResult();
}

Value optionalContent(OpBuilder &b, Location loc, Value optional) {
  if (auto wrap = optional.getDefiningOp<graph::OptWrapOp>())
    return wrap.getInput();
  auto type = cast<graph::OptionalType>(optional.getType());
  return graph::OptGetOp::create(b, loc, type.getValueType(), optional)
      .getResult();
}

Type typeFromProto(MLIRContext *ctx, const onnx::TypeProto &type,
                   std::string &error) {
  auto elementOf = [&](int onnxType) -> Type {
    std::optional<DType> dt = dtypeFromOnnx(onnxType);
    if (!dt) {
      error =
          std::string("unsupported element type ") + onnxDataTypeName(onnxType);
      return nullptr;
    }
    return graph::toMlirType(ctx, *dt);
  };
  if (type.has_tensor_type()) {
    Type element = elementOf(type.tensor_type().elem_type());
    if (!element)
      return nullptr;
    SmallVector<int64_t> shape;
    if (!type.tensor_type().has_shape()) {
      error = "the tensor's shape is unknown";
      return nullptr;
    }
    for (const auto &dim : type.tensor_type().shape().dim()) {
      if (!dim.has_dim_value() || dim.dim_value() < 0) {
        error = "the tensor's shape is not static";
        return nullptr;
      }
      shape.push_back(dim.dim_value());
    }
    return RankedTensorType::get(shape, element);
  }
  if (type.has_sequence_type()) {
    const onnx::TypeProto &elem = type.sequence_type().elem_type();
    if (!elem.has_tensor_type()) {
      error = "only sequences of tensors are supported";
      return nullptr;
    }
    Type element = elementOf(elem.tensor_type().elem_type());
    if (!element)
      return nullptr;
    return graph::SequenceType::get(ctx, element, {});
  }
  error = "only tensors and sequences of tensors are supported";
  return nullptr;
}

bool takesAggregateInputs(StringRef opType) {
  static const llvm::StringSet<> ops = {
      "Identity",      "SequenceInsert",     "SequenceAt",
      "SequenceErase", "SequenceLength",     "ConcatFromSequence",
      "Optional",      "OptionalHasElement", "OptionalGetElement"};
  return ops.contains(opType);
}

void eraseDeadAggregateOps(Block &block) {
  // Users come after their operands: one pass from the back frees chains.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
    if (isa<graph::SeqConstructOp, graph::SeqAtOp, graph::OptWrapOp,
            graph::OptNoneOp, graph::OptGetOp>(op) &&
        op.use_empty())
      op.erase();
}

//===----------------------------------------------------------------------===//
// Importers
//===----------------------------------------------------------------------===//

/// Input i as a sequence, or an error naming it.
static FailureOr<graph::SequenceType> sequenceInput(NodeImporter &n, size_t i) {
  if (!n.hasInput(i)) {
    (void)n.error("input " + Twine(i) + " (a sequence) is required");
    return failure();
  }
  auto type = dyn_cast<graph::SequenceType>(n.input(i).getType());
  if (!type) {
    (void)n.error("input " + Twine(i) + " ('" + n.node.input(i) +
                  "') is not a sequence");
    return failure();
  }
  return type;
}

/// Input i (a tensor) as a position into a sequence of `length` elements,
/// normalized; `allowEnd` admits `length` (insertion at the back).
static FailureOr<int64_t> positionInput(NodeImporter &n, size_t i,
                                        int64_t length, bool allowEnd) {
  FailureOr<std::vector<int64_t>> p = n.requireConstantInts(i, "position");
  if (failed(p))
    return failure();
  if (p->size() != 1) {
    (void)n.error("'position' must hold one integer");
    return failure();
  }
  int64_t pos = p->front(), limit = allowEnd ? length : length - 1;
  if (pos < -length || pos > limit) {
    (void)n.error("position " + Twine(pos) + " is out of range for a " +
                  "sequence of " + Twine(length) + " elements");
    return failure();
  }
  return pos < 0 ? pos + length : pos;
}

/// Input i as a tensor of the sequence's element type.
static LogicalResult checkElement(NodeImporter &n, size_t i,
                                  graph::SequenceType seq) {
  auto t = dyn_cast<RankedTensorType>(n.input(i).getType());
  if (!t)
    return n.error("input " + Twine(i) + " must be a tensor");
  if (t.getElementType() != seq.getElementType())
    return n.error("cannot put a tensor of " + llvm::to_string(t) +
                   " in a sequence of " +
                   llvm::to_string(seq.getElementType()));
  return success();
}

static LogicalResult importSequenceConstruct(NodeImporter &n) {
  SmallVector<Value> elements;
  for (size_t i = 0; i < n.numInputs(); ++i) {
    if (!n.hasInput(i) || !isa<RankedTensorType>(n.input(i).getType()))
      return n.error("input " + Twine(i) + " must be a tensor");
    elements.push_back(n.input(i));
  }
  if (elements.empty())
    return n.error("needs at least one tensor (SequenceEmpty makes an "
                   "empty sequence)");
  Type element = cast<RankedTensorType>(elements[0].getType()).getElementType();
  for (auto [i, v] : llvm::enumerate(elements))
    if (cast<RankedTensorType>(v.getType()).getElementType() != element)
      return n.error("input " + Twine(i) + " has element type " +
                     llvm::to_string(
                         cast<RankedTensorType>(v.getType()).getElementType()) +
                     ", input 0 " + llvm::to_string(element) +
                     "; a sequence's tensors share one element type");
  n.setResult(buildSequence(n.b, n.loc, element, elements));
  return success();
}

static LogicalResult importSequenceEmpty(NodeImporter &n) {
  int64_t onnxType = n.attrInt("dtype", 1 /* FLOAT */);
  std::optional<DType> dt = dtypeFromOnnx(onnxType);
  if (!dt)
    return n.error(std::string("unsupported dtype ") +
                   onnxDataTypeName(onnxType));
  n.setResult(
      buildSequence(n.b, n.loc, graph::toMlirType(n.b.getContext(), *dt), {}));
  return success();
}

static LogicalResult importSequenceInsert(NodeImporter &n) {
  FailureOr<graph::SequenceType> seq = sequenceInput(n, 0);
  if (failed(seq) || !n.hasInput(1) || failed(checkElement(n, 1, *seq)))
    return failure();
  SmallVector<Value> elements = sequenceElements(n.b, n.loc, n.input(0));
  int64_t pos = elements.size();
  if (n.hasInput(2)) {
    FailureOr<int64_t> p = positionInput(n, 2, elements.size(), true);
    if (failed(p))
      return failure();
    pos = *p;
  }
  elements.insert(elements.begin() + pos, n.input(1));
  n.setResult(buildSequence(n.b, n.loc, seq->getElementType(), elements));
  return success();
}

static LogicalResult importSequenceAt(NodeImporter &n) {
  FailureOr<graph::SequenceType> seq = sequenceInput(n, 0);
  if (failed(seq))
    return failure();
  FailureOr<int64_t> pos = positionInput(n, 1, seq->size(), false);
  if (failed(pos))
    return failure();
  n.setResult(sequenceElements(n.b, n.loc, n.input(0))[*pos]);
  return success();
}

static LogicalResult importSequenceErase(NodeImporter &n) {
  FailureOr<graph::SequenceType> seq = sequenceInput(n, 0);
  if (failed(seq))
    return failure();
  if (seq->size() == 0)
    return n.error("cannot erase from an empty sequence");
  int64_t pos = seq->size() - 1;
  if (n.hasInput(1)) {
    FailureOr<int64_t> p = positionInput(n, 1, seq->size(), false);
    if (failed(p))
      return failure();
    pos = *p;
  }
  SmallVector<Value> elements = sequenceElements(n.b, n.loc, n.input(0));
  elements.erase(elements.begin() + pos);
  n.setResult(buildSequence(n.b, n.loc, seq->getElementType(), elements));
  return success();
}

static LogicalResult importSequenceLength(NodeImporter &n) {
  FailureOr<graph::SequenceType> seq = sequenceInput(n, 0);
  if (failed(seq))
    return failure();
  n.setResult(n.constant(Tensor::scalarI(DType::I64, seq->size())));
  return success();
}

static LogicalResult importConcatFromSequence(NodeImporter &n) {
  FailureOr<graph::SequenceType> seq = sequenceInput(n, 0);
  if (failed(seq))
    return failure();
  if (!n.hasAttr("axis"))
    return n.error("needs the 'axis' attribute");
  if (seq->size() == 0)
    return n.error("cannot concatenate an empty sequence");
  SmallVector<Value> elements = sequenceElements(n.b, n.loc, n.input(0));
  int64_t rank = graph::shapeOf(elements[0].getType()).size();
  bool newAxis = n.attrInt("new_axis", 0) != 0;
  // With new_axis the elements are stacked: axis ranges over rank + 1.
  FailureOr<int64_t> axis =
      n.normalizeAxis(n.attrInt("axis", 0), rank + (newAxis ? 1 : 0));
  if (failed(axis))
    return failure();
  if (newAxis) {
    for (Value &v : elements) {
      Shape shape = graph::shapeOf(v.getType());
      std::vector<int64_t> stacked(shape.begin(), shape.end());
      stacked.insert(stacked.begin() + *axis, 1);
      auto reshaped = n.create<graph::ReshapeOp>(
          v, {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(stacked))});
      if (failed(reshaped))
        return failure();
      v = reshaped->getResult();
    }
  }
  return n.emit<graph::ConcatOp>(
      elements, {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(*axis))});
}

static LogicalResult importSplitToSequence(NodeImporter &n) {
  auto type = dyn_cast<RankedTensorType>(n.input(0).getType());
  if (!type)
    return n.error("input 0 must be a tensor");
  Shape shape = graph::shapeOf(type);
  FailureOr<int64_t> axis = n.normalizeAxis(n.attrInt("axis", 0), shape.size());
  if (failed(axis))
    return failure();
  int64_t length = shape[*axis];
  bool keepdims = n.attrInt("keepdims", 1) != 0;
  std::vector<int64_t> sizes;
  if (n.hasInput(1)) {
    FailureOr<std::vector<int64_t>> split = n.requireConstantInts(1, "split");
    if (failed(split))
      return failure();
    std::optional<Tensor> t = n.constantInput(1);
    if (t->shape().empty()) {
      // A scalar: pieces of that size, the last one shorter.
      int64_t size = split->front();
      if (size <= 0)
        return n.error("'split' must be positive, got " + Twine(size));
      for (int64_t start = 0; start < length; start += size)
        sizes.push_back(std::min(size, length - start));
    } else {
      int64_t total = 0;
      for (int64_t s : *split) {
        if (s < 0)
          return n.error("'split' sizes must not be negative");
        total += s;
      }
      if (total != length)
        return n.error("'split' sizes add up to " + Twine(total) +
                       ", the axis has " + Twine(length));
      sizes = *split;
    }
    keepdims = true; // ONNX ignores keepdims when 'split' is given
  } else {
    sizes.assign(length, 1);
  }
  SmallVector<Value> elements;
  int64_t start = 0;
  for (int64_t size : sizes) {
    std::vector<int64_t> starts(shape.size(), 0),
        ends(shape.begin(), shape.end()), steps(shape.size(), 1);
    starts[*axis] = start;
    ends[*axis] = start + size;
    start += size;
    auto slice = n.create<graph::SliceOp>(
        n.input(0),
        {n.b.getNamedAttr("starts", n.b.getDenseI64ArrayAttr(starts)),
         n.b.getNamedAttr("ends", n.b.getDenseI64ArrayAttr(ends)),
         n.b.getNamedAttr("steps", n.b.getDenseI64ArrayAttr(steps))});
    if (failed(slice))
      return failure();
    Value piece = slice->getResult();
    if (!keepdims) {
      std::vector<int64_t> squeezed(shape.begin(), shape.end());
      squeezed.erase(squeezed.begin() + *axis);
      auto reshaped = n.create<graph::ReshapeOp>(
          piece,
          {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(squeezed))});
      if (failed(reshaped))
        return failure();
      piece = reshaped->getResult();
    }
    elements.push_back(piece);
  }
  n.setResult(buildSequence(n.b, n.loc, type.getElementType(), elements));
  return success();
}

static LogicalResult importOptional(NodeImporter &n) {
  if (n.hasInput(0)) {
    Value v = n.input(0);
    auto type = graph::OptionalType::get(n.b.getContext(), v.getType(), true);
    n.setResult(graph::OptWrapOp::create(n.b, n.loc, type, v).getResult());
    return success();
  }
  const onnx::AttributeProto *attr = n.attr("type");
  if (!attr || !attr->has_tp())
    return n.error("an empty Optional needs the 'type' attribute");
  std::string error;
  Type valueType = typeFromProto(n.b.getContext(), attr->tp(), error);
  if (!valueType)
    return n.error("'type': " + error);
  auto type = graph::OptionalType::get(n.b.getContext(), valueType, false);
  n.setResult(graph::OptNoneOp::create(n.b, n.loc, type).getResult());
  return success();
}

static FailureOr<graph::OptionalType> optionalInput(NodeImporter &n) {
  if (!n.hasInput(0)) {
    (void)n.error("needs an input");
    return failure();
  }
  auto type = dyn_cast<graph::OptionalType>(n.input(0).getType());
  if (!type) {
    (void)n.error("input '" + n.node.input(0) +
                  "' is not an optional (tensor and sequence inputs need "
                  "opset 18)");
    return failure();
  }
  return type;
}

static LogicalResult importOptionalHasElement(NodeImporter &n) {
  FailureOr<graph::OptionalType> type = optionalInput(n);
  if (failed(type))
    return failure();
  n.setResult(n.constant(Tensor::scalarI(DType::Bool, type->getPresent())));
  return success();
}

static LogicalResult importOptionalGetElement(NodeImporter &n) {
  FailureOr<graph::OptionalType> type = optionalInput(n);
  if (failed(type))
    return failure();
  if (!type->getPresent())
    return n.error("the optional '" + n.node.input(0) + "' is empty");
  n.setResult(optionalContent(n.b, n.loc, n.input(0)));
  return success();
}

void registerSequenceImporters(OpImportRegistry &r) {
  r.add("SequenceConstruct", importSequenceConstruct);
  r.add("SequenceEmpty", importSequenceEmpty);
  r.add("SequenceInsert", importSequenceInsert);
  r.add("SequenceAt", importSequenceAt);
  r.add("SequenceErase", importSequenceErase);
  r.add("SequenceLength", importSequenceLength);
  r.add("ConcatFromSequence", importConcatFromSequence);
  r.add("SplitToSequence", importSplitToSequence);
  r.add("Optional", importOptional);
  r.add("OptionalHasElement", importOptionalHasElement);
  r.add("OptionalGetElement", importOptionalGetElement);
}

} // namespace tessera::onnx_import
