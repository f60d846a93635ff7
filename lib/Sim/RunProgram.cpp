//===- RunProgram.cpp - tessera-run for .npu programs ---------------------===//
#include "tessera/Sim/RunProgram.h"

#include "tessera/Sim/Simulator.h"
#include "tessera/Support/Npy.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

namespace tessera::sim {

bool parseRunNpuArgs(int argc, char **argv, RunNpuOptions &o,
                     std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string &flag, std::string &out) {
      if (a == flag) {
        if (i + 1 >= argc) {
          error = flag + " needs a value";
          return true;
        }
        out = argv[++i];
        return true;
      }
      if (a.rfind(flag + "=", 0) == 0) {
        out = a.substr(flag.size() + 1);
        return true;
      }
      return false;
    };
    std::string v;
    if (value("--input", v) || value("-i", v)) {
      o.inputs.push_back(v);
    } else if (value("--output-dir", v) || value("-o", v)) {
      o.outputDir = v;
    } else if (value("--stats-json", v)) {
      o.statsJson = v;
    } else if (value("--trace", v)) {
      o.tracePath = v;
    } else if (value("--target", v)) {
      o.targetOverride = v;
    } else if (a == "--stats") {
      o.stats = true;
    } else if (a == "--no-functional") {
      o.functional = false;
    } else if (a == "--warm-l2") {
      o.warmL2 = true;
    } else if (a == "--no-race-check") {
      o.checkRaces = false;
    } else if (!a.empty() && a[0] == '-') {
      error = "unknown option '" + a + "'";
    } else if (o.programPath.empty()) {
      o.programPath = a;
    } else {
      error = "unexpected argument '" + a + "'";
    }
    if (!error.empty())
      return false;
  }
  if (o.programPath.empty()) {
    error = "no program given";
    return false;
  }
  return true;
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
  std::string targetName =
      o.targetOverride.empty() ? prog.targetName : o.targetOverride;
  if (!target::loadTarget(targetName, t, err))
    return die(err);
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
  Simulator sim(t, so);
  std::map<std::string, Tensor> outputs;
  Stats stats;
  if (!sim.run(prog, inputs, outputs, stats, err))
    return die(o.programPath + ": " + err);

  if (!o.outputDir.empty() && o.functional) {
    ::mkdir(o.outputDir.c_str(), 0777);
    for (const auto &kv : outputs) {
      // Output names (ONNX names, probe:NODE#i) may contain '/', which must
      // not escape the directory.
      std::string file = kv.first;
      std::replace(file.begin(), file.end(), '/', '_');
      if (!writeNpyFile(o.outputDir + "/" + file + ".npy", kv.second, err))
        return die(err);
    }
  }
  if (o.stats)
    std::printf("%s", stats.toText().c_str());
  if (!o.statsJson.empty()) {
    std::ofstream f(o.statsJson);
    if (!(f << stats.toJson() << "\n"))
      return die(o.statsJson + ": cannot write");
  }
  if (!o.tracePath.empty()) {
    std::ofstream f(o.tracePath);
    if (!(f << sim.traceJson(prog)))
      return die(o.tracePath + ": cannot write");
  }
  return 0;
}

} // namespace tessera::sim
