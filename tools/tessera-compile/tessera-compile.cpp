//===- tessera-compile.cpp - The Tessera compiler driver ------------------===//
//
// tessera-compile model.onnx --emit=graph -o model.mlir
//
// Imports the model into the graph dialect, folds and canonicalizes it, and
// prints the requested stage. (The npu, isa and binary stages come with the
// graph -> npu -> isa lowering.)
//
//===----------------------------------------------------------------------===//

#include "tessera/Import/OnnxImporter.h"

#include "Graph/IR/GraphDialect.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace tessera;
namespace cl = llvm::cl;

static cl::OptionCategory category("tessera-compile options");
static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<model.onnx | graph.mlir>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(category));
enum class EmitStage { Graph };
static cl::opt<EmitStage>
    emit("emit", cl::desc("The stage to emit"), cl::init(EmitStage::Graph),
         cl::values(clEnumValN(EmitStage::Graph, "graph",
                               "graph dialect IR after import and folding")),
         cl::cat(category));
static cl::opt<bool> skipChecker(
    "skip-onnx-checker",
    cl::desc("Do not run onnx::checker before importing (Tessera's own "
             "checks still run)"),
    cl::cat(category));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Static shape for a dynamic model input: NAME=1x128"),
                cl::cat(category));
static cl::opt<bool> noWeights(
    "no-weights",
    cl::desc("Print IR without the weights' resource section (large models: "
             "printing hex-encodes every weight)"),
    cl::cat(category));
static cl::opt<bool> noFold("no-fold",
                            cl::desc("Do not canonicalize after import"),
                            cl::cat(category));

static int fail(const Twine &message) {
  llvm::errs() << "tessera-compile: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "tessera-compile " << TESSERA_VERSION << "\n";
  });
  cl::ParseCommandLineOptions(argc, argv, "Tessera NPU compiler\n");

  MLIRContext context;
  registerImportDialects(context);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  DefaultTimingManager tm;
  applyDefaultTimingManagerCLOptions(tm);
  TimingScope timing = tm.getRootScope();

  OwningOpRef<ModuleOp> module;
  {
    TimingScope importTiming = timing.nest("Import");
    if (StringRef(inputFile).ends_with(".onnx")) {
      OnnxImportOptions options;
      options.runChecker = !skipChecker;
      for (const std::string &spec : inputShapes) {
        std::string error;
        if (!parseInputShapeSpec(spec, options, error))
          return fail("--input-shape: " + error);
      }
      module = importOnnxFile(inputFile, &context, options);
    } else {
      std::string error;
      auto file = openInputFile(inputFile, &error);
      if (!file)
        return fail(error);
      sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
      module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    }
  }
  if (!module)
    return 1;

  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return 1;
  pm.enableTiming(timing);
  if (!noFold)
    pm.addPass(createCanonicalizerPass());
  if (failed(pm.run(*module)))
    return 1;

  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);
  {
    TimingScope printTiming = timing.nest("Output");
    OpPrintingFlags flags;
    // A local scope prints the module without its dialect_resources
    // section, so the weights are never read.
    if (noWeights)
      flags.useLocalScope();
    module->print(output->os(), flags);
    output->os() << "\n";
  }
  output->keep();
  return 0;
}
