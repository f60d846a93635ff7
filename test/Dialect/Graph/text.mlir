// Golden evaluation of tfidf_vectorizer (ONNX's uni- and bigram example with
// skips) and the pool layouts type inference rejects.
// RUN: split-file --leading-lines %s %t
// RUN: tessera-run %t/eval.mlir --output-dir %t/out | FileCheck %s
// RUN: tessera-opt %t/invalid.mlir -split-input-file -verify-diagnostics

//--- eval.mlir
func.func @main() -> (tensor<2x7xf32>, tensor<7xf32>) {
  %x = graph.constant dense<[[1, 1, 3, 3, 3, 7], [8, 6, 7, 5, 6, 8]]> : tensor<2x6xi32>
  // Unigrams 2, 3, 5, 4 (columns 0-3), bigrams (5, 6), (7, 8), (6, 7)
  // (columns 4-6); up to 5 tokens may be skipped inside a bigram, unigrams
  // count once.
  // CHECK: result0: tensor<2x7xf32> = [0, 3, 0, 0, 0, 0, 0, 0, ...]
  %0 = graph.tfidf_vectorizer %x {min_gram_length = 1 : i64, max_gram_length = 2 : i64, max_skip_count = 5 : i64, ngram_counts = array<i64: 0, 4>, ngram_indexes = array<i64: 0, 1, 2, 3, 4, 5, 6>, pool = array<i64: 2, 3, 5, 4, 5, 6, 7, 8, 6, 7>} : (tensor<2x6xi32>) -> tensor<2x7xf32>
  %flat = graph.constant dense<[1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8]> : tensor<12xi64>
  // TFIDF scales each count by its n-gram's weight.
  // CHECK: result1: tensor<7xf32> = [0, 6, 1, 0, 1, 6, 1]
  %1 = graph.tfidf_vectorizer %flat {min_gram_length = 1 : i64, max_gram_length = 2 : i64, max_skip_count = 5 : i64, mode = "TFIDF", ngram_counts = array<i64: 0, 4>, ngram_indexes = array<i64: 0, 1, 2, 3, 4, 5, 6>, pool = array<i64: 2, 3, 5, 4, 5, 6, 7, 8, 6, 7>, weights = array<f32: 1.0, 2.0, 1.0, 1.0, 1.0, 2.0, 1.0>} : (tensor<12xi64>) -> tensor<7xf32>
  return %0, %1 : tensor<2x7xf32>, tensor<7xf32>
}

//--- invalid.mlir
func.func @odd_bigrams(%x: tensor<6xi64>) -> tensor<2xf32> {
  // expected-error@+2 {{tfidf_vectorizer ngram_counts 1..4 of the 2-grams is not a whole number of 2-grams within the pool of 4}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.tfidf_vectorizer %x {min_gram_length = 1 : i64, max_gram_length = 2 : i64, ngram_counts = array<i64: 0, 1>, ngram_indexes = array<i64: 0, 1>, pool = array<i64: 1, 2, 3, 4>} : (tensor<6xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @indexes(%x: tensor<6xi64>) -> tensor<2xf32> {
  // expected-error@+2 {{tfidf_vectorizer ngram_indexes has 1 entries for the pool's 2 n-grams}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.tfidf_vectorizer %x {min_gram_length = 1 : i64, max_gram_length = 1 : i64, ngram_counts = array<i64: 0>, ngram_indexes = array<i64: 1>, pool = array<i64: 1, 2>} : (tensor<6xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @mode(%x: tensor<6xi64>) -> tensor<2xf32> {
  // expected-error@+2 {{unknown tfidf_vectorizer mode 'BM25' (expected TF, IDF or TFIDF)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.tfidf_vectorizer %x {min_gram_length = 1 : i64, max_gram_length = 1 : i64, mode = "BM25", ngram_counts = array<i64: 0>, ngram_indexes = array<i64: 0, 1>, pool = array<i64: 1, 2>} : (tensor<6xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
