// A compute-bound projection, then an expert-shaped one (M = 96) whose
// weights are read once: the L2 read-ahead input of l2_prefetch.test.
func.func @main(%x: tensor<512x2048xbf16> {graph.name = "x"}, %w: tensor<2048x2048xbf16> {graph.name = "w"}, %ex: tensor<96x1024xbf16> {graph.name = "expert_x"}, %ew: tensor<1024x2048xbf16> {graph.name = "expert_w"}) -> (tensor<512x2048xbf16> {graph.name = "y"}, tensor<96x2048xbf16> {graph.name = "expert_y"}) {
  %0 = graph.matmul %x, %w : (tensor<512x2048xbf16>, tensor<2048x2048xbf16>) -> tensor<512x2048xbf16>
  %1 = graph.matmul %ex, %ew : (tensor<96x1024xbf16>, tensor<1024x2048xbf16>) -> tensor<96x2048xbf16>
  return %0, %1 : tensor<512x2048xbf16>, tensor<96x2048xbf16>
}
