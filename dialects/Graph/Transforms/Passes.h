//===- Passes.h - Graph-dialect passes --------------------------*- C++ -*-===//
#ifndef TESSERA_GRAPH_TRANSFORMS_PASSES_H
#define TESSERA_GRAPH_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace tessera::graph {

#define GEN_PASS_DECL
#include "Graph/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Graph/Transforms/Passes.h.inc"

} // namespace tessera::graph

#endif // TESSERA_GRAPH_TRANSFORMS_PASSES_H
