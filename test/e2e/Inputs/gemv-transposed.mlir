// Decode projections with nn.Linear's [N, K] weights (Gemm trans_b): the
// vector cores' GEMV jobs read the weight's rows and take dot products.
func.func @main(%x: tensor<1x2048xf32> {graph.name = "x"},
                %w_up: tensor<4096x2048xf32> {graph.name = "w_up"},
                %w_down: tensor<2048x4096xf32> {graph.name = "w_down"})
    -> (tensor<1x4096xf32> {graph.name = "h"}, tensor<1x2048xf32> {graph.name = "y"}) {
  %h = graph.gemm %x, %w_up {trans_b = true} : (tensor<1x2048xf32>, tensor<4096x2048xf32>) -> tensor<1x4096xf32> loc("up_proj")
  %y = graph.gemm %h, %w_down {trans_b = true, alpha = 0.5 : f32} : (tensor<1x4096xf32>, tensor<2048x4096xf32>) -> tensor<1x2048xf32> loc("down_proj")
  return %h, %y : tensor<1x4096xf32>, tensor<1x2048xf32>
}
