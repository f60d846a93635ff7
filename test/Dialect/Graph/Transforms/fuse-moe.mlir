// RUN: tessera-opt --tessera-graph-fuse-llm=ops=swiglu,moe --split-input-file %s | FileCheck %s

// DeepSeek-V2's dense-dispatch MoE: softmax router, top-2, normalised
// and scaled weights, four SwiGLU experts, shared experts.
// CHECK-LABEL: func.func @moe
// CHECK: %[[Y:.*]] = graph.moe %arg0, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {norm_topk_prob = true, routed_scaling_factor = 2.500000e+00 : f32, top_k = 2 : i64} : (tensor<1x4x4xf32>, tensor<4x4xf32>, tensor<4x2x4xf32>, tensor<4x2x4xf32>, tensor<4x4x2xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<1x4x4xf32>
// CHECK-NEXT: return %[[Y]]
func.func @moe(%x: tensor<1x4x4xf32>) -> (tensor<1x4x4xf32>) {
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

// -----

// Group-limited greedy (2 groups of 2, the best one kept), no shared
// experts, no normalisation.
// CHECK-LABEL: func.func @grouped
// CHECK: %[[Y:.*]] = graph.moe %arg0, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {n_group = 2 : i64, top_k = 2 : i64} : (tensor<1x4x4xf32>, tensor<4x4xf32>, tensor<4x2x4xf32>, tensor<4x2x4xf32>, tensor<4x4x2xf32>) -> tensor<1x4x4xf32>
// CHECK-NEXT: return %[[Y]]
func.func @grouped(%x: tensor<1x4x4xf32>) -> (tensor<1x4x4xf32>) {
  %wr = graph.constant dense<[[-0.262, 0.191, -0.399, -0.246], [0.545, -0.946, 0.139, 0.470], [-0.380, -0.555, 0.608, -0.523], [-0.625, -0.130, 0.396, -0.796]]> : tensor<4x4xf32>
  %zeros = graph.constant dense<0.0> : tensor<4x4xf32>
  %x2 = graph.reshape %x {shape = array<i64: 4, 4>} : (tensor<1x4x4xf32>) -> tensor<4x4xf32>
  %logits = graph.matmul %x2, %wr : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %scores = graph.softmax %logits {axis = 1 : i64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %gz = graph.constant dense<0.0> : tensor<4x2xf32>
  %gones = graph.constant dense<1.0> : tensor<4x1xf32>
  %fill = graph.constant dense<0.0> : tensor<f32>
  %g3 = graph.reshape %scores {shape = array<i64: 4, 2, 2>} : (tensor<4x4xf32>) -> tensor<4x2x2xf32>
  %gmax = graph.reduce_max %g3 {axes = array<i64: -1>, keepdims = false} : (tensor<4x2x2xf32>) -> tensor<4x2xf32>
  %gv, %gi = graph.top_k %gmax {axis = 1 : i64, k = 1 : i64} : (tensor<4x2xf32>) -> (tensor<4x1xf32>, tensor<4x1xi64>)
  %gm = graph.scatter_elements %gz, %gi, %gones {axis = 1 : i64} : (tensor<4x2xf32>, tensor<4x1xi64>, tensor<4x1xf32>) -> tensor<4x2xf32>
  %gm3 = graph.reshape %gm {shape = array<i64: 4, 2, 1>} : (tensor<4x2xf32>) -> tensor<4x2x1xf32>
  %gme = graph.expand %gm3 {shape = array<i64: 4, 2, 2>} : (tensor<4x2x1xf32>) -> tensor<4x2x2xf32>
  %sm = graph.reshape %gme {shape = array<i64: 4, 4>} : (tensor<4x2x2xf32>) -> tensor<4x4xf32>
  %smb = graph.cast %sm {to = i1} : (tensor<4x4xf32>) -> tensor<4x4xi1>
  %nsm = graph.not %smb : (tensor<4x4xi1>) -> tensor<4x4xi1>
  %masked = graph.where %nsm, %fill, %scores : (tensor<4x4xi1>, tensor<f32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %vals, %idx = graph.top_k %masked {axis = 1 : i64, k = 2 : i64} : (tensor<4x4xf32>) -> (tensor<4x2xf32>, tensor<4x2xi64>)
  %combine = graph.scatter_elements %zeros, %idx, %vals {axis = 1 : i64} : (tensor<4x4xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x4xf32>
  %e0g = graph.constant dense<[[-0.356, -0.332], [0.667, -0.123], [0.711, -0.661], [-0.327, 0.300]]> : tensor<4x2xf32>
  %e0u = graph.constant dense<[[0.770, -0.098], [-0.550, -0.758], [0.059, -0.618], [0.614, 0.677]]> : tensor<4x2xf32>
  %e0d = graph.constant dense<[[-0.633, -0.443, 0.614, 0.284], [0.613, -0.309, -0.741, -0.416]]> : tensor<2x4xf32>
  %e0a = graph.matmul %x2, %e0g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0b = graph.matmul %x2, %e0u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0s = graph.sigmoid %e0a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0t = graph.mul %e0a, %e0s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0h = graph.mul %e0t, %e0b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0o = graph.matmul %e0h, %e0d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c0 = graph.slice %combine {starts = array<i64: 0, 0>, ends = array<i64: 4, 1>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y0 = graph.mul %e0o, %c0 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e1g = graph.constant dense<[[0.588, -0.458], [-0.307, -0.166], [-0.160, -0.181], [0.841, -0.688]]> : tensor<4x2xf32>
  %e1u = graph.constant dense<[[-0.991, 0.887], [0.760, 0.974], [-0.131, 0.900], [0.855, -0.556]]> : tensor<4x2xf32>
  %e1d = graph.constant dense<[[0.491, 0.673, 0.326, 0.038], [-0.422, -0.318, -0.545, -0.864]]> : tensor<2x4xf32>
  %e1a = graph.matmul %x2, %e1g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1b = graph.matmul %x2, %e1u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1s = graph.sigmoid %e1a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1t = graph.mul %e1a, %e1s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1h = graph.mul %e1t, %e1b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1o = graph.matmul %e1h, %e1d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c1 = graph.slice %combine {starts = array<i64: 0, 1>, ends = array<i64: 4, 2>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y1 = graph.mul %e1o, %c1 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e2g = graph.constant dense<[[0.177, -0.426], [0.620, -0.910], [0.807, 0.387], [0.848, 0.793]]> : tensor<4x2xf32>
  %e2u = graph.constant dense<[[0.799, 0.154], [-0.974, 0.491], [-0.656, -0.400], [0.326, 0.050]]> : tensor<4x2xf32>
  %e2d = graph.constant dense<[[-0.172, 0.878, 0.224, -0.317], [-0.495, 0.723, -0.046, 0.565]]> : tensor<2x4xf32>
  %e2a = graph.matmul %x2, %e2g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2b = graph.matmul %x2, %e2u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2s = graph.sigmoid %e2a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2t = graph.mul %e2a, %e2s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2h = graph.mul %e2t, %e2b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2o = graph.matmul %e2h, %e2d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c2 = graph.slice %combine {starts = array<i64: 0, 2>, ends = array<i64: 4, 3>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y2 = graph.mul %e2o, %c2 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e3g = graph.constant dense<[[-0.296, -0.605], [0.069, 0.634], [-0.657, 0.583], [0.844, 0.612]]> : tensor<4x2xf32>
  %e3u = graph.constant dense<[[0.647, -0.985], [0.257, 0.725], [-0.900, -0.457], [-0.463, 0.055]]> : tensor<4x2xf32>
  %e3d = graph.constant dense<[[-0.154, -0.054, 0.553, -0.996], [-0.890, -0.746, -0.751, -0.863]]> : tensor<2x4xf32>
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
  return %r : tensor<1x4x4xf32>
}

// -----

// Near miss: the normalisation adds 1e-6, not the op's 1e-20.
// CHECK-LABEL: func.func @wrong_eps
// CHECK-NOT: graph.moe
func.func @wrong_eps(%x: tensor<1x4x4xf32>) -> (tensor<1x4x4xf32>) {
  %wr = graph.constant dense<[[0.949, 0.709, -0.828, 0.004], [-0.368, -0.371, -0.297, 0.294], [0.173, -0.278, -0.618, -0.342], [-0.752, 0.111, 0.432, -0.240]]> : tensor<4x4xf32>
  %zeros = graph.constant dense<0.0> : tensor<4x4xf32>
  %x2 = graph.reshape %x {shape = array<i64: 4, 4>} : (tensor<1x4x4xf32>) -> tensor<4x4xf32>
  %logits = graph.matmul %x2, %wr : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %scores = graph.softmax %logits {axis = 1 : i64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %vals, %idx = graph.top_k %scores {axis = 1 : i64, k = 2 : i64} : (tensor<4x4xf32>) -> (tensor<4x2xf32>, tensor<4x2xi64>)
  %eps = graph.constant dense<1.0e-6> : tensor<f32>
  %sum = graph.reduce_sum %vals {axes = array<i64: -1>} : (tensor<4x2xf32>) -> tensor<4x1xf32>
  %den = graph.add %sum, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %wn = graph.div %vals, %den : (tensor<4x2xf32>, tensor<4x1xf32>) -> tensor<4x2xf32>
  %combine = graph.scatter_elements %zeros, %idx, %wn {axis = 1 : i64} : (tensor<4x4xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x4xf32>
  %e0g = graph.constant dense<[[-0.840, -0.643], [-0.253, 0.209], [0.565, -0.239], [0.602, 0.246]]> : tensor<4x2xf32>
  %e0u = graph.constant dense<[[-0.137, -0.255], [-0.008, 0.406], [-0.159, 0.388], [-0.078, -0.510]]> : tensor<4x2xf32>
  %e0d = graph.constant dense<[[0.072, 0.390, -0.857, -0.150], [-0.148, 0.759, 0.873, -0.252]]> : tensor<2x4xf32>
  %e0a = graph.matmul %x2, %e0g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0b = graph.matmul %x2, %e0u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0s = graph.sigmoid %e0a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0t = graph.mul %e0a, %e0s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0h = graph.mul %e0t, %e0b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0o = graph.matmul %e0h, %e0d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c0 = graph.slice %combine {starts = array<i64: 0, 0>, ends = array<i64: 4, 1>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y0 = graph.mul %e0o, %c0 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e1g = graph.constant dense<[[0.796, 0.582], [-0.476, -0.072], [-0.754, 0.626], [0.325, 0.775]]> : tensor<4x2xf32>
  %e1u = graph.constant dense<[[0.585, 0.335], [0.467, 0.128], [-0.794, 0.176], [-0.990, -0.713]]> : tensor<4x2xf32>
  %e1d = graph.constant dense<[[0.549, -0.911, -0.816, -0.801], [0.761, -0.642, -0.953, 0.683]]> : tensor<2x4xf32>
  %e1a = graph.matmul %x2, %e1g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1b = graph.matmul %x2, %e1u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1s = graph.sigmoid %e1a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1t = graph.mul %e1a, %e1s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1h = graph.mul %e1t, %e1b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1o = graph.matmul %e1h, %e1d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c1 = graph.slice %combine {starts = array<i64: 0, 1>, ends = array<i64: 4, 2>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y1 = graph.mul %e1o, %c1 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e2g = graph.constant dense<[[-0.757, 0.688], [0.347, 0.672], [0.905, 0.158], [0.597, -0.927]]> : tensor<4x2xf32>
  %e2u = graph.constant dense<[[0.535, 0.023], [0.430, -0.787], [0.498, 0.869], [-0.878, -0.352]]> : tensor<4x2xf32>
  %e2d = graph.constant dense<[[0.128, 0.656, -0.516, -0.640], [-0.500, 0.232, 0.507, -0.213]]> : tensor<2x4xf32>
  %e2a = graph.matmul %x2, %e2g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2b = graph.matmul %x2, %e2u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2s = graph.sigmoid %e2a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2t = graph.mul %e2a, %e2s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2h = graph.mul %e2t, %e2b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2o = graph.matmul %e2h, %e2d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c2 = graph.slice %combine {starts = array<i64: 0, 2>, ends = array<i64: 4, 3>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y2 = graph.mul %e2o, %c2 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e3g = graph.constant dense<[[-0.265, -0.207], [-0.299, -0.164], [-0.833, 0.001], [0.946, -0.174]]> : tensor<4x2xf32>
  %e3u = graph.constant dense<[[0.495, -0.679], [0.382, 0.512], [0.348, 0.034], [-0.033, 0.286]]> : tensor<4x2xf32>
  %e3d = graph.constant dense<[[0.795, -0.701, -0.808, 0.496], [0.833, 0.035, -0.114, 0.438]]> : tensor<2x4xf32>
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
  %shg = graph.constant dense<[[-0.628, -0.465], [-0.602, 0.171], [-0.370, -0.535], [0.382, 0.907]]> : tensor<4x2xf32>
  %shu = graph.constant dense<[[-0.408, 0.411], [-0.174, 0.707], [0.169, -0.466], [-0.565, -0.954]]> : tensor<4x2xf32>
  %shd = graph.constant dense<[[-0.041, -0.234, -0.656, -0.279], [-0.356, 0.548, -0.713, 0.982]]> : tensor<2x4xf32>
  %sha = graph.matmul %x, %shg : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  %shb = graph.matmul %x, %shu : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  %shs = graph.sigmoid %sha : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %sht = graph.mul %sha, %shs : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %shh = graph.mul %sht, %shb : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %sho = graph.matmul %shh, %shd : (tensor<1x4x2xf32>, tensor<2x4xf32>) -> tensor<1x4x4xf32>
  %out = graph.add %r, %sho : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %out : tensor<1x4x4xf32>
}

// -----

// Near miss: two experts read column 0 (none reads column 1).
// CHECK-LABEL: func.func @same_column
// CHECK-NOT: graph.moe
func.func @same_column(%x: tensor<1x4x4xf32>) -> (tensor<1x4x4xf32>) {
  %wr = graph.constant dense<[[-0.041, 0.198, -0.064, 0.669], [0.643, 0.114, -0.037, 0.441], [0.713, -0.199, 0.467, 0.921], [-0.065, -0.541, -0.530, 0.435]]> : tensor<4x4xf32>
  %zeros = graph.constant dense<0.0> : tensor<4x4xf32>
  %x2 = graph.reshape %x {shape = array<i64: 4, 4>} : (tensor<1x4x4xf32>) -> tensor<4x4xf32>
  %logits = graph.matmul %x2, %wr : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %scores = graph.softmax %logits {axis = 1 : i64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %vals, %idx = graph.top_k %scores {axis = 1 : i64, k = 2 : i64} : (tensor<4x4xf32>) -> (tensor<4x2xf32>, tensor<4x2xi64>)
  %combine = graph.scatter_elements %zeros, %idx, %vals {axis = 1 : i64} : (tensor<4x4xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x4xf32>
  %e0g = graph.constant dense<[[0.351, 0.917], [0.708, -0.516], [-0.621, -0.483], [-0.626, 0.409]]> : tensor<4x2xf32>
  %e0u = graph.constant dense<[[0.717, 0.800], [-0.490, 0.730], [-0.373, -0.153], [0.458, -0.828]]> : tensor<4x2xf32>
  %e0d = graph.constant dense<[[-0.815, 0.668, -0.416, -0.287], [0.161, 0.351, -0.986, -0.330]]> : tensor<2x4xf32>
  %e0a = graph.matmul %x2, %e0g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0b = graph.matmul %x2, %e0u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0s = graph.sigmoid %e0a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0t = graph.mul %e0a, %e0s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0h = graph.mul %e0t, %e0b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0o = graph.matmul %e0h, %e0d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c0 = graph.slice %combine {starts = array<i64: 0, 0>, ends = array<i64: 4, 1>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y0 = graph.mul %e0o, %c0 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e1g = graph.constant dense<[[-0.128, -0.028], [-0.580, 0.170], [0.911, -0.218], [0.089, -0.762]]> : tensor<4x2xf32>
  %e1u = graph.constant dense<[[-0.450, 0.331], [-0.775, 0.774], [0.818, -0.806], [0.883, -0.252]]> : tensor<4x2xf32>
  %e1d = graph.constant dense<[[0.545, 0.515, -0.409, 0.352], [0.308, 0.612, -0.469, 0.508]]> : tensor<2x4xf32>
  %e1a = graph.matmul %x2, %e1g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1b = graph.matmul %x2, %e1u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1s = graph.sigmoid %e1a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1t = graph.mul %e1a, %e1s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1h = graph.mul %e1t, %e1b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1o = graph.matmul %e1h, %e1d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c1 = graph.slice %combine {starts = array<i64: 0, 0>, ends = array<i64: 4, 1>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y1 = graph.mul %e1o, %c1 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e2g = graph.constant dense<[[0.923, 0.346], [0.072, -0.773], [-0.012, -0.296], [0.436, 0.357]]> : tensor<4x2xf32>
  %e2u = graph.constant dense<[[0.133, -0.636], [0.291, 0.262], [-0.642, 0.780], [0.311, -0.754]]> : tensor<4x2xf32>
  %e2d = graph.constant dense<[[0.864, -0.717, -0.337, 0.441], [0.195, 0.110, 0.295, -0.085]]> : tensor<2x4xf32>
  %e2a = graph.matmul %x2, %e2g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2b = graph.matmul %x2, %e2u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2s = graph.sigmoid %e2a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2t = graph.mul %e2a, %e2s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2h = graph.mul %e2t, %e2b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2o = graph.matmul %e2h, %e2d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c2 = graph.slice %combine {starts = array<i64: 0, 2>, ends = array<i64: 4, 3>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y2 = graph.mul %e2o, %c2 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e3g = graph.constant dense<[[-0.375, -0.647], [-0.863, 0.432], [0.509, 0.086], [0.479, -0.282]]> : tensor<4x2xf32>
  %e3u = graph.constant dense<[[-0.468, -0.233], [0.745, -0.916], [0.009, -0.506], [0.538, -0.292]]> : tensor<4x2xf32>
  %e3d = graph.constant dense<[[-0.334, -0.193, 0.083, 0.543], [-0.294, 0.694, -0.776, -0.459]]> : tensor<2x4xf32>
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
  %shg = graph.constant dense<[[-0.801, -0.775], [0.558, 0.455], [-0.630, -0.622], [-0.167, 0.487]]> : tensor<4x2xf32>
  %shu = graph.constant dense<[[0.631, 0.497], [0.184, -0.707], [-0.203, -0.613], [0.055, 0.137]]> : tensor<4x2xf32>
  %shd = graph.constant dense<[[-0.596, -0.500, 0.563, -0.940], [0.606, 0.782, 0.899, -0.234]]> : tensor<2x4xf32>
  %sha = graph.matmul %x, %shg : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  %shb = graph.matmul %x, %shu : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  %shs = graph.sigmoid %sha : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %sht = graph.mul %sha, %shs : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %shh = graph.mul %sht, %shb : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %sho = graph.matmul %shh, %shd : (tensor<1x4x2xf32>, tensor<2x4xf32>) -> tensor<1x4x4xf32>
  %out = graph.add %r, %sho : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %out : tensor<1x4x4xf32>
}

// -----

// Near miss: the dense matrix does not start at zero.
// CHECK-LABEL: func.func @nonzero_base
// CHECK-NOT: graph.moe
func.func @nonzero_base(%x: tensor<1x4x4xf32>) -> (tensor<1x4x4xf32>) {
  %wr = graph.constant dense<[[0.105, 0.166, 0.267, 0.954], [0.373, -0.401, 0.720, -0.032], [0.203, 0.454, -0.995, 0.541], [0.324, -0.016, 0.047, -0.079]]> : tensor<4x4xf32>
  %zeros = graph.constant dense<0.5> : tensor<4x4xf32>
  %x2 = graph.reshape %x {shape = array<i64: 4, 4>} : (tensor<1x4x4xf32>) -> tensor<4x4xf32>
  %logits = graph.matmul %x2, %wr : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %scores = graph.softmax %logits {axis = 1 : i64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %vals, %idx = graph.top_k %scores {axis = 1 : i64, k = 2 : i64} : (tensor<4x4xf32>) -> (tensor<4x2xf32>, tensor<4x2xi64>)
  %combine = graph.scatter_elements %zeros, %idx, %vals {axis = 1 : i64} : (tensor<4x4xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x4xf32>
  %e0g = graph.constant dense<[[-0.613, 0.059], [-0.926, 0.001], [0.292, -0.112], [0.132, 0.918]]> : tensor<4x2xf32>
  %e0u = graph.constant dense<[[0.784, -0.729], [0.585, 0.247], [-0.899, -0.280], [-0.533, -0.844]]> : tensor<4x2xf32>
  %e0d = graph.constant dense<[[0.078, 0.860, -0.354, 0.741], [0.389, -0.731, 0.717, 0.202]]> : tensor<2x4xf32>
  %e0a = graph.matmul %x2, %e0g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0b = graph.matmul %x2, %e0u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0s = graph.sigmoid %e0a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0t = graph.mul %e0a, %e0s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0h = graph.mul %e0t, %e0b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0o = graph.matmul %e0h, %e0d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c0 = graph.slice %combine {starts = array<i64: 0, 0>, ends = array<i64: 4, 1>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y0 = graph.mul %e0o, %c0 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e1g = graph.constant dense<[[0.854, 0.432], [0.479, -0.313], [0.613, 0.863], [0.723, -0.126]]> : tensor<4x2xf32>
  %e1u = graph.constant dense<[[0.514, -0.030], [-0.782, -0.915], [-0.844, -0.599], [-0.678, -0.006]]> : tensor<4x2xf32>
  %e1d = graph.constant dense<[[0.399, 0.075, -0.156, 0.298], [-0.391, -0.071, 0.514, -0.197]]> : tensor<2x4xf32>
  %e1a = graph.matmul %x2, %e1g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1b = graph.matmul %x2, %e1u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1s = graph.sigmoid %e1a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1t = graph.mul %e1a, %e1s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1h = graph.mul %e1t, %e1b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1o = graph.matmul %e1h, %e1d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c1 = graph.slice %combine {starts = array<i64: 0, 1>, ends = array<i64: 4, 2>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y1 = graph.mul %e1o, %c1 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e2g = graph.constant dense<[[-0.639, 0.799], [0.439, -0.266], [-0.258, 0.059], [0.193, -0.552]]> : tensor<4x2xf32>
  %e2u = graph.constant dense<[[-0.995, -0.582], [0.566, -0.713], [-0.080, -0.609], [-0.581, -0.658]]> : tensor<4x2xf32>
  %e2d = graph.constant dense<[[-0.193, -0.663, -0.945, -0.780], [-0.664, -0.019, -0.881, -0.955]]> : tensor<2x4xf32>
  %e2a = graph.matmul %x2, %e2g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2b = graph.matmul %x2, %e2u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2s = graph.sigmoid %e2a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2t = graph.mul %e2a, %e2s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2h = graph.mul %e2t, %e2b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2o = graph.matmul %e2h, %e2d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c2 = graph.slice %combine {starts = array<i64: 0, 2>, ends = array<i64: 4, 3>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y2 = graph.mul %e2o, %c2 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e3g = graph.constant dense<[[-0.104, -0.185], [0.407, -0.898], [-0.193, -0.207], [-0.947, 0.931]]> : tensor<4x2xf32>
  %e3u = graph.constant dense<[[-0.562, -0.811], [-0.051, -0.670], [0.245, -0.307], [-0.752, -0.896]]> : tensor<4x2xf32>
  %e3d = graph.constant dense<[[0.455, -0.450, 0.576, -0.069], [0.866, -0.399, -0.500, -0.468]]> : tensor<2x4xf32>
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
  %shg = graph.constant dense<[[0.629, 0.258], [-0.311, -0.813], [0.365, 0.939], [0.185, -0.993]]> : tensor<4x2xf32>
  %shu = graph.constant dense<[[-0.939, -0.819], [-0.659, -0.927], [-0.892, 0.309], [0.801, -0.599]]> : tensor<4x2xf32>
  %shd = graph.constant dense<[[0.948, -0.046, 0.607, 0.835], [0.880, -0.932, -0.391, 0.214]]> : tensor<2x4xf32>
  %sha = graph.matmul %x, %shg : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  %shb = graph.matmul %x, %shu : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  %shs = graph.sigmoid %sha : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %sht = graph.mul %sha, %shs : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %shh = graph.mul %sht, %shb : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %sho = graph.matmul %shh, %shd : (tensor<1x4x2xf32>, tensor<2x4xf32>) -> tensor<1x4x4xf32>
  %out = graph.add %r, %sho : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %out : tensor<1x4x4xf32>
}

// -----

// Near miss: the softmax normalises over tokens, not experts.
// CHECK-LABEL: func.func @softmax_over_tokens
// CHECK-NOT: graph.moe
func.func @softmax_over_tokens(%x: tensor<1x4x4xf32>) -> (tensor<1x4x4xf32>) {
  %wr = graph.constant dense<[[0.893, -0.824, -0.413, 0.700], [-0.771, -0.220, -0.332, 0.360], [0.857, -0.651, 0.480, 0.468], [0.671, 0.107, 0.847, -0.274]]> : tensor<4x4xf32>
  %zeros = graph.constant dense<0.0> : tensor<4x4xf32>
  %x2 = graph.reshape %x {shape = array<i64: 4, 4>} : (tensor<1x4x4xf32>) -> tensor<4x4xf32>
  %logits = graph.matmul %x2, %wr : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %scores = graph.softmax %logits {axis = 0 : i64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %vals, %idx = graph.top_k %scores {axis = 1 : i64, k = 2 : i64} : (tensor<4x4xf32>) -> (tensor<4x2xf32>, tensor<4x2xi64>)
  %combine = graph.scatter_elements %zeros, %idx, %vals {axis = 1 : i64} : (tensor<4x4xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x4xf32>
  %e0g = graph.constant dense<[[-0.171, -0.541], [0.559, -0.039], [-0.461, -0.661], [0.441, 0.211]]> : tensor<4x2xf32>
  %e0u = graph.constant dense<[[0.421, -0.226], [-0.026, -0.692], [0.421, -0.954], [-0.066, 0.517]]> : tensor<4x2xf32>
  %e0d = graph.constant dense<[[0.355, -0.806, -0.526, 0.687], [0.285, 0.757, 0.745, -0.100]]> : tensor<2x4xf32>
  %e0a = graph.matmul %x2, %e0g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0b = graph.matmul %x2, %e0u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0s = graph.sigmoid %e0a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0t = graph.mul %e0a, %e0s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0h = graph.mul %e0t, %e0b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e0o = graph.matmul %e0h, %e0d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c0 = graph.slice %combine {starts = array<i64: 0, 0>, ends = array<i64: 4, 1>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y0 = graph.mul %e0o, %c0 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e1g = graph.constant dense<[[0.794, 0.466], [-0.333, -0.260], [-0.856, -0.201], [0.911, -0.790]]> : tensor<4x2xf32>
  %e1u = graph.constant dense<[[0.138, -0.780], [-0.838, 0.298], [-0.519, -0.902], [-0.695, 0.289]]> : tensor<4x2xf32>
  %e1d = graph.constant dense<[[0.171, -0.977, -0.540, 0.934], [-0.560, 0.125, -0.161, 0.562]]> : tensor<2x4xf32>
  %e1a = graph.matmul %x2, %e1g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1b = graph.matmul %x2, %e1u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1s = graph.sigmoid %e1a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1t = graph.mul %e1a, %e1s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1h = graph.mul %e1t, %e1b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1o = graph.matmul %e1h, %e1d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c1 = graph.slice %combine {starts = array<i64: 0, 1>, ends = array<i64: 4, 2>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y1 = graph.mul %e1o, %c1 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e2g = graph.constant dense<[[0.209, 0.577], [0.070, -0.624], [-0.645, -0.842], [0.651, -0.775]]> : tensor<4x2xf32>
  %e2u = graph.constant dense<[[-0.952, 0.933], [-0.601, 0.787], [-0.828, -0.070], [-0.554, 0.659]]> : tensor<4x2xf32>
  %e2d = graph.constant dense<[[0.231, 0.284, 0.523, 0.743], [-0.308, 0.206, -0.109, -0.778]]> : tensor<2x4xf32>
  %e2a = graph.matmul %x2, %e2g : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2b = graph.matmul %x2, %e2u : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2s = graph.sigmoid %e2a : (tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2t = graph.mul %e2a, %e2s : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2h = graph.mul %e2t, %e2b : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2o = graph.matmul %e2h, %e2d : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %c2 = graph.slice %combine {starts = array<i64: 0, 2>, ends = array<i64: 4, 3>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<4x1xf32>
  %y2 = graph.mul %e2o, %c2 : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  %e3g = graph.constant dense<[[0.671, 0.189], [0.630, -0.588], [0.078, -0.072], [0.456, -0.846]]> : tensor<4x2xf32>
  %e3u = graph.constant dense<[[-0.308, -0.031], [-0.857, 0.105], [0.471, -0.154], [0.297, 0.212]]> : tensor<4x2xf32>
  %e3d = graph.constant dense<[[-0.572, -0.299, 0.991, -0.330], [-0.138, -0.832, -0.564, -0.669]]> : tensor<2x4xf32>
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
  %shg = graph.constant dense<[[0.862, 0.453], [0.749, 0.973], [0.224, 0.863], [0.071, -0.163]]> : tensor<4x2xf32>
  %shu = graph.constant dense<[[0.896, 0.806], [0.899, -0.032], [0.547, -0.186], [0.995, 0.841]]> : tensor<4x2xf32>
  %shd = graph.constant dense<[[-0.416, 0.868, -0.631, -0.808], [0.445, -0.411, 0.039, 0.279]]> : tensor<2x4xf32>
  %sha = graph.matmul %x, %shg : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  %shb = graph.matmul %x, %shu : (tensor<1x4x4xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  %shs = graph.sigmoid %sha : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %sht = graph.mul %sha, %shs : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %shh = graph.mul %sht, %shb : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %sho = graph.matmul %shh, %shd : (tensor<1x4x2xf32>, tensor<2x4xf32>) -> tensor<1x4x4xf32>
  %out = graph.add %r, %sho : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %out : tensor<1x4x4xf32>
}

