// Three queries (speculative decoding) against a cache of 50 positions, `n`
// of them filled: query i sees keys j <= i + n - 3.
func.func @main(%q: tensor<1x4x3x32xf32> {graph.name = "q"},
                %k: tensor<1x2x50x32xf32> {graph.name = "k"},
                %v: tensor<1x2x50x16xf32> {graph.name = "v"},
                %n: tensor<1xi64> {graph.name = "n"})
    -> (tensor<1x4x3x16xf32> {graph.name = "o"}) {
  %o = graph.attention %q, %k, %v, %n {causal = true} : (tensor<1x4x3x32xf32>, tensor<1x2x50x32xf32>, tensor<1x2x50x16xf32>, tensor<1xi64>) -> tensor<1x4x3x16xf32>
  return %o : tensor<1x4x3x16xf32>
}
