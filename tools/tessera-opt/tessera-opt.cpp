//===- tessera-opt.cpp - mlir-opt with every Tessera dialect and pass -----===//

#include "tessera/Pipeline/Pipeline.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"

int main(int argc, char **argv) {
  // libLLVM registers hundreds of backend options (AMDGPU, AArch64, ...) as
  // it loads, before MlirOptMain registers mlir-opt's own: those mean
  // nothing here, so --help lists mlir-opt's options, MLIR's --mlir-* and
  // the passes, and the rest only under --help-hidden. They still parse.
  // (--help, --version and the like are registered then too.)
  for (auto &[name, option] : llvm::cl::getRegisteredOptions())
    if (!name.starts_with("mlir-") && !name.starts_with("help") &&
        name != "version" && !name.starts_with("print-") &&
        option->getOptionHiddenFlag() == llvm::cl::NotHidden)
      option->setHiddenFlag(llvm::cl::Hidden);
  mlir::registerTransformsPasses();
  tessera::pipeline::registerAllPasses();
  mlir::DialectRegistry registry;
  tessera::pipeline::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Tessera optimizer driver\n", registry));
}
