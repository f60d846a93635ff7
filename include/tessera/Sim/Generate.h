//===- Generate.h - Token generation on the simulator -----------*- C++ -*-===//
//
// tessera-run OUT/ --generate runs the programs tessera-compile MODEL_DIR -o
// OUT/ wrote (generate.json, prefill.npu, decode.npu, weights.bin): prefill
// once, then decode once per token, with the KV caches resident in device
// memory between the runs (DeviceSession). See docs/generation.md.
//
// No MLIR: the golden comparison of --check is a callback the tool gives.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SIM_GENERATE_H
#define TESSERA_SIM_GENERATE_H

#include "tessera/Binary/Program.h"
#include "tessera/Sim/Simulator.h"
#include "tessera/Target/Target.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tessera::sim {

/// Device memory that outlives a run. The KV caches are buffers of their
/// own, bound on every run to the program's I/O entries of their name
/// (`past.L.*`); a program updates them in place (its `present.L.*` output
/// has the same GM address), so a run moves only the new rows through the
/// memory system and nothing is copied from one token to the next. (The
/// simulator keeps one GM image per run; binding a resident buffer costs no
/// simulated time, as passing a buffer's address to a kernel costs none.)
class DeviceSession {
public:
  DeviceSession(const target::TargetDesc &target, SimOptions opts)
      : sim_(target, opts) {}

  /// Allocates a zeroed buffer for every input of `prog` named
  /// `past.*`.
  void allocateCaches(const bin::Program &prog);
  /// Checks that `prog` takes exactly the resident buffers (names, dtypes,
  /// shapes) and updates each in place; the error gives the numbers.
  bool checkBinding(const bin::Program &prog, const std::string &programName,
                    std::string &error) const;
  /// Runs `prog` with `inputs` plus the resident buffers; the updated caches
  /// stay resident, every other output is returned.
  bool run(const bin::Program &prog, const std::map<std::string, Tensor> &in,
           std::map<std::string, Tensor> &outputs, Stats &stats,
           std::string &error);
  const std::map<std::string, Tensor> &caches() const { return caches_; }

private:
  Simulator sim_;
  std::map<std::string, Tensor> caches_;
};

/// generate.json and the programs it names, loaded and cross-checked.
struct GenerationPlan {
  std::string dir, model, architecture, fingerprint, precision;
  /// generate.json's "weight_quant" ("" when absent): the golden of --check
  /// quantizes the model's weights the same way.
  std::string weightQuant;
  int64_t vocab = 0, seq = 0, capacity = 0;
  bin::Program prefill, decode;
  target::TargetDesc target;
};
bool loadGenerationPlan(const std::string &dir, GenerationPlan &plan,
                        std::string &error);

struct GenerationStep {
  int64_t token = 0;
  Tensor logits;       ///< [1, vocab]
  Stats stats;         ///< the simulator's, for this run
  double boundSeconds; ///< roofline bound of this run (see Generate.cpp)
};

/// Greedy generation: prefill `prompt`, then `maxNewTokens - 1` decode
/// steps. Bad input (prompt too long, cache overflow, token ids outside the
/// vocabulary) is an error with the numbers.
bool generateOnDevice(const GenerationPlan &plan,
                      const std::vector<int64_t> &prompt, int64_t maxNewTokens,
                      std::vector<GenerationStep> &steps, std::string &error);

struct GenerateRunOptions {
  std::string dir;
  std::vector<int64_t> prompt;
  int64_t maxNewTokens = 32;
  std::string outputDir;
  bool saveLogits = false;
  bool stats = false;
  bool check = false;
  /// The golden evaluator's logits for every step, teacher-forced with the
  /// device's tokens (given by the tool: it needs the importer).
  std::function<bool(const GenerationPlan &, const std::vector<int64_t> &,
                     std::vector<Tensor> &, std::string &)>
      golden;
};
/// tessera-run OUT/ --generate: prints `tokens: ...` (and the stats, the
/// check); returns the exit code.
int runGenerateMain(const GenerateRunOptions &options);

/// Whether `path` is a directory holding generate.json.
bool isGenerationDirectory(const std::string &path);

} // namespace tessera::sim

#endif // TESSERA_SIM_GENERATE_H
