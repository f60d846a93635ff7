//===- Tensor.cpp - Host tensors ------------------------------------------===//

#include "tessera/Support/Tensor.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace tessera {

bool isFloatDType(DType t) {
  return t == DType::F16 || t == DType::BF16 || t == DType::F32 ||
         t == DType::F64;
}

bool isUnsignedDType(DType t) {
  return t == DType::U8 || t == DType::U16 || t == DType::U32 ||
         t == DType::U64 || t == DType::Bool;
}

int64_t dtypeByteSize(DType t) {
  switch (t) {
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return 1;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
  case DType::U16:
    return 2;
  case DType::F32:
  case DType::I32:
  case DType::U32:
    return 4;
  case DType::F64:
  case DType::I64:
  case DType::U64:
    return 8;
  }
  return 1;
}

static const char *const kDTypeNames[] = {"f16", "bf16", "f32", "f64", "i8",
                                          "i16", "i32",  "i64", "u8",  "u16",
                                          "u32", "u64",  "bool"};

const char *dtypeName(DType t) { return kDTypeNames[(int)t]; }

std::optional<DType> parseDTypeName(const std::string &name) {
  for (int i = 0; i <= (int)DType::Bool; ++i)
    if (name == kDTypeNames[i])
      return (DType)i;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Half-precision conversions (round to nearest, ties to even)
//===----------------------------------------------------------------------===//

uint16_t floatToF16Bits(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t absx = x & 0x7fffffff;
  if (absx >= 0x7f800000) // Inf or NaN
    return sign | 0x7c00 | (absx > 0x7f800000 ? 0x200 : 0);
  if (absx >= 0x477ff000) // rounds to >= 65520: overflow to inf
    return sign | 0x7c00;
  if (absx < 0x38800000) { // subnormal f16 (or zero)
    // Shift the implicit-one mantissa into f16's subnormal range.
    int shift = 113 - (int)(absx >> 23);
    // Below 2^-25 everything rounds to zero (2^-25 itself ties to even);
    // returning here also keeps every shift below 32 bits.
    if (shift > 11)
      return sign;
    uint32_t mant = (absx & 0x7fffff) | 0x800000;
    uint32_t halfMant = mant >> (shift + 13);
    uint32_t rem = mant & ((1u << (shift + 13)) - 1);
    uint32_t halfway = 1u << (shift + 12);
    if (rem > halfway || (rem == halfway && (halfMant & 1)))
      ++halfMant;
    return sign | halfMant;
  }
  uint32_t exp = (absx >> 23) - 112;
  uint32_t mant = absx & 0x7fffff;
  uint32_t half = (exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
    ++half; // may carry into the exponent, which is the correct result
  return sign | half;
}

float f16BitsToFloat(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // normalize the subnormal
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | ((uint32_t)(112 - e) << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToBF16Bits(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  if ((x & 0x7fffffff) > 0x7f800000) // NaN: keep it quiet
    return (uint16_t)((x >> 16) | 0x40);
  uint32_t lsb = (x >> 16) & 1;
  x += 0x7fff + lsb;
  return (uint16_t)(x >> 16);
}

void floatsToBF16Bits(const void *in, uint16_t *out, size_t n) {
  const uint8_t *bytes = static_cast<const uint8_t *>(in);
  for (size_t i = 0; i < n; ++i) {
    uint32_t x;
    std::memcpy(&x, bytes + 4 * i, 4);
    // floatToBF16Bits without a branch: NaNs stay quiet NaNs, the rest
    // round to nearest even.
    uint32_t rounded = (x + 0x7fff + ((x >> 16) & 1)) >> 16;
    uint32_t quietNaN = (x >> 16) | 0x40;
    out[i] = (uint16_t)((x & 0x7fffffff) > 0x7f800000 ? quietNaN : rounded);
  }
}

float bf16BitsToFloat(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float roundToF16(float v) { return f16BitsToFloat(floatToF16Bits(v)); }
float roundToBF16(float v) { return bf16BitsToFloat(floatToBF16Bits(v)); }

int64_t wrapInteger(int64_t v, DType t) {
  switch (t) {
  case DType::I8:
    return (int8_t)v;
  case DType::I16:
    return (int16_t)v;
  case DType::I32:
    return (int32_t)v;
  case DType::U8:
    return (uint8_t)v;
  case DType::U16:
    return (uint16_t)v;
  case DType::U32:
    return (uint32_t)v;
  case DType::Bool:
    return v != 0;
  default:
    return v;
  }
}

int64_t shapeNumElements(const Shape &shape) {
  // Saturates instead of overflowing, so oversized shapes fail size checks.
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d <= 0)
      return 0;
    if (n > INT64_MAX / d)
      return INT64_MAX;
    n *= d;
  }
  return n;
}

std::string shapeToString(const Shape &shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += "x";
    s += std::to_string(shape[i]);
  }
  return s;
}

std::vector<int64_t> shapeStrides(const Shape &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

Tensor::Tensor(DType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)),
      numElements_(shapeNumElements(shape_)) {
  if (isFloat())
    f_.assign(numElements_, 0.0f);
  else
    ints_.assign(numElements_, 0);
}

Tensor Tensor::scalarF(DType dtype, float v) {
  Tensor t(dtype, {});
  t.setF(0, v);
  return t;
}

Tensor Tensor::scalarI(DType dtype, int64_t v) {
  Tensor t(dtype, {});
  t.setI(0, v);
  return t;
}

Tensor Tensor::fromFloats(DType dtype, Shape shape, std::vector<float> data) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numElements_ = shapeNumElements(t.shape_);
  if (t.isFloat()) {
    t.f_ = std::move(data);
    for (float &v : t.f_) {
      if (dtype == DType::F16)
        v = roundToF16(v);
      else if (dtype == DType::BF16)
        v = roundToBF16(v);
    }
  } else {
    t.ints_.resize(t.numElements_);
    for (int64_t i = 0; i < t.numElements_; ++i)
      t.setD(i, data[i]);
  }
  return t;
}

Tensor Tensor::fromInts(DType dtype, Shape shape, std::vector<int64_t> data) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numElements_ = shapeNumElements(t.shape_);
  if (t.isFloat()) {
    t.f_.resize(t.numElements_);
    for (int64_t i = 0; i < t.numElements_; ++i)
      t.setF(i, (float)data[i]);
  } else {
    t.ints_ = std::move(data);
    for (int64_t &v : t.ints_)
      v = wrapInteger(v, dtype);
  }
  return t;
}

double Tensor::getD(int64_t i) const {
  if (isFloat())
    return f_[i];
  if (dtype_ == DType::U64)
    return (double)(uint64_t)ints_[i];
  return (double)ints_[i];
}

void Tensor::setF(int64_t i, float v) {
  switch (dtype_) {
  case DType::F16:
    f_[i] = roundToF16(v);
    return;
  case DType::BF16:
    f_[i] = roundToBF16(v);
    return;
  case DType::F32:
  case DType::F64:
    f_[i] = v;
    return;
  default:
    setD(i, v);
  }
}

void Tensor::setI(int64_t i, int64_t v) {
  if (isFloat())
    setF(i, (float)v);
  else
    ints_[i] = wrapInteger(v, dtype_);
}

void Tensor::setD(int64_t i, double v) {
  if (isFloat()) {
    setF(i, (float)v);
    return;
  }
  if (dtype_ == DType::Bool) {
    ints_[i] = v != 0.0;
    return;
  }
  if (std::isnan(v)) {
    ints_[i] = 0;
    return;
  }
  // Out-of-range float->int conversions are undefined in C++; clamp to the
  // 64-bit range first, then wrap like the hardware's conversion would.
  double t = std::trunc(v);
  int64_t iv;
  if (dtype_ == DType::U64 && t >= 9.2233720368547758e18)
    iv = (int64_t)(uint64_t)std::min(t, 1.8446744073709550e19);
  else if (t >= 9.2233720368547758e18)
    iv = std::numeric_limits<int64_t>::max();
  else if (t <= -9.2233720368547758e18)
    iv = std::numeric_limits<int64_t>::min();
  else
    iv = (int64_t)t;
  ints_[i] = wrapInteger(iv, dtype_);
}

Tensor Tensor::reshaped(Shape newShape) const {
  Tensor t = *this;
  t.shape_ = std::move(newShape);
  return t;
}

Tensor Tensor::castTo(DType to) const {
  Tensor r(to, shape_);
  for (int64_t i = 0; i < numElements_; ++i) {
    if (isFloat())
      r.setD(i, f_[i]);
    else if (isFloatDType(to))
      r.setF(i, (float)getD(i));
    else
      r.setI(i, ints_[i]);
  }
  return r;
}

std::vector<uint8_t> Tensor::toBytes() const {
  int64_t es = dtypeByteSize(dtype_);
  std::vector<uint8_t> out(numElements_ * es);
  uint8_t *p = out.data();
  // The common storage types in one tight loop each (weights go through
  // here when a program is written).
  if (dtype_ == DType::F32) {
    if (!out.empty()) // an empty vector may have no data pointer
      std::memcpy(p, f_.data(), out.size());
    return out;
  }
  if (dtype_ == DType::BF16 || dtype_ == DType::F16) {
    bool bf16 = dtype_ == DType::BF16;
    for (int64_t i = 0; i < numElements_; ++i, p += 2) {
      uint16_t b = bf16 ? floatToBF16Bits(f_[i]) : floatToF16Bits(f_[i]);
      std::memcpy(p, &b, 2);
    }
    return out;
  }
  for (int64_t i = 0; i < numElements_; ++i, p += es) {
    switch (dtype_) {
    case DType::F16: {
      uint16_t b = floatToF16Bits(f_[i]);
      std::memcpy(p, &b, 2);
      break;
    }
    case DType::BF16: {
      uint16_t b = floatToBF16Bits(f_[i]);
      std::memcpy(p, &b, 2);
      break;
    }
    case DType::F32:
      std::memcpy(p, &f_[i], 4);
      break;
    case DType::F64: {
      double d = f_[i];
      std::memcpy(p, &d, 8);
      break;
    }
    default: {
      int64_t v = ints_[i];
      std::memcpy(p, &v, es); // little-endian: low bytes first
      break;
    }
    }
  }
  return out;
}

Tensor Tensor::fromBytes(DType dtype, Shape shape, const uint8_t *p,
                         size_t size) {
  Tensor t(dtype, std::move(shape));
  int64_t es = dtypeByteSize(dtype);
  if ((int64_t)size < t.numElements_ * es)
    return t;                // callers validate sizes before calling
  if (dtype == DType::F32) { // the storage's own layout: one copy
    if (t.numElements_ > 0)  // (an empty tensor may have no data pointer)
      std::memcpy(t.f_.data(), p, t.numElements_ * es);
    return t;
  }
  for (int64_t i = 0; i < t.numElements_; ++i, p += es) {
    switch (dtype) {
    case DType::F16: {
      uint16_t b;
      std::memcpy(&b, p, 2);
      t.f_[i] = f16BitsToFloat(b);
      break;
    }
    case DType::BF16: {
      uint16_t b;
      std::memcpy(&b, p, 2);
      t.f_[i] = bf16BitsToFloat(b);
      break;
    }
    case DType::F32:
      std::memcpy(&t.f_[i], p, 4);
      break;
    case DType::F64: {
      double d;
      std::memcpy(&d, p, 8);
      t.f_[i] = (float)d;
      break;
    }
    case DType::I8:
      t.ints_[i] = (int8_t)p[0];
      break;
    case DType::I16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      t.ints_[i] = v;
      break;
    }
    case DType::I32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      t.ints_[i] = v;
      break;
    }
    case DType::I64:
    case DType::U64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      t.ints_[i] = v;
      break;
    }
    case DType::U8:
      t.ints_[i] = p[0];
      break;
    case DType::Bool:
      t.ints_[i] = p[0] != 0;
      break;
    case DType::U16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      t.ints_[i] = v;
      break;
    }
    case DType::U32: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      t.ints_[i] = v;
      break;
    }
    }
  }
  return t;
}

std::string Tensor::describe() const {
  std::string s = "tensor<";
  for (int64_t d : shape_)
    s += std::to_string(d) + "x";
  return s + dtypeName(dtype_) + ">";
}

float decodeE4M3(uint8_t bits) {
  int sign = bits >> 7, exponent = (bits >> 3) & 15, mantissa = bits & 7;
  float v;
  if (exponent == 15 && mantissa == 7)
    v = std::numeric_limits<float>::quiet_NaN();
  else if (exponent == 0)
    v = std::ldexp((float)mantissa / 8.0f, -6);
  else
    v = std::ldexp(1.0f + (float)mantissa / 8.0f, exponent - 7);
  return sign ? -v : v;
}

uint8_t encodeE4M3(float v) {
  if (std::isnan(v))
    return 0x7f;
  uint8_t sign = std::signbit(v) ? 0x80 : 0;
  float a = std::fabs(v);
  if (a >= 448.0f)
    return sign | 0x7e; // the largest finite value
  // The nearest of the 127 non-negative finite codes, ties to the even
  // (mantissa) code: codes are ordered like their values.
  uint8_t lo = 0, hi = 0x7e;
  while (hi - lo > 1) {
    uint8_t mid = (uint8_t)((lo + hi) / 2);
    if (decodeE4M3(mid) <= a)
      lo = mid;
    else
      hi = mid;
  }
  float dl = a - decodeE4M3(lo), dh = decodeE4M3(hi) - a;
  uint8_t code = dl < dh ? lo : dh < dl ? hi : (lo % 2 == 0 ? lo : hi);
  return sign | code;
}

} // namespace tessera
