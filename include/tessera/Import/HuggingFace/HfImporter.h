//===- HfImporter.h - Hugging Face model directory -> graph IR -*- C++ -*-===//
//
// Builds a graph-dialect function for a decoder-only LLM (DeepSeek-V2/V3,
// Qwen2, Llama) from its config.json and weights, out of the fused LLM ops
// (rms_norm, rope, attention, swiglu, moe). Weights are resource-backed
// constants over the mmapped safetensors bytes (or, from a weight-layout
// manifest, resource handles without bytes, enough to verify and cost the
// graph).
//
// Two phases:
//  * prefill: `input_ids` [1, seq] -> `logits` [1, seq, vocab] and each
//    layer's new cache entries for those tokens (`present.L.key`/`.value`
//    [1, kv_heads, seq, head_dim]; for MLA `present.L.latent` [1, seq,
//    kv_lora_rank], normalised, and `present.L.rope_key` [1, seq,
//    qk_rope_head_dim], rotated);
//  * decode: `seq` new tokens at `position` [1] (i64) with caches of
//    `cacheCapacity` entries as inputs (`past.L.*`, the prefix filled) and
//    the updated caches as outputs (`present.L.*`).
// `layers` [begin, end) imports a slice of the decoder: a slice that does
// not start at 0 takes `hidden_states` [1, seq, hidden] instead of token
// ids, one that does not end at the last layer returns them instead of
// logits.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_IMPORT_HUGGINGFACE_HFIMPORTER_H
#define TESSERA_IMPORT_HUGGINGFACE_HFIMPORTER_H

#include "tessera/Import/HuggingFace/ModelConfig.h"
#include "tessera/Import/HuggingFace/WeightStore.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <memory>
#include <string>

namespace tessera::hf {

enum class Phase { Prefill, Decode };

struct HfImportOptions {
  Phase phase = Phase::Prefill;
  /// Tokens per call (prefill: the prompt length).
  int64_t seq = 1;
  /// Decode: entries per cache (positions 0 .. capacity - 1).
  int64_t cacheCapacity = 0;
  /// Decoder layers [layerBegin, layerEnd); layerEnd < 0: to the last.
  int64_t layerBegin = 0, layerEnd = -1;
  /// A weight-layout manifest to use instead of the directory's
  /// safetensors files (compile without weights).
  std::string manifest;
  /// The programs of generation on the NPU (tessera-compile MODEL_DIR -o
  /// OUT/): the KV caches (`past.L.*`, `cacheCapacity` entries) are state
  /// that both phases update in place (`present.L.*`, graph.cache_update);
  /// prefill takes `seq` padded tokens and their count `length` ([1] i64)
  /// and writes entries [0, seq); both return the logits of the last token
  /// ([1, vocab]) and its greedy choice `next_token` ([1] i64).
  bool device = false;
  /// Weight-only quantization of the linear layers' weights at import
  /// (--weight-quant): "" keeps them as stored; "int8" stores each as int8
  /// with one scale per output channel (graph.weight_quant_matmul); "int4"
  /// (= "int4-g128") and "int4-g64" as unsigned 4-bit values with a scale
  /// and a zero point per group of 128 / 64 inputs, "fp8" as e4m3 with one
  /// scale per 128x128 block, or an FP8 checkpoint's weights as stored
  /// (graph.dequant_matmul). See parseWeightQuant.
  std::string weightQuant;
};

/// --weight-quant's value, parsed.
struct WeightQuantMode {
  enum Kind { Int8, Int4, Fp8 } kind = Int8;
  int64_t group = 128; ///< int4: inputs per scale and zero point
  /// fp8 quantized at import: the block of DeepSeek-V3's checkpoints.
  static constexpr int64_t kFp8Block = 128;
};
/// "int8", "int4", "int4-g64", "int4-g128", "fp8"; nullopt otherwise.
std::optional<WeightQuantMode> parseWeightQuant(llvm::StringRef value);

/// A model directory opened once: its config and its weights.
struct HfModel {
  std::string dir;
  ModelConfig config;
  std::unique_ptr<WeightStore> weights;
};

/// Reads `dir`/config.json and the weights (the directory's safetensors, or
/// `manifest` when not empty).
llvm::Expected<HfModel> openHfModel(llvm::StringRef dir,
                                    llvm::StringRef manifest = "");

/// Builds the module for `model`. Returns null after emitting an error
/// (naming the file, tensor and config field) on the context.
mlir::OwningOpRef<mlir::ModuleOp> buildHfModule(const HfModel &model,
                                                mlir::MLIRContext *context,
                                                const HfImportOptions &options);

/// openHfModel + buildHfModule.
mlir::OwningOpRef<mlir::ModuleOp>
importHuggingFace(llvm::StringRef dir, mlir::MLIRContext *context,
                  const HfImportOptions &options);

/// Whether `path` should be read as a Hugging Face model directory (it is a
/// directory; openHfModel reports one without config.json).
bool isHfModelDirectory(llvm::StringRef path);

/// The axis of a cache tensor that indexes positions (MLA caches
/// [1, pos, dim]: 1; key/value caches [1, heads, pos, dim]: 2).
int64_t cachePositionAxis(const ModelConfig &config);

/// Parses "A:B" (either side may be empty) into [begin, end).
bool parseLayerRange(llvm::StringRef spec, int64_t &begin, int64_t &end,
                     std::string &error);

} // namespace tessera::hf

#endif // TESSERA_IMPORT_HUGGINGFACE_HFIMPORTER_H
