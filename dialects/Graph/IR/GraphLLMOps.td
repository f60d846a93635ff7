//===- GraphLLMOps.td - Fused LLM ops ----------------------*- tablegen -*-===//
//
// Fused transformer ops. The importer does not produce them directly from
// ONNX; a fusion pass does (later). They are defined here with their golden
// evaluation so that fusion can be checked against the unfused graph: each
// op computes exactly the formula of the ONNX pattern it replaces (HF
// transformers' exports), not a rearrangement of it. The kernels and shape
// rules live in lib/Golden/LLM.cpp (include/tessera/Golden/LLMKernels.h).
//
// Layouts follow HF's: activations of attention and rope are
// [batch, heads, seq, head_dim]; weights are nn.Linear's [out, in].
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_LLM_OPS
#define TESSERA_GRAPH_LLM_OPS

include "Graph/IR/GraphBase.td"

def Graph_RopeOp : Graph_Op<"rope", [SameOperandsAndResultElementType],
                            ["getFlops"]> {
  let summary = "rotary position embedding of [batch, heads, seq, head_dim]";
  let description = [{
    `out = P(x) * cos + R(P(x)) * sin` over the first `R` dimensions of each
    head, where `R` is the tables' last dimension (even, at most `head_dim`;
    dimensions past it pass through unchanged). `cos` and `sin` are
    `[seq, R]`, or `[batch, seq, R]` for per-sequence positions, already
    gathered at the tokens' positions and laid out elementwise like the
    output. `style` picks `P` and `R`:

    * `rotate_half` (GPT-NeoX, LLaMA, Qwen): `P` is the identity and
      `R(x) = [-x[R/2:], x[:R/2]]`, rotating dimension `i` with `i + R/2`.
      Tables are `cat(freqs, freqs)`.
    * `interleaved` (GPT-J, DeepSeek's reference code): `P` is the identity
      and pairs are `(2j, 2j+1)`: `R(x)[2j] = -x[2j+1]`, `R(x)[2j+1] = x[2j]`.
      Tables are `repeat_interleave(freqs, 2)`.
    * `deinterleaved` (HF `modeling_deepseek`, DeepSeek-V2/V3's decoupled
      rope): `P` first gathers the even dimensions, then the odd ones, and
      `R` is `rotate_half`. The result stays in that de-interleaved order,
      which differs from `interleaved`'s by a permutation that leaves q.k
      unchanged.

    Example (DeepSeek-V2's shared rope key, one head):
    ```mlir
    %k = graph.rope %k_pe, %cos, %sin {style = "deinterleaved"}
        : (tensor<1x1x16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>)
        -> tensor<1x1x16x64xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$cos,
                       Graph_FloatTensor:$sin,
                       DefaultValuedStrAttr<StrAttr, "rotate_half">:$style);
  let results = (outs Graph_FloatTensor:$output);
  let hasVerifier = 1;
}

def Graph_AttentionOp : Graph_Op<"attention", [AttrSizedOperandSegments],
                                 ["getFlops"]> {
  let summary = "scaled dot-product attention (multi-head, grouped-query, MLA)";
  let description = [{
    `softmax(Q K^T * scale + mask) V` for every query head, with

    * `query` `[B, Hq, Sq, Dqk]`, `key` `[B, Hkv, Skv, Dqk]`,
      `value` `[B, Hkv, Skv, Dv]`, result `[B, Hq, Sq, Dv]`;
    * grouped-query attention when `Hkv` < `Hq` (`Hkv` must divide `Hq`):
      query head `h` reads key/value head `h / (Hq / Hkv)`, which is what
      repeating each key/value head `Hq / Hkv` times (HF's `repeat_kv`)
      computes;
    * `Dqk` may differ from `Dv`, as in DeepSeek's MLA (qk = nope + rope =
      192, v = 128);
    * an optional additive `mask` broadcastable to `[B, Hq, Sq, Skv]`;
    * `causal`: query `i` sees keys `j <= i + Skv - Sq` (aligned to the
      bottom right, as when decoding with a KV cache; needs `Sq <= Skv`);
    * `scale` defaults to `1 / sqrt(Dqk)`;
    * an optional `kv_length`, a 0-d or 1-element `i32`/`i64` tensor `L`
      known only at run time (the current length of a KV cache of capacity
      `Skv`): only keys and values `j < L` are read; with `causal`, query
      `i` sees keys `j <= i + L - Sq`. `L` must lie in `[1, Skv]`, and in
      `[Sq, Skv]` with `causal` (every query sees at least one key);
      evaluation and the NPU program report a value outside that range.

    Query, key, value, mask and result share one float element type.
    Trailing operands are told apart by type: a float `mask`, then an
    integer `kv_length`.

    Example (DeepSeek-V2 MLA, 16 heads):
    ```mlir
    %o = graph.attention %q, %k, %v {causal = true}
        : (tensor<1x16x8x192xf32>, tensor<1x16x8x192xf32>,
           tensor<1x16x8x128xf32>) -> tensor<1x16x8x128xf32>
    ```

    Decode against a cache of 4096 positions, `%len` of them filled:
    ```mlir
    %o = graph.attention %q, %k, %v, %len {causal = true}
        : (tensor<1x16x1x576xbf16>, tensor<1x1x4096x576xbf16>,
           tensor<1x1x4096x512xbf16>, tensor<i32>) -> tensor<1x16x1x512xbf16>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$query, Graph_FloatTensor:$key,
                       Graph_FloatTensor:$value,
                       Optional<Graph_FloatTensor>:$mask,
                       Optional<Graph_IndexTensor>:$kv_length,
                       DefaultValuedAttr<BoolAttr, "false">:$causal,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Graph_FloatTensor:$output);
  let hasVerifier = 1;
  // `graph.attention %q, %k, %v[, %mask][, %kv_length] attrs : type`: the
  // optional operands are told apart by their element types.
  let assemblyFormat = ?;
  let hasCustomAssemblyFormat = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$query, "::mlir::Value":$key,
                   "::mlir::Value":$value, "::mlir::Value":$mask,
                   "::mlir::BoolAttr":$causal, "::mlir::FloatAttr":$scale,
                   CArg<"::mlir::Value", "{}">:$kv_length)>,
    // Generic form: operands `query, key, value[, mask][, kv_length]`,
    // the optional ones told apart by element type.
    OpBuilder<(ins "::mlir::ValueRange":$operands,
                   CArg<"::llvm::ArrayRef<::mlir::NamedAttribute>", "{}">:$attributes)>
  ];
  let extraClassDeclaration = [{
    /// The `scale` attribute, or 1 / sqrt(query head dim) without one.
    float getScaleValue();
    /// Sets `props`' operand segments for `operands` (query, key, value,
    /// then an optional float mask and an optional integer kv_length).
    static void setOperandSegments(Properties &props,
                                   ::mlir::ValueRange operands);
  }];
}

def Graph_SwiGLUOp : Graph_Op<"swiglu", [SameOperandsAndResultElementType],
                              ["getFlops"]> {
  let summary = "silu(gate) * up";
  let description = [{
    With two operands, `input` is the gate projection and `up` the up
    projection, of one shape. With one, `input` holds both concatenated along
    `axis` (gate first, then up, as a fused `gate_up_proj` produces them),
    and the result is half as large along `axis`. `silu(g) = g * sigmoid(g)`.
    `axis` only matters for the one-operand form.

    ```mlir
    %h = graph.swiglu %gate_up {axis = -1 : i64}
        : (tensor<16x256xf32>) -> tensor<16x128xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$input,
                       Optional<Graph_FloatTensor>:$up,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Graph_FloatTensor:$output);
}

def Graph_MoEOp : Graph_Op<"moe", [SameOperandsAndResultElementType],
                           ["getFlops"]> {
  let summary = "mixture of SwiGLU experts with a top-k router";
  let description = [{
    A DeepSeek-V2 MoE block. With `H` the hidden size, `E` routed experts,
    `I` their intermediate size and `Is` the shared experts' (DeepSeek
    merges its shared experts into one wider MLP), the operands are:

    | operand          | shape       |                                       |
    |------------------|-------------|---------------------------------------|
    | `input`          | `[..., H]`  | tokens are all leading dimensions     |
    | `router_weight`  | `[E, H]`    | logits = x @ router_weight^T          |
    | `gate_weights`   | `[E, I, H]` | expert e's gate_proj weight           |
    | `up_weights`     | `[E, I, H]` | expert e's up_proj weight             |
    | `down_weights`   | `[E, H, I]` | expert e's down_proj weight           |
    | `shared_weights` | optional: shared gate `[Is, H]`, up `[Is, H]`, down `[H, Is]` |

    Per token: `scores = softmax(logits)` (`scoring_func = "softmax"`,
    DeepSeek-V2) or `sigmoid(logits)` (`"sigmoid"`, DeepSeek-V3). The
    experts are chosen on `scores + score_correction_bias` (V3's
    `e_score_correction_bias`, an `[E]` constant; zero without one): with
    `n_group > 1` the experts form `n_group` equal groups, scored by their
    best expert (`group_scoring = "max"`, V2's group-limited greedy) or by
    the sum of their best two (`"top2_sum"`, V3's `noaux_tc`), and only the
    `topk_group` best groups stay eligible; the `top_k` highest eligible
    scores are chosen (ties to the lower expert index). Their weights are
    the uncorrected scores, divided by their sum (+1e-20) when
    `norm_topk_prob`, then multiplied by `routed_scaling_factor`. The
    result is
    `sum_e w_e * down_e(silu(gate_e x) * up_e x)` over the chosen experts
    plus the shared MLP's output.

    DeepSeek-V2's code scales only when it does not normalize; a V2 model
    with `norm_topk_prob` maps to `routed_scaling_factor = 1`. The bias is
    an attribute (it may be a `dense_resource` over the checkpoint's bytes)
    so that the operand list stays that of a V2 block.

    ```mlir
    %y = graph.moe %x, %router, %gate, %up, %down, %sg, %su, %sd {top_k = 2 : i64}
        : (tensor<16x64xf32>, tensor<8x64xf32>, tensor<8x32x64xf32>,
           tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<64x64xf32>,
           tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$input,
                       Graph_FloatTensor:$router_weight,
                       Graph_FloatTensor:$gate_weights,
                       Graph_FloatTensor:$up_weights,
                       Graph_FloatTensor:$down_weights,
                       Variadic<Graph_FloatTensor>:$shared_weights,
                       I64Attr:$top_k,
                       DefaultValuedAttr<BoolAttr, "false">:$norm_topk_prob,
                       DefaultValuedAttr<F32Attr, "1.0">:$routed_scaling_factor,
                       DefaultValuedAttr<I64Attr, "1">:$n_group,
                       DefaultValuedAttr<I64Attr, "1">:$topk_group,
                       DefaultValuedStrAttr<StrAttr, "softmax">:$scoring_func,
                       DefaultValuedStrAttr<StrAttr, "max">:$group_scoring,
                       OptionalAttr<ElementsAttr>:$score_correction_bias);
  let results = (outs Graph_FloatTensor:$output);
  let hasVerifier = 1;
}

#endif // TESSERA_GRAPH_LLM_OPS
