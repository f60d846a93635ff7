// A tall product over nn.Linear's [N, K] weight (a Gemm with trans_b, as a
// Hugging Face import has it): its B panels are whole rows of w, contiguous
// (the L2 stream input of l2_prefetch.test).
func.func @main(%x: tensor<512x1024xbf16> {graph.name = "x"}, %w: tensor<2048x1024xbf16> {graph.name = "w"}) -> (tensor<512x2048xbf16> {graph.name = "y"}) {
  %0 = graph.gemm %x, %w {trans_b = true} : (tensor<512x1024xbf16>, tensor<2048x1024xbf16>) -> tensor<512x2048xbf16>
  return %0 : tensor<512x2048xbf16>
}
