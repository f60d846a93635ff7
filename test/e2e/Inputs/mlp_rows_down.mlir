// A prefill MLP whose down product is wide enough to cut too (1536 output
// columns: 6 column tiles of 256, so 512 rows make 24 jobs, one round on
// dc's 24 matrix cores): test/e2e/mlp_rows.test.
func.func @main(%x: tensor<1024x64xf32> {graph.name = "x"},
                %wg: tensor<128x64xf32> {graph.name = "w_gate"},
                %wu: tensor<128x64xf32> {graph.name = "w_up"},
                %wd: tensor<1536x128xf32> {graph.name = "w_down"})
    -> (tensor<1024x1536xf32> {graph.name = "y"}) {
  %g = graph.gemm %x, %wg {trans_b = true} : (tensor<1024x64xf32>, tensor<128x64xf32>) -> tensor<1024x128xf32> loc("gate_proj")
  %u = graph.gemm %x, %wu {trans_b = true} : (tensor<1024x64xf32>, tensor<128x64xf32>) -> tensor<1024x128xf32> loc("up_proj")
  %h = graph.swiglu %g, %u : (tensor<1024x128xf32>, tensor<1024x128xf32>) -> tensor<1024x128xf32> loc("mlp")
  %y = graph.gemm %h, %wd {trans_b = true} : (tensor<1024x128xf32>, tensor<1536x128xf32>) -> tensor<1024x1536xf32> loc("down_proj")
  return %y : tensor<1024x1536xf32>
}
