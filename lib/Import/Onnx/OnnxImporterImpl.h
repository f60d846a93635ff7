//===- OnnxImporterImpl.h - The ONNX import driver's state -----*- C++ -*-===//
//
// The importer's state and methods, shared by OnnxImporter.cpp (the driver,
// If) and ControlFlow.cpp (Loop, Scan, SequenceMap: subgraphs imported once
// per iteration).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_IMPORT_ONNX_ONNXIMPORTERIMPL_H
#define TESSERA_LIB_IMPORT_ONNX_ONNXIMPORTERIMPL_H

#include "tessera/Import/OnnxImporter.h"

#include "Graph/IR/GraphDialect.h"

#include "onnx/onnx_pb.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>

namespace tessera::onnx_import {
class NodeImporter;
} // namespace tessera::onnx_import

namespace tessera {

// Private to the importer's two source files, which both use mlir names
// unqualified.
using namespace mlir;

class OnnxImporter {
public:
  OnnxImporter(MLIRContext *context, const OnnxImportOptions &options,
               std::string fileName, std::string baseDir)
      : context(context), options(options), fileName(std::move(fileName)),
        baseDir(std::move(baseDir)), builder(context) {}

  OwningOpRef<ModuleOp> importModel(onnx::ModelProto &model);

private:
  Location fileLoc() { return FileLineColLoc::get(context, fileName, 0, 0); }
  /// The result of a reported error; converts to whatever the caller returns.
  struct Failed {
    operator LogicalResult() const { return failure(); }
    template <typename T> operator FailureOr<T>() const { return failure(); }
    operator OwningOpRef<ModuleOp>() const { return nullptr; }
  };
  Failed fail(const Twine &message) {
    emitError(fileLoc()) << message;
    return Failed();
  }

  FailureOr<RankedTensorType> valueInfoType(const onnx::ValueInfoProto &info);
  /// A sequence- or optional-typed graph input's type, from the value given
  /// for it (ControlFlow.cpp).
  FailureOr<Type> aggregateInputType(const onnx::ValueInfoProto &info);
  FailureOr<ElementsAttr> constantFromProto(onnx::TensorProto &proto);
  LogicalResult importNodes(const onnx::GraphProto &graph);
  LogicalResult importNode(const onnx::NodeProto &node);
  LogicalResult importConstantNode(const onnx::NodeProto &node, Location loc);
  /// If: a condition known at import time imports the taken branch alone;
  /// one known only at run time imports both and selects each output.
  LogicalResult importIfNode(const onnx::NodeProto &node, Location loc,
                             const std::string &nodeName);
  /// Imports a subgraph's initializers and nodes into the current scope and
  /// returns its outputs; the subgraph's inputs (Loop, Scan and SequenceMap
  /// bodies have them) are bound to `arguments`.
  FailureOr<SmallVector<Value>> importSubgraph(const onnx::GraphProto &graph,
                                               ArrayRef<Value> arguments = {});

  //===--- ControlFlow.cpp: bodies imported once per iteration ------------===//
  /// Loop: unrolled; the trip count and every iteration's condition must be
  /// known at import time.
  LogicalResult importLoopNode(const onnx::NodeProto &node, Location loc,
                               const std::string &nodeName);
  /// Scan (opset 8 with a batch axis, and 9+): unrolled over the scanned
  /// axis, whose length is static.
  LogicalResult importScanNode(const onnx::NodeProto &node, Location loc,
                               const std::string &nodeName);
  /// SequenceMap: the body applied to each position of the sequences.
  LogicalResult importSequenceMapNode(const onnx::NodeProto &node, Location loc,
                                      const std::string &nodeName);
  /// The node's inputs by name (a null Value for ""), or an error naming the
  /// missing one.
  FailureOr<SmallVector<Value>> nodeInputs(const onnx::NodeProto &node,
                                           Location loc,
                                           const std::string &nodeName);
  /// `v`'s value if it is constant at import time, specializing the graph
  /// inputs it is computed from when their values were supplied.
  /// Folding may replace other values: those in `keep` are updated.
  std::optional<Tensor>
  importTimeValue(Value v, ArrayRef<SmallVectorImpl<Value> *> keep);
  /// Folds the ops from `begin` on; returns replaced value -> constant.
  llvm::DenseMap<Value, Value> foldNewOps(Block::iterator begin,
                                          Block::iterator end = {});
  FailureOr<std::vector<const onnx::NodeProto *>>
  sortNodes(const onnx::GraphProto &graph);

  /// Replaces a graph input by the constant value the user supplied.
  Value specialize(Value argument);
  /// An If condition computed from graph inputs whose values were supplied:
  /// specializes them and folds; returns the (possibly constant) condition.
  Value specializeCondition(Value cond);
  /// A node input computed by Casts from a graph input whose value was
  /// supplied: specializes the input and folds the ops before the node
  /// (`nodeStart` and earlier); `importer`'s inputs follow the folding.
  Value specializeThroughCasts(Value v, Operation *&nodeStart,
                               onnx_import::NodeImporter &importer);

  MLIRContext *context;
  const OnnxImportOptions &options;
  func::FuncOp func;
  llvm::DenseMap<Value, std::string> argumentNames;
  llvm::BitVector specializedArgs;
  std::string fileName, baseDir;
  OpBuilder builder;
  int64_t opset = 0;
  /// Values specializeCondition folded away -> their constants (cleared by
  /// importTimeValue, which remaps the values its caller holds).
  llvm::DenseMap<Value, Value> foldedValues;
  /// ONNX value name -> imported value.
  llvm::StringMap<Value> values;
  /// Mapped external-data files, shared by the blobs that point into them.
  llvm::StringMap<std::shared_ptr<llvm::MemoryBuffer>> externalFiles;
};

} // namespace tessera

#endif // TESSERA_LIB_IMPORT_ONNX_ONNXIMPORTERIMPL_H
