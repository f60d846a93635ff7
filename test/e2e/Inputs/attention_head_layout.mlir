// Attention over the heads of projection rows, as a Hugging Face import
// writes it (test/e2e/attention_head_layout.test): each of q, k and v is
// [batch, seq, heads, head_dim] split into heads by a transpose, q and k
// rotated, and the result's heads merged back by a transpose. In @main
// every split feeds its rotation alone and the merge is the attention's
// only use; q2 rotates its first 16 of 32 dims (the rest pass through) in
// the interleaved style. In @shared the split query is also a result, so
// its split stays a copy of its own.
func.func @main(%q: tensor<1x40x4x32xf32> {graph.name = "q"}, %k: tensor<1x40x2x32xf32> {graph.name = "k"},
                %v: tensor<1x40x2x32xf32> {graph.name = "v"}, %c: tensor<40x32xf32> {graph.name = "c"},
                %s: tensor<40x32xf32> {graph.name = "s"},
                %q2: tensor<1x24x2x32xf32> {graph.name = "q2"}, %c2: tensor<24x16xf32> {graph.name = "c2"},
                %s2: tensor<24x16xf32> {graph.name = "s2"})
    -> (tensor<1x40x4x32xf32> {graph.name = "merged"},
        tensor<1x2x24x32xf32> {graph.name = "partial"}) {
  %qt = graph.transpose %q {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x40x4x32xf32>) -> tensor<1x4x40x32xf32>
  %kt = graph.transpose %k {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x40x2x32xf32>) -> tensor<1x2x40x32xf32>
  %vt = graph.transpose %v {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x40x2x32xf32>) -> tensor<1x2x40x32xf32>
  %qr = graph.rope %qt, %c, %s : (tensor<1x4x40x32xf32>, tensor<40x32xf32>, tensor<40x32xf32>) -> tensor<1x4x40x32xf32>
  %kr = graph.rope %kt, %c, %s : (tensor<1x2x40x32xf32>, tensor<40x32xf32>, tensor<40x32xf32>) -> tensor<1x2x40x32xf32>
  %o = graph.attention %qr, %kr, %vt {causal = true} : (tensor<1x4x40x32xf32>, tensor<1x2x40x32xf32>, tensor<1x2x40x32xf32>) -> tensor<1x4x40x32xf32>
  %om = graph.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x40x32xf32>) -> tensor<1x40x4x32xf32>
  %q2t = graph.transpose %q2 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x24x2x32xf32>) -> tensor<1x2x24x32xf32>
  %q2r = graph.rope %q2t, %c2, %s2 {style = "interleaved"} : (tensor<1x2x24x32xf32>, tensor<24x16xf32>, tensor<24x16xf32>) -> tensor<1x2x24x32xf32>
  return %om, %q2r : tensor<1x40x4x32xf32>, tensor<1x2x24x32xf32>
}
