//===- ModelConfig.h - A Hugging Face config.json, checked -----*- C++ -*-===//
//
// The fields of config.json that change the math of DeepseekV2ForCausalLM,
// DeepseekV3ForCausalLM, Qwen2ForCausalLM and LlamaForCausalLM. A field the
// reader does not know is an error naming it (a field that changes the math
// must never be ignored silently); fields that are pure metadata (token ids,
// the transformers version, training-only settings) are listed explicitly in
// ModelConfig.cpp and skipped.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_IMPORT_HUGGINGFACE_MODELCONFIG_H
#define TESSERA_IMPORT_HUGGINGFACE_MODELCONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::hf {

enum class Architecture { DeepseekV2, DeepseekV3, Qwen2, Llama };
const char *architectureName(Architecture arch);

enum class RopeScaling {
  None,
  /// YaRN (DeepSeek-V2/V3): per-frequency interpolation and an attention
  /// scale correction.
  Yarn,
  /// Llama 3 (R1-Distill-Llama): per-frequency interpolation.
  Llama3,
};

enum class TopkMethod { Greedy, GroupLimitedGreedy, NoauxTc };

struct ModelConfig {
  std::string path; ///< config.json, for messages
  Architecture arch = Architecture::Llama;

  int64_t vocabSize = 0, hiddenSize = 0, intermediateSize = 0;
  int64_t numLayers = 0, numHeads = 0, numKVHeads = 0, headDim = 0;
  double rmsNormEps = 1e-6, ropeTheta = 10000;
  bool tieWordEmbeddings = false;
  /// Bias on q/k/v (Qwen2 always; Llama/DeepSeek `attention_bias`, which
  /// also puts one on o_proj).
  bool qkvBias = false, oBias = false, mlpBias = false;

  RopeScaling ropeScaling = RopeScaling::None;
  double ropeFactor = 1, ropeOriginalMaxPositions = 0;
  double yarnBetaFast = 32, yarnBetaSlow = 1, yarnMscale = 1,
         yarnMscaleAllDim = 0;
  double llama3LowFreqFactor = 1, llama3HighFreqFactor = 4;

  // DeepSeek multi-head latent attention.
  int64_t qLoraRank = 0; ///< 0: a plain q_proj
  int64_t kvLoraRank = 0, qkNopeHeadDim = 0, qkRopeHeadDim = 0, vHeadDim = 0;

  // DeepSeek mixture of experts.
  int64_t nRoutedExperts = 0, nSharedExperts = 0, numExpertsPerTok = 0;
  int64_t moeIntermediateSize = 0, firstKDenseReplace = 0, moeLayerFreq = 1;
  int64_t nGroup = 1, topkGroup = 1;
  TopkMethod topkMethod = TopkMethod::Greedy;
  bool sigmoidScoring = false, normTopkProb = false;
  double routedScalingFactor = 1;

  /// FP8 e4m3 weights with block scales (`quantization_config`).
  bool fp8 = false;
  int64_t fp8BlockRows = 128, fp8BlockCols = 128;

  bool isDeepseek() const {
    return arch == Architecture::DeepseekV2 || arch == Architecture::DeepseekV3;
  }
  /// Whether decoder layer `layer` has a MoE block (HF's rule).
  bool isMoELayer(int64_t layer) const {
    return isDeepseek() && nRoutedExperts > 0 && layer >= firstKDenseReplace &&
           layer % moeLayerFreq == 0;
  }
  int64_t qHeadDim() const { return qkNopeHeadDim + qkRopeHeadDim; }
  /// Dimensions each rope table row covers.
  int64_t ropeDim() const { return isDeepseek() ? qkRopeHeadDim : headDim; }
  /// softmax scale of attention, with YaRN's mscale correction.
  double attentionScale() const;
  /// Cos/sin multiplier of YaRN (1 otherwise).
  double ropeTableScale() const;
  /// The rotary inverse frequencies (ropeDim() / 2 of them), with scaling.
  std::vector<double> ropeInverseFrequencies() const;
};

/// Reads and checks `path` (a config.json).
llvm::Expected<ModelConfig> readModelConfig(llvm::StringRef path);
/// Same, from text; `path` only names it in messages.
llvm::Expected<ModelConfig> parseModelConfig(llvm::StringRef text,
                                             llvm::StringRef path);

} // namespace tessera::hf

#endif // TESSERA_IMPORT_HUGGINGFACE_MODELCONFIG_H
