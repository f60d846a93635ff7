// 1024 rows of 2048 f32 gathered from a 256-row table (gather_wide_rows.test).
func.func @main(%t: tensor<256x2048xf32> {graph.name = "table"},
                %i: tensor<1024xi64> {graph.name = "idx"})
    -> (tensor<1024x2048xf32> {graph.name = "out"}) {
  %r = graph.gather %t, %i {axis = 0 : i64} : (tensor<256x2048xf32>, tensor<1024xi64>) -> tensor<1024x2048xf32>
  return %r : tensor<1024x2048xf32>
}
