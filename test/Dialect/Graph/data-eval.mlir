// RUN: tessera-run %s --output-dir %t | FileCheck %s

// Golden evaluation of the data-movement ops and resize on small inputs
// checked by hand (resize: with ONNX's reference implementation).

func.func @main() -> (tensor<2x1xf32>, tensor<2x2xf32>, tensor<2x3x2xi32>,
                      tensor<2x4xi32>, tensor<2x1xf32>, tensor<2x6xf32>,
                      tensor<1x1x2x4xf32>, tensor<1x4x1x2xf32>, tensor<6xf32>,
                      tensor<2x2xf32>) {
  %x = graph.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %i = graph.constant dense<[[1], [2], [3]]> : tensor<3x1xi32>

  // CHECK: result0: tensor<2x1xf32> = [1, 4]
  // CHECK: result1: tensor<2x2xf32> = [2, 3, 5, 6]
  %s:2 = graph.split %x {axis = 1 : i64, sizes = array<i64: 1, 2>} : (tensor<2x3xf32>) -> (tensor<2x1xf32>, tensor<2x2xf32>)

  // The target's 1 keeps the input's 3; the input's 1 grows to 2.
  // CHECK: result2: tensor<2x3x2xi32> = [1, 1, 2, 2, 3, 3, 1, 1, ...]
  %e = graph.expand %i {shape = array<i64: 2, 1, 2>} : (tensor<3x1xi32>) -> tensor<2x3x2xi32>

  // CHECK: result3: tensor<2x4xi32> = [1, 1, 1, 1, 2, 2, 2, 2]
  %i2 = graph.slice %i {starts = array<i64: 0, 0>, ends = array<i64: 2, 1>, steps = array<i64: 1, 1>} : (tensor<3x1xi32>) -> tensor<2x1xi32>
  %t = graph.tile %i2 {repeats = array<i64: 1, 4>} : (tensor<2x1xi32>) -> tensor<2x4xi32>

  // CHECK: result4: tensor<2x1xf32> = [3, 6]
  %c = graph.compress %x {axis = 1 : i64, condition = array<i1: false, false, true>} : (tensor<2x3xf32>) -> tensor<2x1xf32>

  // Reflect two columns before, one after: [3, 2, | 1, 2, 3, | 2].
  // CHECK: result5: tensor<2x6xf32> = [3, 2, 1, 2, 3, 2, 6, 5, ...]
  %p = graph.pad %x {mode = "reflect", pads = array<i64: 0, 2, 0, 1>} : (tensor<2x3xf32>) -> tensor<2x6xf32>

  // DCR: channel (i, j, c) lands at row i, column j of each block.
  %d = graph.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]], [[5.0]], [[6.0]], [[7.0]], [[8.0]]]]> : tensor<1x8x1x1xf32>
  %ds = graph.depth_to_space %d {blocksize = 2 : i64} : (tensor<1x8x1x1xf32>) -> tensor<1x2x2x2xf32>
  // CHECK: result6: tensor<1x1x2x4xf32> = [1, 3, 5, 7, 2, 4, 6, 8]
  %dsr = graph.reshape %ds {shape = array<i64: 1, 1, 2, 4>} : (tensor<1x2x2x2xf32>) -> tensor<1x1x2x4xf32>
  %sd = graph.space_to_depth %dsr {blocksize = 2 : i64} : (tensor<1x1x2x4xf32>) -> tensor<1x4x1x2xf32>
  // CHECK: result7: tensor<1x4x1x2xf32> = [1, 5, 3, 7, 2, 6, 4, 8]

  // Cubic, half_pixel, A = -0.75: [1, 2, 4, 8] grown by 1.5.
  // CHECK: result8: tensor<6xf32> = [0.913194, 1.3125, 2.3044, 3.3831, 6.1875, 8.34722]
  %v = graph.constant dense<[1.0, 2.0, 4.0, 8.0]> : tensor<4xf32>
  %r = graph.resize %v {mode = "cubic", scales = array<f64: 1.5>, sizes = array<i64: 6>} : (tensor<4xf32>) -> tensor<6xf32>

  // gather_nd with a batch dimension: row 1 of batch 0, row 0 of batch 1.
  // CHECK: result9: tensor<2x2xf32> = [3, 4, 5, 6]
  %g3 = graph.constant dense<[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]> : tensor<2x2x2xf32>
  %gi = graph.constant dense<[[1], [0]]> : tensor<2x1xi64>
  %g = graph.gather_nd %g3, %gi {batch_dims = 1 : i64} : (tensor<2x2x2xf32>, tensor<2x1xi64>) -> tensor<2x2xf32>

  return %s#0, %s#1, %e, %t, %c, %p, %dsr, %sd, %r, %g
      : tensor<2x1xf32>, tensor<2x2xf32>, tensor<2x3x2xi32>, tensor<2x4xi32>,
        tensor<2x1xf32>, tensor<2x6xf32>, tensor<1x1x2x4xf32>,
        tensor<1x4x1x2xf32>, tensor<6xf32>, tensor<2x2xf32>
}
