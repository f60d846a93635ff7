// A prefill MLP whose down product is cut where the row chunks meet (3072
// output columns: 12 column tiles of 256, so 768 rows make 72 jobs and 256
// rows 24, whole rounds on dc's 24 matrix cores): test/e2e/mlp_rows.test.
func.func @main(%x: tensor<1024x64xf32> {graph.name = "x"},
                %wg: tensor<128x64xf32> {graph.name = "w_gate"},
                %wu: tensor<128x64xf32> {graph.name = "w_up"},
                %wd: tensor<3072x128xf32> {graph.name = "w_down"})
    -> (tensor<1024x3072xf32> {graph.name = "y"}) {
  %g = graph.gemm %x, %wg {trans_b = true} : (tensor<1024x64xf32>, tensor<128x64xf32>) -> tensor<1024x128xf32> loc("gate_proj")
  %u = graph.gemm %x, %wu {trans_b = true} : (tensor<1024x64xf32>, tensor<128x64xf32>) -> tensor<1024x128xf32> loc("up_proj")
  %h = graph.swiglu %g, %u : (tensor<1024x128xf32>, tensor<1024x128xf32>) -> tensor<1024x128xf32> loc("mlp")
  %y = graph.gemm %h, %wd {trans_b = true} : (tensor<1024x128xf32>, tensor<3072x128xf32>) -> tensor<1024x3072xf32> loc("down_proj")
  return %y : tensor<1024x3072xf32>
}
