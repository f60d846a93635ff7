// RUN: tessera-opt %s --tessera-graph-decompose | FileCheck %s

// NLL loss with class weights, ignore_index and mean reduction becomes
// primitive graph ops: a masked gather of the target class, the weights by
// Gather, and a weighted mean.
// CHECK-LABEL: func.func @nll
// CHECK: graph.equal
// CHECK: graph.not
// CHECK: graph.where
// CHECK: graph.reshape {{.*}} -> tensor<3x1x2xi64>
// CHECK: graph.gather_elements {{.*}}axis = 1 : i64
// CHECK: graph.neg
// CHECK: graph.gather %arg2
// CHECK: graph.mul
// CHECK: graph.cast
// CHECK: graph.reduce_sum {{.*}}keepdims = false
// CHECK: graph.reduce_sum {{.*}}keepdims = false
// CHECK: graph.div
// CHECK-NOT: graph.nll_loss
func.func @nll(%x: tensor<3x5x2xf32>, %t: tensor<3x2xi64>, %w: tensor<5xf32>) -> tensor<f32> {
  %0 = graph.nll_loss %x, %t, %w {reduction = "mean", ignore_index = 1 : i64} : (tensor<3x5x2xf32>, tensor<3x2xi64>, tensor<5xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// Softmax cross-entropy: LogSoftmax over the class axis feeds both results.
// CHECK-LABEL: func.func @sce
// CHECK: %[[LP:.*]] = graph.log_softmax %{{.*}} {axis = 1 : i64}
// CHECK: graph.gather_elements %[[LP]]
// CHECK: return %{{.*}}, %[[LP]]
func.func @sce(%s: tensor<3x5xf32>, %t: tensor<3xi64>) -> (tensor<3xf32>, tensor<3x5xf32>) {
  %0:2 = graph.softmax_cross_entropy_loss %s, %t {reduction = "none"} : (tensor<3x5xf32>, tensor<3xi64>) -> (tensor<3xf32>, tensor<3x5xf32>)
  return %0#0, %0#1 : tensor<3xf32>, tensor<3x5xf32>
}

// A linear 2x upsample of the last two axes: one constant matmul per axis
// (the weights of the golden 1-D resize: 0.75/0.25 taps).
// CHECK-LABEL: func.func @resize
// CHECK: %[[W0:.*]] = graph.constant dense<{{\[\[}}1.000000e+00, 0.000000e+00], [7.500000e-01, 2.500000e-01], [2.500000e-01, 7.500000e-01], [0.000000e+00, 1.000000e+00]]> : tensor<4x2xf32>
// CHECK: graph.reshape %arg0 {{.*}} -> tensor<1x2x2xf32>
// CHECK: graph.matmul %[[W0]], {{.*}} -> tensor<1x4x2xf32>
// CHECK: graph.matmul {{.*}} -> tensor<4x4x1xf32>
// CHECK-NOT: graph.resize
func.func @resize(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %0 = graph.resize %x {mode = "linear", sizes = array<i64: 1, 1, 4, 4>, scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// ConvTranspose with stride 2: zeros inserted between the input elements,
// padded by (K - 1) - pad, then a stride-1 convolution with the weight's
// channel roles swapped and its spatial axes reversed.
// CHECK-LABEL: func.func @convt
// CHECK: graph.reshape %arg0 {{.*}} -> tensor<1x1x3x1x3x1xf32>
// CHECK: graph.pad {{.*}} -> tensor<1x1x3x2x3x2xf32>
// CHECK: graph.slice {{.*}} -> tensor<1x1x5x5xf32>
// CHECK: graph.pad {{.*}} -> tensor<1x1x9x9xf32>
// CHECK: graph.transpose {{.*}}perm = array<i64: 0, 2, 1, 3, 4>
// CHECK: graph.gather {{.*}}axis = 2
// CHECK: graph.gather {{.*}}axis = 3
// CHECK: graph.conv {{.*}} -> tensor<1x2x7x7xf32>
// CHECK-NOT: graph.conv_transpose
func.func @convt(%x: tensor<1x1x3x3xf32>, %w: tensor<1x2x3x3xf32>) -> tensor<1x2x7x7xf32> {
  %0 = graph.conv_transpose %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x7x7xf32>
  return %0 : tensor<1x2x7x7xf32>
}

// OneHot along the last axis: indices wrapped, compared with an iota along
// the new axis, then a select of values[1] / values[0].
// CHECK-LABEL: func.func @onehot
// CHECK: graph.less
// CHECK: graph.add
// CHECK: graph.where
// CHECK: graph.reshape {{.*}} -> tensor<3x1xi64>
// CHECK: graph.constant dense<{{\[\[}}0, 1, 2, 3]]> : tensor<1x4xi64>
// CHECK: graph.equal {{.*}} -> tensor<3x4xi1>
// CHECK: graph.where {{.*}} -> tensor<3x4xf32>
// CHECK-NOT: graph.one_hot
func.func @onehot(%i: tensor<3xi64>, %v: tensor<2xf32>) -> tensor<3x4xf32> {
  %0 = graph.one_hot %i, %v {depth = 4 : i64, axis = -1 : i64} : (tensor<3xi64>, tensor<2xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// A slice with a negative step: the positive-step axis stays a slice (the
// reversed one kept whole), the reversed axis is a Gather counting down
// from the start.
// CHECK-LABEL: func.func @reverse_slice
// CHECK: %[[S:.*]] = graph.slice %arg0 {ends = array<i64: 4, 10>, starts = array<i64: 1, 0>, steps = array<i64: 2, 1>} : (tensor<4x10xf32>) -> tensor<2x10xf32>
// CHECK: %[[I:.*]] = graph.constant dense<[8, 5, 2]> : tensor<3xi64>
// CHECK: graph.gather %[[S]], %[[I]] {axis = 1 : i64} : (tensor<2x10xf32>, tensor<3xi64>) -> tensor<2x3xf32>
// CHECK-NOT: graph.slice
func.func @reverse_slice(%x: tensor<4x10xf32>) -> tensor<2x3xf32> {
  %0 = graph.slice %x {starts = array<i64: 1, 8>, ends = array<i64: 4, 0>, steps = array<i64: 2, -3>} : (tensor<4x10xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// A whole reversed axis needs no slice.
// CHECK-LABEL: func.func @reverse_all
// CHECK-NOT: graph.slice
// CHECK: graph.constant dense<[3, 2, 1, 0]> : tensor<4xi64>
// CHECK: graph.gather %arg0
func.func @reverse_all(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = graph.slice %x {starts = array<i64: 3>, ends = array<i64: -1>, steps = array<i64: -1>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// LRN over 5 channels, size 4: the squares padded by 1 channel before and 2
// after, four channel slices summed, then alpha / size, bias and the power.
// CHECK-LABEL: func.func @lrn
// CHECK: %[[SQ:.*]] = graph.mul %arg0, %arg0
// CHECK: %[[P:.*]] = graph.pad %[[SQ]] {{.*}}pads = array<i64: 0, 1, 0, 0, 0, 2, 0, 0>{{.*}} -> tensor<2x8x3x3xf32>
// CHECK: %[[S0:.*]] = graph.slice %[[P]] {ends = array<i64: 2, 5, 3, 3>, starts = array<i64: 0, 0, 0, 0>
// CHECK: %[[S1:.*]] = graph.slice %[[P]] {ends = array<i64: 2, 6, 3, 3>, starts = array<i64: 0, 1, 0, 0>
// CHECK: graph.add %[[S0]], %[[S1]]
// CHECK: graph.slice %[[P]] {ends = array<i64: 2, 7, 3, 3>, starts = array<i64: 0, 2, 0, 0>
// CHECK: graph.slice %[[P]] {ends = array<i64: 2, 8, 3, 3>, starts = array<i64: 0, 3, 0, 0>
// CHECK: graph.mul {{.*}} -> tensor<2x5x3x3xf32>
// CHECK: graph.add
// CHECK: graph.pow
// CHECK: graph.div %arg0
// CHECK-NOT: graph.lrn
func.func @lrn(%x: tensor<2x5x3x3xf32>) -> tensor<2x5x3x3xf32> {
  %0 = graph.lrn %x {size = 4 : i64, alpha = 2.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : (tensor<2x5x3x3xf32>) -> tensor<2x5x3x3xf32>
  return %0 : tensor<2x5x3x3xf32>
}
