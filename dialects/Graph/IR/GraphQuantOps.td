//===- GraphQuantOps.td - Weight-only quantized ops --------*- tablegen -*-===//
//
// Weight-only quantization (W8A16 in tpu-mlir's terms): the weight is stored
// narrow and dequantized on the fly where the product reads it; activations
// and accumulation keep their float types. Produced by the Hugging Face
// importer's --weight-quant option (lib/Import/HuggingFace/WeightQuant.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_QUANT_OPS
#define TESSERA_GRAPH_QUANT_OPS

include "Graph/IR/GraphBase.td"

def Graph_WeightQuantMatMulOp
    : Graph_Op<"weight_quant_matmul", [], ["getFlops"]> {
  let summary = "x times an int8 weight with one scale per output channel";
  let description = [{
    `output[..., m, n] = scale[n] * sum_k input[..., m, k] * weight[n, k]`:
    a linear layer (nn.Linear's `[out, in]` weight, used transposed) whose
    weight is int8 with a symmetric per-output-channel scale, i.e.
    `input x (weight * scale[:, None])^T`. The sum runs over the int8 values
    (exact in bf16) with f32 accumulation and the scale multiplies each
    output column afterwards: what the NPU kernel does, which reads the int8
    weight from memory, widens it on the load into local memory and applies
    the scale to the accumulator tile. `input` is `[..., M, K]` (rank >= 2),
    `weight` `[N, K]` i8, `scale` `[N]` of the input's element type or f32;
    the result is `[..., M, N]` of the input's element type.
  }];
  let arguments = (ins Graph_FloatTensor:$input, TensorOf<[I8]>:$weight,
                       Graph_FloatTensor:$scale);
  let results = (outs Graph_FloatTensor:$output);
  let hasVerifier = 1;
}


def Graph_DequantMatMulOp
    : Graph_Op<"dequant_matmul", [], ["getFlops"]> {
  let summary = "x times a block-quantized weight (int4 groups or FP8 blocks)";
  let description = [{
    `output[..., m, n] = sum_k input[..., m, k] * w[n, k]`, a linear layer
    (nn.Linear's `[out, in]` weight, used transposed) whose weight is stored
    as bytes with one scale per block of `[block_n, block_k]` elements:
     - `format = "int4"`: `weight` is `[N, K/2]` ui8, two unsigned 4-bit
       values per byte along K (the low nibble is the even k), and
       `w[n, k] = (q - zero_point[b]) * scale[b]` (W4A16 with groups of
       `block_k` along K, the last one possibly partial; `block_n` is 1,
       K and `block_k` even);
     - `format = "fp8_e4m3"`: `weight` is `[N, K]` ui8 holding e4m3fn codes
       and `w[n, k] = e4m3(q) * scale[b]` (DeepSeek-V3's block-scaled FP8,
       its `weight_scale_inv`); no zero point.
    `b` is the block `[n / block_n, k / block_k]`; `scale` is f32 over the
    block grid `[ceil(N / block_n), ceil(K / block_k)]`, `zero_point` ui8
    over the same grid. Each `w[n, k]` is rounded to the input's element
    type (the NPU's load dequantizes into local memory in the matrix
    precision) and the sum runs in f32; the result is `[..., M, N]` of the
    input's element type.
  }];
  let arguments = (ins Graph_FloatTensor:$input, TensorOf<[UI8]>:$weight,
                       TensorOf<[F32]>:$scale,
                       Optional<TensorOf<[UI8]>>:$zero_point,
                       StrAttr:$format, I64Attr:$block_n, I64Attr:$block_k);
  let results = (outs Graph_FloatTensor:$output);
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The format and block of the weight (the format valid after verify).
    ::tessera::golden::BlockQuantLayout getLayout();
  }];
}

#endif // TESSERA_GRAPH_QUANT_OPS
