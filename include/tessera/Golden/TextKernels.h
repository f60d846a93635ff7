//===- TextKernels.h - Golden kernel of TfIdfVectorizer ---------*- C++ -*-===//
//
// TfIdfVectorizer over integer token ids (ONNX opset 9, following ONNX
// Runtime's kernel, the source of ONNX's expected values). String tokens
// are not supported: Tessera has no string tensors.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GOLDEN_TEXTKERNELS_H
#define TESSERA_GOLDEN_TEXTKERNELS_H

#include "tessera/Support/Tensor.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace tessera::golden {

struct TfIdfOptions {
  int64_t minGramLength = 1, maxGramLength = 1, maxSkipCount = 0;
  /// TF (counts), IDF (weight where present) or TFIDF (count * weight).
  std::string mode = "TF";
  /// Start in `pool` of the 1-grams, 2-grams, ... (one per gram length).
  std::vector<int64_t> ngramCounts;
  /// Output column of each n-gram, in pool order.
  std::vector<int64_t> ngramIndexes;
  std::vector<int64_t> pool;
  /// Empty: every weight is 1.
  std::vector<float> weights;
};

/// X [C] or [N, C] of token ids: [max(ngram_indexes) + 1] or [N, that].
llvm::Expected<Shape> tfIdfShape(const Shape &x, const TfIdfOptions &opts);
llvm::Expected<Tensor> tfIdf(const Tensor &x, const TfIdfOptions &opts);

} // namespace tessera::golden

#endif // TESSERA_GOLDEN_TEXTKERNELS_H
