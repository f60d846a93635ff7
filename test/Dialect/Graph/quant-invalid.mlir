// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Every error graph.weight_quant_matmul's verifier reports.

func.func @scale_shape(%x: tensor<2x8xf32>, %w: tensor<4x8xi8>, %s: tensor<8xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{the scale must be [N] = [4] (one per output channel), got 8}}
  %0 = graph.weight_quant_matmul %x, %w, %s : (tensor<2x8xf32>, tensor<4x8xi8>, tensor<8xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @inner_dim(%x: tensor<2x6xf32>, %w: tensor<4x8xi8>, %s: tensor<4xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{the weight 4x8 is [N, K] but the input 2x6 has K = 6}}
  %0 = graph.weight_quant_matmul %x, %w, %s : (tensor<2x6xf32>, tensor<4x8xi8>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @weight_rank(%x: tensor<2x8xf32>, %w: tensor<1x4x8xi8>, %s: tensor<4xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{the weight must be 2-D ([N, K]), got 1x4x8}}
  %0 = graph.weight_quant_matmul %x, %w, %s : (tensor<2x8xf32>, tensor<1x4x8xi8>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @input_rank(%x: tensor<8xf32>, %w: tensor<4x8xi8>, %s: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{the input must have rank >= 2 ([..., M, K]), got 8}}
  %0 = graph.weight_quant_matmul %x, %w, %s : (tensor<8xf32>, tensor<4x8xi8>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @weight_type(%x: tensor<2x8xf32>, %w: tensor<4x8xi32>, %s: tensor<4xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{operand #1 must be tensor of 8-bit signless integer values}}
  %0 = graph.weight_quant_matmul %x, %w, %s : (tensor<2x8xf32>, tensor<4x8xi32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @scale_type(%x: tensor<2x8xbf16>, %w: tensor<4x8xi8>, %s: tensor<4xf16>) -> tensor<2x4xbf16> {
  // expected-error@+1 {{the scale must be f32 or the input's element type, got 'f16'}}
  %0 = graph.weight_quant_matmul %x, %w, %s : (tensor<2x8xbf16>, tensor<4x8xi8>, tensor<4xf16>) -> tensor<2x4xbf16>
  return %0 : tensor<2x4xbf16>
}
