// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Type inference checks the shapes and attributes of grid_sample and
// roi_align.

func.func @grid_rank(%x: tensor<1x1x4x4xf32>, %g: tensor<1x3x2xf32>) -> tensor<1x1x1x3xf32> {
  // expected-error@+2 {{grid_sample grid has shape 1x3x2; it must be [N, H_out, W_out, 2]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.grid_sample %x, %g : (tensor<1x1x4x4xf32>, tensor<1x3x2xf32>) -> tensor<1x1x1x3xf32>
  return %0 : tensor<1x1x1x3xf32>
}

// -----

func.func @grid_batch(%x: tensor<2x1x4x4xf32>, %g: tensor<1x1x3x2xf32>) -> tensor<2x1x1x3xf32> {
  // expected-error@+2 {{grid_sample grid batch 1 differs from the input's 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.grid_sample %x, %g : (tensor<2x1x4x4xf32>, tensor<1x1x3x2xf32>) -> tensor<2x1x1x3xf32>
  return %0 : tensor<2x1x1x3xf32>
}

// -----

func.func @grid_mode(%x: tensor<1x1x4x4xf32>, %g: tensor<1x1x3x2xf32>) -> tensor<1x1x1x3xf32> {
  // expected-error@+2 {{unknown grid_sample mode 'area' (expected bilinear, nearest or bicubic)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.grid_sample %x, %g {mode = "area"} : (tensor<1x1x4x4xf32>, tensor<1x1x3x2xf32>) -> tensor<1x1x1x3xf32>
  return %0 : tensor<1x1x1x3xf32>
}

// -----

func.func @grid_padding(%x: tensor<1x1x4x4xf32>, %g: tensor<1x1x3x2xf32>) -> tensor<1x1x1x3xf32> {
  // expected-error@+2 {{unknown grid_sample padding_mode 'wrap' (expected zeros, border or reflection)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.grid_sample %x, %g {padding_mode = "wrap"} : (tensor<1x1x4x4xf32>, tensor<1x1x3x2xf32>) -> tensor<1x1x1x3xf32>
  return %0 : tensor<1x1x1x3xf32>
}

// -----

func.func @roi_batch_indices(%x: tensor<1x1x4x4xf32>, %r: tensor<2x4xf32>, %b: tensor<3xi64>) -> tensor<2x1x1x1xf32> {
  // expected-error@+2 {{roi_align batch_indices have shape 3; they must be [2], one per roi}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.roi_align %x, %r, %b : (tensor<1x1x4x4xf32>, tensor<2x4xf32>, tensor<3xi64>) -> tensor<2x1x1x1xf32>
  return %0 : tensor<2x1x1x1xf32>
}

// -----

func.func @roi_mode(%x: tensor<1x1x4x4xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<2x1x1x1xf32> {
  // expected-error@+2 {{unknown roi_align mode 'sum' (expected avg or max)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.roi_align %x, %r, %b {mode = "sum"} : (tensor<1x1x4x4xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x1x1x1xf32>
  return %0 : tensor<2x1x1x1xf32>
}

// -----

func.func @roi_output(%x: tensor<1x1x4x4xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<2x1x1x1xf32> {
  // expected-error@+2 {{roi_align output size 0x1 must be positive}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = graph.roi_align %x, %r, %b {output_height = 0} : (tensor<1x1x4x4xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x1x1x1xf32>
  return %0 : tensor<2x1x1x1xf32>
}
