//===- OnnxTensor.h - ONNX TensorProto <-> host tensors ---------*- C++ -*-===//
//
// Converts ONNX TensorProto values (initializers, Constant nodes, the .pb
// files of ONNX's test data sets) to tessera::Tensor, with errors that name
// the tensor and what is wrong.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_IMPORT_ONNXTENSOR_H
#define TESSERA_IMPORT_ONNXTENSOR_H

#include "tessera/Support/Tensor.h"

#include <optional>
#include <string>

namespace onnx {
class TensorProto;
}

namespace tessera {

/// Maps ONNX's TensorProto::DataType to a DType (nullopt: unsupported, e.g.
/// string or complex).
std::optional<DType> dtypeFromOnnx(int onnxDataType);
int dtypeToOnnx(DType dtype);
const char *onnxDataTypeName(int onnxDataType);

/// Reads a TensorProto's value. External data is resolved against `baseDir`.
bool tensorFromProto(const onnx::TensorProto &proto, const std::string &baseDir,
                     Tensor &out, std::string &error);

/// Reads a serialized TensorProto file (.pb). `name` receives the proto's
/// name field (may be empty).
bool readTensorProtoFile(const std::string &path, Tensor &out,
                         std::string &name, std::string &error);

} // namespace tessera

#endif // TESSERA_IMPORT_ONNXTENSOR_H
