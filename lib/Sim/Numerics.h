//===- Numerics.h - Element access and arithmetic of the simulator -*- C++
//-*-===//
//
// Loading tiles from simulated memory into dense host arrays (in the tile's
// logical row-major order) and storing them back with the hardware's
// rounding: f16/bf16 round-to-nearest-even, integers wrap or saturate.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_SIM_NUMERICS_H
#define TESSERA_LIB_SIM_NUMERICS_H

#include "tessera/Binary/Isa.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace tessera::sim {

/// Calls fn(logicalIndex, byteAddress, count, byteStride) for every run of
/// elements of `t` that are consecutive in logical order.
template <typename Fn> void forEachRun(const bin::Tile &t, Fn &&fn) {
  int64_t es = t.elemBytes();
  if (t.layout == bin::Layout::NZ) {
    int64_t R = t.shape[0], C = t.shape[1], c0 = 32 / es;
    for (int64_t r = 0; r < R; ++r)
      for (int64_t cb = 0; cb < C / c0; ++cb)
        fn(r * C + cb * c0, t.offset + (uint64_t)((cb * R + r) * c0 * es), c0,
           es);
    return;
  }
  int64_t shape[4] = {1, 1, 1, 1}, strides[4] = {0, 0, 0, 0};
  unsigned off = 4 - t.rank;
  for (unsigned i = 0; i < t.rank; ++i) {
    shape[off + i] = t.shape[i];
    strides[off + i] = t.strides[i];
  }
  int64_t idx = 0;
  for (int64_t a = 0; a < shape[0]; ++a)
    for (int64_t b = 0; b < shape[1]; ++b)
      for (int64_t c = 0; c < shape[2]; ++c) {
        int64_t e = a * strides[0] + b * strides[1] + c * strides[2];
        fn(idx, t.offset + (uint64_t)(e * es), shape[3], strides[3] * es);
        idx += shape[3];
      }
}

inline float bf16ToF(uint16_t b) {
  uint32_t u = (uint32_t)b << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// floatToBF16Bits (round to nearest even, NaN kept quiet), inline so the
/// store loops vectorize.
inline uint16_t fToBF16(float v) {
  uint32_t x;
  std::memcpy(&x, &v, 4);
  if ((x & 0x7fffffff) > 0x7f800000)
    return (uint16_t)((x >> 16) | 0x40);
  return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

float loadScalarF(const uint8_t *p, DType dt);
int64_t loadScalarI(const uint8_t *p, DType dt);
void storeScalarF(uint8_t *p, DType dt, float v, bool sat);
void storeScalarI(uint8_t *p, DType dt, int64_t v, bool sat);
/// Saturates `v` to the range of integer type `dt`.
int64_t saturateInt(int64_t v, DType dt);

void loadF(const uint8_t *mem, const bin::Tile &t, float *out);
void loadI(const uint8_t *mem, const bin::Tile &t, int64_t *out);
void storeF(uint8_t *mem, const bin::Tile &t, const float *in, bool sat);
void storeI(uint8_t *mem, const bin::Tile &t, const int64_t *in, bool sat);

} // namespace tessera::sim

#endif
