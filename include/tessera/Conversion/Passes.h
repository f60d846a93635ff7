//===- Passes.h - The graph -> npu -> isa passes and pipeline ---*- C++ -*-===//
#ifndef TESSERA_CONVERSION_PASSES_H
#define TESSERA_CONVERSION_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/SmallVector.h"

#include <memory>
#include <string>

namespace tessera::conversion {

#define GEN_PASS_DECL
#include "Npu/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Npu/Transforms/Passes.h.inc"

struct PipelineOptions {
  std::string target = "dc";
  std::string precision = "f32";
  bool fuse = true;
  /// Recognise exported transformer patterns as fused graph ops first
  /// (those of npuFusedLLMOps()).
  bool fuseLLM = true;
  /// Export every intermediate result as a probe output.
  bool probes = false;
  /// Idle vector cores read read-once weights into L2 ahead of their matmul.
  bool l2Prefetch = true;
};

/// The tessera-graph-fuse-llm families whose fused ops graph-to-npu lowers
/// (rms_norm today; the other fused LLM ops have no NPU kernel yet, so the
/// NPU pipeline leaves their patterns unfused).
llvm::SmallVector<std::string> npuFusedLLMOps();

/// The whole lowering: graph -> npu (fused, tiled, planned) -> isa (synced).
void buildNpuPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);
/// Registers `tessera-pipeline` with options target= and precision=.
void registerNpuPipeline();

} // namespace tessera::conversion

#endif
