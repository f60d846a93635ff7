//===- Generation.h - Greedy generation on the golden evaluator -*- C++ -*-===//
//
// Prefill then greedy decode of a Hugging Face model, every step evaluated
// by the graph dialect's golden evaluator: the prefill graph for the prompt,
// then the decode graph (one token, caches of a fixed capacity) once per
// further token, feeding each step's caches to the next.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_IMPORT_HUGGINGFACE_GENERATION_H
#define TESSERA_IMPORT_HUGGINGFACE_GENERATION_H

#include "tessera/Import/HuggingFace/HfImporter.h"
#include "tessera/Support/Tensor.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace tessera::hf {

struct GenerateOptions {
  std::vector<int64_t> promptIds;
  int64_t maxNewTokens = 32;
  /// Cache entries; 0: prompt + new tokens.
  int64_t cacheCapacity = 0;
  /// Writes tokens.npy (and logits_<step>.npy) here when not empty.
  std::string outputDir;
  bool saveLogits = false;
  /// Teacher forcing (tessera-run OUT/ --generate --check): step n feeds
  /// forcedTokens[n - 1] instead of its own greedy choice, so every step's
  /// logits can be compared with another generator's.
  std::vector<int64_t> forcedTokens;
  /// When set, receives every step's logits ([1, vocab]).
  std::vector<Tensor> *stepLogits = nullptr;
  /// Print the `tokens:` line.
  bool print = true;
  /// HfImportOptions::weightQuant of both phases (--weight-quant).
  std::string weightQuant;
};

/// Runs the generation, printing `tokens: id id ...` on `os`. Errors are
/// emitted on `context`.
mlir::LogicalResult generate(const HfModel &model, mlir::MLIRContext *context,
                             const GenerateOptions &options,
                             llvm::raw_ostream &os);

/// Parses "1,5,9".
bool parseTokenIds(llvm::StringRef text, std::vector<int64_t> &ids,
                   std::string &error);

} // namespace tessera::hf

#endif // TESSERA_IMPORT_HUGGINGFACE_GENERATION_H
