//===- Hash.h - Fast content checksums --------------------------*- C++ -*-===//
//
// XXH64 (Yann Collet's xxHash, 64-bit variant): the checksum of .npu
// programs and their constants since format version 4. It reads 32 bytes per
// round in four independent lanes, so it runs at memory speed where the
// byte-wise FNV-1a it replaces managed ~1 GB/s; its results equal
// llvm::xxHash64 (tested), without making the MLIR-free libraries link LLVM.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SUPPORT_HASH_H
#define TESSERA_SUPPORT_HASH_H

#include <cstddef>
#include <cstdint>

namespace tessera {

/// XXH64 of `size` bytes at `data` with `seed`.
uint64_t xxh64(const void *data, size_t size, uint64_t seed = 0);

/// XXH64 of bytes given in pieces: digest() equals xxh64() of their
/// concatenation. For data that is never in one buffer (a program image
/// written from its parts, weights spliced in where they are held).
class Xxh64Stream {
public:
  explicit Xxh64Stream(uint64_t seed = 0);
  void update(const void *data, size_t size);
  uint64_t digest() const;

private:
  void consumeStripe(const uint8_t *p);
  uint64_t lanes[4];
  uint64_t seed;
  uint64_t total = 0;
  uint8_t stripe[32];
  size_t pending = 0;
};

} // namespace tessera

#endif // TESSERA_SUPPORT_HASH_H
