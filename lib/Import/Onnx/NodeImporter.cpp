//===- NodeImporter.cpp - Per-node import context -------------------------===//

#include "NodeImporter.h"

#include "onnx/onnx_pb.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;

namespace tessera::onnx_import {

const std::string &NodeImporter::opType() const { return node.op_type(); }
const std::string &NodeImporter::name() const { return node.name(); }

LogicalResult NodeImporter::error(const Twine &message) const {
  std::string nodeName = node.name().empty() ? "<unnamed>" : node.name();
  // The location already names the file (and prints it first).
  emitError(loc) << "node '" << nodeName << "' (" << node.op_type()
                 << ", opset " << opset << "): " << message;
  return failure();
}

std::optional<Tensor> NodeImporter::constantInput(size_t i) const {
  Value v = input(i);
  if (!v)
    return std::nullopt;
  auto cst = v.getDefiningOp<graph::ConstantOp>();
  if (!cst && specializeInput) {
    if (Value specialized = specializeInput(v)) {
      inputs[i] = specialized;
      cst = specialized.getDefiningOp<graph::ConstantOp>();
    }
  }
  if (!cst)
    return std::nullopt;
  FailureOr<Tensor> t = graph::elementsToTensor(cst.getValue());
  if (failed(t))
    return std::nullopt;
  return std::move(*t);
}

FailureOr<Tensor> NodeImporter::requireConstantInput(size_t i, StringRef what) {
  if (!hasInput(i)) {
    (void)error("input '" + what + "' is required");
    return failure();
  }
  std::optional<Tensor> t = constantInput(i);
  if (!t) {
    (void)error("input '" + what + "' ('" + node.input(i) +
                "') must be a constant or computable from constants at "
                "import time (dynamic shapes are not supported)");
    return failure();
  }
  return std::move(*t);
}

FailureOr<std::vector<int64_t>>
NodeImporter::requireConstantInts(size_t i, StringRef what) {
  FailureOr<Tensor> t = requireConstantInput(i, what);
  if (failed(t))
    return failure();
  std::vector<int64_t> values(t->numElements());
  for (int64_t k = 0; k < t->numElements(); ++k)
    values[k] = t->getI(k);
  return values;
}

Shape NodeImporter::inputShape(size_t i) const {
  auto type = cast<ShapedType>(input(i).getType());
  return Shape(type.getShape().begin(), type.getShape().end());
}

Type NodeImporter::inputElementType(size_t i) const {
  return cast<ShapedType>(input(i).getType()).getElementType();
}

size_t NodeImporter::numOutputs() const { return node.output_size(); }

bool NodeImporter::wantsOutput(size_t i) const {
  return (int)i < node.output_size() && !node.output(i).empty();
}

const onnx::AttributeProto *NodeImporter::attr(StringRef name) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

bool NodeImporter::hasAttr(StringRef name) const { return attr(name); }

int64_t NodeImporter::attrInt(StringRef name, int64_t defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : defaultValue;
}

float NodeImporter::attrFloat(StringRef name, float defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : defaultValue;
}

std::string NodeImporter::attrString(StringRef name,
                                     StringRef defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : defaultValue.str();
}

std::vector<int64_t> NodeImporter::attrInts(StringRef name,
                                            std::vector<int64_t> dflt) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return dflt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::vector<float> NodeImporter::attrFloats(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return {};
  return std::vector<float>(a->floats().begin(), a->floats().end());
}

void NodeImporter::setResults(ValueRange values) {
  resultValues.assign(values.begin(), values.end());
}

FailureOr<int64_t> NodeImporter::normalizeAxis(int64_t axis,
                                               int64_t rank) const {
  if (axis < -rank || axis >= rank) {
    (void)error("axis " + Twine(axis) + " is out of range for rank " +
                Twine(rank));
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

Value NodeImporter::constant(const Tensor &t) {
  return graph::ConstantOp::create(b, loc,
                                   graph::tensorToElements(b.getContext(), t));
}

LogicalResult NodeImporter::inferTypes(
    OperationState &state,
    function_ref<LogicalResult(std::optional<Location>)> infer) {
  // Collect what type inference says so the user sees one error that names
  // the node, instead of a bare message about a graph op they never wrote.
  std::string messages;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(b.getContext(), [&](Diagnostic &diag) {
      if (!messages.empty())
        messages += "; ";
      messages += diag.str();
      return success();
    });
    result = infer(loc);
  }
  if (failed(result))
    return error("cannot build " + state.name.getStringRef() + ": " +
                 (messages.empty() ? "invalid operands" : messages));
  return success();
}

LogicalResult NodeImporter::verifyCreated(Operation *op) {
  std::string messages;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(b.getContext(), [&](Diagnostic &diag) {
      if (!messages.empty())
        messages += "; ";
      messages += diag.str();
      return success();
    });
    result = verify(op, /*verifyRecursively=*/false);
  }
  std::string name = op->getName().getStringRef().str();
  if (failed(result)) {
    op->erase();
    return error("invalid " + name + ": " + messages);
  }
  // Every graph result must fit the element-count limit of graph inputs.
  for (Type t : op->getResultTypes())
    if (auto shaped = dyn_cast<ShapedType>(t))
      if (shapeNumElements(
              Shape(shaped.getShape().begin(), shaped.getShape().end())) >
          (int64_t(1) << 40)) {
        op->erase();
        return error("the result of " + name +
                     " would have more than 2^40 "
                     "elements");
      }
  return success();
}

std::vector<std::string> OpImportRegistry::opTypes() const {
  std::vector<std::string> names;
  for (const auto &entry : table)
    names.push_back(entry.getKey().str());
  std::sort(names.begin(), names.end());
  return names;
}

const OpImportRegistry &getOpImportRegistry() {
  static const OpImportRegistry registry = [] {
    OpImportRegistry r;
    registerElementwiseImporters(r);
    registerLinalgImporters(r);
    registerNormImporters(r);
    registerReductionImporters(r);
    registerDataImporters(r);
    registerNNImporters(r);
    registerRecurrentImporters(r);
    registerQuantizedImporters(r);
    registerSignalImporters(r);
    registerSamplingImporters(r);
    registerTextImporters(r);
    registerSequenceImporters(r);
    return r;
  }();
  return registry;
}

} // namespace tessera::onnx_import
