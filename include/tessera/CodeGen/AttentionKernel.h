//===- AttentionKernel.h - Flash attention on the vector cores ---*- C++
//-*-===//
//
// softmax(Q K^T * scale + mask) V per query head, tiled so that the scores
// and probabilities never leave local memory: for each work item (a batch,
// a key/value head and a block of queries of every query head of its
// group, so grouped-query heads share each K/V tile load) the kernel walks
// the keys in tiles, computing the tile's scores, an online softmax in f32
// (running max and sum, the accumulator rescaled when the max grows) and
// the tile's contribution to the output. See lib/CodeGen/AttentionKernel.cpp.
//
// The valid length of the keys may be a run-time value (a KV cache's
// current length): the kernel then reads it from GM with the scalar unit
// (`sld`) and gives every key-tile instruction an extent computed in a
// register, so only the filled part of the cache is read or computed on.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CODEGEN_ATTENTIONKERNEL_H
#define TESSERA_CODEGEN_ATTENTIONKERNEL_H

#include "tessera/CodeGen/Kernels.h"

namespace tessera::codegen {

struct AttentionKernel {
  std::string name;
  /// [B, Hq, Sq, Dqk], [B, Hkv, Skv, Dqk], [B, Hkv, Skv, Dv], [B, Hq, Sq, Dv]
  /// (row-major views; any float storage type each).
  GmView q, k, v, out;
  /// Additive mask seen as [B, Hq, Sq, Skv] (stride 0 broadcasts).
  bool hasMask = false;
  GmView mask;
  /// Query i sees keys j <= i + L - Sq (L = Skv or the run-time length).
  bool causal = false;
  float scale = 1.0f;
  /// The run-time length L: an i32 at this GM address, valid in
  /// [1, Skv] ([Sq, Skv] when causal); the program fails on another value.
  bool hasKvLength = false;
  uint64_t kvLengthAddr = 0;
  /// An f32 constant 0, 1, ..., kIotaLength - 1 in GM (key positions within
  /// a tile, query positions within a block, for the masks).
  uint64_t iotaAddr = 0;
  static constexpr int64_t kIotaLength = 128;
  /// Decode (few queries, few work items): the keys may be split over up to
  /// kMaxSplits cores (flash decoding), each writing its partial output,
  /// max and sum (f32) to this GM scratch of partialBytes(); a second kernel
  /// combines them. ~0: no scratch, no split.
  uint64_t scratchAddr = ~0ull;
  static constexpr int64_t kMaxSplits = 64;
  /// Scratch a split needs for query [B, Hq, Sq, *] and value dim dv.
  static int64_t partialBytes(int64_t queryRows, int64_t dv) {
    return kMaxSplits * queryRows * (dv + 2) * 4;
  }
  /// Whether an attention of `sq` queries gets split scratch.
  static bool splits(int64_t sq, int64_t skv) { return sq <= 16 && skv >= 256; }
};

} // namespace tessera::codegen

#endif // TESSERA_CODEGEN_ATTENTIONKERNEL_H
