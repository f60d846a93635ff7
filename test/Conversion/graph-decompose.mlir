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
