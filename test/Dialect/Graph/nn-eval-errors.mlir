// Errors only the data can reveal are reported by the evaluator at the op.
// RUN: split-file --leading-lines %s %t
// RUN: not tessera-run %t/nll.mlir --output-dir %t/out 2>&1 | FileCheck %s --check-prefix=NLL
// RUN: not tessera-run %t/sce.mlir --output-dir %t/out 2>&1 | FileCheck %s --check-prefix=SCE

//--- nll.mlir
func.func @main() -> tensor<f32> {
  %x = graph.constant dense<0.0> : tensor<2x3xf32>
  %t = graph.constant dense<[0, 3]> : tensor<2xi64>
  // NLL: nll.mlir:[[@LINE+1]]:8: error: 'graph.nll_loss' op loss target value 3 is out of range [0, 3)
  %0 = graph.nll_loss %x, %t : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

//--- sce.mlir
func.func @main() -> tensor<2xf32> {
  %x = graph.constant dense<0.0> : tensor<2x3xf32>
  %t = graph.constant dense<[-1, 1]> : tensor<2xi32>
  // SCE: sce.mlir:[[@LINE+1]]:10: error: 'graph.softmax_cross_entropy_loss' op loss target value -1 is out of range [0, 3) and is not ignore_index -100
  %0:2 = graph.softmax_cross_entropy_loss %x, %t {reduction = "none", ignore_index = -100 : i64} : (tensor<2x3xf32>, tensor<2xi32>) -> (tensor<2xf32>, tensor<2x3xf32>)
  return %0#0 : tensor<2xf32>
}
