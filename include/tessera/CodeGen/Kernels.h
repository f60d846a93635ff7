//===- Kernels.h - Target-aware NPU kernels and their code generator -*- C++
//-*-===//
//
// The MLIR-free back end of the compiler. The npu -> isa conversion describes
// each npu.dispatch as one of the kernels below (GM views of its operands and
// results, plus a small dataflow graph for vector work); ProgramBuilder tiles
// each kernel for the target, allocates local memory by liveness, splits the
// work across cores and appends per-core instruction streams. Flags between
// pipes are not emitted here: insertSync (SyncInsertion.h) derives them from
// the memory accesses afterwards.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CODEGEN_KERNELS_H
#define TESSERA_CODEGEN_KERNELS_H

#include "tessera/Binary/Program.h"
#include "tessera/Golden/QuantKernels.h"
#include "tessera/Target/Target.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessera::codegen {

/// Cross-core flag ids, by the kernels that use them. Kernels that no
/// barrier separates may run at the same time, and a flag counts signals
/// from any core, so each family keeps ids of its own: [0, 4) the barriers
/// between kernels (two pairs, alternating), from 4 split attention's
/// hand-offs (three per vector core of a cube core, AttentionSplit.cpp), and
/// the last id the MoE read-ahead's credits (MoEKernel.cpp). A family whose
/// ids do not fit the target's flags is not used there.
constexpr int64_t kBarrierFlagIds = 4;
constexpr int64_t kAttentionFlagBase = kBarrierFlagIds;
inline int64_t moePaceFlag(const target::TargetDesc &t) {
  return (int64_t)t.crossCoreFlags - 1;
}

/// Instructions of the self-synchronized kernels (MoEKernel.cpp,
/// GemvKernel.cpp), which emit their own control and flags: a scalar ALU
/// operation `rd = ra op (rb or imm)`, a pipe flag with its id, and
/// `barrier ALL`.
inline bin::Instr salu(bin::Opcode op, int64_t rd, int64_t ra, int64_t rb,
                       int64_t imm) {
  return bin::makeInstr(op, {}, {rd, ra, rb, imm});
}
inline bin::Instr pipeFlag(bin::Opcode op, target::Pipe from, target::Pipe to,
                           int64_t id) {
  return bin::makeInstr(op, {}, {(int64_t)from, (int64_t)to, id});
}
inline bin::Instr barrierAll() {
  return bin::makeInstr(bin::Opcode::Barrier, {}, {bin::kBarrierAll});
}

/// A tensor in GM seen through an affine view: element (i0, ..., in-1) lives
/// at `addr + sum(i_k * strides[k]) * elemBytes`. A stride of 0 broadcasts.
struct GmView {
  uint64_t addr = 0;
  DType dtype = DType::F32;
  std::vector<int64_t> shape, strides;

  static GmView contiguous(uint64_t addr, DType dtype,
                           const std::vector<int64_t> &shape);
  int64_t rank() const { return (int64_t)shape.size(); }
  int64_t numElements() const;
  /// Byte range [lo, hi) the view can touch.
  void byteRange(uint64_t &lo, uint64_t &hi) const;
};

//===----------------------------------------------------------------------===//
// Vector kernels: a dataflow graph over tiles of an iteration space
//===----------------------------------------------------------------------===//

enum class VKind : uint8_t {
  Load,   // input view -> tile
  Const,  // a constant (vdup), broadcast in every dimension
  Unary,  // opcode: vexp, vabs, ...
  Binary, // opcode: vadd, ...
  Scalar, // opcode: vadds/vmuls/vmaxs/vmins with `imm`
  Cmp,    // vcmp with `cmp`, result u8 (0/1)
  Select, // vsel(a != 0 ? b : c)
  MulAdd, // vmla: a * b + c, one rounding (f32 values)
  Cast,   // vcast to `type`
  Reduce, // vredsum/max/min over the kernel's trailing reduced dims
};

struct VNode {
  VKind kind = VKind::Load;
  bin::Opcode opcode = bin::Opcode::VAdd;
  int a = -1, b = -1, c = -1;
  int input = -1; // Load
  float imm = 0;  // Const value, Scalar operand
  int64_t cmp = 0;
  DType type = DType::F32; // compute type: F32, I32 or U8
  /// Per iteration dimension: true where this value has extent 1.
  std::vector<bool> one;
};

struct VStore {
  int node = -1;
  GmView view; // rank == iteration rank; extent 1 where the node is
};

/// An input whose rows come by index: row i of the iteration space reads
/// row index[i] of a table of `tableRows` rows (the input view's dim-0
/// stride apart), with one `dma_gather` per tile after the indices' load.
/// The kernel's space is then [rows, cols] with no reduction, tiled by rows.
struct VRowGather {
  int input = -1;
  GmView index; // i32 [rows], any stride
  int64_t tableRows = 0;
};

/// A fused vector kernel: every value is a tile of the iteration space (or a
/// broadcast of one). Reductions reduce the trailing `reducedDims` dims,
/// which a tile always covers whole.
struct VectorKernel {
  std::string name; // debug location (the ONNX node)
  std::vector<int64_t> space;
  int reducedDims = 0;
  std::vector<GmView> inputs; // rank == iteration rank, stride 0 broadcasts
  std::vector<VNode> nodes;
  std::vector<VStore> stores;
  std::vector<VRowGather> rowGathers;
  /// It may run later, when a kernel touches its bytes (a product's bias,
  /// read back from GM): ProgramBuilder::addVector defers it where the
  /// vector cores are separate, as it defers split-K sums.
  bool deferrable = false;
  /// GM byte ranges the chip's cache engine is asked to read into the L2 as
  /// this kernel starts (ProgramBuilder::requestL2Prefetch): a later
  /// kernel's weights, read while this one leaves the DRAM partly idle.
  std::vector<std::pair<uint64_t, uint64_t>> cacheEngineReads;

  // Builder helpers; they compute each node's broadcast mask. (load()
  // turns its input's stride-0 dims into extent-1 broadcasts.)
  int load(int input);
  /// load() in the input's own type: a cast() converts it where it is
  /// used, so the converted tile lives only from there (a load converts as
  /// it comes, and every converted tile of a run of loads lives at once).
  int loadStored(int input);
  /// load() of an input whose view is the table's first `space[0]` rows,
  /// its rows gathered by `index` (see VRowGather).
  int loadRows(int input, const GmView &index, int64_t tableRows,
               bool stored = false);
  int constant(float value, DType type);
  int unary(bin::Opcode op, int a);
  int binary(bin::Opcode op, int a, int b);
  int scalar(bin::Opcode op, int a, float imm);
  int compare(bin::CmpKind kind, int a, int b);
  int select(int mask, int a, int b);
  /// a * b + c as one fused multiply-add (vmla) on f32 values; other
  /// values (integers) get a vmul and a vadd.
  int mulAdd(int a, int b, int c);
  int cast(int a, DType type);
  int reduce(bin::Opcode op, int a);
  /// Stores `node` to `view`; broadcasts it first where the view is wider.
  void store(int node, const GmView &view);
};

/// The compute type of a storage type on the vector unit: f32 for floats,
/// u8 for bool/u8, i32 for other integers.
DType computeTypeOf(DType storage);

//===----------------------------------------------------------------------===//
// Matrix, gather and top-k kernels
//===----------------------------------------------------------------------===//

/// c[batch.., M, N] = scale * a[batch.., M, K] @ b[batch.., K, N] (then ReLU),
/// accumulated in f32 (i32 for i8) and converted to c's dtype on the way out.
/// A block-quantized B (graph.dequant_matmul): `b` is then the logical
/// [K, N] view of u8 at the packed weight's address, whose bytes are the
/// weight's own rows [N, layout.rowBytes(K)]; each load dequantizes a piece
/// of them into a [K, N] tile of the matrix precision (dma_ld_i4 /
/// dma_ld_f8) with the scales (and zero points) of the blocks it covers.
struct BlockQuantB {
  golden::BlockQuantLayout layout;
  uint64_t scaleAddr = 0;    ///< f32 [ceil(N/blockN), ceil(K/blockK)]
  uint64_t zeroAddr = ~0ull; ///< u8, same grid (int4); ~0 when none
};

struct MatmulKernel {
  std::string name;
  GmView a, b, c; // equal rank >= 2; batch dims broadcast with stride 0
  /// Set when B is a block-quantized weight (see BlockQuantB).
  std::optional<BlockQuantB> quant;
  float scale = 1.0f;
  bool relu = false;
  /// GM scratch for split-K partial sums (f32), when the tiling splits K;
  /// ~0 when there is none.
  uint64_t partialsAddr = ~0ull;
  /// Elementwise work after the product (a layer group): a vector kernel
  /// over C's 2-D space [M, N] whose input 0 is the product itself. Where
  /// the matrix engine's accumulator shares local memory with the vector
  /// unit (edge) it runs on each output tile in local memory; elsewhere C
  /// goes to GM and the epilogue reads it back.
  std::optional<VectorKernel> epilogue;
};

/// Gather: out[o, j, i] = table[o, row(j), i] (ONNX Gather along an axis);
/// scatter: table[o, row(j), i] = out[o, j, i]. The row of entry j is
/// `index[j]` (plus `wrap` when negative; `wrap` 0 means `rows`), times
/// `scale`, plus `base[j]` when there is a base: GatherElements and
/// ScatterElements address single elements of a flattened tensor that way.
struct GatherKernel {
  std::string name;
  GmView table; // [outer, rows, inner]
  GmView index; // [count], i32
  GmView out;   // [outer, count, inner]
  bool scatter = false;
  /// A scatter whose indices are all different (a KV-cache write: position
  /// + j): its writes need no order, so its rows spread over the cores.
  bool distinctRows = false;
  bool hasBase = false;
  GmView base; // [count], i32
  int64_t scale = 1, wrap = 0;
};

/// A barrier over every core, where no data dependence would put one: the
/// kernels after it then order against nothing before it. Between a kernel
/// and a reader of its output that comes a few kernels later, it keeps the
/// kernels in between from being waited for too (the MoE's shared-expert
/// products before its routed experts, which read the gathered tokens).
struct FenceKernel {
  std::string name;
};

/// values/indices [rows, k] = the k largest of each row of `in` [rows, cols]
/// (smallest with `largest` false), ties to the lower index.
struct TopKKernel {
  std::string name;
  GmView in;
  int64_t k = 1;
  bool largest = true;
  bool hasValues = true;
  GmView values, indices; // indices: i32
};

/// Work with no tensor-engine kernel, run on the target's AI-CPU (charged at
/// its cost and counted apart): dst = fn(src) elementwise over GM.
struct AiCpuKernel {
  std::string name;
  bin::CpuFn fn = bin::CpuFn::Copy;
  GmView src, dst; // contiguous, same element count
};

/// Tiling chosen for a kernel; recorded on the npu.dispatch by the tiling
/// pass and read back by the code generator.
struct Tiling {
  /// vector: {splitDim, block}; matmul: {tm, tn, ck, step, splitK} plus,
  /// when vector cores run GEMV jobs beside the matrix cores, their count.
  std::vector<int64_t> tile;
  int64_t cores = 1;
  bool nz = false; // matmul: fractal NZ tiles in L1
  /// matmul with splitK > 1: GM scratch bytes for the partial sums.
  int64_t scratchBytes = 0;
  /// matmul with more than one row of tiles: its jobs at the largest tiles
  /// that fit, before any narrowing to fill the cores (what it counts for
  /// as a sibling of another product; see planMatmul).
  int64_t wholeTileJobs = 0;
};

//===----------------------------------------------------------------------===//
// The program builder
//===----------------------------------------------------------------------===//

struct GroupedMatmulKernel; // MoEKernels.h
struct MoETableKernel;

struct BuildStats {
  uint64_t kernels = 0, crossCoreBarriers = 0;
  uint64_t aicpuKernels = 0;
  uint64_t l2PrefetchBytes = 0; // weights read ahead into L2 by vector cores
  uint64_t l2EngineBytes = 0;   // requested from the cache engine (l2_prefetch)
  uint64_t l2DiscardBytes = 0;  // dead GM dropped from the L2 (l2_discard)
  uint64_t l2EvictBytes = 0;    // used weights dropped from the L2 (l2_evict)
};

struct AttentionKernel; // AttentionKernel.h
struct AttentionSplitPlan;

/// A kernel of a batch of GEMV jobs, and one job (ProgramBuilder's
/// flushGemvBatch, GemvKernel.cpp).
struct GemvBatchKernel {
  MatmulKernel k;
  int64_t ktMax = 0, nt = 0, rows = 0;
  bool finalOutput = true; // c itself, else f32 partial sums
  /// B is stored transposed ([N, K], nn.Linear's weight): its rows are read
  /// and dot products taken (GemvKernel.cpp).
  bool transposed = false;
  uint64_t outBase = 0;    // GM address the jobs' output offsets add to
};
struct GemvBatchJob {
  uint32_t kernel = 0;
  int64_t xOff = 0, bOff = 0, outOff = 0; // bytes from each base
  int64_t blocks = 0;
  int64_t cols = 0; // output columns; 0: the kernel's nt
};

class ProgramBuilder {
public:
  ProgramBuilder(const target::TargetDesc &target, std::string name);

  const target::TargetDesc &target() const { return t_; }
  /// Whether idle vector cores may read read-once matmul weights into L2
  /// ahead of use (L2Prefetch.cpp); on by default.
  void setL2Prefetch(bool on) { l2Prefetch_ = on; }
  /// Whether the chip has a cache engine (l2_prefetch) and read-ahead is on.
  bool hasCacheEngine() const;
  /// Asks the cache engine to read [lo, hi) into the L2, ahead of the
  /// kernels that will read it, if it lies in a program input or a constant
  /// (L2Prefetch.cpp), on the next kernel's first core before its barrier.
  /// Returns the bytes requested (0: none).
  uint64_t requestL2Prefetch(uint64_t lo, uint64_t hi, const std::string &loc);
  /// Whether dead GM buffers are discarded from a write-back L2
  /// (L2Discard.cpp); on by default.
  void setL2Discard(bool on) { l2Discard_ = on; }
  /// Marks GM bytes [lo, hi) dead: no kernel added from now on reads them
  /// before writing them again. On a chip whose L2 is write-back, the next
  /// cross-core barrier discards their lines (`l2_discard`, L2Discard.cpp)
  /// unless a kernel touches them first.
  void discardWhenDrained(uint64_t lo, uint64_t hi);
  /// Marks read-only bytes [lo, hi) (weights, isReadOnlyData) unused from
  /// now on: the next cross-core barrier drops their clean lines from the
  /// L2 (`l2_evict`: GM keeps its bytes for the next call) unless a kernel
  /// touches them first, so they stop holding L2 lines the lines read
  /// after them need (L2Discard.cpp).
  void evictWhenDrained(uint64_t lo, uint64_t hi);
  /// True if [lo, hi) lies in a program input or constant: data no kernel
  /// writes, safe to read at any time.
  bool isReadOnlyData(uint64_t lo, uint64_t hi) const;
  /// Vector cores of their own beside the matrix cores (more than one).
  bool hasSeparateVectorCores() const;

  // Tiling decisions (also used by the tiling pass).
  /// `maxCores` (0: all) caps how many vector cores the tiling spreads over.
  bool planVector(const VectorKernel &k, Tiling &out, std::string &error,
                  int64_t maxCores = 0) const;
  /// `siblingJobs`: the whole-tile jobs (Tiling::wholeTileJobs) of the
  /// independent products beside `k` that read the same A (prefill's Q, K
  /// and V projections); they share the cores, so they count towards
  /// filling them. `ownCores`: the product is a dispatch of its own, its
  /// jobs sharing the matrix cores with its siblings' at most, so its
  /// column tiles are balanced over them (not a product that runs beside
  /// another on the cores that one leaves, as a MoE prefill's shared
  /// experts do).
  bool planMatmul(const MatmulKernel &k, Tiling &out, std::string &error,
                  int64_t siblingJobs = 0, bool ownCores = false) const;

  /// Appends a kernel. `tiling` may come from planVector/planMatmul or from
  /// the IR; it is re-checked. Errors name the kernel.
  bool addVector(const VectorKernel &k, const Tiling &tiling,
                 std::string &error);
  bool addMatmul(const MatmulKernel &k, const Tiling &tiling,
                 std::string &error);
  bool addGather(const GatherKernel &k, std::string &error);
  bool addTopK(const TopKKernel &k, std::string &error);
  bool addAiCpu(const AiCpuKernel &k, std::string &error);
  void addFence(const FenceKernel &k);
  /// Kernels with run-time row counts (MoEKernel.cpp).
  bool addGroupedMatmul(const GroupedMatmulKernel &k, std::string &error);
  bool addMoETable(const MoETableKernel &k, std::string &error);
  /// Flash attention (AttentionKernel.h, lib/CodeGen/AttentionKernel.cpp).
  bool addAttention(const AttentionKernel &k, std::string &error);
  /// Prefill as a cube/vector split (lib/CodeGen/AttentionSplit.cpp).
  bool addAttentionSplit(const AttentionKernel &k, const AttentionSplitPlan &p,
                         std::string &error);
  /// The second kernel of a key-split (flash-decoding) attention.
  void emitAttentionCombine(const AttentionKernel &k, int coreType,
                            target::Space local, int64_t items, int64_t splits,
                            int64_t qb, int64_t rmax, uint64_t blockBytes);

  /// Program-level data.
  void addIo(const bin::IoEntry &e) { prog_.io.push_back(e); }
  void addConst(bin::ConstBlob c) { prog_.consts.push_back(std::move(c)); }
  void setGmBytes(uint64_t bytes) { prog_.gmBytes = bytes; }
  /// Places `bytes` as a constant after everything in GM (tables the code
  /// generator makes: GEMV job tables, argmax's index row) and returns its
  /// address; a program that outgrows GM fails at finish().
  uint64_t appendConst(const std::string &name, const void *bytes,
                       uint64_t size);

  /// Closes every stream (`end`) and moves the program out (without
  /// pipe-to-pipe flags: run insertSync next). Fails only if a deferred
  /// kernel cannot be generated.
  bin::Program finish();
  bool finish(bin::Program &out, std::string &error);
  /// The same with the streams' code left packed (`packed[si]` is stream
  /// si's; its `instrs` are empty): the caller unpacks, synchronizes and
  /// folds one stream at a time (NpuToIsa.cpp).
  bool finish(bin::Program &out, std::vector<bin::PackedStream> &packed,
              std::string &error);
  const BuildStats &stats() const { return stats_; }

  /// A GM byte range a kernel reads or writes.
  struct Region {
    uint64_t lo, hi;
    bool write;
  };

private:
  struct CoreRef {
    uint32_t type, index;
  };
  struct Stream {
    bin::CoreStream cs;
    // The instructions as emitted, packed (see bin::PackedStream);
    // cs.instrs stays empty.
    bin::PackedStream code;
    std::vector<std::string> locs; // per instruction
    uint64_t kernel = ~0ull;       // the kernel its last instruction is of
  };
  Stream &stream(uint32_t type, uint32_t index);
  bin::Program finishPacked(std::vector<bin::PackedStream> &packed);
  void emit(uint32_t type, uint32_t index, const bin::Instr &in,
            const std::string &loc);
  /// Orders a new kernel on `cores` after earlier kernels it conflicts with
  /// (GM regions), with a barrier over every core involved. Unless
  /// `chargeVectorCores` is off (a matmul charges its GEMV jobs itself, a
  /// fence does no work), GEMV jobs placed later count the kernel on its
  /// vector cores (smallKernelLoad_).
  void beginKernel(const std::vector<CoreRef> &cores,
                   const std::vector<Region> &regions, bool fence = false,
                   bool chargeVectorCores = true);
  /// The first of `cores` consecutive vector cores for a small kernel
  /// touching `regions` (flushing the deferred reductions it depends on
  /// first). A kernel that would follow a barrier starts at core 0; one on a
  /// single core that only depends on what one core left pending goes to
  /// that core (no barrier: its flags order them); an independent one takes
  /// cores no pending kernel uses, so it runs beside them instead of
  /// queueing behind them on core 0.
  uint32_t placeVectorKernel(int64_t cores, const std::vector<Region> &regions);
  int vectorCoreType(target::Space &local) const;
  /// The same, with an error naming the target when it has no vector core.
  int vectorCoreType(target::Space &local, std::string &error) const;
  /// Emits `epi` for the output tile rows [m0, m0+mt) x cols [n0, n0+nt)
  /// whose product is already in local memory (`acc`), with buffers in
  /// [regionBase, regionBase + regionBytes). False if they do not fit.
  bool emitEpilogueTile(const VectorKernel &epi, uint32_t coreType,
                        uint32_t core, target::Space local, uint64_t regionBase,
                        uint64_t regionBytes, int64_t m0, int64_t mt,
                        int64_t n0, int64_t nt, const bin::Tile &acc,
                        const std::string &loc, bool planOnly);
  int matrixCoreType() const;
  /// How many vector cores may run GEMV jobs of `k` beside the matrix cores:
  /// all of them for a large one-row product of floats on a chip whose
  /// vector cores are separate (decode: the product is DRAM-bound, and more
  /// streams keep DRAM saturated while single cores pause); else 0.
  int64_t gemvVectorCores(const MatmulKernel &k) const;
  /// Whether `gemvCores` vector cores alone ask more of DRAM than it gives
  /// for `k`, a one-row product over a transposed weight: its jobs then go
  /// to them only (the matrix cores' jobs, a K chunk at a time, added
  /// contention and a slower tail; addMatmul).
  bool gemvVectorOnly(const MatmulKernel &k, int64_t gemvCores) const;
  /// Rows of B per local block of a GEMV job `nt` columns wide (0 if not
  /// even one fits), and the cycles one job of `rows` x `nt` takes.
  /// `transposed`: B is read as B^T's rows (GemvKernel.cpp).
  int64_t gemvBlockRows(DType dt, int64_t kMax, int64_t nt,
                        bool transposed = false) const;
  /// `dramShare` > 0: the bytes per cycle this core gets while every core
  /// of the kernel streams (DRAM is the limit and the double-buffered blocks
  /// hide their latency); 0: the core streams alone at its own DMA rate.
  double gemvJobCycles(DType dt, int64_t rows, int64_t nt,
                       bool transposed = false, double dramShare = 0) const;
  /// The rows per block of a kernel's GEMV jobs of at most `kMax` rows: the
  /// largest multiple of 8 that fits and divides `divides` (the rows of every
  /// job; 0 if none), so each job is a whole number of identical blocks.
  int64_t gemvEvenRows(DType dt, int64_t kMax, int64_t divides, int64_t nt,
                       bool transposed = false) const;

  // GEMV jobs (GemvKernel.cpp) are batched: the jobs of consecutive
  // kernels run on each vector core as one self-synchronized region of job
  // loops over a per-core job table, emitted before anything else reaches a
  // vector core's stream, so every vector core runs the same code and the
  // DMA ring never drains between kernels.
  std::vector<GemvBatchKernel> gemvBatch_;
  std::vector<std::vector<GemvBatchJob>> gemvBatchJobs_; // per vector core
  bool flushingGemv_ = false;
  /// Emits the pending batch (no-op when there is none).
  void flushGemvBatch();
  /// Whether `g` can join the pending batch: the same operand type, and
  /// one buffer layout for all of them fits local memory.
  bool gemvBatchAccepts(const GemvBatchKernel &g) const;

  const target::TargetDesc &t_;
  bin::Program prog_;
  std::vector<Stream> streams_;
  std::vector<int> streamOf_; // flat core -> stream index
  // Kernels since the last barrier: their cores and GM regions, and per
  // region the one core whose kernel touched it (kManyCores if several).
  std::vector<uint32_t> pendingCores_;
  std::vector<Region> pendingRegions_;
  std::vector<uint32_t> pendingRegionCore_;
  static constexpr uint32_t kManyCores = ~0u;
  // Estimated cycles of work queued on each matrix core (for balancing
  // independent matmuls); a cross-core barrier levels them.
  std::vector<double> matrixLoad_;
  // Where each matrix core's double buffers stand (L1 chunk, L0A/L0B step,
  // L0C tile): carried from one matmul kernel to the next, so the first
  // chunk of a kernel loads into the buffer the previous kernel's last chunk
  // did not use, and its DMA overlaps that chunk's compute.
  struct MatmulBuffers {
    int64_t chunk = 0, step = 0, tile = 0;
  };
  std::vector<MatmulBuffers> matmulBuffers_;
  // The same for vector cores running GEMV jobs: estimated queued cycles
  // (levelled with matrixLoad_ at barriers).
  std::vector<double> gemvLoad_;
  // Per vector core, the other kernels queued on it since the last barrier
  // (a floor of DMA latencies each), which its GEMV jobs would wait behind.
  std::vector<double> smallKernelLoad_;
  // Weight prefetch into L2 (see L2Prefetch.cpp): estimated cycle at which
  // each vector core's queued prefetch ends, and the bytes prefetched so far.
  std::vector<double> prefetchLoad_;
  double barrierLevel_ = 0; // estimated cycle of the last cross-core barrier
  uint64_t prefetchedBytes_ = 0;
  bool l2Prefetch_ = true;
  // Cache-engine requests (requestL2Prefetch) waiting for the next kernel,
  // and their emission before that kernel's barrier, on one of its
  // cores (flat ids).
  std::vector<std::pair<bin::Instr, std::string>> l2Requests_;
  void emitL2Requests(const std::vector<uint32_t> &kernelCores);
  // Dead GM ranges (discardWhenDrained) waiting for the next cross-core
  // barrier, which discards them on its hub between collecting every core
  // and releasing them (L2Discard.cpp).
  bool l2Discard_ = true;
  struct DeadRange {
    uint64_t lo, hi;
    bool keepBytes; // read-only data: evicted (l2_evict), not discarded
  };
  std::vector<DeadRange> deadRanges_;
  /// Forgets the dead ranges a kernel about to start touches.
  void keepLiveRanges(const std::vector<Region> &regions);
  /// Emits the discards of the dead ranges (`readOnly`: the evictions of
  /// the read-only ones) on core `hub` and forgets them.
  void emitL2Discards(uint32_t hubType, uint32_t hubIndex, bool readOnly);
  /// Queues DMA reads of [lo, hi) on idle vector cores so the lines are in
  /// L2 by `needAt` (estimated cycles), if they can be. Returns the bytes.
  uint64_t prefetchToL2(uint64_t lo, uint64_t hi, double needAt,
                        const std::string &loc);
  /// `rows` runs of `rowBytes` bytes, `stride` bytes apart, from `addr`.
  struct GmPanel {
    uint64_t addr;
    int64_t rows, rowBytes, stride;
  };
  /// Whether streamToL2 can run on this target (an L2, vector cores apart
  /// from the matrix cores, read-ahead on) for data in [lo, hi).
  bool canStreamToL2(uint64_t lo, uint64_t hi) const;
  /// Queues DMA reads of `panels`, in their order, spread over idle vector
  /// cores so each panel arrives in L2 at their summed rate: read-ahead
  /// that runs beside the kernel just begun and keeps ahead of its matrix
  /// cores. Returns the bytes.
  uint64_t streamToL2(const std::vector<GmPanel> &panels,
                      const std::string &loc);
  // Split-K reductions wait until a later kernel touches their bytes (or the
  // program ends), so independent matmuls stream back to back instead of
  // each ending in a cross-core barrier.
  struct Deferred {
    VectorKernel kernel;
    std::vector<Region> regions;
  };
  std::vector<Deferred> deferred_;
  // First vector core of the next vector kernel: 0, except while flushing
  // independent deferred reductions, which spread over the vector cores.
  uint32_t vectorStart_ = 0;
  bool flushing_ = false;
  std::string deferredError_;
  bool aiCpuJoined_ = false; // the AI-CPU ran work: it joins every barrier
  bool flushDeferred(const std::vector<Region> *conflictsWith,
                     std::string &error);
  /// Queues `k` to run when a later kernel touches its bytes (or at the
  /// end); fails now if it cannot be tiled.
  bool deferVector(const VectorKernel &k, std::string &error);
  BuildStats stats_;
};

} // namespace tessera::codegen

#endif // TESSERA_CODEGEN_KERNELS_H
