//===- tessera-opt.cpp - mlir-opt with every Tessera dialect and pass -----===//

#include "Graph/IR/GraphDialect.h"
#include "Graph/Transforms/Passes.h"
#include "Isa/IR/IsaDialect.h"
#include "Npu/IR/NpuDialect.h"
#include "tessera/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  tessera::conversion::registerConversionPasses();
  tessera::graph::registerGraphPasses();
  tessera::conversion::registerNpuPipeline();
  mlir::DialectRegistry registry;
  registry.insert<tessera::graph::GraphDialect, mlir::func::FuncDialect>();
  registry.insert<tessera::isa::IsaDialect, tessera::npu::NpuDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Tessera optimizer driver\n", registry));
}
