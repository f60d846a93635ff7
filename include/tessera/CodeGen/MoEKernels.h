//===- MoEKernels.h - Kernels with run-time row counts (sparse MoE) -*- C++
//-*-===//
//
// Two kernels whose work depends on data computed on the device:
//
//  - MoETableKernel: the scalar unit of one core turns per-expert token
//    counts (i32 in GM) into the experts' first rows in the permuted token
//    order and a *tile table*: one entry (expert, first row, rows) per tile
//    of at most `tileRows` rows, with the entry count first.
//  - GroupedMatmulKernel: c[r, :] = a[r, :] @ W[e]^T for the rows r of every
//    entry of a tile table, e the entry's expert. The cores loop over the
//    entries with a trip count read from the table (`loop` on a register);
//    the entry's rows are a register extent of the A, L0 and C tiles, and
//    its expert a register term of the weight address, so an expert with no
//    rows has no entry: its weights are not read and it costs nothing.
//
// Both are *self-synchronized*: they emit their own pipe flags around their
// loops (a loop body cannot be ordered by the straight-line analysis of
// SyncInsertion.h) and are bracketed by `barrier ALL` on every core they
// use; insertSync copies such a region verbatim (see SyncInsertion.h).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CODEGEN_MOEKERNELS_H
#define TESSERA_CODEGEN_MOEKERNELS_H

#include "tessera/CodeGen/Kernels.h"

#include <optional>

namespace tessera::codegen {

/// Layout of a tile table in GM (i32): [count, (expert, row0, rows) x max].
struct TileTable {
  uint64_t addr = 0;
  int64_t maxEntries = 0;
  static int64_t bytes(int64_t maxEntries) { return 4 * (1 + 3 * maxEntries); }
};

/// The tile table of experts whose counts are `counts` (i32 [experts]); also
/// writes each expert's first row to `offsets` (i32 [experts]).
struct MoETableKernel {
  std::string name;
  uint64_t countsAddr = 0, offsetsAddr = 0;
  int64_t experts = 0;
  int64_t tileRows = 0;
  TileTable table;
  /// Experts every token takes (a MoE's shared experts cut into routed-size
  /// pieces: SGLang's shared-expert fusion): experts `experts` to `experts
  /// + fixedExperts - 1` with `fixedRows` rows each, from row `fixedRow0`
  /// on. Their entries are spread evenly between the routed experts'
  /// (a product's DRAM-bound stream of routed weights then leaves the
  /// matrix cores room for them all along). (Their rows' tokens are static:
  /// the caller writes them.)
  int64_t fixedExperts = 0, fixedRows = 0, fixedRow0 = 0;
  /// With fixed experts, the routed entries alone are written here too
  /// (for the products the fixed experts take no part in).
  TileTable routedOnly;
};

/// c_w[r, n] = sum_k a[r, k] * w_w[e, n, k] for every entry (e, row0, rows)
/// of `table` and r in [row0, row0 + rows). Every weight shares A, K and the
/// table; A's rows are contiguous (row stride a.strides[0], unit inner).
/// With `aRowOf`, row r of the product's A is row aRowOf[r] of `a`.
struct GroupedMatmulKernel {
  std::string name;
  GmView a; // [rows, K], or with aRowOf the rows they are gathered from
  /// i32 [rows]: which row of `a` each of the product's rows is. The rows
  /// are gathered as the tiles load (dma_gather), so a MoE's tokens in
  /// expert order are never written out: a permuted copy (DeepSeek-V2-
  /// Lite's 1024-token prefill: 25 MB) was evicted by the experts streaming
  /// through the L2 before its rows' entries came, written to DRAM and read
  /// back, while the tokens themselves (4 MB) stay in the L2, read by every
  /// entry.
  std::optional<GmView> aRowOf;
  /// The product's rows.
  int64_t rows() const { return aRowOf ? aRowOf->shape[0] : a.shape[0]; }
  struct Operand {
    GmView w; // [E, N, K], contiguous
    GmView c; // [rows, N], unit inner stride
    /// [F, N, K], contiguous: the weights of the table's experts E to
    /// E + F - 1 (MoETableKernel::fixedExperts), kept apart from `w`.
    std::optional<GmView> fixed;
  };
  std::vector<Operand> weights;
  TileTable table;
  int64_t tileRows = 0; // no entry has more rows
  /// Weight bytes the whole MoE may read (all its grouped matmuls). Idle
  /// vector cores read the entries' weights ahead into L2: all at once when
  /// that fits 3/4 of the L2 (decode), otherwise (prefill) paced by the cube
  /// cores with cross-core flags, a few entries ahead of their use, so the
  /// lines are not evicted before it. 0: never.
  int64_t readAheadBytes = 0;
  /// A product runs beside it (a MoE prefill's shared experts' down
  /// product beside the routed one): it takes about two thirds of the
  /// matrix cores, a count that splits the weights' columns, in whole
  /// tiles, evenly, and counts them busy for its weight bytes at the
  /// DRAM's rate, so that the product's jobs go to the others.
  bool productBeside = false;
  /// GM byte ranges the chip's cache engine is asked to read into the L2
  /// once this product's own weights are read (a later kernel's weights):
  /// with the paced read-ahead, each partner asks for its share once its
  /// own reads are done, while the cube cores still compute their last
  /// entries; otherwise with the next kernel
  /// (ProgramBuilder::requestL2Prefetch).
  std::vector<std::pair<uint64_t, uint64_t>> cacheEngineReadsAfter;
  /// Their profile row (the kernel's own read-ahead row when empty).
  std::string cacheEngineReadsAfterLoc;
  /// The cache engine may read its weights from the attention before its
  /// MoE on (NpuToIsa.cpp, CacheEngineReadAhead): a MoE's routed products
  /// right after its router, with no shared-expert product between them
  /// to fill the L2 before the routed products start.
  bool readFromAttention = false;
};

} // namespace tessera::codegen

#endif // TESSERA_CODEGEN_MOEKERNELS_H
