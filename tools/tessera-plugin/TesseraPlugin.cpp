//===- TesseraPlugin.cpp - Tessera inside a stock mlir-opt ----------------===//
//
// A dialect and pass plugin: Debian's mlir-opt-22 (which links libMLIR.so,
// as this plugin does) loads it with
//   mlir-opt-22 --load-dialect-plugin=libTesseraPlugin.so \
//               --load-pass-plugin=libTesseraPlugin.so --tessera-pipeline ...
// The dialect entry registers Tessera's dialects, the pass entry every
// Tessera pass and the tessera-pipeline pipeline.
//
//===----------------------------------------------------------------------===//
#include "tessera/Pipeline/Pipeline.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Tessera", TESSERA_VERSION,
          [](mlir::DialectRegistry *registry) {
            tessera::pipeline::registerAllDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Tessera", TESSERA_VERSION,
          []() { tessera::pipeline::registerAllPasses(); }};
}
