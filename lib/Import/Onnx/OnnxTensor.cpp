//===- OnnxTensor.cpp - ONNX TensorProto <-> host tensors -----------------===//

#include "tessera/Import/OnnxTensor.h"
#include "tessera/Support/FileIO.h"

#include "onnx/onnx_pb.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace tessera {

using onnx::TensorProto;

std::optional<DType> dtypeFromOnnx(int t) {
  switch (t) {
  case TensorProto::FLOAT:
    return DType::F32;
  case TensorProto::DOUBLE:
    return DType::F64;
  case TensorProto::FLOAT16:
    return DType::F16;
  case TensorProto::BFLOAT16:
    return DType::BF16;
  case TensorProto::INT8:
    return DType::I8;
  case TensorProto::INT16:
    return DType::I16;
  case TensorProto::INT32:
    return DType::I32;
  case TensorProto::INT64:
    return DType::I64;
  case TensorProto::UINT8:
    return DType::U8;
  case TensorProto::UINT16:
    return DType::U16;
  case TensorProto::UINT32:
    return DType::U32;
  case TensorProto::UINT64:
    return DType::U64;
  case TensorProto::BOOL:
    return DType::Bool;
  default:
    return std::nullopt;
  }
}

int dtypeToOnnx(DType d) {
  switch (d) {
  case DType::F32:
    return TensorProto::FLOAT;
  case DType::F64:
    return TensorProto::DOUBLE;
  case DType::F16:
    return TensorProto::FLOAT16;
  case DType::BF16:
    return TensorProto::BFLOAT16;
  case DType::I8:
    return TensorProto::INT8;
  case DType::I16:
    return TensorProto::INT16;
  case DType::I32:
    return TensorProto::INT32;
  case DType::I64:
    return TensorProto::INT64;
  case DType::U8:
    return TensorProto::UINT8;
  case DType::U16:
    return TensorProto::UINT16;
  case DType::U32:
    return TensorProto::UINT32;
  case DType::U64:
    return TensorProto::UINT64;
  case DType::Bool:
    return TensorProto::BOOL;
  }
  return TensorProto::UNDEFINED;
}

const char *onnxDataTypeName(int t) {
  if (TensorProto::DataType_IsValid(t))
    return TensorProto::DataType_Name((TensorProto::DataType)t).c_str();
  return "<invalid>";
}

static bool readExternal(const TensorProto &proto, const std::string &baseDir,
                         std::string &bytes, std::string &error) {
  std::string location;
  int64_t offset = 0, length = -1;
  auto parse = [&](const std::string &text, int64_t &value) {
    char *end = nullptr;
    errno = 0;
    value = std::strtoll(text.c_str(), &end, 10);
    return errno == 0 && end && *end == '\0' && !text.empty() && value >= 0;
  };
  for (const auto &kv : proto.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
    } else if ((kv.key() == "offset" && !parse(kv.value(), offset)) ||
               (kv.key() == "length" && !parse(kv.value(), length))) {
      error = "external data of tensor '" + proto.name() + "' has a bad " +
              kv.key() + " '" + kv.value() + "'";
      return false;
    }
  }
  if (location.empty()) {
    error = "external data of tensor '" + proto.name() + "' has no location";
    return false;
  }
  if (location[0] == '/' || location == ".." || location.rfind("../", 0) == 0 ||
      location.find("/../") != std::string::npos ||
      (location.size() >= 3 &&
       location.compare(location.size() - 3, 3, "/..") == 0)) {
    error = "external data location '" + location + "' of tensor '" +
            proto.name() + "' must stay inside the model's directory";
    return false;
  }
  std::string path = baseDir.empty() ? location : baseDir + "/" + location;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    error = "external data file '" + path + "' of tensor '" + proto.name() +
            "' is not a regular file";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open external data file '" + path + "' of tensor '" +
            proto.name() + "': " + std::strerror(errno);
    return false;
  }
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (offset > size) {
    error = "external data of tensor '" + proto.name() + "' starts at offset " +
            std::to_string(offset) + ", past the end of '" + path + "' (" +
            std::to_string(size) + " bytes)";
    return false;
  }
  if (length < 0)
    length = size - offset;
  if (length > size - offset) {
    error = "external data of tensor '" + proto.name() + "' (offset " +
            std::to_string(offset) + ", length " + std::to_string(length) +
            ") lies outside '" + path + "' (" + std::to_string(size) +
            " bytes)";
    return false;
  }
  bytes.resize(length);
  in.seekg(offset);
  in.read(bytes.data(), length);
  return true;
}

bool tensorFromProto(const TensorProto &proto, const std::string &baseDir,
                     Tensor &out, std::string &error) {
  std::optional<DType> dtype = dtypeFromOnnx(proto.data_type());
  if (!dtype) {
    error = "tensor '" + proto.name() + "' has unsupported data type " +
            onnxDataTypeName(proto.data_type());
    return false;
  }
  Shape shape;
  int64_t count = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d)) {
      error = "tensor '" + proto.name() +
              "' has an invalid or huge dimension " + std::to_string(d);
      return false;
    }
    shape.push_back(d);
    count *= d;
  }
  int64_t es = dtypeByteSize(*dtype);
  std::string external;
  const std::string *raw = nullptr;
  if (proto.data_location() == TensorProto::EXTERNAL) {
    if (!readExternal(proto, baseDir, external, error))
      return false;
    raw = &external;
  } else if (proto.has_raw_data()) {
    raw = &proto.raw_data();
  }
  if (raw) {
    if ((int64_t)raw->size() != count * es) {
      error = "tensor '" + proto.name() + "' of shape " + shapeToString(shape) +
              " needs " + std::to_string(count * es) + " bytes but has " +
              std::to_string(raw->size());
      return false;
    }
    out = Tensor::fromBytes(*dtype, shape, (const uint8_t *)raw->data(),
                            raw->size());
    return true;
  }
  // Typed fields: f16/bf16/int8..int32/uint8/uint16/bool live in int32_data
  // (half types as raw bit patterns), uint32/uint64 in uint64_data.
  auto sizeError = [&](int64_t have) {
    error = "tensor '" + proto.name() + "' of shape " + shapeToString(shape) +
            " has " + std::to_string(have) + " values";
    return false;
  };
  // The value count is checked before the tensor is allocated: the dims
  // alone may ask for terabytes.
  int64_t have = *dtype == DType::F32   ? proto.float_data_size()
                 : *dtype == DType::F64 ? proto.double_data_size()
                 : *dtype == DType::I64 ? proto.int64_data_size()
                 : *dtype == DType::U32 || *dtype == DType::U64
                     ? proto.uint64_data_size()
                     : proto.int32_data_size();
  if (have != count)
    return sizeError(have);
  Tensor t(*dtype, shape);
  switch (*dtype) {
  case DType::F32:
    if (proto.float_data_size() != count)
      return sizeError(proto.float_data_size());
    for (int64_t i = 0; i < count; ++i)
      t.setF(i, proto.float_data(i));
    break;
  case DType::F64:
    if (proto.double_data_size() != count)
      return sizeError(proto.double_data_size());
    for (int64_t i = 0; i < count; ++i)
      t.floats()[i] = (float)proto.double_data(i);
    break;
  case DType::F16:
  case DType::BF16:
    if (proto.int32_data_size() != count)
      return sizeError(proto.int32_data_size());
    for (int64_t i = 0; i < count; ++i)
      t.floats()[i] = *dtype == DType::F16
                          ? f16BitsToFloat((uint16_t)proto.int32_data(i))
                          : bf16BitsToFloat((uint16_t)proto.int32_data(i));
    break;
  case DType::I64:
    if (proto.int64_data_size() != count)
      return sizeError(proto.int64_data_size());
    for (int64_t i = 0; i < count; ++i)
      t.setI(i, proto.int64_data(i));
    break;
  case DType::U32:
  case DType::U64:
    if (proto.uint64_data_size() != count)
      return sizeError(proto.uint64_data_size());
    for (int64_t i = 0; i < count; ++i)
      t.setI(i, (int64_t)proto.uint64_data(i));
    break;
  default:
    if (proto.int32_data_size() != count)
      return sizeError(proto.int32_data_size());
    for (int64_t i = 0; i < count; ++i)
      t.setI(i, proto.int32_data(i));
    break;
  }
  out = std::move(t);
  return true;
}

bool readTensorProtoFile(const std::string &path, Tensor &out,
                         std::string &name, std::string &error) {
  std::string bytes;
  if (!readFileBounded(path, kMaxTensorProtoBytes, "TensorProto (.pb) file",
                       bytes, error))
    return false;
  TensorProto proto;
  if (!proto.ParseFromString(bytes)) {
    error = path + ": not a valid ONNX TensorProto (protobuf parse failed; " +
            std::to_string(bytes.size()) + " bytes)";
    return false;
  }
  name = proto.name();
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "."
                    : slash == 0               ? "/"
                                               : path.substr(0, slash);
  if (!tensorFromProto(proto, dir, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

} // namespace tessera
