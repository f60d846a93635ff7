//===- FuzzChecksum.h - Reseal mutated .npu images for fuzzing ---*- C++
//-*-===//
//
// A .npu image carries its size (offset 16) and an FNV-1a checksum (offset
// 24, counted as zero). Almost every mutation breaks both, so the fuzzers
// rewrite them before decoding; the loader's own checks of these two fields
// are covered by the malformed corpus and the lit tests.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_FUZZ_FUZZCHECKSUM_H
#define TESSERA_FUZZ_FUZZCHECKSUM_H

#include "tessera/Target/Target.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace tessera::fuzz {

inline std::vector<uint8_t> resealedImage(const uint8_t *data, size_t size) {
  std::vector<uint8_t> img(data, data + size);
  if (img.size() < 32)
    return img;
  uint64_t n = img.size(), zero = 0;
  std::memcpy(img.data() + 16, &n, 8);
  uint64_t h = target::fnv1a64(img.data(), 24);
  h = target::fnv1a64(&zero, 8, h);
  h = target::fnv1a64(img.data() + 32, img.size() - 32, h);
  std::memcpy(img.data() + 24, &h, 8);
  return img;
}

} // namespace tessera::fuzz

#endif // TESSERA_FUZZ_FUZZCHECKSUM_H
