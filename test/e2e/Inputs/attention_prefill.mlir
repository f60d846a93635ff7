// Fused LLM ops lowered to NPU kernels (test/e2e/attention.test): causal
// multi-head attention after a rotate_half rope, grouped-query attention
// after an interleaved rope, MLA's 192/128 head dims after a de-interleaved
// rope over the first 64 dims, an explicit mask and scale, and both forms
// of swiglu. The attention operands are computed in the program, so a bf16
// program stores them in bf16.
func.func @main(%q1: tensor<1x2x40x32xf32> {graph.name = "q1"}, %k1: tensor<1x2x40x32xf32> {graph.name = "k1"},
                %v1: tensor<1x2x40x32xf32> {graph.name = "v1"}, %c1: tensor<40x32xf32> {graph.name = "c1"},
                %s1: tensor<40x32xf32> {graph.name = "s1"},
                %q2: tensor<2x6x33x16xf32> {graph.name = "q2"}, %k2: tensor<2x2x33x16xf32> {graph.name = "k2"},
                %v2: tensor<2x2x33x16xf32> {graph.name = "v2"}, %c2: tensor<2x33x16xf32> {graph.name = "c2"},
                %s2: tensor<2x33x16xf32> {graph.name = "s2"},
                %q3: tensor<1x2x24x192xf32> {graph.name = "q3"}, %k3: tensor<1x2x24x192xf32> {graph.name = "k3"},
                %v3: tensor<1x2x24x128xf32> {graph.name = "v3"}, %c3: tensor<24x64xf32> {graph.name = "c3"},
                %s3: tensor<24x64xf32> {graph.name = "s3"},
                %q4: tensor<1x2x5x16xf32> {graph.name = "q4"}, %k4: tensor<1x1x9x16xf32> {graph.name = "k4"},
                %v4: tensor<1x1x9x16xf32> {graph.name = "v4"}, %m4: tensor<1x1x5x9xf32> {graph.name = "m4"},
                %g5: tensor<16x64xf32> {graph.name = "g5"}, %g6: tensor<16x32xf32> {graph.name = "g6"},
                %u6: tensor<16x32xf32> {graph.name = "u6"})
    -> (tensor<1x2x40x32xf32> {graph.name = "mha"},
        tensor<2x6x33x16xf32> {graph.name = "gqa"},
        tensor<1x2x24x128xf32> {graph.name = "mla"},
        tensor<1x2x5x16xf32> {graph.name = "masked"},
        tensor<16x32xf32> {graph.name = "swiglu_fused"},
        tensor<16x32xf32> {graph.name = "swiglu"}) {
  %qr1 = graph.rope %q1, %c1, %s1 : (tensor<1x2x40x32xf32>, tensor<40x32xf32>, tensor<40x32xf32>) -> tensor<1x2x40x32xf32>
  %kr1 = graph.rope %k1, %c1, %s1 : (tensor<1x2x40x32xf32>, tensor<40x32xf32>, tensor<40x32xf32>) -> tensor<1x2x40x32xf32>
  %vs1 = graph.sigmoid %v1 : (tensor<1x2x40x32xf32>) -> tensor<1x2x40x32xf32>
  %o1 = graph.attention %qr1, %kr1, %vs1 {causal = true} : (tensor<1x2x40x32xf32>, tensor<1x2x40x32xf32>, tensor<1x2x40x32xf32>) -> tensor<1x2x40x32xf32>

  %qr2 = graph.rope %q2, %c2, %s2 {style = "interleaved"} : (tensor<2x6x33x16xf32>, tensor<2x33x16xf32>, tensor<2x33x16xf32>) -> tensor<2x6x33x16xf32>
  %kr2 = graph.rope %k2, %c2, %s2 {style = "interleaved"} : (tensor<2x2x33x16xf32>, tensor<2x33x16xf32>, tensor<2x33x16xf32>) -> tensor<2x2x33x16xf32>
  %vs2 = graph.sigmoid %v2 : (tensor<2x2x33x16xf32>) -> tensor<2x2x33x16xf32>
  %o2 = graph.attention %qr2, %kr2, %vs2 {causal = true} : (tensor<2x6x33x16xf32>, tensor<2x2x33x16xf32>, tensor<2x2x33x16xf32>) -> tensor<2x6x33x16xf32>

  %qr3 = graph.rope %q3, %c3, %s3 {style = "deinterleaved"} : (tensor<1x2x24x192xf32>, tensor<24x64xf32>, tensor<24x64xf32>) -> tensor<1x2x24x192xf32>
  %kr3 = graph.rope %k3, %c3, %s3 {style = "deinterleaved"} : (tensor<1x2x24x192xf32>, tensor<24x64xf32>, tensor<24x64xf32>) -> tensor<1x2x24x192xf32>
  %vs3 = graph.sigmoid %v3 : (tensor<1x2x24x128xf32>) -> tensor<1x2x24x128xf32>
  %o3 = graph.attention %qr3, %kr3, %vs3 {causal = true} : (tensor<1x2x24x192xf32>, tensor<1x2x24x192xf32>, tensor<1x2x24x128xf32>) -> tensor<1x2x24x128xf32>

  %o4 = graph.attention %q4, %k4, %v4, %m4 {scale = 0.3 : f32} : (tensor<1x2x5x16xf32>, tensor<1x1x9x16xf32>, tensor<1x1x9x16xf32>, tensor<1x1x5x9xf32>) -> tensor<1x2x5x16xf32>

  %o5 = graph.swiglu %g5 {axis = -1 : i64} : (tensor<16x64xf32>) -> tensor<16x32xf32>
  %o6 = graph.swiglu %g6, %u6 : (tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<16x32xf32>
  return %o1, %o2, %o3, %o4, %o5, %o6 : tensor<1x2x40x32xf32>, tensor<2x6x33x16xf32>, tensor<1x2x24x128xf32>, tensor<1x2x5x16xf32>, tensor<16x32xf32>, tensor<16x32xf32>
}
