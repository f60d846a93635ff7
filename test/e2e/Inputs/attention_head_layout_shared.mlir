// The split query is also a result (test/e2e/attention_head_layout.test):
// its split stays a copy of its own, the rotation reads the copy.
func.func @main(%q: tensor<1x40x4x32xf32> {graph.name = "q"}, %k: tensor<1x40x4x32xf32> {graph.name = "k"},
                %v: tensor<1x40x4x32xf32> {graph.name = "v"}, %c: tensor<40x32xf32> {graph.name = "c"},
                %s: tensor<40x32xf32> {graph.name = "s"})
    -> (tensor<1x4x40x32xf32> {graph.name = "o"}, tensor<1x4x40x32xf32> {graph.name = "split"}) {
  %qt = graph.transpose %q {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x40x4x32xf32>) -> tensor<1x4x40x32xf32>
  %kt = graph.transpose %k {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x40x4x32xf32>) -> tensor<1x4x40x32xf32>
  %vt = graph.transpose %v {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x40x4x32xf32>) -> tensor<1x4x40x32xf32>
  %qr = graph.rope %qt, %c, %s : (tensor<1x4x40x32xf32>, tensor<40x32xf32>, tensor<40x32xf32>) -> tensor<1x4x40x32xf32>
  %o = graph.attention %qr, %kt, %vt {causal = true} : (tensor<1x4x40x32xf32>, tensor<1x4x40x32xf32>, tensor<1x4x40x32xf32>) -> tensor<1x4x40x32xf32>
  return %o, %qt : tensor<1x4x40x32xf32>, tensor<1x4x40x32xf32>
}
