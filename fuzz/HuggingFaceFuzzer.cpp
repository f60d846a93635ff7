//===- HuggingFaceFuzzer.cpp - libFuzzer: Hugging Face model readers ------===//
//
// What a downloaded model directory reaches: config.json, the safetensors
// header and data offsets, a shard index or a weight manifest, then the
// graph builder that checks every weight against the config, and the cost
// summary of what it built.
//
// An input is config.json text, optionally followed by one weight section
// after a separator line: "\n--safetensors--\n" (the bytes of a
// model.safetensors), "\n--manifest--\n" (a weight manifest) or
// "\n--index--\n" (a model.safetensors.index.json). The input's length picks
// the import options (prefill or decode, the first or last two layers), so
// mutations reach both.
//
//===----------------------------------------------------------------------===//
#include "tessera/Import/HuggingFace/CostSummary.h"
#include "tessera/Import/HuggingFace/HfImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/raw_ostream.h"

using namespace tessera::hf;

namespace {
enum class Section { None, Safetensors, Manifest, Index };
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef input((const char *)data, size);
  // The earliest separator splits the input.
  Section section = Section::None;
  size_t split = llvm::StringRef::npos, skip = 0;
  for (auto [sep, kind] : {std::pair<llvm::StringRef, Section>{
                               "\n--safetensors--\n", Section::Safetensors},
                           {"\n--manifest--\n", Section::Manifest},
                           {"\n--index--\n", Section::Index}}) {
    size_t at = input.find(sep);
    if (at < split) {
      split = at;
      skip = sep.size();
      section = kind;
    }
  }
  llvm::StringRef configText = input.substr(0, split);
  llvm::StringRef weightBytes =
      section == Section::None ? "" : input.substr(split + skip);

  llvm::Expected<ModelConfig> config =
      parseModelConfig(configText, "fuzz/config.json");
  if (config) {
    // What the builder asks of a config that reads.
    (void)config->attentionScale();
    (void)config->ropeTableScale();
    (void)config->ropeInverseFrequencies();
  } else {
    llvm::consumeError(config.takeError());
  }

  std::unique_ptr<WeightStore> store;
  switch (section) {
  case Section::None:
    break;
  case Section::Index: {
    auto entries =
        parseSafetensorsIndex(weightBytes, "fuzz/model.safetensors.index.json");
    if (!entries)
      llvm::consumeError(entries.takeError());
    break;
  }
  case Section::Safetensors:
  case Section::Manifest: {
    auto parsed =
        section == Section::Safetensors
            ? WeightStore::parseSafetensors(
                  llvm::MemoryBuffer::getMemBufferCopy(weightBytes,
                                                       "model.safetensors"),
                  "fuzz/model.safetensors", "model.safetensors")
            : WeightStore::parseManifest(weightBytes, "fuzz/manifest.json");
    if (!parsed) {
      llvm::consumeError(parsed.takeError());
      break;
    }
    store = std::move(*parsed);
    // The layout written as a manifest reads back to the same weights.
    std::string manifest = store->manifestJson();
    auto again = WeightStore::parseManifest(manifest, "fuzz/written.json");
    if (!again)
      __builtin_trap();
    std::vector<const WeightInfo *> a = store->all(), b = (*again)->all();
    if (a.size() != b.size())
      __builtin_trap();
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i]->name != b[i]->name || a[i]->shape != b[i]->shape ||
          a[i]->dtype != b[i]->dtype || a[i]->offset != b[i]->offset ||
          a[i]->size != b[i]->size)
        __builtin_trap();
    break;
  }
  }
  if (!config || !store)
    return 0;

  HfModel model;
  model.dir = "fuzz";
  model.config = std::move(*config);
  model.weights = std::move(store);
  HfImportOptions options;
  if (size & 1) {
    options.phase = Phase::Decode;
    options.seq = 1;
    options.cacheCapacity = 3;
  } else {
    options.seq = 2;
  }
  if ((size & 2) && model.config.numLayers > 2)
    options.layerBegin = model.config.numLayers - 2;
  else if (model.config.numLayers > 2)
    options.layerEnd = 2;
  // A fresh context per input: weights are resources of the context.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      buildHfModule(model, &context, options);
  if (module) {
    CostSummary summary = summarizeCost(*module, options.seq);
    std::string text;
    llvm::raw_string_ostream os(text);
    printCostSummary(os, summary);
  }
  return 0;
}
