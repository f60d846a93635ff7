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

#endif // TESSERA_GRAPH_QUANT_OPS
