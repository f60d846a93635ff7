//===- SplitReductions.h - Long reductions in two stages --------*- C++ -*-===//
//
// Part of the graph-decompose pass. A vector kernel holds a whole reduced
// row in half of the local memory, so a reduction over millions of elements
// (a dynamic quantization's min/max over a 1024x1024 image, a global pool)
// would not tile. Such a reduction becomes a reduction of partial results:
// the reduced elements are laid out as [groups, group] (a transpose moves
// the reduced axes last when they are not), each group is reduced, then the
// partials, repeating while a row is still long. An argmax or argmin over a
// long axis (greedy decoding over a large vocabulary) is split the same way:
// each group's extreme and its index in the group, then the group holding
// the overall extreme.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CONVERSION_SPLITREDUCTIONS_H
#define TESSERA_CONVERSION_SPLITREDUCTIONS_H

#include "mlir/IR/Operation.h"

namespace tessera::conversion {

/// Reductions whose reduced element count is above this are split.
constexpr int64_t kMaxReductionRow = 16384;

/// Rewrites every long reduction under `root` (graph.reduce_*,
/// graph.argmax, graph.argmin).
void splitLongReductions(mlir::Operation *root);

} // namespace tessera::conversion

#endif // TESSERA_CONVERSION_SPLITREDUCTIONS_H
