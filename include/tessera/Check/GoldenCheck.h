//===- GoldenCheck.h - A program on the simulator vs the golden model ----===//
//
// `tessera-run --check` as a library: run a compiled program on the
// simulator and its source graph in the golden evaluator on the same inputs
// and compare every output (and, with probes, every intermediate result,
// naming the first ONNX node that diverges).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CHECK_GOLDENCHECK_H
#define TESSERA_CHECK_GOLDENCHECK_H

#include "tessera/Binary/Program.h"
#include "tessera/Sim/Simulator.h"
#include "tessera/Support/Compare.h"
#include "tessera/Support/Tensor.h"
#include "tessera/Target/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <vector>

namespace tessera::check {

/// Deterministic pseudo-random values for an input nobody gave: floats in
/// [-1, 1), integers in [0, 4).
Tensor randomInput(DType dtype, const Shape &shape, uint64_t seed);

/// Does the program compute in a 16-bit float anywhere? Such programs are
/// held to cosine >= 0.999 instead of elementwise tolerances.
bool usesLowPrecision(const bin::Program &prog);

struct OutputCheck {
  std::string name;
  CompareResult result;
  bool passed = false;
};

struct CheckReport {
  bool lowPrecision = false;
  std::vector<OutputCheck> outputs;
  /// Probe comparison (checkAll): how many probes the program exports, how
  /// many had a golden counterpart, and the first node that diverged.
  bool checkedProbes = false;
  int probes = 0, probesCompared = 0, probesSkipped = 0;
  std::string divergentNode;
  unsigned divergentResult = 0;
  CompareResult divergence;
  sim::Stats stats;
  /// The per-node profile of the simulation (CheckOptions::profile).
  sim::Profile profile;
  /// The simulated outputs by name and the golden ones in result order.
  std::map<std::string, Tensor> simOutputs;
  std::vector<Tensor> goldenOutputs;

  bool passed() const;
  /// One PASS/FAIL line per output, then the probe summary.
  void printComparisons(llvm::raw_ostream &os) const;
  /// "check passed (...)" or "check FAILED (...)".
  void printVerdict(llvm::raw_ostream &os) const;
};

struct CheckOptions {
  /// Also compare every probe (programs compiled with probes).
  bool checkAll = false;
  /// Start the simulation with inputs resident in L2.
  bool warmL2 = false;
  /// Instruction budget (SimOptions::maxInstructions); 0: the default.
  uint64_t maxInstructions = 0;
  /// Work budget (SimOptions::maxWork); 0: the default.
  uint64_t maxWork = 0;
  /// SimOptions::hostThreads.
  unsigned hostThreads = 0;
  /// Also profile the simulation (CheckReport::profile).
  bool profile = false;
};

/// Runs `prog` (verified against `target`) on the simulator and `source`
/// (its graph function) in the golden evaluator, on `given` inputs by name;
/// inputs not given get randomInput() values. Returns false with `error` set
/// on a usage or simulation error; evaluator errors are MLIR diagnostics
/// (then `error` stays empty).
bool checkProgram(const bin::Program &prog, const target::TargetDesc &target,
                  mlir::func::FuncOp source,
                  const std::map<std::string, Tensor> &given,
                  const CheckOptions &options, CheckReport &report,
                  std::string &error);

} // namespace tessera::check

#endif
