//===- Pipeline.h - The compiler pipeline, in stages ------------*- C++ -*-===//
//
// The pipeline is defined once, as phases between stages:
//
//   import --(fold)--> graph --(decompose, to npu, fuse, tile, plan)--> npu
//          --(code generation, sync)--> isa --(serialize)--> binary
//
// tessera-compile --emit, tessera-opt --tessera-pipeline, the C API and the
// Python module all build a range of it with buildPipeline().
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_PIPELINE_PIPELINE_H
#define TESSERA_PIPELINE_PIPELINE_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"

#include <optional>
#include <string>

namespace tessera::pipeline {

/// Where a module is: after import, after folding (the graph dialect), after
/// lowering to npu dispatches, after code generation (isa), or serialized.
enum class Stage { Import, Graph, Npu, Isa, Binary };

/// "import", "graph", "npu", "isa", "binary".
llvm::StringRef stageName(Stage stage);
std::optional<Stage> parseStage(llvm::StringRef name);

struct PipelineOptions {
#define TESSERA_PIPELINE_OPTION(TYPE, FIELD, NAME, DEFAULT, DESC)              \
  TYPE FIELD = DEFAULT;
#define TESSERA_PIPELINE_SWITCH(FIELD, NAME, DEFAULT, DESC)                    \
  bool FIELD = DEFAULT;
#define TESSERA_PIPELINE_ON_SWITCH(FIELD, NAME, DESC, OFF_DESC)                \
  bool FIELD = true;
#include "tessera/Pipeline/PipelineOptions.def"
};

/// Adds the passes that take a module from stage `from` to stage `to` (a
/// no-op range adds nothing). Every range that reaches npu or later starts by
/// attaching the target to the module (tessera-attach-target). `Binary` needs
/// no passes beyond `Isa`: serialization is programOf() (Compile.h).
void buildPipeline(mlir::OpPassManager &pm, const PipelineOptions &options,
                   Stage from = Stage::Import, Stage to = Stage::Isa);

/// Registers every Tessera dialect (and the upstream ones its IR uses) into a
/// caller's registry.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Registers every Tessera pass and the `tessera-pipeline` pipeline (options
/// from=STAGE to=STAGE and every PipelineOptions field) with MLIR's global
/// registry, for mlir-opt style tools. Upstream passes are the tool's to
/// register.
void registerAllPasses();

/// The Tessera release this library is ("0.1.0").
const char *versionString();

/// Binds tool flags (--target, --precision, --no-fuse, ...) to `options`.
/// Call once, before llvm::cl::ParseCommandLineOptions; `options` must
/// outlive the parse.
void registerPipelineCLOptions(PipelineOptions &options,
                               llvm::cl::OptionCategory &category);

} // namespace tessera::pipeline

#endif
