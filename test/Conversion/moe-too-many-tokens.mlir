// An MoE over more tokens than the NPU dispatch takes is an error at its
// node, naming the numbers.
// RUN: not tessera-compile %s --target=dc -o %t.npu 2>&1 | FileCheck %s
// CHECK: error: no NPU lowering for node '{{.*}}' (graph.moe): an MoE over 4097 tokens; at most 4096 (the dispatch counts each expert's earlier tokens with a [T + 1, T] triangular matrix)
func.func @main(%x: tensor<1x4097x8xf32> {graph.name = "x"}, %r: tensor<2x8xf32> {graph.name = "r"},
                %g: tensor<2x4x8xf32> {graph.name = "g"}, %u: tensor<2x4x8xf32> {graph.name = "u"},
                %d: tensor<2x8x4xf32> {graph.name = "d"}) -> (tensor<1x4097x8xf32> {graph.name = "y"}) {
  %y = graph.moe %x, %r, %g, %u, %d {top_k = 1 : i64} : (tensor<1x4097x8xf32>, tensor<2x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x8x4xf32>) -> tensor<1x4097x8xf32>
  return %y : tensor<1x4097x8xf32>
}
