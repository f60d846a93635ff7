// RUN: rm -rf %t && tessera-run %s --output-dir %t | FileCheck %s

// Golden evaluation of the fused LLM ops through their op adapters, on hand
// values: the forms test/e2e/llm_blocks.test does not reach (the interleaved
// rope styles, an attention mask operand and an explicit scale, two-operand
// swiglu, moe without shared experts, its normalization and scaling).

func.func @main() -> (tensor<1x1x1x4xf32> {graph.name = "rope_rotate_half"},
                      tensor<1x1x1x4xf32> {graph.name = "rope_interleaved"},
                      tensor<1x1x1x4xf32> {graph.name = "rope_deinterleaved"},
                      tensor<1x1x1x1xf32> {graph.name = "attention_scale"},
                      tensor<1x1x1x1xf32> {graph.name = "attention_mask"},
                      tensor<1x1x1x1xf32> {graph.name = "attention_causal"},
                      tensor<3xf32> {graph.name = "swiglu"},
                      tensor<1x1xf32> {graph.name = "moe_tie"},
                      tensor<1x1xf32> {graph.name = "moe_norm_scaled"}) {
  // Pair (0, 2) of rotate_half, pair (0, 1) of interleaved and pair (0, 2) of
  // the de-interleaved [x0, x2, x1, x3] turn by 90 degrees; the rest stays.
  %x = graph.constant dense<[[[[1.0, 2.0, 3.0, 4.0]]]]> : tensor<1x1x1x4xf32>
  %cos = graph.constant dense<[[0.0, 0.0, 1.0, 1.0]]> : tensor<1x4xf32>
  %sin = graph.constant dense<[[1.0, 1.0, 0.0, 0.0]]> : tensor<1x4xf32>
  %r0 = graph.rope %x, %cos, %sin : (tensor<1x1x1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x1x1x4xf32>
  %r1 = graph.rope %x, %cos, %sin {style = "interleaved"} : (tensor<1x1x1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x1x1x4xf32>
  %r2 = graph.rope %x, %cos, %sin {style = "deinterleaved"} : (tensor<1x1x1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x1x1x4xf32>

  // Scores q.k = [1, 0]; scale ln 3 weighs the values 3:1, the mask [0, ln 3]
  // evens them out. Causal attention is aligned to the bottom right: one
  // query after two keys (a decode step) sees both, so it stays 15, where
  // top-left alignment would see only the first key and give 10.
  %q = graph.constant dense<[[[[1.0]]]]> : tensor<1x1x1x1xf32>
  %k = graph.constant dense<[[[[1.0], [0.0]]]]> : tensor<1x1x2x1xf32>
  %v = graph.constant dense<[[[[10.0], [20.0]]]]> : tensor<1x1x2x1xf32>
  %mask = graph.constant dense<[0.0, 1.09861229]> : tensor<2xf32>
  %a0 = graph.attention %q, %k, %v {scale = 1.09861229 : f32} : (tensor<1x1x1x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>) -> tensor<1x1x1x1xf32>
  %a1 = graph.attention %q, %k, %v, %mask {scale = 1.09861229 : f32} : (tensor<1x1x1x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>, tensor<2xf32>) -> tensor<1x1x1x1xf32>
  %a2 = graph.attention %q, %k, %v, %mask {causal = true, scale = 1.09861229 : f32} : (tensor<1x1x1x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>, tensor<2xf32>) -> tensor<1x1x1x1xf32>

  // silu(g) * u = g * sigmoid(g) * u.
  %g = graph.constant dense<[1.0, 0.0, -2.0]> : tensor<3xf32>
  %u = graph.constant dense<[2.0, 5.0, 3.0]> : tensor<3xf32>
  %s = graph.swiglu %g, %u : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>

  // Two 1x1 experts, a zero router: a tie, which expert 0 wins with weight
  // 0.5; expert 1 would negate. Expert 0 of x = 2 is silu(2) * 2 = 3.52319.
  %t = graph.constant dense<[[2.0]]> : tensor<1x1xf32>
  %router = graph.constant dense<0.0> : tensor<2x1xf32>
  %gate = graph.constant dense<1.0> : tensor<2x1x1xf32>
  %down = graph.constant dense<[[[1.0]], [[-1.0]]]> : tensor<2x1x1xf32>
  %m0 = graph.moe %t, %router, %gate, %gate, %down {top_k = 1 : i64} : (tensor<1x1xf32>, tensor<2x1xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>) -> tensor<1x1xf32>
  %m1 = graph.moe %t, %router, %gate, %gate, %down {top_k = 1 : i64, norm_topk_prob = true, routed_scaling_factor = 3.0 : f32} : (tensor<1x1xf32>, tensor<2x1xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>) -> tensor<1x1xf32>

  return %r0, %r1, %r2, %a0, %a1, %a2, %s, %m0, %m1 : tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>, tensor<3xf32>, tensor<1x1xf32>, tensor<1x1xf32>
}

// CHECK: rope_rotate_half: tensor<1x1x1x4xf32> = [-3, -4, 3, 4]
// CHECK: rope_interleaved: tensor<1x1x1x4xf32> = [-2, 1, 3, 4]
// CHECK: rope_deinterleaved: tensor<1x1x1x4xf32> = [-2, -4, 2, 4]
// CHECK: attention_scale: tensor<1x1x1x1xf32> = [12.5]
// CHECK: attention_mask: tensor<1x1x1x1xf32> = [15]
// CHECK: attention_causal: tensor<1x1x1x1xf32> = [15]
// CHECK: swiglu: tensor<3xf32> = [1.46212, 0, -0.715218]
// CHECK: moe_tie: tensor<1x1xf32> = [1.76159]
// CHECK: moe_norm_scaled: tensor<1x1xf32> = [10.5696]
