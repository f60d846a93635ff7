//===- LLMKernels.h - Golden kernels of the fused LLM ops -------*- C++ -*-===//
//
// Host reference implementations of the graph dialect's fused transformer
// ops: rotary embedding, scaled dot-product attention (grouped-query and MLA
// head shapes), SwiGLU and a DeepSeek-style mixture of experts. Like
// Kernels.h: plain C++ on tessera::Tensor, floating-point work in f32 with
// f64 accumulators, and every error a user's IR or data can cause returned
// as llvm::Error.
//
// Each op's shape rule is a separate function so that the op verifiers and
// the kernels check exactly the same things and report the same message.
//
// The semantics are those of the unfused ONNX patterns a fusion pass turns
// into these ops (HF transformers' exports), so a fused graph can be checked
// against the unfused one: the kernels compute the same formula, elementwise,
// rather than a mathematically equivalent rearrangement.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GOLDEN_LLMKERNELS_H
#define TESSERA_GOLDEN_LLMKERNELS_H

#include "tessera/Support/Tensor.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>

namespace tessera::golden {

//===----------------------------------------------------------------------===//
// Rotary position embedding
//===----------------------------------------------------------------------===//

/// Which dimensions a rotary embedding rotates together. In all three,
/// out = P(x) * cos + R(P(x)) * sin over the rotated dimensions, with the
/// cos/sin tables given elementwise in the output's layout.
enum class RopeStyle {
  /// GPT-NeoX / LLaMA / Qwen: P = identity, R = rotate_half, which pairs
  /// dimension i with i + R/2: R(x) = [-x[R/2:], x[:R/2]].
  RotateHalf,
  /// GPT-J / DeepSeek's reference (complex) code: P = identity, pairs are
  /// (2j, 2j+1): R(x)[2j] = -x[2j+1], R(x)[2j+1] = x[2j].
  Interleaved,
  /// HF modeling_deepseek (V2/V3): P de-interleaves (even dimensions, then
  /// odd ones), then rotate_half. The result stays de-interleaved.
  Deinterleaved,
};

/// "rotate_half", "interleaved", "deinterleaved".
std::optional<RopeStyle> parseRopeStyle(llvm::StringRef name);
const char *ropeStyleName(RopeStyle style);

/// Checks the shapes of a rotary embedding. `x` is [B, H, S, D]; `cos` and
/// `sin` are [S, R] or [B, S, R] with R even and R <= D. The first R of the D
/// dimensions are rotated; the rest pass through (partial rotary).
llvm::Error checkRopeShapes(const Shape &x, const Shape &cos, const Shape &sin);
llvm::Expected<Tensor> rope(const Tensor &x, const Tensor &cos,
                            const Tensor &sin, RopeStyle style);

//===----------------------------------------------------------------------===//
// Scaled dot-product attention
//===----------------------------------------------------------------------===//

/// Result shape of attention. query [B, Hq, Sq, Dqk], key [B, Hkv, Skv, Dqk],
/// value [B, Hkv, Skv, Dv] with Hkv dividing Hq (query head h reads key/value
/// head h / (Hq / Hkv), as repeat_kv does), an optional additive mask
/// broadcastable to [B, Hq, Sq, Skv]. Causal attention needs Sq <= Skv. The
/// result is [B, Hq, Sq, Dv].
llvm::Expected<Shape> attentionShape(const Shape &query, const Shape &key,
                                     const Shape &value, const Shape *mask,
                                     bool causal);
/// softmax(Q K^T * scale + mask [+ causal mask]) V per head. The causal mask
/// is aligned to the bottom right, as with a KV cache: query i (of Sq) sees
/// keys j <= i + Skv - Sq. A row whose every score is -inf gives NaN, as the
/// unfused softmax does. With `kvLength` (a KV cache's current length L,
/// read at run time), only keys j < L exist: query i sees keys
/// j <= i + L - Sq when causal, j < L otherwise. L outside [1, Skv] (or
/// below Sq when causal) is an error naming it.
llvm::Expected<Tensor> attention(const Tensor &query, const Tensor &key,
                                 const Tensor &value, const Tensor *mask,
                                 bool causal, float scale,
                                 std::optional<int64_t> kvLength = {});
/// Checks a run-time kv_length `length` against the key capacity `skv` and
/// the query length `sq` (see attention()).
llvm::Error checkAttentionKvLength(int64_t length, int64_t sq, int64_t skv,
                                   bool causal);
/// Checks the shape of attention's kv_length operand: 0-d or one element.
llvm::Error checkAttentionKvLengthShape(const Shape &shape);
/// 1 / sqrt(qkHeadDim), the scale when none is given.
float defaultAttentionScale(int64_t qkHeadDim);
/// Query-key pairs of one head the causal mask leaves visible (all of them
/// when not causal).
int64_t attentionVisiblePairs(int64_t sq, int64_t skv, bool causal);

//===----------------------------------------------------------------------===//
// SwiGLU
//===----------------------------------------------------------------------===//

/// Result shape of swiglu: with `up`, both operands have one shape and the
/// result has it too; without, `input` holds [gate | up] concatenated along
/// `axis`, which must have an even size, and the result is half of it.
llvm::Expected<Shape> swigluShape(const Shape &input, const Shape *up,
                                  int64_t axis);
/// silu(gate) * up, silu(g) = g * sigmoid(g).
llvm::Expected<Tensor> swiglu(const Tensor &input, const Tensor *up,
                              int64_t axis);

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

/// How router logits become expert scores.
enum class MoEScoring {
  Softmax, ///< DeepSeek-V2: softmax over the experts
  Sigmoid, ///< DeepSeek-V3: an independent sigmoid per expert
};
/// How a group of experts is scored for group-limited routing.
enum class MoEGroupScoring {
  /// DeepSeek-V2 "group_limited_greedy": the group's best expert.
  Max,
  /// DeepSeek-V3 "noaux_tc": the sum of the group's two best (bias-corrected)
  /// expert scores.
  Top2Sum,
};
/// "softmax", "sigmoid" / "max", "top2_sum".
std::optional<MoEScoring> parseMoEScoring(llvm::StringRef name);
std::optional<MoEGroupScoring> parseMoEGroupScoring(llvm::StringRef name);

/// DeepSeek-V2/V3-style router configuration.
struct MoEConfig {
  int64_t topK = 1;
  /// Divide the selected experts' scores by their sum.
  bool normTopkProb = false;
  /// Multiplies the (possibly normalized) weights.
  float routedScalingFactor = 1.0f;
  /// Group-limited greedy (DeepSeek-V2 "group_limited_greedy"): experts form
  /// nGroup equal groups, a group scores its best expert, and experts are
  /// only chosen from the topkGroup best groups. nGroup = 1 is plain greedy.
  int64_t nGroup = 1;
  int64_t topkGroup = 1;
  MoEScoring scoring = MoEScoring::Softmax;
  MoEGroupScoring groupScoring = MoEGroupScoring::Max;
  /// DeepSeek-V3's e_score_correction_bias, one per expert (empty: none). It
  /// is added to the scores only to choose groups and experts; the weights
  /// are the uncorrected scores.
  std::vector<float> scoreBias;
};

/// Checks a router configuration for `numExperts` experts.
llvm::Error checkMoEConfig(const MoEConfig &config, int64_t numExperts);

/// Operand shapes of a MoE block, with H the hidden size, E experts, I the
/// expert intermediate size and Is the shared experts' (all shared experts
/// merged into one MLP, as DeepSeek does):
///   input          [..., H]    tokens are all the leading dimensions
///   router         [E, H]      logits = x @ router^T (an nn.Linear weight)
///   gate, up       [E, I, H]   expert e's gate_proj / up_proj weights
///   down           [E, H, I]   expert e's down_proj weight
///   sharedGate/Up  [Is, H]     optional, all three or none
///   sharedDown     [H, Is]
struct MoEShapes {
  Shape input, router, gate, up, down;
  const Shape *sharedGate = nullptr, *sharedUp = nullptr, *sharedDown = nullptr;
};
llvm::Error checkMoEShapes(const MoEShapes &shapes);

/// The routing decision for logits [T, E]: per token the chosen experts
/// (ordered by descending score, ties to the lower index) and their weights,
/// as [T, k] i64 and [T, k] f32 tensors.
struct MoERouting {
  Tensor experts;
  Tensor weights;
};
llvm::Expected<MoERouting> moeRoute(const Tensor &logits,
                                    const MoEConfig &config);

struct MoEWeights {
  const Tensor *router = nullptr, *gate = nullptr, *up = nullptr,
               *down = nullptr;
  const Tensor *sharedGate = nullptr, *sharedUp = nullptr,
               *sharedDown = nullptr;
};
/// out = sum_{e chosen} w_e * down_e(silu(gate_e x) * up_e x)
///       + sharedDown(silu(sharedGate x) * sharedUp x).
llvm::Expected<Tensor> moe(const Tensor &input, const MoEWeights &weights,
                           const MoEConfig &config);

//===----------------------------------------------------------------------===//
// Cost
//===----------------------------------------------------------------------===//

// Arithmetic operations (a multiply-add is 2) of each op, as the graph ops'
// CostOpInterface reports them. Elementwise parts count what the unfused
// graph ops count (sigmoid 4, softmax 8 per element), so a fused graph and
// its unfused form cost the same. Attention and MoE count only the work a
// kernel must do: the query-key pairs the causal mask leaves visible, and
// the experts a token was routed to.

/// Two multiplies and an add per rotated element.
int64_t ropeFlops(const Shape &input, int64_t rotaryDim);
/// Per visible pair: the q.k dot product, the scale, the mask add, softmax
/// and the weighted sum of the values.
int64_t attentionFlops(const Shape &query, const Shape &key, const Shape &value,
                       bool hasMask, bool causal);
/// sigmoid, x * sigmoid(x), times up: 6 per result element.
int64_t swigluFlops(const Shape &result);
/// Per token: router logits and softmax, a compare per expert per choice;
/// each chosen expert's three matrix-vector products, SwiGLU and weighted
/// accumulate; the shared MLP (sharedInter = 0 without one) and its add.
int64_t moeFlops(int64_t tokens, int64_t hidden, int64_t experts, int64_t inter,
                 int64_t topK, int64_t sharedInter);

} // namespace tessera::golden

#endif // TESSERA_GOLDEN_LLMKERNELS_H
