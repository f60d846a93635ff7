// Decode attention against KV caches of capacity 512 whose filled length `n`
// is a run-time input (test/e2e/attention.test), long enough that dc splits
// each cache over its vector cores (flash decoding): DeepSeek's absorbed MLA
// (16 query heads sharing one 576-d key / 512-d value head) and a grouped
// query head pair per key/value head.
func.func @main(%q: tensor<1x16x1x576xf32> {graph.name = "q"},
                %ck: tensor<1x1x512x576xf32> {graph.name = "ck"},
                %cv: tensor<1x1x512x512xf32> {graph.name = "cv"},
                %q2: tensor<1x4x1x32xf32> {graph.name = "q2"},
                %k2: tensor<1x2x512x32xf32> {graph.name = "k2"},
                %v2: tensor<1x2x512x32xf32> {graph.name = "v2"},
                %n: tensor<i32> {graph.name = "n"})
    -> (tensor<1x16x1x512xf32> {graph.name = "mla"},
        tensor<1x4x1x32xf32> {graph.name = "gqa"}) {
  %o = graph.attention %q, %ck, %cv, %n {causal = true, scale = 0.0721687836 : f32} : (tensor<1x16x1x576xf32>, tensor<1x1x512x576xf32>, tensor<1x1x512x512xf32>, tensor<i32>) -> tensor<1x16x1x512xf32>
  %o2 = graph.attention %q2, %k2, %v2, %n : (tensor<1x4x1x32xf32>, tensor<1x2x512x32xf32>, tensor<1x2x512x32xf32>, tensor<i32>) -> tensor<1x4x1x32xf32>
  return %o, %o2 : tensor<1x16x1x512xf32>, tensor<1x4x1x32xf32>
}
