//===- GenerationPrograms.cpp - Prefill and decode programs ---------------===//
//
// Both programs are built by the Hugging Face importer in its `device` form
// (caches as state updated in place, the last token's logits and greedy
// choice as outputs), lowered by the one pipeline, and written with one
// weight file: a constant of the decode program whose bytes the prefill
// program already stored points at them. Each program's name records the
// model's fingerprint (FNV-1a 64 of config.json and the weight layout), which
// tessera-run checks against generate.json and the other program.
//
//===----------------------------------------------------------------------===//
#include "tessera/Pipeline/GenerationPrograms.h"

#include "Isa/IR/IsaConversion.h"
#include "tessera/Binary/Program.h"
#include "tessera/Import/HuggingFace/HfImporter.h"
#include "tessera/Pipeline/Compile.h"
#include "tessera/Support/FileIO.h"
#include "tessera/Target/Target.h"

#include "mlir/IR/Diagnostics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <nlohmann/json.hpp>

using namespace mlir;

namespace tessera::pipeline {

bool isOutputDirectory(llvm::StringRef path) {
  return path.ends_with("/") || llvm::sys::fs::is_directory(path);
}

static std::string hex64(uint64_t v) {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format_hex_no_prefix(v, 16);
  return s;
}

LogicalResult compileGenerationPrograms(
    llvm::StringRef modelDir, llvm::StringRef outDir,
    const PipelineOptions &pipelineOptions,
    const GenerationCompileOptions &options, MLIRContext &context,
    const std::function<LogicalResult(PassManager &)> &configure) {
  Location loc = UnknownLoc::get(&context);
  if (options.seq < 1)
    return emitError(loc) << "--seq must be at least 1 (the prompt tokens "
                             "the prefill program takes), got "
                          << options.seq;
  if (options.capacity < options.seq)
    return emitError(loc) << "--cache-capacity " << options.capacity
                          << " is smaller than --seq " << options.seq
                          << ": the prefill program writes --seq cache "
                             "entries";
  llvm::Expected<hf::HfModel> model =
      hf::openHfModel(modelDir, options.manifest);
  if (!model)
    return emitError(loc) << llvm::toString(model.takeError());

  // The model's fingerprint: its config and its weights' layout.
  std::string identity;
  if (auto config = llvm::MemoryBuffer::getFile(model->config.path))
    identity = (*config)->getBuffer().str();
  identity += model->weights->manifestJson();
  std::string fingerprint =
      hex64(target::fnv1a64(identity.data(), identity.size()));

  struct Built {
    const char *phase, *file;
    bin::Program prog;
  };
  Built built[2] = {{"prefill", "prefill.npu", {}},
                    {"decode", "decode.npu", {}}};
  for (Built &p : built) {
    hf::HfImportOptions io;
    io.device = true;
    io.phase = p.phase[0] == 'p' ? hf::Phase::Prefill : hf::Phase::Decode;
    io.seq = io.phase == hf::Phase::Prefill ? options.seq : 1;
    io.cacheCapacity = options.capacity;
    io.manifest = options.manifest;
    io.weightQuant = options.weightQuant;
    OwningOpRef<ModuleOp> module = hf::buildHfModule(*model, &context, io);
    if (!module)
      return failure();
    // From a manifest the weights have no bytes: the programs are written
    // with their room in weights.bin reserved (isa::kUnplacedWeightsAttr).
    if (!options.manifest.empty())
      (*module)->setAttr(isa::kUnplacedWeightsAttr,
                         StringAttr::get(&context, "weights.bin"));
    if (failed(runPipeline(*module, pipelineOptions, Stage::Import, Stage::Isa,
                           configure)))
      return failure();
    // The programs are written below, while `context` (which holds their
    // weights) lives.
    FailureOr<bin::Program> prog = programOf(*module, /*borrowConstants=*/true);
    if (failed(prog))
      return failure();
    p.prog = std::move(*prog);
    p.prog.name = std::string(p.phase) + "@" + fingerprint;
    llvm::SmallString<256> src(modelDir);
    llvm::sys::fs::make_absolute(src);
    p.prog.source = std::string(src);
  }

  if (auto ec = llvm::sys::fs::create_directories(outDir))
    return emitError(loc) << "cannot create '" << outDir
                          << "': " << ec.message();
  auto path = [&](llvm::StringRef file) {
    llvm::SmallString<256> p(outDir);
    llvm::sys::path::append(p, file);
    return std::string(p);
  };
  bin::WriteOptions wo;
  wo.externalWeightFile = "weights.bin";
  // From a manifest, weights.bin holds the manifest's weights only: the
  // constants the compiler computed (index tables, loop offsets) have their
  // bytes, and stay in the programs.
  if (!options.manifest.empty())
    wo.externalThreshold = UINT64_MAX;
  bin::WeightFile weights;
  AtomicFileSet files;
  std::string error;
  for (Built &p : built) {
    std::vector<uint8_t> img = bin::encodeProgram(p.prog, wo, &weights);
    if (!files.add(path(p.file), img.data(), img.size(), error))
      return emitError(loc) << error;
  }
  // The weight file's pieces point at the constants' bytes (the context's
  // blobs, the checkpoint's mapping): written without a copy. From a
  // manifest there are no bytes to write; weights.layout.json says where
  // each constant's room is.
  bool written = !weights.hasReserved();
  if (written) {
    std::vector<FilePiece> pieces;
    for (auto [data, size] : weights.pieces())
      pieces.push_back({data, (size_t)size});
    if (!files.add(path("weights.bin"), pieces, error))
      return emitError(loc) << error;
  } else {
    nlohmann::ordered_json layout;
    layout["format"] = "tessera-weight-layout";
    layout["file"] = "weights.bin";
    layout["size"] = weights.size();
    nlohmann::ordered_json consts = nlohmann::ordered_json::array();
    for (const bin::WeightFile::Room &r : weights.reservedRoom())
      consts.push_back(
          {{"name", r.name}, {"offset", r.offset}, {"size", r.size}});
    layout["constants"] = consts;
    if (!files.add(path("weights.layout.json"), layout.dump(1) + "\n", error))
      return emitError(loc) << error;
  }

  nlohmann::ordered_json j;
  j["format"] = "tessera-generation";
  j["model"] = built[0].prog.source;
  j["architecture"] = hf::architectureName(model->config.arch);
  j["fingerprint"] = fingerprint;
  j["vocab_size"] = model->config.vocabSize;
  j["seq"] = options.seq;
  j["cache_capacity"] = options.capacity;
  j["target"] = pipelineOptions.target;
  j["precision"] = pipelineOptions.precision;
  if (!options.weightQuant.empty())
    j["weight_quant"] = options.weightQuant;
  j["prefill"] = "prefill.npu";
  j["decode"] = "decode.npu";
  j["weights"] = "weights.bin";
  // Compiled from a weight-layout manifest: the programs are complete, but
  // weights.bin is not written (weights.layout.json describes it).
  if (!written)
    j["weights_written"] = false;
  if (!files.add(path("generate.json"), j.dump(2) + "\n", error) ||
      !files.commit(error))
    return emitError(loc) << error;
  // What an earlier compile into the directory left of the other kind
  // describes other programs.
  llvm::sys::fs::remove(path(written ? "weights.layout.json" : "weights.bin"));
  return success();
}

} // namespace tessera::pipeline
