//===- Compile.cpp - Compile a graph module to an NPU program -------------===//
#include "tessera/Conversion/Compile.h"

#include "Isa/IR/IsaConversion.h"

using namespace mlir;

namespace tessera::conversion {

FailureOr<bin::Program> programOf(ModuleOp module) {
  for (auto p : module.getOps<isa::ProgramOp>())
    return isa::emitProgram(p);
  module.emitError("no isa.program in the module");
  return failure();
}

FailureOr<bin::Program> compileToProgram(ModuleOp module,
                                         const PipelineOptions &options) {
  PassManager pm(module.getContext());
  buildNpuPipeline(pm, options);
  if (failed(pm.run(module)))
    return failure();
  return programOf(module);
}

} // namespace tessera::conversion
