//===- RunProgram.cpp - tessera-run for .npu programs ---------------------===//
//
// The tools parse their command lines with llvm::cl and fill RunNpuOptions.
//
#include "tessera/Sim/RunProgram.h"

#include "tessera/Sim/Simulator.h"
#include "tessera/Support/FileIO.h"
#include "tessera/Support/Npy.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

namespace tessera::sim {

std::vector<char *> renameStatsArguments(int argc, char **argv,
                                         std::vector<std::string> &storage) {
  storage.clear();
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--stats", 0) == 0)
      storage.push_back("--print-stats" + a.substr(7));
    else if (a.rfind("-stats", 0) == 0)
      storage.push_back("--print-stats" + a.substr(6));
    else
      storage.push_back(std::move(a));
  }
  std::vector<char *> args;
  for (std::string &a : storage)
    args.push_back(a.data());
  return args;
}

int runProgramMain(const RunNpuOptions &o) {
  auto die = [](const std::string &msg) {
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    return 1;
  };
  std::string err;
  bin::Program prog;
  if (!bin::readProgramFile(o.programPath, prog, err))
    return die(err);
  target::TargetDesc t;
  if (!bin::resolveProgramTarget(prog, o.programPath, o.targetOverride, t, err))
    return die(o.programPath + ": " + err);
  if (!bin::verifyProgram(prog, t, err))
    return die(o.programPath + ": " + err);

  std::map<std::string, Tensor> inputs = o.inputTensors;
  for (const std::string &spec : o.inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      return die("--input expects name=file.npy, got '" + spec + "'");
    Tensor tensor;
    if (!readNpyFile(spec.substr(eq + 1), tensor, err))
      return die(err);
    inputs[spec.substr(0, eq)] = std::move(tensor);
  }

  SimOptions so;
  so.functional = o.functional;
  so.checkRaces = o.checkRaces;
  so.warmL2 = o.warmL2;
  so.recordTrace = !o.tracePath.empty();
  so.profile = o.profile || !o.profileJson.empty() || !o.profileHtml.empty();
  if (o.maxInstructions)
    so.maxInstructions = o.maxInstructions;
  if (o.maxWork)
    so.maxWork = o.maxWork;
  so.hostThreads = o.hostThreads;
  Simulator sim(t, so);
  std::map<std::string, Tensor> outputs;
  Stats stats;
  if (!sim.run(prog, inputs, outputs, stats, err))
    return die(o.programPath + ": " + err);

  // Every output file is replaced together, and only after the whole run
  // succeeded (tessera/Support/FileIO.h).
  AtomicFileSet files;
  if (!o.outputDir.empty() && o.functional) {
    ::mkdir(o.outputDir.c_str(), 0777);
    for (const auto &kv : outputs) {
      // Output names (ONNX names, probe:NODE#i) may contain '/', which must
      // not escape the directory.
      std::string file = kv.first;
      std::replace(file.begin(), file.end(), '/', '_');
      if (!files.add(o.outputDir + "/" + file + ".npy", serializeNpy(kv.second),
                     err))
        return die(err);
    }
  }
  if (!o.statsJson.empty() &&
      !files.add(o.statsJson, stats.toJson() + "\n", err))
    return die(err);
  if (!o.tracePath.empty() && !files.add(o.tracePath, sim.traceJson(prog), err))
    return die(err);
  if (!o.profileJson.empty() &&
      !files.add(o.profileJson, sim.profile().toJson() + "\n", err))
    return die(err);
  if (!o.profileHtml.empty() &&
      !files.add(o.profileHtml, sim.profile().toHtml(), err))
    return die(err);
  if (!files.commit(err))
    return die(err);
  if (o.stats)
    std::printf("%s", stats.toText().c_str());
  if (o.profile)
    std::printf("%s", sim.profile().toText().c_str());
  return 0;
}

} // namespace tessera::sim
