// RUN: rm -rf %t && tessera-run %s --output-dir %t | FileCheck %s

// Golden evaluation of graph.dequant_matmul on hand values: each weight is
// decoded (int4 nibbles low first, minus the group's zero point; e4m3
// codes), times its block's scale, and the input multiplies the result
// transposed.

func.func @main() -> (tensor<1x2xf32> {graph.name = "int4"},
                      tensor<1x2xf32> {graph.name = "fp8"}) {
  %x = graph.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>
  // q row 0 = [1, 2, 3, 4], row 1 = [15, 0, 8, 8]; groups of 2 along K.
  %w = graph.constant dense<[[33, 67], [15, 136]]> : tensor<2x2xui8>
  %s = graph.constant dense<[[0.5, 1.0], [0.25, 2.0]]> : tensor<2x2xf32>
  %z = graph.constant dense<[[0, 1], [8, 8]]> : tensor<2x2xui8>
  // w row 0 = [0.5, 1, 2, 3]: 0.5 + 2 + 6 + 12 = 20.5
  // w row 1 = [1.75, -2, 0, 0]: 1.75 - 4 = -2.25
  %i4 = graph.dequant_matmul %x, %w, %s, %z {format = "int4", block_n = 1, block_k = 2} : (tensor<1x4xf32>, tensor<2x2xui8>, tensor<2x2xf32>, tensor<2x2xui8>) -> tensor<1x2xf32>
  %x2 = graph.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  // e4m3 0x38 = 1, 0x40 = 2, 0xB8 = -1, 0x3C = 1.5; one scale per row.
  %w2 = graph.constant dense<[[56, 64], [184, 60]]> : tensor<2x2xui8>
  %s2 = graph.constant dense<[[0.5], [4.0]]> : tensor<2x1xf32>
  // w row 0 = [0.5, 1]: 2.5; w row 1 = [-4, 6]: 8
  %f8 = graph.dequant_matmul %x2, %w2, %s2 {format = "fp8_e4m3", block_n = 1, block_k = 2} : (tensor<1x2xf32>, tensor<2x2xui8>, tensor<2x1xf32>) -> tensor<1x2xf32>
  return %i4, %f8 : tensor<1x2xf32>, tensor<1x2xf32>
}

// CHECK: int4: tensor<1x2xf32> = [20.5, -2.25]
// CHECK: fp8: tensor<1x2xf32> = [2.5, 8]
