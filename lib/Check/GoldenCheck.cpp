//===- GoldenCheck.cpp - A program on the simulator vs the golden model ---===//
#include "tessera/Check/GoldenCheck.h"

#include "tessera/Eval/Interpreter.h"

#include "Graph/IR/GraphDialect.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace tessera::check {

Tensor randomInput(DType dtype, const Shape &shape, uint64_t seed) {
  Tensor t(dtype, shape);
  uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    double u = (double)(x >> 11) / (double)(1ULL << 53);
    if (isFloatDType(dtype))
      t.setD(i, 2 * u - 1);
    else
      t.setI(i, (int64_t)(u * 4));
  }
  return t;
}

bool usesLowPrecision(const bin::Program &prog) {
  for (const bin::CoreStream &cs : prog.streams)
    for (const bin::Instr &in : cs.instrs)
      for (unsigned k = 0; k < in.info().numTiles; ++k)
        if (in.tiles[k].dtype == DType::BF16 || in.tiles[k].dtype == DType::F16)
          return true;
  return false;
}

bool CheckReport::passed() const {
  for (const OutputCheck &o : outputs)
    if (!o.passed)
      return false;
  return divergentNode.empty();
}

void CheckReport::printComparisons(llvm::raw_ostream &os) const {
  for (const OutputCheck &o : outputs)
    os << (o.passed ? "PASS " : "FAIL ") << o.name << ": " << o.result.summary()
       << "\n";
  if (!checkedProbes)
    return;
  if (!divergentNode.empty())
    os << "first divergence at ONNX node '" << divergentNode << "' (result "
       << divergentResult << "): " << divergence.summary() << "\n";
  if (probes == 0)
    os << "no probes in the program (compile with --probes)\n";
  else
    os << "probes: " << probesCompared << " compared, " << probesSkipped
       << " without a golden counterpart"
       << (divergentNode.empty() ? ", all match" : "") << "\n";
}

void CheckReport::printVerdict(llvm::raw_ostream &os) const {
  os << (passed() ? "check passed" : "check FAILED") << " ("
     << (lowPrecision ? "cosine >= 0.999" : "|err| <= 1e-3 + 1e-3 * |golden|")
     << ")\n";
}

/// The ONNX node an op came from: the name in its (possibly fused) location.
static std::optional<std::string> nodeName(Operation *op) {
  Location loc = op->getLoc();
  if (auto f = dyn_cast<FusedLoc>(loc))
    for (Location l : f.getLocations())
      if (isa<NameLoc>(l))
        loc = l;
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  return std::nullopt;
}

bool checkProgram(const bin::Program &prog, const target::TargetDesc &target,
                  func::FuncOp source,
                  const std::map<std::string, Tensor> &given,
                  const CheckOptions &options, CheckReport &report,
                  std::string &error) {
  // Inputs: given ones by name, the rest seeded random in the model dtype.
  std::vector<std::string> argNames = getArgumentNames(source);
  std::vector<Tensor> goldenInputs;
  std::map<std::string, Tensor> simInputs;
  for (auto [i, name] : llvm::enumerate(argNames)) {
    auto type = dyn_cast<RankedTensorType>(source.getArgument(i).getType());
    if (!type) {
      error = "input '" + name +
              "' is a sequence or optional; --check takes tensor inputs only";
      return false;
    }
    auto dt = graph::toDType(type.getElementType());
    if (!dt) {
      error = "input '" + name + "' has an unsupported element type";
      return false;
    }
    auto it = given.find(name);
    Tensor x =
        it != given.end()
            ? it->second
            : randomInput(*dt,
                          Shape(type.getShape().begin(), type.getShape().end()),
                          i + 1);
    goldenInputs.push_back(x);
    simInputs[name] = x;
  }
  // With checkAll, every op's result by ONNX node name (the last op of a
  // node: the one the node's kernel computes).
  std::map<std::string, std::vector<Tensor>> byNode;
  OpResultCallback record = nullptr;
  if (options.checkAll)
    record = [&](Operation *op, ArrayRef<Tensor> results) {
      if (std::optional<std::string> node = nodeName(op))
        byNode[*node] = std::vector<Tensor>(results.begin(), results.end());
    };
  FailureOr<std::vector<Tensor>> golden =
      evaluateFunction(source, goldenInputs, record);
  if (failed(golden))
    return false;
  report.goldenOutputs = *golden;

  sim::SimOptions so;
  so.warmL2 = options.warmL2;
  if (options.maxInstructions)
    so.maxInstructions = options.maxInstructions;
  if (options.maxWork)
    so.maxWork = options.maxWork;
  so.profile = options.profile;
  so.hostThreads = options.hostThreads;
  sim::Simulator simulator(target, so);
  std::map<std::string, Tensor> &outputs = report.simOutputs;
  if (!simulator.run(prog, simInputs, outputs, report.stats, error))
    return false;
  if (options.profile)
    report.profile = simulator.profile();

  // f32 programs are held to max abs error 1e-3 (and ONNX's rtol);
  // programs with 16-bit floats inside to cosine >= 0.999.
  report.lowPrecision = usesLowPrecision(prog);
  std::vector<std::string> resultNames = getResultNames(source);
  for (auto [name, expected] : llvm::zip(resultNames, *golden)) {
    auto it = outputs.find(name);
    if (it == outputs.end()) {
      error = "the program has no output '" + name + "'";
      return false;
    }
    Tensor actual = it->second.castTo(expected.dtype());
    OutputCheck c;
    c.name = name;
    c.result = compareTensors(actual, expected, 1e-3, 1e-3);
    c.passed = report.lowPrecision
                   ? c.result.cosine >= 0.999 && c.result.shapeMatches
                   : c.result.mismatches == 0 && c.result.shapeMatches;
    report.outputs.push_back(std::move(c));
  }
  if (!options.checkAll)
    return true;
  // Probes in program order; the first that diverges names its node.
  report.checkedProbes = true;
  for (const bin::IoEntry &e : prog.io) {
    StringRef name(e.name);
    if (!e.isOutput || !name.consume_front("probe:"))
      continue;
    ++report.probes;
    auto hash = name.rfind('#');
    std::string node = name.substr(0, hash).str();
    unsigned idx = 0;
    name.substr(hash + 1).getAsInteger(10, idx);
    auto it = byNode.find(node);
    auto out = outputs.find(e.name);
    if (it == byNode.end() || idx >= it->second.size() ||
        out == outputs.end() ||
        it->second[idx].numElements() != out->second.numElements()) {
      ++report.probesSkipped; // no golden counterpart (folded or decomposed)
      continue;
    }
    const Tensor &expected = it->second[idx];
    Tensor actual =
        out->second.castTo(expected.dtype()).reshaped(expected.shape());
    CompareResult r = compareTensors(actual, expected, 1e-3, 1e-3);
    ++report.probesCompared;
    bool pass = report.lowPrecision ? r.cosine >= 0.999 : r.mismatches == 0;
    if (!pass && report.divergentNode.empty()) {
      report.divergentNode = node;
      report.divergentResult = idx;
      report.divergence = r;
    }
  }
  return true;
}

} // namespace tessera::check
