//===- tessera-objdump.cpp - Disassembles a .npu program ------------------===//
//
//   tessera-objdump prog.npu [-o out.mlir] [--target NAME|FILE]
//
// Prints the program as isa-dialect assembly; tessera-as reads it back to the
// same bytes. Instructions with a debug-map entry carry it as loc("name").
//
//===----------------------------------------------------------------------===//
#include "Isa/IR/IsaConversion.h"
#include "tessera/Support/BoundedInputFile.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .npu>"),
                                      cl::Required);
static cl::opt<std::string> outputFile("o", cl::desc("output file"),
                                       cl::value_desc("file"), cl::init("-"));
static cl::opt<std::string>
    targetName("target",
               cl::desc("target preset or JSON (default: the one the program "
                        "names)"),
               cl::init(""));

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
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
