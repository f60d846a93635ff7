// RUN: tessera-opt %s --tessera-graph-decompose | FileCheck %s

// A reduction over more than 16384 elements becomes a reduction of partial
// results over groups of at most 4096: a reduce_max over all 196608
// elements of an image is 48 group maxima, then their maximum.
// CHECK-LABEL: func.func @all_axes
// CHECK-NOT: graph.transpose
// CHECK: %[[R:.*]] = graph.reshape %arg0 {shape = array<i64: 48, 4096>}
// CHECK: %[[P:.*]] = graph.reduce_max %[[R]] {axes = array<i64: 1>, keepdims = false} : (tensor<48x4096xf32>) -> tensor<48xf32>
// CHECK: graph.reduce_max %[[P]] {axes = array<i64: 0>, keepdims = false} : (tensor<48xf32>) -> tensor<f32>
func.func @all_axes(%x: tensor<1x3x256x256xf32>) -> tensor<f32> {
  %0 = graph.reduce_max %x {keepdims = false} : (tensor<1x3x256x256xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// A global average pool kept as [N, C, 1, 1]: the means of the groups, then
// their mean, reshaped back.
// CHECK-LABEL: func.func @mean_keepdims
// CHECK: graph.reshape %arg0 {shape = array<i64: 2, 8, 8, 3200>}
// CHECK: graph.reduce_mean {{.*}} -> tensor<2x8x8xf32>
// CHECK: graph.reduce_mean {{.*}} -> tensor<2x8xf32>
// CHECK: graph.reshape {{.*}} -> tensor<2x8x1x1xf32>
func.func @mean_keepdims(%x: tensor<2x8x160x160xf32>) -> tensor<2x8x1x1xf32> {
  %0 = graph.reduce_mean %x {axes = array<i64: 2, 3>} : (tensor<2x8x160x160xf32>) -> tensor<2x8x1x1xf32>
  return %0 : tensor<2x8x1x1xf32>
}

// A reduced axis in the middle moves last first; a sum of squares sums its
// partial sums of squares; a log-sum sums first and takes the log last.
// CHECK-LABEL: func.func @middle_axis
// CHECK: graph.transpose %arg0 {perm = array<i64: 0, 2, 1>}
// CHECK: graph.reshape {{.*}} -> tensor<2x3x5x4000xf32>
// CHECK: graph.reduce_sum_square {{.*}} -> tensor<2x3x5xf32>
// CHECK: graph.reduce_sum {{.*}} -> tensor<2x3xf32>
// CHECK: graph.reduce_sum {{.*}} -> tensor<2x3x5xf32>
// CHECK: graph.reduce_log_sum {{.*}} -> tensor<2x3xf32>
func.func @middle_axis(%x: tensor<2x20000x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = graph.reduce_sum_square %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x20000x3xf32>) -> tensor<2x3xf32>
  %1 = graph.reduce_log_sum %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x20000x3xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// Short reductions, integer means (a group mean truncates) and counts with
// no divisor between 64 and 4096 (a prime) stay as they are.
// CHECK-LABEL: func.func @unchanged
// CHECK-NOT: graph.reshape
// CHECK: graph.reduce_sum {{.*}} -> tensor<4xf32>
// CHECK: graph.reduce_mean {{.*}} -> tensor<i32>
// CHECK: graph.reduce_max {{.*}} -> tensor<f32>
func.func @unchanged(%a: tensor<4x16384xf32>, %b: tensor<40000xi32>, %c: tensor<16411xf32>) -> (tensor<4xf32>, tensor<i32>, tensor<f32>) {
  %0 = graph.reduce_sum %a {axes = array<i64: 1>, keepdims = false} : (tensor<4x16384xf32>) -> tensor<4xf32>
  %1 = graph.reduce_mean %b {keepdims = false} : (tensor<40000xi32>) -> tensor<i32>
  %2 = graph.reduce_max %c {keepdims = false} : (tensor<16411xf32>) -> tensor<f32>
  return %0, %1, %2 : tensor<4xf32>, tensor<i32>, tensor<f32>
}
