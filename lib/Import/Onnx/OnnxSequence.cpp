//===- OnnxSequence.cpp - ONNX sequence and optional values ---------------===//

#include "tessera/Import/OnnxSequence.h"
#include "tessera/Import/OnnxTensor.h"
#include "tessera/Support/FileIO.h"

#include "onnx/onnx-data_pb.h"
#include "onnx/onnx_pb.h"

#include <climits>

namespace tessera {

static std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "."
         : slash == 0               ? "/"
                                    : path.substr(0, slash);
}

static bool readSequence(const onnx::SequenceProto &proto,
                         const std::string &dir, OnnxAggregateValue &out,
                         std::string &error) {
  if (proto.elem_type() != onnx::SequenceProto::TENSOR &&
      proto.elem_type() != onnx::SequenceProto::UNDEFINED) {
    error = "sequence '" + proto.name() +
            "' holds sequences, maps or optionals; only sequences of tensors "
            "are supported";
    return false;
  }
  for (const onnx::TensorProto &t : proto.tensor_values()) {
    Tensor value;
    if (!tensorFromProto(t, dir, value, error))
      return false;
    if (out.elementType && *out.elementType != value.dtype()) {
      error = "sequence '" + proto.name() + "' mixes element types " +
              dtypeName(*out.elementType) + " and " + dtypeName(value.dtype());
      return false;
    }
    out.elementType = value.dtype();
    out.tensors.push_back(std::move(value));
  }
  return true;
}

bool readAggregateProtoFile(const std::string &path,
                            OnnxAggregateValue::Kind kind,
                            OnnxAggregateValue &out, std::string &name,
                            std::string &error) {
  std::string bytes;
  const char *what = kind == OnnxAggregateValue::Kind::Sequence
                         ? "SequenceProto (.pb) file"
                         : "OptionalProto (.pb) file";
  if (!readFileBounded(path, kMaxTensorProtoBytes, what, bytes, error))
    return false;
  out = OnnxAggregateValue();
  out.kind = kind;
  std::string dir = directoryOf(path);
  bool ok;
  if (kind == OnnxAggregateValue::Kind::Sequence) {
    onnx::SequenceProto proto;
    if (!proto.ParseFromString(bytes)) {
      error = path + ": not a valid ONNX SequenceProto";
      return false;
    }
    name = proto.name();
    ok = readSequence(proto, dir, out, error);
  } else {
    onnx::OptionalProto proto;
    if (!proto.ParseFromString(bytes)) {
      error = path + ": not a valid ONNX OptionalProto";
      return false;
    }
    name = proto.name();
    switch (proto.elem_type()) {
    case onnx::OptionalProto::UNDEFINED:
      out.present = false;
      ok = true;
      break;
    case onnx::OptionalProto::TENSOR: {
      Tensor value;
      ok = tensorFromProto(proto.tensor_value(), dir, value, error);
      if (ok)
        out.tensors.push_back(std::move(value));
      break;
    }
    case onnx::OptionalProto::SEQUENCE:
      out.holdsSequence = true;
      ok = readSequence(proto.sequence_value(), dir, out, error);
      break;
    default:
      error = "optional '" + name +
              "' holds a sparse tensor, map or optional; only tensors and "
              "sequences are supported";
      ok = false;
    }
  }
  if (!ok && error.rfind(path, 0) != 0)
    error = path + ": " + error;
  return ok;
}

bool listOnnxAggregateInputs(
    const std::string &path,
    std::map<std::string, OnnxAggregateValue::Kind> &inputs,
    std::string &error) {
  std::string bytes;
  if (!readFileBounded(path, kMaxModelFileBytes, "protobuf ONNX model", bytes,
                       error))
    return false;
  onnx::ModelProto model;
  if (bytes.size() > (size_t)INT_MAX || !model.ParseFromString(bytes)) {
    error = path + ": not a valid ONNX model";
    return false;
  }
  inputs.clear();
  for (const onnx::ValueInfoProto &input : model.graph().input()) {
    if (input.type().has_sequence_type())
      inputs[input.name()] = OnnxAggregateValue::Kind::Sequence;
    else if (input.type().has_optional_type())
      inputs[input.name()] = OnnxAggregateValue::Kind::Optional;
  }
  return true;
}

} // namespace tessera
