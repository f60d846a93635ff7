// Weights rearranged once at compile time, not by a kernel at every call
// (graph-to-npu). A bf16 checkpoint's tensor is imported as a bf16 constant
// and a cast to the model's f32: a bf16 program reads the constant itself,
// an f32 program a constant converted once. MLA's absorbed decode splits
// kv_b_proj per head (reshape, slice, transpose): the pieces are constants.
// RUN: tessera-opt %s --tessera-graph-to-npu=precision=bf16 | FileCheck %s --check-prefix=BF16
// RUN: tessera-opt %s --tessera-graph-to-npu=precision=f32 | FileCheck %s --check-prefix=F32

// BF16-LABEL: func.func @bf16_weight
// BF16: %[[W:.*]] = graph.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]]> : tensor<2x4xbf16>
// BF16-NOT: graph.cast
// BF16: npu.dispatch matrix(%{{.*}}, %[[W]] : tensor<3x2xbf16>, tensor<2x4xbf16>)
// F32-LABEL: func.func @bf16_weight
// F32: %[[W:.*]] = graph.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]]> : tensor<2x4xf32>
// F32-NEXT: npu.dispatch matrix(%arg0, %[[W]] : tensor<3x2xf32>, tensor<2x4xf32>)
func.func @bf16_weight(%x: tensor<3x2xf32> {graph.name = "x"}) -> (tensor<3x4xf32> {graph.name = "y"}) {
  %w = graph.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xbf16>
  %wf = graph.cast %w {to = f32} : (tensor<2x4xbf16>) -> tensor<2x4xf32>
  %y = graph.matmul %x, %wf : (tensor<3x2xf32>, tensor<2x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// Rows [3, 4] and [7, 8] (head 0 and 1's second row), transposed; in bf16
// 0x4040, 0x4080, 0x40E0, 0x4100, little-endian after the blob's 8-byte
// alignment word.
// BF16-LABEL: func.func @absorbed
// BF16: %[[P:.*]] = graph.constant dense_resource<[[BLOB:.*]]> : tensor<2x2x1xbf16>
// BF16-NOT: npu.dispatch vector(%[[P]]
// BF16-NOT: npu.dispatch view
// BF16: npu.dispatch matrix(%{{.*}}, %[[P]] : tensor<2x1x2xbf16>, tensor<2x2x1xbf16>)
// F32-LABEL: func.func @absorbed
// F32: %[[P:.*]] = graph.constant dense<{{\[\[\[}}3.000000e+00], [4.000000e+00]], {{\[\[}}7.000000e+00], [8.000000e+00]]]> : tensor<2x2x1xf32>
// F32-NEXT: npu.dispatch matrix(%arg0, %[[P]]
func.func @absorbed(%q: tensor<2x1x2xf32> {graph.name = "q"}) -> (tensor<2x1x1xf32> {graph.name = "o"}) {
  %w = graph.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xbf16>
  %wf = graph.cast %w {to = f32} : (tensor<4x2xbf16>) -> tensor<4x2xf32>
  %heads = graph.reshape %wf {shape = array<i64: 2, 2, 2>} : (tensor<4x2xf32>) -> tensor<2x2x2xf32>
  %uv = graph.slice %heads {starts = array<i64: 0, 1, 0>, ends = array<i64: 2, 2, 2>, steps = array<i64: 1, 1, 1>} : (tensor<2x2x2xf32>) -> tensor<2x1x2xf32>
  %uvt = graph.transpose %uv {perm = array<i64: 0, 2, 1>} : (tensor<2x1x2xf32>) -> tensor<2x2x1xf32>
  %o = graph.matmul %q, %uvt : (tensor<2x1x2xf32>, tensor<2x2x1xf32>) -> tensor<2x1x1xf32>
  return %o : tensor<2x1x1xf32>
}

// Experts' weights stacked (a concatenation of constants; here along axis 1
// to take rows from each source in turn): the bytes of [[1, 2, 5], [3, 4, 6]]
// in bf16, copied straight from the sources.
// BF16-LABEL: func.func @stacked
// BF16: %[[S:.*]] = graph.constant dense_resource<[[STACK:.*]]> : tensor<2x3xbf16>
// BF16-NOT: graph.concat
// BF16: npu.dispatch matrix(%{{.*}}, %[[S]] : tensor<2x2xbf16>, tensor<2x3xbf16>)
// F32-LABEL: func.func @stacked
// F32: graph.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 5.000000e+00], [3.000000e+00, 4.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
func.func @stacked(%x: tensor<2x2xf32> {graph.name = "x"}) -> (tensor<2x3xf32> {graph.name = "y"}) {
  %a = graph.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xbf16>
  %b = graph.constant dense<[[5.0], [6.0]]> : tensor<2x1xbf16>
  %ab = graph.concat %a, %b {axis = 1 : i64} : (tensor<2x2xbf16>, tensor<2x1xbf16>) -> tensor<2x3xbf16>
  %w = graph.cast %ab {to = f32} : (tensor<2x3xbf16>) -> tensor<2x3xf32>
  %y = graph.matmul %x, %w : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// A generation compile builds its prefill and decode programs in one
// context from the same checkpoint: the second stacking of the same
// sources (same node, same bytes) takes the first one's blob instead of a
// copy of its own (a MoE layer's experts: 1.1 GB each for DeepSeek-V2-Lite);
// a stacking of other bytes under the same node name gets its own.
// BF16-LABEL: func.func @stacked_again
// BF16: graph.constant dense_resource<[[STACK]]> : tensor<2x3xbf16>
// BF16-LABEL: func.func @stacked_other
// BF16-NOT: dense_resource<[[STACK]]>
// BF16: graph.constant dense_resource<{{.*}}> : tensor<2x3xbf16>
// BF16-NOT: dense_resource<[[STACK]]>
func.func @stacked_again(%x: tensor<2x2xf32> {graph.name = "x"}) -> (tensor<2x3xf32> {graph.name = "y"}) {
  %a = graph.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xbf16>
  %b = graph.constant dense<[[5.0], [6.0]]> : tensor<2x1xbf16>
  %ab = graph.concat %a, %b {axis = 1 : i64} : (tensor<2x2xbf16>, tensor<2x1xbf16>) -> tensor<2x3xbf16>
  %w = graph.cast %ab {to = f32} : (tensor<2x3xbf16>) -> tensor<2x3xf32>
  %y = graph.matmul %x, %w : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
func.func @stacked_other(%x: tensor<2x2xf32> {graph.name = "x"}) -> (tensor<2x3xf32> {graph.name = "y"}) {
  %a = graph.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xbf16>
  %b = graph.constant dense<[[7.0], [6.0]]> : tensor<2x1xbf16>
  %ab = graph.concat %a, %b {axis = 1 : i64} : (tensor<2x2xbf16>, tensor<2x1xbf16>) -> tensor<2x3xbf16>
  %w = graph.cast %ab {to = f32} : (tensor<2x3xbf16>) -> tensor<2x3xf32>
  %y = graph.matmul %x, %w : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// An f16 weight of a bf16 program keeps its cast (fused into its reader,
// which computes in f32): rounding it to bf16 would drop bits the model has.
// An f32 program converts it once.
// BF16-LABEL: func.func @f16_norm
// BF16: %[[G:.*]] = graph.constant {{.*}} : tensor<4xf16>
// BF16: npu.dispatch vector(%[[G]] : tensor<4xf16>)
// BF16: graph.cast
// F32-LABEL: func.func @f16_norm
// F32: graph.constant dense<[1.000000e+00, 1.500000e+00, 2.000000e+00, 0.0999145507]> : tensor<4xf32>
// F32-NOT: graph.cast
func.func @f16_norm(%x: tensor<2x4xf32> {graph.name = "x"}) -> (tensor<2x4xf32> {graph.name = "y"}) {
  %g = graph.constant dense<[1.0, 1.5, 2.0, 0.0999]> : tensor<4xf16>
  %gf = graph.cast %g {to = f32} : (tensor<4xf16>) -> tensor<4xf32>
  %y = graph.mul %x, %gf : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// An integer cast of a constant is not folded here (its kernel checks that
// values fit), nor is a narrowing float cast (the model rounds there).
// BF16-LABEL: func.func @narrowing
// F32-LABEL: func.func @narrowing
// BF16: npu.dispatch vector
// BF16: graph.cast {{.*}} {to = f16}
func.func @narrowing(%x: tensor<4xf16> {graph.name = "x"}) -> (tensor<4xf16> {graph.name = "y"}) {
  %g = graph.constant dense<[1.0, 1.5, 2.0, 0.0999]> : tensor<4xf32>
  %gh = graph.cast %g {to = f16} : (tensor<4xf32>) -> tensor<4xf16>
  %y = graph.mul %x, %gh : (tensor<4xf16>, tensor<4xf16>) -> tensor<4xf16>
  return %y : tensor<4xf16>
}

// BF16: dialect_resources
// BF16-DAG: [[BLOB]]: "0x0800000040408040E0400041"
// BF16-DAG: [[STACK]]: "0x08000000803F0040A04040408040C040"
// One blob for @stacked and @stacked_again, one for @stacked_other (7, 6).
// BF16-DAG: graph.concat.folded_1: "0x08000000803F0040E04040408040C040"
// BF16-NOT: graph.concat.folded_2
