// Four one-row products in a chain, each reading its own 2 MiB weight (a
// decode step's projections in miniature): the input of l2_engine.test.
func.func @main(%x: tensor<1x1024xbf16> {graph.name = "x"},
                %w0: tensor<1024x1024xbf16> {graph.name = "w0"},
                %w1: tensor<1024x1024xbf16> {graph.name = "w1"},
                %w2: tensor<1024x1024xbf16> {graph.name = "w2"},
                %w3: tensor<1024x1024xbf16> {graph.name = "w3"})
    -> (tensor<1x1024xbf16> {graph.name = "y"}) {
  %0 = graph.matmul %x, %w0 : (tensor<1x1024xbf16>, tensor<1024x1024xbf16>) -> tensor<1x1024xbf16> loc("p0")
  %1 = graph.matmul %0, %w1 : (tensor<1x1024xbf16>, tensor<1024x1024xbf16>) -> tensor<1x1024xbf16> loc("p1")
  %2 = graph.matmul %1, %w2 : (tensor<1x1024xbf16>, tensor<1024x1024xbf16>) -> tensor<1x1024xbf16> loc("p2")
  %3 = graph.matmul %2, %w3 : (tensor<1x1024xbf16>, tensor<1024x1024xbf16>) -> tensor<1x1024xbf16> loc("p3")
  return %3 : tensor<1x1024xbf16>
}
