//===- HfCommandLine.h - Hugging Face options of the tools ------*- C++ -*-===//
//
// The command-line options that tessera-compile and tessera-run share for
// Hugging Face model directories (--seq, --phase, --cache-capacity,
// --layers, --manifest, --cost-summary, --generate, ...), registered once
// like MLIR's own option groups, and the actions they drive, so the tools
// only dispatch.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_IMPORT_HUGGINGFACE_HFCOMMANDLINE_H
#define TESSERA_IMPORT_HUGGINGFACE_HFCOMMANDLINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/Support/CommandLine.h"

namespace tessera::hf {

/// Registers the options (call before cl::ParseCommandLineOptions).
void registerHfCommandLineOptions();
llvm::cl::OptionCategory &hfOptionCategory();

/// Whether `input` should go through the Hugging Face importer: a model
/// directory, or any input when --manifest is given.
bool isHfInput(llvm::StringRef input);

/// Imports `dir` with the options given on the command line; prints the
/// cost summary when --cost-summary is set. Null after an error.
mlir::OwningOpRef<mlir::ModuleOp>
importHfFromCommandLine(llvm::StringRef dir, mlir::MLIRContext *context);

/// Whether --generate was given.
bool generateRequested();
/// tessera-run MODEL_DIR --generate ...: returns the process exit code.
int runHfGenerateMain(llvm::StringRef dir, const std::string &outputDir);

} // namespace tessera::hf

#endif // TESSERA_IMPORT_HUGGINGFACE_HFCOMMANDLINE_H
