// Golden evaluation of grid_sample and roi_align on hand-checked inputs, and
// the errors only the data can reveal.
// RUN: split-file --leading-lines %s %t
// RUN: tessera-run %t/eval.mlir --output-dir %t/out | FileCheck %s
// RUN: not tessera-run %t/batch.mlir --output-dir %t/out 2>&1 | FileCheck %s --check-prefix=BATCH

//--- eval.mlir
func.func @main() -> (tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>, tensor<1x1x1x2xf32>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>) {
  %x = graph.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %g = graph.constant dense<[[[[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0], [5.0, -5.0]]]]> : tensor<1x1x4x2xf32>
  // Corners are pixel centres with align_corners; the centre averages all
  // four; outside the image reads zeros.
  // CHECK: result0: tensor<1x1x1x4xf32> = [1, 2.5, 4, 0]
  %0 = graph.grid_sample %x, %g {align_corners = true} : (tensor<1x1x2x2xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x1x4xf32>
  // Nearest rounds half to even ((0.5, 0.5) reads pixel 0); border padding
  // clamps (5, -5) to the top right pixel.
  // CHECK: result1: tensor<1x1x1x4xf32> = [1, 1, 4, 2]
  %1 = graph.grid_sample %x, %g {mode = "nearest", padding_mode = "border", align_corners = true} : (tensor<1x1x2x2xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x1x4xf32>
  // Without align_corners, -1 is the outer edge: half of pixel 0 and half of
  // zero padding on each axis; reflection mirrors it back inside.
  %g2 = graph.constant dense<[[[[-1.0, -1.0], [-1.0, 0.0]]]]> : tensor<1x1x2x2xf32>
  // CHECK: result2: tensor<1x1x1x2xf32> = [1, 2]
  %2 = graph.grid_sample %x, %g2 {padding_mode = "reflection"} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x1x2xf32>

  %img = graph.constant dense<[[[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0], [12.0, 13.0, 14.0, 15.0]]]]> : tensor<1x1x4x4xf32>
  %rois = graph.constant dense<[[0.0, 0.0, 3.0, 3.0]]> : tensor<1x4xf32>
  %b = graph.constant dense<[0]> : tensor<1xi64>
  // One bin, one sample at (1.5, 1.5): 1.5 * 4 + 1.5.
  // CHECK: result3: tensor<1x1x1x1xf32> = [7.5]
  %3 = graph.roi_align %img, %rois, %b {sampling_ratio = 1, half_pixel = false} : (tensor<1x1x4x4xf32>, tensor<1x4xf32>, tensor<1xi64>) -> tensor<1x1x1x1xf32>
  // half_pixel moves the roi to (-0.5, 2.5): the sample at (1, 1) reads 5;
  // max mode takes the largest weighted tap (the only one, weight 1).
  // CHECK: result4: tensor<1x1x1x1xf32> = [5]
  %4 = graph.roi_align %img, %rois, %b {sampling_ratio = 1, mode = "max"} : (tensor<1x1x4x4xf32>, tensor<1x4xf32>, tensor<1xi64>) -> tensor<1x1x1x1xf32>
  return %0, %1, %2, %3, %4 : tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>, tensor<1x1x1x2xf32>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>
}

//--- batch.mlir
func.func @main() -> tensor<1x1x1x1xf32> {
  %img = graph.constant dense<1.0> : tensor<1x1x4x4xf32>
  %rois = graph.constant dense<[[0.0, 0.0, 3.0, 3.0]]> : tensor<1x4xf32>
  %b = graph.constant dense<[1]> : tensor<1xi64>
  // BATCH: batch.mlir:[[@LINE+1]]:8: error: 'graph.roi_align' op roi_align batch index 1 of roi 0 is out of range for batch 1
  %0 = graph.roi_align %img, %rois, %b : (tensor<1x1x4x4xf32>, tensor<1x4xf32>, tensor<1xi64>) -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}
