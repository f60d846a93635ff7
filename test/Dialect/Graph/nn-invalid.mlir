// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Type inference checks every shape and attribute of the NN ops.

func.func @conv_channels(%x: tensor<1x3x5x5xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x3x3xf32> {
  // expected-error@+2 {{conv weight 4x2x3x3 expects 2 input channels, got 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x3x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

func.func @conv_pads_count(%x: tensor<1x3x5x5xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32> {
  // expected-error@+2 {{conv needs 4 pads (begins then ends), got 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x3x5x5xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x3x5x5xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x3x3xf32> {
  // expected-error@+2 {{conv bias 3 must be [4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x3x5x5xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

func.func @conv_result(%x: tensor<1x3x5x5xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x5x5xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<1x4x3x3xf32>' are incompatible with return type(s) of operation 'tensor<1x4x5x5xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x3x5x5xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x5x5xf32>
  return %0 : tensor<1x4x5x5xf32>
}

// -----

func.func @conv_element_types(%x: tensor<1x3x5x5xf32>, %w: tensor<4x3x3x3xf16>) -> tensor<1x4x3x3xf32> {
  // expected-error@+1 {{requires the same element type for all operands and results}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x3x5x5xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

func.func @conv_missing_strides(%x: tensor<1x3x5x5xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32> {
  // expected-error@+1 {{requires attribute 'strides'}}
  %0 = graph.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x3x5x5xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

func.func @conv_transpose_group(%x: tensor<1x3x3x3xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x4x5x5xf32> {
  // expected-error@+2 {{conv_transpose group 2 must divide the input channels 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.conv_transpose %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, group = 2 : i64} : (tensor<1x3x3x3xf32>, tensor<3x2x3x3xf32>) -> tensor<1x4x5x5xf32>
  return %0 : tensor<1x4x5x5xf32>
}

// -----

func.func @conv_transpose_output_padding(%x: tensor<1x3x3x3xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x2x5x5xf32> {
  // expected-error@+2 {{conv_transpose output_padding must not be negative, got [0, -1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.conv_transpose %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, output_padding = array<i64: 0, -1>} : (tensor<1x3x3x3xf32>, tensor<3x2x3x3xf32>) -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}

// -----

func.func @pool_window(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x1x1xf32> {
  // expected-error@+2 {{max_pool spatial axis 1: window of extent 5 does not fit in padded input extent 4}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.max_pool %x {kernel_shape = array<i64: 2, 5>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}

// -----

func.func @pool_rank(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error@+2 {{avg_pool input must be [N, C, D1, ...] (rank >= 3), got 4x4}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.avg_pool %x {kernel_shape = array<i64>, strides = array<i64>, pads = array<i64>, dilations = array<i64>} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @pool_strides(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error@+2 {{lp_pool strides must be positive, got [0, 1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.lp_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 0, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

func.func @max_pool_i32(%x: tensor<1x1x4x4xi32>) -> tensor<1x1x3x3xi32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of}}
  %0 = graph.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xi32>) -> tensor<1x1x3x3xi32>
  return %0 : tensor<1x1x3x3xi32>
}

// -----

func.func @storage_order(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x3x3xf32>, tensor<1x1x3x3xi64>) {
  // expected-error@+2 {{storage_order must be 0 (row-major) or 1 (column-major), got 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:2 = graph.max_pool_with_indices %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, storage_order = 2 : i64} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x3x3xf32>, tensor<1x1x3x3xi64>)
  return %0#0, %0#1 : tensor<1x1x3x3xf32>, tensor<1x1x3x3xi64>
}

// -----

func.func @batch_norm_params(%x: tensor<2x3x4xf32>, %c: tensor<3xf32>, %d: tensor<4xf32>) -> tensor<2x3x4xf32> {
  // expected-error@+2 {{parameter of shape 4 must be [C] = [3]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.batch_norm %x, %c, %c, %c, %d : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

func.func @instance_norm_rank(%x: tensor<3xf32>, %c: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error@+2 {{input must be [N, C, ...] (rank >= 2), got 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.instance_norm %x, %c, %c : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @lrn_size(%x: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  // expected-error@+2 {{lrn size must be positive, got 0}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.lrn %x {size = 0 : i64} : (tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

func.func @mvn_axes(%x: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  // expected-error@+2 {{axis -1 appears twice}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.mean_variance_norm %x {axes = array<i64: 2, -1>} : (tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

func.func @lp_norm_p(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-error@+2 {{lp_norm p must be 1 or 2, got 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.lp_norm %x {p = 3 : i64} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @argmax_axis(%x: tensor<3x4xf32>) -> tensor<3x4xi64> {
  // expected-error@+2 {{axis -3 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.argmax %x {axis = -3 : i64} : (tensor<3x4xf32>) -> tensor<3x4xi64>
  return %0 : tensor<3x4xi64>
}

// -----

func.func @argmin_empty(%x: tensor<3x0xf32>) -> tensor<3x1xi64> {
  // expected-error@+2 {{cannot take the arg max/min of an empty axis}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.argmin %x {axis = 1 : i64} : (tensor<3x0xf32>) -> tensor<3x1xi64>
  return %0 : tensor<3x1xi64>
}

// -----

func.func @top_k_k(%x: tensor<3x4xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>) {
  // expected-error@+2 {{top_k k = 5 is out of range for axis extent 4}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:2 = graph.top_k %x {k = 5 : i64} : (tensor<3x4xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>)
  return %0#0, %0#1 : tensor<3x5xf32>, tensor<3x5xi64>
}

// -----

func.func @cumsum_axis(%x: tensor<3x4xi32>) -> tensor<3x4xi32> {
  // expected-error@+2 {{axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.cumsum %x {axis = 2 : i64} : (tensor<3x4xi32>) -> tensor<3x4xi32>
  return %0 : tensor<3x4xi32>
}

// -----

func.func @hardmax_axis(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-error@+2 {{axis 5 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.hardmax %x {axis = 5 : i64} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @loss_reduction(%x: tensor<2x5xf32>, %t: tensor<2xi64>) -> tensor<f32> {
  // expected-error@+2 {{reduction must be 'none', 'sum' or 'mean', got 'avg'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.nll_loss %x, %t {reduction = "avg"} : (tensor<2x5xf32>, tensor<2xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @loss_target_shape(%x: tensor<2x5x3xf32>, %t: tensor<2x5xi64>) -> tensor<f32> {
  // expected-error@+2 {{loss target of shape 2x5 must be 2x3 for input 2x5x3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.nll_loss %x, %t : (tensor<2x5x3xf32>, tensor<2x5xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @loss_weight(%x: tensor<2x5xf32>, %t: tensor<2xi64>, %w: tensor<4xf32>) -> (tensor<f32>, tensor<2x5xf32>) {
  // expected-error@+2 {{loss weight of shape 4 must be [C] = [5]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:2 = graph.softmax_cross_entropy_loss %x, %t, %w : (tensor<2x5xf32>, tensor<2xi64>, tensor<4xf32>) -> (tensor<f32>, tensor<2x5xf32>)
  return %0#0, %0#1 : tensor<f32>, tensor<2x5xf32>
}

// -----

func.func @loss_weight_type(%x: tensor<2x5xf32>, %t: tensor<2xi64>, %w: tensor<5xf16>) -> tensor<f32> {
  // expected-error@+2 {{loss weight element type must match the input's}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.nll_loss %x, %t, %w : (tensor<2x5xf32>, tensor<2xi64>, tensor<5xf16>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @loss_float_target(%x: tensor<2x5xf32>, %t: tensor<2xf32>) -> tensor<f32> {
  // expected-error@+1 {{operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = graph.nll_loss %x, %t : (tensor<2x5xf32>, tensor<2xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @einsum_label(%a: tensor<2x3xf32>, %b: tensor<4x2xf32>) -> tensor<2x2xf32> {
  // expected-error@+2 {{einsum label 'j' has extents 3 and 4}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.einsum %a, %b {equation = "ij,jk->ik"} : (tensor<2x3xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @einsum_char(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+2 {{einsum term 'i1' has invalid character '1'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.einsum %a {equation = "i1->1i"} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @einsum_no_inputs() -> tensor<f32> {
  // expected-error@+1 {{expected 1 or more operands, but found 0}}
  %0 = graph.einsum {equation = "->"} : () -> tensor<f32>
  return %0 : tensor<f32>
}
