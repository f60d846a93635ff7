// Decode on dc's cube and vector cores (test/e2e/attention_split.test): bf16
// caches of capacity 520 (not a multiple of the key tile) whose filled
// length `n` is a run-time input, each cache's keys split over the cube
// cores and the partial results combined: DeepSeek's absorbed MLA (16 query
// heads sharing one 576-d key / 512-d value head, causal), a grouped-query
// pair (12 query heads over 2 key/value heads, dim 128) and two queries per
// head (speculative decoding, causal: query i sees keys j <= i + n - 2).
func.func @main(%q: tensor<1x16x1x576xbf16> {graph.name = "q"},
                %ck: tensor<1x1x520x576xbf16> {graph.name = "ck"},
                %cv: tensor<1x1x520x512xbf16> {graph.name = "cv"},
                %q2: tensor<1x12x1x128xbf16> {graph.name = "q2"},
                %k2: tensor<1x2x520x128xbf16> {graph.name = "k2"},
                %v2: tensor<1x2x520x128xbf16> {graph.name = "v2"},
                %q3: tensor<1x4x2x64xbf16> {graph.name = "q3"},
                %k3: tensor<1x2x520x64xbf16> {graph.name = "k3"},
                %v3: tensor<1x2x520x64xbf16> {graph.name = "v3"},
                %n: tensor<i32> {graph.name = "n"})
    -> (tensor<1x16x1x512xbf16> {graph.name = "mla"},
        tensor<1x12x1x128xbf16> {graph.name = "gqa"},
        tensor<1x4x2x64xbf16> {graph.name = "spec"}) {
  %o = graph.attention %q, %ck, %cv, %n {causal = true, scale = 0.0721687836 : f32} : (tensor<1x16x1x576xbf16>, tensor<1x1x520x576xbf16>, tensor<1x1x520x512xbf16>, tensor<i32>) -> tensor<1x16x1x512xbf16>
  %o2 = graph.attention %q2, %k2, %v2, %n : (tensor<1x12x1x128xbf16>, tensor<1x2x520x128xbf16>, tensor<1x2x520x128xbf16>, tensor<i32>) -> tensor<1x12x1x128xbf16>
  %o3 = graph.attention %q3, %k3, %v3, %n {causal = true} : (tensor<1x4x2x64xbf16>, tensor<1x2x520x64xbf16>, tensor<1x2x520x64xbf16>, tensor<i32>) -> tensor<1x4x2x64xbf16>
  return %o, %o2, %o3 : tensor<1x16x1x512xbf16>, tensor<1x12x1x128xbf16>, tensor<1x4x2x64xbf16>
}
