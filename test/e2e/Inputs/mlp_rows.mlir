// A prefill MLP, down(swiglu(gate(x), up(x))), over 1024 rows with
// nn.Linear's [N, K] weights (Gemm trans_b), as a Hugging Face import has it.
func.func @main(%x: tensor<1024x128xf32> {graph.name = "x"},
                %wg: tensor<256x128xf32> {graph.name = "w_gate"},
                %wu: tensor<256x128xf32> {graph.name = "w_up"},
                %wd: tensor<128x256xf32> {graph.name = "w_down"})
    -> (tensor<1024x128xf32> {graph.name = "y"}) {
  %g = graph.gemm %x, %wg {trans_b = true} : (tensor<1024x128xf32>, tensor<256x128xf32>) -> tensor<1024x256xf32> loc("gate_proj")
  %u = graph.gemm %x, %wu {trans_b = true} : (tensor<1024x128xf32>, tensor<256x128xf32>) -> tensor<1024x256xf32> loc("up_proj")
  %h = graph.swiglu %g, %u : (tensor<1024x256xf32>, tensor<1024x256xf32>) -> tensor<1024x256xf32> loc("mlp")
  %y = graph.gemm %h, %wd {trans_b = true} : (tensor<1024x256xf32>, tensor<128x256xf32>) -> tensor<1024x128xf32> loc("down_proj")
  return %y : tensor<1024x128xf32>
}
