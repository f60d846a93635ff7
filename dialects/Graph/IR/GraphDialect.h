//===- GraphDialect.h - The graph dialect ----------------------*- C++ -*-===//
#ifndef TESSERA_GRAPH_IR_GRAPHDIALECT_H
#define TESSERA_GRAPH_IR_GRAPHDIALECT_H

#include "tessera/Golden/QuantKernels.h"
#include "tessera/Support/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace tessera::graph {

/// Marks ops that only move or select data (no arithmetic).
template <typename ConcreteType>
class DataMovement
    : public mlir::OpTrait::TraitBase<ConcreteType, DataMovement> {};

// Helpers used by the ODS-generated code (see GraphBase.td).
int64_t numElements(mlir::Type tensorType);
int64_t sumTensorBytes(mlir::TypeRange types);
int64_t defaultFlops(mlir::Operation *op);
llvm::LogicalResult
inferBroadcastType(std::optional<mlir::Location> loc, mlir::Type lhs,
                   mlir::Type rhs, mlir::Type resultElementType,
                   llvm::SmallVectorImpl<mlir::Type> &types);
llvm::LogicalResult inferReduceType(std::optional<mlir::Location> loc,
                                    mlir::Type input,
                                    llvm::ArrayRef<int64_t> axes, bool keepdims,
                                    bool noopWithEmptyAxes,
                                    llvm::SmallVectorImpl<mlir::Type> &types);
/// Shape and element type of a shaped type, and the tensor type of both.
Shape shapeOf(mlir::Type shapedType);
mlir::Type elementOf(mlir::Type shapedType);
mlir::Type tensorOf(const Shape &shape, mlir::Type elementType);
/// Pushes tensor<shape x elementType> into `types`, or reports the shape
/// rule's error at `loc` (type inference shares shape rules with kernels).
llvm::LogicalResult pushShape(std::optional<mlir::Location> loc,
                              llvm::Expected<Shape> shape,
                              mlir::Type elementType,
                              llvm::SmallVectorImpl<mlir::Type> &types);
/// Pushes `result` into `out`, or reports its error on `op`.
llvm::LogicalResult wrapEval(mlir::Operation *op,
                             llvm::SmallVectorImpl<Tensor> &out,
                             llvm::Expected<Tensor> result);

/// Element type <-> DType. Returns std::nullopt for types Tessera lacks.
std::optional<DType> toDType(mlir::Type elementType);
mlir::Type toMlirType(mlir::MLIRContext *ctx, DType dtype);
/// Reads a constant's value (dense or resource-backed) into a host tensor.
llvm::FailureOr<Tensor> elementsToTensor(mlir::ElementsAttr attr);
/// Converts a resource-backed f32 constant (an imported weight) to a
/// resource-backed f16/bf16 one in one pass over its bytes, rounding as
/// Tensor::castTo does. Failure when `attr` is not such a constant or `to`
/// is not f16/bf16: the caller converts through a Tensor instead.
llvm::FailureOr<mlir::ElementsAttr> castResourceToHalf(mlir::ElementsAttr attr,
                                                       DType to);
/// The resource blob already registered in `ctx` as `key` holding exactly
/// `size` bytes, if any. A generation compile builds its prefill and
/// decode programs in one context from the same checkpoint: a weight
/// derived at compile time (an f32 weight rounded to bf16, a MoE layer's
/// experts stacked) is derived once, under the same key, and the second
/// program takes the first's blob instead of a second copy of it.
std::optional<mlir::DenseResourceElementsHandle>
findResourceBlob(mlir::MLIRContext *ctx, llvm::StringRef key, size_t size);
/// Makes a DenseElementsAttr holding `t` (for folded, small values).
mlir::DenseElementsAttr tensorToElements(mlir::MLIRContext *ctx,
                                         const Tensor &t);
/// A constant holding `t` in a resource blob named after `name` (weights
/// rearranged at compile time stay out of the IR text).
mlir::Value createTensorConstant(mlir::OpBuilder &builder, mlir::Location loc,
                                 llvm::StringRef name, const Tensor &t);

/// The tensors a value of type `t` stands for, in order: a tensor itself, a
/// sequence's elements, a present optional's value (flattened), nothing for
/// an empty optional. The golden evaluator takes and returns sequence and
/// optional values in this form.
void flattenTypes(mlir::Type t, llvm::SmallVectorImpl<mlir::Type> &out);
/// Whether `t` is a sequence or optional type.
bool isAggregateType(mlir::Type t);

} // namespace tessera::graph

#include "Graph/IR/GraphDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "Graph/IR/GraphInterfaces.h.inc"
#include "Graph/IR/GraphTypes.h.inc"

#define GET_OP_CLASSES
#include "Graph/IR/GraphOps.h.inc"

#endif // TESSERA_GRAPH_IR_GRAPHDIALECT_H
