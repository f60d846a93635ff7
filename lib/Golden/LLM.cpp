//===- LLM.cpp - Golden kernels of the fused LLM ops ----------------------===//
//
// Straightforward loops: these are the reference the tiled NPU kernels are
// checked against, so clarity wins over speed. Dot products accumulate in
// f64; the elementwise parts (rotation, softmax, SiLU) use the same f32
// formulas as the unfused golden ops so a fused graph matches its unfused
// form to rounding.
//
//===----------------------------------------------------------------------===//

#include "tessera/Golden/Kernels.h"
#include "tessera/Golden/LLMKernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace tessera::golden {

/// The same formula as graph.sigmoid, so SiLU here equals x * sigmoid(x) there.
static float sigmoidF(float x) {
  return x >= 0 ? 1.0f / (1.0f + std::exp(-x))
                : std::exp(x) / (1.0f + std::exp(x));
}

static float siluF(float x) { return x * sigmoidF(x); }

/// Row-major strides of `shape` seen as broadcast to `full` (0 where a
/// dimension is broadcast, including missing leading ones).
static std::vector<int64_t> broadcastStrides(const Shape &shape,
                                             const Shape &full) {
  std::vector<int64_t> strides(full.size(), 0);
  std::vector<int64_t> own = shapeStrides(shape);
  size_t offset = full.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i)
    strides[offset + i] = shape[i] == 1 ? 0 : own[i];
  return strides;
}

//===----------------------------------------------------------------------===//
// Rotary position embedding
//===----------------------------------------------------------------------===//

std::optional<RopeStyle> parseRopeStyle(llvm::StringRef name) {
  if (name == "rotate_half")
    return RopeStyle::RotateHalf;
  if (name == "interleaved")
    return RopeStyle::Interleaved;
  if (name == "deinterleaved")
    return RopeStyle::Deinterleaved;
  return std::nullopt;
}

const char *ropeStyleName(RopeStyle style) {
  switch (style) {
  case RopeStyle::RotateHalf:
    return "rotate_half";
  case RopeStyle::Interleaved:
    return "interleaved";
  case RopeStyle::Deinterleaved:
    return "deinterleaved";
  }
  return "?";
}

llvm::Error checkRopeShapes(const Shape &x, const Shape &cos,
                            const Shape &sin) {
  if (x.size() != 4)
    return makeError("rope input must be [batch, heads, seq, head_dim], got " +
                     shapeToString(x));
  if (cos != sin)
    return makeError("rope cos and sin tables differ in shape: " +
                     shapeToString(cos) + " vs " + shapeToString(sin));
  if (cos.size() != 2 && cos.size() != 3)
    return makeError("rope tables must be [seq, rotary_dim] or [batch, seq, "
                     "rotary_dim], got " +
                     shapeToString(cos));
  if (cos.size() == 3 && cos[0] != x[0])
    return makeError("rope tables have batch " + llvm::Twine(cos[0]) +
                     ", the input " + llvm::Twine(x[0]));
  int64_t seq = cos[cos.size() - 2];
  if (seq != x[2])
    return makeError("rope tables cover " + llvm::Twine(seq) +
                     " positions, the input has " + llvm::Twine(x[2]));
  int64_t rotary = cos.back();
  if (rotary <= 0 || rotary % 2 != 0 || rotary > x[3])
    return makeError("rope rotary dimension " + llvm::Twine(rotary) +
                     " must be even, positive and at most the head dimension " +
                     llvm::Twine(x[3]));
  return llvm::Error::success();
}

llvm::Expected<Tensor> rope(const Tensor &x, const Tensor &cos,
                            const Tensor &sin, RopeStyle style) {
  if (llvm::Error e = checkRopeShapes(x.shape(), cos.shape(), sin.shape()))
    return std::move(e);
  int64_t batch = x.dim(0), heads = x.dim(1), seq = x.dim(2), dim = x.dim(3);
  int64_t rotary = cos.shape().back(), half = rotary / 2;
  bool perBatchTable = cos.rank() == 3;
  Tensor r(x.dtype(), x.shape());
  std::vector<float> p(rotary);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t s = 0; s < seq; ++s) {
        int64_t base = ((b * heads + h) * seq + s) * dim;
        int64_t tableBase = ((perBatchTable ? b * seq : 0) + s) * rotary;
        // P: the layout the rotation and the tables work in.
        for (int64_t i = 0; i < rotary; ++i) {
          int64_t src = i;
          if (style == RopeStyle::Deinterleaved)
            src = i < half ? 2 * i : 2 * (i - half) + 1;
          p[i] = x.getF(base + src);
        }
        for (int64_t i = 0; i < rotary; ++i) {
          float rotated;
          if (style == RopeStyle::Interleaved)
            rotated = i % 2 == 0 ? -p[i + 1] : p[i - 1];
          else
            rotated = i < half ? -p[i + half] : p[i - half];
          r.setF(base + i, p[i] * cos.getF(tableBase + i) +
                               rotated * sin.getF(tableBase + i));
        }
        for (int64_t i = rotary; i < dim; ++i)
          r.setF(base + i, x.getF(base + i));
      }
  return r;
}

//===----------------------------------------------------------------------===//
// Scaled dot-product attention
//===----------------------------------------------------------------------===//

llvm::Expected<Shape> attentionShape(const Shape &q, const Shape &k,
                                     const Shape &v, const Shape *mask,
                                     bool causal) {
  auto rank4 = [](const Shape &s, const char *what) -> llvm::Error {
    if (s.size() != 4)
      return makeError(llvm::Twine("attention ") + what +
                       " must be [batch, heads, seq, head_dim], got " +
                       shapeToString(s));
    return llvm::Error::success();
  };
  if (llvm::Error e = rank4(q, "query"))
    return std::move(e);
  if (llvm::Error e = rank4(k, "key"))
    return std::move(e);
  if (llvm::Error e = rank4(v, "value"))
    return std::move(e);
  if (q[0] != k[0] || q[0] != v[0])
    return makeError("attention batch sizes differ: query " + shapeToString(q) +
                     ", key " + shapeToString(k) + ", value " +
                     shapeToString(v));
  if (k[1] != v[1] || k[2] != v[2])
    return makeError("attention key " + shapeToString(k) + " and value " +
                     shapeToString(v) + " differ in heads or length");
  if (k[1] == 0 || q[1] % k[1] != 0)
    return makeError("attention key/value heads (" + llvm::Twine(k[1]) +
                     ") must divide the query heads (" + llvm::Twine(q[1]) +
                     ")");
  if (q[3] != k[3])
    return makeError("attention query head dim " + llvm::Twine(q[3]) +
                     " differs from key head dim " + llvm::Twine(k[3]));
  if (causal && q[2] > k[2])
    return makeError("causal attention needs at least as many keys (" +
                     llvm::Twine(k[2]) + ") as queries (" + llvm::Twine(q[2]) +
                     ")");
  Shape scores{q[0], q[1], q[2], k[2]};
  if (mask) {
    auto bc = broadcastShapes(*mask, scores);
    if (!bc || *bc != scores) {
      if (!bc)
        llvm::consumeError(bc.takeError());
      return makeError("attention mask of shape " + shapeToString(*mask) +
                       " does not broadcast to the scores' shape " +
                       shapeToString(scores));
    }
  }
  return Shape{q[0], q[1], q[2], v[3]};
}

float defaultAttentionScale(int64_t qkHeadDim) {
  return 1.0f / std::sqrt((float)qkHeadDim);
}

int64_t attentionVisiblePairs(int64_t sq, int64_t skv, bool causal) {
  if (!causal)
    return sq * skv;
  // Query i sees keys 0 .. i + (skv - sq).
  int64_t pairs = 0;
  for (int64_t i = 0; i < sq; ++i)
    pairs += std::clamp<int64_t>(i + skv - sq + 1, 0, skv);
  return pairs;
}

llvm::Error checkAttentionKvLengthShape(const Shape &shape) {
  if (shapeNumElements(shape) != 1 || shape.size() > 1)
    return makeError("attention kv_length must be a 0-d or 1-element tensor, "
                     "got " +
                     shapeToString(shape));
  return llvm::Error::success();
}

llvm::Error checkAttentionKvLength(int64_t length, int64_t sq, int64_t skv,
                                   bool causal) {
  int64_t low = causal ? std::max<int64_t>(sq, 1) : 1;
  if (length < low || length > skv)
    return makeError(
        "attention kv_length " + llvm::Twine(length) + " is outside [" +
        llvm::Twine(low) + ", " + llvm::Twine(skv) + "] (" +
        (causal ? "the queries, " : "1, ") + "the key/value capacity)");
  return llvm::Error::success();
}

llvm::Expected<Tensor> attention(const Tensor &q, const Tensor &k,
                                 const Tensor &v, const Tensor *mask,
                                 bool causal, float scale,
                                 std::optional<int64_t> kvLength) {
  auto outShape = attentionShape(q.shape(), k.shape(), v.shape(),
                                 mask ? &mask->shape() : nullptr, causal);
  if (!outShape)
    return outShape.takeError();
  int64_t batch = q.dim(0), heads = q.dim(1), sq = q.dim(2), dqk = q.dim(3);
  int64_t kvHeads = k.dim(1), capacity = k.dim(2), dv = v.dim(3);
  int64_t skv = capacity;
  if (kvLength) {
    if (llvm::Error e = checkAttentionKvLength(*kvLength, sq, capacity, causal))
      return std::move(e);
    skv = *kvLength;
  }
  int64_t group = heads / kvHeads;
  std::vector<int64_t> maskStrides;
  if (mask)
    maskStrides = broadcastStrides(mask->shape(), {batch, heads, sq, capacity});
  Tensor r(q.dtype(), *outShape);
  std::vector<float> scores(skv);
  std::vector<double> acc(dv);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      int64_t kvh = h / group;
      int64_t kBase = (b * kvHeads + kvh) * capacity * dqk;
      int64_t vBase = (b * kvHeads + kvh) * capacity * dv;
      for (int64_t i = 0; i < sq; ++i) {
        int64_t qBase = ((b * heads + h) * sq + i) * dqk;
        // Keys past `visible` are causally masked: they get no weight, the
        // same as the finfo.min or -inf the unfused graph adds.
        int64_t visible = causal ? i + skv - sq + 1 : skv;
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < visible; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < dqk; ++d)
            dot += (double)q.getF(qBase + d) * k.getF(kBase + j * dqk + d);
          float s = (float)dot * scale;
          if (mask)
            s += mask->getF(b * maskStrides[0] + h * maskStrides[1] +
                            i * maskStrides[2] + j * maskStrides[3]);
          scores[j] = s;
          mx = std::max(mx, s);
        }
        // Softmax as graph.softmax computes it, then P V.
        float sum = 0;
        for (int64_t j = 0; j < visible; ++j)
          sum += std::exp(scores[j] - mx);
        for (int64_t j = 0; j < visible; ++j)
          scores[j] = std::exp(scores[j] - mx) / sum;
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t j = 0; j < visible; ++j)
          for (int64_t d = 0; d < dv; ++d)
            acc[d] += (double)scores[j] * v.getF(vBase + j * dv + d);
        int64_t oBase = ((b * heads + h) * sq + i) * dv;
        for (int64_t d = 0; d < dv; ++d)
          r.setF(oBase + d, (float)acc[d]);
      }
    }
  return r;
}

//===----------------------------------------------------------------------===//
// SwiGLU
//===----------------------------------------------------------------------===//

llvm::Expected<Shape> swigluShape(const Shape &input, const Shape *up,
                                  int64_t axis) {
  if (up) {
    if (*up != input)
      return makeError("swiglu gate and up shapes differ: " +
                       shapeToString(input) + " vs " + shapeToString(*up));
    return input;
  }
  int64_t rank = input.size();
  if (rank == 0)
    return makeError("swiglu of one operand needs rank >= 1 to split");
  if (axis < -rank || axis >= rank)
    return makeError("swiglu axis " + llvm::Twine(axis) +
                     " is out of range for rank " + llvm::Twine(rank));
  if (axis < 0)
    axis += rank;
  if (input[axis] % 2 != 0)
    return makeError("swiglu splits dimension " + llvm::Twine(axis) +
                     " of size " + llvm::Twine(input[axis]) +
                     " into gate and up halves; it must be even");
  Shape out = input;
  out[axis] /= 2;
  return out;
}

llvm::Expected<Tensor> swiglu(const Tensor &input, const Tensor *up,
                              int64_t axis) {
  auto outShape = swigluShape(input.shape(), up ? &up->shape() : nullptr, axis);
  if (!outShape)
    return outShape.takeError();
  Tensor r(input.dtype(), *outShape);
  if (up) {
    for (int64_t i = 0; i < r.numElements(); ++i)
      r.setF(i, siluF(input.getF(i)) * up->getF(i));
    return r;
  }
  if (axis < 0)
    axis += input.rank();
  // View the input as [outer, 2 * half, inner]: gate first, then up.
  int64_t outer = 1, inner = 1, half = input.dim(axis) / 2;
  for (int64_t i = 0; i < axis; ++i)
    outer *= input.dim(i);
  for (int64_t i = axis + 1; i < input.rank(); ++i)
    inner *= input.dim(i);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < half; ++j)
      for (int64_t in = 0; in < inner; ++in) {
        float g = input.getF((o * 2 * half + j) * inner + in);
        float u = input.getF((o * 2 * half + j + half) * inner + in);
        r.setF((o * half + j) * inner + in, siluF(g) * u);
      }
  return r;
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

std::optional<MoEScoring> parseMoEScoring(llvm::StringRef name) {
  if (name == "softmax")
    return MoEScoring::Softmax;
  if (name == "sigmoid")
    return MoEScoring::Sigmoid;
  return std::nullopt;
}

std::optional<MoEGroupScoring> parseMoEGroupScoring(llvm::StringRef name) {
  if (name == "max")
    return MoEGroupScoring::Max;
  if (name == "top2_sum")
    return MoEGroupScoring::Top2Sum;
  return std::nullopt;
}

llvm::Error checkMoEConfig(const MoEConfig &c, int64_t numExperts) {
  if (c.nGroup < 1 || numExperts % c.nGroup != 0)
    return makeError("moe n_group " + llvm::Twine(c.nGroup) +
                     " must be positive and divide the " +
                     llvm::Twine(numExperts) + " experts");
  if (c.topkGroup < 1 || c.topkGroup > c.nGroup)
    return makeError("moe topk_group " + llvm::Twine(c.topkGroup) +
                     " must be in [1, n_group = " + llvm::Twine(c.nGroup) +
                     "]");
  int64_t eligible = c.topkGroup * (numExperts / c.nGroup);
  if (c.topK < 1 || c.topK > eligible)
    return makeError("moe top_k " + llvm::Twine(c.topK) + " must be in [1, " +
                     llvm::Twine(eligible) +
                     "] (the experts in the topk_group best groups)");
  if (!std::isfinite(c.routedScalingFactor))
    return makeError("moe routed_scaling_factor must be finite");
  if (!c.scoreBias.empty() && (int64_t)c.scoreBias.size() != numExperts)
    return makeError("moe score correction bias has " +
                     llvm::Twine(c.scoreBias.size()) + " values for " +
                     llvm::Twine(numExperts) + " experts");
  if (c.nGroup > 1 && c.groupScoring == MoEGroupScoring::Top2Sum &&
      numExperts / c.nGroup < 2)
    return makeError("moe top2_sum group scoring needs at least 2 experts "
                     "per group, got " +
                     llvm::Twine(numExperts / c.nGroup));
  return llvm::Error::success();
}

llvm::Error checkMoEShapes(const MoEShapes &s) {
  if (s.input.empty())
    return makeError("moe input must have rank >= 1 ([..., hidden])");
  int64_t hidden = s.input.back();
  if (s.router.size() != 2 || s.router[1] != hidden)
    return makeError("moe router weight must be [experts, hidden = " +
                     llvm::Twine(hidden) + "], got " + shapeToString(s.router));
  int64_t experts = s.router[0];
  if (s.gate.size() != 3 || s.gate[0] != experts || s.gate[2] != hidden)
    return makeError(
        "moe expert gate weights must be [experts = " + llvm::Twine(experts) +
        ", intermediate, hidden = " + llvm::Twine(hidden) + "], got " +
        shapeToString(s.gate));
  int64_t inter = s.gate[1];
  if (s.up != s.gate)
    return makeError("moe expert up weights " + shapeToString(s.up) +
                     " differ from the gate weights " + shapeToString(s.gate));
  if (s.down != Shape{experts, hidden, inter})
    return makeError("moe expert down weights must be " +
                     shapeToString({experts, hidden, inter}) + ", got " +
                     shapeToString(s.down));
  int64_t shared = (s.sharedGate != nullptr) + (s.sharedUp != nullptr) +
                   (s.sharedDown != nullptr);
  if (shared == 0)
    return llvm::Error::success();
  if (shared != 3)
    return makeError("moe shared experts need gate, up and down weights");
  const Shape &sg = *s.sharedGate;
  if (sg.size() != 2 || sg[1] != hidden)
    return makeError("moe shared gate weight must be [shared_intermediate, "
                     "hidden = " +
                     llvm::Twine(hidden) + "], got " + shapeToString(sg));
  if (*s.sharedUp != sg)
    return makeError("moe shared up weight " + shapeToString(*s.sharedUp) +
                     " differs from the shared gate weight " +
                     shapeToString(sg));
  if (*s.sharedDown != Shape{hidden, sg[0]})
    return makeError("moe shared down weight must be " +
                     shapeToString({hidden, sg[0]}) + ", got " +
                     shapeToString(*s.sharedDown));
  return llvm::Error::success();
}

/// Indices of the `k` largest of `values` (only those with `allowed[i]`),
/// by descending value, ties to the lower index.
static std::vector<int64_t> topIndices(const std::vector<float> &values,
                                       const std::vector<bool> &allowed,
                                       int64_t k) {
  std::vector<int64_t> order;
  for (int64_t i = 0; i < (int64_t)values.size(); ++i)
    if (allowed[i])
      order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return values[a] > values[b]; });
  order.resize(std::min<int64_t>(k, order.size()));
  return order;
}

llvm::Expected<MoERouting> moeRoute(const Tensor &logits,
                                    const MoEConfig &config) {
  if (logits.rank() != 2)
    return makeError("moe router logits must be [tokens, experts], got " +
                     shapeToString(logits.shape()));
  int64_t tokens = logits.dim(0), experts = logits.dim(1);
  if (llvm::Error e = checkMoEConfig(config, experts))
    return std::move(e);
  int64_t k = config.topK, perGroup = experts / config.nGroup;
  Tensor scores = logits.castTo(DType::F32);
  if (config.scoring == MoEScoring::Softmax)
    scores = softmax(scores, -1, /*logSoftmax=*/false);
  else
    for (float &v : scores.floats())
      v = sigmoidF(v);
  MoERouting routing{Tensor(DType::I64, {tokens, k}),
                     Tensor(DType::F32, {tokens, k})};
  // `row` holds the scores the weights come from, `choice` those that pick
  // the experts (the same unless there is a correction bias).
  std::vector<float> row(experts), choice(experts);
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t e = 0; e < experts; ++e) {
      row[e] = scores.getF(t * experts + e);
      choice[e] =
          row[e] + (config.scoreBias.empty() ? 0.0f : config.scoreBias[e]);
    }
    std::vector<bool> allowed(experts, true);
    if (config.nGroup > 1) {
      // Groups are scored by their best expert (or best two); only the best
      // groups stay eligible.
      std::vector<float> groupScore(config.nGroup);
      for (int64_t g = 0; g < config.nGroup; ++g) {
        auto first = choice.begin() + g * perGroup;
        if (config.groupScoring == MoEGroupScoring::Max) {
          groupScore[g] = *std::max_element(first, first + perGroup);
        } else {
          std::vector<float> group(first, first + perGroup);
          std::partial_sort(group.begin(), group.begin() + 2, group.end(),
                            std::greater<float>());
          groupScore[g] = group[0] + group[1];
        }
      }
      std::vector<int64_t> keep = topIndices(
          groupScore, std::vector<bool>(config.nGroup, true), config.topkGroup);
      std::fill(allowed.begin(), allowed.end(), false);
      for (int64_t g : keep)
        std::fill(allowed.begin() + g * perGroup,
                  allowed.begin() + (g + 1) * perGroup, true);
    }
    std::vector<int64_t> chosen = topIndices(choice, allowed, k);
    float sum = 0;
    for (int64_t e : chosen)
      sum += row[e];
    for (int64_t i = 0; i < k; ++i) {
      float w = row[chosen[i]];
      if (config.normTopkProb)
        w /= sum + 1e-20f; // DeepSeek's guard against an all-zero sum
      w *= config.routedScalingFactor;
      routing.experts.setI(t * k + i, chosen[i]);
      routing.weights.setF(t * k + i, w);
    }
  }
  return routing;
}

/// y[r] = sum_c w[base + r * m + c] * x[c]: a row-major [n, m] matrix at
/// `base` times a vector.
static void matVec(const Tensor &w, int64_t base, int64_t n, int64_t m,
                   const std::vector<float> &x, std::vector<float> &y) {
  y.assign(n, 0.0f);
  for (int64_t r = 0; r < n; ++r) {
    double acc = 0;
    for (int64_t c = 0; c < m; ++c)
      acc += (double)w.getF(base + r * m + c) * x[c];
    y[r] = (float)acc;
  }
}

/// down(silu(gate x) * up x) for weights at the given offsets: gate and up
/// are [inter, hidden], down is [hidden, inter].
static void swigluMLP(const Tensor &gate, const Tensor &up, const Tensor &down,
                      int64_t gateUpBase, int64_t downBase, int64_t hidden,
                      int64_t inter, const std::vector<float> &x,
                      std::vector<float> &out) {
  std::vector<float> g, u;
  matVec(gate, gateUpBase, inter, hidden, x, g);
  matVec(up, gateUpBase, inter, hidden, x, u);
  for (int64_t i = 0; i < inter; ++i)
    g[i] = siluF(g[i]) * u[i];
  matVec(down, downBase, hidden, inter, g, out);
}

llvm::Expected<Tensor> moe(const Tensor &input, const MoEWeights &w,
                           const MoEConfig &config) {
  if (!w.router || !w.gate || !w.up || !w.down)
    return makeError("moe needs router, gate, up and down weights");
  MoEShapes shapes{input.shape(), w.router->shape(), w.gate->shape(),
                   w.up->shape(), w.down->shape()};
  if (w.sharedGate)
    shapes.sharedGate = &w.sharedGate->shape();
  if (w.sharedUp)
    shapes.sharedUp = &w.sharedUp->shape();
  if (w.sharedDown)
    shapes.sharedDown = &w.sharedDown->shape();
  if (llvm::Error e = checkMoEShapes(shapes))
    return std::move(e);
  int64_t hidden = input.shape().back(), experts = w.router->dim(0);
  int64_t inter = w.gate->dim(1);
  int64_t tokens = hidden ? input.numElements() / hidden : 0;
  bool hasShared = shapes.sharedGate != nullptr;
  int64_t sharedInter = hasShared ? w.sharedGate->dim(0) : 0;

  Tensor logits(DType::F32, {tokens, experts});
  std::vector<float> x(hidden), y;
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t h = 0; h < hidden; ++h)
      x[h] = input.getF(t * hidden + h);
    matVec(*w.router, 0, experts, hidden, x, y);
    for (int64_t e = 0; e < experts; ++e)
      logits.setF(t * experts + e, y[e]);
  }
  auto routing = moeRoute(logits, config);
  if (!routing)
    return routing.takeError();

  Tensor r(input.dtype(), input.shape());
  std::vector<double> acc(hidden);
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t h = 0; h < hidden; ++h)
      x[h] = input.getF(t * hidden + h);
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t i = 0; i < config.topK; ++i) {
      int64_t e = routing->experts.getI(t * config.topK + i);
      float weight = routing->weights.getF(t * config.topK + i);
      swigluMLP(*w.gate, *w.up, *w.down, e * inter * hidden, e * hidden * inter,
                hidden, inter, x, y);
      for (int64_t h = 0; h < hidden; ++h)
        acc[h] += (double)(y[h] * weight);
    }
    if (hasShared) {
      swigluMLP(*w.sharedGate, *w.sharedUp, *w.sharedDown, 0, 0, hidden,
                sharedInter, x, y);
      for (int64_t h = 0; h < hidden; ++h)
        acc[h] += y[h];
    }
    for (int64_t h = 0; h < hidden; ++h)
      r.setF(t * hidden + h, (float)acc[h]);
  }
  return r;
}

//===----------------------------------------------------------------------===//
// Cost
//===----------------------------------------------------------------------===//

int64_t ropeFlops(const Shape &input, int64_t rotaryDim) {
  return 3 * input[0] * input[1] * input[2] * rotaryDim;
}

int64_t attentionFlops(const Shape &q, const Shape &k, const Shape &v,
                       bool hasMask, bool causal) {
  int64_t pairs = q[0] * q[1] * attentionVisiblePairs(q[2], k[2], causal);
  int64_t perPair = 2 * q[3] + 1 + (hasMask ? 1 : 0) + 8 + 2 * v[3];
  return pairs * perPair;
}

int64_t swigluFlops(const Shape &result) {
  return 6 * shapeNumElements(result);
}

int64_t moeFlops(int64_t tokens, int64_t hidden, int64_t experts, int64_t inter,
                 int64_t topK, int64_t sharedInter) {
  int64_t router = 2 * hidden * experts + 8 * experts + topK * experts;
  int64_t routed = topK * (6 * hidden * inter + 6 * inter + 2 * hidden);
  int64_t shared =
      sharedInter ? 6 * hidden * sharedInter + 6 * sharedInter + hidden : 0;
  return tokens * (router + routed + shared);
}

} // namespace tessera::golden
