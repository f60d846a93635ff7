//===- Numerics.cpp - Element access and the matrix kernel ----------------===//
#include "Numerics.h"

#include <algorithm>
#include <cmath>

namespace tessera::sim {

int64_t saturateInt(int64_t v, DType dt) {
  int64_t lo, hi;
  switch (dt) {
  case DType::I8:
    lo = INT8_MIN;
    hi = INT8_MAX;
    break;
  case DType::I16:
    lo = INT16_MIN;
    hi = INT16_MAX;
    break;
  case DType::I32:
    lo = INT32_MIN;
    hi = INT32_MAX;
    break;
  case DType::U8:
    lo = 0;
    hi = UINT8_MAX;
    break;
  case DType::U16:
    lo = 0;
    hi = UINT16_MAX;
    break;
  case DType::U32:
    lo = 0;
    hi = UINT32_MAX;
    break;
  case DType::Bool:
    lo = 0;
    hi = 1;
    break;
  default:
    return v;
  }
  return std::min(hi, std::max(lo, v));
}

float loadScalarF(const uint8_t *p, DType dt) {
  switch (dt) {
  case DType::F32: {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  case DType::F16: {
    uint16_t b;
    std::memcpy(&b, p, 2);
    return f16BitsToFloat(b);
  }
  case DType::BF16: {
    uint16_t b;
    std::memcpy(&b, p, 2);
    return bf16ToF(b);
  }
  case DType::F64: {
    double d;
    std::memcpy(&d, p, 8);
    return (float)d;
  }
  default:
    return (float)loadScalarI(p, dt);
  }
}

int64_t loadScalarI(const uint8_t *p, DType dt) {
  switch (dt) {
  case DType::I8:
    return (int8_t)p[0];
  case DType::U8:
  case DType::Bool:
    return p[0];
  case DType::I16: {
    int16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  case DType::U16: {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  case DType::I32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case DType::U32: {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case DType::I64:
  case DType::U64: {
    int64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  default: {
    float f = loadScalarF(p, dt);
    return std::isfinite(f) ? (int64_t)f : 0;
  }
  }
}

void storeScalarI(uint8_t *p, DType dt, int64_t v, bool sat) {
  if (isFloatDType(dt)) {
    storeScalarF(p, dt, (float)v, false);
    return;
  }
  v = sat ? saturateInt(v, dt) : wrapInteger(v, dt);
  switch (dtypeByteSize(dt)) {
  case 1:
    p[0] = (uint8_t)v;
    break;
  case 2: {
    uint16_t u = (uint16_t)v;
    std::memcpy(p, &u, 2);
    break;
  }
  case 4: {
    uint32_t u = (uint32_t)v;
    std::memcpy(p, &u, 4);
    break;
  }
  default:
    std::memcpy(p, &v, 8);
    break;
  }
}

void storeScalarF(uint8_t *p, DType dt, float v, bool sat) {
  switch (dt) {
  case DType::F32:
    std::memcpy(p, &v, 4);
    return;
  case DType::F16: {
    uint16_t b = floatToF16Bits(v);
    std::memcpy(p, &b, 2);
    return;
  }
  case DType::BF16: {
    uint16_t b = floatToBF16Bits(v);
    std::memcpy(p, &b, 2);
    return;
  }
  case DType::F64: {
    double d = v;
    std::memcpy(p, &d, 8);
    return;
  }
  default: {
    // Float to integer: round to nearest even, then saturate or wrap.
    if (std::isnan(v)) {
      storeScalarI(p, dt, 0, true);
      return;
    }
    double r = std::nearbyint((double)v);
    if (sat || r >= 9.2e18 || r <= -9.2e18) {
      r = std::max(-9.2e18, std::min(9.2e18, r));
      storeScalarI(p, dt, (int64_t)r, true);
    } else {
      storeScalarI(p, dt, (int64_t)r, false);
    }
  }
  }
}

void loadF(const uint8_t *mem, const bin::Tile &t, float *out) {
  DType dt = t.dtype;
  forEachRun(t, [&](int64_t idx, uint64_t addr, int64_t n, int64_t sb) {
    const uint8_t *p = mem + addr;
    float *o = out + idx;
    if (dt == DType::BF16 && sb == 2) {
      // Byte access: a bf16 tile in a 1-byte aligned space (GM) may start
      // at an odd address, where a uint16_t* would be misaligned.
      for (int64_t i = 0; i < n; ++i) {
        uint16_t b;
        std::memcpy(&b, p + 2 * i, 2);
        o[i] = bf16ToF(b);
      }
    } else if (dt == DType::F32 && sb == 4) {
      std::memcpy(o, p, n * 4);
    } else {
      for (int64_t i = 0; i < n; ++i)
        o[i] = loadScalarF(p + i * sb, dt);
    }
  });
}

void loadI(const uint8_t *mem, const bin::Tile &t, int64_t *out) {
  DType dt = t.dtype;
  forEachRun(t, [&](int64_t idx, uint64_t addr, int64_t n, int64_t sb) {
    for (int64_t i = 0; i < n; ++i)
      out[idx + i] = loadScalarI(mem + addr + i * sb, dt);
  });
}

void storeF(uint8_t *mem, const bin::Tile &t, const float *in, bool sat) {
  DType dt = t.dtype;
  forEachRun(t, [&](int64_t idx, uint64_t addr, int64_t n, int64_t sb) {
    uint8_t *p = mem + addr;
    if (dt == DType::F32 && sb == 4) {
      std::memcpy(p, in + idx, n * 4);
    } else if (dt == DType::BF16 && sb == 2) {
      for (int64_t i = 0; i < n; ++i) { // byte access: see loadF
        uint16_t b = fToBF16(in[idx + i]);
        std::memcpy(p + 2 * i, &b, 2);
      }
    } else
      for (int64_t i = 0; i < n; ++i)
        storeScalarF(p + i * sb, dt, in[idx + i], sat);
  });
}

void storeI(uint8_t *mem, const bin::Tile &t, const int64_t *in, bool sat) {
  DType dt = t.dtype;
  forEachRun(t, [&](int64_t idx, uint64_t addr, int64_t n, int64_t sb) {
    for (int64_t i = 0; i < n; ++i)
      storeScalarI(mem + addr + i * sb, dt, in[idx + i], sat);
  });
}

} // namespace tessera::sim
