// RUN: tessera-opt %s | tessera-opt | FileCheck %s

// The fused LLM ops round-trip through the printer and parser, with their
// attributes, optional operands and inferred shapes.

// CHECK-LABEL: func.func @rope
func.func @rope(%x: tensor<1x4x16x64xf32>, %cos: tensor<16x64xf32>,
                %sin: tensor<16x64xf32>, %k: tensor<1x1x16x64xf32>,
                %y: tensor<2x4x16x64xbf16>, %hcos: tensor<2x16x32xbf16>,
                %hsin: tensor<2x16x32xbf16>)
    -> (tensor<1x4x16x64xf32>, tensor<1x1x16x64xf32>, tensor<1x1x16x64xf32>) {
  // CHECK: graph.rope %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x4x16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<1x4x16x64xf32>
  %0 = graph.rope %x, %cos, %sin : (tensor<1x4x16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<1x4x16x64xf32>
  // CHECK: graph.rope {{.*}} {style = "deinterleaved"}
  %1 = graph.rope %k, %cos, %sin {style = "deinterleaved"} : (tensor<1x1x16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<1x1x16x64xf32>
  // CHECK: graph.rope {{.*}} {style = "interleaved"}
  %2 = graph.rope %k, %cos, %sin {style = "interleaved"} : (tensor<1x1x16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<1x1x16x64xf32>
  // Per-batch tables and partial rotary (32 of 64 dimensions), in bf16.
  // CHECK: graph.rope {{.*}} -> tensor<2x4x16x64xbf16>
  %3 = graph.rope %y, %hcos, %hsin : (tensor<2x4x16x64xbf16>, tensor<2x16x32xbf16>, tensor<2x16x32xbf16>) -> tensor<2x4x16x64xbf16>
  return %0, %1, %2 : tensor<1x4x16x64xf32>, tensor<1x1x16x64xf32>, tensor<1x1x16x64xf32>
}

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<1x16x8x192xf32>, %k: tensor<1x16x8x192xf32>,
                     %v: tensor<1x16x8x128xf32>, %gq: tensor<2x12x1x128xf32>,
                     %gk: tensor<2x2x9x128xf32>, %gv: tensor<2x2x9x128xf32>,
                     %mask: tensor<2x1x1x9xf32>)
    -> (tensor<1x16x8x128xf32>, tensor<2x12x1x128xf32>) {
  // DeepSeek MLA: qk head dim 192, v head dim 128.
  // CHECK: graph.attention %{{.*}}, %{{.*}}, %{{.*}} {causal = true} : (tensor<1x16x8x192xf32>, tensor<1x16x8x192xf32>, tensor<1x16x8x128xf32>) -> tensor<1x16x8x128xf32>
  %0 = graph.attention %q, %k, %v {causal = true} : (tensor<1x16x8x192xf32>, tensor<1x16x8x192xf32>, tensor<1x16x8x128xf32>) -> tensor<1x16x8x128xf32>
  // Qwen2-style GQA decode step: 12 query heads on 2 key/value heads, one
  // query against 9 cached keys, a padding mask and an explicit scale.
  // CHECK: graph.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {causal = true, scale = 1.250000e-01 : f32} : (tensor<2x12x1x128xf32>, tensor<2x2x9x128xf32>, tensor<2x2x9x128xf32>, tensor<2x1x1x9xf32>) -> tensor<2x12x1x128xf32>
  %1 = graph.attention %gq, %gk, %gv, %mask {causal = true, scale = 0.125 : f32} : (tensor<2x12x1x128xf32>, tensor<2x2x9x128xf32>, tensor<2x2x9x128xf32>, tensor<2x1x1x9xf32>) -> tensor<2x12x1x128xf32>
  return %0, %1 : tensor<1x16x8x128xf32>, tensor<2x12x1x128xf32>
}

// CHECK-LABEL: func.func @swiglu
func.func @swiglu(%g: tensor<16x128xf32>, %u: tensor<16x128xf32>,
                  %gu: tensor<16x256xf32>, %rows: tensor<4x3xf16>)
    -> (tensor<16x128xf32>, tensor<16x128xf32>, tensor<2x3xf16>) {
  // CHECK: graph.swiglu %{{.*}}, %{{.*}} : (tensor<16x128xf32>, tensor<16x128xf32>) -> tensor<16x128xf32>
  %0 = graph.swiglu %g, %u : (tensor<16x128xf32>, tensor<16x128xf32>) -> tensor<16x128xf32>
  // CHECK: graph.swiglu %{{.*}} : (tensor<16x256xf32>) -> tensor<16x128xf32>
  %1 = graph.swiglu %gu : (tensor<16x256xf32>) -> tensor<16x128xf32>
  // CHECK: graph.swiglu %{{.*}} {axis = 0 : i64} : (tensor<4x3xf16>) -> tensor<2x3xf16>
  %2 = graph.swiglu %rows {axis = 0 : i64} : (tensor<4x3xf16>) -> tensor<2x3xf16>
  return %0, %1, %2 : tensor<16x128xf32>, tensor<16x128xf32>, tensor<2x3xf16>
}

// CHECK-LABEL: func.func @moe
func.func @moe(%x: tensor<1x16x64xf32>, %router: tensor<8x64xf32>,
               %gate: tensor<8x32x64xf32>, %up: tensor<8x32x64xf32>,
               %down: tensor<8x64x32xf32>, %sg: tensor<64x64xf32>,
               %su: tensor<64x64xf32>, %sd: tensor<64x64xf32>)
    -> (tensor<1x16x64xf32>, tensor<1x16x64xf32>) {
  // CHECK: graph.moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {top_k = 2 : i64} : (tensor<1x16x64xf32>, tensor<8x64xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<1x16x64xf32>
  %0 = graph.moe %x, %router, %gate, %up, %down, %sg, %su, %sd {top_k = 2 : i64} : (tensor<1x16x64xf32>, tensor<8x64xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<1x16x64xf32>
  // Without shared experts; group-limited greedy with normalized weights.
  // CHECK: graph.moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {n_group = 4 : i64, norm_topk_prob = true, routed_scaling_factor = 2.500000e+00 : f32, top_k = 3 : i64, topk_group = 2 : i64} : (tensor<1x16x64xf32>, tensor<8x64xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>) -> tensor<1x16x64xf32>
  %1 = graph.moe %x, %router, %gate, %up, %down {top_k = 3 : i64, norm_topk_prob = true, routed_scaling_factor = 2.5 : f32, n_group = 4 : i64, topk_group = 2 : i64} : (tensor<1x16x64xf32>, tensor<8x64xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>, tensor<8x64x32xf32>) -> tensor<1x16x64xf32>
  return %0, %1 : tensor<1x16x64xf32>, tensor<1x16x64xf32>
}
