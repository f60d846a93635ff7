//===- tessera-as.cpp - Assembles isa-dialect text into a .npu program ----===//
//
//   tessera-as prog.mlir -o prog.npu [--weights w.bin] [--weights-threshold N]
//
// The input is the printed form of the isa dialect (what tessera-objdump
// prints). Constants of at least N bytes go to the weight file if given.
//
//===----------------------------------------------------------------------===//
#include "Isa/IR/IsaConversion.h"
#include "tessera/Support/BoundedInputFile.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("tessera-as options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .mlir>"),
                                      cl::init("-"), cl::cat(category));
static cl::opt<std::string> outputFile("o", cl::desc("output .npu file"),
                                       cl::value_desc("file"), cl::Required,
                                       cl::cat(category));
static cl::opt<std::string>
    weightsFile("weights", cl::desc("external weight file for large constants"),
                cl::value_desc("file"), cl::init(""), cl::cat(category));
static cl::opt<uint64_t> weightsThreshold(
    "weights-threshold",
    cl::desc("constants of at least this many bytes go to the weight file"),
    cl::init(4096), cl::cat(category));

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  // libLLVM registers hundreds of backend options (they still parse);
  // --help lists this tool's.
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "Tessera NPU assembler\n");
  MLIRContext ctx;
  ctx.loadDialect<tessera::isa::IsaDialect>();
  llvm::SourceMgr sm;
  std::string err;
  auto buf = tessera::openBoundedInputFile(inputFile, &err);
  if (!buf) {
    llvm::errs() << "error: " << err << "\n";
    return 1;
  }
  sm.AddNewSourceBuffer(std::move(buf), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sm, &ctx);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sm, &ctx);
  if (!module)
    return 1;
  tessera::isa::ProgramOp prog;
  int count = 0;
  module->walk([&](tessera::isa::ProgramOp p) {
    prog = p;
    ++count;
  });
  if (count != 1) {
    llvm::errs() << "error: expected exactly one isa.program, found " << count
                 << "\n";
    return 1;
  }
  auto p = tessera::isa::emitProgram(prog);
  if (failed(p))
    return 1;
  tessera::bin::WriteOptions wo;
  wo.externalWeightFile = weightsFile;
  wo.externalThreshold = weightsThreshold;
  if (!tessera::bin::writeProgramFile(outputFile, *p, err, wo)) {
    llvm::errs() << "error: " << err << "\n";
    return 1;
  }
  return 0;
}
