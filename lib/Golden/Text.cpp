//===- Text.cpp - Golden TfIdfVectorizer ----------------------------------===//
//
// Counts the pool's n-grams in each row: for every skip distance s in
// [0, max_skip_count], every start position and every length n in
// [min_gram_length, max_gram_length], the tokens start, start + (s + 1), ...
// form an n-gram; 1-grams are counted at s = 0 only (they have no gaps).
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/TextKernels.h"

#include "tessera/Golden/Kernels.h"

#include <algorithm>
#include <map>

using llvm::Twine;

namespace tessera::golden {

llvm::Expected<Shape> tfIdfShape(const Shape &x, const TfIdfOptions &opts) {
  if (x.size() != 1 && x.size() != 2)
    return makeError("tfidf_vectorizer input has shape " + shapeToString(x) +
                     "; it must be [C] or [N, C]");
  if (opts.minGramLength < 1 || opts.minGramLength > opts.maxGramLength)
    return makeError("tfidf_vectorizer needs 1 <= min_gram_length (" +
                     Twine(opts.minGramLength) + ") <= max_gram_length (" +
                     Twine(opts.maxGramLength) + ")");
  if (opts.maxSkipCount < 0)
    return makeError("tfidf_vectorizer max_skip_count " +
                     Twine(opts.maxSkipCount) + " must not be negative");
  if (opts.mode != "TF" && opts.mode != "IDF" && opts.mode != "TFIDF")
    return makeError("unknown tfidf_vectorizer mode '" + opts.mode +
                     "' (expected TF, IDF or TFIDF)");
  if ((int64_t)opts.ngramCounts.size() != opts.maxGramLength)
    return makeError("tfidf_vectorizer ngram_counts has " +
                     Twine(opts.ngramCounts.size()) +
                     " starts; it needs one per gram length up to " +
                     Twine(opts.maxGramLength));
  int64_t poolSize = (int64_t)opts.pool.size(), grams = 0;
  for (int64_t n = 1; n <= opts.maxGramLength; ++n) {
    int64_t begin = opts.ngramCounts[n - 1];
    int64_t end = n < opts.maxGramLength ? opts.ngramCounts[n] : poolSize;
    if (begin < 0 || begin > end || end > poolSize || (end - begin) % n != 0)
      return makeError("tfidf_vectorizer ngram_counts " + Twine(begin) + ".." +
                       Twine(end) + " of the " + Twine(n) +
                       "-grams is not a whole number of " + Twine(n) +
                       "-grams within the pool of " + Twine(poolSize));
    grams += (end - begin) / n;
  }
  if ((int64_t)opts.ngramIndexes.size() != grams)
    return makeError("tfidf_vectorizer ngram_indexes has " +
                     Twine(opts.ngramIndexes.size()) +
                     " entries for the pool's " + Twine(grams) + " n-grams");
  if (!opts.weights.empty() && opts.weights.size() != opts.ngramIndexes.size())
    return makeError("tfidf_vectorizer has " + Twine(opts.weights.size()) +
                     " weights for " + Twine(opts.ngramIndexes.size()) +
                     " n-grams");
  int64_t width = 0;
  for (int64_t i : opts.ngramIndexes) {
    if (i < 0 || i >= (int64_t(1) << 24))
      return makeError("tfidf_vectorizer ngram index " + Twine(i) +
                       " is out of range");
    width = std::max(width, i + 1);
  }
  return x.size() == 1 ? Shape{width} : Shape{x[0], width};
}

llvm::Expected<Tensor> tfIdf(const Tensor &x, const TfIdfOptions &opts) {
  auto shape = tfIdfShape(x.shape(), opts);
  if (!shape)
    return shape.takeError();
  // n-gram (as its tokens) -> position in pool order.
  std::map<std::vector<int64_t>, int64_t> lookup;
  int64_t position = 0;
  for (int64_t n = 1; n <= opts.maxGramLength; ++n) {
    int64_t begin = opts.ngramCounts[n - 1];
    int64_t end = n < opts.maxGramLength ? opts.ngramCounts[n]
                                         : (int64_t)opts.pool.size();
    for (int64_t i = begin; i < end; i += n)
      lookup.emplace(std::vector<int64_t>(opts.pool.begin() + i,
                                          opts.pool.begin() + i + n),
                     position++);
  }
  int64_t rows = x.rank() == 1 ? 1 : x.dim(0);
  int64_t cols = x.shape().back();
  int64_t width = shape->back();
  Tensor out(DType::F32, *shape);
  std::vector<int64_t> gram;
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int64_t> counts(opts.ngramIndexes.size(), 0);
    for (int64_t skip = 0; skip <= opts.maxSkipCount; ++skip) {
      for (int64_t start = 0; start < cols; ++start) {
        gram.clear();
        for (int64_t n = 1; n <= opts.maxGramLength; ++n) {
          int64_t at = start + (n - 1) * (skip + 1);
          if (at >= cols)
            break;
          gram.push_back(x.getI(r * cols + at));
          if (n < opts.minGramLength || (n == 1 && skip > 0))
            continue;
          auto it = lookup.find(gram);
          if (it != lookup.end())
            ++counts[it->second];
        }
      }
    }
    for (size_t g = 0; g < counts.size(); ++g) {
      if (counts[g] == 0)
        continue;
      float weight = opts.weights.empty() ? 1.0f : opts.weights[g];
      float value = opts.mode == "TF"    ? (float)counts[g]
                    : opts.mode == "IDF" ? weight
                                         : (float)counts[g] * weight;
      out.setF(r * width + opts.ngramIndexes[g], value);
    }
  }
  return out;
}

} // namespace tessera::golden
