// The updated cache is a slice of a buffer that is read again after the
// update: the slice would alias that buffer, so it cannot be updated in
// place either.
func.func @main(%x: tensor<2x6x4xf32>, %rows: tensor<1x1x4xf32>,
                %pos: tensor<1xi64>) -> (tensor<1x6x4xf32>, tensor<2x6x4xf32>) {
  %e = graph.exp %x : (tensor<2x6x4xf32>) -> tensor<2x6x4xf32>
  %c = graph.slice %e {starts = array<i64: 1, 0, 0>, ends = array<i64: 2, 6, 4>, steps = array<i64: 1, 1, 1>} : (tensor<2x6x4xf32>) -> tensor<1x6x4xf32>
  %r = graph.cache_update %c, %rows, %pos {axis = 1 : i64}
      : (tensor<1x6x4xf32>, tensor<1x1x4xf32>, tensor<1xi64>) -> tensor<1x6x4xf32> loc("SliceUpdate")
  %n = graph.neg %e : (tensor<2x6x4xf32>) -> tensor<2x6x4xf32>
  return %r, %n : tensor<1x6x4xf32>, tensor<2x6x4xf32>
}
