// MLA's absorbed decode on bf16 operands computed in the program (so that a
// bf16 program stores them as bf16 and edge runs Q K^T and P V on its
// matrix engine), against a cache of 64 positions, `n` of them filled.
func.func @main(%q: tensor<1x16x1x576xf32> {graph.name = "q"},
                %ck: tensor<1x1x64x576xf32> {graph.name = "ck"},
                %cv: tensor<1x1x64x512xf32> {graph.name = "cv"},
                %n: tensor<i32> {graph.name = "n"})
    -> (tensor<1x16x1x512xf32> {graph.name = "mla"}) {
  %qs = graph.sigmoid %q : (tensor<1x16x1x576xf32>) -> tensor<1x16x1x576xf32>
  %ks = graph.sigmoid %ck : (tensor<1x1x64x576xf32>) -> tensor<1x1x64x576xf32>
  %vs = graph.tanh %cv : (tensor<1x1x64x512xf32>) -> tensor<1x1x64x512xf32>
  %o = graph.attention %qs, %ks, %vs, %n {causal = true} : (tensor<1x16x1x576xf32>, tensor<1x1x64x576xf32>, tensor<1x1x64x512xf32>, tensor<i32>) -> tensor<1x16x1x512xf32>
  return %o : tensor<1x16x1x512xf32>
}
