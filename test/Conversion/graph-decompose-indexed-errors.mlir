// RUN: not tessera-opt %s --tessera-graph-decompose 2>&1 | FileCheck %s

// The indices of an integer max pool would need a padding value below
// every element: not decomposed, and said so at the op.
// CHECK: error: max_pool_with_indices of 'i8' (padding with -inf needs a float)
func.func @pool_int(%x: tensor<1x1x4x4xi8>) -> (tensor<1x1x2x2xi8>, tensor<1x1x2x2xi64>) {
  %0:2 = graph.max_pool_with_indices %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xi8>) -> (tensor<1x1x2x2xi8>, tensor<1x1x2x2xi64>)
  return %0#0, %0#1 : tensor<1x1x2x2xi8>, tensor<1x1x2x2xi64>
}
