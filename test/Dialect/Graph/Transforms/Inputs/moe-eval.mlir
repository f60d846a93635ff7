// A dense-dispatch MoE block (tessera-graph-fuse-llm's moe family) whose
// fused form must evaluate to the same output: see fuse-moe-eval.test.
func.func @main(%x: tensor<1x4x4xf32> {graph.name = "x"}) -> (tensor<1x4x4xf32> {graph.name = "y"}) {
  %wr = graph.constant dense<[[-0.524, 0.088, -0.260, 0.208], [0.251, -0.869, -0.974, 0.675], [-0.481, -0.531, 0.991, -0.059], [0.673, -0.047, 0.278, -0.699]]> : tensor<4x4xf32>
  %zeros = graph.constant dense<0.0> : tensor<4x4xf32>
  %x2 = graph.reshape %x {shape = array<i64: 4, 4>} : (tensor<1x4x4xf32>) -> tensor<4x4xf32>
  %logits = graph.matmul %x2, %wr : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %scores = graph.softmax %logits {axis = 1 : i64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %vals, %idx = graph.top_k %scores {axis = 1 : i64, k = 2 : i64} : (tensor<4x4xf32>) -> (tensor<4x2xf32>, tensor<4x2xi64>)
  %eps = graph.constant dense<1.0e-20> : tensor<f32>
  %sum = graph.reduce_sum %vals {axes = array<i64: -1>} : (tensor<4x2xf32>) -> tensor<4x1xf32>
  %den = graph.add %sum, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %wn = graph.div %vals, %den : (tensor<4x2xf32>, tensor<4x1xf32>) -> tensor<4x2xf32>
  %rsf = graph.constant dense<2.5> : tensor<f32>
  %ws = graph.mul %rsf, %wn : (tensor<f32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %combine = graph.scatter_elements %zeros, %idx, %ws {axis = 1 : i64} : (tensor<4x4xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x4xf32>
  %e0g = graph.constant dense<[[0.270, 0.736], [0.046, 0.483], [0.343, -0.872], [0.516, 0.182]]> : tensor<4x2xf32>
  %e0u = graph.constant dense<[[-0.397, -0.938], [0.731, -0.055], [0.438, 0.758], [0.428, 0.842]]> : tensor<4x2xf32>
  %e0d = graph.constant dense<[[-0.210, 0.602, -0.111, 0.871], [0.758, -0.805, -0.728, -0.566]]> : tensor<2x4xf32>
  %e0a = graph.matmul %x2, %e0g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0b = graph.matmul %x2, %e0u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0s = graph.sigmoid %e0a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0t = graph.mul %e0a, %e0s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0h = graph.mul %e0t, %e0b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0o = graph.matmul %e0h, %e0d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c0 = graph.slice %combine {starts = array<i64: 0, 0>, ends = array<i64: 4, 1>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y0 = graph.mul %e0o, %c0 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e1g = graph.constant dense<[[0.931, -0.128], [0.253, -0.398], [0.014, -0.228], [-0.298, 0.170]]> : tensor<4x2xf32>
  %e1u = graph.constant dense<[[0.169, 0.808], [0.364, 0.858], [0.713, 0.982], [0.343, -0.674]]> : tensor<4x2xf32>
  %e1d = graph.constant dense<[[0.721, 0.929, 0.809, 0.138], [0.428, -0.578, 0.663, 0.147]]> : tensor<2x4xf32>
  %e1a = graph.matmul %x2, %e1g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1b = graph.matmul %x2, %e1u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1s = graph.sigmoid %e1a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1t = graph.mul %e1a, %e1s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1h = graph.mul %e1t, %e1b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1o = graph.matmul %e1h, %e1d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c1 = graph.slice %combine {starts = array<i64: 0, 1>, ends = array<i64: 4, 2>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y1 = graph.mul %e1o, %c1 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e2g = graph.constant dense<[[-0.430, -0.873], [0.708, 0.980], [-0.823, 0.601], [-0.179, -0.698]]> : tensor<4x2xf32>
  %e2u = graph.constant dense<[[-0.412, 0.538], [0.746, -0.912], [0.229, -0.910], [0.437, -0.338]]> : tensor<4x2xf32>
  %e2d = graph.constant dense<[[0.762, 0.961, 0.011, 0.997], [-0.381, -0.846, 0.200, -0.937]]> : tensor<2x4xf32>
  %e2a = graph.matmul %x2, %e2g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2b = graph.matmul %x2, %e2u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2s = graph.sigmoid %e2a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2t = graph.mul %e2a, %e2s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2h = graph.mul %e2t, %e2b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2o = graph.matmul %e2h, %e2d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c2 = graph.slice %combine {starts = array<i64: 0, 2>, ends = array<i64: 4, 3>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y2 = graph.mul %e2o, %c2 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e3g = graph.constant dense<[[-0.605, -0.184], [0.221, -0.688], [-0.915, 0.736], [-0.372, 0.917]]> : tensor<4x2xf32>
  %e3u = graph.constant dense<[[0.793, -0.244], [-0.079, 0.040], [0.288, 0.191], [0.119, 0.240]]> : tensor<4x2xf32>
  %e3d = graph.constant dense<[[0.881, 0.014, -0.138, 0.441], [-0.525, -0.398, 0.956, 0.042]]> : tensor<2x4xf32>
  %e3a = graph.matmul %x2, %e3g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e3b = graph.matmul %x2, %e3u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e3s = graph.sigmoid %e3a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e3t = graph.mul %e3a, %e3s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e3h = graph.mul %e3t, %e3b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e3o = graph.matmul %e3h, %e3d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c3 = graph.slice %combine {starts = array<i64: 0, 3>, ends = array<i64: 4, 4>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y3 = graph.mul %e3o, %c3 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %s1 = graph.add %y0, %y1 : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %s2 = graph.add %s1, %y2 : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %s3 = graph.add %s2, %y3 : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %r = graph.reshape %s3 {shape = array<i64: 1, 4, 4>} : (tensor<4x4xf32>) -> tensor<1x4x4xf32>
  %shg = graph.constant dense<[[0.097, -0.977], [-0.170, 0.160], [-0.960, 0.232], [0.264, -0.880]]> : tensor<4x2xf32>
  %shu = graph.constant dense<[[0.255, -0.067], [0.359, -0.295], [0.414, 0.476], [-0.956, -0.879]]> : tensor<4x2xf32>
  %shd = graph.constant dense<[[0.352, 0.927, -0.498, -0.087], [0.185, -0.360, -0.272, -0.375]]> : tensor<2x4xf32>
  %sha = graph.matmul %x, %shg : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  %shb = graph.matmul %x, %shu : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  %shs = graph.sigmoid %sha : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %sht = graph.mul %sha, %shs : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %shh = graph.mul %sht, %shb : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %sho = graph.matmul %shh, %shd : (tensor<1x4x2xf32>, tensor<2x4xf32>) -> tensor<1x4x4xf32>
  %out = graph.add %r, %sho : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %out : tensor<1x4x4xf32>
}

