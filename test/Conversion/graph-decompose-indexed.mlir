// RUN: tessera-opt %s --tessera-graph-decompose | FileCheck %s

// A batched matmul einsum is one matmul; a batched diagonal a strided slice
// of the flattened square; an inner product a [1, K] x [K, 1] matmul.
// CHECK-LABEL: func.func @einsum_bmm
// CHECK-NEXT: graph.matmul %arg0, %arg1 {{.*}} -> tensor<5x2x4xf32>
// CHECK-NOT: graph.einsum
func.func @einsum_bmm(%a: tensor<5x2x3xf32>, %b: tensor<5x3x4xf32>) -> tensor<5x2x4xf32> {
  %0 = graph.einsum %a, %b {equation = "bij, bjk -> bik"} : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  return %0 : tensor<5x2x4xf32>
}
// CHECK-LABEL: func.func @einsum_diag
// CHECK: graph.reshape %arg0 {{.*}} -> tensor<3x25xf32>
// CHECK: graph.slice {{.*}}steps = array<i64: 1, 6>{{.*}} -> tensor<3x5xf32>
func.func @einsum_diag(%x: tensor<3x5x5xf32>) -> tensor<3x5xf32> {
  %0 = graph.einsum %x {equation = "...ii ->...i"} : (tensor<3x5x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}
// CHECK-LABEL: func.func @einsum_inner
// CHECK: graph.matmul {{.*}} : (tensor<1x5xf32>, tensor<5x1xf32>) -> tensor<1x1xf32>
// CHECK: graph.reshape {{.*}} -> tensor<f32>
func.func @einsum_inner(%a: tensor<5xf32>, %b: tensor<5xf32>) -> tensor<f32> {
  %0 = graph.einsum %a, %b {equation = "i,i"} : (tensor<5xf32>, tensor<5xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}
// Summing out a label and transposing: a reduce_sum, a transpose. Integer
// contractions multiply with broadcasting and sum (no integer matmul).
// CHECK-LABEL: func.func @einsum_sum_t
// CHECK: graph.reduce_sum %arg0 {axes = array<i64: 1>, keepdims = false}
// CHECK: graph.transpose {{.*}}perm = array<i64: 1, 0>
func.func @einsum_sum_t(%x: tensor<2x3x4xf32>) -> tensor<4x2xf32> {
  %0 = graph.einsum %x {equation = "ijk->ki"} : (tensor<2x3x4xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}
// CHECK-LABEL: func.func @einsum_int
// CHECK: graph.mul {{.*}} -> tensor<1x2x4x3xi32>
// CHECK: graph.reduce_sum {{.*}}axes = array<i64: 3>
// CHECK-NOT: graph.matmul
func.func @einsum_int(%a: tensor<2x3xi32>, %b: tensor<3x4xi32>) -> tensor<2x4xi32> {
  %0 = graph.einsum %a, %b {equation = "ij,jk->ik"} : (tensor<2x3xi32>, tensor<3x4xi32>) -> tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}

// GatherND with batch_dims 1: the (wrapped) run-time index plus the
// batch's first row, then one Gather of rows of the flattened data.
// CHECK-LABEL: func.func @gathernd
// CHECK: graph.less %arg1
// CHECK: graph.where
// CHECK: graph.constant dense<[0, 2]> : tensor<2xi64>
// CHECK: graph.add
// CHECK: %[[D:.*]] = graph.reshape %arg0 {{.*}} -> tensor<4x2xi32>
// CHECK: graph.gather %[[D]], {{.*}} -> tensor<2x2xi32>
// CHECK-NOT: graph.gather_nd
func.func @gathernd(%d: tensor<2x2x2xi32>, %i: tensor<2x1xi64>) -> tensor<2x2xi32> {
  %0 = graph.gather_nd %d, %i {batch_dims = 1 : i64} : (tensor<2x2x2xi32>, tensor<2x1xi64>) -> tensor<2x2xi32>
  return %0 : tensor<2x2xi32>
}
// Two index components: dotted with the strides [3, 1].
// CHECK-LABEL: func.func @gathernd2
// CHECK: graph.constant dense<[3, 1]> : tensor<2xi64>
// CHECK: graph.mul
// CHECK: graph.slice
// CHECK: graph.slice
// CHECK: graph.add
// CHECK: graph.gather {{.*}} : (tensor<6x1xf32>, tensor<4xi64>) -> tensor<4x1xf32>
func.func @gathernd2(%d: tensor<2x3xf32>, %i: tensor<4x2xi64>) -> tensor<4xf32> {
  %0 = graph.gather_nd %d, %i : (tensor<2x3xf32>, tensor<4x2xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// ScatterND without a reduction scatters update rows (every element of a
// row to the same row); with "mul" a one-hot select and a product over the
// updates, so duplicate indices all count.
// CHECK-LABEL: func.func @scatternd
// CHECK: graph.expand {{.*}} -> tensor<2x16xi64>
// CHECK: graph.scatter_elements {{.*}} -> tensor<4x16xf32>
func.func @scatternd(%d: tensor<4x4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4x4xf32>) -> tensor<4x4x4xf32> {
  %0 = graph.scatter_nd %d, %i, %u : (tensor<4x4x4xf32>, tensor<2x1xi64>, tensor<2x4x4xf32>) -> tensor<4x4x4xf32>
  return %0 : tensor<4x4x4xf32>
}
// CHECK-LABEL: func.func @scatternd_mul
// CHECK: graph.equal {{.*}} -> tensor<2x4x1xi1>
// CHECK: graph.where {{.*}} -> tensor<2x4x16xf32>
// CHECK: graph.reduce_prod {{.*}}axes = array<i64: 0>
// CHECK: graph.mul {{.*}} -> tensor<4x16xf32>
func.func @scatternd_mul(%d: tensor<4x4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4x4xf32>) -> tensor<4x4x4xf32> {
  %0 = graph.scatter_nd %d, %i, %u {reduction = "mul"} : (tensor<4x4x4xf32>, tensor<2x1xi64>, tensor<2x4x4xf32>) -> tensor<4x4x4xf32>
  return %0 : tensor<4x4x4xf32>
}
// A float sum: the transposed one-hot times the updates on the matrix engine.
// CHECK-LABEL: func.func @scatter_add
// CHECK: graph.equal {{.*}} -> tensor<5x2xi1>
// CHECK: graph.cast {{.*}} -> tensor<5x2xf32>
// CHECK: graph.matmul {{.*}} : (tensor<5x2xf32>, tensor<2x1xf32>) -> tensor<5x1xf32>
// CHECK: graph.add
// CHECK-NOT: graph.scatter_elements
func.func @scatter_add(%d: tensor<1x5xf32>, %i: tensor<1x2xi64>, %u: tensor<1x2xf32>) -> tensor<1x5xf32> {
  %0 = graph.scatter_elements %d, %i, %u {axis = 1 : i64, reduction = "add"} : (tensor<1x5xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// ReverseSequence: gather_elements along time with t < len ? len - 1 - t : t.
// CHECK-LABEL: func.func @revseq
// CHECK: graph.sub
// CHECK: graph.sub
// CHECK: graph.less
// CHECK: graph.where {{.*}} -> tensor<4x4xi64>
// CHECK: graph.gather_elements %arg0, {{.*}}axis = 1 : i64
func.func @revseq(%x: tensor<4x4xf32>, %l: tensor<4xi64>) -> tensor<4x4xf32> {
  %0 = graph.reverse_sequence %x, %l {batch_axis = 0 : i64, time_axis = 1 : i64} : (tensor<4x4xf32>, tensor<4xi64>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// Compress with its (static) condition: a Gather of the kept positions.
// CHECK-LABEL: func.func @compress
// CHECK: %[[K:.*]] = graph.constant dense<[1, 2]> : tensor<2xi64>
// CHECK: graph.gather %arg0, %[[K]] {axis = 1 : i64}
func.func @compress(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %0 = graph.compress %x {condition = array<i1: false, true, true>, axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// MaxPool with indices: the values from max_pool; the indices from an
// argmax over the 4 window positions (strided slices of the -inf padded
// input), a constant offset table and the windows' and planes' bases.
// CHECK-LABEL: func.func @pool_idx
// CHECK: graph.pad %arg0 {pads = array<i64: 0, 0, 1, 1, 0, 0, 0, 0>, value = 0xFFF0000000000000
// CHECK-COUNT-4: graph.slice
// CHECK: graph.concat {{.*}} -> tensor<1x2x2x2x4xf32>
// CHECK: graph.argmax {{.*}}axis = 4 : i64
// CHECK: graph.constant dense<[0, 1, 4, 5]> : tensor<4xi64>
// CHECK: graph.gather
// CHECK: graph.add
// CHECK: graph.add
// CHECK: graph.max_pool %arg0
func.func @pool_idx(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>) {
  %0:2 = graph.max_pool_with_indices %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>)
  return %0#0, %0#1 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>
}

// tf_crop_and_resize with an extrapolation value: the matmuls, then the
// value added where the crop leaves the input (the matrices' zero rows).
// CHECK-LABEL: func.func @crop_extrapolate
// CHECK: graph.matmul
// CHECK: %[[E:.*]] = graph.constant dense<{{.*}}1.000000e+01{{.*}}> : tensor<1x1x3x1xf32>
// CHECK: graph.add {{.*}}, %[[E]]
// CHECK-NOT: graph.resize
func.func @crop_extrapolate(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x4xf32> {
  %0 = graph.resize %x {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 10.0 : f64, roi = array<f64: 0.0, 0.0, 0.5, 0.0, 1.0, 1.0, 1.5, 1.0>, sizes = array<i64: 1, 1, 3, 4>, scales = array<f64: 1.0, 1.0, 0.75, 1.0>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x4xf32>
  return %0 : tensor<1x1x3x4xf32>
}
