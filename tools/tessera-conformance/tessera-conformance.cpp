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
//===----------------------------------------------------------------------===//

#include "tessera/Eval/Interpreter.h"
#include "tessera/Import/OnnxImporter.h"
#include "tessera/Import/OnnxTensor.h"
#include "tessera/Pipeline/Compile.h"
#include "tessera/Sim/Simulator.h"
#include "tessera/Support/Compare.h"
#include "tessera/Target/Target.h"

#include "Isa/IR/IsaDialect.h"
#include "Npu/IR/NpuDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <fstream>
#include <map>
#include <set>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mlir;
using namespace tessera;
namespace cl = llvm::cl;

static cl::opt<std::string>
    dataDir("data-dir", cl::desc("Directory of ONNX backend node tests"),
            cl::init("/usr/include/onnx/backend/test/data/node"));
static cl::opt<std::string>
    xfailFile("xfail", cl::desc("Expected-failure list (test name + reason)"));
static cl::opt<std::string>
    reportFile("report", cl::desc("Write the per-test table here"));
static cl::opt<std::string> filter("filter",
                                   cl::desc("Only run tests matching a regex"));
static cl::opt<std::string>
    path("path",
         cl::desc("Execution path: golden (the host evaluator), or a target "
                  "(edge, dc, a JSON file): compile each test for it and run "
                  "the program on the simulator"),
         cl::init("golden"));
static cl::opt<std::string> precision("precision",
                                      cl::desc("NPU paths: f32, bf16 or f16"),
                                      cl::init("f32"));
static cl::opt<unsigned> jobs("j", cl::desc("Tests run in parallel"),
                              cl::init(2));
static cl::opt<unsigned> timeoutSeconds("timeout",
                                        cl::desc("Per-test time limit (s)"),
                                        cl::init(60));
static cl::opt<bool> verbose("v", cl::desc("Print every test's result"));

namespace {
struct Outcome {
  bool passed = false;
  std::string detail;
  // NPU paths: instructions on the AI-CPU, and the simulated cycles.
  uint64_t aicpuInstrs = 0;
  double cycles = 0;
};
} // namespace

/// Runs a compiled program on one data set; fills `outputs` in I/O order.
static bool simulate(const bin::Program &prog, const target::TargetDesc &t,
                     const std::map<std::string, Tensor> &inputs,
                     std::vector<Tensor> &outputs, double &cycles,
                     std::string &error) {
  sim::Simulator simulator(t);
  std::map<std::string, Tensor> byName;
  sim::Stats st;
  if (!simulator.run(prog, inputs, byName, st, error))
    return false;
  cycles = st.cycles;
  outputs.clear();
  for (const bin::IoEntry &e : prog.io)
    if (e.isOutput)
      outputs.push_back(byName[e.name]);
  return true;
}

static std::vector<std::string> listSorted(const std::string &dir,
                                           StringRef prefix) {
  std::vector<std::string> names;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with(prefix))
      names.push_back(name.str());
  }
  // input_10 sorts after input_9.
  std::sort(names.begin(), names.end(),
            [](const std::string &a, const std::string &b) {
              return a.size() != b.size() ? a.size() < b.size() : a < b;
            });
  return names;
}

/// Runs one test in the current process.
static Outcome runTest(const std::string &testDir) {
  Outcome out;
  MLIRContext context;
  context.disableMultithreading();
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error) {
      if (!diagnostics.empty())
        diagnostics += " | ";
      diagnostics += d.str();
    }
    return success();
  });
  std::string error;
  std::vector<std::string> onnxInputs;
  if (!listOnnxInputs(testDir + "/model.onnx", onnxInputs, error)) {
    out.detail = "import: " + error;
    return out;
  }
  std::vector<std::string> sets = listSorted(testDir, "test_data_set_");
  if (sets.empty()) {
    out.detail = "no test data sets";
    return out;
  }
  // Reads a data set's inputs by ONNX input name (the .pb's name, or its
  // position among the graph inputs).
  auto readInputs = [&](const std::string &setDir,
                        std::map<std::string, Tensor> &inputs) {
    size_t next = 0;
    for (const std::string &f : listSorted(setDir, "input_")) {
      Tensor t;
      std::string name;
      if (!readTensorProtoFile(setDir + "/" + f, t, name, error))
        return false;
      if (std::find(onnxInputs.begin(), onnxInputs.end(), name) ==
          onnxInputs.end()) {
        if (next >= onnxInputs.size()) {
          error = "more input files than model inputs";
          return false;
        }
        name = onnxInputs[next];
      }
      next = std::find(onnxInputs.begin(), onnxInputs.end(), name) -
             onnxInputs.begin() + 1;
      inputs[name] = std::move(t);
    }
    return true;
  };
  std::map<std::string, Tensor> firstInputs;
  if (!readInputs(testDir + "/" + sets[0], firstInputs)) {
    out.detail = "input: " + error;
    return out;
  }
  // Shape-like inputs (a Slice's starts, a Reshape's shape) are specialized
  // to the first data set's values, as tessera-run does.
  OnnxImportOptions options;
  options.inputValues = firstInputs;
  OwningOpRef<ModuleOp> module =
      importOnnxFile(testDir + "/model.onnx", &context, options);
  if (!module) {
    out.detail = "import: " + diagnostics;
    return out;
  }
  func::FuncOp func = findEntryFunction(*module, error);
  if (!func) {
    out.detail = error;
    return out;
  }
  std::vector<std::string> argNames = getArgumentNames(func);
  std::vector<Type> argTypes(func.getArgumentTypes().begin(),
                             func.getArgumentTypes().end());
  // NPU paths: compile once, run every data set on the simulator.
  bool npu = path != "golden";
  bin::Program prog;
  target::TargetDesc target;
  if (npu) {
    context.loadDialect<npu::NpuDialect, isa::IsaDialect>();
    if (!target::loadTarget(path, target, error)) {
      out.detail = error;
      return out;
    }
    pipeline::PipelineOptions po;
    po.target = path;
    po.precision = precision;
    FailureOr<bin::Program> p = pipeline::compileToProgram(*module, po);
    if (failed(p)) {
      out.detail = "compile: " + diagnostics;
      return out;
    }
    prog = std::move(*p);
    for (const bin::CoreStream &cs : prog.streams)
      for (const bin::Instr &in : cs.instrs)
        if (in.op == bin::Opcode::Cpu)
          ++out.aicpuInstrs;
  }
  for (const std::string &set : sets) {
    std::string setDir = testDir + "/" + set;
    std::vector<std::string> outputFiles = listSorted(setDir, "output_");
    std::map<std::string, Tensor> given;
    if (!readInputs(setDir, given)) {
      out.detail = "input: " + error;
      return out;
    }
    std::vector<Tensor> inputs;
    for (auto [i, name] : llvm::enumerate(argNames)) {
      auto it = given.find(name);
      if (it == given.end()) {
        out.detail = "no data for input '" + name + "'";
        return out;
      }
      Tensor t = it->second;
      // ONNX's test data stores bfloat16 as uint16 bit patterns.
      auto type = cast<RankedTensorType>(argTypes[i]);
      if (type.getElementType().isBF16() && t.dtype() == DType::U16) {
        std::vector<uint8_t> bytes = t.toBytes();
        t = Tensor::fromBytes(DType::BF16, t.shape(), bytes.data(),
                              bytes.size());
      }
      inputs.push_back(std::move(t));
    }
    FailureOr<std::vector<Tensor>> results;
    if (npu) {
      std::map<std::string, Tensor> byName;
      for (auto [name, t] : llvm::zip(argNames, inputs))
        byName[name] = t;
      std::vector<Tensor> outs;
      if (!simulate(prog, target, byName, outs, out.cycles, error)) {
        out.detail = "simulate: " + error;
        return out;
      }
      results = std::move(outs);
    } else {
      results = evaluateFunction(func, inputs);
    }
    if (failed(results)) {
      out.detail = "run: " + diagnostics;
      return out;
    }
    if (results->size() != outputFiles.size()) {
      out.detail = "model has " + std::to_string(results->size()) +
                   " outputs, test data " + std::to_string(outputFiles.size());
      return out;
    }
    for (size_t i = 0; i < outputFiles.size(); ++i) {
      Tensor expected;
      std::string name;
      if (!readTensorProtoFile(setDir + "/" + outputFiles[i], expected, name,
                               error)) {
        out.detail = "output: " + error;
        return out;
      }
      Tensor actual = (*results)[i];
      // The NPU stores int64 as i32, f64 as f32 and bool as u8.
      if (npu && actual.dtype() != expected.dtype() &&
          !(actual.dtype() == DType::BF16 && expected.dtype() == DType::U16))
        actual = actual.castTo(expected.dtype());
      if (actual.dtype() == DType::BF16 && expected.dtype() == DType::U16) {
        std::vector<uint8_t> bytes = actual.toBytes();
        actual = Tensor::fromBytes(DType::U16, actual.shape(), bytes.data(),
                                   bytes.size());
      }
      if (actual.dtype() != expected.dtype()) {
        out.detail = "output " + std::to_string(i) + ": dtype " +
                     dtypeName(actual.dtype()) + ", expected " +
                     dtypeName(expected.dtype());
        return out;
      }
      CompareResult cmp = compareTensors(actual, expected);
      if (!cmp.shapeMatches) {
        out.detail = "output " + std::to_string(i) + ": shape " +
                     shapeToString(actual.shape()) + ", expected " +
                     shapeToString(expected.shape());
        return out;
      }
      if (cmp.mismatches) {
        out.detail = set + " output " + std::to_string(i) + ": " +
                     cmp.summary() + " first at " +
                     std::to_string(cmp.firstMismatch);
        return out;
      }
    }
  }
  out.passed = true;
  return out;
}

/// Reads "name reason..." lines; '#' starts a comment line.
static std::map<std::string, std::string> readXfail(const std::string &file,
                                                    bool &ok) {
  std::map<std::string, std::string> list;
  ok = true;
  if (file.empty())
    return list;
  std::ifstream in(file);
  if (!in) {
    ok = false;
    return list;
  }
  std::string line;
  while (std::getline(in, line)) {
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#')
      continue;
    size_t e = line.find_first_of(" \t", b);
    std::string name = line.substr(b, e == std::string::npos ? e : e - b);
    size_t r = e == std::string::npos ? e : line.find_first_not_of(" \t", e);
    std::string reason = r == std::string::npos ? "" : line.substr(r);
    list[name] = reason;
  }
  return list;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv, "Runs ONNX's backend node tests through Tessera\n");
  if (path != "golden") {
    target::TargetDesc t;
    std::string error;
    if (!target::loadTarget(path, t, error)) {
      llvm::errs() << "tessera-conformance: --path '" << path << "': " << error
                   << " (paths: golden, edge, dc, or a "
                   << "target JSON file)\n";
      return 2;
    }
  }
  bool ok;
  std::map<std::string, std::string> xfail = readXfail(xfailFile, ok);
  if (!ok) {
    llvm::errs() << "tessera-conformance: cannot read '" << xfailFile << "'\n";
    return 2;
  }
  for (auto &[name, reason] : xfail)
    if (reason.empty()) {
      llvm::errs() << "tessera-conformance: " << xfailFile << ": '" << name
                   << "' has no reason\n";
      return 2;
    }
  llvm::Regex re(filter.empty() ? ".*" : filter.getValue());
  std::vector<std::string> tests;
  for (const std::string &t : listSorted(dataDir, "test_"))
    if (re.match(t))
      tests.push_back(t);
  if (tests.empty()) {
    llvm::errs() << "tessera-conformance: no tests in '" << dataDir << "'\n";
    return 2;
  }

  // Run each test in a child process; results come back through a pipe.
  std::map<std::string, Outcome> outcomes;
  struct Running {
    pid_t pid;
    int fd;
    std::string name;
  };
  std::vector<Running> running;
  size_t next = 0;
  while (next < tests.size() || !running.empty()) {
    while (next < tests.size() &&
           running.size() < std::max(1u, (unsigned)jobs)) {
      int fds[2];
      if (pipe(fds) != 0) {
        llvm::errs() << "tessera-conformance: pipe failed\n";
        return 2;
      }
      std::string name = tests[next++];
      pid_t pid = fork();
      if (pid == 0) {
        close(fds[0]);
        alarm(timeoutSeconds);
        Outcome o = runTest(dataDir + "/" + name);
        std::string text = (o.passed ? "P" : "F") +
                           std::to_string(o.aicpuInstrs) + " " +
                           std::to_string(o.cycles) + " " + o.detail;
        if (text.size() > 2000)
          text.resize(2000);
        (void)!write(fds[1], text.data(), text.size());
        close(fds[1]);
        _exit(0);
      }
      close(fds[1]);
      running.push_back({pid, fds[0], name});
    }
    // Wait for any child, then collect the finished one.
    int status;
    pid_t done = waitpid(-1, &status, WNOHANG);
    if (done <= 0) {
      usleep(2000);
      continue;
    }
    for (size_t i = 0; i < running.size(); ++i)
      if (running[i].pid == done) {
        // Re-wrap so collect() reads the pipe; the child is already reaped.
        Running r = running[i];
        running.erase(running.begin() + i);
        std::string text;
        char buf[4096];
        ssize_t n;
        while ((n = read(r.fd, buf, sizeof buf)) > 0)
          text.append(buf, n);
        close(r.fd);
        Outcome o;
        if (WIFSIGNALED(status))
          o.detail =
              WTERMSIG(status) == SIGALRM
                  ? "timed out after " + std::to_string(timeoutSeconds) + " s"
                  : "crashed with signal " + std::to_string(WTERMSIG(status));
        else if (!text.empty()) {
          o.passed = text[0] == 'P';
          size_t a = text.find(' '), b = text.find(' ', a + 1);
          o.aicpuInstrs = std::strtoull(text.c_str() + 1, nullptr, 10);
          o.cycles = std::strtod(text.c_str() + a + 1, nullptr);
          o.detail = b == std::string::npos ? "" : text.substr(b + 1);
        } else
          o.detail = "child exited without a result";
        outcomes[r.name] = o;
        if (verbose)
          llvm::errs() << (o.passed ? "PASS " : "FAIL ") << r.name
                       << (o.detail.empty() ? "" : ": " + o.detail) << "\n";
        break;
      }
  }

  int passed = 0, failed = 0, expected = 0, unexpectedPass = 0;
  int passedOnEngines = 0, passedWithAiCpu = 0;
  std::string table = "test\tresult\taicpu_instrs\tcycles\tdetail\n";
  for (const std::string &t : tests) {
    const Outcome &o = outcomes[t];
    bool listed = xfail.count(t);
    std::string result;
    if (o.passed && !listed) {
      result = "PASS";
      ++passed;
      (o.aicpuInstrs ? passedWithAiCpu : passedOnEngines)++;
    } else if (o.passed && listed) {
      result = "XPASS";
      ++failed;
      ++unexpectedPass;
      llvm::errs()
          << "XPASS " << t
          << ": passes but is on the expected-failure list; remove it\n";
    } else if (listed) {
      result = "XFAIL";
      ++expected;
    } else {
      result = "FAIL";
      ++failed;
      llvm::errs() << "FAIL " << t << ": " << o.detail << "\n";
    }
    std::string detail = o.detail;
    std::replace(detail.begin(), detail.end(), '\n', ' ');
    std::replace(detail.begin(), detail.end(), '\t', ' ');
    table += t + "\t" + result + "\t" + std::to_string(o.aicpuInstrs) + "\t" +
             std::to_string((uint64_t)o.cycles) + "\t" +
             (listed && !o.passed ? xfail[t] + " [" + detail + "]" : detail) +
             "\n";
  }
  // Names on the list that match no test are stale too.
  int stale = 0;
  if (filter.empty())
    for (auto &[name, reason] : xfail)
      if (!outcomes.count(name)) {
        llvm::errs() << "STALE " << name
                     << ": on the expected-failure list but not a test\n";
        ++stale;
      }
  if (!reportFile.empty()) {
    std::ofstream report(reportFile);
    report << table;
  }
  llvm::outs() << "path " << path << ": " << tests.size() << " tests, "
               << expected << " expected failures (listed with reasons in "
               << (xfailFile.empty() ? "<none>" : xfailFile.getValue()) << "), "
               << unexpectedPass << " unexpected passes, " << stale
               << " stale list entries\n";
  if (path != "golden")
    llvm::outs() << "passed wholly on the tensor engines: " << passedOnEngines
                 << "; passed using the AI-CPU: " << passedWithAiCpu << "\n";
  llvm::outs() << passed << " passed, " << failed + stale << " failed, "
               << expected << " skipped\n";
  return failed + stale ? 1 : 0;
}
