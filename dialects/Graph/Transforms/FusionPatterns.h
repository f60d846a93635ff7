//===- FusionPatterns.h - The LLM fusion pattern families -------*- C++ -*-===//
//
// One populate function per pattern family of tessera-graph-fuse-llm, each
// defined in the file named after it (FuseRMSNorm.cpp, ...).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_TRANSFORMS_FUSIONPATTERNS_H
#define TESSERA_GRAPH_TRANSFORMS_FUSIONPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace tessera::graph {

void populateFuseRMSNormPatterns(mlir::RewritePatternSet &patterns);
void populateFuseSwiGLUPatterns(mlir::RewritePatternSet &patterns);
void populateFuseRopePatterns(mlir::RewritePatternSet &patterns);
void populateFuseAttentionPatterns(mlir::RewritePatternSet &patterns);
void populateFuseMoERouterPatterns(mlir::RewritePatternSet &patterns);

} // namespace tessera::graph

#endif // TESSERA_GRAPH_TRANSFORMS_FUSIONPATTERNS_H
