func.func @main(%x0: tensor<1024x1024xbf16> {graph.name = "x"}, %w0: tensor<1024x1024xbf16> {graph.name = "w"}) -> (tensor<1024x1024xbf16> {graph.name = "y"}) {
  %y0 = graph.matmul %x0, %w0 : (tensor<1024x1024xbf16>, tensor<1024x1024xbf16>) -> tensor<1024x1024xbf16>
  return %y0 : tensor<1024x1024xbf16>
}
