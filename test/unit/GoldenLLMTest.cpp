//===- GoldenLLMTest.cpp - Golden fused LLM kernel tests ------------------===//
//
// Each kernel is checked against hand values or an independent, naive
// computation written here (loops in double), and against the identities the
// fused ops must satisfy: grouped-query attention equals attention with the
// key/value heads repeated, a uniform router over all experts averages them,
// RoPE's scores depend only on relative position, and so on.
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/LLMKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace tessera;
using namespace tessera::golden;

namespace {

Tensor f32(Shape s, std::vector<float> v) {
  return Tensor::fromFloats(DType::F32, std::move(s), std::move(v));
}

Tensor randomTensor(Shape s, unsigned seed, float scale = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  Tensor t(DType::F32, std::move(s));
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setF(i, dist(gen));
  return t;
}

std::string errorOf(llvm::Error e) { return llvm::toString(std::move(e)); }

template <typename T> std::string errorOf(llvm::Expected<T> e) {
  if (e)
    return "";
  return llvm::toString(e.takeError());
}

void expectNear(const Tensor &a, const Tensor &b, float tol) {
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.numElements(); ++i)
    ASSERT_NEAR(a.getF(i), b.getF(i), tol) << "at flat index " << i;
}

double sigmoidD(double x) { return 1.0 / (1.0 + std::exp(-x)); }

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

/// Angle of rotation pair `j` at `position`, as HF computes it.
double ropeAngle(int64_t position, int64_t j, int64_t rotary, double base) {
  return position * std::pow(base, -2.0 * j / rotary);
}

/// Tables for `positions` in the layout `style` expects: cat(freqs, freqs)
/// for rotate_half and deinterleaved, repeat_interleave(freqs, 2) for
/// interleaved.
std::pair<Tensor, Tensor> ropeTables(const std::vector<int64_t> &positions,
                                     int64_t rotary, RopeStyle style) {
  int64_t seq = positions.size();
  Tensor cos(DType::F32, {seq, rotary}), sin(DType::F32, {seq, rotary});
  for (int64_t s = 0; s < seq; ++s)
    for (int64_t i = 0; i < rotary; ++i) {
      int64_t j = style == RopeStyle::Interleaved ? i / 2 : i % (rotary / 2);
      double a = ropeAngle(positions[s], j, rotary, 10000.0);
      cos.setF(s * rotary + i, std::cos(a));
      sin.setF(s * rotary + i, std::sin(a));
    }
  return {cos, sin};
}

TEST(GoldenLLM, RopeRotateHalfHandValues) {
  // Pairs (0, 2) and (1, 3) rotate by angles a0 and a1.
  float c0 = std::cos(0.5f), s0 = std::sin(0.5f);
  float c1 = std::cos(0.25f), s1 = std::sin(0.25f);
  Tensor x = f32({1, 1, 1, 4}, {1, 2, 3, 4});
  Tensor cos = f32({1, 4}, {c0, c1, c0, c1});
  Tensor sin = f32({1, 4}, {s0, s1, s0, s1});
  Tensor r = cantFail(rope(x, cos, sin, RopeStyle::RotateHalf));
  std::vector<float> expected = {1 * c0 - 3 * s0, 2 * c1 - 4 * s1,
                                 3 * c0 + 1 * s0, 4 * c1 + 2 * s1};
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(r.getF(i), expected[i], 1e-6) << i;
}

TEST(GoldenLLM, RopeInterleavedHandValues) {
  // Pairs (0, 1) and (2, 3).
  float c0 = std::cos(0.5f), s0 = std::sin(0.5f);
  float c1 = std::cos(0.25f), s1 = std::sin(0.25f);
  Tensor x = f32({1, 1, 1, 4}, {1, 2, 3, 4});
  Tensor cos = f32({1, 4}, {c0, c0, c1, c1});
  Tensor sin = f32({1, 4}, {s0, s0, s1, s1});
  Tensor r = cantFail(rope(x, cos, sin, RopeStyle::Interleaved));
  std::vector<float> expected = {1 * c0 - 2 * s0, 2 * c0 + 1 * s0,
                                 3 * c1 - 4 * s1, 4 * c1 + 3 * s1};
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(r.getF(i), expected[i], 1e-6) << i;
}

TEST(GoldenLLM, RopeDeinterleavedIsPermutationThenRotateHalf) {
  // modeling_deepseek: view(..., d/2, 2).transpose(-1, -2).reshape, then the
  // LLaMA rotation. Done here by hand on the input.
  int64_t b = 2, h = 3, s = 4, d = 8;
  Tensor x = randomTensor({b, h, s, d}, 1);
  Tensor permuted(DType::F32, x.shape());
  for (int64_t row = 0; row < b * h * s; ++row)
    for (int64_t i = 0; i < d; ++i) {
      int64_t src = i < d / 2 ? 2 * i : 2 * (i - d / 2) + 1;
      permuted.setF(row * d + i, x.getF(row * d + src));
    }
  auto [cos, sin] = ropeTables({3, 7, 8, 20}, d, RopeStyle::RotateHalf);
  Tensor expected = cantFail(rope(permuted, cos, sin, RopeStyle::RotateHalf));
  Tensor r = cantFail(rope(x, cos, sin, RopeStyle::Deinterleaved));
  expectNear(r, expected, 0.0f);
  // It is not the interleaved (GPT-J) result, whose output order differs.
  Tensor gptj = cantFail(rope(x, cos, sin, RopeStyle::Interleaved));
  float maxDiff = 0;
  for (int64_t i = 0; i < r.numElements(); ++i)
    maxDiff = std::max(maxDiff, std::fabs(r.getF(i) - gptj.getF(i)));
  EXPECT_GT(maxDiff, 0.1f);
}

TEST(GoldenLLM, RopeScoresDependOnlyOnRelativePosition) {
  // The defining property of RoPE, for every style with its own tables:
  // <rope(q, m), rope(k, n)> depends only on m - n, and norms are preserved.
  int64_t d = 8;
  Tensor q = randomTensor({1, 1, 1, d}, 2), k = randomTensor({1, 1, 1, d}, 3);
  for (RopeStyle style : {RopeStyle::RotateHalf, RopeStyle::Interleaved,
                          RopeStyle::Deinterleaved}) {
    auto score = [&](int64_t m, int64_t n) {
      auto [cm, sm] = ropeTables({m}, d, style);
      auto [cn, sn] = ropeTables({n}, d, style);
      Tensor qr = cantFail(rope(q, cm, sm, style));
      Tensor kr = cantFail(rope(k, cn, sn, style));
      double dot = 0, qNorm = 0, qrNorm = 0;
      for (int64_t i = 0; i < d; ++i) {
        dot += (double)qr.getF(i) * kr.getF(i);
        qNorm += (double)q.getF(i) * q.getF(i);
        qrNorm += (double)qr.getF(i) * qr.getF(i);
      }
      EXPECT_NEAR(qNorm, qrNorm, 1e-4);
      return dot;
    };
    EXPECT_NEAR(score(5, 2), score(13, 10), 1e-4) << ropeStyleName(style);
    EXPECT_GT(std::fabs(score(5, 2) - score(5, 4)), 1e-3)
        << ropeStyleName(style);
  }
}

TEST(GoldenLLM, RopePartialRotaryAndPerBatchTables) {
  // R = 2 of D = 4: dimensions 2 and 3 pass through. Batch 1 uses its own
  // table row.
  Tensor x = f32({2, 1, 1, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor cos = f32({2, 1, 2}, {0, 0, 1, 1}); // batch 0: 90 degrees
  Tensor sin = f32({2, 1, 2}, {1, 1, 0, 0}); // batch 1: identity
  Tensor r = cantFail(rope(x, cos, sin, RopeStyle::RotateHalf));
  EXPECT_EQ(r.floats(), (std::vector<float>{-2, 1, 3, 4, 5, 6, 7, 8}));
}

TEST(GoldenLLM, RopeErrors) {
  EXPECT_EQ(errorOf(checkRopeShapes({2, 4, 8}, {4, 8}, {4, 8})),
            "rope input must be [batch, heads, seq, head_dim], got 2x4x8");
  EXPECT_EQ(errorOf(checkRopeShapes({1, 2, 4, 8}, {4, 8}, {4, 6})),
            "rope cos and sin tables differ in shape: 4x8 vs 4x6");
  EXPECT_EQ(errorOf(checkRopeShapes({1, 2, 4, 8}, {8}, {8})),
            "rope tables must be [seq, rotary_dim] or [batch, seq, "
            "rotary_dim], got 8");
  EXPECT_EQ(errorOf(checkRopeShapes({1, 2, 4, 8}, {3, 4, 8}, {3, 4, 8})),
            "rope tables have batch 3, the input 1");
  EXPECT_EQ(errorOf(checkRopeShapes({1, 2, 4, 8}, {5, 8}, {5, 8})),
            "rope tables cover 5 positions, the input has 4");
  EXPECT_EQ(errorOf(checkRopeShapes({1, 2, 4, 8}, {4, 7}, {4, 7})),
            "rope rotary dimension 7 must be even, positive and at most the "
            "head dimension 8");
  EXPECT_EQ(errorOf(checkRopeShapes({1, 2, 4, 8}, {4, 10}, {4, 10})),
            "rope rotary dimension 10 must be even, positive and at most the "
            "head dimension 8");
  // The kernel reports the same errors instead of reading out of bounds.
  Tensor x = randomTensor({1, 1, 4, 8}, 4), t = randomTensor({3, 8}, 5);
  EXPECT_EQ(errorOf(rope(x, t, t, RopeStyle::RotateHalf)),
            "rope tables cover 3 positions, the input has 4");
  EXPECT_EQ(parseRopeStyle("deinterleaved"), RopeStyle::Deinterleaved);
  EXPECT_EQ(parseRopeStyle("neox"), std::nullopt);
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// softmax(q k^T * scale + mask + causal) v in double, with key/value heads
/// given per query head (no grouping), the causal mask as -inf past
/// i + skv - sq, and a full [B, H, Sq, Skv] mask or none.
Tensor naiveAttention(const Tensor &q, const Tensor &k, const Tensor &v,
                      const Tensor *mask, bool causal, double scale) {
  int64_t B = q.dim(0), H = q.dim(1), Sq = q.dim(2), D = q.dim(3);
  int64_t Skv = k.dim(2), Dv = v.dim(3);
  Tensor out(DType::F32, {B, H, Sq, Dv});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Sq; ++i) {
        std::vector<double> s(Skv);
        for (int64_t j = 0; j < Skv; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += (double)q.getF(((b * H + h) * Sq + i) * D + d) *
                   k.getF(((b * H + h) * Skv + j) * D + d);
          s[j] = dot * scale;
          if (mask)
            s[j] += mask->getF(((b * H + h) * Sq + i) * Skv + j);
          if (causal && j > i + Skv - Sq)
            s[j] = -std::numeric_limits<double>::infinity();
        }
        double mx = *std::max_element(s.begin(), s.end()), sum = 0;
        for (double &x : s)
          sum += (x = std::exp(x - mx));
        for (int64_t d = 0; d < Dv; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < Skv; ++j)
            acc += s[j] / sum * v.getF(((b * H + h) * Skv + j) * Dv + d);
          out.setF(((b * H + h) * Sq + i) * Dv + d, acc);
        }
      }
  return out;
}

/// Repeats each of the Hkv heads `rep` times: HF's repeat_kv.
Tensor repeatKV(const Tensor &x, int64_t rep) {
  int64_t B = x.dim(0), H = x.dim(1), S = x.dim(2), D = x.dim(3);
  Tensor out(DType::F32, {B, H * rep, S, D});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H * rep; ++h)
      for (int64_t i = 0; i < S * D; ++i)
        out.setF((b * H * rep + h) * S * D + i,
                 x.getF((b * H + h / rep) * S * D + i));
  return out;
}

TEST(GoldenLLM, AttentionCausalWithMaskMatchesNaiveLoops) {
  int64_t B = 2, H = 3, S = 5, D = 4;
  Tensor q = randomTensor({B, H, S, D}, 10), k = randomTensor({B, H, S, D}, 11);
  Tensor v = randomTensor({B, H, S, D}, 12);
  Tensor mask = randomTensor({B, H, S, S}, 13);
  float scale = defaultAttentionScale(D);
  EXPECT_FLOAT_EQ(scale, 0.5f);
  Tensor r = cantFail(attention(q, k, v, &mask, /*causal=*/true, scale));
  expectNear(r, naiveAttention(q, k, v, &mask, true, scale), 1e-5f);
  // Without the causal flag the result differs (the test can fail).
  Tensor full = cantFail(attention(q, k, v, &mask, /*causal=*/false, scale));
  expectNear(full, naiveAttention(q, k, v, &mask, false, scale), 1e-5f);
  EXPECT_GT(std::fabs(full.getF(0) - r.getF(0)), 1e-4f);
  // The first query sees only the first key: its output is v[0].
  for (int64_t d = 0; d < D; ++d)
    EXPECT_NEAR(r.getF(d), v.getF(d), 1e-6f);
}

TEST(GoldenLLM, AttentionBroadcastMaskEqualsCausal) {
  // A [Sq, Skv] additive mask of -inf above the (bottom-right) diagonal is
  // the causal flag, also when there are more keys than queries.
  int64_t B = 1, H = 2, Sq = 3, Skv = 5, D = 4;
  Tensor q = randomTensor({B, H, Sq, D}, 20);
  Tensor k = randomTensor({B, H, Skv, D}, 21);
  Tensor v = randomTensor({B, H, Skv, D}, 22);
  Tensor mask(DType::F32, {Sq, Skv});
  for (int64_t i = 0; i < Sq; ++i)
    for (int64_t j = 0; j < Skv; ++j)
      mask.setF(i * Skv + j, j > i + Skv - Sq
                                 ? -std::numeric_limits<float>::infinity()
                                 : 0.0f);
  Tensor causal = cantFail(attention(q, k, v, nullptr, true, 0.3f));
  Tensor masked = cantFail(attention(q, k, v, &mask, false, 0.3f));
  expectNear(causal, masked, 1e-6f);
  expectNear(causal, naiveAttention(q, k, v, nullptr, true, 0.3), 1e-5f);
}

TEST(GoldenLLM, GroupedQueryAttentionEqualsRepeatedKV) {
  int64_t B = 2, Hq = 6, Hkv = 2, S = 4, D = 8;
  Tensor q = randomTensor({B, Hq, S, D}, 30);
  Tensor k = randomTensor({B, Hkv, S, D}, 31);
  Tensor v = randomTensor({B, Hkv, S, D}, 32);
  Tensor gqa = cantFail(attention(q, k, v, nullptr, true, 0.35f));
  Tensor mha = cantFail(attention(q, repeatKV(k, Hq / Hkv),
                                  repeatKV(v, Hq / Hkv), nullptr, true, 0.35f));
  expectNear(gqa, mha, 0.0f);
  expectNear(
      gqa,
      naiveAttention(q, repeatKV(k, 3), repeatKV(v, 3), nullptr, true, 0.35),
      1e-5f);
}

TEST(GoldenLLM, MLAHeadDimsDiffer) {
  // DeepSeek MLA: qk head dim (nope + rope) differs from v head dim, and the
  // default scale uses the qk one.
  int64_t B = 1, H = 2, S = 3, Dqk = 12, Dv = 8;
  Tensor q = randomTensor({B, H, S, Dqk}, 40);
  Tensor k = randomTensor({B, H, S, Dqk}, 41);
  Tensor v = randomTensor({B, H, S, Dv}, 42);
  EXPECT_EQ(
      cantFail(attentionShape(q.shape(), k.shape(), v.shape(), nullptr, true)),
      (Shape{B, H, S, Dv}));
  float scale = defaultAttentionScale(Dqk);
  EXPECT_NEAR(scale, 1.0 / std::sqrt(12.0), 1e-7);
  Tensor r = cantFail(attention(q, k, v, nullptr, true, scale));
  expectNear(r, naiveAttention(q, k, v, nullptr, true, scale), 1e-5f);
}

TEST(GoldenLLM, AttentionFullyMaskedRowIsNaN) {
  // As in the unfused softmax: no visible key leaves nothing to normalize.
  Tensor q = randomTensor({1, 1, 2, 2}, 50), k = randomTensor({1, 1, 2, 2}, 51);
  Tensor v = randomTensor({1, 1, 2, 2}, 52);
  float inf = std::numeric_limits<float>::infinity();
  Tensor mask = f32({2, 2}, {-inf, -inf, 0, 0});
  Tensor r = cantFail(attention(q, k, v, &mask, false, 1.0f));
  EXPECT_TRUE(std::isnan(r.getF(0)));
  EXPECT_FALSE(std::isnan(r.getF(2)));
}

TEST(GoldenLLM, AttentionVisiblePairs) {
  EXPECT_EQ(attentionVisiblePairs(4, 4, true), 10);
  EXPECT_EQ(attentionVisiblePairs(2, 4, true), 3 + 4);
  EXPECT_EQ(attentionVisiblePairs(1, 7, true), 7);
  EXPECT_EQ(attentionVisiblePairs(3, 5, false), 15);
}

TEST(GoldenLLM, AttentionErrors) {
  Shape q{1, 4, 3, 8}, k{1, 2, 3, 8}, v{1, 2, 3, 6};
  EXPECT_EQ(errorOf(attentionShape({4, 3, 8}, k, v, nullptr, false)),
            "attention query must be [batch, heads, seq, head_dim], got 4x3x8");
  EXPECT_EQ(errorOf(attentionShape(q, {2, 2, 3, 8}, v, nullptr, false)),
            "attention batch sizes differ: query 1x4x3x8, key 2x2x3x8, value "
            "1x2x3x6");
  EXPECT_EQ(errorOf(attentionShape(q, k, {1, 2, 4, 6}, nullptr, false)),
            "attention key 1x2x3x8 and value 1x2x4x6 differ in heads or "
            "length");
  EXPECT_EQ(
      errorOf(attentionShape(q, {1, 3, 3, 8}, {1, 3, 3, 6}, nullptr, false)),
      "attention key/value heads (3) must divide the query heads (4)");
  EXPECT_EQ(errorOf(attentionShape(q, {1, 2, 3, 4}, v, nullptr, false)),
            "attention query head dim 8 differs from key head dim 4");
  EXPECT_EQ(
      errorOf(attentionShape(q, {1, 2, 2, 8}, {1, 2, 2, 6}, nullptr, true)),
      "causal attention needs at least as many keys (2) as queries (3)");
  Shape badMask{2, 3};
  EXPECT_EQ(errorOf(attentionShape(q, k, v, &badMask, false)),
            "attention mask of shape 2x3 does not broadcast to the scores' "
            "shape 1x4x3x3");
  Shape goodMask{1, 1, 3, 3};
  EXPECT_EQ(cantFail(attentionShape(q, k, v, &goodMask, false)),
            (Shape{1, 4, 3, 6}));
}

//===----------------------------------------------------------------------===//
// SwiGLU
//===----------------------------------------------------------------------===//

TEST(GoldenLLM, SwiGLUHandValues) {
  Tensor gate = f32({3}, {1, 0, -2}), up = f32({3}, {2, 5, 3});
  Tensor r = cantFail(swiglu(gate, &up, -1));
  EXPECT_NEAR(r.getF(0), 1 * sigmoidD(1) * 2, 1e-6);
  EXPECT_EQ(r.getF(1), 0.0f);
  EXPECT_NEAR(r.getF(2), -2 * sigmoidD(-2) * 3, 1e-6);
}

TEST(GoldenLLM, SwiGLUFusedSplitEqualsTwoOperands) {
  // Last axis: [gate | up] per row.
  Tensor fused = randomTensor({3, 8}, 60);
  Tensor gate(DType::F32, {3, 4}), up(DType::F32, {3, 4});
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 4; ++c) {
      gate.setF(r * 4 + c, fused.getF(r * 8 + c));
      up.setF(r * 4 + c, fused.getF(r * 8 + 4 + c));
    }
  expectNear(cantFail(swiglu(fused, nullptr, -1)),
             cantFail(swiglu(gate, &up, -1)), 0.0f);
  // Axis 0: the first two rows are the gate, the last two the up.
  Tensor rows = randomTensor({4, 3}, 61);
  Tensor g0 = f32({2, 3}, std::vector<float>(rows.floats().begin(),
                                             rows.floats().begin() + 6));
  Tensor u0 = f32({2, 3}, std::vector<float>(rows.floats().begin() + 6,
                                             rows.floats().end()));
  expectNear(cantFail(swiglu(rows, nullptr, 0)), cantFail(swiglu(g0, &u0, 0)),
             0.0f);
}

TEST(GoldenLLM, SwiGLUErrors) {
  Shape a{2, 4}, b{2, 3};
  EXPECT_EQ(errorOf(swigluShape(a, &b, -1)),
            "swiglu gate and up shapes differ: 2x4 vs 2x3");
  EXPECT_EQ(errorOf(swigluShape(b, nullptr, -1)),
            "swiglu splits dimension 1 of size 3 into gate and up halves; it "
            "must be even");
  EXPECT_EQ(errorOf(swigluShape(a, nullptr, 2)),
            "swiglu axis 2 is out of range for rank 2");
  EXPECT_EQ(errorOf(swigluShape({}, nullptr, -1)),
            "swiglu of one operand needs rank >= 1 to split");
  EXPECT_EQ(cantFail(swigluShape(a, nullptr, 0)), (Shape{1, 4}));
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

/// One SwiGLU expert in double: down(silu(gate x) * up x), with gate/up
/// [I, H] and down [H, I] at the given flat offsets.
std::vector<double> naiveExpert(const Tensor &gate, const Tensor &up,
                                const Tensor &down, int64_t gateUpBase,
                                int64_t downBase, int64_t H, int64_t I,
                                const std::vector<double> &x) {
  std::vector<double> a(I), y(H, 0.0);
  for (int64_t i = 0; i < I; ++i) {
    double g = 0, u = 0;
    for (int64_t h = 0; h < H; ++h) {
      g += gate.getF(gateUpBase + i * H + h) * x[h];
      u += up.getF(gateUpBase + i * H + h) * x[h];
    }
    a[i] = g * sigmoidD(g) * u;
  }
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < I; ++i)
      y[h] += down.getF(downBase + h * I + i) * a[i];
  return y;
}

struct MoEFixture {
  int64_t T = 5, H = 6, E = 4, I = 3, Is = 5;
  Tensor x = randomTensor({T, H}, 70);
  Tensor router = randomTensor({E, H}, 71);
  Tensor gate = randomTensor({E, I, H}, 72, 0.5f);
  Tensor up = randomTensor({E, I, H}, 73, 0.5f);
  Tensor down = randomTensor({E, H, I}, 74, 0.5f);
  Tensor sharedGate = randomTensor({Is, H}, 75, 0.5f);
  Tensor sharedUp = randomTensor({Is, H}, 76, 0.5f);
  Tensor sharedDown = randomTensor({H, Is}, 77, 0.5f);

  std::vector<double> token(int64_t t) const {
    std::vector<double> v(H);
    for (int64_t h = 0; h < H; ++h)
      v[h] = x.getF(t * H + h);
    return v;
  }
  std::vector<double> expert(int64_t e, int64_t t) const {
    return naiveExpert(gate, up, down, e * I * H, e * H * I, H, I, token(t));
  }
  MoEWeights weights(bool shared) const {
    MoEWeights w{&router, &gate, &up, &down};
    if (shared) {
      w.sharedGate = &sharedGate;
      w.sharedUp = &sharedUp;
      w.sharedDown = &sharedDown;
    }
    return w;
  }
};

TEST(GoldenLLM, MoEUniformRouterOverAllExpertsIsTheAverage) {
  // A zero router gives every expert score 1/E; with k = E the block is the
  // mean of the experts (normalized or not, since the scores sum to 1).
  MoEFixture f;
  Tensor zeroRouter(DType::F32, {f.E, f.H});
  MoEWeights w = f.weights(false);
  w.router = &zeroRouter;
  for (bool norm : {false, true}) {
    MoEConfig c;
    c.topK = f.E;
    c.normTopkProb = norm;
    Tensor r = cantFail(moe(f.x, w, c));
    for (int64_t t = 0; t < f.T; ++t) {
      std::vector<double> mean(f.H, 0.0);
      for (int64_t e = 0; e < f.E; ++e) {
        std::vector<double> y = f.expert(e, t);
        for (int64_t h = 0; h < f.H; ++h)
          mean[h] += y[h] / f.E;
      }
      for (int64_t h = 0; h < f.H; ++h)
        ASSERT_NEAR(r.getF(t * f.H + h), mean[h], 1e-5) << t << "," << h;
    }
  }
}

TEST(GoldenLLM, MoETopKMatchesNaiveRoutingWithSharedExperts) {
  // Independent top-2: softmax in double, pick the two best by hand, weight,
  // normalize and scale, add the shared MLP.
  MoEFixture f;
  MoEConfig c;
  c.topK = 2;
  c.normTopkProb = true;
  c.routedScalingFactor = 2.5f;
  Tensor r = cantFail(moe(f.x, f.weights(true), c));
  for (int64_t t = 0; t < f.T; ++t) {
    std::vector<double> x = f.token(t), scores(f.E);
    double mx = -1e300, sum = 0;
    for (int64_t e = 0; e < f.E; ++e) {
      double l = 0;
      for (int64_t h = 0; h < f.H; ++h)
        l += f.router.getF(e * f.H + h) * x[h];
      scores[e] = l;
      mx = std::max(mx, l);
    }
    for (double &s : scores)
      sum += (s = std::exp(s - mx));
    for (double &s : scores)
      s /= sum;
    int64_t best = 0, second = -1;
    for (int64_t e = 1; e < f.E; ++e)
      if (scores[e] > scores[best])
        best = e;
    for (int64_t e = 0; e < f.E; ++e)
      if (e != best && (second < 0 || scores[e] > scores[second]))
        second = e;
    double norm = scores[best] + scores[second];
    std::vector<double> y1 = f.expert(best, t), y2 = f.expert(second, t);
    std::vector<double> ys =
        naiveExpert(f.sharedGate, f.sharedUp, f.sharedDown, 0, 0, f.H, f.Is, x);
    for (int64_t h = 0; h < f.H; ++h) {
      double expected =
          2.5 * (scores[best] * y1[h] + scores[second] * y2[h]) / norm + ys[h];
      ASSERT_NEAR(r.getF(t * f.H + h), expected, 1e-5) << t << "," << h;
    }
  }
  // Dropping the shared experts changes the result (by exactly the shared
  // MLP, checked above through `expected`).
  Tensor routedOnly = cantFail(moe(f.x, f.weights(false), c));
  EXPECT_GT(std::fabs(routedOnly.getF(0) - r.getF(0)), 1e-6f);
}

TEST(GoldenLLM, MoERouteGreedyAndGroupLimited) {
  // Softmax scores of log([0.1, 0.35, 0.3, 0.25]) are those values.
  Tensor logits = f32({1, 4}, {std::log(0.1f), std::log(0.35f), std::log(0.3f),
                               std::log(0.25f)});
  MoEConfig greedy;
  greedy.topK = 2;
  MoERouting g = cantFail(moeRoute(logits, greedy));
  EXPECT_EQ(g.experts.ints(), (std::vector<int64_t>{1, 2}));
  EXPECT_NEAR(g.weights.getF(0), 0.35f, 1e-6);
  EXPECT_NEAR(g.weights.getF(1), 0.3f, 1e-6);
  // Two groups {0, 1} (best 0.35) and {2, 3} (best 0.3); keeping one group
  // forces expert 0 in over the better expert 2.
  MoEConfig grouped = greedy;
  grouped.nGroup = 2;
  grouped.topkGroup = 1;
  grouped.normTopkProb = true;
  MoERouting gl = cantFail(moeRoute(logits, grouped));
  EXPECT_EQ(gl.experts.ints(), (std::vector<int64_t>{1, 0}));
  EXPECT_NEAR(gl.weights.getF(0), 0.35f / 0.45f, 1e-6);
  EXPECT_NEAR(gl.weights.getF(1), 0.1f / 0.45f, 1e-6);
  // Ties go to the lower expert index.
  Tensor tied = f32({1, 3}, {1, 2, 2});
  MoEConfig top1;
  EXPECT_EQ(cantFail(moeRoute(tied, top1)).experts.ints(),
            (std::vector<int64_t>{1}));
}

TEST(GoldenLLM, MoERouteSigmoidWithBiasAndTop2Groups) {
  // DeepSeek-V3's noaux_tc: sigmoid scores, a correction bias that only
  // steers the choice, groups scored by their two best corrected scores.
  // Logits are the sigmoid's inverse of the scores below.
  std::vector<float> scores = {0.9f, 0.1f, 0.5f, 0.6f, 0.2f, 0.3f, 0.7f, 0.8f};
  std::vector<float> logits;
  for (float p : scores)
    logits.push_back(std::log(p / (1 - p)));
  Tensor t = f32({1, 8}, logits);
  MoEConfig c;
  c.topK = 2;
  c.scoring = MoEScoring::Sigmoid;
  c.groupScoring = MoEGroupScoring::Top2Sum;
  c.nGroup = 4;
  c.topkGroup = 2;
  c.normTopkProb = true;
  c.routedScalingFactor = 2.5f;
  c.scoreBias = {0, 0, 0, 0, 0, 0, 0.25f, 0};
  // Corrected group sums: {1.0, 1.1, 0.5, 1.75}: groups 3 and 1 stay. The
  // corrected scores pick expert 6 (0.95) then 7 (0.8); group max scoring
  // would have kept group 0 (0.9) instead of group 1 (0.6).
  MoERouting r = cantFail(moeRoute(t, c));
  EXPECT_EQ(r.experts.ints(), (std::vector<int64_t>{6, 7}));
  // Weights come from the uncorrected scores.
  EXPECT_NEAR(r.weights.getF(0), 2.5f * 0.7f / 1.5f, 1e-6);
  EXPECT_NEAR(r.weights.getF(1), 2.5f * 0.8f / 1.5f, 1e-6);
  MoEConfig maxGroups = c;
  maxGroups.groupScoring = MoEGroupScoring::Max;
  EXPECT_EQ(cantFail(moeRoute(t, maxGroups)).experts.ints(),
            (std::vector<int64_t>{6, 0}));
  MoEConfig badBias = c;
  badBias.scoreBias = {1, 2};
  EXPECT_EQ(errorOf(checkMoEConfig(badBias, 8)),
            "moe score correction bias has 2 values for 8 experts");
  MoEConfig smallGroups = c;
  smallGroups.nGroup = 8;
  smallGroups.topkGroup = 2;
  EXPECT_EQ(errorOf(checkMoEConfig(smallGroups, 8)),
            "moe top2_sum group scoring needs at least 2 experts per group, "
            "got 1");
}

TEST(GoldenLLM, MoEConfigAndShapeErrors) {
  MoEConfig c;
  c.topK = 0;
  EXPECT_EQ(errorOf(checkMoEConfig(c, 8)),
            "moe top_k 0 must be in [1, 8] (the experts in the topk_group "
            "best groups)");
  c.topK = 5;
  c.nGroup = 4;
  c.topkGroup = 2;
  EXPECT_EQ(errorOf(checkMoEConfig(c, 8)),
            "moe top_k 5 must be in [1, 4] (the experts in the topk_group "
            "best groups)");
  c.nGroup = 3;
  EXPECT_EQ(errorOf(checkMoEConfig(c, 8)),
            "moe n_group 3 must be positive and divide the 8 experts");
  c.nGroup = 2;
  c.topkGroup = 3;
  EXPECT_EQ(errorOf(checkMoEConfig(c, 8)),
            "moe topk_group 3 must be in [1, n_group = 2]");

  MoEShapes s{{5, 6}, {4, 6}, {4, 3, 6}, {4, 3, 6}, {4, 6, 3}};
  EXPECT_EQ(errorOf(checkMoEShapes(s)), "");
  MoEShapes badRouter = s;
  badRouter.router = {4, 7};
  EXPECT_EQ(errorOf(checkMoEShapes(badRouter)),
            "moe router weight must be [experts, hidden = 6], got 4x7");
  MoEShapes badGate = s;
  badGate.gate = {5, 3, 6};
  EXPECT_EQ(errorOf(checkMoEShapes(badGate)),
            "moe expert gate weights must be [experts = 4, intermediate, "
            "hidden = 6], got 5x3x6");
  MoEShapes badUp = s;
  badUp.up = {4, 2, 6};
  EXPECT_EQ(errorOf(checkMoEShapes(badUp)),
            "moe expert up weights 4x2x6 differ from the gate weights 4x3x6");
  MoEShapes badDown = s;
  badDown.down = {4, 3, 6};
  EXPECT_EQ(errorOf(checkMoEShapes(badDown)),
            "moe expert down weights must be 4x6x3, got 4x3x6");
  Shape sg{5, 6}, su{5, 6}, sd{6, 4};
  MoEShapes badShared = s;
  badShared.sharedGate = &sg;
  EXPECT_EQ(errorOf(checkMoEShapes(badShared)),
            "moe shared experts need gate, up and down weights");
  badShared.sharedUp = &su;
  badShared.sharedDown = &sd;
  EXPECT_EQ(errorOf(checkMoEShapes(badShared)),
            "moe shared down weight must be 6x5, got 6x4");
  // The kernels check too.
  EXPECT_EQ(errorOf(moeRoute(f32({4}, {1, 2, 3, 4}), MoEConfig())),
            "moe router logits must be [tokens, experts], got 4");
  MoEFixture f;
  MoEWeights noDown{&f.router, &f.gate, &f.up, nullptr};
  EXPECT_EQ(errorOf(moe(f.x, noDown, MoEConfig())),
            "moe needs router, gate, up and down weights");
  MoEConfig bad;
  bad.topK = 9;
  EXPECT_EQ(errorOf(moe(f.x, f.weights(false), bad)),
            "moe top_k 9 must be in [1, 4] (the experts in the topk_group "
            "best groups)");
}

//===----------------------------------------------------------------------===//
// Cost
//===----------------------------------------------------------------------===//

TEST(GoldenLLM, Flops) {
  // 3 per rotated element: 2 * 4 * 16 positions of 32 rotated dimensions.
  EXPECT_EQ(ropeFlops({2, 4, 16, 64}, 32), 3 * 2 * 4 * 16 * 32);
  // Causal 4x4 leaves 10 pairs per head, 2 heads; per pair q.k (2 * 8),
  // scale, mask, softmax (8), P.V (2 * 6).
  EXPECT_EQ(attentionFlops({1, 2, 4, 8}, {1, 1, 4, 8}, {1, 1, 4, 6},
                           /*hasMask=*/true, /*causal=*/true),
            20 * (16 + 1 + 1 + 8 + 12));
  EXPECT_EQ(attentionFlops({1, 2, 4, 8}, {1, 1, 4, 8}, {1, 1, 4, 6},
                           /*hasMask=*/false, /*causal=*/false),
            32 * (16 + 1 + 8 + 12));
  EXPECT_EQ(swigluFlops({16, 128}), 6 * 16 * 128);
  // The DeepSeek fixture's MoE: 16 tokens, hidden 64, 8 experts of 32, top-2,
  // a shared MLP of 64. Router 2*64*8 + 8*8 + 2*8 = 1104; each routed expert
  // 6*64*32 + 6*32 + 2*64 = 12608; shared 6*64*64 + 6*64 + 64 = 25024.
  EXPECT_EQ(moeFlops(16, 64, 8, 32, 2, 64), 16 * (1104 + 2 * 12608 + 25024));
  EXPECT_EQ(moeFlops(16, 64, 8, 32, 2, 0), 16 * (1104 + 2 * 12608));
}

} // namespace
