// uint64 values above 2^63 divide, take max/min, modulo and reduce as
// unsigned numbers (they travel as int64 bit patterns in the evaluator).
// RUN: rm -rf %t && tessera-run %s --output-dir %t | FileCheck %s

// CHECK: div: tensor<2xu64> = [4611686018427387904, 6]
// CHECK: max: tensor<2xu64> = [9223372036854775808, 12]
// CHECK: min: tensor<2xu64> = [2, 2]
// CHECK: mod: tensor<2xu64> = [0, 0]
// CHECK: rmax: tensor<u64> = [9223372036854775808]
func.func @main() -> (tensor<2xui64> {graph.name = "div"}, tensor<2xui64> {graph.name = "max"},
                      tensor<2xui64> {graph.name = "min"}, tensor<2xui64> {graph.name = "mod"},
                      tensor<ui64> {graph.name = "rmax"}) {
  %a = graph.constant dense<[9223372036854775808, 12]> : tensor<2xui64>
  %b = graph.constant dense<2> : tensor<2xui64>
  %0 = graph.div %a, %b : (tensor<2xui64>, tensor<2xui64>) -> tensor<2xui64>
  %1 = graph.max %a, %b : (tensor<2xui64>, tensor<2xui64>) -> tensor<2xui64>
  %2 = graph.min %a, %b : (tensor<2xui64>, tensor<2xui64>) -> tensor<2xui64>
  %3 = graph.mod %a, %b : (tensor<2xui64>, tensor<2xui64>) -> tensor<2xui64>
  %4 = graph.reduce_max %a {keepdims = false} : (tensor<2xui64>) -> tensor<ui64>
  return %0, %1, %2, %3, %4 : tensor<2xui64>, tensor<2xui64>, tensor<2xui64>, tensor<2xui64>, tensor<ui64>
}
