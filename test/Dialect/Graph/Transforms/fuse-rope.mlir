// RUN: tessera-opt --tessera-graph-fuse-llm=ops=rope --split-input-file %s | FileCheck %s

// HF's apply_rotary_pos_emb: q * cos + rotate_half(q) * sin, rotate_half
// by Slice, Neg, Concat; cos/sin [B, 1, S, D] become [S, D] tables.
// CHECK-LABEL: func.func @rotate_half
// CHECK-DAG: %[[C:.*]] = graph.reshape %arg1 {shape = array<i64: 16, 8>}
// CHECK-DAG: %[[S:.*]] = graph.reshape %arg2 {shape = array<i64: 16, 8>}
// CHECK: %[[R:.*]] = graph.rope %arg0, %[[C]], %[[S]] : (tensor<1x4x16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<1x4x16x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @rotate_half(%q: tensor<1x4x16x8xf32>, %cos: tensor<1x1x16x8xf32>, %sin: tensor<1x1x16x8xf32>) -> tensor<1x4x16x8xf32> {
  %0 = graph.mul %q, %cos : (tensor<1x4x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x4x16x8xf32>
  %1 = graph.slice %q {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 4, 16, 4>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x16x4xf32>
  %2 = graph.slice %q {starts = array<i64: 0, 0, 0, 4>, ends = array<i64: 1, 4, 16, 8>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x16x4xf32>
  %3 = graph.neg %2 : (tensor<1x4x16x4xf32>) -> tensor<1x4x16x4xf32>
  %4 = graph.concat %3, %1 {axis = -1 : i64} : (tensor<1x4x16x4xf32>, tensor<1x4x16x4xf32>) -> tensor<1x4x16x8xf32>
  %5 = graph.mul %4, %sin : (tensor<1x4x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x4x16x8xf32>
  %6 = graph.add %0, %5 : (tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  return %6 : tensor<1x4x16x8xf32>
}

// -----

// The halves by Split, the products and the sum in the other order, and
// per-sequence tables [B, 1, S, D] with B = 2 (kept as [B, S, D]).
// CHECK-LABEL: func.func @rotate_half_split
// CHECK: graph.rope %arg0, %{{.*}}, %{{.*}} : (tensor<2x4x16x8xf32>, tensor<2x16x8xf32>, tensor<2x16x8xf32>) -> tensor<2x4x16x8xf32>
// CHECK-NOT: graph.neg
func.func @rotate_half_split(%q: tensor<2x4x16x8xf32>, %cos: tensor<2x1x16x8xf32>, %sin: tensor<2x1x16x8xf32>) -> tensor<2x4x16x8xf32> {
  %h:2 = graph.split %q {axis = 3 : i64, sizes = array<i64: 4, 4>} : (tensor<2x4x16x8xf32>) -> (tensor<2x4x16x4xf32>, tensor<2x4x16x4xf32>)
  %3 = graph.neg %h#1 : (tensor<2x4x16x4xf32>) -> tensor<2x4x16x4xf32>
  %4 = graph.concat %3, %h#0 {axis = 3 : i64} : (tensor<2x4x16x4xf32>, tensor<2x4x16x4xf32>) -> tensor<2x4x16x8xf32>
  %5 = graph.mul %sin, %4 : (tensor<2x1x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  %0 = graph.mul %cos, %q : (tensor<2x1x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  %6 = graph.add %5, %0 : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %6 : tensor<2x4x16x8xf32>
}

// -----

// GPT-J's rotate_every_two: stack((-x[..., 1::2], x[..., ::2]), -1)
// flattened, exported as strided Slices, Neg, Unsqueeze (Reshape), Concat,
// Reshape: style interleaved.
// CHECK-LABEL: func.func @interleaved
// CHECK: graph.rope %arg0, %arg1, %arg2 {style = "interleaved"} : (tensor<1x2x16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>)
func.func @interleaved(%q: tensor<1x2x16x8xf32>, %cos: tensor<16x8xf32>, %sin: tensor<16x8xf32>) -> tensor<1x2x16x8xf32> {
  %0 = graph.mul %q, %cos : (tensor<1x2x16x8xf32>, tensor<16x8xf32>) -> tensor<1x2x16x8xf32>
  %1 = graph.slice %q {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 2, 16, 8>, steps = array<i64: 1, 1, 1, 2>} : (tensor<1x2x16x8xf32>) -> tensor<1x2x16x4xf32>
  %2 = graph.slice %q {starts = array<i64: 0, 0, 0, 1>, ends = array<i64: 1, 2, 16, 8>, steps = array<i64: 1, 1, 1, 2>} : (tensor<1x2x16x8xf32>) -> tensor<1x2x16x4xf32>
  %3 = graph.neg %2 : (tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %4 = graph.reshape %3 {shape = array<i64: 1, 2, 16, 4, 1>} : (tensor<1x2x16x4xf32>) -> tensor<1x2x16x4x1xf32>
  %5 = graph.reshape %1 {shape = array<i64: 1, 2, 16, 4, 1>} : (tensor<1x2x16x4xf32>) -> tensor<1x2x16x4x1xf32>
  %6 = graph.concat %4, %5 {axis = -1 : i64} : (tensor<1x2x16x4x1xf32>, tensor<1x2x16x4x1xf32>) -> tensor<1x2x16x4x2xf32>
  %7 = graph.reshape %6 {shape = array<i64: 1, 2, 16, 8>} : (tensor<1x2x16x4x2xf32>) -> tensor<1x2x16x8xf32>
  %8 = graph.mul %7, %sin : (tensor<1x2x16x8xf32>, tensor<16x8xf32>) -> tensor<1x2x16x8xf32>
  %9 = graph.add %0, %8 : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %9 : tensor<1x2x16x8xf32>
}

// -----

// HF's DeepSeek code de-interleaves first (view [.., D/2, 2], transpose,
// reshape) and then applies rotate_half: style deinterleaved of the input.
// CHECK-LABEL: func.func @deinterleaved
// CHECK: graph.rope %arg0, %{{.*}}, %{{.*}} {style = "deinterleaved"} : (tensor<1x1x16x8xf32>
// CHECK-NOT: graph.transpose
func.func @deinterleaved(%k: tensor<1x1x16x8xf32>, %cos: tensor<1x1x16x8xf32>, %sin: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  %a = graph.reshape %k {shape = array<i64: 1, 1, 16, 4, 2>} : (tensor<1x1x16x8xf32>) -> tensor<1x1x16x4x2xf32>
  %b = graph.transpose %a {perm = array<i64: 0, 1, 2, 4, 3>} : (tensor<1x1x16x4x2xf32>) -> tensor<1x1x16x2x4xf32>
  %q = graph.reshape %b {shape = array<i64: 1, 1, 16, 8>} : (tensor<1x1x16x2x4xf32>) -> tensor<1x1x16x8xf32>
  %0 = graph.mul %q, %cos : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  %1 = graph.slice %q {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 1, 16, 4>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x1x16x8xf32>) -> tensor<1x1x16x4xf32>
  %2 = graph.slice %q {starts = array<i64: 0, 0, 0, 4>, ends = array<i64: 1, 1, 16, 8>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x1x16x8xf32>) -> tensor<1x1x16x4xf32>
  %3 = graph.neg %2 : (tensor<1x1x16x4xf32>) -> tensor<1x1x16x4xf32>
  %4 = graph.concat %3, %1 {axis = -1 : i64} : (tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>) -> tensor<1x1x16x8xf32>
  %5 = graph.mul %4, %sin : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  %6 = graph.add %0, %5 : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return %6 : tensor<1x1x16x8xf32>
}

// -----

// Near misses: the halves swapped (Neg of the low half); the rotation
// without its Neg; tables that vary per head; the rotated value reused.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: graph.rope
func.func @near_misses(%q: tensor<1x4x16x8xf32>, %cos: tensor<1x1x16x8xf32>, %sin: tensor<1x1x16x8xf32>, %hcos: tensor<1x4x16x8xf32>) -> (tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>) {
  %lo = graph.slice %q {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 4, 16, 4>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x16x4xf32>
  %hi = graph.slice %q {starts = array<i64: 0, 0, 0, 4>, ends = array<i64: 1, 4, 16, 8>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x16x4xf32>
  %nlo = graph.neg %lo : (tensor<1x4x16x4xf32>) -> tensor<1x4x16x4xf32>
  %r1 = graph.concat %nlo, %hi {axis = -1 : i64} : (tensor<1x4x16x4xf32>, tensor<1x4x16x4xf32>) -> tensor<1x4x16x8xf32>
  %c1 = graph.mul %q, %cos : (tensor<1x4x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x4x16x8xf32>
  %s1 = graph.mul %r1, %sin : (tensor<1x4x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x4x16x8xf32>
  %o1 = graph.add %c1, %s1 : (tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>

  %lo2 = graph.slice %q {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 4, 16, 4>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x16x4xf32>
  %hi2 = graph.slice %q {starts = array<i64: 0, 0, 0, 4>, ends = array<i64: 1, 4, 16, 8>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x16x4xf32>
  %r2 = graph.concat %hi2, %lo2 {axis = -1 : i64} : (tensor<1x4x16x4xf32>, tensor<1x4x16x4xf32>) -> tensor<1x4x16x8xf32>
  %c2 = graph.mul %q, %cos : (tensor<1x4x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x4x16x8xf32>
  %s2 = graph.mul %r2, %sin : (tensor<1x4x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x4x16x8xf32>
  %o2 = graph.add %c2, %s2 : (tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>

  %lo3 = graph.slice %q {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 4, 16, 4>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x16x4xf32>
  %hi3 = graph.slice %q {starts = array<i64: 0, 0, 0, 4>, ends = array<i64: 1, 4, 16, 8>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x16x4xf32>
  %nhi3 = graph.neg %hi3 : (tensor<1x4x16x4xf32>) -> tensor<1x4x16x4xf32>
  %r3 = graph.concat %nhi3, %lo3 {axis = -1 : i64} : (tensor<1x4x16x4xf32>, tensor<1x4x16x4xf32>) -> tensor<1x4x16x8xf32>
  %c3 = graph.mul %q, %hcos : (tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  %s3 = graph.mul %r3, %sin : (tensor<1x4x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x4x16x8xf32>
  %o3 = graph.add %c3, %s3 : (tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>

  %lo4 = graph.slice %q {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 4, 16, 4>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x16x4xf32>
  %hi4 = graph.slice %q {starts = array<i64: 0, 0, 0, 4>, ends = array<i64: 1, 4, 16, 8>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x16x4xf32>
  %nhi4 = graph.neg %hi4 : (tensor<1x4x16x4xf32>) -> tensor<1x4x16x4xf32>
  %r4 = graph.concat %nhi4, %lo4 {axis = -1 : i64} : (tensor<1x4x16x4xf32>, tensor<1x4x16x4xf32>) -> tensor<1x4x16x8xf32>
  %c4 = graph.mul %q, %cos : (tensor<1x4x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x4x16x8xf32>
  %s4 = graph.mul %r4, %sin : (tensor<1x4x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x4x16x8xf32>
  %o4 = graph.add %c4, %s4 : (tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  return %o1, %o2, %o3, %o4, %r4 : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>
}
