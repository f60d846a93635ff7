// RUN: tessera-opt %s --tessera-graph-to-npu | FileCheck %s
// RUN: tessera-opt %s --tessera-graph-to-npu=precision=bf16 | FileCheck %s --check-prefix=BF16

// Every graph op becomes one npu.dispatch on its engine. Scalar constants
// of vector work are cloned into the body; weights stay operands.
// CHECK-LABEL: func.func @mlp
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32> {graph.name = "x"})
// CHECK: %[[W:.*]] = graph.constant {{.*}} : tensor<8x16xf32>
// CHECK: %[[MM:.*]] = npu.dispatch matrix(%[[X]], %[[W]] : tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK:   graph.matmul
// CHECK: %[[S:.*]] = npu.dispatch vector(%[[MM]] : tensor<4x16xf32>) -> tensor<4x16xf32>
// CHECK:   graph.constant dense<5.000000e-01> : tensor<f32>
// CHECK:   graph.mul
// CHECK: %[[R:.*]] = npu.dispatch view(%[[S]] : tensor<4x16xf32>) -> tensor<64xf32>
// CHECK: %[[OUT:.*]] = npu.dispatch vector(%[[R]] : tensor<64xf32>) -> tensor<64xf32>
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<64xf32>):
// CHECK-NEXT:   npu.yield
// CHECK: return %[[OUT]]

// Under bf16 the inputs stay f32 (the program's interface), a cast kernel
// feeds the matrix engine, weights are stored as bf16 and intermediate
// tensors too; outputs are f32 again.
// BF16-LABEL: func.func @mlp
// BF16: graph.constant {{.*}} : tensor<8x16xbf16>
// BF16: %[[C:.*]] = npu.dispatch vector(%{{.*}} : tensor<4x8xf32>) -> tensor<4x8xbf16>
// BF16: npu.dispatch matrix(%[[C]], %{{.*}} : tensor<4x8xbf16>, tensor<8x16xbf16>) -> tensor<4x16xbf16>
// BF16: npu.dispatch vector(%{{.*}} : tensor<4x16xbf16>) -> tensor<4x16xbf16>
// BF16: -> tensor<64xf32>
func.func @mlp(%x: tensor<4x8xf32> {graph.name = "x"}) -> (tensor<64xf32> {graph.name = "y"}) {
  %w = graph.constant dense<0.25> : tensor<8x16xf32>
  %h = graph.constant dense<0.5> : tensor<f32>
  %0 = graph.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = graph.mul %0, %h : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
  %2 = graph.reshape %1 {shape = array<i64: 64>} : (tensor<4x16xf32>) -> tensor<64xf32>
  return %2 : tensor<64xf32>
}

// int64 is stored as i32 and bool as ui8; GatherElements gets a constant
// base of flat offsets (i32) as an extra operand.
// CHECK-LABEL: func.func @types
// CHECK-SAME: (%{{.*}}: tensor<2x3xf32> {{.*}}, %{{.*}}: tensor<2x2xi32> {{.*}}) -> (tensor<2x2xf32> {{.*}}, tensor<2x3xui8> {{.*}})
// CHECK: %[[BASE:.*]] = graph.constant dense<{{\[\[}}0, 0], [3, 3]]> : tensor<2x2xi32>
// CHECK: npu.dispatch gather(%{{.*}}, %{{.*}}, %[[BASE]] : tensor<2x3xf32>, tensor<2x2xi32>, tensor<2x2xi32>) -> tensor<2x2xf32>
// CHECK: npu.dispatch vector({{.*}}) -> tensor<2x3xui8>
func.func @types(%d: tensor<2x3xf32> {graph.name = "d"}, %i: tensor<2x2xi64> {graph.name = "i"}) -> (tensor<2x2xf32> {graph.name = "g"}, tensor<2x3xi1> {graph.name = "b"}) {
  %0 = graph.gather_elements %d, %i {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2x2xf32>
  %z = graph.constant dense<0.0> : tensor<f32>
  %1 = graph.greater %d, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xi1>
  return %0, %1 : tensor<2x2xf32>, tensor<2x3xi1>
}

// Convolution needs GM scratch for its padded input and im2col matrix.
// CHECK-LABEL: func.func @conv
// CHECK: npu.dispatch matrix({{.*}}) -> tensor<1x2x4x4xf32> attributes {scratch = array<i64: 288, 1152>}
func.func @conv(%x: tensor<1x2x4x4xf32> {graph.name = "x"}) -> (tensor<1x2x4x4xf32> {graph.name = "y"}) {
  %w = graph.constant dense<1.0> : tensor<2x2x3x3xf32>
  %0 = graph.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// An op no tensor engine computes runs on dc's AI-CPU.
// CHECK-LABEL: func.func @asin
// CHECK: npu.dispatch aicpu(%{{.*}} : tensor<4xf32>) -> tensor<4xf32>
// CHECK:   graph.asin
func.func @asin(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = graph.asin %x : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
