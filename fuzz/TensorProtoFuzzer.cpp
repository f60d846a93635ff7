//===- TensorProtoFuzzer.cpp - libFuzzer: ONNX TensorProto (.pb) reader ---===//
//
// What readTensorProtoFile does after reading the file: parse the protobuf
// and convert it to a host tensor (external data against a directory that
// does not exist).
//
//===----------------------------------------------------------------------===//
#include "tessera/Import/OnnxTensor.h"

#include "onnx/onnx_pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  onnx::TensorProto proto;
  if (!proto.ParseFromArray(data, (int)size))
    return 0;
  tessera::Tensor t;
  std::string error;
  (void)tessera::tensorFromProto(proto, "/nonexistent/fuzz", t, error);
  return 0;
}
