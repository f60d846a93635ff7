//===- tessera-opt.cpp - mlir-opt with every Tessera dialect and pass -----===//

#include "tessera/Pipeline/Pipeline.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  tessera::pipeline::registerAllPasses();
  mlir::DialectRegistry registry;
  tessera::pipeline::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Tessera optimizer driver\n", registry));
}
