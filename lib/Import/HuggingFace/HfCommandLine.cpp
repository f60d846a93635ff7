//===- HfCommandLine.cpp - Hugging Face options of the tools --------------===//

#include "tessera/Import/HuggingFace/HfCommandLine.h"

#include "tessera/Import/HuggingFace/CostSummary.h"
#include "tessera/Import/HuggingFace/Generation.h"
#include "tessera/Import/HuggingFace/HfImporter.h"
#include "tessera/Support/FileIO.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/ManagedStatic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace tessera::hf {

cl::OptionCategory &hfOptionCategory() {
  static cl::OptionCategory category("Hugging Face model directories");
  return category;
}

namespace {
struct Options {
  cl::opt<int64_t> seq{"seq",
                       cl::desc("Tokens per call (prefill: prompt "
                                "length)"),
                       cl::init(1), cl::cat(hfOptionCategory())};
  cl::opt<std::string> phase{"phase", cl::desc("prefill or decode"),
                             cl::init("prefill"), cl::cat(hfOptionCategory())};
  cl::opt<int64_t> cacheCapacity{
      "cache-capacity",
      cl::desc("Decode: KV-cache entries (generation: default prompt + new "
               "tokens)"),
      cl::init(0), cl::cat(hfOptionCategory())};
  cl::opt<std::string> layers{"layers",
                              cl::desc("Import decoder layers A:B only"),
                              cl::init(""), cl::cat(hfOptionCategory())};
  cl::opt<std::string> manifest{
      "manifest",
      cl::desc("Weight-layout manifest (JSON) to compile without weights"),
      cl::init(""), cl::cat(hfOptionCategory())};
  cl::opt<std::string> writeManifest{
      "write-manifest",
      cl::desc("Write the weight layout of the model's safetensors as a "
               "manifest (JSON) to this file"),
      cl::init(""), cl::cat(hfOptionCategory())};
  cl::opt<bool> costSummary{
      "cost-summary",
      cl::desc("Print parameters, FLOPs and KV bytes per token, weight bytes"),
      cl::init(false), cl::cat(hfOptionCategory())};
  cl::opt<bool> generate{"generate",
                         cl::desc("Prefill then greedy decode on the golden "
                                  "evaluator; prints `tokens: ...`"),
                         cl::init(false), cl::cat(hfOptionCategory())};
  cl::opt<std::string> promptIds{"prompt-ids",
                                 cl::desc("Prompt token ids, e.g. 1,5,9"),
                                 cl::init(""), cl::cat(hfOptionCategory())};
  cl::opt<int64_t> maxNewTokens{"max-new-tokens",
                                cl::desc("Tokens to generate"), cl::init(32),
                                cl::cat(hfOptionCategory())};
  cl::opt<std::string> weightQuant{
      "weight-quant",
      cl::desc("Weight-only quantization of the linear layers, dequantized "
               "in the matmul's load: int8 (one scale per output channel), "
               "int4 | int4-g64 | int4-g128 (a scale and zero point per "
               "group of 128 / 64 inputs), fp8 (e4m3, a scale per 128x128 "
               "block; an FP8 checkpoint's weights as stored)"),
      cl::init(""), cl::cat(hfOptionCategory())};
  cl::opt<bool> saveLogits{
      "save-logits",
      cl::desc("With --generate --output-dir: write logits_<step>.npy"),
      cl::init(false), cl::cat(hfOptionCategory())};
};
} // namespace

static llvm::ManagedStatic<Options> options;

void registerHfCommandLineOptions() { *options; }

bool isHfInput(llvm::StringRef input) {
  return isHfModelDirectory(input) || !options->manifest.empty();
}

bool generateRequested() { return options->generate; }

std::string weightQuantOption() { return options->weightQuant; }

void generationProgramOptions(int64_t &seq, int64_t &capacity,
                              std::string &manifest) {
  seq = options->seq.getNumOccurrences() ? (int64_t)options->seq : 32;
  capacity = options->cacheCapacity.getNumOccurrences()
                 ? (int64_t)options->cacheCapacity
                 : 128;
  manifest = options->manifest;
}

bool generationRunOptions(std::vector<int64_t> &promptIds,
                          int64_t &maxNewTokens, bool &saveLogits,
                          std::string &error) {
  if (!parseTokenIds(options->promptIds, promptIds, error)) {
    error = "--prompt-ids: " + error;
    return false;
  }
  maxNewTokens = options->maxNewTokens;
  saveLogits = options->saveLogits;
  return true;
}

bool goldenStepLogits(llvm::StringRef dir,
                      const std::vector<int64_t> &promptIds,
                      const std::vector<int64_t> &forced, int64_t steps,
                      int64_t capacity, std::vector<Tensor> &logits,
                      std::string &error, llvm::StringRef weightQuant) {
  MLIRContext context;
  context.disableMultithreading();
  llvm::Expected<HfModel> model = openHfModel(dir);
  if (!model) {
    error = llvm::toString(model.takeError());
    return false;
  }
  GenerateOptions g;
  g.promptIds = promptIds;
  g.maxNewTokens = steps;
  g.cacheCapacity = capacity;
  g.forcedTokens = forced;
  g.stepLogits = &logits;
  g.print = false;
  g.weightQuant = weightQuant.str();
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (error.empty())
      error = diag.str();
    return success();
  });
  return succeeded(generate(*model, &context, g, llvm::nulls()));
}

static bool importOptions(HfImportOptions &o, std::string &error) {
  o.seq = options->seq;
  if (options->phase == "prefill")
    o.phase = Phase::Prefill;
  else if (options->phase == "decode")
    o.phase = Phase::Decode;
  else {
    error = "--phase must be prefill or decode, got '" + options->phase + "'";
    return false;
  }
  o.cacheCapacity = options->cacheCapacity;
  if (!options->layers.empty() &&
      !parseLayerRange(options->layers, o.layerBegin, o.layerEnd, error)) {
    error = "--layers: " + error;
    return false;
  }
  o.manifest = options->manifest;
  o.weightQuant = options->weightQuant;
  return true;
}

OwningOpRef<ModuleOp> importHfFromCommandLine(llvm::StringRef dir,
                                              MLIRContext *context) {
  HfImportOptions o;
  std::string error;
  if (!importOptions(o, error)) {
    emitError(UnknownLoc::get(context)) << error;
    return nullptr;
  }
  llvm::Expected<HfModel> model = openHfModel(dir, o.manifest);
  if (!model) {
    emitError(UnknownLoc::get(context)) << llvm::toString(model.takeError());
    return nullptr;
  }
  if (!options->writeManifest.empty()) {
    // All or nothing, like every output (FileIO.h).
    if (!writeFileAtomically(options->writeManifest,
                             model->weights->manifestJson(), error)) {
      emitError(UnknownLoc::get(context)) << error;
      return nullptr;
    }
  }
  OwningOpRef<ModuleOp> module = buildHfModule(*model, context, o);
  if (module && options->costSummary)
    printCostSummary(llvm::outs(), summarizeCost(*module, o.seq));
  return module;
}

int runHfGenerateMain(llvm::StringRef dir, const std::string &outputDir) {
  MLIRContext context;
  context.disableMultithreading();
  GenerateOptions g;
  std::string error;
  if (!parseTokenIds(options->promptIds, g.promptIds, error)) {
    llvm::errs() << "tessera-run: error: --prompt-ids: " << error << "\n";
    return 1;
  }
  g.maxNewTokens = options->maxNewTokens;
  g.cacheCapacity = options->cacheCapacity;
  g.outputDir = outputDir;
  g.saveLogits = options->saveLogits;
  g.weightQuant = options->weightQuant;
  llvm::Expected<HfModel> model = openHfModel(dir, options->manifest);
  if (!model) {
    llvm::errs() << "tessera-run: error: " << llvm::toString(model.takeError())
                 << "\n";
    return 1;
  }
  ScopedDiagnosticHandler handler(&context, [](Diagnostic &diag) {
    llvm::errs() << "tessera-run: error: " << diag.str() << "\n";
    return success();
  });
  return failed(generate(*model, &context, g, llvm::outs())) ? 1 : 0;
}

} // namespace tessera::hf
