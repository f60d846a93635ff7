//===- tessera-conformance.cpp - ONNX backend node tests ------------------===//
//
// Runs ONNX's own backend node tests (model.onnx + test_data_set_*/*.pb):
// import, run, compare every output with the expected one at ONNX's
// tolerances (rtol 1e-3, atol 1e-7). Each test runs in a forked child with a
// time limit, so a crash or hang is one failed test, not a lost run.
//
// An expected-failure list (one "test_name  reason" per line) keeps the
// count honest: a listed test that passes is an error until it is removed.
// Prints a per-test table (--report) and one closing line
// "N passed, N failed, N skipped" where "skipped" counts the listed
// expected failures.
//
// A thin main over tessera/Check/Conformance.h.
//
//===----------------------------------------------------------------------===//

#include "tessera/Check/Conformance.h"
#include "tessera/Target/Target.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <fstream>

using namespace tessera;
namespace cl = llvm::cl;

static cl::OptionCategory category("tessera-conformance options");

static cl::opt<std::string>
    dataDir("data-dir", cl::desc("Directory of ONNX backend node tests"),
            cl::init("/usr/include/onnx/backend/test/data/node"),
            cl::cat(category));
static cl::opt<std::string>
    xfailFile("xfail", cl::desc("Expected-failure list (test name + reason)"),
              cl::cat(category));
static cl::opt<std::string>
    reportFile("report", cl::desc("Write the per-test table here"),
               cl::cat(category));
static cl::opt<std::string> filter("filter",
                                   cl::desc("Only run tests matching a regex"),
                                   cl::cat(category));
static cl::opt<std::string>
    path("path",
         cl::desc("Execution path: golden (the host evaluator), or a target "
                  "(edge, dc, a JSON file): compile each test for it and run "
                  "the program on the simulator"),
         cl::init("golden"), cl::cat(category));
static cl::opt<std::string> precision("precision",
                                      cl::desc("NPU paths: f32, bf16 or f16"),
                                      cl::init("f32"), cl::cat(category));
static cl::opt<unsigned> jobs("j", cl::desc("Tests run in parallel"),
                              cl::init(2), cl::cat(category));
static cl::opt<unsigned> timeoutSeconds("timeout",
                                        cl::desc("Per-test time limit (s)"),
                                        cl::init(60), cl::cat(category));
static cl::opt<bool> verbose("v", cl::desc("Print every test's result"),
                             cl::cat(category));

static int usageError(const llvm::Twine &message) {
  llvm::errs() << "tessera-conformance: " << message << "\n";
  return 2;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // libLLVM registers hundreds of backend options (they still parse);
  // --help lists this tool's.
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv, "Runs ONNX's backend node tests through Tessera\n");
  std::string error;
  if (path != "golden") {
    target::TargetDesc t;
    if (!target::loadTarget(path, t, error))
      return usageError("--path '" + path + "': " + error +
                        " (paths: golden, edge, dc, or a target JSON file)");
  }
  std::map<std::string, std::string> xfail;
  if (!check::readExpectedFailures(xfailFile, xfail, error))
    return usageError(error);
  llvm::Regex re(filter.empty() ? ".*" : filter.getValue());
  std::vector<std::string> tests;
  for (const std::string &t : check::listConformanceEntries(dataDir, "test_"))
    if (re.match(t))
      tests.push_back(t);
  if (tests.empty())
    return usageError("no tests in '" + dataDir + "'");

  check::ConformanceOptions options;
  options.path = path;
  options.precision = precision;
  std::map<std::string, check::ConformanceOutcome> outcomes;
  if (!check::runConformanceTests(
          dataDir, tests, options, jobs, timeoutSeconds, outcomes, error,
          [](const std::string &name, const check::ConformanceOutcome &o) {
            if (verbose)
              llvm::errs() << (o.passed ? "PASS " : "FAIL ") << name
                           << (o.detail.empty() ? "" : ": " + o.detail) << "\n";
          }))
    return usageError(error);

  check::ConformanceSummary s =
      check::summarizeConformance(tests, outcomes, xfail, filter.empty());
  for (const std::string &m : s.messages)
    llvm::errs() << m << "\n";
  if (!reportFile.empty()) {
    std::ofstream report(reportFile);
    report << s.table;
  }
  llvm::outs() << "path " << path << ": " << tests.size() << " tests, "
               << s.expectedFailures
               << " expected failures (listed with reasons in "
               << (xfailFile.empty() ? "<none>" : xfailFile.getValue()) << "), "
               << s.unexpectedPasses << " unexpected passes, " << s.stale
               << " stale list entries\n";
  if (path != "golden")
    llvm::outs() << "passed wholly on the tensor engines: " << s.passedOnEngines
                 << "; passed using the AI-CPU: " << s.passedWithAiCpu << "\n";
  llvm::outs() << s.passed << " passed, " << s.failed + s.stale << " failed, "
               << s.expectedFailures << " skipped\n";
  return s.ok() ? 0 : 1;
}
