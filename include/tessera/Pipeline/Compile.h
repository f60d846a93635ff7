//===- Compile.h - Load a model, run the pipeline, get a program -*- C++ -*-=//
//
// The compile driver behind tessera-compile, the C API and the Python
// module: load a model (ONNX file or bytes, MLIR text), run a stage range of
// the pipeline, print a stage or serialize the program.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_PIPELINE_COMPILE_H
#define TESSERA_PIPELINE_COMPILE_H

#include "tessera/Binary/Program.h"
#include "tessera/Import/OnnxImporter.h"
#include "tessera/Pipeline/Pipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

#include <functional>

namespace tessera::pipeline {

/// Loads every dialect a model or any stage of it may contain.
void loadAllDialects(mlir::MLIRContext &context);

/// Loads a model file: `.onnx` through the ONNX importer, anything else is
/// parsed as MLIR (its buffer is added to `sourceMgr`, which must outlive
/// the diagnostics). Returns null after emitting an error.
mlir::OwningOpRef<mlir::ModuleOp>
loadModelFile(llvm::StringRef path, mlir::MLIRContext &context,
              llvm::SourceMgr &sourceMgr,
              const OnnxImportOptions &importOptions = {});

/// Parses MLIR text held in memory (`name` labels its locations).
mlir::OwningOpRef<mlir::ModuleOp> parseModule(llvm::StringRef text,
                                              llvm::StringRef name,
                                              mlir::MLIRContext &context);

/// Runs the pipeline's passes from stage `from` to `to` on `module`, in
/// place. `configure` may adjust the pass manager first (instrumentation,
/// timing, command-line pass-manager options). Errors are diagnostics.
mlir::LogicalResult runPipeline(
    mlir::ModuleOp module, const PipelineOptions &options, Stage from, Stage to,
    const std::function<mlir::LogicalResult(mlir::PassManager &)> &configure =
        nullptr);

/// The program of a module at the isa stage (one isa.program). With
/// `borrowConstants` its inline constants point into the context's resource
/// blobs instead of being copied (isa::emitProgram): for a program written
/// out while the context lives, as tessera-compile does.
mlir::FailureOr<bin::Program> programOf(mlir::ModuleOp module,
                                        bool borrowConstants = false);

/// Runs the whole pipeline on `module` (a graph module, lowered in place)
/// and returns the program it produced.
mlir::FailureOr<bin::Program> compileToProgram(mlir::ModuleOp module,
                                               const PipelineOptions &options);

/// Prints `module` as tessera-compile --emit prints a stage: the module, or
/// with `assemblyOnly` just its top-level ops (the isa.program as assembly);
/// a trailing newline either way.
void printModule(mlir::ModuleOp module, llvm::raw_ostream &os,
                 mlir::OpPrintingFlags flags = {}, bool assemblyOnly = false);

} // namespace tessera::pipeline

#endif
