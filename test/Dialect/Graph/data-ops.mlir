// RUN: tessera-opt %s | FileCheck %s
// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s -mlir-print-op-generic | tessera-opt | FileCheck %s

// Round trip of every data-movement op; the printed result types are checked
// against each op's type inference when the output is parsed again.

// CHECK-LABEL: func.func @split
func.func @split(%a: tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x4xf32>) {
  // CHECK: graph.split %{{.*}} {axis = -1 : i64, sizes = array<i64: 2, 4>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x4xf32>)
  %0:2 = graph.split %a {axis = -1 : i64, sizes = array<i64: 2, 4>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x4xf32>)
  return %0#0, %0#1 : tensor<2x2xf32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @expand_tile
func.func @expand_tile(%a: tensor<3x1xi32>) -> (tensor<2x3x4xi32>, tensor<6x2xi32>) {
  // CHECK: graph.expand %{{.*}} {shape = array<i64: 2, 1, 4>} : (tensor<3x1xi32>) -> tensor<2x3x4xi32>
  %0 = graph.expand %a {shape = array<i64: 2, 1, 4>} : (tensor<3x1xi32>) -> tensor<2x3x4xi32>
  // CHECK: graph.tile %{{.*}} {repeats = array<i64: 2, 2>} : (tensor<3x1xi32>) -> tensor<6x2xi32>
  %1 = graph.tile %a {repeats = array<i64: 2, 2>} : (tensor<3x1xi32>) -> tensor<6x2xi32>
  return %0, %1 : tensor<2x3x4xi32>, tensor<6x2xi32>
}

// CHECK-LABEL: func.func @pad
func.func @pad(%a: tensor<2x3xf32>) -> (tensor<3x5xf32>, tensor<2x1xf32>) {
  // CHECK: graph.pad %{{.*}} {mode = "reflect", pads = array<i64: 1, 1, 0, 1>} : (tensor<2x3xf32>) -> tensor<3x5xf32>
  %0 = graph.pad %a {mode = "reflect", pads = array<i64: 1, 1, 0, 1>} : (tensor<2x3xf32>) -> tensor<3x5xf32>
  // Negative pads crop.
  // CHECK: graph.pad %{{.*}} {pads = array<i64: 0, -1, 0, -1>, value = 2.500000e+00 : f64} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  %1 = graph.pad %a {pads = array<i64: 0, -1, 0, -1>, value = 2.5 : f64} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %0, %1 : tensor<3x5xf32>, tensor<2x1xf32>
}

// CHECK-LABEL: func.func @trilu
func.func @trilu(%a: tensor<2x3x4xi64>) -> tensor<2x3x4xi64> {
  // CHECK: graph.trilu %{{.*}} {k = -1 : i64, upper = false} : (tensor<2x3x4xi64>) -> tensor<2x3x4xi64>
  %0 = graph.trilu %a {k = -1 : i64, upper = false} : (tensor<2x3x4xi64>) -> tensor<2x3x4xi64>
  return %0 : tensor<2x3x4xi64>
}

// CHECK-LABEL: func.func @gathers_and_scatters
func.func @gathers_and_scatters(%d: tensor<3x4xf32>, %i: tensor<2x4xi64>,
                                %u: tensor<2x4xf32>, %nd: tensor<5x2xi32>,
                                %ndu: tensor<5xf32>) -> (tensor<2x4xf32>, tensor<3x4xf32>, tensor<5xf32>, tensor<3x4xf32>) {
  // CHECK: graph.gather_elements %{{.*}}, %{{.*}} : (tensor<3x4xf32>, tensor<2x4xi64>) -> tensor<2x4xf32>
  %0 = graph.gather_elements %d, %i : (tensor<3x4xf32>, tensor<2x4xi64>) -> tensor<2x4xf32>
  // CHECK: graph.scatter_elements %{{.*}} {reduction = "add"} : (tensor<3x4xf32>, tensor<2x4xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
  %1 = graph.scatter_elements %d, %i, %u {reduction = "add"} : (tensor<3x4xf32>, tensor<2x4xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
  // CHECK: graph.gather_nd %{{.*}} : (tensor<3x4xf32>, tensor<5x2xi32>) -> tensor<5xf32>
  %2 = graph.gather_nd %d, %nd : (tensor<3x4xf32>, tensor<5x2xi32>) -> tensor<5xf32>
  // CHECK: graph.scatter_nd %{{.*}} : (tensor<3x4xf32>, tensor<5x2xi32>, tensor<5xf32>) -> tensor<3x4xf32>
  %3 = graph.scatter_nd %d, %nd, %ndu : (tensor<3x4xf32>, tensor<5x2xi32>, tensor<5xf32>) -> tensor<3x4xf32>
  return %0, %1, %2, %3 : tensor<2x4xf32>, tensor<3x4xf32>, tensor<5xf32>, tensor<3x4xf32>
}

// CHECK-LABEL: func.func @gather_nd_batch
func.func @gather_nd_batch(%d: tensor<2x3x4xf32>, %i: tensor<2x1xi64>) -> tensor<2x4xf32> {
  // CHECK: graph.gather_nd %{{.*}} {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  %0 = graph.gather_nd %d, %i {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @one_hot
func.func @one_hot(%i: tensor<2x3xf32>, %v: tensor<2xi32>) -> tensor<2x10x3xi32> {
  // The result takes the values' element type; depth is inserted at axis.
  // CHECK: graph.one_hot %{{.*}}, %{{.*}} {axis = 1 : i64, depth = 10 : i64} : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<2x10x3xi32>
  %0 = graph.one_hot %i, %v {axis = 1 : i64, depth = 10 : i64} : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<2x10x3xi32>
  return %0 : tensor<2x10x3xi32>
}

// CHECK-LABEL: func.func @depth_space
func.func @depth_space(%a: tensor<1x8x2x3xf16>) -> (tensor<1x2x4x6xf16>, tensor<1x8x2x3xf16>) {
  // CHECK: graph.depth_to_space %{{.*}} {blocksize = 2 : i64, mode = "CRD"} : (tensor<1x8x2x3xf16>) -> tensor<1x2x4x6xf16>
  %0 = graph.depth_to_space %a {blocksize = 2 : i64, mode = "CRD"} : (tensor<1x8x2x3xf16>) -> tensor<1x2x4x6xf16>
  // CHECK: graph.space_to_depth %{{.*}} {blocksize = 2 : i64} : (tensor<1x2x4x6xf16>) -> tensor<1x8x2x3xf16>
  %1 = graph.space_to_depth %0 {blocksize = 2 : i64} : (tensor<1x2x4x6xf16>) -> tensor<1x8x2x3xf16>
  return %0, %1 : tensor<1x2x4x6xf16>, tensor<1x8x2x3xf16>
}

// CHECK-LABEL: func.func @reverse_sequence
func.func @reverse_sequence(%a: tensor<4x3x2xbf16>, %l: tensor<4xi64>) -> tensor<4x3x2xbf16> {
  // CHECK: graph.reverse_sequence %{{.*}}, %{{.*}} {batch_axis = 0 : i64, time_axis = 1 : i64} : (tensor<4x3x2xbf16>, tensor<4xi64>) -> tensor<4x3x2xbf16>
  %0 = graph.reverse_sequence %a, %l {batch_axis = 0 : i64, time_axis = 1 : i64} : (tensor<4x3x2xbf16>, tensor<4xi64>) -> tensor<4x3x2xbf16>
  return %0 : tensor<4x3x2xbf16>
}

// CHECK-LABEL: func.func @compress
func.func @compress(%a: tensor<3x2xi1>) -> (tensor<2x2xi1>, tensor<1xi1>) {
  // CHECK: graph.compress %{{.*}} {axis = 0 : i64, condition = array<i1: false, true, true>} : (tensor<3x2xi1>) -> tensor<2x2xi1>
  %0 = graph.compress %a {axis = 0 : i64, condition = array<i1: false, true, true>} : (tensor<3x2xi1>) -> tensor<2x2xi1>
  // Without an axis the input is flattened; a short condition drops the rest.
  // CHECK: graph.compress %{{.*}} {condition = array<i1: false, true>} : (tensor<3x2xi1>) -> tensor<1xi1>
  %1 = graph.compress %a {condition = array<i1: false, true>} : (tensor<3x2xi1>) -> tensor<1xi1>
  return %0, %1 : tensor<2x2xi1>, tensor<1xi1>
}

// CHECK-LABEL: func.func @resize
func.func @resize(%a: tensor<1x1x4x4xf32>) -> (tensor<1x1x8x8xf32>, tensor<1x1x2x2xf32>) {
  // CHECK: graph.resize %{{.*}} {coordinate_transformation_mode = "align_corners", cubic_coeff_a = -5.000000e-01 : f64, exclude_outside = true, mode = "cubic", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>, sizes = array<i64: 1, 1, 8, 8>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  %0 = graph.resize %a {coordinate_transformation_mode = "align_corners", cubic_coeff_a = -0.5 : f64, exclude_outside = true, mode = "cubic", scales = array<f64: 1.0, 1.0, 2.0, 2.0>, sizes = array<i64: 1, 1, 8, 8>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  // CHECK: graph.resize %{{.*}} {coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 1.000000e+01 : f64, mode = "linear", roi = array<f64: 0.000000e+00, 0.000000e+00, 4.000000e-01, 6.000000e-01, 1.000000e+00, 1.000000e+00, 6.000000e-01, 8.000000e-01>, scales = array<f64: 1.000000e+00, 1.000000e+00, 5.000000e-01, 5.000000e-01>, sizes = array<i64: 1, 1, 2, 2>}
  %1 = graph.resize %a {coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 10.0 : f64, mode = "linear", roi = array<f64: 0.0, 0.0, 0.4, 0.6, 1.0, 1.0, 0.6, 0.8>, scales = array<f64: 1.0, 1.0, 0.5, 0.5>, sizes = array<i64: 1, 1, 2, 2>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  return %0, %1 : tensor<1x1x8x8xf32>, tensor<1x1x2x2xf32>
}
