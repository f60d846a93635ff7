//===- GraphSequence.cpp - Sequence and optional types and ops ------------===//
//
// The types' syntax and verifiers, the verifiers of the ops that build and
// take them apart, and the flattening the golden evaluator uses at a
// function's boundary.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

#define GET_TYPEDEF_CLASSES
#include "Graph/IR/GraphTypes.cpp.inc"

namespace tessera::graph {

void GraphDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "Graph/IR/GraphTypes.cpp.inc"
      >();
}

static bool isStaticTensor(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  return tensor && tensor.hasStaticShape();
}

//===----------------------------------------------------------------------===//
// !graph.seq<f32, [tensor<2xf32>, ...]>
//===----------------------------------------------------------------------===//

LogicalResult SequenceType::verify(function_ref<InFlightDiagnostic()> emitError,
                                   Type elementType, ArrayRef<Type> elements) {
  if (!toDType(elementType))
    return emitError() << "sequence element type " << elementType
                       << " is not a tensor element type";
  for (auto [i, t] : llvm::enumerate(elements)) {
    if (!isStaticTensor(t))
      return emitError() << "sequence element " << i << " (" << t
                         << ") is not a statically shaped tensor";
    if (cast<RankedTensorType>(t).getElementType() != elementType)
      return emitError() << "sequence element " << i << " (" << t
                         << ") does not have the sequence's element type "
                         << elementType;
  }
  return success();
}

Type SequenceType::parse(AsmParser &parser) {
  Type elementType;
  SmallVector<Type> elements;
  if (parser.parseLess() || parser.parseType(elementType) ||
      parser.parseComma() ||
      parser.parseCommaSeparatedList(
          AsmParser::Delimiter::Square,
          [&] { return parser.parseType(elements.emplace_back()); }) ||
      parser.parseGreater())
    return {};
  return parser.getChecked<SequenceType>(parser.getContext(), elementType,
                                         elements);
}

void SequenceType::print(AsmPrinter &printer) const {
  printer << '<' << getElementType() << ", [";
  llvm::interleaveComma(getElements(), printer);
  printer << "]>";
}

//===----------------------------------------------------------------------===//
// !graph.opt<T>, !graph.opt<none, T>
//===----------------------------------------------------------------------===//

LogicalResult OptionalType::verify(function_ref<InFlightDiagnostic()> emitError,
                                   Type valueType, bool) {
  if (!isStaticTensor(valueType) && !isa<SequenceType>(valueType))
    return emitError() << "an optional holds a statically shaped tensor or a "
                          "sequence, not "
                       << valueType;
  return success();
}

Type OptionalType::parse(AsmParser &parser) {
  Type valueType;
  bool present = true;
  if (parser.parseLess())
    return {};
  if (succeeded(parser.parseOptionalKeyword("none"))) {
    present = false;
    if (parser.parseComma())
      return {};
  }
  if (parser.parseType(valueType) || parser.parseGreater())
    return {};
  return parser.getChecked<OptionalType>(parser.getContext(), valueType,
                                         present);
}

void OptionalType::print(AsmPrinter &printer) const {
  printer << '<';
  if (!getPresent())
    printer << "none, ";
  printer << getValueType() << '>';
}

//===----------------------------------------------------------------------===//
// Flattening
//===----------------------------------------------------------------------===//

void flattenTypes(Type t, SmallVectorImpl<Type> &out) {
  if (auto seq = dyn_cast<SequenceType>(t)) {
    out.append(seq.getElements().begin(), seq.getElements().end());
  } else if (auto opt = dyn_cast<OptionalType>(t)) {
    if (opt.getPresent())
      flattenTypes(opt.getValueType(), out);
  } else {
    out.push_back(t);
  }
}

bool isAggregateType(Type t) { return isa<SequenceType, OptionalType>(t); }

//===----------------------------------------------------------------------===//
// Op verifiers
//===----------------------------------------------------------------------===//

LogicalResult SeqConstructOp::verify() {
  auto type = cast<SequenceType>(getType());
  if (!llvm::equal(getInputs().getTypes(), type.getElements()))
    return emitOpError("result type ")
           << type << " does not list the operands' types in order";
  return success();
}

LogicalResult SeqAtOp::verify() {
  auto type = getSequence().getType();
  int64_t index = getIndex();
  if (index >= (int64_t)type.size())
    return emitOpError("index ")
           << index << " is out of range for a sequence of " << type.size()
           << " elements";
  if (getType() != type.getElements()[index])
    return emitOpError("result type ")
           << getType() << " is not element " << index << "'s type "
           << type.getElements()[index];
  return success();
}

LogicalResult OptWrapOp::verify() {
  auto type = getType();
  if (!type.getPresent() || type.getValueType() != getInput().getType())
    return emitOpError("result type ")
           << type << " must be a present optional of " << getInput().getType();
  return success();
}

LogicalResult OptNoneOp::verify() {
  if (getType().getPresent())
    return emitOpError("result type ")
           << getType() << " must be an empty optional (opt<none, T>)";
  return success();
}

LogicalResult OptGetOp::verify() {
  auto type = getInput().getType();
  if (!type.getPresent())
    return emitOpError("the optional ")
           << type << " is empty: it holds no value to get";
  if (getType() != type.getValueType())
    return emitOpError("result type ")
           << getType() << " is not the optional's value type "
           << type.getValueType();
  return success();
}

} // namespace tessera::graph
