// RUN: tessera-opt %s --canonicalize | FileCheck %s

// Data-movement ops that move nothing fold to their input.
// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>)
func.func @identities(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = graph.split %a {axis = 0 : i64, sizes = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = graph.expand %0 {shape = array<i64: 1, 3>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = graph.tile %1 {repeats = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = graph.pad %2 {mode = "reflect", pads = array<i64: 0, 0, 0, 0>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = graph.resize %3 {mode = "cubic", coordinate_transformation_mode = "align_corners", scales = array<f64: 1.0, 1.0>, sizes = array<i64: 2, 3>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NOT: graph.
  // CHECK: return %[[A]]
  return %4 : tensor<2x3xf32>
}

// The same ops when they do move data stay.
// CHECK-LABEL: func.func @not_identities
func.func @not_identities(%a: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x2x3xf32>, tensor<2x6xf32>) {
  // A one-piece split is the input, a two-piece one is not.
  // CHECK: graph.split
  %0:2 = graph.split %a {axis = 0 : i64, sizes = array<i64: 1, 1>} : (tensor<2x3xf32>) -> (tensor<1x3xf32>, tensor<1x3xf32>)
  // Cropping one element and padding one back is not the identity.
  // CHECK: graph.pad
  %1 = graph.pad %a {pads = array<i64: 0, -1, 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // tf_half_pixel_for_nn shifts by half an element even at scale 1.
  // CHECK: graph.resize
  %2 = graph.resize %a {mode = "linear", coordinate_transformation_mode = "tf_half_pixel_for_nn", scales = array<f64: 1.0, 1.0>, sizes = array<i64: 2, 3>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // tf_crop_and_resize's roi can move the window.
  // CHECK: graph.resize
  %3 = graph.resize %a {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.5, 0.0, 1.0, 1.0>, scales = array<f64: 1.0, 1.0>, sizes = array<i64: 2, 3>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: graph.expand
  %4 = graph.expand %a {shape = array<i64: 2, 1, 1>} : (tensor<2x3xf32>) -> tensor<2x2x3xf32>
  // CHECK: graph.tile
  %5 = graph.tile %a {repeats = array<i64: 1, 2>} : (tensor<2x3xf32>) -> tensor<2x6xf32>
  %6 = graph.concat %0#0, %0#1 {axis = 0 : i64} : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  return %6, %1, %2, %3, %4, %5 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x2x3xf32>, tensor<2x6xf32>
}
