// DeepSeek's MLA prefill attention as the Hugging Face import writes it
// (test/e2e/attention_operand_views.test), at toy sizes: q's and kv_b's
// projection rows [batch, seq, heads, dims] split into heads by transposes,
// q into its unrotated 16 and rotated 16 dims, kv into k's unrotated 16 and
// v's 32; the rotated key part, one per position, expanded over the heads;
// query and key each a concat of an unrotated and a rotated part; the
// result's heads merged. 72 positions: more than one 64-key tile, so dc
// runs it split over cube and vector cores in bf16. The split query also
// feeds its rotation, so it stays a copy of its own.
func.func @main(%q: tensor<1x72x4x32xf32> {graph.name = "q"},
                %kv: tensor<1x72x4x48xf32> {graph.name = "kv"},
                %kpe: tensor<1x1x72x16xf32> {graph.name = "k_pe"},
                %c: tensor<72x16xf32> {graph.name = "c"},
                %s: tensor<72x16xf32> {graph.name = "s"})
    -> (tensor<1x72x4x32xf32> {graph.name = "merged"}) {
  %qt = graph.transpose %q {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x72x4x32xf32>) -> tensor<1x4x72x32xf32>
  %qn = graph.slice %qt {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 4, 72, 16>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x72x32xf32>) -> tensor<1x4x72x16xf32>
  %qp = graph.slice %qt {starts = array<i64: 0, 0, 0, 16>, ends = array<i64: 1, 4, 72, 32>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x72x32xf32>) -> tensor<1x4x72x16xf32>
  %qr = graph.rope %qp, %c, %s {style = "deinterleaved"} : (tensor<1x4x72x16xf32>, tensor<72x16xf32>, tensor<72x16xf32>) -> tensor<1x4x72x16xf32>
  %qf = graph.concat %qn, %qr {axis = 3 : i64} : (tensor<1x4x72x16xf32>, tensor<1x4x72x16xf32>) -> tensor<1x4x72x32xf32>
  %kvt = graph.transpose %kv {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x72x4x48xf32>) -> tensor<1x4x72x48xf32>
  %kn = graph.slice %kvt {starts = array<i64: 0, 0, 0, 0>, ends = array<i64: 1, 4, 72, 16>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x72x48xf32>) -> tensor<1x4x72x16xf32>
  %vv = graph.slice %kvt {starts = array<i64: 0, 0, 0, 16>, ends = array<i64: 1, 4, 72, 48>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x72x48xf32>) -> tensor<1x4x72x32xf32>
  %kr = graph.rope %kpe, %c, %s {style = "deinterleaved"} : (tensor<1x1x72x16xf32>, tensor<72x16xf32>, tensor<72x16xf32>) -> tensor<1x1x72x16xf32>
  %ke = graph.expand %kr {shape = array<i64: 1, 4, 72, 16>} : (tensor<1x1x72x16xf32>) -> tensor<1x4x72x16xf32>
  %kf = graph.concat %kn, %ke {axis = 3 : i64} : (tensor<1x4x72x16xf32>, tensor<1x4x72x16xf32>) -> tensor<1x4x72x32xf32>
  %o = graph.attention %qf, %kf, %vv {causal = true} : (tensor<1x4x72x32xf32>, tensor<1x4x72x32xf32>, tensor<1x4x72x32xf32>) -> tensor<1x4x72x32xf32>
  %om = graph.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x72x32xf32>) -> tensor<1x72x4x32xf32>
  return %om : tensor<1x72x4x32xf32>
}
