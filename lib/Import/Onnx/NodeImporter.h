//===- NodeImporter.h - Per-node import context and op registry -*- C++ -*-===//
//
// Each ONNX op type has an import function that turns one NodeProto into
// graph ops. The functions live in Import<Category>.cpp files and register
// themselves in an OpImportRegistry; they see the node through NodeImporter,
// which resolves inputs, reads attributes with defaults, exposes constant
// inputs as host tensors (after import-time folding, shape subgraphs are
// constants) and reports errors naming the node, its op type and opset.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_IMPORT_ONNX_NODEIMPORTER_H
#define TESSERA_LIB_IMPORT_ONNX_NODEIMPORTER_H

#include "Graph/IR/GraphDialect.h"
#include "tessera/Support/Tensor.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace onnx {
class NodeProto;
class AttributeProto;
} // namespace onnx

namespace tessera::onnx_import {

class NodeImporter {
public:
  NodeImporter(const onnx::NodeProto &node, int64_t opset,
               mlir::OpBuilder &builder, mlir::Location loc,
               std::vector<mlir::Value> inputs, std::string fileName)
      : node(node), opset(opset), b(builder), loc(loc),
        inputs(std::move(inputs)), fileName(std::move(fileName)) {}

  const onnx::NodeProto &node;
  /// The model's opset for the default ONNX domain.
  int64_t opset;
  mlir::OpBuilder &b;
  mlir::Location loc;

  const std::string &opType() const;
  const std::string &name() const;

  //===--- Inputs
  //----------------------------------------------------------===//
  /// Number of inputs the node lists (including empty optional ones).
  size_t numInputs() const { return inputs.size(); }
  /// The i-th input, or a null Value when absent or given as "".
  mlir::Value input(size_t i) const {
    return i < inputs.size() ? inputs[i] : mlir::Value();
  }
  bool hasInput(size_t i) const { return (bool)input(i); }
  /// The value of input i if it is (or folded to) a constant. A graph input
  /// whose value the user supplied for specialization (see
  /// OnnxImportOptions::inputValues) becomes a constant here.
  std::optional<Tensor> constantInput(size_t i) const;
  /// Like constantInput, but reports an error naming `what` when the input
  /// is missing or not constant (dynamic shapes are not supported).
  mlir::FailureOr<Tensor> requireConstantInput(size_t i, llvm::StringRef what);
  /// Constant input read as a list of integers (for shapes, axes, pads...).
  mlir::FailureOr<std::vector<int64_t>>
  requireConstantInts(size_t i, llvm::StringRef what);
  /// The shape of input i (it must be present).
  Shape inputShape(size_t i) const;
  mlir::Type inputElementType(size_t i) const;
  int64_t inputRank(size_t i) const { return (int64_t)inputShape(i).size(); }

  /// Number of outputs the node lists, and whether output i is used (named).
  size_t numOutputs() const;
  bool wantsOutput(size_t i) const;

  //===--- Attributes
  //------------------------------------------------------===//
  bool hasAttr(llvm::StringRef name) const;
  int64_t attrInt(llvm::StringRef name, int64_t defaultValue) const;
  float attrFloat(llvm::StringRef name, float defaultValue) const;
  std::string attrString(llvm::StringRef name,
                         llvm::StringRef defaultValue) const;
  std::vector<int64_t> attrInts(llvm::StringRef name,
                                std::vector<int64_t> defaultValue = {}) const;
  std::vector<float> attrFloats(llvm::StringRef name) const;
  /// A tensor-valued attribute (Constant's `value`, ConstantOfShape's).
  const onnx::AttributeProto *attr(llvm::StringRef name) const;

  //===--- Results and errors
  //----------------------------------------------===//
  /// Binds the node's outputs, in order. Extra ONNX outputs that the op does
  /// not produce (e.g. Dropout's mask) may be left out if unused.
  void setResults(mlir::ValueRange values);
  void setResult(mlir::Value value) { setResults(mlir::ValueRange(value)); }
  llvm::ArrayRef<mlir::Value> results() const { return resultValues; }

  /// Emits "file: node 'name' (OpType, opset N): message" at the node's
  /// location and returns failure.
  mlir::LogicalResult error(const llvm::Twine &message) const;

  /// Normalizes an axis attribute against `rank`, reporting an error if out
  /// of range.
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank) const;

  /// Builds a constant op holding `t` (small tensors: dense attribute).
  mlir::Value constant(const Tensor &t);

  /// Creates a graph op with inferred result types. Attributes are given by
  /// name (`b.getNamedAttr("axis", b.getI64IntegerAttr(1))`). When the
  /// operands and attributes do not make a valid op (shapes that do not
  /// broadcast, say), reports the reason as the node's error and fails:
  /// never use OpT::create directly here, its builders abort on such input.
  template <typename OpT>
  mlir::FailureOr<OpT> create(mlir::ValueRange operands,
                              llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    mlir::OperationState state(loc, OpT::getOperationName());
    state.addOperands(operands);
    mlir::DictionaryAttr dict = b.getDictionaryAttr(attrs);
    using Props = typename OpT::Properties;
    if constexpr (!std::is_same_v<Props, mlir::EmptyProperties>) {
      Props &props = state.getOrAddProperties<Props>();
      if (mlir::failed(OpT::setPropertiesFromAttr(
              props, dict, [&] { return mlir::emitError(loc); })))
        return error("invalid attributes for " + OpT::getOperationName());
      // Absent attributes take their ODS defaults, as Operation::create
      // would do; type inference reads them.
      OpT::populateDefaultProperties(state.name, props);
    } else {
      state.addAttributes(attrs);
    }
    llvm::SmallVector<mlir::Type> types;
    if (mlir::failed(inferTypes(state, [&](std::optional<mlir::Location> l) {
          return OpT::inferReturnTypes(b.getContext(), l, state.operands, dict,
                                       state.getRawProperties(), state.regions,
                                       types);
        })))
      return mlir::failure();
    state.addTypes(types);
    mlir::Operation *op = b.create(state);
    // Operand constraints (element types, ...) are the verifier's job; run
    // it now, before anything evaluates the op during import-time folding.
    if (mlir::failed(verifyCreated(op)))
      return mlir::failure();
    return llvm::cast<OpT>(op);
  }

  /// create<OpT>() and bind its results as the node's outputs.
  template <typename OpT>
  mlir::LogicalResult emit(mlir::ValueRange operands,
                           llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    auto op = create<OpT>(operands, attrs);
    if (mlir::failed(op))
      return mlir::failure();
    setResults((*op)->getResults());
    return mlir::success();
  }

  /// Set by the driver: turns the graph input behind `value` (the input
  /// itself or Casts of it) into a constant if the user supplied its value;
  /// returns the constant or a null Value.
  std::function<mlir::Value(mlir::Value)> specializeInput;
  /// Points inputs at the constants that folding replaced them with.
  void replaceInputs(const llvm::DenseMap<mlir::Value, mlir::Value> &replaced) {
    for (mlir::Value &v : inputs)
      if (mlir::Value r = replaced.lookup(v))
        v = r;
  }

private:
  /// Runs `infer`, turning the diagnostics it emits into one node error.
  mlir::LogicalResult inferTypes(
      mlir::OperationState &state,
      llvm::function_ref<mlir::LogicalResult(std::optional<mlir::Location>)>
          infer);
  /// Verifies a just-created op (and that its results are not absurdly
  /// large); on failure erases it and reports one node error.
  mlir::LogicalResult verifyCreated(mlir::Operation *op);

  mutable std::vector<mlir::Value> inputs;
  std::vector<mlir::Value> resultValues;
  std::string fileName;
};

using OpImportFn = std::function<mlir::LogicalResult(NodeImporter &)>;

/// ONNX op type (default domain) -> import function.
class OpImportRegistry {
public:
  void add(llvm::StringRef opType, OpImportFn fn) {
    table[opType] = std::move(fn);
  }
  const OpImportFn *lookup(llvm::StringRef opType) const {
    auto it = table.find(opType);
    return it == table.end() ? nullptr : &it->second;
  }
  std::vector<std::string> opTypes() const;

private:
  llvm::StringMap<OpImportFn> table;
};

/// The registry with every supported op (built once).
const OpImportRegistry &getOpImportRegistry();

// One function per Import<Category>.cpp file.
void registerElementwiseImporters(OpImportRegistry &registry);
void registerLinalgImporters(OpImportRegistry &registry);
void registerNormImporters(OpImportRegistry &registry);
void registerReductionImporters(OpImportRegistry &registry);
void registerDataImporters(OpImportRegistry &registry);
void registerNNImporters(OpImportRegistry &registry);
void registerRecurrentImporters(OpImportRegistry &registry);
void registerQuantizedImporters(OpImportRegistry &registry);
void registerSignalImporters(OpImportRegistry &registry);
void registerSamplingImporters(OpImportRegistry &registry);
void registerTextImporters(OpImportRegistry &registry);
void registerSequenceImporters(OpImportRegistry &registry);

//===--- Quantization helpers (ImportQuantized.cpp) ----------------------===//
/// `v` cast to element type `t` (unchanged if it has it).
mlir::FailureOr<mlir::Value> castValue(NodeImporter &n, mlir::Value v,
                                       mlir::Type t);
/// A scalar or per-axis (1-D) parameter reshaped to broadcast along `axis`
/// of a rank-`rank` tensor; `what` names it in errors.
mlir::FailureOr<mlir::Value> alongAxis(NodeImporter &n, mlir::Value p,
                                       int64_t axis, int64_t rank,
                                       llvm::StringRef what);
/// cast<qt>(clip(round(v) + zp, qmin, qmax)); `zp` (f32) may be null.
mlir::FailureOr<mlir::Value> requantize(NodeImporter &n, mlir::Value v,
                                        mlir::Value zp, mlir::Type qt);
/// float(input i) - float(input zpIndex) (absent zero point: none), the zero
/// point laid along `axis` when per-axis.
mlir::FailureOr<mlir::Value> shiftedFloat(NodeImporter &n, size_t i,
                                          size_t zpIndex, int64_t axis);
/// (s0 * s1) / s2 of the inputs `scales` (input index, axis) in f32.
mlir::FailureOr<mlir::Value>
outputMultiplier(NodeImporter &n,
                 llvm::ArrayRef<std::pair<size_t, int64_t>> scales,
                 int64_t rank);
/// The tail of QLinearConv/QLinearMatMul: the f32 accumulator `acc` (of rank
/// `rank`) times outputMultiplier(`scales`), requantized to y's zero point
/// (input 7) and type; sets the node's result.
mlir::LogicalResult
requantizeQLinearOutput(NodeImporter &n, mlir::Value acc,
                        llvm::ArrayRef<std::pair<size_t, int64_t>> scales,
                        int64_t rank);

/// BatchNormalization with training_mode=1 (ImportTrainingNorm.cpp).
mlir::LogicalResult importBatchNormTraining(NodeImporter &n);

/// Helper for ops whose graph op takes the node's inputs as they are and
/// no attributes: `r.add("Exp", simpleOp<graph::ExpOp>)`.
template <typename OpT> mlir::LogicalResult simpleOp(NodeImporter &n) {
  llvm::SmallVector<mlir::Value> operands;
  for (size_t i = 0; i < n.numInputs(); ++i)
    if (n.hasInput(i))
      operands.push_back(n.input(i));
  return n.emit<OpT>(operands);
}

} // namespace tessera::onnx_import

#endif // TESSERA_LIB_IMPORT_ONNX_NODEIMPORTER_H
