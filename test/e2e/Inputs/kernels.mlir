// Kernels whose tiling matters, checked end to end by npu_kernels.test.
func.func @main(%x: tensor<1x2048xf32> {graph.name = "x"}, %w: tensor<2048x1152xf32> {graph.name = "w"},
                %s: tensor<96x700xf32> {graph.name = "s"},
                %img: tensor<2x3x17x17xf32> {graph.name = "img"},
                %a: tensor<200x96xf32> {graph.name = "a"}, %b: tensor<96x130xf32> {graph.name = "b"})
    -> (tensor<1x1152xf32> {graph.name = "decode"}, tensor<96x700xf32> {graph.name = "softmax"},
        tensor<2x4x9x9xf32> {graph.name = "conv"}, tensor<2x4x4x4xf32> {graph.name = "pool"},
        tensor<200x130xf32> {graph.name = "mm_relu"}, tensor<200x130xf32> {graph.name = "mm_epilogue"}) {
  // Decode-shaped matmul: split-K partial sums on dc.
  %0 = graph.matmul %x, %w : (tensor<1x2048xf32>, tensor<2048x1152xf32>) -> tensor<1x1152xf32>
  // Rows spread over many tiles and cores.
  %1 = graph.softmax %s {axis = -1 : i64} : (tensor<96x700xf32>) -> tensor<96x700xf32>
  // Strided, padded convolution (im2col + matmul) and a max pool with
  // ceil-mode overhang.
  %k = graph.constant dense<[[[[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [0.7, 0.8, 0.9]]]]> : tensor<1x1x3x3xf32>
  %kk = graph.expand %k {shape = array<i64: 4, 3, 3, 3>} : (tensor<1x1x3x3xf32>) -> tensor<4x3x3x3xf32>
  %2 = graph.conv %img, %kk {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<2x3x17x17xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x9x9xf32>
  %3 = graph.max_pool %2 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<2x4x9x9xf32>) -> tensor<2x4x4x4xf32>
  // Odd-sized matmul with a fused ReLU epilogue.
  %4 = graph.matmul %a, %b : (tensor<200x96xf32>, tensor<96x130xf32>) -> tensor<200x130xf32>
  %5 = graph.relu %4 : (tensor<200x130xf32>) -> tensor<200x130xf32>
  // A linear layer with a bias and a GELU: on edge a local-memory epilogue.
  %bias = graph.constant dense<0.125> : tensor<130xf32>
  %6 = graph.matmul %a, %b : (tensor<200x96xf32>, tensor<96x130xf32>) -> tensor<200x130xf32>
  %7 = graph.add %6, %bias : (tensor<200x130xf32>, tensor<130xf32>) -> tensor<200x130xf32>
  %8 = graph.gelu %7 : (tensor<200x130xf32>) -> tensor<200x130xf32>
  return %0, %1, %2, %3, %5, %8 : tensor<1x1152xf32>, tensor<96x700xf32>, tensor<2x4x9x9xf32>, tensor<2x4x4x4xf32>, tensor<200x130xf32>, tensor<200x130xf32>
}
