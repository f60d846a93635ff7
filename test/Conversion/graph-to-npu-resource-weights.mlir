// Imported weights are dense_resource blobs. Under bf16 or f16 they are
// rounded straight from blob to blob (round to nearest even, NaN stays a
// quiet NaN, overflow goes to infinity, subnormals flush as the host cast
// does); the expected bytes were computed with NumPy (float16) and the
// bf16 rounding rule, not by this compiler.
// RUN: tessera-opt %s --tessera-graph-to-npu=precision=bf16 | FileCheck %s --check-prefix=BF16
// RUN: tessera-opt %s --tessera-graph-to-npu=precision=f16 | FileCheck %s --check-prefix=F16

// Values: 1.0, 1+2^-8 (tie, even), 1+3*2^-8 (tie, odd), NaN with payload,
// +inf, the smallest f32 subnormal, -0.0, the largest f32.
// BF16: graph.constant dense_resource<w.bf16> : tensor<2x4xbf16>
// BF16: w.bf16: "0x02000000803F803F823FC07F807F00000080807F"
// F16: graph.constant dense_resource<w.f16> : tensor<2x4xf16>
// F16: w.f16: "0x02000000003C043C0C3C007E007C00000080007C"
func.func @mm(%x: tensor<3x2xf32> {graph.name = "x"}) -> (tensor<3x4xf32> {graph.name = "y"}) {
  %w = graph.constant dense_resource<w> : tensor<2x4xf32>
  %y = graph.matmul %x, %w : (tensor<3x2xf32>, tensor<2x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0080803F0080813F0100C07F0000807F0100000000000080FFFF7F7F"
    }
  }
#-}
