//===- Passes.h - The graph -> npu -> isa passes ----------------*- C++ -*-===//
//
// The pipeline that strings them together is tessera/Pipeline/Pipeline.h.
//
#ifndef TESSERA_CONVERSION_PASSES_H
#define TESSERA_CONVERSION_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/SmallVector.h"

#include <string>

namespace tessera::conversion {

#define GEN_PASS_DECL
#include "Npu/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Npu/Transforms/Passes.h.inc"

/// The tessera-graph-fuse-llm families whose fused ops graph-to-npu lowers
/// (rms_norm today; the other fused LLM ops have no NPU kernel yet, so a
/// pipeline that goes on to the npu stage leaves their patterns unfused).
llvm::SmallVector<std::string> npuFusedLLMOps();

} // namespace tessera::conversion

#endif
