//===- Passes.h - The graph -> npu -> isa passes ----------------*- C++ -*-===//
//
// The pipeline that strings them together is tessera/Pipeline/Pipeline.h.
//
#ifndef TESSERA_CONVERSION_PASSES_H
#define TESSERA_CONVERSION_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace tessera::conversion {

#define GEN_PASS_DECL
#include "Npu/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Npu/Transforms/Passes.h.inc"

} // namespace tessera::conversion

#endif
