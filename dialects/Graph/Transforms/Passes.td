//===- Passes.td - Graph-dialect passes ---------------------*- tablegen -*-===//
//
// Passes that rewrite graph-dialect IR into graph-dialect IR. Each pass is
// implemented in a file of its own beside this one; a pass made of pattern
// families keeps one family per file.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_PASSES
#define TESSERA_GRAPH_PASSES

include "mlir/Pass/PassBase.td"

def GraphFuseLLM : Pass<"tessera-graph-fuse-llm", "mlir::ModuleOp"> {
  let summary = "Recognise exported transformer patterns as the fused LLM ops";
  let description = [{
    Rewrites the primitive-op patterns that `torch.onnx.export` (and other
    exporters) write for transformer blocks into `graph.rms_norm`,
    `graph.rope`, `graph.swiglu`, `graph.attention` and `graph.moe`. Every
    constant the fused op's semantics depend on (epsilon, scale, axes, mask
    values, router normalisation) and every shape is checked; a pattern
    that differs in any of them, or whose intermediate values have other
    users, is left unfused. The families, one file each:

    * `rms_norm`: `x * 1/sqrt(mean(x^2) + eps)` (or `x / sqrt(...)`, or
      `Reciprocal`), `x^2` as `Pow(x, 2)` or `Mul(x, x)`, the mean over
      trailing axes kept as size 1, then an optional weight multiply.
    * `swiglu`: `(g * sigmoid(g)) * up`.
    * `rope`: `x * cos + rotate(x) * sin` with `rotate` written as
      rotate-half (`Slice`/`Split`, `Neg`, `Concat`) or rotate-every-two
      (strided `Slice`, `Neg`, `Unsqueeze`, `Concat`, `Reshape`); a
      rotate-half rope of a de-interleaved input (`Reshape`, `Transpose`,
      `Reshape`, as HF's DeepSeek code writes) becomes the `deinterleaved`
      style.
    * `attention`: `Softmax(Q K^T * scale + mask) V` with the scale as `Div`
      or `Mul`, the mask added (a constant causal mask becomes
      `causal = true`; any other mask becomes the mask operand) or applied
      by `Where` with a constant causal condition, grouped-query head
      repetition (`Reshape`, `Expand`, `Reshape`) undone; MLA's
      concatenated nope/rope heads are ordinary query/key operands, and
      scores written per part (`q_nope k_nope^T + q_pe k_pe^T`, the rope
      key shared by the heads) become the concatenated query and key.
    * `moe`: the dense form exporters write for data-dependent dispatch:
      a softmax router, `TopK`, optional normalisation and scaling, the
      weights scattered into a dense `[tokens, experts]` matrix, every
      expert's SwiGLU MLP weighted by its column and summed, optionally
      DeepSeek's group limit and shared experts.

    `ops` restricts the families (for pipelines whose later stages cannot
    lower every fused op yet).
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "Families to fuse (rms_norm, swiglu, rope, attention, moe); "
               "all when empty">,
  ];
}

#endif // TESSERA_GRAPH_PASSES
