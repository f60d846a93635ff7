// RUN: tessera-opt %s --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>)
func.func @identities(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %zero = graph.constant dense<0.0> : tensor<2x3xf32>
  %one = graph.constant dense<1.0> : tensor<f32>
  %0 = graph.add %a, %zero : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = graph.mul %0, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %2 = graph.transpose %1 {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = graph.cast %2 {to = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = graph.reshape %3 {shape = array<i64: 6>} : (tensor<2x3xf32>) -> tensor<6xf32>
  %5 = graph.reshape %4 {shape = array<i64: 2, 3>} : (tensor<6xf32>) -> tensor<2x3xf32>
  // CHECK-NOT: graph.
  // CHECK: return %[[A]]
  return %5 : tensor<2x3xf32>
}

// Adding a zero that broadcasts the result to a bigger shape is not an identity.
// CHECK-LABEL: func.func @broadcasting_zero
func.func @broadcasting_zero(%a: tensor<3xf32>) -> tensor<2x3xf32> {
  %zero = graph.constant dense<0.0> : tensor<2x3xf32>
  // CHECK: graph.add
  %0 = graph.add %a, %zero : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
