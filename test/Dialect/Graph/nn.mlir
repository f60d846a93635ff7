// RUN: tessera-opt %s | FileCheck %s
// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s -mlir-print-op-generic | tessera-opt | FileCheck %s

// Round trip of every NN op; defaults stay implicit.

// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<1x4x7x5xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>)
    -> (tensor<1x6x4x2xf32>, tensor<1x6x3x1xf32>) {
  // CHECK: graph.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 0, 1, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x7x5xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x4x2xf32>
  %0 = graph.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 1, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x4x7x5xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x4x2xf32>
  // No bias, dilation 2: extent 5 in 7 rows gives 3, in 5 columns 1.
  // CHECK: graph.conv %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x7x5xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x3x1xf32>
  %1 = graph.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, group = 2 : i64} : (tensor<1x4x7x5xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x3x1xf32>
  return %0, %1 : tensor<1x6x4x2xf32>, tensor<1x6x3x1xf32>
}

// CHECK-LABEL: func.func @conv_transpose
func.func @conv_transpose(%x: tensor<1x1x3x3xf32>, %w: tensor<1x2x3x3xf32>) -> tensor<1x2x10x8xf32> {
  // CHECK: graph.conv_transpose %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 3, 2>} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x10x8xf32>
  %0 = graph.conv_transpose %x, %w {strides = array<i64: 3, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x10x8xf32>
  return %0 : tensor<1x2x10x8xf32>
}

// CHECK-LABEL: func.func @pools
func.func @pools(%x: tensor<1x3x5x5xf32>, %u: tensor<1x1x4x4xui8>)
    -> (tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>, tensor<1x3x4x4xf32>, tensor<1x1x2x2xui8>) {
  // CHECK: graph.max_pool %{{.*}} {ceil_mode = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x3x5x5xf32>) -> tensor<1x3x3x3xf32>
  %0 = graph.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<1x3x5x5xf32>) -> tensor<1x3x3x3xf32>
  // CHECK: graph.avg_pool %{{.*}} {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x5x5xf32>) -> tensor<1x3x3x3xf32>
  %1 = graph.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, count_include_pad = true} : (tensor<1x3x5x5xf32>) -> tensor<1x3x3x3xf32>
  // CHECK: graph.lp_pool %{{.*}} {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, p = 3 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x5x5xf32>) -> tensor<1x3x4x4xf32>
  %2 = graph.lp_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, p = 3 : i64} : (tensor<1x3x5x5xf32>) -> tensor<1x3x4x4xf32>
  // CHECK: graph.max_pool %{{.*}} : (tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8>
  %3 = graph.max_pool %u {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8>
  return %0, %1, %2, %3 : tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>, tensor<1x3x4x4xf32>, tensor<1x1x2x2xui8>
}

// CHECK-LABEL: func.func @max_pool_with_indices
func.func @max_pool_with_indices(%x: tensor<1x3x5x5xf32>) -> (tensor<1x3x2x2xf32>, tensor<1x3x2x2xi64>) {
  // CHECK: %{{.*}}, %{{.*}} = graph.max_pool_with_indices %{{.*}} {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, storage_order = 1 : i64, strides = array<i64: 2, 2>} : (tensor<1x3x5x5xf32>) -> (tensor<1x3x2x2xf32>, tensor<1x3x2x2xi64>)
  %0:2 = graph.max_pool_with_indices %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, storage_order = 1 : i64} : (tensor<1x3x5x5xf32>) -> (tensor<1x3x2x2xf32>, tensor<1x3x2x2xi64>)
  return %0#0, %0#1 : tensor<1x3x2x2xf32>, tensor<1x3x2x2xi64>
}

// CHECK-LABEL: func.func @norms
func.func @norms(%x: tensor<2x3x4x5xf32>, %c: tensor<3xf32>) -> (tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>) {
  // CHECK: graph.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32}
  %0 = graph.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-3 : f32} : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x5xf32>
  // CHECK: graph.instance_norm %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x5xf32>
  %1 = graph.instance_norm %x, %c, %c : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x5xf32>
  // CHECK: graph.lrn %{{.*}} {size = 3 : i64}
  %2 = graph.lrn %x {size = 3 : i64} : (tensor<2x3x4x5xf32>) -> tensor<2x3x4x5xf32>
  // CHECK: graph.mean_variance_norm %{{.*}} {axes = array<i64: 0, 2, 3>}
  %3 = graph.mean_variance_norm %x {axes = array<i64: 0, 2, 3>} : (tensor<2x3x4x5xf32>) -> tensor<2x3x4x5xf32>
  // CHECK: graph.lp_norm %{{.*}} {axis = 1 : i64, p = 1 : i64}
  %4 = graph.lp_norm %x {axis = 1 : i64, p = 1 : i64} : (tensor<2x3x4x5xf32>) -> tensor<2x3x4x5xf32>
  return %0, %1, %2, %3, %4 : tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>
}

// CHECK-LABEL: func.func @selection
func.func @selection(%x: tensor<2x3x4xf32>, %i: tensor<2x3xi32>) -> (tensor<2x1x4xi64>, tensor<2x3xi64>, tensor<2x3x2xf32>, tensor<2x3x2xi64>, tensor<2x3xi32>, tensor<2x3x4xf32>) {
  // CHECK: graph.argmax %{{.*}} {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x1x4xi64>
  %0 = graph.argmax %x {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x1x4xi64>
  // CHECK: graph.argmin %{{.*}} {axis = 2 : i64, keepdims = false, select_last_index = true} : (tensor<2x3x4xf32>) -> tensor<2x3xi64>
  %1 = graph.argmin %x {axis = 2 : i64, keepdims = false, select_last_index = true} : (tensor<2x3x4xf32>) -> tensor<2x3xi64>
  // CHECK: %{{.*}}, %{{.*}} = graph.top_k %{{.*}} {k = 2 : i64, largest = false} : (tensor<2x3x4xf32>) -> (tensor<2x3x2xf32>, tensor<2x3x2xi64>)
  %2:2 = graph.top_k %x {k = 2 : i64, largest = false} : (tensor<2x3x4xf32>) -> (tensor<2x3x2xf32>, tensor<2x3x2xi64>)
  // CHECK: graph.cumsum %{{.*}} {axis = 0 : i64, exclusive = true, reverse = true} : (tensor<2x3xi32>) -> tensor<2x3xi32>
  %3 = graph.cumsum %i {axis = 0 : i64, exclusive = true, reverse = true} : (tensor<2x3xi32>) -> tensor<2x3xi32>
  // CHECK: graph.hardmax %{{.*}} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %4 = graph.hardmax %x : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0, %1, %2#0, %2#1, %3, %4 : tensor<2x1x4xi64>, tensor<2x3xi64>, tensor<2x3x2xf32>, tensor<2x3x2xi64>, tensor<2x3xi32>, tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @losses
func.func @losses(%x: tensor<2x5x3xf32>, %t: tensor<2x3xi64>, %w: tensor<5xf32>) -> (tensor<f32>, tensor<2x3xf32>, tensor<f32>, tensor<2x5x3xf32>) {
  // CHECK: graph.nll_loss %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x5x3xf32>, tensor<2x3xi64>, tensor<5xf32>) -> tensor<f32>
  %0 = graph.nll_loss %x, %t, %w : (tensor<2x5x3xf32>, tensor<2x3xi64>, tensor<5xf32>) -> tensor<f32>
  // CHECK: graph.nll_loss %{{.*}}, %{{.*}} {ignore_index = -1 : i64, reduction = "none"} : (tensor<2x5x3xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
  %1 = graph.nll_loss %x, %t {reduction = "none", ignore_index = -1 : i64} : (tensor<2x5x3xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
  // CHECK: graph.softmax_cross_entropy_loss %{{.*}}, %{{.*}}, %{{.*}} {reduction = "sum"} : (tensor<2x5x3xf32>, tensor<2x3xi64>, tensor<5xf32>) -> (tensor<f32>, tensor<2x5x3xf32>)
  %2:2 = graph.softmax_cross_entropy_loss %x, %t, %w {reduction = "sum"} : (tensor<2x5x3xf32>, tensor<2x3xi64>, tensor<5xf32>) -> (tensor<f32>, tensor<2x5x3xf32>)
  return %0, %1, %2#0, %2#1 : tensor<f32>, tensor<2x3xf32>, tensor<f32>, tensor<2x5x3xf32>
}

// CHECK-LABEL: func.func @einsum
func.func @einsum(%a: tensor<5x2x3xf32>, %b: tensor<5x3x4xf32>) -> (tensor<5x2x4xf32>, tensor<5x3x2xf32>) {
  // CHECK: graph.einsum %{{.*}}, %{{.*}} {equation = "bij,bjk->bik"} : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  %0 = graph.einsum %a, %b {equation = "bij,bjk->bik"} : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  // CHECK: graph.einsum %{{.*}} {equation = "...ij->...ji"} : (tensor<5x2x3xf32>) -> tensor<5x3x2xf32>
  %1 = graph.einsum %a {equation = "...ij->...ji"} : (tensor<5x2x3xf32>) -> tensor<5x3x2xf32>
  return %0, %1 : tensor<5x2x4xf32>, tensor<5x3x2xf32>
}
