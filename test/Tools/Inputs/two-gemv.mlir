// Two one-row products (decode projections) with named kernels.
func.func @main(%x0: tensor<1x512xbf16> {graph.name = "x0"}, %w0: tensor<512x1024xbf16> {graph.name = "w0"},
                %x1: tensor<1x1024xbf16> {graph.name = "x1"}, %w1: tensor<1024x512xbf16> {graph.name = "w1"})
    -> (tensor<1x1024xbf16> {graph.name = "y0"}, tensor<1x512xbf16> {graph.name = "y1"}) {
  %y0 = graph.matmul %x0, %w0 : (tensor<1x512xbf16>, tensor<512x1024xbf16>) -> tensor<1x1024xbf16> loc("up_proj")
  %y1 = graph.matmul %x1, %w1 : (tensor<1x1024xbf16>, tensor<1024x512xbf16>) -> tensor<1x512xbf16> loc("down_proj")
  return %y0, %y1 : tensor<1x1024xbf16>, tensor<1x512xbf16>
}
