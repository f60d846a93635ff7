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

#include "tessera/Support/Tensor.h"

#include "llvm/Support/CommandLine.h"

#include <vector>

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

/// The generation programs' sizes (tessera-compile MODEL_DIR -o OUT/):
/// --seq (default 32 when not given), --cache-capacity (default 128) and
/// --manifest.
void generationProgramOptions(int64_t &seq, int64_t &capacity,
                              std::string &manifest);

/// --weight-quant ("" when not given): see HfImportOptions::weightQuant.
std::string weightQuantOption();

/// Whether --generate was given.
bool generateRequested();
/// tessera-run MODEL_DIR --generate ...: returns the process exit code.
int runHfGenerateMain(llvm::StringRef dir, const std::string &outputDir);
/// The generation options of the command line (--prompt-ids,
/// --max-new-tokens, --save-logits) for tessera-run OUT/ --generate.
bool generationRunOptions(std::vector<int64_t> &promptIds,
                          int64_t &maxNewTokens, bool &saveLogits,
                          std::string &error);
/// Greedy generation of `dir` on the golden evaluator, teacher-forced with
/// `forced` (the device's tokens): every step's logits, for --check.
bool goldenStepLogits(llvm::StringRef dir,
                      const std::vector<int64_t> &promptIds,
                      const std::vector<int64_t> &forced, int64_t steps,
                      int64_t capacity, std::vector<tessera::Tensor> &logits,
                      std::string &error, llvm::StringRef weightQuant = "");

} // namespace tessera::hf

#endif // TESSERA_IMPORT_HUGGINGFACE_HFCOMMANDLINE_H
