// Prefill attentions that dc runs as a cube/vector split
// (test/e2e/attention_split.test): sequence lengths that are not multiples
// of the key tile (128) or of the query block, grouped-query heads (12 query
// heads over 2 key/value heads), MLA's 192/128 head dims, a chunk of
// queries after earlier keys (Sq < Skv, causal) and a non-causal one with a
// scale. The operands are bf16, as the split needs 16-bit matrix operands.
func.func @main(%q1: tensor<1x2x200x64xbf16> {graph.name = "q1"}, %k1: tensor<1x2x200x64xbf16> {graph.name = "k1"},
                %v1: tensor<1x2x200x64xbf16> {graph.name = "v1"},
                %q2: tensor<1x12x150x128xbf16> {graph.name = "q2"}, %k2: tensor<1x2x150x128xbf16> {graph.name = "k2"},
                %v2: tensor<1x2x150x128xbf16> {graph.name = "v2"},
                %q3: tensor<1x4x130x192xbf16> {graph.name = "q3"}, %k3: tensor<1x4x130x192xbf16> {graph.name = "k3"},
                %v3: tensor<1x4x130x128xbf16> {graph.name = "v3"},
                %q4: tensor<2x3x40x32xbf16> {graph.name = "q4"}, %k4: tensor<2x1x300x32xbf16> {graph.name = "k4"},
                %v4: tensor<2x1x300x48xbf16> {graph.name = "v4"})
    -> (tensor<1x2x200x64xbf16> {graph.name = "mha"},
        tensor<1x12x150x128xbf16> {graph.name = "gqa"},
        tensor<1x4x130x128xbf16> {graph.name = "mla"},
        tensor<2x3x40x48xbf16> {graph.name = "chunk"},
        tensor<2x3x40x48xbf16> {graph.name = "full"}) {
  %o1 = graph.attention %q1, %k1, %v1 {causal = true} : (tensor<1x2x200x64xbf16>, tensor<1x2x200x64xbf16>, tensor<1x2x200x64xbf16>) -> tensor<1x2x200x64xbf16>
  %o2 = graph.attention %q2, %k2, %v2 {causal = true} : (tensor<1x12x150x128xbf16>, tensor<1x2x150x128xbf16>, tensor<1x2x150x128xbf16>) -> tensor<1x12x150x128xbf16>
  %o3 = graph.attention %q3, %k3, %v3 {causal = true} : (tensor<1x4x130x192xbf16>, tensor<1x4x130x192xbf16>, tensor<1x4x130x128xbf16>) -> tensor<1x4x130x128xbf16>
  %o4 = graph.attention %q4, %k4, %v4 {causal = true} : (tensor<2x3x40x32xbf16>, tensor<2x1x300x32xbf16>, tensor<2x1x300x48xbf16>) -> tensor<2x3x40x48xbf16>
  %o5 = graph.attention %q4, %k4, %v4 {scale = 0.3 : f32} : (tensor<2x3x40x32xbf16>, tensor<2x1x300x32xbf16>, tensor<2x1x300x48xbf16>) -> tensor<2x3x40x48xbf16>
  return %o1, %o2, %o3, %o4, %o5 : tensor<1x2x200x64xbf16>, tensor<1x12x150x128xbf16>, tensor<1x4x130x128xbf16>, tensor<2x3x40x48xbf16>, tensor<2x3x40x48xbf16>
}
