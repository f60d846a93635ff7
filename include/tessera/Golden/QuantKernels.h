//===- QuantKernels.h - Golden weight-only quantized products ---*- C++ -*-===//
//
// Weight-only int8 quantization with one scale per output channel: the
// reference for graph.weight_quant_matmul and the quantizer the importer's
// --weight-quant uses, in one place so both agree on every rounding.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GOLDEN_QUANTKERNELS_H
#define TESSERA_GOLDEN_QUANTKERNELS_H

#include "tessera/Support/Tensor.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>

namespace tessera::golden {

/// The result shape of x [..., M, K] times weight [N, K] (transposed) with
/// scale [N]; an error names the operand that does not fit.
llvm::Expected<Shape> weightQuantMatmulShape(const Shape &x, const Shape &w,
                                             const Shape &scale);

/// out[..., m, n] = scale[n] * sum_k x[..., m, k] * w[n, k], the sum in f32
/// over the integer weights (as the NPU kernel: exact products, f32
/// accumulation, the scale on the accumulator).
llvm::Expected<Tensor> weightQuantMatmul(const Tensor &x, const Tensor &w,
                                         const Tensor &scale);

/// Symmetric per-row int8 quantization of w [N, K] (f32 values): scale[n] =
/// max_k |w[n, k]| / 127 (1 for an all-zero row), q = round-half-even(w /
/// scale) clamped to [-127, 127]. Returns {q (i8), scale (f32 [N])}.
std::pair<Tensor, Tensor> quantizeInt8PerChannel(const Tensor &w);

//===----------------------------------------------------------------------===//
// Block-quantized weights dequantized on the load (W4A16, FP8 block-scaled)
//===----------------------------------------------------------------------===//

/// How the bytes of a block-quantized weight [N, K] decode.
///  - Int4: two unsigned 4-bit values per byte along K (the low nibble is
///    the even k), `w = (q - zero) * scale` with one scale and one zero
///    point (u8, 0..15) per block;
///  - Fp8E4M3: one e4m3fn byte per element, `w = fp8(q) * scale` (DeepSeek-
///    V3's `weight_scale_inv`), no zero point.
enum class BlockQuantFormat { Int4, Fp8E4M3 };

/// "int4" / "fp8_e4m3", as graph.dequant_matmul spells them.
const char *blockQuantFormatName(BlockQuantFormat f);
std::optional<BlockQuantFormat> parseBlockQuantFormat(llvm::StringRef name);

/// A block-quantized weight's layout: the format and the block of elements
/// [blockN, blockK] that share one scale (and zero point).
struct BlockQuantLayout {
  BlockQuantFormat format = BlockQuantFormat::Int4;
  int64_t blockN = 1, blockK = 128;
  /// Bytes per row of the packed weight for K elements.
  int64_t rowBytes(int64_t k) const {
    return format == BlockQuantFormat::Int4 ? k / 2 : k;
  }
  /// The scale (and zero-point) grid for an [N, K] weight.
  Shape scaleShape(int64_t n, int64_t k) const {
    return {(n + blockN - 1) / blockN, (k + blockK - 1) / blockK};
  }
};

/// The result shape of x [..., M, K] times the block-quantized weight
/// (packed bytes `w`, `scale`, and `zero` when the format has one: pass
/// nullptr otherwise); an error names the operand that does not fit.
llvm::Expected<Shape> dequantMatmulShape(const Shape &x, const Shape &w,
                                         const Shape &scale, const Shape *zero,
                                         const BlockQuantLayout &layout);

/// The weight's values [N, K] (f32) from its bytes, scales and zero points,
/// each rounded to `roundTo` (the matrix precision the load widens into).
Tensor dequantizeWeight(const Tensor &w, const Tensor &scale,
                        const Tensor *zero, const BlockQuantLayout &layout,
                        int64_t k, DType roundTo);

/// out[..., m, n] = sum_k x[..., m, k] * w[n, k] with w dequantized to x's
/// element type (as the NPU's dequantizing load writes it into local
/// memory), the sum in f32.
llvm::Expected<Tensor> dequantMatmul(const Tensor &x, const Tensor &w,
                                     const Tensor &scale, const Tensor *zero,
                                     const BlockQuantLayout &layout);

/// Asymmetric int4 quantization of w [N, K] (f32) in groups of `group`
/// along K (K and `group` even; the last group may be partial): per group,
/// with lo =
/// min(0, min w) and hi = max(0, max w), scale = (hi - lo) / 15 (1 when
/// both are 0), zero = clamp(round-half-even(-lo / scale), 0, 15), q =
/// clamp(round-half-even(w / scale) + zero, 0, 15). Returns {q packed (u8
/// [N, K/2]), scale (f32 [N, ceil(K/group)]), zero (u8, the same grid)}.
struct QuantizedWeight {
  Tensor q, scale, zero;
};
QuantizedWeight quantizeInt4Grouped(const Tensor &w, int64_t group);

/// FP8 e4m3 block quantization of w [N, K] (f32) in blocks [blockN,
/// blockK]: scale = amax / 448 (1 for an all-zero block), q = e4m3(w /
/// scale). Returns {q (u8 [N, K]), scale (f32 grid), no zero}.
QuantizedWeight quantizeFp8Blocks(const Tensor &w, int64_t blockN,
                                  int64_t blockK);

} // namespace tessera::golden

#endif // TESSERA_GOLDEN_QUANTKERNELS_H
