//===- DecomposeIndexed.h - Indexed and contraction ops for the NPU -*- C++
//-*-//
//
// Part of the graph-decompose pass: einsum, gather_nd, scatter_nd,
// scatter_elements with a reduction, compress, reverse_sequence and
// max_pool_with_indices rewritten into graph ops with NPU kernels.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CONVERSION_DECOMPOSEINDEXED_H
#define TESSERA_CONVERSION_DECOMPOSEINDEXED_H

#include "mlir/IR/Operation.h"

namespace tessera::conversion {

/// Rewrites every such op under `root`; failure has been reported.
mlir::LogicalResult decomposeIndexedOps(mlir::Operation *root);

} // namespace tessera::conversion

#endif // TESSERA_CONVERSION_DECOMPOSEINDEXED_H
