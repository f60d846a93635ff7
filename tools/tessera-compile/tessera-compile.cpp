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

#include "tessera/Golden/Kernels.h"
#include "tessera/Import/HuggingFace/HfCommandLine.h"
#include "tessera/Pipeline/Compile.h"
#include "tessera/Pipeline/GenerationPrograms.h"
#include "tessera/Pipeline/Progress.h"
#include "tessera/Support/FileIO.h"
#include "tessera/Support/HugePages.h"
#include "tessera/Target/Target.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
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
static cl::OptionCategory
    mlirCategory("MLIR options",
                 "The pass manager's, the printer's and the timer's");
static cl::opt<std::string>
    inputFile(cl::Positional,
              cl::desc("<model.onnx | graph.mlir | HF model directory>"),
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
// --target, --precision, --no-fold, --no-fuse, --no-l2-prefetch, --no-loops,
// --probes:
// the pipeline's own options (tessera/Pipeline/PipelineOptions.def).
static pipeline::PipelineOptions pipelineOptions;
static cl::list<std::string> bindings(
    "bind",
    cl::desc("Fix an input's value at compile time: NAME=FILE (.npy or ONNX "
             "TensorProto .pb); it leaves the program's inputs"),
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
static cl::opt<bool> noWeights(
    "no-weights",
    cl::desc("Print IR without the weights' resource section (large models: "
             "printing hex-encodes every weight)"),
    cl::cat(category));

static cl::opt<bool>
    quiet("quiet",
          cl::desc("Do not show progress on a terminal during long compiles"),
          cl::cat(category));
static cl::opt<double> progressAfter(
    "progress-after",
    cl::desc("Show progress once a compile has run this many seconds "
             "(default 3; progress shows only on a terminal)"),
    cl::init(3), cl::Hidden, cl::cat(category));
static cl::opt<bool> progressAlways(
    "progress-always",
    cl::desc("Show progress on stderr even when it is not a terminal (tests)"),
    cl::Hidden, cl::cat(category));

static int fail(const Twine &message) {
  llvm::errs() << "tessera-compile: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  // Large one-time buffers fault in 2 MiB pages (HugePages.h).
  tessera::reexecWithHugePageMalloc(argv);
  tessera::prepareHeapForLargeBuffers();
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  pipeline::registerPipelineCLOptions(pipelineOptions, category);
  hf::registerHfCommandLineOptions();
  // libLLVM registers hundreds of backend options (AMDGPU, AArch64, ...)
  // that mean nothing here: --help lists the compiler's own, the Hugging
  // Face frontend's and MLIR's (--mlir-timing, --mlir-print-ir-after-all).
  // The others still parse.
  for (auto &[name, option] : cl::getRegisteredOptions())
    if (name.starts_with("mlir-"))
      option->addCategory(mlirCategory);
  cl::HideUnrelatedOptions({&category, &hf::hfOptionCategory(), &mlirCategory});
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "tessera-compile " << TESSERA_VERSION << "\n";
  });
  cl::ParseCommandLineOptions(argc, argv, "Tessera NPU compiler\n");
  // Constant folding may call BLAS (OpenBLAS then restarts its workers); the
  // rest of a compile does not and should not share the CPU with them.
  golden::stopIdleBlasThreads();
  // A bad --target is found before the model is read, and reported as the
  // option's error (from the pipeline's attach pass it came with the whole
  // module printed after it: megabytes for a real model).
  {
    target::TargetDesc desc;
    std::string error;
    if (!target::loadTarget(pipelineOptions.target, desc, error))
      return fail("target '" + pipelineOptions.target + "': " + error);
  }

  MLIRContext context;
  pipeline::loadAllDialects(context);
  bool emitAuto = emit == EmitStage::Auto;
  if (emit == EmitStage::Auto)
    emit = StringRef(outputFile).ends_with(".npu") ? EmitStage::Bin
                                                   : EmitStage::Graph;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  DefaultTimingManager tm;
  applyDefaultTimingManagerCLOptions(tm);
  TimingScope timing = tm.getRootScope();

  auto configure = [&](PassManager &pm) {
    if (failed(applyPassManagerCLOptions(pm)))
      return failure();
    pm.enableTiming(timing);
    if (!quiet && (progressAlways || llvm::errs().is_displayed()))
      pm.addInstrumentation(
          pipeline::createProgressInstrumentation(llvm::errs(), progressAfter));
    return success();
  };
  // A Hugging Face model compiled into a directory: the prefill and decode
  // programs of token generation (docs/generation.md).
  if (hf::isHfInput(inputFile) && emitAuto &&
      pipeline::isOutputDirectory(outputFile)) {
    pipeline::GenerationCompileOptions go;
    hf::generationProgramOptions(go.seq, go.capacity, go.manifest);
    go.weightQuant = hf::weightQuantOption();
    return failed(pipeline::compileGenerationPrograms(
               inputFile, outputFile, pipelineOptions, go, context, configure))
               ? 1
               : 0;
  }

  OwningOpRef<ModuleOp> module;
  {
    TimingScope importTiming = timing.nest("Import");
    OnnxImportOptions importOptions;
    importOptions.runChecker = !skipChecker;
    for (const std::string &spec : inputShapes) {
      std::string error;
      if (!parseInputShapeSpec(spec, importOptions, error))
        return fail("--input-shape: " + error);
    }
    for (const std::string &spec : bindings) {
      std::string error;
      if (!parseBindSpec(spec, importOptions, error))
        return fail("--bind: " + error);
    }
    // A Hugging Face model directory (or a config with --manifest) goes
    // through its own importer; everything else by file type.
    if (hf::isHfInput(inputFile))
      module = hf::importHfFromCommandLine(inputFile, &context);
    else
      module =
          pipeline::loadModelFile(inputFile, context, sourceMgr, importOptions);
  }
  if (!module)
    return 1;

  pipeline::Stage stage = pipeline::Stage::Isa;
  if (emit == EmitStage::Graph)
    stage = pipeline::Stage::Graph;
  else if (emit == EmitStage::Npu)
    stage = pipeline::Stage::Npu;
  if (failed(pipeline::runPipeline(*module, pipelineOptions,
                                   pipeline::Stage::Import, stage, configure)))
    return 1;

  if (emit == EmitStage::Bin) {
    if (outputFile == "-")
      return fail("--emit=bin needs -o FILE.npu");
    // Written before the context goes: the weights are not copied.
    FailureOr<bin::Program> prog =
        pipeline::programOf(*module, /*borrowConstants=*/true);
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

  std::string text;
  {
    TimingScope printTiming = timing.nest("Output");
    OpPrintingFlags flags;
    // A local scope prints the module without its dialect_resources
    // section, so the weights are never read.
    if (noWeights)
      flags.useLocalScope();
    llvm::raw_string_ostream os(text);
    pipeline::printModule(*module, os, flags, emit == EmitStage::Asm);
  }
  if (outputFile == "-") {
    llvm::outs() << text;
    return 0;
  }
  // Written beside the destination and renamed into place: a failure never
  // leaves a partial file or clobbers an earlier one.
  std::string error;
  if (!writeFileAtomically(outputFile, text, error))
    return fail(error);
  return 0;
}
