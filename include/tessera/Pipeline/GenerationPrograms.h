//===- GenerationPrograms.h - Prefill and decode programs -------*- C++ -*-===//
//
// tessera-compile MODEL_DIR -o OUT/ compiles a Hugging Face model into the
// programs of token generation on the NPU: OUT/prefill.npu (up to `seq`
// prompt tokens, their count a run-time input), OUT/decode.npu (one token
// at a run-time position against caches of `capacity` entries), the one
// weight file both read (OUT/weights.bin) and OUT/generate.json, which ties
// them together (docs/generation.md).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_PIPELINE_GENERATIONPROGRAMS_H
#define TESSERA_PIPELINE_GENERATIONPROGRAMS_H

#include "tessera/Pipeline/Pipeline.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <functional>
#include <string>

namespace tessera::pipeline {

struct GenerationCompileOptions {
  /// Prompt tokens the prefill program takes at most.
  int64_t seq = 32;
  /// KV-cache entries (prompt + generated tokens - 1 at most).
  int64_t capacity = 128;
  /// A weight-layout manifest instead of the directory's safetensors
  /// (programs without weight bytes: for measuring compile time only).
  std::string manifest;
  /// HfImportOptions::weightQuant (--weight-quant), recorded in
  /// generate.json so --check's golden quantizes the same way.
  std::string weightQuant;
};

/// Compiles both programs and writes OUT/. Errors are emitted on `context`.
mlir::LogicalResult compileGenerationPrograms(
    llvm::StringRef modelDir, llvm::StringRef outDir,
    const PipelineOptions &pipelineOptions,
    const GenerationCompileOptions &options, mlir::MLIRContext &context,
    const std::function<mlir::LogicalResult(mlir::PassManager &)> &configure =
        nullptr);

/// Whether `-o PATH` names an output directory (ends with '/' or is one).
bool isOutputDirectory(llvm::StringRef path);

} // namespace tessera::pipeline

#endif // TESSERA_PIPELINE_GENERATIONPROGRAMS_H
