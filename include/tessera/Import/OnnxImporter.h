//===- OnnxImporter.h - ONNX model -> graph dialect -------------*- C++ -*-===//
//
// Reads an .onnx file (with external-data tensors), runs ONNX's checker and
// shape inference, and builds a module holding `func.func @main` of graph
// ops. Weights become resource-backed constants that point at the model's
// own storage, so nothing large is copied.
//
// Errors are reported through the context's diagnostic engine, each naming
// the file and, where one applies, the node, its op type and opset.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_IMPORT_ONNXIMPORTER_H
#define TESSERA_IMPORT_ONNXIMPORTER_H

#include "tessera/Import/OnnxSequence.h"
#include "tessera/Support/Tensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tessera {

struct OnnxImportOptions {
  /// Static shapes for graph inputs with dynamic dimensions: name -> dims.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Values of graph inputs, by name, for specialization: an input that a
  /// node needs as a constant (a Reshape's shape, a Slice's starts, ...) and
  /// that has a value here becomes that constant and leaves the function's
  /// signature (recorded in the `graph.specialized_inputs` attribute).
  /// Inputs used only as data stay arguments.
  std::map<std::string, Tensor> inputValues;
  /// Graph inputs fixed at compile time (tessera-compile --bind): each
  /// becomes a constant and leaves the function's signature whether a node
  /// needs it as a constant or as data.
  std::map<std::string, Tensor> boundInputs;
  /// Values of sequence- and optional-typed graph inputs, by name: their
  /// lengths, element shapes and presence become the inputs' types.
  std::map<std::string, OnnxAggregateValue> aggregateInputs;
  /// Run onnx::checker::check_model before importing.
  bool runChecker = true;
  /// Results of nodes whose inputs are all constant are computed at import
  /// time (this is how shape subgraphs become static) when they have at
  /// most this many elements.
  int64_t foldElementLimit = 1 << 16;
  /// Name of the generated function.
  std::string functionName = "main";
};

/// Imports a model file. Returns null after emitting an error.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxFile(const std::string &path, mlir::MLIRContext *context,
               const OnnxImportOptions &options = {});

/// Imports a model from an in-memory serialized ModelProto; external data is
/// resolved relative to `baseDir`.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxBytes(const std::string &bytes, const std::string &displayName,
                const std::string &baseDir, mlir::MLIRContext *context,
                const OnnxImportOptions &options = {});

/// Parses "name=1x128" (as given to --input-shape) into `options`.
bool parseInputShapeSpec(const std::string &spec, OnnxImportOptions &options,
                         std::string &error);

/// Parses "name=FILE" (as given to --bind; FILE is .npy or an ONNX
/// TensorProto .pb) into `options.boundInputs`; the array's shape also fixes
/// the input's dynamic dimensions.
bool parseBindSpec(const std::string &spec, OnnxImportOptions &options,
                   std::string &error);

/// Names of a model file's graph inputs (initializers excluded), in order.
/// Returns false and sets `error` if the file cannot be read.
bool listOnnxInputs(const std::string &path, std::vector<std::string> &names,
                    std::string &error);

/// Registers the dialects the importer produces.
void registerImportDialects(mlir::MLIRContext &context);

} // namespace tessera

#endif // TESSERA_IMPORT_ONNXIMPORTER_H
