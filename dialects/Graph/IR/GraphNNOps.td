//===- GraphNNOps.td - Convolution, pooling, NN-specific ops -*- tablegen -*-===//
//
// Convolution, pooling, the NN normalizations, arg/top-k selection, scans,
// the classification losses and einsum, with ONNX semantics. Window ops
// always carry explicit per-axis parameters: the importer resolves ONNX's
// defaults and auto_pad, so later passes never re-derive padding. `pads`
// lists the begin paddings of every spatial axis, then the end paddings.
//
// Type inference checks every shape and attribute (the rules are shared with
// the golden kernels in include/tessera/Golden/NNKernels.h), so a malformed
// op is rejected both when parsed and when the importer builds it.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_NN_OPS
#define TESSERA_GRAPH_NN_OPS

include "Graph/IR/GraphBase.td"

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

def Graph_ConvOp : Graph_Op<"conv", [SameOperandsAndResultElementType],
                            ["getFlops"]> {
  let summary = "N-d grouped, strided, dilated, padded convolution";
  let description = [{
    ONNX Conv: `input` is [N, C, D1, ..., Dn], `weight` [M, C/group, K1, ...,
    Kn], the optional `bias` [M]; the result is [N, M, O1, ..., On] with
    Oi = floor((Di + pad_begin_i + pad_end_i - ((Ki - 1) * dilation_i + 1)) /
    stride_i) + 1.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$weight,
                       Optional<Graph_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs Graph_FloatTensor:$output);
}

def Graph_ConvTransposeOp : Graph_Op<"conv_transpose",
                                     [SameOperandsAndResultElementType],
                                     ["getFlops"]> {
  let summary = "transposed (fractionally strided) convolution";
  let description = [{
    ONNX ConvTranspose with explicit pads: `input` is [N, C, D1, ...],
    `weight` [C, M/group, K1, ...], the optional `bias` [M]; output extent
    Oi = stride_i * (Di - 1) + output_padding_i + (Ki - 1) * dilation_i + 1 -
    pad_begin_i - pad_end_i. (The importer turns ONNX's `output_shape` and
    auto_pad into pads and output_padding.)
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$weight,
                       Optional<Graph_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$output_padding,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs Graph_FloatTensor:$output);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def Graph_PoolableTensor
    : StaticShapeTensorOf<[F16, BF16, F32, F64, I8, UI8]>;

def Graph_MaxPoolOp : Graph_Op<"max_pool", [SameOperandsAndResultElementType],
                               ["getFlops"]> {
  let summary = "maximum over sliding windows (padding never wins)";
  let description = [{
    ONNX MaxPool (only the values output). With `ceil_mode`, the output
    extent rounds up, except that a last window starting inside the end
    padding is dropped.
  }];
  let arguments = (ins Graph_PoolableTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs Graph_PoolableTensor:$output);
}

def Graph_MaxPoolWithIndicesOp
    : Graph_Op<"max_pool_with_indices", [], ["getFlops"]> {
  let summary = "max pooling that also returns where each maximum came from";
  let description = [{
    ONNX MaxPool with its Indices output: `indices` holds the flat (i64)
    index of each output's first maximum in the input, row-major, or with
    `storage_order` = 1 column-major over the spatial axes.
  }];
  let arguments = (ins Graph_PoolableTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<I64Attr, "0">:$storage_order);
  let results = (outs Graph_PoolableTensor:$output,
                      StaticShapeTensorOf<[I64]>:$indices);
}

def Graph_AvgPoolOp : Graph_Op<"avg_pool", [SameOperandsAndResultElementType],
                               ["getFlops"]> {
  let summary = "mean over sliding windows";
  let description = [{
    ONNX AveragePool. Without `count_include_pad` a window's sum is divided
    by the number of input elements it covers; with it, by the number of its
    positions inside the padded input.
  }];
  let arguments = (ins Graph_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs Graph_FloatTensor:$output);
}

def Graph_LpPoolOp : Graph_Op<"lp_pool", [SameOperandsAndResultElementType],
                              ["getFlops"]> {
  let summary = "Lp norm over sliding windows: (sum |x|^p)^(1/p)";
  let description = [{
    ONNX LpPool and (with the kernel covering the whole input) GlobalLpPool.
  }];
  let arguments = (ins Graph_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<I64Attr, "2">:$p);
  let results = (outs Graph_FloatTensor:$output);
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Graph_BatchNormOp : Graph_Op<"batch_norm",
                                 [SameOperandsAndResultElementType],
                                 ["getFlops"]> {
  let summary = "inference-mode batch normalization over channel axis 1";
  let description = [{
    (x - mean) / sqrt(var + epsilon) * scale + bias, every parameter [C].
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                       Graph_FloatTensor:$bias, Graph_FloatTensor:$mean,
                       Graph_FloatTensor:$var,
                       DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs Graph_FloatTensor:$output);
}

def Graph_InstanceNormOp : Graph_Op<"instance_norm",
                                    [SameOperandsAndResultElementType],
                                    ["getFlops"]> {
  let summary = "normalizes each (n, c) instance over its spatial elements";
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                       Graph_FloatTensor:$bias,
                       DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs Graph_FloatTensor:$output);
}

def Graph_LRNOp : Graph_Op<"lrn", [SameOperandsAndResultElementType],
                           ["getFlops"]> {
  let summary = "local response normalization across channels";
  let description = [{
    x / (bias + alpha / size * sum of squares over `size` neighbouring
    channels) ^ beta.
  }];
  let arguments = (ins Graph_FloatTensor:$input, I64Attr:$size,
                       DefaultValuedAttr<F32Attr, "1e-4">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.75">:$beta,
                       DefaultValuedAttr<F32Attr, "1.0">:$bias);
  let results = (outs Graph_FloatTensor:$output);
}

def Graph_MeanVarianceNormOp : Graph_Op<"mean_variance_norm",
                                        [SameOperandsAndResultElementType],
                                        ["getFlops"]> {
  let summary = "(x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9) over axes";
  let arguments = (ins Graph_FloatTensor:$input,
                       DenseI64ArrayAttr:$axes);
  let results = (outs Graph_FloatTensor:$output);
}

def Graph_LpNormOp : Graph_Op<"lp_norm", [SameOperandsAndResultElementType],
                              ["getFlops"]> {
  let summary = "x / ||x||_p along one axis, p in {1, 2}";
  let arguments = (ins Graph_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<I64Attr, "2">:$p);
  let results = (outs Graph_FloatTensor:$output);
}

//===----------------------------------------------------------------------===//
// Selection and scans
//===----------------------------------------------------------------------===//

class Graph_ArgReduceOp<string mnemonic, string which>
    : Graph_Op<mnemonic, [], ["getFlops"]> {
  let summary = "index (i64) of the " # which # " along one axis";
  let description = [{
    The first occurrence wins unless `select_last_index` is set.
  }];
  let arguments = (ins Graph_NumericTensor:$input,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs StaticShapeTensorOf<[I64]>:$output);
}

def Graph_ArgMaxOp : Graph_ArgReduceOp<"argmax", "maximum">;
def Graph_ArgMinOp : Graph_ArgReduceOp<"argmin", "minimum">;

def Graph_TopKOp : Graph_Op<"top_k", [], ["getFlops"]> {
  let summary = "the k largest (or smallest) values along an axis and their "
                "indices";
  let description = [{
    ONNX TopK with k resolved to a constant. Results are always sorted
    (largest first, or smallest first when `largest` is false); equal values
    keep index order.
  }];
  let arguments = (ins Graph_NumericTensor:$input, I64Attr:$k,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$largest);
  let results = (outs Graph_NumericTensor:$values,
                      StaticShapeTensorOf<[I64]>:$indices);
}

def Graph_CumSumOp : Graph_Op<"cumsum", [SameOperandsAndResultElementType]> {
  let summary = "cumulative sum along one axis";
  let arguments = (ins Graph_NumericTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs Graph_NumericTensor:$output);
}

def Graph_HardmaxOp : Graph_Op<"hardmax", [SameOperandsAndResultElementType]> {
  let summary = "1 at the first maximum along an axis, 0 elsewhere";
  let arguments = (ins Graph_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Graph_FloatTensor:$output);
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

def Graph_NLLLossOp : Graph_Op<"nll_loss", [], ["getFlops"]> {
  let summary = "negative log-likelihood loss on log-probabilities";
  let description = [{
    ONNX NegativeLogLikelihoodLoss: `input` [N, C, D...] of log-probabilities,
    `target` [N, D...] of class indices, the optional `weight` [C].
    `reduction` is "none" (a loss per sample), "sum" or "mean" (divided by
    the summed weights of the samples that count). Samples whose target is
    `ignore_index` count for nothing.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_IndexTensor:$target,
                       Optional<Graph_FloatTensor>:$weight,
                       DefaultValuedAttr<StrAttr, "\"mean\"">:$reduction,
                       OptionalAttr<I64Attr>:$ignore_index);
  let results = (outs Graph_FloatTensor:$output);
}

def Graph_SoftmaxCrossEntropyLossOp
    : Graph_Op<"softmax_cross_entropy_loss", [], ["getFlops"]> {
  let summary = "cross entropy of softmax(scores) against class labels";
  let description = [{
    ONNX SoftmaxCrossEntropyLoss: the NLL loss (see graph.nll_loss) of
    log_softmax(scores) over axis 1. The second result is that
    log-probability tensor (ONNX's optional `log_prob` output).
  }];
  let arguments = (ins Graph_FloatTensor:$scores, Graph_IndexTensor:$labels,
                       Optional<Graph_FloatTensor>:$weights,
                       DefaultValuedAttr<StrAttr, "\"mean\"">:$reduction,
                       OptionalAttr<I64Attr>:$ignore_index);
  let results = (outs Graph_FloatTensor:$output, Graph_FloatTensor:$log_prob);
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

def Graph_EinsumOp : Graph_Op<"einsum", [SameOperandsAndResultElementType],
                              ["getFlops"]> {
  let summary = "Einstein summation over one or more tensors";
  let description = [{
    ONNX/numpy einsum: explicit ("ij,jk->ik") or implicit form, repeated
    labels (diagonals), and "..." broadcasting.
  }];
  let arguments = (ins Variadic<Graph_NumericTensor>:$inputs,
                       StrAttr:$equation);
  let results = (outs Graph_NumericTensor:$output);
}

#endif // TESSERA_GRAPH_NN_OPS
