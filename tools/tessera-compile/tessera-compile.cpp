//===- tessera-compile.cpp - The Tessera compiler driver ------------------===//
//
// tessera-compile model.onnx -o model.npu --target=dc --precision=bf16
// tessera-compile model.onnx --emit=graph|npu|isa|asm|bin [-o file]
//
// Imports the model into the graph dialect, folds and canonicalizes it, and
// lowers it through the npu dialect to per-core instruction streams (the isa
// dialect), then writes the requested stage. `bin` (the default for an
// output ending in .npu) writes the .npu program.
//
//===----------------------------------------------------------------------===//

#include "tessera/Import/OnnxImporter.h"

#include "Graph/IR/GraphDialect.h"
#include "Isa/IR/IsaDialect.h"
#include "Npu/IR/NpuDialect.h"
#include "tessera/Conversion/Compile.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
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
enum class EmitStage { Auto, Graph, Npu, Isa, Asm, Bin };
static cl::opt<EmitStage> emit(
    "emit", cl::desc("The stage to emit"), cl::init(EmitStage::Auto),
    cl::values(clEnumValN(EmitStage::Graph, "graph",
                          "graph dialect IR after import and folding"),
               clEnumValN(EmitStage::Npu, "npu",
                          "npu dispatches, fused, tiled and with GM addresses"),
               clEnumValN(EmitStage::Isa, "isa",
                          "the isa dialect module (per-core streams, synced)"),
               clEnumValN(EmitStage::Asm, "asm",
                          "the isa.program alone (assembly)"),
               clEnumValN(EmitStage::Bin, "bin",
                          "the .npu program (default for -o *.npu)")),
    cl::cat(category));
static cl::opt<std::string> targetName("target",
                                       cl::desc("edge, dc or a JSON file"),
                                       cl::init("dc"), cl::cat(category));
static cl::opt<std::string> precision("precision", cl::desc("f32, bf16 or f16"),
                                      cl::init("f32"), cl::cat(category));
static cl::opt<bool> noFuse("no-fuse", cl::desc("Do not group kernels"),
                            cl::cat(category));
static cl::opt<bool> noL2Prefetch(
    "no-l2-prefetch",
    cl::desc("Do not let idle vector cores read read-once matmul weights "
             "into L2 ahead of use"),
    cl::cat(category));
static cl::opt<bool> probes(
    "probes",
    cl::desc("Export every intermediate kernel result as an extra output "
             "(probe:NODE#i), kept alive to the end, for tessera-run "
             "--check-all"),
    cl::cat(category));
static cl::opt<std::string> weightsFile(
    "weights",
    cl::desc("Write constants of at least 4 KiB to this file beside the "
             "program instead of inline"),
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
static cl::list<std::string> bindings(
    "bind",
    cl::desc("Fix an input's value at compile time: NAME=FILE (.npy or ONNX "
             "TensorProto .pb); it leaves the program's inputs"),
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
  context.loadDialect<npu::NpuDialect, isa::IsaDialect>();
  if (emit == EmitStage::Auto)
    emit = StringRef(outputFile).ends_with(".npu") ? EmitStage::Bin
                                                   : EmitStage::Graph;
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
      for (const std::string &spec : bindings) {
        std::string error;
        if (!parseBindSpec(spec, options, error))
          return fail("--bind: " + error);
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
  if (emit != EmitStage::Graph) {
    conversion::PipelineOptions po;
    po.target = targetName;
    po.precision = precision;
    pm.addPass(conversion::createGraphDecompose());
    pm.addPass(conversion::createGraphToNpu({po.precision, po.target}));
    if (!noFuse)
      pm.addPass(conversion::createNpuFuse({po.target}));
    pm.addPass(conversion::createNpuTile({po.target}));
    pm.addPass(conversion::createNpuPlanMemory({po.target, probes}));
    if (emit != EmitStage::Npu) {
      pm.addPass(
          conversion::createNpuToIsa({po.target, probes, !noL2Prefetch}));
      pm.addPass(conversion::createIsaInsertSync());
    }
  }
  if (failed(pm.run(*module)))
    return 1;

  if (emit == EmitStage::Bin) {
    if (outputFile == "-")
      return fail("--emit=bin needs -o FILE.npu");
    FailureOr<bin::Program> prog = conversion::programOf(*module);
    if (failed(prog))
      return 1;
    // The source model, for `tessera-run --check`.
    SmallString<256> src(inputFile);
    llvm::sys::fs::make_absolute(src);
    prog->source = std::string(src);
    bin::WriteOptions wo;
    wo.externalWeightFile = weightsFile;
    std::string error;
    if (!bin::writeProgramFile(outputFile, *prog, error, wo))
      return fail(error);
    return 0;
  }

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
    if (emit == EmitStage::Asm) {
      for (Operation &op : module->getBody()->getOperations())
        op.print(output->os(), flags);
    } else {
      module->print(output->os(), flags);
    }
    output->os() << "\n";
  }
  output->keep();
  return 0;
}
