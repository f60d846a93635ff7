// A weight read whole by one product and, through a view of its second
// half of rows, again by a later one (as kv_b_proj and its W_UK view in
// DeepSeek's absorbed decode): the input of l2_discard.test's VIEW checks.
func.func @main(%x: tensor<1x1024xbf16> {graph.name = "x"},
                %w0: tensor<1024x1024xbf16> {graph.name = "w0"},
                %w1: tensor<1024x1024xbf16> {graph.name = "w1"},
                %w2: tensor<1024x1024xbf16> {graph.name = "w2"})
    -> (tensor<1x1024xbf16> {graph.name = "y"}) {
  %0 = graph.matmul %x, %w0 : (tensor<1x1024xbf16>, tensor<1024x1024xbf16>) -> tensor<1x1024xbf16> loc("p0")
  %1 = graph.matmul %0, %w1 : (tensor<1x1024xbf16>, tensor<1024x1024xbf16>) -> tensor<1x1024xbf16> loc("p1")
  %h = graph.slice %1 {starts = array<i64: 0, 0>, ends = array<i64: 1, 512>, steps = array<i64: 1, 1>} : (tensor<1x1024xbf16>) -> tensor<1x512xbf16> loc("p1_half")
  %s = graph.slice %w0 {starts = array<i64: 512, 0>, ends = array<i64: 1024, 1024>, steps = array<i64: 1, 1>} : (tensor<1024x1024xbf16>) -> tensor<512x1024xbf16> loc("w0_rows")
  %2 = graph.matmul %h, %s : (tensor<1x512xbf16>, tensor<512x1024xbf16>) -> tensor<1x1024xbf16> loc("p2")
  %3 = graph.matmul %2, %w2 : (tensor<1x1024xbf16>, tensor<1024x1024xbf16>) -> tensor<1x1024xbf16> loc("p3")
  return %3 : tensor<1x1024xbf16>
}
