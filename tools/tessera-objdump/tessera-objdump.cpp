//===- tessera-objdump.cpp - Disassembles a .npu program ------------------===//
//
//   tessera-objdump prog.npu [-o out.mlir] [--target NAME|FILE] [--summary]
//
// Prints the program as isa-dialect assembly; tessera-as reads it back to the
// same bytes. Instructions with a debug-map entry carry it as loc("name").
// --summary prints instead where the static instructions are: per body of
// code (a stream's own code, which other streams may share), how many
// instructions each kernel (debug location) holds.
//
//===----------------------------------------------------------------------===//
#include "Isa/IR/IsaConversion.h"
#include "tessera/Support/BoundedInputFile.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("tessera-objdump options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .npu>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> outputFile("o", cl::desc("output file"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(category));
static cl::opt<std::string>
    targetName("target",
               cl::desc("target preset or JSON (default: the one the program "
                        "names)"),
               cl::init(""), cl::cat(category));

static cl::opt<bool>
    summary("summary",
            cl::desc("print the static instructions per body of code and "
                     "per kernel (debug location) instead of the assembly"),
            cl::init(false), cl::cat(category));

/// Instructions without a debug entry (flags, loop control, launch-argument
/// loads) count toward the kernel before them: sync insertion and loop
/// folding put them beside that kernel's instructions.
static void printSummary(const tessera::bin::Program &p,
                         const tessera::target::TargetDesc &t,
                         llvm::raw_ostream &os) {
  std::vector<std::vector<const std::string *>> locOf(p.streams.size());
  for (size_t s = 0; s < p.streams.size(); ++s)
    locOf[s].assign(p.streams[s].instrs.size(), nullptr);
  for (const tessera::bin::DebugEntry &d : p.debug)
    if (d.stream < locOf.size() && d.instr < locOf[d.stream].size())
      locOf[d.stream][d.instr] = &d.loc;
  std::vector<uint32_t> sharers(p.streams.size(), 0);
  for (const tessera::bin::CoreStream &cs : p.streams)
    if (cs.shares != tessera::bin::kOwnCode && cs.shares < sharers.size())
      ++sharers[cs.shares];
  auto typeName = [&](uint32_t type) -> std::string {
    if (type == tessera::bin::kAiCpuCoreType)
      return "aicpu";
    return type < t.coreTypes.size() ? t.coreTypes[type].name
                                     : "type " + std::to_string(type);
  };
  uint64_t total = 0;
  for (size_t s = 0; s < p.streams.size(); ++s) {
    const tessera::bin::CoreStream &cs = p.streams[s];
    if (cs.shares != tessera::bin::kOwnCode)
      continue;
    total += cs.instrs.size();
    os << typeName(cs.coreType) << " " << cs.coreIndex << ": "
       << cs.instrs.size() << " instructions";
    if (sharers[s])
      os << ", run by " << sharers[s] + 1 << " cores";
    os << "\n";
    // Locations in order of first appearance.
    std::vector<std::pair<std::string, uint64_t>> rows;
    llvm::StringMap<size_t> rowOf;
    std::string current = "(before any kernel)";
    for (size_t i = 0; i < cs.instrs.size(); ++i) {
      if (locOf[s][i])
        current = *locOf[s][i];
      auto [it, fresh] = rowOf.try_emplace(current, rows.size());
      if (fresh)
        rows.push_back({current, 0});
      ++rows[it->second].second;
    }
    for (const auto &[name, n] : rows)
      os << "  " << llvm::format("%8llu", (unsigned long long)n) << "  " << name
         << "\n";
  }
  os << "total: " << total << " static instructions in " << p.streams.size()
     << " streams\n";
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  // libLLVM registers hundreds of backend options (they still parse);
  // --help lists this tool's.
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "Tessera NPU disassembler\n");
  std::string bytes, err;
  if (!tessera::readFileBounded(inputFile, tessera::kMaxProgramFileBytes,
                                ".npu program", bytes, err)) {
    llvm::errs() << "error: " << err << "\n";
    return 1;
  }
  tessera::bin::Program p;
  // External weights stay references: objdump does not need their bytes.
  if (!tessera::bin::decodeProgram((const uint8_t *)bytes.data(), bytes.size(),
                                   p, err)) {
    llvm::errs() << "error: " << inputFile << ": " << err << "\n";
    return 1;
  }
  tessera::target::TargetDesc t;
  if (!tessera::bin::resolveProgramTarget(p, inputFile, targetName, t, err)) {
    llvm::errs() << "error: " << inputFile << ": " << err << "\n";
    return 1;
  }
  // The isa verifier looks the target up by name (a custom chip too).
  tessera::target::registerTarget(t);
  if (!tessera::bin::verifyProgram(p, t, err)) {
    llvm::errs() << "error: " << inputFile << ": " << err << "\n";
    return 1;
  }
  if (summary) {
    auto out = openOutputFile(outputFile, &err);
    if (!out) {
      llvm::errs() << "error: " << err << "\n";
      return 1;
    }
    printSummary(p, t, out->os());
    out->keep();
    return 0;
  }
  MLIRContext ctx;
  auto module = tessera::isa::programToModule(&ctx, p, t);
  // A target given as a JSON path is printed as that path, so the output
  // assembles again (the program itself records only the target's name).
  if (!targetName.empty())
    module->walk([&](tessera::isa::ProgramOp op) {
      op.setTarget(targetName.getValue());
    });
  auto out = openOutputFile(outputFile, &err);
  if (!out) {
    llvm::errs() << "error: " << err << "\n";
    return 1;
  }
  OpPrintingFlags flags;
  if (!p.debug.empty())
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  module->print(out->os(), flags);
  out->keep();
  return 0;
}
