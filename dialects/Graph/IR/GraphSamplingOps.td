//===- GraphSamplingOps.td - Sampling at computed coordinates -*- tablegen -*-===//
//
// Ops that read an image at coordinates computed from data (a sampling grid,
// regions of interest) and interpolate: GridSample and RoiAlign. Type
// inference checks every shape and attribute with the golden kernels' shape
// rules (include/tessera/Golden/SamplingKernels.h); code in
// GraphSamplingOps.cpp. No NPU kernel: the NPU path reports them.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_SAMPLING_OPS
#define TESSERA_GRAPH_SAMPLING_OPS

include "Graph/IR/GraphBase.td"

def Graph_GridSampleOp : Graph_Op<"grid_sample", [], ["getFlops"]> {
  let summary = "samples an image at grid coordinates (ONNX GridSample)";
  let description = [{
    `input` [N, C, H, W] is read at `grid` [N, H_out, W_out, 2], whose last
    dimension holds x (along W) then y (along H) normalized to [-1, 1]; the
    result is [N, C, H_out, W_out] in the input's element type.

    mode: bilinear | nearest | bicubic. padding_mode (where a sample falls
    outside): zeros | border | reflection. align_corners: -1 and 1 name the
    centres of the corner pixels (true) or their outer edges (false).
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$grid,
      DefaultValuedStrAttr<StrAttr, "bilinear">:$mode,
      DefaultValuedStrAttr<StrAttr, "zeros">:$padding_mode,
      DefaultValuedAttr<BoolAttr, "false">:$align_corners);
  let results = (outs Graph_FloatTensor:$output);
}

def Graph_RoiAlignOp : Graph_Op<"roi_align", [], ["getFlops"]> {
  let summary = "pools regions of interest by bilinear sampling (RoiAlign)";
  let description = [{
    For each roi r (x1, y1, x2, y2 in `rois` [R, 4], scaled by
    `spatial_scale`) of image `batch_indices`[r] of `input` [N, C, H, W],
    divides the region into output_height x output_width bins, samples each
    bin on a sampling_ratio x sampling_ratio grid (0: adaptive) by bilinear
    interpolation and averages (mode avg) or takes the largest weighted tap
    (mode max). `half_pixel` shifts the roi by half a pixel (ONNX's
    coordinate_transformation_mode half_pixel; false is output_half_pixel).
    Result: [R, C, output_height, output_width].
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$rois,
      Graph_IndexTensor:$batch_indices,
      DefaultValuedStrAttr<StrAttr, "avg">:$mode,
      DefaultValuedAttr<I64Attr, "1">:$output_height,
      DefaultValuedAttr<I64Attr, "1">:$output_width,
      DefaultValuedAttr<I64Attr, "0">:$sampling_ratio,
      DefaultValuedAttr<F32Attr, "1.0">:$spatial_scale,
      DefaultValuedAttr<BoolAttr, "true">:$half_pixel);
  let results = (outs Graph_FloatTensor:$output);
}

#endif // TESSERA_GRAPH_SAMPLING_OPS
