// RUN: tessera-opt %s --tessera-graph-to-npu --tessera-npu-fuse | FileCheck %s

// An RMSNorm written out as elementwise ops and a mean becomes one vector
// kernel (a layer group): the chain runs from local memory.
// CHECK-LABEL: func.func @rms
// CHECK: npu.dispatch vector
// CHECK:   graph.mul
// CHECK:   graph.reduce_mean
// CHECK:   graph.add
// CHECK:   graph.sqrt
// CHECK:   graph.div
// CHECK:   graph.mul
// CHECK:   npu.yield
// CHECK-NOT: npu.dispatch
// CHECK: return
func.func @rms(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %one = graph.constant dense<1.0> : tensor<f32>
  %0 = graph.mul %x, %x : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %1 = graph.reduce_mean %0 {axes = array<i64: -1>} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %2 = graph.add %1, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %3 = graph.sqrt %2 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %4 = graph.div %one, %3 : (tensor<f32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %5 = graph.mul %x, %4 : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  return %5 : tensor<2x16xf32>
}

// A scale and a ReLU after a matmul become its epilogue (FIX applies both);
// the add that follows is a separate vector kernel.
// CHECK-LABEL: func.func @epilogue
// CHECK: npu.dispatch matrix
// CHECK:   graph.matmul
// CHECK:   graph.div
// CHECK:   npu.yield
// CHECK: npu.dispatch matrix
// CHECK:   graph.matmul
// CHECK:   graph.relu
// CHECK: npu.dispatch vector
// CHECK:   graph.add
func.func @epilogue(%a: tensor<16x16xf32>, %b: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %s = graph.constant dense<4.0> : tensor<f32>
  %0 = graph.matmul %a, %b : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %1 = graph.div %0, %s : (tensor<16x16xf32>, tensor<f32>) -> tensor<16x16xf32>
  %2 = graph.matmul %1, %b : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %3 = graph.relu %2 : (tensor<16x16xf32>) -> tensor<16x16xf32>
  %4 = graph.add %3, %a : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return %4 : tensor<16x16xf32>
}

// Data movement is DMA work of its own: a transpose is not fused.
// CHECK-LABEL: func.func @nofuse
// CHECK: npu.dispatch vector
// CHECK:   graph.exp
// CHECK: npu.dispatch vector
// CHECK:   graph.transpose
func.func @nofuse(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %0 = graph.exp %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = graph.transpose %0 {perm = array<i64: 1, 0>} : (tensor<4x8xf32>) -> tensor<8x4xf32>
  return %1 : tensor<8x4xf32>
}

// Two reductions over the same rows share one kernel: a split argmax's
// second stage (the groups' extreme, then the least index among the groups
// holding it, dropping the reduced axis as the argmax does) is one kernel
// that writes the result, not two and a copy.
// CHECK-LABEL: func.func @same_rows
// CHECK: npu.dispatch vector
// CHECK:   graph.reduce_max
// CHECK:   graph.equal
// CHECK:   graph.where
// CHECK:   graph.reduce_min {{.*}} -> tensor<2xi64>
// CHECK:   npu.yield
// CHECK-NOT: npu.dispatch
// CHECK: return
func.func @same_rows(%v: tensor<2x64xf32>, %i: tensor<2x64xi64>) -> tensor<2xi64> {
  %none = graph.constant dense<9999> : tensor<i64>
  %0 = graph.reduce_max %v {axes = array<i64: 1>} : (tensor<2x64xf32>) -> tensor<2x1xf32>
  %1 = graph.equal %v, %0 : (tensor<2x64xf32>, tensor<2x1xf32>) -> tensor<2x64xi1>
  %2 = graph.where %1, %i, %none : (tensor<2x64xi1>, tensor<2x64xi64>, tensor<i64>) -> tensor<2x64xi64>
  %3 = graph.reduce_min %2 {axes = array<i64: 1>, keepdims = false} : (tensor<2x64xi64>) -> tensor<2xi64>
  return %3 : tensor<2xi64>
}

// Reductions over different rows stay apart (a kernel iterates over one
// row shape), and so does one that drops its axes before another op: its
// result no longer broadcasts over the row.
// CHECK-LABEL: func.func @other_rows
// CHECK: npu.dispatch vector
// CHECK:   graph.reduce_sum {{.*}} -> tensor<4x1xf32>
// CHECK:   npu.yield
// CHECK: npu.dispatch vector
// CHECK:   graph.reduce_sum {{.*}} -> tensor<1x1xf32>
// CHECK: npu.dispatch vector
// CHECK:   graph.reduce_max {{.*}} -> tensor<4xf32>
// CHECK:   npu.yield
// CHECK: npu.dispatch vector
// CHECK:   graph.mul
func.func @other_rows(%x: tensor<4x8xf32>) -> (tensor<1x1xf32>, tensor<4x4xf32>) {
  %0 = graph.reduce_sum %x {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %1 = graph.reduce_sum %0 {axes = array<i64: 0>} : (tensor<4x1xf32>) -> tensor<1x1xf32>
  %2 = graph.reduce_max %x {axes = array<i64: 1>, keepdims = false} : (tensor<4x8xf32>) -> tensor<4xf32>
  %3 = graph.mul %2, %2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = graph.reshape %3 {shape = array<i64: 4, 1>} : (tensor<4xf32>) -> tensor<4x1xf32>
  %5 = graph.mul %4, %2 : (tensor<4x1xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  return %1, %5 : tensor<1x1xf32>, tensor<4x4xf32>
}

// A batch norm (per channel, a middle axis) takes no producer: only
// reductions over trailing axes relax the consumer's rule above (a
// third-party model's bf16 output moved when it did: PP-OCRv4's detector).
// CHECK-LABEL: func.func @norm_apart
// CHECK: npu.dispatch vector
// CHECK:   graph.relu
// CHECK:   npu.yield
// CHECK: npu.dispatch vector
// CHECK:   graph.batch_norm
func.func @norm_apart(%x: tensor<1x4x8x8xf32>, %s: tensor<4xf32>, %b: tensor<4xf32>,
                      %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %0 = graph.relu %x : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %1 = graph.batch_norm %0, %s, %b, %m, %v : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  return %1 : tensor<1x4x8x8xf32>
}

// RUN: tessera-opt %s --tessera-graph-to-npu --tessera-attach-target=target=edge --tessera-npu-fuse | FileCheck %s --check-prefix=EDGE
// On edge the matrix accumulator and the vector unit share the local
// memory: a residual add after a linear layer joins it as a vector epilogue
// (dc keeps the separate vector kernel above).
// EDGE-LABEL: func.func @epilogue
// EDGE: npu.dispatch matrix
// EDGE:   graph.matmul
// EDGE:   graph.relu
// EDGE:   graph.add
// EDGE-NEXT: npu.yield
// EDGE-NOT: npu.dispatch vector
// EDGE-LABEL: func.func @nofuse
