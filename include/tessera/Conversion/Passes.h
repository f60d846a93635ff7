//===- Passes.h - The graph -> npu -> isa passes and pipeline ---*- C++ -*-===//
#ifndef TESSERA_CONVERSION_PASSES_H
#define TESSERA_CONVERSION_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

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
  /// Export every intermediate result as a probe output.
  bool probes = false;
  /// Idle vector cores read read-once weights into L2 ahead of their matmul.
  bool l2Prefetch = true;
  /// Fold repeated instruction sequences into loops (after sync insertion).
  bool loops = true;
};

/// The whole lowering: graph -> npu (fused, tiled, planned) -> isa (synced).
void buildNpuPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);
/// Registers `tessera-pipeline` with options target= and precision=.
void registerNpuPipeline();

} // namespace tessera::conversion

#endif
