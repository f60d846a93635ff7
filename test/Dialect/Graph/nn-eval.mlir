// RUN: tessera-run %s --output-dir %t | FileCheck %s

// Golden evaluation of every NN op on small hand-checked inputs (the
// examples of ONNX's operator documentation where there is one).

func.func @main() -> (tensor<1x1x3x3xf32>, tensor<1x1x5x5xf32>, tensor<1x1x2x2xf32>,
                      tensor<1x1x3x3xf32>, tensor<1x1x1x2xf32>, tensor<1x2x2xf32>,
                      tensor<1x2x1x3xf32>, tensor<1x3x1x1xf32>, tensor<1x2x1x2xf32>,
                      tensor<2x2xf32>, tensor<2xi64>, tensor<2x3xf32>, tensor<2x3xi64>,
                      tensor<3xi32>, tensor<2x3xf32>, tensor<f32>, tensor<2x2xf32>,
                      tensor<2x2x2xf32>, tensor<2x2xf32>, tensor<1x1x2x2xui8>,
                      tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, tensor<1x1x2x2xi64>) {
  %x25 = graph.constant dense<[[[[0.0, 1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0, 9.0], [10.0, 11.0, 12.0, 13.0, 14.0], [15.0, 16.0, 17.0, 18.0, 19.0], [20.0, 21.0, 22.0, 23.0, 24.0]]]]> : tensor<1x1x5x5xf32>
  %ones = graph.constant dense<1.0> : tensor<1x1x3x3xf32>
  // CHECK: result0: tensor<1x1x3x3xf32> = [54, 63, 72, 99, 108, 117, 144, 153, ...]
  %conv = graph.conv %x25, %ones {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x5x5xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>

  %xd = graph.constant dense<[[[[3.0, 8.0, 1.0], [9.0, 5.0, 7.0], [3.0, 2.0, 6.0]]]]> : tensor<1x1x3x3xf32>
  %wd = graph.constant dense<[[[[7.0, 2.0], [1.0, 9.0]]]]> : tensor<1x1x2x2xf32>
  // CHECK: result1: tensor<1x1x5x5xf32> = [21, 56, 13, 16, 2, 63, 35, 67, ...]
  %convt = graph.conv_transpose %xd, %wd {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, output_padding = array<i64: 0, 0>} : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x5x5xf32>

  %x16 = graph.constant dense<[[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0]]]]> : tensor<1x1x4x4xf32>
  // CHECK: result2: tensor<1x1x2x2xf32> = [11, 12, 15, 16]
  %max = graph.max_pool %x16 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>

  %nines = graph.constant dense<9.0> : tensor<1x1x3x3xf32>
  // Padding counts: corners see 4 inputs of 9 positions.
  // CHECK: result3: tensor<1x1x3x3xf32> = [4, 6, 4, 6, 9, 6, 4, 6, ...]
  %avg = graph.avg_pool %nines {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, count_include_pad = true} : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>

  %x4 = graph.constant dense<[[[[3.0, -4.0, 1.0, 2.0]]]]> : tensor<1x1x1x4xf32>
  // CHECK: result4: tensor<1x1x1x2xf32> = [5, 2.23607]
  %lp = graph.lp_pool %x4 {kernel_shape = array<i64: 1, 2>, strides = array<i64: 1, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x1x4xf32>) -> tensor<1x1x1x2xf32>

  %xb = graph.constant dense<[[[1.0, 3.0], [10.0, 20.0]]]> : tensor<1x2x2xf32>
  %scale = graph.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %shift = graph.constant dense<[0.0, 5.0]> : tensor<2xf32>
  %mean = graph.constant dense<[2.0, 10.0]> : tensor<2xf32>
  %var = graph.constant dense<[4.0, 100.0]> : tensor<2xf32>
  // CHECK: result5: tensor<1x2x2xf32> = [-1, 1, 5, 6]
  %bn = graph.batch_norm %xb, %scale, %shift, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2xf32>

  %xi = graph.constant dense<[[[[-1.0, 0.0, 1.0]], [[2.0, 3.0, 4.0]]]]> : tensor<1x2x1x3xf32>
  %si = graph.constant dense<[1.0, 1.5]> : tensor<2xf32>
  %bi = graph.constant dense<[0.0, 1.0]> : tensor<2xf32>
  // CHECK: result6: tensor<1x2x1x3xf32> = [-1.22474, 0, 1.22474, -0.8371{{[0-9]+}}, 1, 2.8371]
  %in = graph.instance_norm %xi, %si, %bi : (tensor<1x2x1x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x1x3xf32>

  %xl = graph.constant dense<[[[[1.0]], [[2.0]], [[3.0]]]]> : tensor<1x3x1x1xf32>
  // CHECK: result7: tensor<1x3x1x1xf32> = [0.166667, 0.142857, 0.3]
  %lrn = graph.lrn %xl {size = 2 : i64, alpha = 2.0 : f32, beta = 1.0 : f32} : (tensor<1x3x1x1xf32>) -> tensor<1x3x1x1xf32>

  %xm = graph.constant dense<[[[[1.0, 3.0]], [[10.0, 30.0]]]]> : tensor<1x2x1x2xf32>
  // CHECK: result8: tensor<1x2x1x2xf32> = [-1, 1, -1, 1]
  %mvn = graph.mean_variance_norm %xm {axes = array<i64: 0, 2, 3>} : (tensor<1x2x1x2xf32>) -> tensor<1x2x1x2xf32>

  %x22 = graph.constant dense<[[3.0, 4.0], [-6.0, 8.0]]> : tensor<2x2xf32>
  // CHECK: result9: tensor<2x2xf32> = [0.6, 0.8, -0.6, 0.8]
  %lpn = graph.lp_norm %x22 {axis = 1 : i64} : (tensor<2x2xf32>) -> tensor<2x2xf32>

  %ties = graph.constant dense<[[1.0, 5.0, 5.0], [2.0, 0.0, 0.0]]> : tensor<2x3xf32>
  // CHECK: result10: tensor<2xi64> = [2, 0]
  %am = graph.argmax %ties {axis = 1 : i64, keepdims = false, select_last_index = true} : (tensor<2x3xf32>) -> tensor<2xi64>
  // CHECK: result11: tensor<2x3xf32> = [5, 5, 1, 2, 0, 0]
  // CHECK: result12: tensor<2x3xi64> = [1, 2, 0, 0, 1, 2]
  %topk:2 = graph.top_k %ties {k = 3 : i64} : (tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)

  %xc = graph.constant dense<[1, 2, 3]> : tensor<3xi32>
  // CHECK: result13: tensor<3xi32> = [5, 3, 0]
  %cs = graph.cumsum %xc {axis = 0 : i64, exclusive = true, reverse = true} : (tensor<3xi32>) -> tensor<3xi32>
  // CHECK: result14: tensor<2x3xf32> = [0, 1, 0, 1, 0, 0]
  %hm = graph.hardmax %ties : (tensor<2x3xf32>) -> tensor<2x3xf32>

  // The NegativeLogLikelihoodLoss schema's example 3: weighted mean.
  %nin = graph.constant dense<[[[1.0, 2.0], [2.0, 2.0], [3.0, 2.0]], [[0.0, 1.0], [2.0, 2.0], [1.0, 2.0]]]> : tensor<2x3x2xf32>
  %nt = graph.constant dense<[[2, 1], [0, 2]]> : tensor<2x2xi64>
  %nw = graph.constant dense<[0.2, 0.3, 0.1]> : tensor<3xf32>
  // CHECK: result15: tensor<f32> = [-1.57143]
  %nll = graph.nll_loss %nin, %nt, %nw : (tensor<2x3x2xf32>, tensor<2x2xi64>, tensor<3xf32>) -> tensor<f32>

  // Equal scores: every log-probability is log(1/2).
  %sc = graph.constant dense<0.0> : tensor<2x2x2xf32>
  %sl = graph.constant dense<[[0, 1], [1, -1]]> : tensor<2x2xi64>
  // CHECK: result16: tensor<2x2xf32> = [0.693147, 0.693147, 0.693147, 0]
  // CHECK: result17: tensor<2x2x2xf32> = [-0.693147, -0.693147, -0.693147, -0.693147, -0.693147, -0.693147, -0.693147, -0.693147]
  %sce:2 = graph.softmax_cross_entropy_loss %sc, %sl {reduction = "none", ignore_index = -1 : i64} : (tensor<2x2x2xf32>, tensor<2x2xi64>) -> (tensor<2x2xf32>, tensor<2x2x2xf32>)

  %ea = graph.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %eb = graph.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  // CHECK: result18: tensor<2x2xf32> = [22, 28, 49, 64]
  %ein = graph.einsum %ea, %eb {equation = "ij,jk->ik"} : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>

  %u8 = graph.constant dense<[[[[1, 200, 3], [4, 5, 6], [7, 8, 9]]]]> : tensor<1x1x3x3xui8>
  // CHECK: result19: tensor<1x1x2x2xu8> = [200, 200, 8, 9]
  %maxu = graph.max_pool %u8 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x3x3xui8>) -> tensor<1x1x2x2xui8>

  // Where the maxima of %x16 came from: row-major, then column-major.
  // CHECK: result20: tensor<1x1x2x2xf32> = [6, 8, 14, 16]
  // CHECK: result21: tensor<1x1x2x2xi64> = [5, 7, 13, 15]
  // CHECK: result22: tensor<1x1x2x2xi64> = [5, 13, 7, 15]
  %mi:2 = graph.max_pool_with_indices %x16 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
  %mc:2 = graph.max_pool_with_indices %x16 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, storage_order = 1 : i64} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)

  return %conv, %convt, %max, %avg, %lp, %bn, %in, %lrn, %mvn, %lpn, %am, %topk#0, %topk#1, %cs, %hm, %nll, %sce#0, %sce#1, %ein, %maxu, %mi#0, %mi#1, %mc#1
      : tensor<1x1x3x3xf32>, tensor<1x1x5x5xf32>, tensor<1x1x2x2xf32>,
        tensor<1x1x3x3xf32>, tensor<1x1x1x2xf32>, tensor<1x2x2xf32>,
        tensor<1x2x1x3xf32>, tensor<1x3x1x1xf32>, tensor<1x2x1x2xf32>,
        tensor<2x2xf32>, tensor<2xi64>, tensor<2x3xf32>, tensor<2x3xi64>,
        tensor<3xi32>, tensor<2x3xf32>, tensor<f32>, tensor<2x2xf32>,
        tensor<2x2x2xf32>, tensor<2x2xf32>, tensor<1x1x2x2xui8>,
        tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, tensor<1x1x2x2xi64>
}
