//===- Conformance.h - ONNX backend node tests through Tessera --*- C++ -*-===//
//
// `tessera-conformance` as a library: run one of ONNX's backend node tests
// (model.onnx + test_data_set_*/{input,output}_*.pb) on an execution path
// (the golden evaluator, or a target: compile, then simulate), run many of
// them each in a forked child with a time limit, and summarize the outcomes
// against an expected-failure list. See docs/conformance.md.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CHECK_CONFORMANCE_H
#define TESSERA_CHECK_CONFORMANCE_H

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tessera::check {

struct ConformanceOptions {
  /// "golden" (the host evaluator), or a target (edge, dc, a JSON file):
  /// compile each test for it and run the program on the simulator.
  std::string path = "golden";
  /// NPU paths: f32, bf16 or f16.
  std::string precision = "f32";
};

struct ConformanceOutcome {
  bool passed = false;
  /// Why it failed (the first difference or error), or "".
  std::string detail;
  /// NPU paths: instructions on the AI-CPU, and the simulated cycles.
  uint64_t aicpuInstrs = 0;
  double cycles = 0;
};

/// Runs the test in `testDir` in this process: imports model.onnx
/// (specializing shape-like inputs to the first data set's values), runs
/// every data set on the path and compares every output at ONNX's
/// tolerances (rtol 1e-3, atol 1e-7).
ConformanceOutcome runConformanceTest(const std::string &testDir,
                                      const ConformanceOptions &options);

/// Runs `tests` (names of directories under `dataDir`), each in a forked
/// child with `timeoutSeconds`, at most `jobs` at a time; a crash or a hang
/// is that test's failure. `onDone` (optional) sees each outcome as it
/// arrives. Returns false with `error` when a child cannot be started.
bool runConformanceTests(
    const std::string &dataDir, const std::vector<std::string> &tests,
    const ConformanceOptions &options, unsigned jobs, unsigned timeoutSeconds,
    std::map<std::string, ConformanceOutcome> &outcomes, std::string &error,
    const std::function<void(const std::string &, const ConformanceOutcome &)>
        &onDone = nullptr);

/// The entries of `dir` whose names start with `prefix`, in natural order
/// (input_10 after input_9).
std::vector<std::string> listConformanceEntries(const std::string &dir,
                                                const std::string &prefix);

/// Reads an expected-failure list: "test_name  reason" per line, '#'
/// comments. A line without a reason is an error (naming the test).
bool readExpectedFailures(const std::string &file,
                          std::map<std::string, std::string> &list,
                          std::string &error);

struct ConformanceSummary {
  int passed = 0, failed = 0, expectedFailures = 0, unexpectedPasses = 0;
  /// List entries that match no test (only counted when every test ran).
  int stale = 0;
  int passedOnEngines = 0, passedWithAiCpu = 0;
  /// "test\tresult\taicpu_instrs\tcycles\tdetail" lines, one per test.
  std::string table;
  /// One line per FAIL, XPASS and STALE entry, for stderr.
  std::vector<std::string> messages;
  /// Failures, unexpected passes and stale entries all fail the run.
  bool ok() const { return failed == 0 && stale == 0; }
};

/// Classifies every test (PASS, FAIL, XFAIL, XPASS) against the list.
ConformanceSummary
summarizeConformance(const std::vector<std::string> &tests,
                     const std::map<std::string, ConformanceOutcome> &outcomes,
                     const std::map<std::string, std::string> &expected,
                     bool allTestsRan);

} // namespace tessera::check

#endif // TESSERA_CHECK_CONFORMANCE_H
