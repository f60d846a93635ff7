// RUN: rm -rf %t && tessera-run %s --output-dir %t | FileCheck %s

// Golden evaluation of graph.weight_quant_matmul on hand values: the sum
// runs over the int8 weights, then each output column takes its scale, and
// leading dimensions of the input are batch.

func.func @main() -> (tensor<2x3xf32> {graph.name = "y"},
                      tensor<2x1x2xf32> {graph.name = "batched"}) {
  %x = graph.constant dense<[[1.0, 2.0], [-1.0, 0.5]]> : tensor<2x2xf32>
  %w = graph.constant dense<[[1, 2], [-127, 127], [0, -3]]> : tensor<3x2xi8>
  %s = graph.constant dense<[0.5, 0.01, 2.0]> : tensor<3xf32>
  // row 0: [1 + 4, -127 + 254, -6] * s = [2.5, 1.27, -12]
  // row 1: [-1 + 1, 127 + 63.5, -1.5] * s = [0, 1.905, -3]
  %y = graph.weight_quant_matmul %x, %w, %s : (tensor<2x2xf32>, tensor<3x2xi8>, tensor<3xf32>) -> tensor<2x3xf32>
  %xb = graph.constant dense<[[[1.0, 1.0]], [[2.0, -2.0]]]> : tensor<2x1x2xf32>
  %wb = graph.constant dense<[[3, 4], [5, -6]]> : tensor<2x2xi8>
  %sb = graph.constant dense<[1.0, 0.25]> : tensor<2xf32>
  %b = graph.weight_quant_matmul %xb, %wb, %sb : (tensor<2x1x2xf32>, tensor<2x2xi8>, tensor<2xf32>) -> tensor<2x1x2xf32>
  return %y, %b : tensor<2x3xf32>, tensor<2x1x2xf32>
}

// CHECK: y: tensor<2x3xf32> = [2.5, 1.27, -12, 0, 1.905, -3]
// CHECK: batched: tensor<2x1x2xf32> = [7, -0.25, -2, 5.5]
