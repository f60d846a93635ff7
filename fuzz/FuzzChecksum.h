//===- FuzzChecksum.h - Reseal mutated .npu images for fuzzing ---*- C++
//-*-===//
//
// A .npu image carries its size (offset 16) and a checksum (offset 24):
// XXH64 since format version 4, FNV-1a 64 (the field counted as zero) in
// version 3, which the loader still reads. Almost every mutation breaks both,
// so the fuzzers rewrite them, as the version the header records computes
// the checksum, before decoding; the loader's own checks of these two fields
// are covered by the malformed corpus and the lit tests. (Resealing with
// FNV-1a only, as before format 4, made every seed the current tools write
// fail its checksum: only the version-3 files of the corpus were decoded.)
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_FUZZ_FUZZCHECKSUM_H
#define TESSERA_FUZZ_FUZZCHECKSUM_H

#include "tessera/Support/Hash.h"
#include "tessera/Target/Target.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace tessera::fuzz {

inline std::vector<uint8_t> resealedImage(const uint8_t *data, size_t size) {
  std::vector<uint8_t> img(data, data + size);
  if (img.size() < 32)
    return img;
  uint64_t n = img.size(), zero = 0, h;
  std::memcpy(img.data() + 16, &n, 8);
  uint32_t version;
  std::memcpy(&version, img.data() + 8, 4);
  if (version >= 4) {
    h = xxh64(img.data() + 32, img.size() - 32, xxh64(img.data(), 24));
  } else {
    h = target::fnv1a64(img.data(), 24);
    h = target::fnv1a64(&zero, 8, h);
    h = target::fnv1a64(img.data() + 32, img.size() - 32, h);
  }
  std::memcpy(img.data() + 24, &h, 8);
  return img;
}

} // namespace tessera::fuzz

#endif // TESSERA_FUZZ_FUZZCHECKSUM_H
