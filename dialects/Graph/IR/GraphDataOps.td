//===- GraphDataOps.td - Data movement ---------------------*- tablegen -*-===//
//
// Ops that only move or select data. They carry the DataMovement trait: they
// do no arithmetic, and on the NPU they become DMA work. Shapes, starts and
// the like are static attributes: the importer folds ONNX's shape-computing
// subgraphs into them.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_DATA_OPS
#define TESSERA_GRAPH_DATA_OPS

include "Graph/IR/GraphBase.td"

def Graph_DataMovement : NativeOpTrait<"DataMovement"> {
  let cppNamespace = "::tessera::graph";
}

// `costMethods` as for Graph_Op: a data op that does a little arithmetic
// (scatter with a reduction) overrides getFlops.
class Graph_DataOp<string mnemonic, list<Trait> traits = [],
                   list<string> costMethods = []>
    : Graph_Op<mnemonic, !listconcat([Graph_DataMovement], traits),
               costMethods>;

def Graph_TransposeOp : Graph_DataOp<"transpose",
                                     [SameOperandsAndResultElementType]> {
  let summary = "permutes dimensions: result dim i is input dim perm[i]";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Graph_Tensor:$output);
  let hasFolder = 1;
}

// Also the target of ONNX Flatten, Squeeze and Unsqueeze: all are reshapes.
def Graph_ReshapeOp : Graph_DataOp<"reshape",
                                   [SameOperandsAndResultElementType]> {
  let summary = "same elements in row-major order, new static shape";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Graph_Tensor:$output);
  let hasFolder = 1;
}

def Graph_ConcatOp : Graph_DataOp<"concat"> {
  let summary = "joins tensors along one axis";
  let arguments = (ins Variadic<Graph_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Graph_Tensor:$output);
}

// Normalized form: one start/end/step per dimension, starts and ends already
// clamped to the dimension (the importer resolves ONNX's negative and
// out-of-range values).
def Graph_SliceOp : Graph_DataOp<"slice", [SameOperandsAndResultElementType]> {
  let summary = "strided slice with one (start, end, step) per dimension";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs Graph_Tensor:$output);
  let hasVerifier = 1;
}

def Graph_GatherOp : Graph_DataOp<"gather"> {
  let summary = "takes slices of `input` along `axis` at `indices`";
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Graph_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Ops below: type inference, evaluation, folders and verifiers live in
// GraphDataMovementOps.cpp; kernels in lib/Golden/DataMovement.cpp.
//===----------------------------------------------------------------------===//

def Graph_SplitOp : Graph_DataOp<"split"> {
  let summary = "splits a tensor along `axis` into pieces of the given sizes";
  let description = [{
    Result i takes `sizes[i]` consecutive slices along `axis`; the sizes add
    up to the dimension. (The importer turns ONNX's equal split into sizes.)
  }];
  let arguments = (ins Graph_Tensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Graph_Tensor>:$outputs);
  let hasFolder = 1;
}

def Graph_ExpandOp : Graph_DataOp<"expand",
                                  [SameOperandsAndResultElementType]> {
  let summary = "broadcasts the input to `shape` (numpy rules, both ways)";
  let description = [{
    The result shape is the broadcast of the input's shape and `shape`, so a
    1 in `shape` keeps the input's dimension (ONNX Expand).
  }];
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Graph_Tensor:$output);
  let hasFolder = 1;
}

def Graph_TileOp : Graph_DataOp<"tile", [SameOperandsAndResultElementType]> {
  let summary = "repeats the input `repeats[i]` times along dimension i";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs Graph_Tensor:$output);
  let hasFolder = 1;
}

def Graph_PadOp : Graph_DataOp<"pad", [SameOperandsAndResultElementType]> {
  let summary = "pads (or, with negative amounts, crops) every dimension";
  let description = [{
    `pads` holds the amounts added before each dimension, then those added
    after it (ONNX order: x1_begin, x2_begin, ..., x1_end, x2_end, ...).
    `mode` is `constant` (fill with `value`), `reflect` (mirror without
    repeating the edge) or `edge` (repeat the edge).
  }];
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$pads,
                       DefaultValuedStrAttr<StrAttr, "constant">:$mode,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs Graph_Tensor:$output);
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Graph_TriluOp : Graph_DataOp<"trilu", [SameOperandsAndResultElementType]> {
  let summary = "keeps the upper or lower triangle of the last two dimensions";
  let description = [{
    With `upper`, keeps elements with column - row >= k; otherwise those
    with column - row <= k. The rest become zero.
  }];
  let arguments = (ins Graph_Tensor:$input,
                       DefaultValuedAttr<I64Attr, "0">:$k,
                       DefaultValuedAttr<BoolAttr, "true">:$upper);
  let results = (outs Graph_Tensor:$output);
}

def Graph_GatherElementsOp : Graph_DataOp<"gather_elements"> {
  let summary = "out[i][j][k] = input[index][j][k] for axis 0 (and so on)";
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Graph_Tensor:$output);
}

// `reduction` is none, add, mul, max or min: how an update combines with the
// element it lands on. With `none`, a later duplicate index wins.
def Graph_ScatterElementsOp
    : Graph_DataOp<"scatter_elements", [], ["getFlops"]> {
  let summary = "writes `updates` into a copy of `data` along `axis` at `indices`";
  let arguments = (ins Graph_Tensor:$data, Graph_IndexTensor:$indices,
                       Graph_Tensor:$updates,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs Graph_Tensor:$output);
}

// The KV-cache write of one decoding step: `update` replaces the entries
// [position, position + n) of `cache` along `axis`, where position is known
// only at run time. On the NPU the result shares the cache's buffer (the
// write is in place: only the new rows move).
def Graph_CacheUpdateOp : Graph_DataOp<"cache_update"> {
  let summary = "writes `update` into `cache` at a run-time `position` along `axis`";
  let description = [{
    `cache` `[..., C, ...]` and `update` `[..., n, ...]` agree on every
    dimension but `axis`; `position` is a 0-d or 1-element `i32`/`i64`
    tensor `p`. The result is `cache` with entries `[p, p + n)` along `axis`
    replaced by `update`. `p` must lie in `[0, C - n]`: evaluation reports
    a position that would overflow the cache with the numbers.

    ```mlir
    %new = graph.cache_update %cache, %row, %pos {axis = 1 : i64}
        : (tensor<1x4096x576xf32>, tensor<1x1x576xf32>, tensor<1xi64>)
          -> tensor<1x4096x576xf32>
    ```

    On the NPU the result aliases the cache's buffer: the kernel writes the
    `n` new rows with one DMA at the run-time row, nothing else moves. The
    cache operand must therefore have no other user (it is dead after the
    update), which graph-to-npu checks.
  }];
  let arguments = (ins Graph_Tensor:$cache, Graph_Tensor:$update,
                       Graph_IndexTensor:$position, I64Attr:$axis);
  let results = (outs Graph_Tensor:$output);
}

def Graph_GatherNDOp : Graph_DataOp<"gather_nd"> {
  let summary = "gathers slices of `data` addressed by the last dimension of `indices`";
  let arguments = (ins Graph_Tensor:$data, Graph_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs Graph_Tensor:$output);
}

def Graph_ScatterNDOp : Graph_DataOp<"scatter_nd", [], ["getFlops"]> {
  let summary = "writes slices of `updates` into a copy of `data` at `indices`";
  let arguments = (ins Graph_Tensor:$data, Graph_IndexTensor:$indices,
                       Graph_Tensor:$updates,
                       DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs Graph_Tensor:$output);
}

def Graph_OneHotOp : Graph_DataOp<"one_hot"> {
  let summary = "one-hot encoding: `values[1]` at each index, `values[0]` elsewhere";
  let description = [{
    Inserts a dimension of size `depth` at `axis`. Negative indices count
    from `depth`; indices outside [-depth, depth) give an all-off row (ONNX).
    `values` holds [off, on] and sets the result's element type.
  }];
  let arguments = (ins Graph_NumericTensor:$indices, Graph_Tensor:$values,
                       I64Attr:$depth,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Graph_Tensor:$output);
}

def Graph_DepthToSpaceOp
    : Graph_DataOp<"depth_to_space", [SameOperandsAndResultElementType]> {
  let summary = "moves channel blocks into spatial blocks (NCHW)";
  let description = [{
    `mode` DCR takes the channel as (blocksize, blocksize, C'); CRD as
    (C', blocksize, blocksize).
  }];
  let arguments = (ins Graph_Tensor:$input, I64Attr:$blocksize,
                       DefaultValuedStrAttr<StrAttr, "DCR">:$mode);
  let results = (outs Graph_Tensor:$output);
}

def Graph_SpaceToDepthOp
    : Graph_DataOp<"space_to_depth", [SameOperandsAndResultElementType]> {
  let summary = "moves spatial blocks into channels (NCHW); inverse of DCR depth_to_space";
  let arguments = (ins Graph_Tensor:$input, I64Attr:$blocksize);
  let results = (outs Graph_Tensor:$output);
}

def Graph_ReverseSequenceOp : Graph_DataOp<"reverse_sequence"> {
  let summary = "reverses the first sequence_lens[b] steps of each batch entry";
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$sequence_lens,
                       DefaultValuedAttr<I64Attr, "1">:$batch_axis,
                       DefaultValuedAttr<I64Attr, "0">:$time_axis);
  let results = (outs Graph_Tensor:$output);
}

// The condition is static (the result's shape depends on it).
def Graph_CompressOp : Graph_DataOp<"compress",
                                    [SameOperandsAndResultElementType]> {
  let summary = "keeps the slices along `axis` (or the flattened elements) whose condition is true";
  let description = [{
    Entries past the end of `condition` are dropped (ONNX). Without `axis`
    the input is flattened first.
  }];
  let arguments = (ins Graph_Tensor:$input, DenseBoolArrayAttr:$condition,
                       OptionalAttr<I64Attr>:$axis);
  let results = (outs Graph_Tensor:$output);
}

// Not DataMovement: linear and cubic modes interpolate.
def Graph_ResizeOp : Graph_Op<"resize", [SameOperandsAndResultElementType],
                              ["getFlops"]> {
  let summary = "resizes by interpolation (ONNX Resize, and Upsample)";
  let description = [{
    `sizes` is the result shape. `scales` (one per dimension) is the factor
    the coordinate transformation divides by: ONNX's `scales` input when it
    was given, else sizes / input dimensions. `roi` (starts then ends, in
    normalized coordinates) is used by `tf_crop_and_resize` only.

    mode: nearest | linear | cubic.
    coordinate_transformation_mode: half_pixel | pytorch_half_pixel |
      align_corners | asymmetric | tf_half_pixel_for_nn | tf_crop_and_resize.
    nearest_mode: round_prefer_floor | round_prefer_ceil | floor | ceil |
      legacy (Resize before opset 11: floor where a dimension grows, ceil
      where it shrinks).
  }];
  let arguments = (ins Graph_NumericTensor:$input, DenseI64ArrayAttr:$sizes,
      DenseF64ArrayAttr:$scales,
      DefaultValuedAttr<DenseF64ArrayAttr, "{}">:$roi,
      DefaultValuedStrAttr<StrAttr, "nearest">:$mode,
      DefaultValuedStrAttr<StrAttr, "half_pixel">:$coordinate_transformation_mode,
      DefaultValuedStrAttr<StrAttr, "round_prefer_floor">:$nearest_mode,
      DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
      DefaultValuedAttr<BoolAttr, "false">:$exclude_outside,
      DefaultValuedAttr<F64Attr, "0.0">:$extrapolation_value);
  let results = (outs Graph_NumericTensor:$output);
  let hasFolder = 1;
}

#endif // TESSERA_GRAPH_DATA_OPS
