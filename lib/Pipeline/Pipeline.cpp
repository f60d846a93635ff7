//===- Pipeline.cpp - The compiler pipeline, in stages --------------------===//
#include "tessera/Pipeline/Pipeline.h"

#include "Graph/IR/GraphDialect.h"
#include "Graph/Transforms/Passes.h"
#include "Isa/IR/IsaDialect.h"
#include "Npu/IR/NpuDialect.h"
#include "tessera/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"

#include <memory>
#include <vector>

using namespace mlir;
namespace conversion = tessera::conversion;

namespace tessera::pipeline {

StringRef stageName(Stage stage) {
  switch (stage) {
  case Stage::Import:
    return "import";
  case Stage::Graph:
    return "graph";
  case Stage::Npu:
    return "npu";
  case Stage::Isa:
    return "isa";
  case Stage::Binary:
    return "binary";
  }
  return "unknown";
}

std::optional<Stage> parseStage(StringRef name) {
  return llvm::StringSwitch<std::optional<Stage>>(name)
      .Case("import", Stage::Import)
      .Case("graph", Stage::Graph)
      .Case("npu", Stage::Npu)
      .Case("isa", Stage::Isa)
      .Case("binary", Stage::Binary)
      .Default(std::nullopt);
}

void buildPipeline(OpPassManager &pm, const PipelineOptions &o, Stage from,
                   Stage to) {
  // Does the range run the phase that ends at `stage`?
  auto runs = [&](Stage stage) { return from < stage && stage <= to; };
  if (runs(Stage::Graph) && o.fold)
    pm.addPass(createCanonicalizerPass());
  if (runs(Stage::Graph) && o.llmFusion) {
    // A run that stops at the graph stage (the golden path) gets every
    // fusion family; one that goes on to the NPU only those whose fused ops
    // graph-to-npu lowers.
    graph::GraphFuseLLMOptions fuseOptions;
    if (to > Stage::Graph)
      fuseOptions.ops = conversion::npuFusedLLMOps();
    pm.addPass(graph::createGraphFuseLLM(fuseOptions));
    // The fused ops of one layer reshape the same rope tables; share them.
    pm.addPass(createCSEPass());
  }
  if (runs(Stage::Npu) || runs(Stage::Isa))
    pm.addPass(conversion::createAttachTarget({o.target}));
  if (runs(Stage::Npu)) {
    pm.addPass(conversion::createGraphDecompose());
    pm.addPass(conversion::createGraphPipelineMlp());
    pm.addPass(conversion::createGraphToNpu({o.precision}));
    if (o.fuse)
      pm.addPass(conversion::createNpuFuse());
    pm.addPass(conversion::createNpuTile());
    pm.addPass(conversion::createNpuPlanMemory({o.probes}));
  }
  if (runs(Stage::Isa)) {
    // Code generation synchronizes and folds loops on its own streams, so
    // the straight-line streams never become isa ops, and insert-sync has
    // nothing to do here (it is for isa modules given by hand; running it
    // would only verify a whole model's program once more).
    pm.addPass(conversion::createNpuToIsa(
        {o.probes, o.l2Prefetch, o.l2Discard, true, o.loops, o.spmd}));
  }
}

void registerAllDialects(DialectRegistry &registry) {
  registry.insert<graph::GraphDialect, npu::NpuDialect, isa::IsaDialect,
                  func::FuncDialect>();
}

namespace {
/// --tessera-pipeline's options: the stage range and every PipelineOptions
/// field, generated from the same list as the struct and the tool flags.
struct PipelinePassOptions : public PassPipelineOptions<PipelinePassOptions> {
  Option<Stage> from{
      *this, "from", llvm::cl::desc("The stage the input module is at"),
      llvm::cl::init(Stage::Import),
      llvm::cl::values(
          clEnumValN(Stage::Import, "import", "as imported (default)"),
          clEnumValN(Stage::Graph, "graph", "graph dialect, folded"),
          clEnumValN(Stage::Npu, "npu", "npu dispatches, planned"),
          clEnumValN(Stage::Isa, "isa", "isa dialect, synced"))};
  Option<Stage> to{
      *this, "to", llvm::cl::desc("The stage to stop at"),
      llvm::cl::init(Stage::Isa),
      llvm::cl::values(
          clEnumValN(Stage::Graph, "graph", "graph dialect, folded"),
          clEnumValN(Stage::Npu, "npu", "npu dispatches, planned"),
          clEnumValN(Stage::Isa, "isa", "isa dialect, synced (default)"))};
#define TESSERA_PIPELINE_OPTION(TYPE, FIELD, NAME, DEFAULT, DESC)              \
  Option<TYPE> FIELD{*this, NAME, llvm::cl::desc(DESC),                        \
                     llvm::cl::init(DEFAULT)};
#define TESSERA_PIPELINE_SWITCH(FIELD, NAME, DEFAULT, DESC)                    \
  Option<bool> FIELD{*this, NAME, llvm::cl::desc(DESC),                        \
                     llvm::cl::init(DEFAULT)};
#define TESSERA_PIPELINE_ON_SWITCH(FIELD, NAME, DESC, OFF_DESC)                \
  Option<bool> FIELD{*this, NAME, llvm::cl::desc(DESC), llvm::cl::init(true)};
#include "tessera/Pipeline/PipelineOptions.def"

  PipelineOptions options() const {
    PipelineOptions o;
#define TESSERA_PIPELINE_OPTION(TYPE, FIELD, NAME, DEFAULT, DESC)              \
  o.FIELD = FIELD;
#define TESSERA_PIPELINE_SWITCH(FIELD, NAME, DEFAULT, DESC) o.FIELD = FIELD;
#define TESSERA_PIPELINE_ON_SWITCH(FIELD, NAME, DESC, OFF_DESC) o.FIELD = FIELD;
#include "tessera/Pipeline/PipelineOptions.def"
    return o;
  }
};
} // namespace

void registerAllPasses() {
  conversion::registerConversionPasses();
  graph::registerGraphPasses();
  PassPipelineRegistration<PipelinePassOptions>(
      "tessera-pipeline",
      "Lower a graph module through the Tessera pipeline (from= and to= "
      "choose the stage range; the default is the whole lowering to isa)",
      [](OpPassManager &pm, const PipelinePassOptions &o) {
        buildPipeline(pm, o.options(), o.from, o.to);
      });
}

void registerPipelineCLOptions(PipelineOptions &options,
                               llvm::cl::OptionCategory &category) {
  // The flags live as long as the process, like every llvm::cl option.
  static std::vector<std::unique_ptr<llvm::cl::Option>> flags;
  PipelineOptions *o = &options;
#define TESSERA_PIPELINE_OPTION(TYPE, FIELD, NAME, DEFAULT, DESC)              \
  flags.push_back(std::make_unique<llvm::cl::opt<TYPE, true>>(                 \
      NAME, llvm::cl::desc(DESC), llvm::cl::location(o->FIELD),                \
      llvm::cl::init(DEFAULT), llvm::cl::cat(category)));
#define TESSERA_PIPELINE_SWITCH(FIELD, NAME, DEFAULT, DESC)                    \
  flags.push_back(std::make_unique<llvm::cl::opt<bool, true>>(                 \
      NAME, llvm::cl::desc(DESC), llvm::cl::location(o->FIELD),                \
      llvm::cl::init(DEFAULT), llvm::cl::cat(category)));
#define TESSERA_PIPELINE_ON_SWITCH(FIELD, NAME, DESC, OFF_DESC)                \
  flags.push_back(std::make_unique<llvm::cl::opt<bool>>(                       \
      "no-" NAME, llvm::cl::desc(OFF_DESC), llvm::cl::cat(category),           \
      llvm::cl::cb<void, bool>([o](bool off) { o->FIELD = !off; })));
#include "tessera/Pipeline/PipelineOptions.def"
}

} // namespace tessera::pipeline
