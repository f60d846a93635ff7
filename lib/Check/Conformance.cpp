//===- Conformance.cpp - ONNX backend node tests through Tessera ----------===//
//
// What tessera-conformance runs (tessera/Check/Conformance.h): one test in
// this process, many tests in forked children with a time limit, and the
// summary against an expected-failure list.
//
//===----------------------------------------------------------------------===//

#include "tessera/Check/Conformance.h"

#include "tessera/Eval/Interpreter.h"
#include "tessera/Import/OnnxImporter.h"
#include "tessera/Import/OnnxSequence.h"
#include "tessera/Import/OnnxTensor.h"
#include "tessera/Pipeline/Compile.h"
#include "tessera/Sim/Simulator.h"
#include "tessera/Support/Compare.h"
#include "tessera/Target/Target.h"

#include "Graph/IR/GraphDialect.h"
#include "Isa/IR/IsaDialect.h"
#include "Npu/IR/NpuDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mlir;

namespace tessera::check {

std::vector<std::string> listConformanceEntries(const std::string &dir,
                                                const std::string &prefix) {
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

ConformanceOutcome runConformanceTest(const std::string &testDir,
                                      const ConformanceOptions &opts) {
  ConformanceOutcome out;
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
  // Sequence and optional inputs: their .pb files hold SequenceProto or
  // OptionalProto, which the model's input types tell apart.
  std::map<std::string, OnnxAggregateValue::Kind> aggregateKinds;
  if (!listOnnxAggregateInputs(testDir + "/model.onnx", aggregateKinds,
                               error)) {
    out.detail = "import: " + error;
    return out;
  }
  std::vector<std::string> sets =
      listConformanceEntries(testDir, "test_data_set_");
  if (sets.empty()) {
    out.detail = "no test data sets";
    return out;
  }
  // Reads a data set's inputs by ONNX input name (the .pb's name, or its
  // position among the graph inputs).
  auto readInputs = [&](const std::string &setDir,
                        std::map<std::string, Tensor> &inputs,
                        std::map<std::string, OnnxAggregateValue> &aggregates) {
    size_t next = 0;
    for (const std::string &f : listConformanceEntries(setDir, "input_")) {
      Tensor t;
      std::string name;
      // The file's input, by position, says which proto it holds.
      auto kind = next < onnxInputs.size()
                      ? aggregateKinds.find(onnxInputs[next])
                      : aggregateKinds.end();
      if (kind != aggregateKinds.end()) {
        OnnxAggregateValue value;
        if (!readAggregateProtoFile(setDir + "/" + f, kind->second, value, name,
                                    error))
          return false;
        aggregates[onnxInputs[next]] = std::move(value);
        ++next;
        continue;
      }
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
  std::map<std::string, OnnxAggregateValue> firstAggregates;
  if (!readInputs(testDir + "/" + sets[0], firstInputs, firstAggregates)) {
    out.detail = "input: " + error;
    return out;
  }
  // Shape-like inputs (a Slice's starts, a Reshape's shape) are specialized
  // to the first data set's values, as tessera-run does.
  OnnxImportOptions options;
  options.inputValues = firstInputs;
  options.aggregateInputs = firstAggregates;
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
  // Compiling for the NPU rewrites the function: keep its result types.
  std::vector<Type> resultTypes(func.getResultTypes().begin(),
                                func.getResultTypes().end());
  // NPU paths: compile once, run every data set on the simulator.
  bool npu = opts.path != "golden";
  bin::Program prog;
  target::TargetDesc target;
  if (npu) {
    context.loadDialect<npu::NpuDialect, isa::IsaDialect>();
    if (!target::loadTarget(opts.path, target, error)) {
      out.detail = error;
      return out;
    }
    pipeline::PipelineOptions po;
    po.target = opts.path;
    po.precision = opts.precision;
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
    std::vector<std::string> outputFiles =
        listConformanceEntries(setDir, "output_");
    std::map<std::string, Tensor> given;
    std::map<std::string, OnnxAggregateValue> givenAggregates;
    if (!readInputs(setDir, given, givenAggregates)) {
      out.detail = "input: " + error;
      return out;
    }
    std::vector<Tensor> inputs;
    for (auto [i, name] : llvm::enumerate(argNames)) {
      // A sequence or optional passes its tensors (Interpreter.h).
      if (auto agg = givenAggregates.find(name);
          agg != givenAggregates.end() && graph::isAggregateType(argTypes[i])) {
        inputs.insert(inputs.end(), agg->second.tensors.begin(),
                      agg->second.tensors.end());
        continue;
      }
      auto it = given.find(name);
      if (it == given.end()) {
        out.detail = "no data for input '" + name + "'";
        return out;
      }
      Tensor t = it->second;
      // ONNX's test data stores bfloat16 as uint16 bit patterns.
      auto type = dyn_cast<RankedTensorType>(argTypes[i]);
      if (type && type.getElementType().isBF16() && t.dtype() == DType::U16) {
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
    if (resultTypes.size() != outputFiles.size()) {
      out.detail = "model has " + std::to_string(resultTypes.size()) +
                   " outputs, test data " + std::to_string(outputFiles.size());
      return out;
    }
    // Expected outputs, sequences and optionals flattened as the results
    // are.
    std::vector<Tensor> expectedOutputs;
    for (size_t i = 0; i < outputFiles.size(); ++i) {
      Type type = resultTypes[i];
      std::string name;
      std::string path = setDir + "/" + outputFiles[i];
      if (graph::isAggregateType(type)) {
        OnnxAggregateValue value;
        if (!readAggregateProtoFile(path,
                                    llvm::isa<graph::SequenceType>(type)
                                        ? OnnxAggregateValue::Kind::Sequence
                                        : OnnxAggregateValue::Kind::Optional,
                                    value, name, error)) {
          out.detail = "output: " + error;
          return out;
        }
        expectedOutputs.insert(expectedOutputs.end(), value.tensors.begin(),
                               value.tensors.end());
        continue;
      }
      Tensor expected;
      if (!readTensorProtoFile(path, expected, name, error)) {
        out.detail = "output: " + error;
        return out;
      }
      expectedOutputs.push_back(std::move(expected));
    }
    if (results->size() != expectedOutputs.size()) {
      out.detail = "the outputs hold " + std::to_string(results->size()) +
                   " tensors, the test data " +
                   std::to_string(expectedOutputs.size());
      return out;
    }
    for (size_t i = 0; i < expectedOutputs.size(); ++i) {
      const Tensor &expected = expectedOutputs[i];
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

bool runConformanceTests(
    const std::string &dataDir, const std::vector<std::string> &tests,
    const ConformanceOptions &options, unsigned jobs, unsigned timeoutSeconds,
    std::map<std::string, ConformanceOutcome> &outcomes, std::string &error,
    const std::function<void(const std::string &, const ConformanceOutcome &)>
        &onDone) {
  // Each test runs in a child process; its result comes back through a
  // pipe as "P|F<aicpu instrs> <cycles> <detail>".
  struct Running {
    pid_t pid;
    int fd;
    std::string name;
  };
  std::vector<Running> running;
  size_t next = 0;
  while (next < tests.size() || !running.empty()) {
    while (next < tests.size() && running.size() < std::max(1u, jobs)) {
      int fds[2];
      if (pipe(fds) != 0) {
        error = "pipe failed";
        return false;
      }
      std::string name = tests[next++];
      pid_t pid = fork();
      if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        error = "fork failed";
        return false;
      }
      if (pid == 0) {
        close(fds[0]);
        alarm(timeoutSeconds);
        ConformanceOutcome o =
            runConformanceTest(dataDir + "/" + name, options);
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
    for (size_t i = 0; i < running.size(); ++i) {
      if (running[i].pid != done)
        continue;
      Running r = running[i];
      running.erase(running.begin() + i);
      std::string text;
      char buf[4096];
      ssize_t n;
      while ((n = read(r.fd, buf, sizeof buf)) > 0)
        text.append(buf, n);
      close(r.fd);
      ConformanceOutcome o;
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
      if (onDone)
        onDone(r.name, o);
      break;
    }
  }
  return true;
}

bool readExpectedFailures(const std::string &file,
                          std::map<std::string, std::string> &list,
                          std::string &error) {
  list.clear();
  if (file.empty())
    return true;
  std::ifstream in(file);
  if (!in) {
    error = "cannot read '" + file + "'";
    return false;
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
    if (reason.empty()) {
      error = file + ": '" + name + "' has no reason";
      return false;
    }
    list[name] = reason;
  }
  return true;
}

ConformanceSummary
summarizeConformance(const std::vector<std::string> &tests,
                     const std::map<std::string, ConformanceOutcome> &outcomes,
                     const std::map<std::string, std::string> &expected,
                     bool allTestsRan) {
  ConformanceSummary s;
  s.table = "test\tresult\taicpu_instrs\tcycles\tdetail\n";
  for (const std::string &t : tests) {
    auto found = outcomes.find(t);
    ConformanceOutcome o =
        found != outcomes.end() ? found->second : ConformanceOutcome();
    auto listed = expected.find(t);
    bool isListed = listed != expected.end();
    std::string result;
    if (o.passed && !isListed) {
      result = "PASS";
      ++s.passed;
      (o.aicpuInstrs ? s.passedWithAiCpu : s.passedOnEngines)++;
    } else if (o.passed && isListed) {
      result = "XPASS";
      ++s.failed;
      ++s.unexpectedPasses;
      s.messages.push_back(
          "XPASS " + t +
          ": passes but is on the expected-failure list; remove it");
    } else if (isListed) {
      result = "XFAIL";
      ++s.expectedFailures;
    } else {
      result = "FAIL";
      ++s.failed;
      s.messages.push_back("FAIL " + t + ": " + o.detail);
    }
    std::string detail = o.detail;
    std::replace(detail.begin(), detail.end(), '\n', ' ');
    std::replace(detail.begin(), detail.end(), '\t', ' ');
    s.table += t + "\t" + result + "\t" + std::to_string(o.aicpuInstrs) + "\t" +
               std::to_string((uint64_t)o.cycles) + "\t" +
               (isListed && !o.passed ? listed->second + " [" + detail + "]"
                                      : detail) +
               "\n";
  }
  // Names on the list that match no test are stale too.
  if (allTestsRan)
    for (const auto &[name, reason] : expected)
      if (!outcomes.count(name)) {
        s.messages.push_back("STALE " + name +
                             ": on the expected-failure list but not a test");
        ++s.stale;
      }
  return s;
}

} // namespace tessera::check
