//===- DispatchKernels.h - npu.dispatch -> back-end kernels -----*- C++ -*-===//
//
// Describes an npu.dispatch as the MLIR-free kernels of
// tessera/CodeGen/Kernels.h: GM views of its operands and results (from the
// addresses memory planning assigned) and, for vector dispatches, the
// dataflow graph of its graph ops. The same translation with placeholder
// addresses decides whether a graph op has a lowering at all, so the
// graph -> npu pass and the code generator cannot disagree.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CONVERSION_DISPATCHKERNELS_H
#define TESSERA_CONVERSION_DISPATCHKERNELS_H

#include "Npu/IR/NpuDialect.h"
#include "tessera/CodeGen/AttentionKernel.h"
#include "tessera/CodeGen/Kernels.h"
#include "tessera/CodeGen/MoEKernels.h"
#include "tessera/Support/Tensor.h"

#include <variant>

namespace tessera::conversion {

using Kernel = std::variant<
    codegen::VectorKernel, codegen::MatmulKernel, codegen::GatherKernel,
    codegen::TopKKernel, codegen::AiCpuKernel, codegen::GroupedMatmulKernel,
    codegen::MoETableKernel, codegen::AttentionKernel, codegen::FenceKernel>;

/// What of the chip a translation may take into account (the kernels stay
/// target-neutral; only their order follows it).
struct DispatchOptions {
  /// Separate vector cores beside the matrix cores (dc): a one-core chain
  /// of small kernels can run beside a product spread over the others.
  bool separateVectorCores = false;
  /// How far the chip's cache engine reads ahead of the kernels (a quarter
  /// of the L2; NpuToIsa.cpp, CacheEngineReadAhead), 0 where it has none:
  /// also what a kernel may ask it to read for a later kernel.
  uint64_t cacheEngineAhead = 0;
};

/// A MoE whose rows outnumber its experts this many times (a prefill
/// program's: every row is routed, the prompt's and the padding's, so 1024
/// rows of top-6 over 64 experts leave one unselected with probability
/// ~e^-96 under even routing) reads every expert's weights in all but
/// name: the cache engine may read them ahead (NpuToIsa.cpp, MoEKernels.cpp).
inline constexpr int64_t kRowsPerExpertReadWhole = 8;

/// Translates `op` with operand/result addresses `addrs` (operands first).
/// On failure `why` says what has no lowering.
bool translateDispatch(npu::DispatchOp op, llvm::ArrayRef<int64_t> addrs,
                       std::vector<Kernel> &kernels, std::string &why,
                       const DispatchOptions &options = {});

/// Set by tessera-npu-plan-memory on a concat dispatch whose operands it
/// placed in their slots of the result's buffer: it needs no kernel.
inline constexpr llvm::StringLiteral kConcatInPlaceAttr = "npu.concat_in_place";

/// The operand buffers of a concat dispatch that can be written in place:
/// its body is one graph.concat of its inputs in order, every slot is one
/// contiguous run of the result (each dimension before the axis has extent
/// 1), and each input is, through reshape views only, the one result of a
/// vector or matrix kernel that nothing else reads, in the result's storage
/// type. Fills (buffer, byte offset in the result) per input; false
/// otherwise.
bool concatSlots(
    npu::DispatchOp d,
    llvm::SmallVectorImpl<std::pair<mlir::Value, uint64_t>> &slots);

/// Where a view dispatch's result starts in its operand's buffer, in bytes:
/// 0 for a reshape or a transpose of unit dimensions, the first selected
/// element's offset for a slice of one contiguous run. 0 for other engines.
uint64_t viewByteOffset(npu::DispatchOp d);

/// The engine a single graph op runs on, or failure with the reason.
/// `aicpuAvailable`: the target has an AI-CPU the cores can synchronize with
/// (ops with no tensor-engine kernel may then run there).
bool engineFor(mlir::Operation *op, npu::Engine &engine, std::string &why,
               bool aicpuAvailable = true);

/// Storage dtype in GM of a model element type (f64 -> f32, i64 and u16 ->
/// i32, bool -> u8; floats -> `precision` unless `keep`).
std::optional<DType> storageDType(mlir::Type elementType, DType precision,
                                  bool keepFloat);

/// What an op's lowering needs besides its operands: constant tensors
/// (index bases, masks, iotas, triangular matrices) appended to the
/// dispatch's operands, and GM scratch buffers.
struct LoweringNeeds {
  std::vector<Tensor> aux;
  /// Per aux constant: true if it feeds the matrix engine (stored in the
  /// precision's dtype).
  std::vector<bool> auxIsMatrixOperand;
  std::vector<int64_t> scratchBytes;
};
/// `elemBytes`: storage size of the op's first operand's elements.
bool loweringNeeds(mlir::Operation *op, int64_t elemBytes, LoweringNeeds &needs,
                   std::string &why);
/// How many aux constants `op`'s lowering appends (0 for most ops).
unsigned numAuxOperands(mlir::Operation *op);

// Shared helpers.
/// An ONNX axis (negative counts from the end) as an index below `rank`.
/// (ODS returns I64Attr values as uint64_t: cast before comparing.)
inline int64_t normalizedAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}
/// Reductions, softmax and norms: ops a vector kernel computes row by row.
bool isRowOp(mlir::Operation *op);
/// The axes a row op reduces, normalized and sorted; `keep` whether the
/// result keeps them as extent-1 dims.
bool rowAxes(mlir::Operation *op, std::vector<int64_t> &axes, bool &keep,
             std::string &why);
std::vector<int64_t> shapeOfValue(mlir::Value v);
DType dtypeOfValue(mlir::Value v);
std::vector<int64_t> contiguousStrides(const std::vector<int64_t> &shape);
/// The value of a splat constant (graph.constant) as a vector immediate.
std::optional<float> splatScalar(mlir::Value v);
codegen::VectorKernel copyKernel(const std::string &name,
                                 const codegen::GmView &src,
                                 const codegen::GmView &dst);

// Per-family translations (DataMovementKernels.cpp, MatrixKernels.cpp).
bool isDataOp(mlir::Operation *op);
bool translateData(npu::DispatchOp d, mlir::Operation *op,
                   llvm::ArrayRef<int64_t> addrs, std::vector<Kernel> &kernels,
                   std::string &why);
bool translateMatmul(npu::DispatchOp d, llvm::ArrayRef<int64_t> addrs,
                     std::vector<Kernel> &kernels, std::string &why);
bool translateGather(npu::DispatchOp d, llvm::ArrayRef<int64_t> addrs,
                     std::vector<Kernel> &kernels, std::string &why);
bool translateTopK(npu::DispatchOp d, llvm::ArrayRef<int64_t> addrs,
                   std::vector<Kernel> &kernels, std::string &why);
/// The vector epilogue of a matrix dispatch: the ops after `after`, with
/// `seed` (the product, at `seedAddr`) as input 0.
bool translateEpilogue(npu::DispatchOp d, llvm::ArrayRef<int64_t> addrs,
                       mlir::Value seed, uint64_t seedAddr,
                       mlir::Operation *after, codegen::VectorKernel &out,
                       std::string &why);

// Lowerings of NN and indexed ops (NNKernels.cpp). `addrs` holds operands,
// results, then scratch buffers.
bool translateNN(npu::DispatchOp d, mlir::Operation *op,
                 llvm::ArrayRef<int64_t> addrs, std::vector<Kernel> &kernels,
                 std::string &why);
bool isNNOp(mlir::Operation *op);

// KV-cache writes (CacheUpdateKernel.cpp): ops whose result shares their
// first operand's GM buffer (tessera-npu-plan-memory aliases them).
bool isInPlaceOp(mlir::Operation *op);
bool isInPlaceDispatch(npu::DispatchOp d);
/// The aux constant of a cache_update of `n` rows: 0, 1, ..., n - 1 (i32).
Tensor cacheUpdateIota(int64_t n);
bool translateCacheUpdate(npu::DispatchOp d, llvm::ArrayRef<int64_t> addrs,
                          std::vector<Kernel> &kernels, std::string &why);

// graph.moe as a sparse MoE (MoEKernels.cpp): its aux constants, scratch
// and kernel sequence.
bool isMoEOp(mlir::Operation *op);
unsigned moeNumAux();
bool moeLoweringNeeds(mlir::Operation *op, int64_t elemBytes,
                      LoweringNeeds &needs, std::string &why);
bool translateMoE(npu::DispatchOp d, mlir::Operation *op,
                  llvm::ArrayRef<int64_t> addrs, std::vector<Kernel> &kernels,
                  std::string &why, const DispatchOptions &options);
// Fused LLM ops (LLMKernels.cpp, AttentionKernels.cpp): graph.rope, the
// one-operand graph.swiglu and graph.attention, each a dispatch of its own.
bool isLLMOp(mlir::Operation *op);
/// A transpose swapping the heads and sequence dims of [batch, seq, heads,
/// head_dim] (perm [0, 2, 1, 3]): a head split or a head merge.
bool isHeadTranspose(mlir::Operation *op);
/// A graph.attention whose result's only use is the head merge
/// transpose(o, [0, 2, 1, 3]) that its dispatch yields (fused by NpuFuse).
bool isHeadMergedAttention(mlir::Operation *op);
/// A layout op a fused kernel may read its operand through, as a strided
/// view of the buffer under it (NpuFuse): a transpose, a slice with positive
/// steps, an expand, a reshape (of a contiguous view, or one adding or
/// dropping unit dims of any view).
bool isViewLayoutOp(mlir::Operation *op);
/// A reshape that only adds or drops unit dims.
bool reshapesUnitDims(mlir::Operation *op);
/// The GM view `v`, a value of dispatch `d`'s body, reads: a block
/// argument's input (contiguous at its address), or a view layout op's view
/// of such a view; false where a reshape cannot view it.
bool layoutView(mlir::Value v, npu::DispatchOp d, llvm::ArrayRef<int64_t> addrs,
                codegen::GmView &out);
/// An op an attention may read its query, key or value through: a view
/// layout op, or a concat of two pieces along the last axis as the query or
/// key itself (its second piece read as AttentionKernel::qTail / kTail).
bool isAttentionLayoutOp(mlir::Operation *op);
/// The graph.rope of a dispatch body holding it and the view layout ops it
/// reads its input through, else null.
mlir::Operation *ropeOfBody(mlir::Block &body);
/// The graph.attention of a dispatch body holding it, the layout ops it
/// reads its operands through and the head merge of its result, else null.
mlir::Operation *attentionOfBody(mlir::Block &body);
/// Length of the iota constant (0, 1, ...) an attention dispatch takes as
/// its last operand: the most keys per tile, and queries per block.
constexpr int64_t kAttentionIotaLength = codegen::AttentionKernel::kIotaLength;
bool translateLLM(npu::DispatchOp d, mlir::Operation *op,
                  llvm::ArrayRef<int64_t> addrs, std::vector<Kernel> &kernels,
                  std::string &why);
bool translateAttention(npu::DispatchOp d, mlir::Operation *op,
                        llvm::ArrayRef<int64_t> addrs,
                        std::vector<Kernel> &kernels, std::string &why);

/// Name of an op for diagnostics and the debug map: its ONNX node name if
/// the location carries one.
std::string nodeName(mlir::Operation *op);

} // namespace tessera::conversion

#endif
