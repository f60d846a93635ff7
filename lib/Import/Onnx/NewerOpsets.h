//===- NewerOpsets.h - Opsets 18-21 beside ONNX 1.12's schemas -*- C++ -*-===//
//
// Tessera links ONNX 1.12, whose checker stops at IR version 8 and whose
// operator schemas stop at opset 17. Models exported today use IR 9-10 and
// opsets 18-21. This file knows the ops whose signature (inputs, outputs,
// attributes) changed, or that were added, in opsets 18 to 21, so that
//  - each such node is verified here against its newer signature instead of
//    ONNX 1.12's older schema (which would reject a valid node, or accept
//    an invalid one), and
//  - ONNX's checker and shape inference can still run over the rest of the
//    model: they get a copy clamped to IR 8 / opset 17 in which these
//    nodes are moved to a private domain that both skip.
// Ops whose only change after opset 17 widened their type lists (Identity,
// Reshape, IsInf, ...) keep ONNX 1.12's schema, which checks the same
// inputs, outputs and attributes.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_IMPORT_ONNX_NEWEROPSETS_H
#define TESSERA_LIB_IMPORT_ONNX_NEWEROPSETS_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace onnx {
class ModelProto;
class NodeProto;
} // namespace onnx

namespace tessera::onnx_import {

/// The newest opset and IR version the importer reads, and the newest that
/// ONNX 1.12 (the linked library) checks itself.
constexpr int64_t kMaxOpset = 21;
constexpr int64_t kMaxIrVersion = 10;
constexpr int64_t kOnnxLibraryMaxOpset = 17;
constexpr int64_t kOnnxLibraryMaxIrVersion = 8;

/// A signature from opsets 18-21: the op's input and output counts and its
/// attributes, as `name:type` pairs separated by commas (types: i, f, s,
/// ints, floats, tensor, graph).
struct NewerOpSignature {
  const char *opType;
  int64_t since;
  int minInputs, maxInputs;
  int minOutputs, maxOutputs;
  const char *attributes;
};

/// The signature `opType` has at `opset` if it was introduced or changed
/// after opset 17 (and at or before `opset`); null otherwise.
const NewerOpSignature *findNewerSignature(llvm::StringRef opType,
                                           int64_t opset);

/// Checks `node` against `signature`: input/output counts, known attribute
/// names with their types. Returns the problem, or an empty string.
std::string checkNewerSignature(const onnx::NodeProto &node,
                                const NewerOpSignature &signature);

/// Makes `copy` acceptable to ONNX 1.12's checker and shape inference: IR
/// version and default opset clamped to what the library knows, and every
/// node (subgraphs included) with a newer signature moved to a private
/// domain that the checker and shape inference skip. Their checks happen
/// in the importer instead (checkNewerSignature).
void clampForOnnxLibrary(onnx::ModelProto &copy, int64_t opset);

} // namespace tessera::onnx_import

#endif // TESSERA_LIB_IMPORT_ONNX_NEWEROPSETS_H
