//===- OnnxTensorTest.cpp - ONNX TensorProto reader tests -----------------===//

#include "tessera/Import/OnnxTensor.h"

#include "onnx/onnx_pb.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace tessera;

static std::string writeTemp(const std::string &bytes) {
  char path[] = "/tmp/tessera-pb-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(OnnxTensor, ReadsRawAndTypedData) {
  onnx::TensorProto raw;
  raw.set_name("x");
  raw.set_data_type(onnx::TensorProto::FLOAT);
  raw.add_dims(2);
  raw.add_dims(2);
  float values[] = {1, 2, 3, 4};
  raw.set_raw_data(std::string((char *)values, sizeof values));
  std::string path = writeTemp(raw.SerializeAsString());
  Tensor t;
  std::string name, error;
  ASSERT_TRUE(readTensorProtoFile(path, t, name, error)) << error;
  EXPECT_EQ(name, "x");
  EXPECT_EQ(t.shape(), (Shape{2, 2}));
  EXPECT_EQ(t.floats(), (std::vector<float>{1, 2, 3, 4}));
  std::remove(path.c_str());

  onnx::TensorProto typed;
  typed.set_data_type(onnx::TensorProto::INT64);
  typed.add_dims(3);
  for (int64_t v : {-1, 0, 7})
    typed.add_int64_data(v);
  ASSERT_TRUE(tensorFromProto(typed, "", t, error)) << error;
  EXPECT_EQ(t.dtype(), DType::I64);
  EXPECT_EQ(t.ints(), (std::vector<int64_t>{-1, 0, 7}));

  // f16 values travel as bit patterns in int32_data.
  onnx::TensorProto half;
  half.set_data_type(onnx::TensorProto::FLOAT16);
  half.add_dims(1);
  half.add_int32_data(floatToF16Bits(1.5f));
  ASSERT_TRUE(tensorFromProto(half, "", t, error)) << error;
  EXPECT_EQ(t.dtype(), DType::F16);
  EXPECT_EQ(t.getF(0), 1.5f);
}

TEST(OnnxTensor, RejectsBadTensors) {
  Tensor t;
  std::string name, error;
  onnx::TensorProto shortRaw;
  shortRaw.set_name("w");
  shortRaw.set_data_type(onnx::TensorProto::FLOAT);
  shortRaw.add_dims(4);
  shortRaw.set_raw_data(std::string(8, '\0'));
  EXPECT_FALSE(tensorFromProto(shortRaw, "", t, error));
  EXPECT_EQ(error, "tensor 'w' of shape 4 needs 16 bytes but has 8");

  onnx::TensorProto str;
  str.set_name("s");
  str.set_data_type(onnx::TensorProto::STRING);
  EXPECT_FALSE(tensorFromProto(str, "", t, error));
  EXPECT_EQ(error, "tensor 's' has unsupported data type STRING");

  onnx::TensorProto negative;
  negative.set_name("n");
  negative.set_data_type(onnx::TensorProto::FLOAT);
  negative.add_dims(-2);
  EXPECT_FALSE(tensorFromProto(negative, "", t, error));
  EXPECT_NE(error.find("invalid or huge dimension -2"), std::string::npos);

  onnx::TensorProto external;
  external.set_name("e");
  external.set_data_type(onnx::TensorProto::FLOAT);
  external.add_dims(4);
  external.set_data_location(onnx::TensorProto::EXTERNAL);
  auto *kv = external.add_external_data();
  kv->set_key("location");
  kv->set_value("missing.bin");
  EXPECT_FALSE(tensorFromProto(external, "/nonexistent", t, error));
  EXPECT_NE(error.find("cannot open external data file "
                       "'/nonexistent/missing.bin' of tensor 'e'"),
            std::string::npos);

  std::string path = writeTemp("\xff\xff\xff\xff not a proto");
  EXPECT_FALSE(readTensorProtoFile(path, t, name, error));
  EXPECT_NE(error.find("not a valid ONNX TensorProto"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_FALSE(readTensorProtoFile("/nonexistent.pb", t, name, error));
  EXPECT_NE(error.find("cannot open '/nonexistent.pb'"), std::string::npos);
}
