//===- Compile.h - Compile a graph module to an NPU program -----*- C++ -*-===//
#ifndef TESSERA_CONVERSION_COMPILE_H
#define TESSERA_CONVERSION_COMPILE_H

#include "tessera/Binary/Program.h"
#include "tessera/Conversion/Passes.h"

namespace tessera::conversion {

/// Runs the whole pipeline on `module` (a graph module, lowered in place)
/// and returns the program it produced. Errors are emitted as diagnostics.
mlir::FailureOr<bin::Program> compileToProgram(mlir::ModuleOp module,
                                               const PipelineOptions &options);

/// The program of a module holding one isa.program.
mlir::FailureOr<bin::Program> programOf(mlir::ModuleOp module);

} // namespace tessera::conversion

#endif
