//===- SequenceValues.h - Building and taking apart sequences ---*- C++ -*-===//
//
// How the importer handles ONNX's sequences and optionals: their lengths and
// presence are static (graph::SequenceType, graph::OptionalType), so every
// sequence op becomes element lists manipulated at import time, built with
// graph.seq_construct and taken apart with graph.seq_at. Elements of a
// sequence built in the graph are its seq_construct's operands, so no
// sequence op survives import except where a sequence crosses the
// function's boundary.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_IMPORT_ONNX_SEQUENCEVALUES_H
#define TESSERA_LIB_IMPORT_ONNX_SEQUENCEVALUES_H

#include "Graph/IR/GraphDialect.h"

#include "mlir/IR/Builders.h"

#include <string>

namespace onnx {
class TypeProto;
}

namespace tessera::onnx_import {

/// The elements of a sequence value.
llvm::SmallVector<mlir::Value>
sequenceElements(mlir::OpBuilder &b, mlir::Location loc, mlir::Value sequence);
/// A sequence of `elements` (all of `elementType`).
mlir::Value buildSequence(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Type elementType, mlir::ValueRange elements);
/// The value a present optional holds.
mlir::Value optionalContent(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value optional);
/// The graph type for an ONNX type of a value that is absent (an empty
/// optional's content): a tensor needs a static shape; a sequence's elements
/// are unknown and so it is an empty sequence type. Sets `error` on failure.
mlir::Type typeFromProto(mlir::MLIRContext *ctx, const onnx::TypeProto &type,
                         std::string &error);
/// Whether the ONNX op `opType` takes sequence or optional inputs.
bool takesAggregateInputs(llvm::StringRef opType);
/// Erases sequence and optional ops whose results are unused (intermediate
/// sequences the import took apart).
void eraseDeadAggregateOps(mlir::Block &block);

} // namespace tessera::onnx_import

#endif // TESSERA_LIB_IMPORT_ONNX_SEQUENCEVALUES_H
