//===- Tensor.h - Host tensors for golden evaluation and I/O ----*- C++ -*-===//
//
// A small, dependency-free dense tensor used by the golden evaluator, the
// .npy/.pb readers and writers, and the comparison metrics. It deliberately
// knows nothing about MLIR so the simulator can use it as a container too.
//
// Storage: floating-point tensors keep their elements as f32 (the golden
// reference computes in f32; f16/bf16 results are rounded on store), integer
// and bool tensors keep them as int64 (uint64 values keep their bit pattern).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SUPPORT_TENSOR_H
#define TESSERA_SUPPORT_TENSOR_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessera {

enum class DType : uint8_t {
  F16,
  BF16,
  F32,
  F64,
  I8,
  I16,
  I32,
  I64,
  U8,
  U16,
  U32,
  U64,
  Bool,
};

bool isFloatDType(DType t);
bool isUnsignedDType(DType t);
/// Size of one element in bytes as stored on a device or in a file.
int64_t dtypeByteSize(DType t);
/// Short name: "f32", "bf16", "i64", "u8", "bool", ...
const char *dtypeName(DType t);
std::optional<DType> parseDTypeName(const std::string &name);

/// Rounds an f32 to the nearest f16 / bf16 value (round-to-nearest-even).
float roundToF16(float v);
float roundToBF16(float v);
/// e4m3fn (FP8; no infinities, S.1111.111 is NaN) to float.
float decodeE4M3(uint8_t bits);
/// float to e4m3fn, round-to-nearest-even, saturating at +-448 (NaN stays
/// NaN).
uint8_t encodeE4M3(float v);
uint16_t floatToF16Bits(float v);
float f16BitsToFloat(uint16_t bits);
uint16_t floatToBF16Bits(float v);
float bf16BitsToFloat(uint16_t bits);
/// floatToBF16Bits over `n` floats read from `in` (any alignment), in a loop
/// the compiler vectorizes: a model's weights are converted this way.
void floatsToBF16Bits(const void *in, uint16_t *out, size_t n);

/// Wraps an integer into the value range of `t` the way a C cast to that
/// type would (two's complement wrap-around); bool becomes 0/1.
int64_t wrapInteger(int64_t v, DType t);

using Shape = std::vector<int64_t>;
int64_t shapeNumElements(const Shape &shape);
std::string shapeToString(const Shape &shape);
/// Row-major strides (in elements) of a shape.
std::vector<int64_t> shapeStrides(const Shape &shape);

class Tensor {
public:
  Tensor() = default;
  Tensor(DType dtype, Shape shape);

  static Tensor scalarF(DType dtype, float v);
  static Tensor scalarI(DType dtype, int64_t v);
  static Tensor fromFloats(DType dtype, Shape shape, std::vector<float> data);
  static Tensor fromInts(DType dtype, Shape shape, std::vector<int64_t> data);

  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  int64_t rank() const { return (int64_t)shape_.size(); }
  int64_t dim(int64_t i) const { return shape_[i]; }
  int64_t numElements() const { return numElements_; }
  bool isFloat() const { return isFloatDType(dtype_); }

  /// Element access; the index is a flat row-major offset.
  float getF(int64_t i) const {
    return isFloat() ? f_[i] : (float)getSigned(i);
  }
  int64_t getI(int64_t i) const {
    return isFloat() ? (int64_t)f_[i] : ints_[i];
  }
  /// Value as double, interpreting unsigned 64-bit correctly.
  double getD(int64_t i) const;
  /// Stores `v`, rounding to the tensor's float type.
  void setF(int64_t i, float v);
  /// Stores `v`, wrapping to the tensor's integer type.
  void setI(int64_t i, int64_t v);
  /// Stores a double into whichever storage the dtype uses (float: rounded,
  /// integer: truncated toward zero then wrapped).
  void setD(int64_t i, double v);

  std::vector<float> &floats() { return f_; }
  const std::vector<float> &floats() const { return f_; }
  std::vector<int64_t> &ints() { return ints_; }
  const std::vector<int64_t> &ints() const { return ints_; }

  /// Same elements, new shape (element count must match; checked by caller).
  Tensor reshaped(Shape newShape) const;
  /// Converts elements to another dtype with ONNX Cast semantics.
  Tensor castTo(DType to) const;

  /// Raw little-endian bytes in the dtype's storage format.
  std::vector<uint8_t> toBytes() const;
  static Tensor fromBytes(DType dtype, Shape shape, const uint8_t *data,
                          size_t size);

  std::string describe() const; // "tensor<2x3xf32>"

private:
  int64_t getSigned(int64_t i) const { return ints_[i]; }
  DType dtype_ = DType::F32;
  Shape shape_;
  int64_t numElements_ = 1;
  std::vector<float> f_ = {0.0f}; // a default tensor is the scalar 0.0
  std::vector<int64_t> ints_;
};

} // namespace tessera

#endif // TESSERA_SUPPORT_TENSOR_H
