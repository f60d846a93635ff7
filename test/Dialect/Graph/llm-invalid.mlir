// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Every error the fused LLM ops' verifiers and type inference report.

func.func @rope_style(%x: tensor<1x2x4x8xf32>, %t: tensor<4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error@+1 {{unknown rope style 'neox' (expected rotate_half, interleaved or deinterleaved)}}
  %0 = graph.rope %x, %t, %t {style = "neox"} : (tensor<1x2x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @rope_rank(%x: tensor<2x4x8xf32>, %t: tensor<4x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error@+1 {{rope input must be [batch, heads, seq, head_dim], got 2x4x8}}
  %0 = graph.rope %x, %t, %t : (tensor<2x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @rope_tables_differ(%x: tensor<1x2x4x8xf32>, %c: tensor<4x8xf32>, %s: tensor<4x6xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error@+1 {{rope cos and sin tables differ in shape: 4x8 vs 4x6}}
  %0 = graph.rope %x, %c, %s : (tensor<1x2x4x8xf32>, tensor<4x8xf32>, tensor<4x6xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @rope_table_rank(%x: tensor<1x2x4x8xf32>, %t: tensor<8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error@+1 {{rope tables must be [seq, rotary_dim] or [batch, seq, rotary_dim], got 8}}
  %0 = graph.rope %x, %t, %t : (tensor<1x2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @rope_table_batch(%x: tensor<1x2x4x8xf32>, %t: tensor<3x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error@+1 {{rope tables have batch 3, the input 1}}
  %0 = graph.rope %x, %t, %t : (tensor<1x2x4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @rope_table_seq(%x: tensor<1x2x4x8xf32>, %t: tensor<5x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error@+1 {{rope tables cover 5 positions, the input has 4}}
  %0 = graph.rope %x, %t, %t : (tensor<1x2x4x8xf32>, tensor<5x8xf32>, tensor<5x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @rope_rotary_dim(%x: tensor<1x2x4x8xf32>, %t: tensor<4x10xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error@+1 {{rope rotary dimension 10 must be even, positive and at most the head dimension 8}}
  %0 = graph.rope %x, %t, %t : (tensor<1x2x4x8xf32>, tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @rope_odd_rotary_dim(%x: tensor<1x2x4x8xf32>, %t: tensor<4x5xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error@+1 {{rope rotary dimension 5 must be even}}
  %0 = graph.rope %x, %t, %t : (tensor<1x2x4x8xf32>, tensor<4x5xf32>, tensor<4x5xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @rope_element_types(%x: tensor<1x2x4x8xbf16>, %t: tensor<4x8xf32>) -> tensor<1x2x4x8xbf16> {
  // expected-error@+1 {{requires the same element type for all operands and results}}
  %0 = graph.rope %x, %t, %t : (tensor<1x2x4x8xbf16>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<1x2x4x8xbf16>
  return %0 : tensor<1x2x4x8xbf16>
}

// -----

func.func @attention_rank(%q: tensor<4x3x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x3x8xf32>) -> tensor<1x4x3x8xf32> {
  // expected-error@+2 {{attention query must be [batch, heads, seq, head_dim], got 4x3x8}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.attention %q, %k, %v : (tensor<4x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

func.func @attention_batch(%q: tensor<1x4x3x8xf32>, %k: tensor<2x2x3x8xf32>, %v: tensor<2x2x3x8xf32>) -> tensor<1x4x3x8xf32> {
  // expected-error@+2 {{attention batch sizes differ: query 1x4x3x8, key 2x2x3x8, value 2x2x3x8}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.attention %q, %k, %v : (tensor<1x4x3x8xf32>, tensor<2x2x3x8xf32>, tensor<2x2x3x8xf32>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

func.func @attention_kv_mismatch(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x4x3x8xf32> {
  // expected-error@+2 {{attention key 1x2x3x8 and value 1x2x5x8 differ in heads or length}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.attention %q, %k, %v : (tensor<1x4x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

func.func @attention_gqa_heads(%q: tensor<1x4x3x8xf32>, %k: tensor<1x3x3x8xf32>, %v: tensor<1x3x3x8xf32>) -> tensor<1x4x3x8xf32> {
  // expected-error@+2 {{attention key/value heads (3) must divide the query heads (4)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.attention %q, %k, %v : (tensor<1x4x3x8xf32>, tensor<1x3x3x8xf32>, tensor<1x3x3x8xf32>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

func.func @attention_head_dim(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x3x4xf32>, %v: tensor<1x2x3x8xf32>) -> tensor<1x4x3x8xf32> {
  // expected-error@+2 {{attention query head dim 8 differs from key head dim 4}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.attention %q, %k, %v : (tensor<1x4x3x8xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x8xf32>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

func.func @attention_causal_lengths(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x2x8xf32>, %v: tensor<1x2x2x8xf32>) -> tensor<1x4x3x8xf32> {
  // expected-error@+2 {{causal attention needs at least as many keys (2) as queries (3)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.attention %q, %k, %v {causal = true} : (tensor<1x4x3x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

func.func @attention_mask(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x3x8xf32>, %m: tensor<2x3xf32>) -> tensor<1x4x3x8xf32> {
  // expected-error@+2 {{attention mask of shape 2x3 does not broadcast to the scores' shape 1x4x3x3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.attention %q, %k, %v, %m : (tensor<1x4x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<2x3xf32>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

func.func @attention_result(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x3x6xf32>) -> tensor<1x4x3x8xf32> {
  // The result takes the value head dim.
  // expected-error@+2 {{inferred type(s) 'tensor<1x4x3x6xf32>' are incompatible with return type(s) of operation 'tensor<1x4x3x8xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.attention %q, %k, %v : (tensor<1x4x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x6xf32>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

func.func @attention_scale(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x3x8xf32>) -> tensor<1x4x3x8xf32> {
  // expected-error@+1 {{scale must be positive and finite, got 0}}
  %0 = graph.attention %q, %k, %v {scale = 0.0 : f32} : (tensor<1x4x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}

// -----

func.func @swiglu_shapes(%g: tensor<2x4xf32>, %u: tensor<2x3xf32>) -> tensor<2x4xf32> {
  // expected-error@+2 {{swiglu gate and up shapes differ: 2x4 vs 2x3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.swiglu %g, %u : (tensor<2x4xf32>, tensor<2x3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @swiglu_odd(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  // expected-error@+2 {{swiglu splits dimension 1 of size 3 into gate and up halves; it must be even}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.swiglu %x : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

func.func @swiglu_axis(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  // expected-error@+2 {{swiglu axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.swiglu %x {axis = 2 : i64} : (tensor<2x4xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @swiglu_scalar(%x: tensor<f32>) -> tensor<f32> {
  // expected-error@+2 {{swiglu of one operand needs rank >= 1 to split}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.swiglu %x : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @swiglu_result(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<2x4xf32>' are incompatible with return type(s) of operation 'tensor<2x8xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.swiglu %x : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @moe_shared_count(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>, %sg: tensor<5x6xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{takes 0 or 3 shared expert weights (gate, up, down), got 2}}
  %0 = graph.moe %x, %r, %g, %g, %d, %sg, %sg {top_k = 2 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>, tensor<5x6xf32>, tensor<5x6xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_router(%x: tensor<5x6xf32>, %r: tensor<4x7xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe router weight must be [experts, hidden = 6], got 4x7}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 2 : i64} : (tensor<5x6xf32>, tensor<4x7xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_gate(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<5x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe expert gate weights must be [experts = 4, intermediate, hidden = 6], got 5x3x6}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 2 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<5x3x6xf32>, tensor<5x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_up(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %u: tensor<4x2x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe expert up weights 4x2x6 differ from the gate weights 4x3x6}}
  %0 = graph.moe %x, %r, %g, %u, %d {top_k = 2 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x2x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_down(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x3x6xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe expert down weights must be 4x6x3, got 4x3x6}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 2 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_shared_gate(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>, %sg: tensor<5x7xf32>, %sd: tensor<6x5xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe shared gate weight must be [shared_intermediate, hidden = 6], got 5x7}}
  %0 = graph.moe %x, %r, %g, %g, %d, %sg, %sg, %sd {top_k = 2 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<6x5xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_shared_up(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>, %sg: tensor<5x6xf32>, %su: tensor<4x6xf32>, %sd: tensor<6x5xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe shared up weight 4x6 differs from the shared gate weight 5x6}}
  %0 = graph.moe %x, %r, %g, %g, %d, %sg, %su, %sd {top_k = 2 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>, tensor<5x6xf32>, tensor<4x6xf32>, tensor<6x5xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_shared_down(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>, %sg: tensor<5x6xf32>, %sd: tensor<6x4xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe shared down weight must be 6x5, got 6x4}}
  %0 = graph.moe %x, %r, %g, %g, %d, %sg, %sg, %sd {top_k = 2 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>, tensor<5x6xf32>, tensor<5x6xf32>, tensor<6x4xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_scalar_input(%x: tensor<f32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<f32> {
  // expected-error@+1 {{moe input must have rank >= 1 ([..., hidden])}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 2 : i64} : (tensor<f32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @moe_top_k(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe top_k 5 must be in [1, 4] (the experts in the topk_group best groups)}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 5 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_top_k_groups(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // One of two groups of two experts leaves only two to choose from.
  // expected-error@+1 {{moe top_k 3 must be in [1, 2] (the experts in the topk_group best groups)}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 3 : i64, n_group = 2 : i64, topk_group = 1 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_n_group(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe n_group 3 must be positive and divide the 4 experts}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 1 : i64, n_group = 3 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_topk_group(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe topk_group 3 must be in [1, n_group = 2]}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 1 : i64, n_group = 2 : i64, topk_group = 3 : i64} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_scaling(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{moe routed_scaling_factor must be finite}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 1 : i64, routed_scaling_factor = 0x7F800000 : f32} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_missing_top_k(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{requires attribute 'top_k'}}
  %0 = graph.moe %x, %r, %g, %g, %d : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_scoring(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{unknown scoring_func 'tanh' (expected softmax or sigmoid)}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 2 : i64, scoring_func = "tanh"} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_group_scoring(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{unknown group_scoring 'mean' (expected max or top2_sum)}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 2 : i64, group_scoring = "mean"} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @moe_bias(%x: tensor<5x6xf32>, %r: tensor<4x6xf32>, %g: tensor<4x3x6xf32>, %d: tensor<4x6x3xf32>) -> tensor<5x6xf32> {
  // expected-error@+1 {{score_correction_bias must be a float tensor of one value per expert (4), got 'tensor<3xf32>'}}
  %0 = graph.moe %x, %r, %g, %g, %d {top_k = 2 : i64, score_correction_bias = dense<0.0> : tensor<3xf32>} : (tensor<5x6xf32>, tensor<4x6xf32>, tensor<4x3x6xf32>, tensor<4x3x6xf32>, tensor<4x6x3xf32>) -> tensor<5x6xf32>
  return %0 : tensor<5x6xf32>
}

// -----

func.func @attention_kv_length_shape(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x6x8xf32>, %n: tensor<2xi32>) -> tensor<1x2x1x8xf32> {
  // expected-error@+1 {{attention kv_length must be a 0-d or 1-element tensor, got 2}}
  %0 = graph.attention %q, %k, %k, %n : (tensor<1x2x1x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<2xi32>) -> tensor<1x2x1x8xf32>
  return %0 : tensor<1x2x1x8xf32>
}

// -----

func.func @attention_kv_length_type(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x6x8xf32>, %n: tensor<i8>) -> tensor<1x2x1x8xf32> {
  // expected-error@+1 {{operand #3 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got}}
  %0 = graph.attention %q, %k, %k, %n : (tensor<1x2x1x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<i8>) -> tensor<1x2x1x8xf32>
  return %0 : tensor<1x2x1x8xf32>
}

// -----

func.func @attention_element_types(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x6x8xbf16>) -> tensor<1x2x1x8xf32> {
  // expected-error@+1 {{query, key, value, mask and result must share one element type, got 'tensor<1x2x6x8xbf16>' with a 'f32' result}}
  %0 = graph.attention %q, %k, %k : (tensor<1x2x1x8xf32>, tensor<1x2x6x8xbf16>, tensor<1x2x6x8xbf16>) -> tensor<1x2x1x8xf32>
  return %0 : tensor<1x2x1x8xf32>
}

// -----

func.func @attention_operand_count(%q: tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32> {
  // expected-error@+1 {{expected query, key, value, an optional mask and an optional kv_length, got 2 operands}}
  %0 = graph.attention %q, %q : (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32>
  return %0 : tensor<1x2x1x8xf32>
}
