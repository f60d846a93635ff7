// DeepSeek's decode row split: one projected row [1, 576] holds the latent
// (512) and the rope key (64). Contiguous slices of it are views at byte
// offsets; their readers here are a vector kernel (rms_norm), a product
// (the matrix engine reads its A operand at the offset) and a rope. The
// strided slice of a [4, 96] matrix stays a copy kernel.
func.func @main(%x: tensor<1x64xf32> {graph.name = "x"},
                %w: tensor<576x64xf32> {graph.name = "w"},
                %g: tensor<512xf32> {graph.name = "g"},
                %wk: tensor<64x32xf32> {graph.name = "wk"},
                %cos: tensor<1x64xf32> {graph.name = "cos"},
                %sin: tensor<1x64xf32> {graph.name = "sin"},
                %m: tensor<4x96xf32> {graph.name = "m"})
    -> (tensor<1x512xf32> {graph.name = "latent"}, tensor<1x32xf32> {graph.name = "kproj"},
        tensor<1x1x1x64xf32> {graph.name = "rope"}, tensor<4x32xf32> {graph.name = "cols"}) {
  %row = graph.gemm %x, %w {trans_b = true} : (tensor<1x64xf32>, tensor<576x64xf32>) -> tensor<1x576xf32> loc("kv_a_proj")
  %lat = graph.slice %row {starts = array<i64: 0, 0>, ends = array<i64: 1, 512>, steps = array<i64: 1, 1>} : (tensor<1x576xf32>) -> tensor<1x512xf32> loc("latent_slice")
  %norm = graph.rms_norm %lat, %g : (tensor<1x512xf32>, tensor<512xf32>) -> tensor<1x512xf32> loc("latent_norm")
  %pe = graph.slice %row {starts = array<i64: 0, 512>, ends = array<i64: 1, 576>, steps = array<i64: 1, 1>} : (tensor<1x576xf32>) -> tensor<1x64xf32> loc("rope_slice")
  %kp = graph.matmul %pe, %wk : (tensor<1x64xf32>, tensor<64x32xf32>) -> tensor<1x32xf32> loc("rope_proj")
  %pe4 = graph.reshape %pe {shape = array<i64: 1, 1, 1, 64>} : (tensor<1x64xf32>) -> tensor<1x1x1x64xf32>
  %r = graph.rope %pe4, %cos, %sin {style = "deinterleaved"} : (tensor<1x1x1x64xf32>, tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x1x1x64xf32> loc("rope")
  %c = graph.slice %m {starts = array<i64: 0, 40>, ends = array<i64: 4, 72>, steps = array<i64: 1, 1>} : (tensor<4x96xf32>) -> tensor<4x32xf32> loc("column_slice")
  %cn = graph.neg %c : (tensor<4x32xf32>) -> tensor<4x32xf32> loc("column_neg")
  return %norm, %kp, %r, %cn : tensor<1x512xf32>, tensor<1x32xf32>, tensor<1x1x1x64xf32>, tensor<4x32xf32>
}
