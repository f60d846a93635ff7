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

#include "llvm/Support/Error.h"

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

} // namespace tessera::golden

#endif // TESSERA_GOLDEN_QUANTKERNELS_H
