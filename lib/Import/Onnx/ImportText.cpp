//===- ImportText.cpp - ONNX import of TfIdfVectorizer --------------------===//
//
// TfIdfVectorizer over integer token ids becomes graph.tfidf_vectorizer.
// A pool of strings needs string tensors, which Tessera does not have.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;

namespace tessera::onnx_import {
namespace graph = tessera::graph;

static LogicalResult importTfIdfVectorizer(NodeImporter &n) {
  if (n.hasAttr("pool_strings"))
    return n.error("a pool of strings (pool_strings) is not supported: "
                   "Tessera has no string tensors; use pool_int64s");
  if (!n.hasAttr("pool_int64s"))
    return n.error("needs the 'pool_int64s' attribute");
  std::vector<float> weights = n.attrFloats("weights");
  return n.emit<graph::TfIdfVectorizerOp>(
      n.input(0),
      {n.b.getNamedAttr("min_gram_length",
                        n.b.getI64IntegerAttr(n.attrInt("min_gram_length", 1))),
       n.b.getNamedAttr("max_gram_length",
                        n.b.getI64IntegerAttr(n.attrInt("max_gram_length", 1))),
       n.b.getNamedAttr("max_skip_count",
                        n.b.getI64IntegerAttr(n.attrInt("max_skip_count", 0))),
       n.b.getNamedAttr("mode", n.b.getStringAttr(n.attrString("mode", "TF"))),
       n.b.getNamedAttr("ngram_counts",
                        n.b.getDenseI64ArrayAttr(n.attrInts("ngram_counts"))),
       n.b.getNamedAttr("ngram_indexes",
                        n.b.getDenseI64ArrayAttr(n.attrInts("ngram_indexes"))),
       n.b.getNamedAttr("pool",
                        n.b.getDenseI64ArrayAttr(n.attrInts("pool_int64s"))),
       n.b.getNamedAttr("weights", n.b.getDenseF32ArrayAttr(weights))});
}

void registerTextImporters(OpImportRegistry &r) {
  r.add("TfIdfVectorizer", importTfIdfVectorizer);
}

} // namespace tessera::onnx_import
