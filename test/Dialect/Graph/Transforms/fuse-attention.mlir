// RUN: tessera-opt --tessera-graph-fuse-llm=ops=attention --split-input-file %s | FileCheck %s

// HF eager attention: MatMul, Div(sqrt(D)), Add(causal mask), Softmax,
// MatMul. The constant causal mask becomes causal = true; 1/sqrt(8) is the
// op's default scale.
// CHECK-LABEL: func.func @causal_div
// CHECK-NEXT: %[[O:.*]] = graph.attention %arg0, %arg1, %arg2 {causal = true} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK-NEXT: return %[[O]]
func.func @causal_div(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %c = graph.constant dense<2.82842708> : tensor<f32>
  %mask = graph.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %kt = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s = graph.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %d = graph.div %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %m = graph.add %d, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = graph.softmax %m {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = graph.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Scale by Mul (scalar first), mask by Where(keep, scores, -inf) with a
// constant tril condition.
// CHECK-LABEL: func.func @causal_where
// CHECK-NEXT: graph.attention %arg0, %arg1, %arg2 {causal = true, scale = 5.000000e-01 : f32}
func.func @causal_where(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %c = graph.constant dense<0.5> : tensor<f32>
  %inf = graph.constant dense<0xFF800000> : tensor<f32>
  %keep = graph.constant dense<[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>
  %kt = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s = graph.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %d = graph.mul %c, %s : (tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %m = graph.where %keep, %d, %inf : (tensor<4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = graph.softmax %m {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = graph.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// masked_fill(triu, finfo.min): Where(drop, fill, scores), the condition
// computed from a constant (Not); no scale at all (scale 1).
// CHECK-LABEL: func.func @causal_masked_fill
// CHECK-NEXT: graph.attention %arg0, %arg1, %arg2 {causal = true, scale = 1.000000e+00 : f32}
func.func @causal_masked_fill(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %min = graph.constant dense<-3.40282347E+38> : tensor<f32>
  %keep = graph.constant dense<[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>
  %drop = graph.not %keep : (tensor<4x4xi1>) -> tensor<4x4xi1>
  %kt = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s = graph.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m = graph.where %drop, %min, %s : (tensor<4x4xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = graph.softmax %m {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = graph.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Grouped-query attention: HF's repeat_kv (Reshape, Expand, Reshape) of
// one key/value head for two query heads is undone.
// CHECK-LABEL: func.func @gqa
// CHECK-NEXT: graph.attention %arg0, %arg1, %arg2 {causal = true} : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK-NEXT: return
func.func @gqa(%q: tensor<1x2x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %c = graph.constant dense<2.82842708> : tensor<f32>
  %mask = graph.constant dense<[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %kra = graph.reshape %k {shape = array<i64: 1, 1, 1, 4, 8>} : (tensor<1x1x4x8xf32>) -> tensor<1x1x1x4x8xf32>
  %krb = graph.expand %kra {shape = array<i64: 1, 1, 2, 4, 8>} : (tensor<1x1x1x4x8xf32>) -> tensor<1x1x2x4x8xf32>
  %kr = graph.reshape %krb {shape = array<i64: 1, 2, 4, 8>} : (tensor<1x1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %vra = graph.reshape %v {shape = array<i64: 1, 1, 1, 4, 8>} : (tensor<1x1x4x8xf32>) -> tensor<1x1x1x4x8xf32>
  %vrb = graph.expand %vra {shape = array<i64: 1, 1, 2, 4, 8>} : (tensor<1x1x1x4x8xf32>) -> tensor<1x1x2x4x8xf32>
  %vr = graph.reshape %vrb {shape = array<i64: 1, 2, 4, 8>} : (tensor<1x1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %kt = graph.transpose %kr {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s = graph.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %d = graph.div %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %m = graph.add %d, %mask : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = graph.softmax %m {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = graph.matmul %p, %vr : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// MLA: query and key heads of 12 (nope 8 + rope 4) and value heads of 8.
// CHECK-LABEL: func.func @mla
// CHECK: %[[Q:.*]] = graph.concat
// CHECK: %[[K:.*]] = graph.concat
// (the scale is 1/sqrt(12), the op's default)
// CHECK-NEXT: graph.attention %[[Q]], %[[K]], %arg4 {causal = true} : (tensor<1x2x4x12xf32>, tensor<1x2x4x12xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
func.func @mla(%qn: tensor<1x2x4x8xf32>, %qr: tensor<1x2x4x4xf32>, %kn: tensor<1x2x4x8xf32>, %kr: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %c = graph.constant dense<0.288675129> : tensor<f32>
  %mask = graph.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %q = graph.concat %qn, %qr {axis = -1 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x12xf32>
  %k = graph.concat %kn, %kr {axis = -1 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x12xf32>
  %kt = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x12xf32>) -> tensor<1x2x12x4xf32>
  %s = graph.matmul %q, %kt : (tensor<1x2x4x12xf32>, tensor<1x2x12x4xf32>) -> tensor<1x2x4x4xf32>
  %d = graph.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %m = graph.add %d, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = graph.softmax %m {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = graph.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Masks that are not the causal one keep their values as the mask
// operand: an anti-causal constant, a causal layout filled with only -100
// (not small enough to equal -inf), and a run-time padding mask.
// CHECK-LABEL: func.func @other_masks
// CHECK-DAG: %[[A:.*]] = graph.constant {{.*}} : tensor<1x1x4x4xf32>
// CHECK-DAG: %[[W:.*]] = graph.constant {{.*}} : tensor<4x4xf32>
// CHECK: graph.attention %arg0, %arg1, %arg2, %[[A]] {scale = 1.000000e+00 : f32}
// CHECK: graph.attention %arg0, %arg1, %arg2, %[[W]] {scale = 1.000000e+00 : f32}
// CHECK: graph.attention %arg0, %arg1, %arg2, %arg3 {scale = 1.000000e+00 : f32}
func.func @other_masks(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %pad: tensor<1x1x1x4xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %anti = graph.constant dense<[[[[0.0, 0.0, 0.0, 0.0], [-3.40282347E+38, 0.0, 0.0, 0.0], [-3.40282347E+38, -3.40282347E+38, 0.0, 0.0], [-3.40282347E+38, -3.40282347E+38, -3.40282347E+38, 0.0]]]]> : tensor<1x1x4x4xf32>
  %weak = graph.constant dense<[[0.0, -100.0, -100.0, -100.0], [0.0, 0.0, -100.0, -100.0], [0.0, 0.0, 0.0, -100.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %kt0 = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s0 = graph.matmul %q, %kt0 : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m0 = graph.add %s0, %anti : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p0 = graph.softmax %m0 {axis = 3 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o0 = graph.matmul %p0, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %kt1 = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s1 = graph.matmul %q, %kt1 : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m1 = graph.add %s1, %weak : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p1 = graph.softmax %m1 {axis = 3 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o1 = graph.matmul %p1, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %kt2 = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s2 = graph.matmul %q, %kt2 : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m2 = graph.add %s2, %pad : (tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x4x4xf32>
  %p2 = graph.softmax %m2 {axis = 3 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o2 = graph.matmul %p2, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o0, %o1, %o2 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

// -----

// Near misses: a Where whose condition is not causal; a softmax over
// queries; a negative scale; the probabilities also returned.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: graph.attention
func.func @near_misses(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>) {
  %inf = graph.constant dense<0xFF800000> : tensor<f32>
  %neg = graph.constant dense<-0.5> : tensor<f32>
  %cond = graph.constant dense<[[true, true, false, false], [true, true, true, false], [true, true, true, true], [true, true, true, true]]> : tensor<4x4xi1>
  %kt0 = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s0 = graph.matmul %q, %kt0 : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m0 = graph.where %cond, %s0, %inf : (tensor<4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p0 = graph.softmax %m0 {axis = 3 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o0 = graph.matmul %p0, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %kt1 = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s1 = graph.matmul %q, %kt1 : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %p1 = graph.softmax %s1 {axis = 2 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o1 = graph.matmul %p1, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %kt2 = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s2 = graph.matmul %q, %kt2 : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %d2 = graph.mul %s2, %neg : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p2 = graph.softmax %d2 {axis = 3 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o2 = graph.matmul %p2, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %kt3 = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s3 = graph.matmul %q, %kt3 : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %p3 = graph.softmax %s3 {axis = 3 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o3 = graph.matmul %p3, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o0, %o1, %o2, %o3, %p3 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>
}

// -----

// Keys repeated but values already full (no common factor): the repeat
// stays and attention reads the repeated key.
// CHECK-LABEL: func.func @gqa_key_only
// CHECK: %[[KR:.*]] = graph.reshape %{{.*}} {shape = array<i64: 1, 2, 4, 8>}
// CHECK-NEXT: graph.attention %arg0, %[[KR]], %arg2 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>)
func.func @gqa_key_only(%q: tensor<1x2x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %kra = graph.reshape %k {shape = array<i64: 1, 1, 1, 4, 8>} : (tensor<1x1x4x8xf32>) -> tensor<1x1x1x4x8xf32>
  %krb = graph.expand %kra {shape = array<i64: 1, 1, 2, 4, 8>} : (tensor<1x1x1x4x8xf32>) -> tensor<1x1x2x4x8xf32>
  %kr = graph.reshape %krb {shape = array<i64: 1, 2, 4, 8>} : (tensor<1x1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %kt = graph.transpose %kr {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s = graph.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %c = graph.constant dense<0.353553385> : tensor<f32>
  %m = graph.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = graph.softmax %m {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = graph.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// MLA with the scores written per part, as DeepSeek's reference code does:
// q_nope k_nope^T + q_pe k_pe^T, the rope key [B, 1, S, Dr] shared by the
// heads. The parts become the fused op's concatenated query and key.
// CHECK-LABEL: func.func @mla_split
// CHECK-DAG: %[[Q:.*]] = graph.concat %arg0, %arg1 {axis = 3 : i64}
// CHECK-DAG: %[[KP:.*]] = graph.expand %arg3 {shape = array<i64: 1, 2, 4, 4>}
// CHECK-DAG: %[[K:.*]] = graph.concat %arg2, %[[KP]] {axis = 3 : i64}
// CHECK: graph.attention %[[Q]], %[[K]], %arg4 {causal = true} : (tensor<1x2x4x12xf32>, tensor<1x2x4x12xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
func.func @mla_split(%qn: tensor<1x2x4x8xf32>, %qp: tensor<1x2x4x4xf32>, %kn: tensor<1x2x4x8xf32>, %kp: tensor<1x1x4x4xf32>, %v: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>) {
  %c = graph.constant dense<0.288675129> : tensor<f32>
  %mask = graph.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %knt = graph.transpose %kn {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %kpt = graph.transpose %kp {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %s1 = graph.matmul %qn, %knt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %s2 = graph.matmul %qp, %kpt : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = graph.add %s1, %s2 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %d = graph.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %m = graph.add %d, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = graph.softmax %m {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = graph.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
