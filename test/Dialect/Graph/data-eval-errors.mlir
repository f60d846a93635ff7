// Errors only the data can reveal (an index out of range) are reported by
// the evaluator at the op.
// RUN: split-file --leading-lines %s %t
// RUN: not tessera-run %t/gather_elements.mlir --output-dir %t/out 2>&1 | FileCheck %s --check-prefix=GE
// RUN: not tessera-run %t/scatter_elements.mlir --output-dir %t/out 2>&1 | FileCheck %s --check-prefix=SE
// RUN: not tessera-run %t/gather_nd.mlir --output-dir %t/out 2>&1 | FileCheck %s --check-prefix=GND
// RUN: not tessera-run %t/scatter_nd.mlir --output-dir %t/out 2>&1 | FileCheck %s --check-prefix=SND
// RUN: not tessera-run %t/reverse_sequence.mlir --output-dir %t/out 2>&1 | FileCheck %s --check-prefix=REV

//--- gather_elements.mlir
func.func @main() -> tensor<2xf32> {
  %x = graph.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %i = graph.constant dense<[0, 3]> : tensor<2xi64>
  // GE: gather_elements.mlir:[[@LINE+1]]:8: error: 'graph.gather_elements' op gather_elements index 3 is out of range for a dimension of size 3
  %0 = graph.gather_elements %x, %i : (tensor<3xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

//--- scatter_elements.mlir
func.func @main() -> tensor<3xf32> {
  %x = graph.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %i = graph.constant dense<[-4]> : tensor<1xi32>
  %u = graph.constant dense<[9.0]> : tensor<1xf32>
  // SE: scatter_elements.mlir:[[@LINE+1]]:8: error: 'graph.scatter_elements' op scatter_elements index -4 is out of range for a dimension of size 3
  %0 = graph.scatter_elements %x, %i, %u : (tensor<3xf32>, tensor<1xi32>, tensor<1xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

//--- gather_nd.mlir
func.func @main() -> tensor<1xf32> {
  %x = graph.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %i = graph.constant dense<[[1, 2]]> : tensor<1x2xi64>
  // GND: gather_nd.mlir:[[@LINE+1]]:8: error: 'graph.gather_nd' op gather_nd index 2 is out of range for a dimension of size 2
  %0 = graph.gather_nd %x, %i : (tensor<2x2xf32>, tensor<1x2xi64>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

//--- scatter_nd.mlir
func.func @main() -> tensor<2x2xf32> {
  %x = graph.constant dense<0.0> : tensor<2x2xf32>
  %i = graph.constant dense<[[5]]> : tensor<1x1xi64>
  %u = graph.constant dense<1.0> : tensor<1x2xf32>
  // SND: scatter_nd.mlir:[[@LINE+1]]:8: error: 'graph.scatter_nd' op scatter_nd index 5 is out of range for a dimension of size 2
  %0 = graph.scatter_nd %x, %i, %u : (tensor<2x2xf32>, tensor<1x1xi64>, tensor<1x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

//--- reverse_sequence.mlir
func.func @main() -> tensor<3x2xf32> {
  %x = graph.constant dense<0.0> : tensor<3x2xf32>
  %l = graph.constant dense<[1, 4]> : tensor<2xi64>
  // REV: reverse_sequence.mlir:[[@LINE+1]]:8: error: 'graph.reverse_sequence' op reverse_sequence length 4 is out of range for 3 time steps
  %0 = graph.reverse_sequence %x, %l : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
