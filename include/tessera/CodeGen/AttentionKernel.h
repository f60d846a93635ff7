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
  /// (any float storage type each). Each is a strided view: the operands
  /// may be read through the layout changes that made them (a head split,
  /// a slice of a projection's columns, K's rotated part broadcast over the
  /// heads: AttentionKernels.cpp) and the result written with the heads
  /// merged ([B, Sq, Hq, Dv] in GM).
  GmView q, k, v, out;
  /// Q's and K's last columns from views of their own, [B, Hq, Sq, Dt] and
  /// [B, Hkv, Skv, Dt] (MLA: the rotated 64 beside the 128 unrotated ones,
  /// which q and k then give in their first Dqk - Dt columns); an empty
  /// shape: none.
  GmView qTail, kTail;
  /// Whether V is K itself (MLA's absorbed decode attends over the one
  /// latent cache with both): the kernels load each tile once for both.
  bool valuesAreKeys() const {
    return v.addr == k.addr && v.dtype == k.dtype && v.shape == k.shape &&
           v.strides == k.strides;
  }
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
  static constexpr int64_t kIotaLength = 512;
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
  /// Prefill on a chip whose matrix cores have no vector unit (dc): the GM
  /// workspace of the cube/vector split (AttentionSplitPlan), ~0 if none.
  uint64_t workspaceAddr = ~0ull;
  uint64_t workspaceBytes = 0;
};

/// One DMA of a Q or K load: `cols` columns of `view`, into columns
/// [c0, c0 + cols) of the local tile.
struct AttentionPart {
  const GmView *view;
  int64_t c0, cols;
};
/// The parts of Q (K) with its tail (AttentionKernel::qTail): the whole
/// view, or its first columns and the tail's.
std::vector<AttentionPart> attentionParts(const GmView &v, const GmView &tail);
/// The GM tile of 4-D view `v` from index (b, h, s, 0): shape
/// {heads, rows, cols}, or {rows, cols} when `heads` is 0; v's strides.
bin::Tile attentionBox(const GmView &v, int64_t b, int64_t h, int64_t s,
                       int64_t heads, int64_t rows, int64_t cols);
/// Local tile `t` narrowed to columns [c0, c0 + cols) of its last dimension.
bin::Tile columnsOf(bin::Tile t, int64_t c0, int64_t cols);
/// 4-D view `v` narrowed to its first `cols` columns (what a part reads).
GmView columnsOf(GmView v, int64_t cols);

/// The cube/vector split of an attention (lib/CodeGen/AttentionSplit.cpp),
/// as Ascend's fused attention runs on separate cube and vector cores: per tile
/// of (query rows, key block) the cube core computes S = Q K^T into a per-core
/// GM workspace (f32, from L0C by FIX, scaled), its vector cores run the online
/// softmax on their share of the rows and write P back in the storage type, the
/// cube computes P V into the workspace, and the vector cores rescale and
/// accumulate O. Cross-core flags hand every tile over; the workspace slots
/// rotate so that the cube computes the next tiles' scores while the vector
/// cores work on earlier ones.
struct AttentionSplitPlan {
  int cubeType = -1, vecType = -1;
  int64_t cubes = 0;   // cube cores
  int64_t perCube = 0; // vector cores serving one cube core
  int64_t qb = 0;      // queries per work item (rows = G x qb)
  int64_t rmax = 0;    // rows of a work item
  int64_t tile = 0;    // keys per tile
  int64_t ksS = 0;     // contraction step of Q K^T (along Dqk)
  int64_t ksPV = 0;    // contraction step of P V (along the keys)
  int64_t tmpRows = 0; // rows per chunk of the vector cores' f32 scratch
  int64_t splits = 1;  // decode: cube cores per work item (flash decoding)
  /// Per cube core: three slots each of S [rmax, tile] f32, P [2, rmax,
  /// tile] (high and low parts in the storage type) and P V [rmax, Dv] f32.
  uint64_t slotS = 0, slotP = 0, slotPV = 0, perCoreBytes = 0;
  uint64_t workspaceBytes = 0;
};

/// Plans the split for query [B, Hq, Sq, Dqk], key/value heads Hkv of Skv
/// positions, value dim Dv and `elemBytes`-byte (16-bit) storage; false when
/// the target or the attention does not take it (no separate matrix and
/// vector cores, too few cross-core flags or registers, 32-bit storage, an
/// explicit mask, a run-time length outside decode, or buffers that do not
/// fit). Decode (AttentionKernel::splits) also needs flash decoding's
/// scratch: its partial results are combined as the vector kernel's are.
bool planAttentionSplit(const target::TargetDesc &t, int64_t b, int64_t hq,
                        int64_t sq, int64_t dqk, int64_t hkv, int64_t skv,
                        int64_t dv, int64_t elemBytes, bool causal,
                        bool hasMask, bool hasKvLength,
                        AttentionSplitPlan &plan);

} // namespace tessera::codegen

#endif // TESSERA_CODEGEN_ATTENTIONKERNEL_H
