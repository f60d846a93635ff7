//===- OnnxImportFuzzer.cpp - libFuzzer: ONNX bytes -> graph IR -----------===//
//
// The whole import path a model from a stranger takes: protobuf parsing, the
// ONNX checker, the pre-inference checks, ONNX shape inference, the node
// importers and constant folding through the golden kernels. External data
// is resolved against a directory that does not exist.
//
//===----------------------------------------------------------------------===//
#include "tessera/Import/OnnxImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: resources (weights) live in the context.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  tessera::registerImportDialects(context);
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  tessera::OnnxImportOptions options;
  options.runChecker = true;
  std::string bytes((const char *)data, size);
  (void)tessera::importOnnxBytes(bytes, "fuzz.onnx", "/nonexistent/fuzz",
                                 &context, options);
  return 0;
}
