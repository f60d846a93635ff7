//===- FusionMatchers.h - Small matchers shared by the fusions --*- C++ -*-===//
//
// Questions every fusion pattern asks of the graph: is this value a
// constant, and which one; which operand of a commutative op is defined by
// a given op; is an intermediate value used only inside the pattern.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_TRANSFORMS_FUSIONMATCHERS_H
#define TESSERA_GRAPH_TRANSFORMS_FUSIONMATCHERS_H

#include "Graph/IR/GraphDialect.h"

#include "mlir/IR/PatternMatch.h"

#include <optional>
#include <utility>

namespace tessera::graph {

/// The value of a constant whose elements are all equal (a splat, or a
/// small constant holding one value throughout), as a double;
/// std::nullopt otherwise.
std::optional<double> getScalarConstant(mlir::Value v);

/// The data of a constant (dense or resource-backed); failure if `v` is not
/// defined by graph.constant or its data cannot be read.
mlir::FailureOr<Tensor> getConstantTensor(mlir::Value v);

/// The value of `v` if it is computed from constants only, by at most
/// `depth` ops (for masks spelled as Equal/Not/Cast of a constant);
/// failure otherwise or when it has more than `maxElements` elements.
mlir::FailureOr<Tensor> evaluateConstantExpr(mlir::Value v, int depth = 4,
                                             int64_t maxElements = 1 << 22);

/// True if `v` has exactly one use (an intermediate of a pattern must not be
/// read by anything outside it).
inline bool hasSingleUse(mlir::Value v) { return v && v.hasOneUse(); }

/// For a commutative binary op with operands `a` and `b`: the operand
/// defined by an `OpT` (trying `a` first) and the other operand.
template <typename OpT>
std::optional<std::pair<OpT, mlir::Value>> matchEither(mlir::Value a,
                                                       mlir::Value b) {
  if (auto op = a.getDefiningOp<OpT>())
    return std::make_pair(op, b);
  if (auto op = b.getDefiningOp<OpT>())
    return std::make_pair(op, a);
  return std::nullopt;
}

/// Shape of a ranked tensor value.
llvm::ArrayRef<int64_t> shapeOfValue(mlir::Value v);

/// `axis` in [0, rank), or std::nullopt if out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// A splat f32-or-like constant of `shape` with `elementType`.
mlir::Value createSplatConstant(mlir::PatternRewriter &rewriter,
                                mlir::Location loc,
                                llvm::ArrayRef<int64_t> shape,
                                mlir::Type elementType, double value);

/// `v` reshaped to `shape` (returns `v` when it already has that shape).
mlir::Value reshapeTo(mlir::PatternRewriter &rewriter, mlir::Location loc,
                      mlir::Value v, llvm::ArrayRef<int64_t> shape);

} // namespace tessera::graph

#endif // TESSERA_GRAPH_TRANSFORMS_FUSIONMATCHERS_H
