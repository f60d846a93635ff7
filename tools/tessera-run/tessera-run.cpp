//===- tessera-run.cpp - Run a model or program ---------------------------===//
//
// tessera-run model.onnx|graph.mlir --input x=x.npy --output-dir out/
//   evaluates the model with the golden evaluator and writes name.npy for
//   every output.
// tessera-run prog.npu --input x=x.npy --output-dir out/ --stats
//   runs a compiled program on the simulator (lib/Sim).
//
//===----------------------------------------------------------------------===//

#include "tessera/Check/GoldenCheck.h"
#include "tessera/Eval/Interpreter.h"
#include "tessera/Golden/Kernels.h"
#include "tessera/Import/HuggingFace/HfCommandLine.h"
#include "tessera/Import/OnnxImporter.h"
#include "tessera/Import/OnnxTensor.h"
#include "tessera/Pipeline/Compile.h"
#include "tessera/Sim/Generate.h"
#include "tessera/Sim/RunProgram.h"
#include "tessera/Sim/Simulator.h"
#include "tessera/Support/BoundedInputFile.h"
#include "tessera/Support/Compare.h"
#include "tessera/Support/FileIO.h"
#include "tessera/Support/HugePages.h"
#include "tessera/Support/Npy.h"

#include "Graph/IR/GraphDialect.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace tessera;
namespace cl = llvm::cl;

static cl::OptionCategory category("tessera-run options");
static cl::opt<std::string> inputFile(
    cl::Positional,
    cl::desc("<model.onnx | graph.mlir | prog.npu | HF model directory>"),
    cl::Required, cl::cat(category));
static cl::list<std::string>
    inputSpecs("input",
               cl::desc("An input: NAME=FILE or FILE (.npy or ONNX TensorProto "
                        ".pb); FILE alone binds inputs in order"),
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
static cl::opt<std::string>
    outputDir("output-dir", cl::desc("Directory for NAME.npy outputs"),
              cl::init("."), cl::cat(category));
// LLVM registers its own `-stats`; main() maps `--stats` to this option.
static cl::opt<bool> stats("print-stats",
                           cl::desc("(.npu) Print cycles, pipe busy %, DRAM "
                                    "bytes, FLOPs and the roofline ratio"),
                           cl::cat(category));
static cl::opt<std::string>
    statsJson("print-stats-json", cl::desc("(.npu) Write the stats as JSON"),
              cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string> tracePath("trace",
                                      cl::desc("(.npu) Write a Chrome trace"),
                                      cl::value_desc("file"),
                                      cl::cat(category));
static cl::opt<bool>
    profile("profile",
            cl::desc("(.npu) Print where the time goes: one row per source "
                     "ONNX node (or fused group) with its share of the "
                     "simulated time, engine, FLOPs, DRAM bytes and roofline"),
            cl::cat(category));
static cl::opt<std::string>
    profileJson("profile-json", cl::desc("(.npu) Write the profile as JSON"),
                cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string> profileHtml(
    "profile-html",
    cl::desc("(.npu) Write the profile as a self-contained HTML page with a "
             "roofline plot"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string>
    targetOverride("target",
                   cl::desc("(.npu) Target preset or JSON file (default: the "
                            "one the program was built for)"),
                   cl::cat(category));
static cl::opt<bool>
    timingOnly("no-functional",
               cl::desc("(.npu) Model timing only; do not compute values"),
               cl::cat(category));
static cl::opt<bool>
    warmL2("warm-l2",
           cl::desc("(.npu) Inputs start resident in the L2 cache, as in a "
                    "benchmark loop"),
           cl::cat(category));
static cl::opt<uint64_t> maxInstructions(
    "max-instructions",
    cl::desc("(.npu) Instructions the scalar units may fetch before the run "
             "is stopped as one that may not terminate"),
    cl::init(sim::SimOptions().maxInstructions), cl::cat(category));
static cl::opt<uint64_t> maxWork(
    "max-work",
    cl::desc("(.npu) Elements the instructions may move or compute before "
             "the run is stopped (docs/simulator.md)"),
    cl::init(sim::SimOptions().maxWork), cl::cat(category));
static cl::opt<unsigned> hostThreads(
    "host-threads",
    cl::desc("(.npu) Host threads of the simulator: 1 runs everything on one "
             "thread; 0 (the default) also runs the matrix engine on a "
             "second one when the host has more than one CPU. The results "
             "are the same"),
    cl::init(0), cl::cat(category));
static cl::opt<bool> checkOutputs(
    "check",
    cl::desc("(.npu) Also run the source model in the golden evaluator and "
             "compare every output (max abs/rel error, cosine, Euclidean "
             "similarity); inputs default to seeded random values"),
    cl::cat(category));
static cl::opt<bool> checkAll(
    "check-all",
    cl::desc("(.npu) --check, and also compare every intermediate tensor the "
             "program exports as a probe (compile with --probes); names the "
             "first ONNX node whose result diverges"),
    cl::cat(category));
static cl::opt<unsigned> evalRepeat(
    "eval-repeat",
    cl::desc("(golden) Evaluate the model N times and print the mean "
             "evaluation time, import excluded (for benchmarks)"),
    cl::init(0), cl::cat(category));
static cl::opt<bool> quiet("quiet", cl::desc("Do not print output summaries"),
                           cl::cat(category));

static bool loadTensor(const std::string &path, Tensor &t,
                       std::string &protoName, std::string &error) {
  if (StringRef(path).ends_with(".pb"))
    return readTensorProtoFile(path, t, protoName, error);
  return readNpyFile(path, t, error);
}

static void printSummary(const std::string &name, const Tensor &t) {
  llvm::outs() << name << ": " << t.describe() << " = [";
  int64_t n = std::min<int64_t>(t.numElements(), 8);
  for (int64_t i = 0; i < n; ++i) {
    if (i)
      llvm::outs() << ", ";
    if (t.isFloat())
      llvm::outs() << llvm::format("%.6g", t.getD(i));
    else if (t.dtype() == DType::U64)
      llvm::outs() << (uint64_t)t.ints()[i];
    else
      llvm::outs() << t.ints()[i];
  }
  if (t.numElements() > n)
    llvm::outs() << ", ...";
  llvm::outs() << "]\n";
}

static int fail(const Twine &message) {
  llvm::errs() << "tessera-run: error: " << message << "\n";
  return 1;
}

/// tessera-run prog.npu --check: simulator vs golden evaluator.
static int runCheck() {
  std::string error;
  bin::Program prog;
  if (!bin::readProgramFile(inputFile, prog, error))
    return fail(error);
  target::TargetDesc t;
  if (!bin::resolveProgramTarget(prog, inputFile, targetOverride, t, error))
    return fail(inputFile + ": " + error);
  if (!bin::verifyProgram(prog, t, error))
    return fail(inputFile + ": " + error);
  if (prog.source.empty())
    return fail(inputFile + ": the program records no source model");

  MLIRContext context;
  context.disableMultithreading();
  registerImportDialects(context);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  // Inputs given by name; one the program does not take was bound at
  // compile time (tessera-compile --bind) and specializes the source model
  // the same way here.
  std::map<std::string, Tensor> given;
  for (const std::string &spec : inputSpecs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos)
      return fail("--check expects --input NAME=FILE");
    Tensor tensor;
    std::string protoName;
    if (!loadTensor(spec.substr(eq + 1), tensor, protoName, error))
      return fail(error);
    given[spec.substr(0, eq)] = std::move(tensor);
  }
  OnnxImportOptions options;
  options.runChecker = !skipChecker;
  // The program's I/O table fixes the dimensions that were dynamic in the
  // source model (tessera-compile --input-shape).
  for (const bin::IoEntry &e : prog.io)
    if (!e.isOutput)
      options.inputShapes[e.name] = e.shape;
  for (const std::string &spec : inputShapes)
    if (!parseInputShapeSpec(spec, options, error))
      return fail("--input-shape: " + error);
  options.inputValues = given;
  OwningOpRef<ModuleOp> module =
      pipeline::loadModelFile(prog.source, context, sourceMgr, options);
  if (!module)
    return fail("cannot load the source model " + prog.source);
  func::FuncOp func = findEntryFunction(*module, error);
  if (!func)
    return fail(prog.source + ": " + error);

  check::CheckOptions co;
  co.checkAll = checkAll;
  co.warmL2 = warmL2;
  co.maxInstructions = maxInstructions;
  co.maxWork = maxWork;
  co.hostThreads = hostThreads;
  co.profile = profile || !profileJson.empty() || !profileHtml.empty();
  check::CheckReport report;
  if (!check::checkProgram(prog, t, func, given, co, report, error))
    return error.empty() ? 1 : fail(inputFile + ": " + error);
  report.printComparisons(llvm::outs());
  if (stats)
    llvm::outs() << report.stats.toText();
  if (profile)
    llvm::outs() << report.profile.toText();
  AtomicFileSet files;
  if (!statsJson.empty() &&
      !files.add(statsJson, report.stats.toJson() + "\n", error))
    return fail(error);
  if (!profileJson.empty() &&
      !files.add(profileJson, report.profile.toJson() + "\n", error))
    return fail(error);
  if (!profileHtml.empty() &&
      !files.add(profileHtml, report.profile.toHtml(), error))
    return fail(error);
  if (!files.commit(error))
    return fail(error);
  report.printVerdict(llvm::outs());
  return report.passed() ? 0 : 1;
}

/// tessera-run OUT/ --generate: the programs of tessera-compile MODEL_DIR
/// -o OUT/ on the simulator (lib/Sim/Generate.cpp); --check compares every
/// step with the golden evaluator's generation, teacher-forced.
static int runDeviceGeneration() {
  sim::GenerateRunOptions g;
  std::string error;
  if (!hf::generationRunOptions(g.prompt, g.maxNewTokens, g.saveLogits, error))
    return fail(error);
  g.dir = inputFile;
  if (outputDir.getNumOccurrences())
    g.outputDir = outputDir;
  g.stats = stats;
  g.check = checkOutputs || checkAll;
  g.golden = [&](const sim::GenerationPlan &plan,
                 const std::vector<int64_t> &tokens,
                 std::vector<Tensor> &logits, std::string &err) {
    return hf::goldenStepLogits(plan.model, g.prompt, tokens,
                                (int64_t)tokens.size(), 0, logits, err,
                                plan.weightQuant);
  };
  return sim::runGenerateMain(g);
}

int main(int argc, char **argv) {
  // Large one-time buffers fault in 2 MiB pages (HugePages.h).
  tessera::reexecWithHugePageMalloc(argv);
  llvm::InitLLVM init(argc, argv);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "tessera-run " << TESSERA_VERSION << "\n";
  });
  std::vector<std::string> storage;
  std::vector<char *> args = sim::renameStatsArguments(argc, argv, storage);
  argc = (int)args.size();
  argv = args.data();
  hf::registerHfCommandLineOptions();
  cl::HideUnrelatedOptions({&category, &hf::hfOptionCategory()});
  cl::ParseCommandLineOptions(
      argc, argv,
      "Tessera runner: evaluates an ONNX model or graph-dialect module with "
      "the golden evaluator and writes every output as NAME.npy; runs .npu "
      "programs on the simulator (--stats and --stats-json FILE are spelled "
      "--print-stats and --print-stats-json in this list)\n");

  // A budget of 0 would make every program "not terminate"; tessera-sim
  // refuses it the same way.
  if (maxInstructions == 0) {
    llvm::errs() << "error: --max-instructions expects a positive integer, "
                    "got '0'\n";
    return 2;
  }
  if (maxWork == 0) {
    llvm::errs() << "error: --max-work expects a positive integer, got '0'\n";
    return 2;
  }
  if (hf::generateRequested() && sim::isGenerationDirectory(inputFile))
    return runDeviceGeneration();
  if (hf::isHfInput(inputFile) && hf::generateRequested())
    return hf::runHfGenerateMain(inputFile, outputDir);
  if (!StringRef(inputFile).ends_with(".npu") &&
      (profile || !profileJson.empty() || !profileHtml.empty()))
    return fail("--profile, --profile-json and --profile-html profile a "
                "simulated program: give a .npu file (compile the model "
                "with tessera-compile first)");
  if (StringRef(inputFile).ends_with(".npu") && (checkOutputs || checkAll))
    return runCheck();
  if (StringRef(inputFile).ends_with(".npu")) {
    // A .npu run without --check makes no BLAS call: the simulator's CPU
    // time is not shared with spinning BLAS workers.
    golden::stopIdleBlasThreads();
    sim::RunNpuOptions opts;
    opts.programPath = inputFile;
    for (const std::string &spec : inputSpecs) {
      size_t eq = spec.find('=');
      std::string path = eq == std::string::npos ? spec : spec.substr(eq + 1);
      if (!StringRef(path).ends_with(".pb")) {
        opts.inputs.push_back(spec);
        continue;
      }
      // ONNX TensorProto inputs, as on the golden path; FILE alone binds by
      // the name the proto records.
      Tensor t;
      std::string protoName, error;
      if (!readTensorProtoFile(path, t, protoName, error))
        return fail(error);
      std::string name =
          eq == std::string::npos ? protoName : spec.substr(0, eq);
      if (name.empty())
        return fail(path +
                    ": the tensor has no name; give --input NAME=" + path);
      opts.inputTensors[name] = std::move(t);
    }
    opts.outputDir = outputDir;
    opts.stats = stats;
    opts.statsJson = statsJson;
    opts.tracePath = tracePath;
    opts.profile = profile;
    opts.profileJson = profileJson;
    opts.profileHtml = profileHtml;
    opts.targetOverride = targetOverride;
    opts.functional = !timingOnly;
    opts.warmL2 = warmL2;
    opts.maxInstructions = maxInstructions;
    opts.maxWork = maxWork;
    opts.hostThreads = hostThreads;
    return sim::runProgramMain(opts);
  }

  MLIRContext context;
  context.disableMultithreading();
  registerImportDialects(context);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  bool isOnnx = StringRef(inputFile).ends_with(".onnx");
  std::string error;

  // Input names in order: the ONNX graph's inputs, or (for .mlir) the entry
  // function's arguments once parsed.
  OwningOpRef<ModuleOp> module;
  std::vector<std::string> names;
  if (isOnnx) {
    if (!listOnnxInputs(inputFile, names, error))
      return fail(error);
  } else if (hf::isHfInput(inputFile)) {
    module = hf::importHfFromCommandLine(inputFile, &context);
    if (!module)
      return 1;
    func::FuncOp f = findEntryFunction(*module, error);
    if (!f)
      return fail(inputFile + ": " + error);
    names = getArgumentNames(f);
  } else {
    auto file = tessera::openBoundedInputFile(inputFile, &error);
    if (!file)
      return fail(error);
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return 1;
    func::FuncOp f = findEntryFunction(*module, error);
    if (!f)
      return fail(inputFile + ": " + error);
    names = getArgumentNames(f);
  }

  std::map<std::string, Tensor> given;
  std::map<std::string, std::string> givenFile; // input name -> its file
  size_t nextPositional = 0;
  for (const std::string &spec : inputSpecs) {
    std::string name, path = spec;
    size_t eq = spec.find('=');
    if (eq != std::string::npos) {
      name = spec.substr(0, eq);
      path = spec.substr(eq + 1);
    }
    Tensor t;
    std::string protoName;
    if (!loadTensor(path, t, protoName, error))
      return fail(error);
    if (name.empty() &&
        std::find(names.begin(), names.end(), protoName) != names.end())
      name = protoName;
    if (name.empty()) {
      if (nextPositional >= names.size())
        return fail("too many inputs: the model has " + Twine(names.size()));
      name = names[nextPositional++];
    } else if (std::find(names.begin(), names.end(), name) == names.end()) {
      return fail("the model has no input named '" + name + "'");
    }
    given[name] = std::move(t);
    givenFile[name] = path;
  }

  if (isOnnx) {
    OnnxImportOptions options;
    options.runChecker = !skipChecker;
    for (const std::string &spec : inputShapes)
      if (!parseInputShapeSpec(spec, options, error))
        return fail("--input-shape: " + error);
    // Inputs a node needs as constants (shapes, axes, ...) are specialized
    // to the values given here, and a given array fixes the dynamic
    // dimensions of its input.
    for (const auto &[name, t] : given)
      options.inputShapes.emplace(name, t.shape());
    options.inputValues = given;
    module = importOnnxFile(inputFile, &context, options);
    if (!module) {
      // A shape error may come from an array given here: name the files.
      if (!givenFile.empty()) {
        llvm::errs() << "tessera-run: note: the shapes of the given arrays "
                        "fix the model's inputs:";
        for (const auto &[name, path] : givenFile)
          llvm::errs() << " " << name << "=" << path;
        llvm::errs() << "\n";
      }
      return 1;
    }
  }

  func::FuncOp func = findEntryFunction(*module, error);
  if (!func)
    return fail(inputFile + ": " + error);
  std::vector<std::string> argNames = getArgumentNames(func);
  std::vector<Tensor> inputs;
  for (const std::string &name : argNames) {
    auto it = given.find(name);
    if (it == given.end())
      return fail("missing input '" + name + "' (give --input " + name +
                  "=FILE.npy)");
    // A mismatch is the input file's fault: name it.
    auto type =
        dyn_cast<RankedTensorType>(func.getArgument(inputs.size()).getType());
    if (!type)
      return fail("input '" + name +
                  "' is a sequence or optional; tessera-run takes tensor "
                  "inputs (.npy) only");
    std::optional<DType> want = graph::toDType(type.getElementType());
    if (!want || it->second.dtype() != *want ||
        it->second.shape() !=
            Shape(type.getShape().begin(), type.getShape().end())) {
      std::string expected;
      llvm::raw_string_ostream(expected) << type;
      return fail(givenFile[name] + ": input '" + name + "' is " +
                  it->second.describe() + " but the model expects '" +
                  expected + "'");
    }
    inputs.push_back(it->second);
  }

  FailureOr<std::vector<Tensor>> outputs = evaluateFunction(func, inputs);
  if (failed(outputs))
    return 1;
  if (evalRepeat > 0) {
    auto start = std::chrono::steady_clock::now();
    for (unsigned i = 0; i < evalRepeat; ++i)
      if (failed(evaluateFunction(func, inputs)))
        return 1;
    std::chrono::duration<double, std::milli> ms =
        std::chrono::steady_clock::now() - start;
    llvm::outs() << llvm::format(
        "golden evaluation: %.3f ms per run (%u runs)\n",
        ms.count() / evalRepeat, (unsigned)evalRepeat);
  }
  if (auto ec = llvm::sys::fs::create_directories(outputDir))
    return fail("cannot create '" + outputDir + "': " + ec.message());
  // A sequence or optional result gives its tensors (Interpreter.h) as
  // NAME.0, NAME.1, ...
  std::vector<std::string> resultNames;
  for (auto [name, type] :
       llvm::zip(getResultNames(func), func.getResultTypes())) {
    if (!graph::isAggregateType(type)) {
      resultNames.push_back(name);
      continue;
    }
    SmallVector<Type> flat;
    graph::flattenTypes(type, flat);
    for (size_t k = 0; k < flat.size(); ++k)
      resultNames.push_back(name + "." + std::to_string(k));
  }
  // All outputs are replaced together once every one is written.
  AtomicFileSet files;
  for (auto [name, tensor] : llvm::zip(resultNames, *outputs)) {
    SmallString<256> path(outputDir.getValue());
    // Output names may contain '/', which must not escape the directory.
    std::string fileName = name;
    std::replace(fileName.begin(), fileName.end(), '/', '_');
    llvm::sys::path::append(path, fileName + ".npy");
    if (!files.add(std::string(path), serializeNpy(tensor), error))
      return fail(error);
  }
  if (!files.commit(error))
    return fail(error);
  if (!quiet)
    for (auto [name, tensor] : llvm::zip(resultNames, *outputs))
      printSummary(name, tensor);
  return 0;
}
