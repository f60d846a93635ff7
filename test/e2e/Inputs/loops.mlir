// Kernels whose structure repeats, checked by loops.test: a GEMM (K loop
// over double-buffered chunks, several output tiles per core), a decode
// GEMV (vector-core jobs streaming row blocks) and an elementwise vector
// kernel over many tiles.
func.func @main(%a: tensor<256x1024xf32> {graph.name = "a"}, %b: tensor<1024x512xf32> {graph.name = "b"},
                %x: tensor<1x4096xf32> {graph.name = "x"}, %w: tensor<4096x1024xf32> {graph.name = "w"},
                %v: tensor<512x1024xf32> {graph.name = "v"})
    -> (tensor<256x512xf32> {graph.name = "gemm"}, tensor<1x1024xf32> {graph.name = "gemv"},
        tensor<512x1024xf32> {graph.name = "vec"}) {
  %0 = graph.matmul %a, %b : (tensor<256x1024xf32>, tensor<1024x512xf32>) -> tensor<256x512xf32>
  %1 = graph.matmul %x, %w : (tensor<1x4096xf32>, tensor<4096x1024xf32>) -> tensor<1x1024xf32>
  %e = graph.exp %v : (tensor<512x1024xf32>) -> tensor<512x1024xf32>
  %2 = graph.mul %e, %v : (tensor<512x1024xf32>, tensor<512x1024xf32>) -> tensor<512x1024xf32>
  return %0, %1, %2 : tensor<256x512xf32>, tensor<1x1024xf32>, tensor<512x1024xf32>
}
