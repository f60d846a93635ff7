//===- MlirTypes.h - DType <-> MLIR element types ---------------*- C++ -*-===//
//
// The one mapping between tessera::DType and MLIR element types, shared by
// the graph and isa dialects: signless integers are signed, `ui*` unsigned,
// `i1` is bool.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SUPPORT_MLIRTYPES_H
#define TESSERA_SUPPORT_MLIRTYPES_H

#include "tessera/Support/Tensor.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Types.h"

#include <optional>

namespace tessera {

/// Returns std::nullopt for element types Tessera does not support.
std::optional<DType> dtypeFromMlirType(mlir::Type elementType);
mlir::Type dtypeToMlirType(mlir::MLIRContext *ctx, DType dtype);

} // namespace tessera

#endif // TESSERA_SUPPORT_MLIRTYPES_H
