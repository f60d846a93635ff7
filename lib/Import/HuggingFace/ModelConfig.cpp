//===- ModelConfig.cpp - A Hugging Face config.json, checked --------------===//
//
// Each architecture has a table of the fields it understands; every key of
// config.json must be in it or in the list of metadata that cannot change
// the math. Values are checked where they are read, and the messages name
// the file and the field.
//
//===----------------------------------------------------------------------===//

#include "tessera/Import/HuggingFace/ModelConfig.h"
#include "tessera/Support/FileIO.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cmath>
#include <functional>
#include <map>

namespace tessera::hf {

using llvm::Twine;

const char *architectureName(Architecture arch) {
  switch (arch) {
  case Architecture::DeepseekV2:
    return "DeepseekV2ForCausalLM";
  case Architecture::DeepseekV3:
    return "DeepseekV3ForCausalLM";
  case Architecture::Qwen2:
    return "Qwen2ForCausalLM";
  case Architecture::Llama:
    return "LlamaForCausalLM";
  }
  return "?";
}

/// Fields that describe the checkpoint, the tokenizer or training and never
/// change what a forward pass computes.
static const llvm::StringSet<> &metadataFields() {
  static const llvm::StringSet<> fields = {
      "_name_or_path",
      "auto_map",
      "model_type",
      "transformers_version",
      "torch_dtype",
      "dtype",
      "bos_token_id",
      "eos_token_id",
      "pad_token_id",
      "use_cache",
      "initializer_range",
      "attention_dropout",
      "max_position_embeddings",
      "tokenizer_class",
      // DeepSeek: training losses, expert parallelism, and the multi-token
      // prediction layer that inference does not run.
      "aux_loss_alpha",
      "seq_aux",
      "ep_size",
      "num_nextn_predict_layers",
  };
  return fields;
}

namespace {

/// Reads config.json's fields into a ModelConfig.
class ConfigReader {
public:
  ConfigReader(const llvm::json::Object &root, ModelConfig &c)
      : root(root), c(c) {}

  llvm::Error read();

private:
  using Handler = std::function<llvm::Error(const llvm::json::Value &)>;
  llvm::Error fieldError(llvm::StringRef field, const Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   c.path + ": field '" + field + "' " +
                                       message);
  }
  /// Handlers store into `out`; `null` is accepted where HF accepts it.
  Handler integer(int64_t &out, bool nullable = false, int64_t min = 1);
  Handler number(double &out, bool positive = true);
  Handler boolean(bool &out);
  Handler ignoredIfNull(llvm::StringRef field);
  llvm::Error readRopeScaling(const llvm::json::Value &v);
  llvm::Error readQuantization(const llvm::json::Value &v);
  void addCommon();
  void addLlamaQwen();
  void addDeepseek();

  const llvm::json::Object &root;
  ModelConfig &c;
  std::map<std::string, Handler> handlers;
  std::string current;
};

} // namespace

ConfigReader::Handler ConfigReader::integer(int64_t &out, bool nullable,
                                            int64_t min) {
  return
      [this, &out, nullable, min](const llvm::json::Value &v) -> llvm::Error {
        if (nullable && v.kind() == llvm::json::Value::Null) {
          out = 0;
          return llvm::Error::success();
        }
        std::optional<int64_t> i = v.getAsInteger();
        if (!i || *i < min)
          return fieldError(current, "must be an integer >= " + Twine(min) +
                                         (nullable ? " or null" : ""));
        out = *i;
        return llvm::Error::success();
      };
}

ConfigReader::Handler ConfigReader::number(double &out, bool positive) {
  return [this, &out, positive](const llvm::json::Value &v) -> llvm::Error {
    std::optional<double> d = v.getAsNumber();
    if (!d || !std::isfinite(*d) || (positive && *d <= 0))
      return fieldError(current, positive ? "must be a positive number"
                                          : "must be a number");
    out = *d;
    return llvm::Error::success();
  };
}

ConfigReader::Handler ConfigReader::boolean(bool &out) {
  return [this, &out](const llvm::json::Value &v) -> llvm::Error {
    std::optional<bool> b = v.getAsBoolean();
    if (!b)
      return fieldError(current, "must be true or false");
    out = *b;
    return llvm::Error::success();
  };
}

/// A field Tessera does not model, accepted only when it is off.
ConfigReader::Handler ConfigReader::ignoredIfNull(llvm::StringRef field) {
  return [this, field](const llvm::json::Value &v) -> llvm::Error {
    if (v.kind() == llvm::json::Value::Null ||
        v.getAsBoolean() == std::optional<bool>(false))
      return llvm::Error::success();
    return fieldError(field, "is set; Tessera does not model it");
  };
}

llvm::Error ConfigReader::readRopeScaling(const llvm::json::Value &v) {
  if (v.kind() == llvm::json::Value::Null) {
    c.ropeScaling = RopeScaling::None;
    return llvm::Error::success();
  }
  const llvm::json::Object *o = v.getAsObject();
  if (!o)
    return fieldError("rope_scaling", "must be an object or null");
  std::optional<llvm::StringRef> type = o->getString("type");
  if (!type)
    type = o->getString("rope_type");
  if (!type)
    return fieldError("rope_scaling", "has no 'type' (or 'rope_type')");
  auto num = [&](llvm::StringRef key, double &out, bool required,
                 bool positive) -> llvm::Error {
    const llvm::json::Value *f = o->get(key);
    if (!f) {
      if (required)
        return fieldError("rope_scaling",
                          "needs '" + key + "' for type '" + *type + "'");
      return llvm::Error::success();
    }
    std::optional<double> d = f->getAsNumber();
    if (!d || !std::isfinite(*d) || (positive && *d <= 0))
      return fieldError(("rope_scaling." + key).str(),
                        "must be a positive number");
    out = *d;
    return llvm::Error::success();
  };
  llvm::StringSet<> known = {"type", "rope_type", "factor",
                             "original_max_position_embeddings"};
  if (*type == "yarn") {
    c.ropeScaling = RopeScaling::Yarn;
    for (const char *k : {"beta_fast", "beta_slow", "mscale", "mscale_all_dim"})
      known.insert(k);
    if (llvm::Error e = num("factor", c.ropeFactor, true, true))
      return e;
    if (llvm::Error e = num("original_max_position_embeddings",
                            c.ropeOriginalMaxPositions, true, true))
      return e;
    if (llvm::Error e = num("beta_fast", c.yarnBetaFast, false, true))
      return e;
    if (llvm::Error e = num("beta_slow", c.yarnBetaSlow, false, true))
      return e;
    if (llvm::Error e = num("mscale", c.yarnMscale, false, false))
      return e;
    if (llvm::Error e = num("mscale_all_dim", c.yarnMscaleAllDim, false, false))
      return e;
  } else if (*type == "llama3") {
    c.ropeScaling = RopeScaling::Llama3;
    for (const char *k : {"low_freq_factor", "high_freq_factor"})
      known.insert(k);
    if (llvm::Error e = num("factor", c.ropeFactor, true, true))
      return e;
    if (llvm::Error e = num("original_max_position_embeddings",
                            c.ropeOriginalMaxPositions, true, true))
      return e;
    if (llvm::Error e =
            num("low_freq_factor", c.llama3LowFreqFactor, true, true))
      return e;
    if (llvm::Error e =
            num("high_freq_factor", c.llama3HighFreqFactor, true, true))
      return e;
    if (c.llama3HighFreqFactor <= c.llama3LowFreqFactor)
      return fieldError("rope_scaling.high_freq_factor",
                        "must exceed low_freq_factor");
  } else {
    return fieldError("rope_scaling", "has type '" + *type +
                                          "'; Tessera knows yarn and llama3");
  }
  for (const auto &kv : *o)
    if (!known.contains(kv.first))
      return fieldError(("rope_scaling." + llvm::StringRef(kv.first)).str(),
                        "is not understood for rope type '" + *type + "'");
  return llvm::Error::success();
}

llvm::Error ConfigReader::readQuantization(const llvm::json::Value &v) {
  if (v.kind() == llvm::json::Value::Null)
    return llvm::Error::success();
  const llvm::json::Object *o = v.getAsObject();
  if (!o)
    return fieldError("quantization_config", "must be an object");
  for (const auto &kv : *o) {
    llvm::StringRef key = kv.first;
    std::string field = ("quantization_config." + key).str();
    if (key == "quant_method") {
      if (kv.second.getAsString() != std::optional<llvm::StringRef>("fp8"))
        return fieldError(field, "must be \"fp8\"");
    } else if (key == "fmt") {
      if (kv.second.getAsString() != std::optional<llvm::StringRef>("e4m3"))
        return fieldError(field, "must be \"e4m3\"");
    } else if (key == "activation_scheme") {
      // Dynamic activation quantization is a kernel choice; the weights'
      // values (what the program computes with) are the dequantized ones.
      if (kv.second.getAsString() != std::optional<llvm::StringRef>("dynamic"))
        return fieldError(field, "must be \"dynamic\"");
    } else if (key == "weight_block_size") {
      const llvm::json::Array *a = kv.second.getAsArray();
      std::optional<int64_t> r, col;
      if (a && a->size() == 2) {
        r = (*a)[0].getAsInteger();
        col = (*a)[1].getAsInteger();
      }
      if (!r || !col || *r < 1 || *col < 1)
        return fieldError(field, "must be [rows, cols] of positive integers");
      c.fp8BlockRows = *r;
      c.fp8BlockCols = *col;
    } else {
      return fieldError(field, "is not understood");
    }
  }
  c.fp8 = true;
  return llvm::Error::success();
}

void ConfigReader::addCommon() {
  handlers["vocab_size"] = integer(c.vocabSize);
  handlers["hidden_size"] = integer(c.hiddenSize);
  handlers["intermediate_size"] = integer(c.intermediateSize);
  handlers["num_hidden_layers"] = integer(c.numLayers);
  handlers["num_attention_heads"] = integer(c.numHeads);
  handlers["num_key_value_heads"] = integer(c.numKVHeads);
  handlers["rms_norm_eps"] = number(c.rmsNormEps);
  handlers["rope_theta"] = number(c.ropeTheta);
  handlers["tie_word_embeddings"] = boolean(c.tieWordEmbeddings);
  handlers["rope_scaling"] = [this](const llvm::json::Value &v) -> llvm::Error {
    return readRopeScaling(v);
  };
  handlers["pretraining_tp"] =
      [this](const llvm::json::Value &v) -> llvm::Error {
    // A training-time split of the projections; 1 means none.
    if (v.getAsInteger() != std::optional<int64_t>(1))
      return fieldError("pretraining_tp", "must be 1");
    return llvm::Error::success();
  };
  handlers["hidden_act"] = [this](const llvm::json::Value &v) -> llvm::Error {
    if (v.getAsString() != std::optional<llvm::StringRef>("silu"))
      return fieldError("hidden_act", "must be \"silu\" (SwiGLU MLPs)");
    return llvm::Error::success();
  };
}

void ConfigReader::addLlamaQwen() {
  if (c.arch == Architecture::Llama) {
    handlers["attention_bias"] =
        [this](const llvm::json::Value &v) -> llvm::Error {
      if (llvm::Error e = boolean(c.qkvBias)(v))
        return e;
      c.oBias = c.qkvBias;
      return llvm::Error::success();
    };
    handlers["mlp_bias"] = boolean(c.mlpBias);
    handlers["head_dim"] = integer(c.headDim);
  } else {
    c.qkvBias = true; // Qwen2's q/k/v projections always have a bias
    handlers["use_sliding_window"] = ignoredIfNull("use_sliding_window");
    // Only used with use_sliding_window, which must be off.
    handlers["sliding_window"] = [](const llvm::json::Value &) -> llvm::Error {
      return llvm::Error::success();
    };
    handlers["max_window_layers"] =
        [](const llvm::json::Value &) -> llvm::Error {
      return llvm::Error::success();
    };
  }
}

void ConfigReader::addDeepseek() {
  handlers["q_lora_rank"] = integer(c.qLoraRank, /*nullable=*/true);
  handlers["kv_lora_rank"] = integer(c.kvLoraRank);
  handlers["qk_nope_head_dim"] = integer(c.qkNopeHeadDim);
  handlers["qk_rope_head_dim"] = integer(c.qkRopeHeadDim);
  handlers["v_head_dim"] = integer(c.vHeadDim);
  handlers["n_routed_experts"] = integer(c.nRoutedExperts, true);
  handlers["n_shared_experts"] = integer(c.nSharedExperts, true);
  handlers["num_experts_per_tok"] = integer(c.numExpertsPerTok, true);
  handlers["moe_intermediate_size"] = integer(c.moeIntermediateSize);
  handlers["first_k_dense_replace"] = integer(c.firstKDenseReplace, false, 0);
  handlers["moe_layer_freq"] = integer(c.moeLayerFreq);
  handlers["n_group"] = integer(c.nGroup, true);
  handlers["topk_group"] = integer(c.topkGroup, true);
  handlers["norm_topk_prob"] = boolean(c.normTopkProb);
  handlers["routed_scaling_factor"] = number(c.routedScalingFactor);
  handlers["attention_bias"] =
      [this](const llvm::json::Value &v) -> llvm::Error {
    if (llvm::Error e = boolean(c.qkvBias)(v))
      return e;
    if (c.qkvBias)
      return fieldError("attention_bias",
                        "is true; DeepSeek's MLA projections have no bias");
    return llvm::Error::success();
  };
  handlers["topk_method"] = [this](const llvm::json::Value &v) -> llvm::Error {
    std::optional<llvm::StringRef> s = v.getAsString();
    if (s == std::optional<llvm::StringRef>("greedy"))
      c.topkMethod = TopkMethod::Greedy;
    else if (s == std::optional<llvm::StringRef>("group_limited_greedy"))
      c.topkMethod = TopkMethod::GroupLimitedGreedy;
    else if (s == std::optional<llvm::StringRef>("noaux_tc"))
      c.topkMethod = TopkMethod::NoauxTc;
    else
      return fieldError("topk_method",
                        "has value '" + s.value_or("(not a string)") +
                            "'; expected greedy, group_limited_greedy or "
                            "noaux_tc");
    return llvm::Error::success();
  };
  handlers["scoring_func"] = [this](const llvm::json::Value &v) -> llvm::Error {
    std::optional<llvm::StringRef> s = v.getAsString();
    if (s == std::optional<llvm::StringRef>("softmax"))
      c.sigmoidScoring = false;
    else if (s == std::optional<llvm::StringRef>("sigmoid"))
      c.sigmoidScoring = true;
    else
      return fieldError("scoring_func", "has value '" +
                                            s.value_or("(not a string)") +
                                            "'; expected softmax or sigmoid");
    return llvm::Error::success();
  };
  handlers["quantization_config"] =
      [this](const llvm::json::Value &v) -> llvm::Error {
    return readQuantization(v);
  };
}

llvm::Error ConfigReader::read() {
  const llvm::json::Array *archs = root.getArray("architectures");
  if (!archs || archs->size() != 1 || !(*archs)[0].getAsString())
    return fieldError("architectures",
                      "must be a list of one architecture name");
  llvm::StringRef name = *(*archs)[0].getAsString();
  if (name == "DeepseekV2ForCausalLM")
    c.arch = Architecture::DeepseekV2;
  else if (name == "DeepseekV3ForCausalLM")
    c.arch = Architecture::DeepseekV3;
  else if (name == "Qwen2ForCausalLM")
    c.arch = Architecture::Qwen2;
  else if (name == "LlamaForCausalLM")
    c.arch = Architecture::Llama;
  else
    return fieldError("architectures",
                      "names '" + name +
                          "'; Tessera imports DeepseekV2ForCausalLM, "
                          "DeepseekV3ForCausalLM, Qwen2ForCausalLM and "
                          "LlamaForCausalLM");
  if (c.arch == Architecture::DeepseekV3) {
    // HF's DeepseekV3Config defaults.
    c.topkMethod = TopkMethod::NoauxTc;
    c.sigmoidScoring = true;
  }
  addCommon();
  if (c.isDeepseek())
    addDeepseek();
  else
    addLlamaQwen();

  for (const auto &[key, value] : root) {
    if (key == "architectures")
      continue;
    auto it = handlers.find(key.str());
    if (it == handlers.end()) {
      if (metadataFields().contains(key))
        continue;
      return fieldError(key, llvm::Twine("is not understood by the ") +
                                 architectureName(c.arch) +
                                 " importer (a field that may change the "
                                 "math is never ignored)");
    }
    current = key.str();
    if (llvm::Error e = it->second(value))
      return e;
  }

  // Required fields and cross-field rules.
  for (const char *field : {"vocab_size", "hidden_size", "num_hidden_layers",
                            "num_attention_heads"})
    if (!root.get(field))
      return fieldError(field, "is missing");
  if (!c.numKVHeads)
    c.numKVHeads = c.numHeads;
  if (c.numHeads % c.numKVHeads != 0)
    return fieldError("num_key_value_heads",
                      "(" + Twine(c.numKVHeads) +
                          ") must divide num_attention_heads (" +
                          Twine(c.numHeads) + ")");
  if (c.isDeepseek()) {
    for (const char *field :
         {"kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"})
      if (!root.get(field))
        return fieldError(field, "is missing");
    if (c.qkRopeHeadDim % 2)
      return fieldError("qk_rope_head_dim", "must be even");
    bool anyDense =
        c.nRoutedExperts == 0 || c.firstKDenseReplace > 0 || c.moeLayerFreq > 1;
    if (anyDense && !root.get("intermediate_size"))
      return fieldError("intermediate_size", "is missing");
    if (c.nRoutedExperts) {
      if (!c.numExpertsPerTok || c.numExpertsPerTok > c.nRoutedExperts)
        return fieldError("num_experts_per_tok",
                          "must be in [1, n_routed_experts = " +
                              Twine(c.nRoutedExperts) + "]");
      if (!root.get("moe_intermediate_size"))
        return fieldError("moe_intermediate_size", "is missing");
      if (!c.nGroup)
        c.nGroup = 1;
      if (!c.topkGroup)
        c.topkGroup = 1;
      if (c.topkMethod != TopkMethod::Greedy &&
          (c.nRoutedExperts % c.nGroup || c.topkGroup > c.nGroup))
        return fieldError("n_group", "(" + Twine(c.nGroup) +
                                         ") must divide n_routed_experts (" +
                                         Twine(c.nRoutedExperts) +
                                         ") and be at least topk_group (" +
                                         Twine(c.topkGroup) + ")");
    }
  } else {
    if (!root.get("intermediate_size"))
      return fieldError("intermediate_size", "is missing");
    if (!c.headDim) {
      if (c.hiddenSize % c.numHeads)
        return fieldError("num_attention_heads",
                          "(" + Twine(c.numHeads) +
                              ") must divide hidden_size (" +
                              Twine(c.hiddenSize) + ")");
      c.headDim = c.hiddenSize / c.numHeads;
    }
    if (c.headDim % 2)
      return fieldError("head_dim", "must be even for rotary embeddings");
    if (c.fp8)
      return fieldError("quantization_config",
                        "is only read for DeepSeek checkpoints");
  }
  // Absurd sizes are errors before anything is built from them: a dimension
  // above 2^24 (head dims, head and expert counts above 2^16; real models
  // stay far below both) would overflow the products of dimensions that
  // size the weights, or size a host table beyond memory.
  const int64_t kMaxDim = int64_t(1) << 24, kMaxCount = int64_t(1) << 16;
  struct Limit {
    const char *field;
    int64_t value, max;
  } limits[] = {
      {"vocab_size", c.vocabSize, kMaxDim},
      {"hidden_size", c.hiddenSize, kMaxDim},
      {"intermediate_size", c.intermediateSize, kMaxDim},
      {"moe_intermediate_size", c.moeIntermediateSize, kMaxDim},
      {"q_lora_rank", c.qLoraRank, kMaxDim},
      {"kv_lora_rank", c.kvLoraRank, kMaxDim},
      {"num_hidden_layers", c.numLayers, kMaxCount},
      {"num_attention_heads", c.numHeads, kMaxCount},
      {"num_key_value_heads", c.numKVHeads, kMaxCount},
      {root.get("head_dim") || c.isDeepseek()
           ? "head_dim"
           : "head_dim (hidden_size / num_attention_heads)",
       c.headDim, kMaxCount},
      {"qk_nope_head_dim", c.qkNopeHeadDim, kMaxCount},
      {"qk_rope_head_dim", c.qkRopeHeadDim, kMaxCount},
      {"v_head_dim", c.vHeadDim, kMaxCount},
      {"n_routed_experts", c.nRoutedExperts, kMaxCount},
      {"n_shared_experts", c.nSharedExperts, kMaxCount},
      {"num_experts_per_tok", c.numExpertsPerTok, kMaxCount},
      {"n_group", c.nGroup, kMaxCount},
      {"topk_group", c.topkGroup, kMaxCount},
      {"quantization_config.weight_block_size", c.fp8BlockRows, kMaxDim},
      {"quantization_config.weight_block_size", c.fp8BlockCols, kMaxDim},
  };
  for (const Limit &l : limits)
    if (l.value > l.max)
      return fieldError(l.field, "is " + Twine(l.value) +
                                     "; Tessera reads at most " + Twine(l.max));
  return llvm::Error::success();
}

llvm::Expected<ModelConfig> parseModelConfig(llvm::StringRef text,
                                             llvm::StringRef path) {
  ModelConfig c;
  c.path = path.str();
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        path + ": not JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": not a JSON object");
  ConfigReader reader(*root, c);
  if (llvm::Error e = reader.read())
    return std::move(e);
  return c;
}

llvm::Expected<ModelConfig> readModelConfig(llvm::StringRef path) {
  std::string text, error;
  if (!readFileBounded(path.str(), kMaxHfConfigFileBytes, "config.json", text,
                       error))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), error);
  return parseModelConfig(text, path);
}

//===----------------------------------------------------------------------===//
// Rotary embedding and attention scale
//===----------------------------------------------------------------------===//

/// yarn_get_mscale of HF's modeling_deepseek.
static double yarnGetMscale(double factor, double mscale) {
  return factor <= 1 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0;
}

double ModelConfig::attentionScale() const {
  int64_t dim = isDeepseek() ? qHeadDim() : headDim;
  double scale = 1.0 / std::sqrt((double)dim);
  if (ropeScaling == RopeScaling::Yarn && yarnMscaleAllDim != 0) {
    double m = yarnGetMscale(ropeFactor, yarnMscaleAllDim);
    scale *= m * m;
  }
  return scale;
}

double ModelConfig::ropeTableScale() const {
  if (ropeScaling != RopeScaling::Yarn)
    return 1.0;
  return yarnGetMscale(ropeFactor, yarnMscale) /
         yarnGetMscale(ropeFactor, yarnMscaleAllDim);
}

std::vector<double> ModelConfig::ropeInverseFrequencies() const {
  int64_t dim = ropeDim(), half = dim / 2;
  std::vector<double> inv(half);
  for (int64_t i = 0; i < half; ++i)
    inv[i] = 1.0 / std::pow(ropeTheta, (double)(2 * i) / dim);
  if (ropeScaling == RopeScaling::Yarn) {
    // yarn_find_correction_range and yarn_linear_ramp_mask.
    auto correctionDim = [&](double rotations) {
      return dim * std::log(ropeOriginalMaxPositions / (rotations * 2 * M_PI)) /
             (2 * std::log(ropeTheta));
    };
    double low = std::max(0.0, std::floor(correctionDim(yarnBetaFast)));
    double high =
        std::min((double)dim - 1, std::ceil(correctionDim(yarnBetaSlow)));
    if (low == high)
      high += 0.001;
    for (int64_t i = 0; i < half; ++i) {
      double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
      double extrapolation = 1.0 - ramp;
      double interpolated = inv[i] / ropeFactor;
      inv[i] = interpolated * (1 - extrapolation) + inv[i] * extrapolation;
    }
  } else if (ropeScaling == RopeScaling::Llama3) {
    double lowWavelen = ropeOriginalMaxPositions / llama3LowFreqFactor;
    double highWavelen = ropeOriginalMaxPositions / llama3HighFreqFactor;
    for (int64_t i = 0; i < half; ++i) {
      double wavelen = 2 * M_PI / inv[i];
      if (wavelen > lowWavelen) {
        inv[i] /= ropeFactor;
      } else if (wavelen >= highWavelen) {
        double smooth =
            (ropeOriginalMaxPositions / wavelen - llama3LowFreqFactor) /
            (llama3HighFreqFactor - llama3LowFreqFactor);
        inv[i] = (1 - smooth) * inv[i] / ropeFactor + smooth * inv[i];
      }
    }
  }
  return inv;
}

} // namespace tessera::hf
