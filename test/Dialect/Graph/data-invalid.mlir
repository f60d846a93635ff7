// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Every type-inference and verifier error of the data-movement ops (and
// resize). The result types written here are what a user might expect; the
// op is rejected before they are compared.
func.func @split_axis(%a: tensor<2x6xf32>) -> tensor<2x6xf32> {
  // expected-error@+2 {{split axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.split %a {axis = 2 : i64, sizes = array<i64: 6>} : (tensor<2x6xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @split_sum(%a: tensor<2x6xf32>) {
  // expected-error@+2 {{split sizes add up to 4, not to the dimension's 6}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:2 = graph.split %a {axis = 1 : i64, sizes = array<i64: 2, 2>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
  return
}

// -----

func.func @split_negative(%a: tensor<2x6xf32>) {
  // expected-error@+2 {{split size -1 is negative}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:2 = graph.split %a {axis = 1 : i64, sizes = array<i64: 7, -1>} : (tensor<2x6xf32>) -> (tensor<2x7xf32>, tensor<2x1xf32>)
  return
}

// -----

func.func @split_empty(%a: tensor<2x6xf32>) {
  // expected-error@+2 {{split needs at least one piece}}
  // expected-error@+1 {{failed to infer returned types}}
  graph.split %a {axis = 1 : i64, sizes = array<i64>} : (tensor<2x6xf32>) -> ()
  return
}

// -----

func.func @expand_bad(%a: tensor<3x2xf32>) -> tensor<4x3xf32> {
  // expected-error@+2 {{shapes 3x2 and 4x3 are not broadcastable}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.expand %a {shape = array<i64: 4, 3>} : (tensor<3x2xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @expand_negative(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-error@+2 {{expand shape -1x2 has a negative dimension}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.expand %a {shape = array<i64: -1, 2>} : (tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @tile_count(%a: tensor<3x2xf32>) -> tensor<6x2xf32> {
  // expected-error@+2 {{tile has 1 repeats for a rank-2 input}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.tile %a {repeats = array<i64: 2>} : (tensor<3x2xf32>) -> tensor<6x2xf32>
  return %0 : tensor<6x2xf32>
}

// -----

func.func @tile_negative(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-error@+2 {{tile repeat -1 is negative}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.tile %a {repeats = array<i64: 1, -1>} : (tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @pad_mode(%a: tensor<3xf32>) -> tensor<5xf32> {
  // expected-error@+2 {{unknown pad mode 'circular' (expected constant, reflect, edge or wrap)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.pad %a {mode = "circular", pads = array<i64: 1, 1>} : (tensor<3xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @pad_count(%a: tensor<3xf32>) -> tensor<5xf32> {
  // expected-error@+2 {{pad has 3 amounts for a rank-1 input (needs 2)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.pad %a {pads = array<i64: 1, 1, 1>} : (tensor<3xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @pad_crop(%a: tensor<3xf32>) -> tensor<0xf32> {
  // expected-error@+2 {{pads -2 and -2 crop more than dimension 0 of size 3 holds}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.pad %a {pads = array<i64: -2, -2>} : (tensor<3xf32>) -> tensor<0xf32>
  return %0 : tensor<0xf32>
}

// -----

func.func @pad_edge_empty(%a: tensor<0x2xf32>) -> tensor<1x2xf32> {
  // expected-error@+2 {{cannot edge-pad dimension 0, which is empty}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.pad %a {mode = "edge", pads = array<i64: 1, 0, 0, 0>} : (tensor<0x2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

func.func @trilu_rank(%a: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error@+2 {{trilu needs rank >= 2, got rank 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.trilu %a : (tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_elements_rank(%a: tensor<3x2xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error@+2 {{gather_elements indices have rank 1, the input rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.gather_elements %a, %i : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_elements_dim(%a: tensor<3x2xf32>, %i: tensor<1x3xi64>) -> tensor<1x3xf32> {
  // expected-error@+2 {{gather_elements indices dimension 1 (3) exceeds the input's (2)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.gather_elements %a, %i : (tensor<3x2xf32>, tensor<1x3xi64>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @gather_elements_axis(%a: tensor<3x2xf32>, %i: tensor<1x2xi64>) -> tensor<1x2xf32> {
  // expected-error@+2 {{gather_elements axis -3 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.gather_elements %a, %i {axis = -3 : i64} : (tensor<3x2xf32>, tensor<1x2xi64>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

func.func @scatter_elements_type(%a: tensor<3xf32>, %i: tensor<2xi64>, %u: tensor<2xf16>) -> tensor<3xf32> {
  // expected-error@+2 {{data and updates differ in element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.scatter_elements %a, %i, %u : (tensor<3xf32>, tensor<2xi64>, tensor<2xf16>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @scatter_elements_reduction(%a: tensor<3xf32>, %i: tensor<2xi64>, %u: tensor<2xf32>) -> tensor<3xf32> {
  // expected-error@+2 {{unknown reduction 'sub' (expected none, add, mul, max or min)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.scatter_elements %a, %i, %u {reduction = "sub"} : (tensor<3xf32>, tensor<2xi64>, tensor<2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @scatter_elements_bool(%a: tensor<3xi1>, %i: tensor<2xi64>, %u: tensor<2xi1>) -> tensor<3xi1> {
  // expected-error@+2 {{reduction 'add' is not defined on bool tensors}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.scatter_elements %a, %i, %u {reduction = "add"} : (tensor<3xi1>, tensor<2xi64>, tensor<2xi1>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

func.func @scatter_elements_shape(%a: tensor<3xf32>, %i: tensor<2xi64>, %u: tensor<1xf32>) -> tensor<3xf32> {
  // expected-error@+2 {{scatter_elements indices 2 and updates 1 differ in shape}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.scatter_elements %a, %i, %u : (tensor<3xf32>, tensor<2xi64>, tensor<1xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_nd_rank(%a: tensor<3xf32>, %i: tensor<i64>) -> tensor<f32> {
  // expected-error@+2 {{gather_nd indices must have rank >= 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.gather_nd %a, %i : (tensor<3xf32>, tensor<i64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @gather_nd_batch_dims(%a: tensor<3x2xf32>, %i: tensor<3x1xi64>) -> tensor<3xf32> {
  // expected-error@+2 {{gather_nd batch_dims 2 must be in [0, min(data rank, indices rank))}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.gather_nd %a, %i {batch_dims = 2 : i64} : (tensor<3x2xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_nd_batch_mismatch(%a: tensor<3x2xf32>, %i: tensor<2x1xi64>) -> tensor<2xf32> {
  // expected-error@+2 {{gather_nd batch dimension 0 differs between data (3) and indices (2)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.gather_nd %a, %i {batch_dims = 1 : i64} : (tensor<3x2xf32>, tensor<2x1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_nd_tuple(%a: tensor<3x2xf32>, %i: tensor<1x3xi64>) -> tensor<1xf32> {
  // expected-error@+2 {{gather_nd index tuples have 3 entries; data of rank 2 with 0 batch dimensions takes 1 to 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.gather_nd %a, %i : (tensor<3x2xf32>, tensor<1x3xi64>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

func.func @scatter_nd_tuple(%a: tensor<3x2xf32>, %i: tensor<1x3xi64>, %u: tensor<1xf32>) -> tensor<3x2xf32> {
  // expected-error@+2 {{scatter_nd index tuples have 3 entries; data of rank 2 takes 1 to 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.scatter_nd %a, %i, %u : (tensor<3x2xf32>, tensor<1x3xi64>, tensor<1xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @scatter_nd_updates(%a: tensor<3x2xf32>, %i: tensor<4x1xi64>, %u: tensor<4xf32>) -> tensor<3x2xf32> {
  // expected-error@+2 {{scatter_nd updates have shape 4, expected 4x2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.scatter_nd %a, %i, %u : (tensor<3x2xf32>, tensor<4x1xi64>, tensor<4xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @scatter_nd_rank(%a: tensor<3xf32>, %i: tensor<i64>, %u: tensor<f32>) -> tensor<3xf32> {
  // expected-error@+2 {{scatter_nd indices must have rank >= 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.scatter_nd %a, %i, %u : (tensor<3xf32>, tensor<i64>, tensor<f32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @one_hot_values(%i: tensor<3xi64>, %v: tensor<3xf32>) -> tensor<3x4xf32> {
  // expected-error@+2 {{one_hot values must hold [off, on], got 3 elements}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.one_hot %i, %v {depth = 4 : i64} : (tensor<3xi64>, tensor<3xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @one_hot_depth(%i: tensor<3xi64>, %v: tensor<2xf32>) -> tensor<3x0xf32> {
  // expected-error@+2 {{one_hot depth 0 must be positive}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.one_hot %i, %v {depth = 0 : i64} : (tensor<3xi64>, tensor<2xf32>) -> tensor<3x0xf32>
  return %0 : tensor<3x0xf32>
}

// -----

func.func @one_hot_axis(%i: tensor<3xi64>, %v: tensor<2xf32>) -> tensor<3x4xf32> {
  // expected-error@+2 {{one_hot axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.one_hot %i, %v {axis = 2 : i64, depth = 4 : i64} : (tensor<3xi64>, tensor<2xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @d2s_mode(%a: tensor<1x4x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+2 {{unknown depth_to_space mode 'RCD' (expected DCR or CRD)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.depth_to_space %a {blocksize = 2 : i64, mode = "RCD"} : (tensor<1x4x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @d2s_rank(%a: tensor<4x2x2xf32>) -> tensor<1x4x4xf32> {
  // expected-error@+2 {{depth_to_space needs a rank-4 (NCHW) input, got rank 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.depth_to_space %a {blocksize = 2 : i64} : (tensor<4x2x2xf32>) -> tensor<1x4x4xf32>
  return %0 : tensor<1x4x4xf32>
}

// -----

func.func @d2s_blocksize(%a: tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32> {
  // expected-error@+2 {{blocksize 0 must be positive}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.depth_to_space %a {blocksize = 0 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

func.func @d2s_channels(%a: tensor<1x6x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+2 {{depth_to_space channels (6) are not divisible by blocksize^2 (4)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.depth_to_space %a {blocksize = 2 : i64} : (tensor<1x6x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @s2d_spatial(%a: tensor<1x1x3x4xf32>) -> tensor<1x4x1x2xf32> {
  // expected-error@+2 {{space_to_depth spatial dimensions 3x4 are not divisible by blocksize 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.space_to_depth %a {blocksize = 2 : i64} : (tensor<1x1x3x4xf32>) -> tensor<1x4x1x2xf32>
  return %0 : tensor<1x4x1x2xf32>
}

// -----

func.func @s2d_rank(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error@+2 {{space_to_depth needs a rank-4 (NCHW) input, got rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.space_to_depth %a {blocksize = 2 : i64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @reverse_sequence_rank(%a: tensor<3xf32>, %l: tensor<3xi64>) -> tensor<3xf32> {
  // expected-error@+2 {{reverse_sequence needs rank >= 2, got rank 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.reverse_sequence %a, %l : (tensor<3xf32>, tensor<3xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @reverse_sequence_axes(%a: tensor<3x2xf32>, %l: tensor<2xi64>) -> tensor<3x2xf32> {
  // expected-error@+2 {{reverse_sequence batch_axis and time_axis must be 0 and 1 in some order, got 1 and 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.reverse_sequence %a, %l {batch_axis = 1 : i64, time_axis = 2 : i64} : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @reverse_sequence_lens(%a: tensor<3x2xf32>, %l: tensor<3xi64>) -> tensor<3x2xf32> {
  // expected-error@+2 {{reverse_sequence needs one sequence length per batch entry (2), got shape 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.reverse_sequence %a, %l : (tensor<3x2xf32>, tensor<3xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @compress_long(%a: tensor<3x2xf32>) -> tensor<3x3xf32> {
  // expected-error@+2 {{compress condition has 3 entries for a dimension of size 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.compress %a {axis = 1 : i64, condition = array<i1: true, true, true>} : (tensor<3x2xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @compress_flat_long(%a: tensor<1x2xf32>) -> tensor<3xf32> {
  // expected-error@+2 {{compress condition has 3 entries for 2 elements}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.compress %a {condition = array<i1: true, true, true>} : (tensor<1x2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @compress_axis(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-error@+2 {{compress axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.compress %a {axis = 2 : i64, condition = array<i1: true>} : (tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @resize_mode(%a: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error@+2 {{unknown resize mode 'area' (expected nearest, linear or cubic)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.resize %a {mode = "area", scales = array<f64: 2.0>, sizes = array<i64: 8>} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @resize_transform(%a: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error@+2 {{unknown coordinate_transformation_mode 'center'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.resize %a {coordinate_transformation_mode = "center", scales = array<f64: 2.0>, sizes = array<i64: 8>} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @resize_nearest_mode(%a: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error@+2 {{unknown nearest_mode 'round'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.resize %a {nearest_mode = "round", scales = array<f64: 2.0>, sizes = array<i64: 8>} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @resize_sizes(%a: tensor<4x4xf32>) -> tensor<8xf32> {
  // expected-error@+2 {{resize has 1 sizes for a rank-2 input}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.resize %a {scales = array<f64: 2.0, 2.0>, sizes = array<i64: 8>} : (tensor<4x4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @resize_scales(%a: tensor<4x4xf32>) -> tensor<8x8xf32> {
  // expected-error@+2 {{resize has 1 scales for a rank-2 input}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.resize %a {scales = array<f64: 2.0>, sizes = array<i64: 8, 8>} : (tensor<4x4xf32>) -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

func.func @resize_negative_size(%a: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error@+2 {{resize size -8 is negative}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.resize %a {scales = array<f64: 2.0>, sizes = array<i64: -8>} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @resize_scale(%a: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error@+2 {{resize scale -2 must be positive}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.resize %a {scales = array<f64: -2.0>, sizes = array<i64: 8>} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @resize_empty(%a: tensor<0xf32>) -> tensor<2xf32> {
  // expected-error@+2 {{cannot resize empty dimension 0 to size 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.resize %a {scales = array<f64: 2.0>, sizes = array<i64: 2>} : (tensor<0xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @resize_roi(%a: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error@+2 {{resize roi has 1 values for a rank-1 input (needs 2)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.resize %a {roi = array<f64: 0.0>, scales = array<f64: 2.0>, sizes = array<i64: 8>} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @resize_crop_roi(%a: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error@+2 {{tf_crop_and_resize needs a roi}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.resize %a {coordinate_transformation_mode = "tf_crop_and_resize", scales = array<f64: 2.0>, sizes = array<i64: 8>} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @pad_fractional_int(%a: tensor<3xi32>) -> tensor<5xi32> {
  // expected-error@+1 {{pad value 1.5 is not an integer but the tensor is 'i32'}}
  %0 = graph.pad %a {pads = array<i64: 1, 1>, value = 1.5 : f64} : (tensor<3xi32>) -> tensor<5xi32>
  return %0 : tensor<5xi32>
}

// -----

func.func @split_wrong_result(%a: tensor<2x6xf32>) -> tensor<2x3xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<2x3xf32>', 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<2x3xf32>', 'tensor<2x4xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:2 = graph.split %a {axis = 1 : i64, sizes = array<i64: 3, 3>} : (tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<2x4xf32>)
  return %0#0 : tensor<2x3xf32>
}

// -----

func.func @gather_elements_float_indices(%a: tensor<3xf32>, %i: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = graph.gather_elements %a, %i : (tensor<3xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
