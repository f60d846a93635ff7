// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Every error graph.dequant_matmul's verifier reports.

func.func @format(%x: tensor<2x8xf32>, %w: tensor<4x8xui8>, %s: tensor<1x1xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{format must be "int4" or "fp8_e4m3", got "nf4"}}
  %0 = graph.dequant_matmul %x, %w, %s {format = "nf4", block_n = 128, block_k = 128} : (tensor<2x8xf32>, tensor<4x8xui8>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @int4_rows(%x: tensor<2x8xf32>, %w: tensor<4x8xui8>, %s: tensor<4x1xf32>, %z: tensor<4x1xui8>) -> tensor<2x4xf32> {
  // expected-error@+1 {{the weight must be [N, 4] bytes (two 4-bit values per byte for K = 8), got 4x8}}
  %0 = graph.dequant_matmul %x, %w, %s, %z {format = "int4", block_n = 1, block_k = 8} : (tensor<2x8xf32>, tensor<4x8xui8>, tensor<4x1xf32>, tensor<4x1xui8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @int4_block_n(%x: tensor<2x8xf32>, %w: tensor<4x4xui8>, %s: tensor<2x1xf32>, %z: tensor<2x1xui8>) -> tensor<2x4xf32> {
  // expected-error@+1 {{int4 groups run along K: block_n must be 1, got 2}}
  %0 = graph.dequant_matmul %x, %w, %s, %z {format = "int4", block_n = 2, block_k = 8} : (tensor<2x8xf32>, tensor<4x4xui8>, tensor<2x1xf32>, tensor<2x1xui8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @int4_odd_group(%x: tensor<2x8xf32>, %w: tensor<4x4xui8>, %s: tensor<4x3xf32>, %z: tensor<4x3xui8>) -> tensor<2x4xf32> {
  // expected-error@+1 {{int4 packs two values per byte: the group (3) and K (8) must be even}}
  %0 = graph.dequant_matmul %x, %w, %s, %z {format = "int4", block_n = 1, block_k = 3} : (tensor<2x8xf32>, tensor<4x4xui8>, tensor<4x3xf32>, tensor<4x3xui8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @int4_zero_missing(%x: tensor<2x8xf32>, %w: tensor<4x4xui8>, %s: tensor<4x2xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{int4 weights need a zero point per group}}
  %0 = graph.dequant_matmul %x, %w, %s {format = "int4", block_n = 1, block_k = 4} : (tensor<2x8xf32>, tensor<4x4xui8>, tensor<4x2xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @scale_grid(%x: tensor<2x8xf32>, %w: tensor<4x4xui8>, %s: tensor<4x1xf32>, %z: tensor<4x1xui8>) -> tensor<2x4xf32> {
  // expected-error@+1 {{the scale must be 4x2 (one per block of 1x4), got 4x1}}
  %0 = graph.dequant_matmul %x, %w, %s, %z {format = "int4", block_n = 1, block_k = 4} : (tensor<2x8xf32>, tensor<4x4xui8>, tensor<4x1xf32>, tensor<4x1xui8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @zero_grid(%x: tensor<2x8xf32>, %w: tensor<4x4xui8>, %s: tensor<4x2xf32>, %z: tensor<2x2xui8>) -> tensor<2x4xf32> {
  // expected-error@+1 {{the zero point must be 4x2, got 2x2}}
  %0 = graph.dequant_matmul %x, %w, %s, %z {format = "int4", block_n = 1, block_k = 4} : (tensor<2x8xf32>, tensor<4x4xui8>, tensor<4x2xf32>, tensor<2x2xui8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @fp8_zero(%x: tensor<2x8xf32>, %w: tensor<4x8xui8>, %s: tensor<1x1xf32>, %z: tensor<1x1xui8>) -> tensor<2x4xf32> {
  // expected-error@+1 {{fp8_e4m3 weights take no zero point}}
  %0 = graph.dequant_matmul %x, %w, %s, %z {format = "fp8_e4m3", block_n = 128, block_k = 128} : (tensor<2x8xf32>, tensor<4x8xui8>, tensor<1x1xf32>, tensor<1x1xui8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @fp8_block(%x: tensor<2x8xf32>, %w: tensor<4x8xui8>, %s: tensor<1x1xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{the block [0, 128] must be positive}}
  %0 = graph.dequant_matmul %x, %w, %s {format = "fp8_e4m3", block_n = 0, block_k = 128} : (tensor<2x8xf32>, tensor<4x8xui8>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @input_rank(%x: tensor<8xf32>, %w: tensor<4x8xui8>, %s: tensor<1x1xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{the input must have rank >= 2 ([..., M, K]), got 8}}
  %0 = graph.dequant_matmul %x, %w, %s {format = "fp8_e4m3", block_n = 128, block_k = 128} : (tensor<8xf32>, tensor<4x8xui8>, tensor<1x1xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
