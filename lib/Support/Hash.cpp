//===- Hash.cpp - XXH64 ---------------------------------------------------===//
//
// The reference algorithm (github.com/Cyan4973/xxHash, XXH64), little-endian
// reads through memcpy so unaligned input is fine.
//
//===----------------------------------------------------------------------===//
#include "tessera/Support/Hash.h"

#include <algorithm>
#include <cstring>

namespace tessera {

namespace {
constexpr uint64_t P1 = 0x9E3779B185EBCA87ull;
constexpr uint64_t P2 = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t P3 = 0x165667B19E3779F9ull;
constexpr uint64_t P4 = 0x85EBCA77C2B2AE63ull;
constexpr uint64_t P5 = 0x27D4EB2F165667C5ull;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t read64(const uint8_t *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t read32(const uint8_t *p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t round(uint64_t acc, uint64_t input) {
  acc += input * P2;
  acc = rotl(acc, 31);
  return acc * P1;
}
inline uint64_t mergeRound(uint64_t acc, uint64_t val) {
  acc ^= round(0, val);
  return acc * P1 + P4;
}
} // namespace

uint64_t xxh64(const void *data, size_t size, uint64_t seed) {
  // The stream reads whole stripes in place; only the tail is copied.
  Xxh64Stream stream(seed);
  stream.update(data, size);
  return stream.digest();
}

Xxh64Stream::Xxh64Stream(uint64_t seed)
    : lanes{seed + P1 + P2, seed + P2, seed, seed - P1}, seed(seed) {}

void Xxh64Stream::consumeStripe(const uint8_t *p) {
  lanes[0] = round(lanes[0], read64(p));
  lanes[1] = round(lanes[1], read64(p + 8));
  lanes[2] = round(lanes[2], read64(p + 16));
  lanes[3] = round(lanes[3], read64(p + 24));
}

void Xxh64Stream::update(const void *data, size_t size) {
  const uint8_t *p = (const uint8_t *)data;
  total += size;
  if (pending) {
    size_t take = std::min(size, sizeof(stripe) - pending);
    std::memcpy(stripe + pending, p, take);
    pending += take;
    p += take;
    size -= take;
    if (pending < sizeof(stripe))
      return;
    consumeStripe(stripe);
    pending = 0;
  }
  for (; size >= sizeof(stripe); p += sizeof(stripe), size -= sizeof(stripe))
    consumeStripe(p);
  std::memcpy(stripe, p, size);
  pending = size;
}

uint64_t Xxh64Stream::digest() const {
  // The lanes' merge (32 bytes or more), then the bytes left in `stripe`.
  uint64_t h;
  if (total >= 32) {
    h = rotl(lanes[0], 1) + rotl(lanes[1], 7) + rotl(lanes[2], 12) +
        rotl(lanes[3], 18);
    for (uint64_t v : lanes)
      h = mergeRound(h, v);
  } else {
    h = seed + P5;
  }
  h += total;
  const uint8_t *p = stripe, *end = stripe + pending;
  for (; p + 8 <= end; p += 8) {
    h ^= round(0, read64(p));
    h = rotl(h, 27) * P1 + P4;
  }
  if (p + 4 <= end) {
    h ^= (uint64_t)read32(p) * P1;
    h = rotl(h, 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; ++p) {
    h ^= (uint64_t)*p * P5;
    h = rotl(h, 11) * P1;
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

} // namespace tessera
