//===- CostSummary.h - What an imported LLM costs ---------------*- C++ -*-===//
//
// Parameters (all, and active per token: MoE layers count only the experts a
// token is routed to), arithmetic per token from the graph ops' own cost
// interface, KV-cache bytes per token and weight bytes of an imported
// Hugging Face model. Works on a graph built from a weight manifest (no
// weight bytes are read).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_IMPORT_HUGGINGFACE_COSTSUMMARY_H
#define TESSERA_IMPORT_HUGGINGFACE_COSTSUMMARY_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace tessera::hf {

struct CostSummary {
  int64_t tokens = 0;
  /// Elements of the weights the graph uses (FP8 block scales excluded).
  int64_t parameters = 0;
  /// Of those, what one token uses: routed experts it is not sent to do not
  /// count.
  int64_t activeParameters = 0;
  /// Embedding table elements (one row per token is read, not multiplied).
  int64_t embeddingParameters = 0;
  /// Bytes of every weight tensor the graph references, as stored.
  int64_t weightBytes = 0;
  /// Graph FLOPs per token, excluding work on weights alone (dtype
  /// conversion, FP8 dequantization), which is `weightPreparationFlops`.
  int64_t flopsPerToken = 0;
  int64_t weightPreparationFlops = 0;
  /// Cache elements one token adds over all imported layers.
  int64_t kvElementsPerToken = 0;
  int64_t ops = 0;
};

/// Summarises `module` (an importer result for `tokens` tokens per call).
CostSummary summarizeCost(mlir::ModuleOp module, int64_t tokens);
void printCostSummary(llvm::raw_ostream &os, const CostSummary &summary);

} // namespace tessera::hf

#endif // TESSERA_IMPORT_HUGGINGFACE_COSTSUMMARY_H
