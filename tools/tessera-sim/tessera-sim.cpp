//===- tessera-sim.cpp - Runs a .npu program in the simulator -------------===//
//
// The same driver tessera-run uses for .npu files:
//   tessera-sim prog.npu --input x=x.npy --output-dir out/ --stats
//               [--stats-json s.json] [--trace t.json] [--target dc|file.json]
//               [--no-functional] [--warm-l2] [--no-race-check]
//               [--max-instructions N] [--host-threads N]
//
//===----------------------------------------------------------------------===//
#include "tessera/Sim/RunProgram.h"
#include "tessera/Sim/Simulator.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace cl = llvm::cl;

static cl::OptionCategory category("tessera-sim options");
static cl::opt<std::string> programPath(cl::Positional, cl::desc("<prog.npu>"),
                                        cl::Required, cl::cat(category));
static cl::list<std::string>
    inputs("input", cl::desc("An input: NAME=FILE.npy"), cl::cat(category));
static cl::alias inputsShort("i", cl::aliasopt(inputs), cl::desc("--input"));
static cl::opt<std::string>
    outputDir("output-dir", cl::desc("Directory for NAME.npy outputs"),
              cl::cat(category));
static cl::alias outputDirShort("o", cl::aliasopt(outputDir),
                                cl::desc("--output-dir"));
// LLVM registers its own `-stats`; main() maps `--stats` to this option.
static cl::opt<bool> stats("print-stats",
                           cl::desc("Print cycles, pipe busy %, DRAM bytes, "
                                    "FLOPs and the roofline ratio"),
                           cl::cat(category));
static cl::opt<std::string> statsJson("print-stats-json",
                                      cl::desc("Write the stats as JSON"),
                                      cl::value_desc("file"),
                                      cl::cat(category));
static cl::opt<std::string> tracePath("trace", cl::desc("Write a Chrome trace"),
                                      cl::value_desc("file"),
                                      cl::cat(category));
static cl::opt<bool> profile("profile",
                             cl::desc("Print the time, FLOPs, DRAM bytes and "
                                      "roofline of every source node"),
                             cl::cat(category));
static cl::opt<std::string> profileJson("profile-json",
                                        cl::desc("Write the profile as JSON"),
                                        cl::value_desc("file"),
                                        cl::cat(category));
static cl::opt<std::string> profileHtml(
    "profile-html",
    cl::desc("Write the profile as an HTML page with a roofline plot"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string>
    targetOverride("target",
                   cl::desc("Target preset or JSON file (default: the one the "
                            "program was built for)"),
                   cl::cat(category));
static cl::opt<bool> timingOnly("no-functional",
                                cl::desc("Model timing only; do not compute "
                                         "values"),
                                cl::cat(category));
static cl::opt<bool> warmL2("warm-l2",
                            cl::desc("Inputs start resident in the L2 cache"),
                            cl::cat(category));
static cl::opt<bool> noRaceCheck("no-race-check",
                                 cl::desc("Do not check for races"),
                                 cl::cat(category));
static cl::opt<uint64_t> maxInstructions(
    "max-instructions",
    cl::desc("Instructions the scalar units may fetch before the run is "
             "stopped as one that may not terminate"),
    cl::init(tessera::sim::SimOptions().maxInstructions), cl::cat(category));
static cl::opt<uint64_t>
    maxWork("max-work",
            cl::desc("Elements the instructions may move or compute before "
                     "the run is stopped (docs/simulator.md)"),
            cl::init(tessera::sim::SimOptions().maxWork), cl::cat(category));

static cl::opt<unsigned> hostThreads(
    "host-threads",
    cl::desc("Host threads: 1 runs everything on one thread; 0 (the "
             "default) also runs the matrix engine on a second one when the "
             "host has more than one CPU. The results are the same"),
    cl::init(0), cl::cat(category));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::vector<std::string> storage;
  std::vector<char *> args =
      tessera::sim::renameStatsArguments(argc, argv, storage);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      (int)args.size(), args.data(),
      "Tessera simulator: runs a .npu program (--stats and --stats-json FILE "
      "are spelled --print-stats and --print-stats-json in this list)\n");

  tessera::sim::RunNpuOptions opts;
  opts.programPath = programPath;
  opts.inputs.assign(inputs.begin(), inputs.end());
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
  opts.checkRaces = !noRaceCheck;
  opts.hostThreads = hostThreads;
  if (maxInstructions == 0) {
    std::fprintf(stderr,
                 "error: --max-instructions expects a positive integer, got "
                 "'0'\n");
    return 2;
  }
  opts.maxInstructions = maxInstructions;
  if (maxWork == 0) {
    std::fprintf(stderr,
                 "error: --max-work expects a positive integer, got '0'\n");
    return 2;
  }
  opts.maxWork = maxWork;
  return tessera::sim::runProgramMain(opts);
}
