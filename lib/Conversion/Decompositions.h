//===- Decompositions.h - Composite graph ops as primitive ones -*- C++ -*-===//
//
// Rewrites used by tessera-graph-decompose (Decompose.cpp) that live in
// files of their own.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CONVERSION_DECOMPOSITIONS_H
#define TESSERA_CONVERSION_DECOMPOSITIONS_H

#include "Graph/IR/GraphDialect.h"

namespace tessera::conversion {

/// LRN as a square, a zero pad of the channel axis, `size` channel slices
/// summed, and the elementwise scale and power (DecomposeLRN.cpp).
mlir::LogicalResult decomposeLRN(graph::LRNOp op);

} // namespace tessera::conversion

#endif
