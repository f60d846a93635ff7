// RUN: tessera-opt --tessera-graph-fuse-llm=ops=rms_norm --split-input-file %s | FileCheck %s

// torch.onnx.export's RMSNorm (HF LlamaRMSNorm with torch.rsqrt):
// Pow, ReduceMean, Add, Sqrt, Div(1, .), Mul, Mul(weight).
// CHECK-LABEL: func.func @rsqrt_form
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>, %[[W:.*]]: tensor<8xf32>)
// (epsilon 1e-6 is the op's default, so it is not printed)
// CHECK-NEXT: %[[N:.*]] = graph.rms_norm %[[X]], %[[W]] {axis = 1 : i64} :
// CHECK-NEXT: return %[[N]]
func.func @rsqrt_form(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
  %two = graph.constant dense<2.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %one = graph.constant dense<1.0> : tensor<f32>
  %0 = graph.pow %x, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = graph.reduce_mean %0 {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %2 = graph.add %1, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %3 = graph.sqrt %2 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %4 = graph.div %one, %3 : (tensor<f32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %5 = graph.mul %x, %4 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %6 = graph.mul %5, %w : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %6 : tensor<2x8xf32>
}

// -----

// x / sqrt(...) with the square as Mul(x, x), eps first, weight first.
// CHECK-LABEL: func.func @div_sqrt_form
// CHECK-NEXT: %[[N:.*]] = graph.rms_norm %arg0, %arg1 {axis = 2 : i64, epsilon = 9.99999974E-6 : f32}
// CHECK-NEXT: return %[[N]]
func.func @div_sqrt_form(%x: tensor<1x4x8xf32>, %w: tensor<8xf32>) -> tensor<1x4x8xf32> {
  %eps = graph.constant dense<1.0e-5> : tensor<f32>
  %0 = graph.mul %x, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %1 = graph.reduce_mean %0 {axes = array<i64: 2>} : (tensor<1x4x8xf32>) -> tensor<1x4x1xf32>
  %2 = graph.add %eps, %1 : (tensor<f32>, tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %3 = graph.sqrt %2 : (tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %4 = graph.div %x, %3 : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
  %5 = graph.mul %w, %4 : (tensor<8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return %5 : tensor<1x4x8xf32>
}

// -----

// Reciprocal, no weight (a unit scale), two trailing axes normalised.
// CHECK-LABEL: func.func @reciprocal_no_weight
// CHECK: %[[ONES:.*]] = graph.constant dense<1.000000e+00> : tensor<4x8xf32>
// CHECK-NEXT: %[[N:.*]] = graph.rms_norm %arg0, %[[ONES]] {axis = 1 : i64} :
// CHECK-NEXT: return %[[N]]
func.func @reciprocal_no_weight(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %two = graph.constant dense<2.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-6> : tensor<1xf32>
  %0 = graph.pow %x, %two : (tensor<2x4x8xf32>, tensor<f32>) -> tensor<2x4x8xf32>
  %1 = graph.reduce_mean %0 {axes = array<i64: -1, 1>} : (tensor<2x4x8xf32>) -> tensor<2x1x1xf32>
  %2 = graph.add %1, %eps : (tensor<2x1x1xf32>, tensor<1xf32>) -> tensor<2x1x1xf32>
  %3 = graph.sqrt %2 : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %4 = graph.reciprocal %3 : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %5 = graph.mul %4, %x : (tensor<2x1x1xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %5 : tensor<2x4x8xf32>
}

// -----

// Near miss: the mean is over a leading axis, not the trailing ones.
// CHECK-LABEL: func.func @wrong_axis
// CHECK-NOT: graph.rms_norm
func.func @wrong_axis(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %two = graph.constant dense<2.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %0 = graph.pow %x, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = graph.reduce_mean %0 {axes = array<i64: 0>} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %2 = graph.add %1, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %3 = graph.sqrt %2 : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %4 = graph.div %x, %3 : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Near miss: epsilon added after the square root (another formula).
// CHECK-LABEL: func.func @eps_after_sqrt
// CHECK-NOT: graph.rms_norm
func.func @eps_after_sqrt(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %two = graph.constant dense<2.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %0 = graph.pow %x, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = graph.reduce_mean %0 {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %2 = graph.sqrt %1 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %3 = graph.add %2, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %4 = graph.div %x, %3 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Near miss: epsilon is a run-time value, not a constant.
// CHECK-LABEL: func.func @eps_not_constant
// CHECK-NOT: graph.rms_norm
func.func @eps_not_constant(%x: tensor<2x8xf32>, %eps: tensor<f32>) -> tensor<2x8xf32> {
  %two = graph.constant dense<2.0> : tensor<f32>
  %0 = graph.pow %x, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = graph.reduce_mean %0 {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %2 = graph.add %1, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %3 = graph.sqrt %2 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %4 = graph.div %x, %3 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Near misses: the square of another value; a cube; the mean not kept.
// CHECK-LABEL: func.func @other_square
// CHECK-NOT: graph.rms_norm
func.func @other_square(%x: tensor<2x8xf32>, %y: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %two = graph.constant dense<2.0> : tensor<f32>
  %three = graph.constant dense<3.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %0 = graph.pow %y, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = graph.reduce_mean %0 {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %2 = graph.add %1, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %3 = graph.sqrt %2 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %4 = graph.div %x, %3 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %5 = graph.pow %x, %three : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %6 = graph.reduce_mean %5 {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %7 = graph.add %6, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %8 = graph.sqrt %7 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %9 = graph.div %x, %8 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %10 = graph.pow %x, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %11 = graph.reduce_mean %10 {axes = array<i64: -1>, keepdims = false} : (tensor<2x8xf32>) -> tensor<2xf32>
  %12 = graph.add %11, %eps : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  %13 = graph.sqrt %12 : (tensor<2xf32>) -> tensor<2xf32>
  %14 = graph.reshape %13 {shape = array<i64: 2, 1>} : (tensor<2xf32>) -> tensor<2x1xf32>
  %15 = graph.div %x, %14 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %4, %9, %15 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Near miss: the mean square is also returned (an extra user).
// CHECK-LABEL: func.func @extra_user
// CHECK-NOT: graph.rms_norm
func.func @extra_user(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x1xf32>) {
  %two = graph.constant dense<2.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %0 = graph.pow %x, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = graph.reduce_mean %0 {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %2 = graph.add %1, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %3 = graph.sqrt %2 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %4 = graph.div %x, %3 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %4, %1 : tensor<2x8xf32>, tensor<2x1xf32>
}

// -----

// A weight that varies per token is not a feature scale: the norm fuses,
// the multiply stays.
// CHECK-LABEL: func.func @per_token_weight
// CHECK: %[[N:.*]] = graph.rms_norm
// CHECK-NEXT: graph.mul %[[N]], %arg1
func.func @per_token_weight(%x: tensor<2x8xf32>, %w: tensor<2x1xf32>) -> tensor<2x8xf32> {
  %two = graph.constant dense<2.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %0 = graph.pow %x, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = graph.reduce_mean %0 {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %2 = graph.add %1, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %3 = graph.sqrt %2 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %4 = graph.div %x, %3 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %5 = graph.mul %4, %w : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %5 : tensor<2x8xf32>
}
