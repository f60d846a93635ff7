//===- RunProgram.h - The tessera-run driver for .npu programs --*- C++ -*-===//
#ifndef TESSERA_SIM_RUNPROGRAM_H
#define TESSERA_SIM_RUNPROGRAM_H

#include "tessera/Support/Tensor.h"

#include <map>
#include <string>
#include <vector>

namespace tessera::sim {

struct RunNpuOptions {
  std::string programPath;
  /// "name=file.npy"
  std::vector<std::string> inputs;
  /// Inputs the caller has already loaded, by name (tessera-run reads ONNX
  /// TensorProto .pb files, which this library does not parse).
  std::map<std::string, Tensor> inputTensors;
  std::string outputDir; // empty: do not write outputs
  bool stats = false;
  std::string statsJson;
  std::string tracePath;
  /// Per-node profile: print its table (`profile`), write it as JSON or as
  /// an HTML page with a roofline plot (tessera/Sim/Profile.h).
  bool profile = false;
  std::string profileJson, profileHtml;
  /// Preset name or JSON path; empty: the preset the program names.
  std::string targetOverride;
  bool functional = true;
  bool checkRaces = true;
  bool warmL2 = false; // inputs start resident in the L2 cache
  /// Instruction budget (SimOptions::maxInstructions); 0: the default.
  uint64_t maxInstructions = 0;
  /// Work budget (SimOptions::maxWork); 0: the default.
  uint64_t maxWork = 0;
  /// SimOptions::hostThreads.
  unsigned hostThreads = 0;
};

/// Loads, verifies and runs a .npu program; prints errors to stderr.
/// Returns the process exit code (0 on success).
int runProgramMain(const RunNpuOptions &opts);

/// The documented `--stats` and `--stats-json` clash with LLVM's statistics
/// options, registered while the command line is parsed, so tessera-run and
/// tessera-sim declare them as `--print-stats` and `--print-stats-json` and
/// call this first: it returns argv with `--stats...`/`-stats...` renamed,
/// its strings owned by `storage`.
std::vector<char *> renameStatsArguments(int argc, char **argv,
                                         std::vector<std::string> &storage);

} // namespace tessera::sim

#endif // TESSERA_SIM_RUNPROGRAM_H
