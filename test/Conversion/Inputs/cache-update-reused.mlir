// The old cache is read after the update: it cannot be updated in place.
func.func @main(%cache: tensor<1x6x4xf32>, %rows: tensor<1x1x4xf32>,
                %pos: tensor<1xi64>) -> (tensor<1x6x4xf32>, tensor<1x6x4xf32>) {
  %r = graph.cache_update %cache, %rows, %pos {axis = 1 : i64}
      : (tensor<1x6x4xf32>, tensor<1x1x4xf32>, tensor<1xi64>) -> tensor<1x6x4xf32>
  %s = graph.add %cache, %cache : (tensor<1x6x4xf32>, tensor<1x6x4xf32>) -> tensor<1x6x4xf32>
  return %r, %s : tensor<1x6x4xf32>, tensor<1x6x4xf32>
}
