// DeepSeek's decode row split and join: one projected row [1, 576] holds
// the latent (512) and the rope key (64). Contiguous slices of it are views
// at byte offsets; their readers here are a vector kernel (rms_norm), a
// product (the matrix engine reads its A operand at the offset) and a rope.
// The cache row joins the normalised latent and the rotated key again: a
// concat whose slots are contiguous, so the rms_norm and the rope write
// their results into it. The strided slice of a [4, 96] matrix stays a copy
// kernel, and so does the concat of two [4, 8] matrices along columns, and
// a concat of a result that is also read elsewhere (kproj, twice).
func.func @main(%x: tensor<1x64xf32> {graph.name = "x"},
                %w: tensor<576x64xf32> {graph.name = "w"},
                %g: tensor<512xf32> {graph.name = "g"},
                %wk: tensor<64x32xf32> {graph.name = "wk"},
                %cos: tensor<1x64xf32> {graph.name = "cos"},
                %sin: tensor<1x64xf32> {graph.name = "sin"},
                %m: tensor<4x96xf32> {graph.name = "m"})
    -> (tensor<1x32xf32> {graph.name = "kproj"}, tensor<1x1x576xf32> {graph.name = "row"},
        tensor<4x32xf32> {graph.name = "cols"}, tensor<4x16xf32> {graph.name = "joined"},
        tensor<1x64xf32> {graph.name = "kk"}) {
  %row = graph.gemm %x, %w {trans_b = true} : (tensor<1x64xf32>, tensor<576x64xf32>) -> tensor<1x576xf32> loc("kv_a_proj")
  %lat = graph.slice %row {starts = array<i64: 0, 0>, ends = array<i64: 1, 512>, steps = array<i64: 1, 1>} : (tensor<1x576xf32>) -> tensor<1x512xf32> loc("latent_slice")
  %norm = graph.rms_norm %lat, %g : (tensor<1x512xf32>, tensor<512xf32>) -> tensor<1x512xf32> loc("latent_norm")
  %pe = graph.slice %row {starts = array<i64: 0, 512>, ends = array<i64: 1, 576>, steps = array<i64: 1, 1>} : (tensor<1x576xf32>) -> tensor<1x64xf32> loc("rope_slice")
  %kp = graph.matmul %pe, %wk : (tensor<1x64xf32>, tensor<64x32xf32>) -> tensor<1x32xf32> loc("rope_proj")
  %pe4 = graph.reshape %pe {shape = array<i64: 1, 1, 1, 64>} : (tensor<1x64xf32>) -> tensor<1x1x1x64xf32>
  %r = graph.rope %pe4, %cos, %sin {style = "deinterleaved"} : (tensor<1x1x1x64xf32>, tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x1x1x64xf32> loc("rope")
  %norm3 = graph.reshape %norm {shape = array<i64: 1, 1, 512>} : (tensor<1x512xf32>) -> tensor<1x1x512xf32>
  %r3 = graph.reshape %r {shape = array<i64: 1, 1, 64>} : (tensor<1x1x1x64xf32>) -> tensor<1x1x64xf32>
  %cat = graph.concat %norm3, %r3 {axis = 2 : i64} : (tensor<1x1x512xf32>, tensor<1x1x64xf32>) -> tensor<1x1x576xf32> loc("cache_row")
  %rowsq = graph.mul %cat, %cat : (tensor<1x1x576xf32>, tensor<1x1x576xf32>) -> tensor<1x1x576xf32> loc("row_square")
  %c = graph.slice %m {starts = array<i64: 0, 40>, ends = array<i64: 4, 72>, steps = array<i64: 1, 1>} : (tensor<4x96xf32>) -> tensor<4x32xf32> loc("column_slice")
  %cn = graph.neg %c : (tensor<4x32xf32>) -> tensor<4x32xf32> loc("column_neg")
  %a = graph.exp %c : (tensor<4x32xf32>) -> tensor<4x32xf32> loc("left")
  %al = graph.slice %a {starts = array<i64: 0, 0>, ends = array<i64: 4, 8>, steps = array<i64: 1, 1>} : (tensor<4x32xf32>) -> tensor<4x8xf32>
  %bl = graph.slice %cn {starts = array<i64: 0, 0>, ends = array<i64: 4, 8>, steps = array<i64: 1, 1>} : (tensor<4x32xf32>) -> tensor<4x8xf32>
  %j = graph.concat %al, %bl {axis = 1 : i64} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x16xf32> loc("columns_joined")
  %kk = graph.concat %kp, %kp {axis = 1 : i64} : (tensor<1x32xf32>, tensor<1x32xf32>) -> tensor<1x64xf32> loc("kproj_twice")
  return %kp, %rowsq, %cn, %j, %kk : tensor<1x32xf32>, tensor<1x1x576xf32>, tensor<4x32xf32>, tensor<4x16xf32>, tensor<1x64xf32>
}
