// A prefill-sized KV-cache write: 256 new rows of 2 heads into a cache of
// capacity 512 at a run-time position (kv_cache_write.test).
func.func @main(%cache: tensor<1x2x512x64xf32> {graph.name = "past"},
                %rows: tensor<1x2x256x64xf32> {graph.name = "rows"},
                %pos: tensor<1xi64> {graph.name = "position"})
    -> (tensor<1x2x512x64xf32> {graph.name = "present"}) {
  %r = graph.cache_update %cache, %rows, %pos {axis = 2 : i64}
      : (tensor<1x2x512x64xf32>, tensor<1x2x256x64xf32>, tensor<1xi64>) -> tensor<1x2x512x64xf32>
  return %r : tensor<1x2x512x64xf32>
}
