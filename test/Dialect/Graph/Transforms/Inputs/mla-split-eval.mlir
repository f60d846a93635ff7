// MLA attention with its scores written per part (q_nope k_nope^T +
// q_pe k_pe^T, the rope key shared by both heads): see fuse-attention-eval.test.
func.func @main(%qn: tensor<1x2x4x8xf32> {graph.name = "qn"}, %qp: tensor<1x2x4x4xf32> {graph.name = "qp"}, %kn: tensor<1x2x4x8xf32> {graph.name = "kn"}, %kp: tensor<1x1x4x4xf32> {graph.name = "kp"}, %v: tensor<1x2x4x8xf32> {graph.name = "v"}) -> (tensor<1x2x4x8xf32> {graph.name = "y"}) {
  %c = graph.constant dense<0.288675129> : tensor<f32>
  %mask = graph.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %knt = graph.transpose %kn {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %kpt = graph.transpose %kp {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %s1 = graph.matmul %qn, %knt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %s2 = graph.matmul %qp, %kpt : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = graph.add %s1, %s2 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %d = graph.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %m = graph.add %d, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = graph.softmax %m {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = graph.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
