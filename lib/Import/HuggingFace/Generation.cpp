//===- Generation.cpp - Greedy generation on the golden evaluator ---------===//

#include "tessera/Import/HuggingFace/Generation.h"

#include "Graph/IR/GraphDialect.h"
#include "tessera/Eval/Interpreter.h"
#include "tessera/Support/Npy.h"

#include "mlir/IR/Diagnostics.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace tessera::hf {

bool parseTokenIds(llvm::StringRef text, std::vector<int64_t> &ids,
                   std::string &error) {
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ',');
  for (llvm::StringRef p : parts) {
    int64_t id;
    if (p.trim().getAsInteger(10, id) || id < 0) {
      error = "'" + p.str() + "' is not a token id (non-negative integer)";
      return false;
    }
    ids.push_back(id);
  }
  if (ids.empty()) {
    error = "no token ids";
    return false;
  }
  return true;
}

/// The index of the largest of the last row of logits [1, seq, vocab] (the
/// first one on ties, as torch.argmax does), and that row.
static int64_t argmaxLastRow(const Tensor &logits, Tensor &row) {
  int64_t vocab = logits.shape().back();
  int64_t base = logits.numElements() - vocab;
  row = Tensor(DType::F32, {1, vocab});
  int64_t best = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    row.setF(i, logits.getF(base + i));
    if (logits.getF(base + i) > logits.getF(base + best))
      best = i;
  }
  return best;
}

LogicalResult generate(const HfModel &model, MLIRContext *context,
                       const GenerateOptions &options, llvm::raw_ostream &os) {
  Location loc = UnknownLoc::get(context);
  const ModelConfig &c = model.config;
  int64_t prompt = options.promptIds.size();
  if (prompt == 0 || options.maxNewTokens < 1)
    return emitError(loc) << "--generate needs --prompt-ids and "
                             "--max-new-tokens >= 1";
  for (int64_t id : options.promptIds)
    if (id >= c.vocabSize)
      return emitError(loc) << "prompt token id " << id
                            << " is not below vocab_size " << c.vocabSize;
  int64_t capacity = options.cacheCapacity ? options.cacheCapacity
                                           : prompt + options.maxNewTokens - 1;
  if (capacity < prompt + options.maxNewTokens - 1)
    return emitError(loc) << "--cache-capacity " << capacity
                          << " cannot hold the prompt (" << prompt
                          << " tokens) and " << options.maxNewTokens - 1
                          << " decoded tokens";
  if (!model.weights->hasData())
    return emitError(loc) << "generation needs weights, not a manifest";

  HfImportOptions prefillOptions;
  prefillOptions.seq = prompt;
  prefillOptions.weightQuant = options.weightQuant;
  OwningOpRef<ModuleOp> prefill = buildHfModule(model, context, prefillOptions);
  if (!prefill)
    return failure();
  OwningOpRef<ModuleOp> step;
  if (options.maxNewTokens > 1) {
    HfImportOptions decodeOptions;
    decodeOptions.phase = Phase::Decode;
    decodeOptions.cacheCapacity = capacity;
    decodeOptions.weightQuant = options.weightQuant;
    step = buildHfModule(model, context, decodeOptions);
    if (!step)
      return failure();
  }

  if (!options.outputDir.empty())
    if (auto ec = llvm::sys::fs::create_directories(options.outputDir))
      return emitError(loc)
             << "cannot create '" << options.outputDir << "': " << ec.message();
  auto save = [&](const std::string &file, const Tensor &t) -> LogicalResult {
    llvm::SmallString<256> path(options.outputDir);
    llvm::sys::path::append(path, file);
    std::string error;
    if (!writeNpyFile(std::string(path), t, error))
      return emitError(loc) << error;
    return success();
  };

  std::string error;
  func::FuncOp prefillFn = findEntryFunction(*prefill, error);
  Tensor ids(DType::I64, {1, prompt});
  for (int64_t i = 0; i < prompt; ++i)
    ids.setI(i, options.promptIds[i]);
  FailureOr<std::vector<Tensor>> out = evaluateFunction(prefillFn, {ids});
  if (failed(out))
    return failure();

  std::vector<int64_t> tokens;
  Tensor row;
  tokens.push_back(argmaxLastRow((*out)[0], row));
  if (options.stepLogits)
    options.stepLogits->push_back(row);
  if (options.saveLogits && !options.outputDir.empty() &&
      failed(save("logits_0.npy", row)))
    return failure();

  if (step) {
    // Caches of `capacity` positions holding the prompt's entries.
    func::FuncOp stepFn = findEntryFunction(*step, error);
    auto argTypes = stepFn.getArgumentTypes();
    int64_t axis = cachePositionAxis(c);
    std::vector<Tensor> caches;
    for (size_t i = 1; i < out->size(); ++i) {
      const Tensor &part = (*out)[i];
      Shape shape = graph::shapeOf(argTypes[i + 1]);
      Tensor cache(DType::F32, shape);
      // Copy rows: everything before `axis` is 1, so positions are outer.
      int64_t inner = 1;
      for (size_t d = axis + 1; d < shape.size(); ++d)
        inner *= shape[d];
      int64_t outer = 1;
      for (int64_t d = 0; d < axis; ++d)
        outer *= shape[d];
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t p = 0; p < prompt; ++p)
          for (int64_t j = 0; j < inner; ++j)
            cache.setF((o * capacity + p) * inner + j,
                       part.getF((o * prompt + p) * inner + j));
      caches.push_back(std::move(cache));
    }
    for (int64_t n = 1; n < options.maxNewTokens; ++n) {
      std::vector<Tensor> inputs;
      int64_t fed = (size_t)n <= options.forcedTokens.size()
                        ? options.forcedTokens[n - 1]
                        : tokens.back();
      inputs.push_back(Tensor::fromInts(DType::I64, {1, 1}, {fed}));
      inputs.push_back(Tensor::fromInts(DType::I64, {1}, {prompt + n - 1}));
      for (Tensor &t : caches)
        inputs.push_back(std::move(t));
      FailureOr<std::vector<Tensor>> result = evaluateFunction(stepFn, inputs);
      if (failed(result))
        return failure();
      tokens.push_back(argmaxLastRow((*result)[0], row));
      if (options.stepLogits)
        options.stepLogits->push_back(row);
      if (options.saveLogits && !options.outputDir.empty() &&
          failed(save("logits_" + std::to_string(n) + ".npy", row)))
        return failure();
      caches.assign(std::make_move_iterator(result->begin() + 1),
                    std::make_move_iterator(result->end()));
    }
  }

  if (options.print) {
    os << "tokens:";
    for (int64_t t : tokens)
      os << " " << t;
    os << "\n";
  }
  if (!options.outputDir.empty()) {
    Tensor t(DType::I64, {(int64_t)tokens.size()});
    for (size_t i = 0; i < tokens.size(); ++i)
      t.setI(i, tokens[i]);
    if (failed(save("tokens.npy", t)))
      return failure();
  }
  return success();
}

} // namespace tessera::hf
