//===- OnnxSequence.h - ONNX sequence and optional values -------*- C++ -*-===//
//
// The values of graph inputs and outputs that are sequences or optionals
// (ONNX's SequenceProto and OptionalProto, as the test data stores them).
// Tessera compiles static shapes, so an input's length, its elements'
// shapes and whether an optional holds a value come from the value given
// for it at import time (OnnxImportOptions::aggregateInputs).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_IMPORT_ONNXSEQUENCE_H
#define TESSERA_IMPORT_ONNXSEQUENCE_H

#include "tessera/Support/Tensor.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tessera {

struct OnnxAggregateValue {
  enum class Kind { Sequence, Optional };
  Kind kind = Kind::Sequence;
  /// An optional: whether it holds a value, and whether that value is a
  /// sequence.
  bool present = true;
  bool holdsSequence = false;
  /// The tensors, flattened as the golden evaluator takes them: a
  /// sequence's elements, an optional's tensor or its sequence's elements.
  std::vector<Tensor> tensors;
  /// A sequence's (or optional sequence's) element type when the proto
  /// states it (an empty sequence has no tensor to tell).
  std::optional<DType> elementType;
};

/// Reads a serialized SequenceProto (kind Sequence) or OptionalProto file.
bool readAggregateProtoFile(const std::string &path,
                            OnnxAggregateValue::Kind kind,
                            OnnxAggregateValue &out, std::string &name,
                            std::string &error);

/// The graph inputs of a model file that are sequences or optionals, with
/// their kinds (maps and other types are reported as errors).
bool listOnnxAggregateInputs(
    const std::string &path,
    std::map<std::string, OnnxAggregateValue::Kind> &inputs,
    std::string &error);

} // namespace tessera

#endif // TESSERA_IMPORT_ONNXSEQUENCE_H
