//===- GraphTextOps.td - Text feature extraction -----------*- tablegen -*-===//
//
// TfIdfVectorizer over integer token ids. Type inference checks the pool
// layout with the golden kernel's shape rule (TextKernels.h); code in
// GraphTextOps.cpp. No NPU kernel: the NPU path reports it.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_TEXT_OPS
#define TESSERA_GRAPH_TEXT_OPS

include "Graph/IR/GraphBase.td"

def Graph_TfIdfVectorizerOp : Graph_Op<"tfidf_vectorizer", [], ["getFlops"]> {
  let summary = "n-gram counts of token ids (ONNX TfIdfVectorizer)";
  let description = [{
    Counts, in each row of `input` ([C] or [N, C]), the n-grams of `pool`:
    `ngram_counts[n - 1]` is where the n-grams start in the pool and
    `ngram_indexes` gives each n-gram's output column. n-grams of length
    min_gram_length..max_gram_length are formed with up to max_skip_count
    tokens skipped between their items. mode TF gives counts, IDF the weight
    of each present n-gram, TFIDF count times weight (`weights` empty: 1).
  }];
  let arguments = (ins Graph_IndexTensor:$input,
      I64Attr:$min_gram_length, I64Attr:$max_gram_length,
      DefaultValuedAttr<I64Attr, "0">:$max_skip_count,
      DefaultValuedStrAttr<StrAttr, "TF">:$mode,
      DenseI64ArrayAttr:$ngram_counts, DenseI64ArrayAttr:$ngram_indexes,
      DenseI64ArrayAttr:$pool,
      DefaultValuedAttr<DenseF32ArrayAttr, "{}">:$weights);
  let results = (outs StaticShapeTensorOf<[F32]>:$output);
}

#endif // TESSERA_GRAPH_TEXT_OPS
