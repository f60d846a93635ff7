// RUN: tessera-opt %s --tessera-attach-target=target=dc --tessera-graph-to-npu --tessera-npu-tile | FileCheck %s --check-prefix=DC
// RUN: tessera-opt %s --tessera-attach-target=target=edge --tessera-graph-to-npu --tessera-npu-tile | FileCheck %s --check-prefix=EDGE

// Tiles come from the target description. A large matmul on dc: 128x256
// output tiles at most, K chunks of 256 (bf16 would be 256; f32 halves the
// L0 steps), NZ tiles in L1, spread over the 24 cube cores. 2048 columns
// in tiles of 256 would make 128 jobs, 6 rounds with the last a third
// full; in 9 of 240 they are 144, 6 full rounds of smaller tiles (the
// product's simulated time 71.0 -> 66.9 us, its DRAM bytes unchanged).
// DC-LABEL: func.func @big
// DC: npu.dispatch matrix{{.*}}attributes {cores = 24 : i64, layout = "nz", tiling = array<i64: 128, 240, 128, 32, 1>}
// On edge the unified 16 MiB local memory (and no cache behind it) takes
// 1024x1024 tiles, which cut the DRAM re-reads of A and B, and K chunks
// of 256 (f32), one core, ND layout.
// EDGE-LABEL: func.func @big
// EDGE: npu.dispatch matrix{{.*}}attributes {cores = 1 : i64, layout = "nd", tiling = array<i64: 1024, 1024, 256, 256, 1>}
func.func @big(%a: tensor<2048x1024xf32>, %b: tensor<1024x2048xf32>) -> tensor<2048x2048xf32> {
  %0 = graph.matmul %a, %b : (tensor<2048x1024xf32>, tensor<1024x2048xf32>) -> tensor<2048x2048xf32>
  return %0 : tensor<2048x2048xf32>
}

// Decode (M = 1) is DRAM-bound: N is narrowed down to a whole L2 line, the
// thin tiles take the largest K chunk L1 holds (each chunk ends with one DMA
// latency), and the 48 vector cores may take GEMV jobs beside the 24 cube
// cores (6th entry), so K is split 3 ways for 24 x 3 = 72 jobs. On edge the
// thin tiles' chunks grow in the unified local memory too (1792 of f32).
// DC-LABEL: func.func @decode
// DC: npu.dispatch matrix{{.*}}attributes {cores = 72 : i64, layout = "nz", scratch = array<i64: 36864>, tiling = array<i64: 16, 128, 448, 32, 3, 48>}
// EDGE-LABEL: func.func @decode
// EDGE: npu.dispatch matrix{{.*}}attributes {cores = 1 : i64, layout = "nd", tiling = array<i64: 16, 1024, 1792, 256, 1>}
func.func @decode(%a: tensor<1x2048xf32>, %b: tensor<2048x3072xf32>) -> tensor<1x3072xf32> {
  %0 = graph.matmul %a, %b : (tensor<1x2048xf32>, tensor<2048x3072xf32>) -> tensor<1x3072xf32>
  return %0 : tensor<1x3072xf32>
}

// Over nn.Linear's [N, K] weight (B^T's rows are contiguous whatever the
// tile's width) the 48 vector cores alone out-demand DRAM and take every
// job (cores = 48, the 6th entry): tn narrows toward 8 jobs per core within
// 3 % of even, down to 16 at most (684 jobs: 15 on 12 cores, 14 on 36);
// K is not split.
// DC-LABEL: func.func @decode_linear
// DC: npu.dispatch matrix{{.*}}attributes {cores = 48 : i64, layout = "nz", tiling = array<i64: 16, 16, 2048, 32, 1, 48>}
// EDGE-LABEL: func.func @decode_linear
// EDGE: npu.dispatch matrix{{.*}}attributes {cores = 1 : i64, layout = "nd", tiling = array<i64: 16, 1024, 1792, 256, 1>}
func.func @decode_linear(%a: tensor<1x2048xf32>, %b: tensor<10944x2048xf32>) -> tensor<1x10944xf32> {
  %0 = graph.gemm %a, %b {trans_b = true} : (tensor<1x2048xf32>, tensor<10944x2048xf32>) -> tensor<1x10944xf32>
  return %0 : tensor<1x10944xf32>
}

// Where the whole K fits (8960 x 1536, an MLP projection of Qwen2-1.5B)
// edge widens the thin tile too: the widest that fits, 1280 f32 columns,
// needs 7 tiles of 1280 (one set_flag, one DMA latency, each; bf16: 4 tiles
// of 2240).
// EDGE-LABEL: func.func @decode_wide
// EDGE: npu.dispatch matrix{{.*}}attributes {cores = 1 : i64, layout = "nd", tiling = array<i64: 16, 1280, 1536, 256, 1>}
func.func @decode_wide(%a: tensor<1x1536xf32>, %b: tensor<8960x1536xf32>) -> tensor<1x8960xf32> {
  %0 = graph.gemm %a, %b {trans_b = true} : (tensor<1x1536xf32>, tensor<8960x1536xf32>) -> tensor<1x8960xf32>
  return %0 : tensor<1x8960xf32>
}

// A transpose that moves only unit dimensions (a one-token decode's heads
// split) is a view: no kernel. One that moves data stays a copy kernel; where
// its innermost elements are not adjacent (one element per DMA burst) it is
// spread over more cores (64 elements per core, not 4096).
// DC-LABEL: func.func @heads
// DC: npu.dispatch view
// DC-LABEL: func.func @heads_moved
// DC: npu.dispatch vector
// DC-LABEL: func.func @transpose_2d
// DC: npu.dispatch vector{{.*}}attributes {cores = 32 : i64, tiling = array<i64: 0, 1>}
// EDGE-LABEL: func.func @heads
// EDGE: npu.dispatch view
func.func @heads(%x: tensor<1x1x16x64xf32>) -> tensor<1x16x1x64xf32> {
  %0 = graph.transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x1x16x64xf32>) -> tensor<1x16x1x64xf32>
  return %0 : tensor<1x16x1x64xf32>
}
func.func @heads_moved(%x: tensor<1x2x16x64xf32>) -> tensor<1x16x2x64xf32> {
  %0 = graph.transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x16x64xf32>) -> tensor<1x16x2x64xf32>
  return %0 : tensor<1x16x2x64xf32>
}
func.func @transpose_2d(%x: tensor<64x32xf32>) -> tensor<32x64xf32> {
  %0 = graph.transpose %x {perm = array<i64: 1, 0>} : (tensor<64x32xf32>) -> tensor<32x64xf32>
  return %0 : tensor<32x64xf32>
}

// A vector kernel: tiling = [split dim, block] of the coalesced iteration
// space: blocks of whole rows (the reduction needs them) whose buffers,
// allocated by liveness, fit half of the local memory, and enough blocks
// for the vector cores (47 blocks of 11 rows on dc's 48).
// DC-LABEL: func.func @softmax
// DC: npu.dispatch vector{{.*}}attributes {cores = 47 : i64, tiling = array<i64: 0, 11>}
// EDGE-LABEL: func.func @softmax
// EDGE: npu.dispatch vector{{.*}}attributes {cores = 1 : i64, tiling = array<i64: 0, 512>}
func.func @softmax(%x: tensor<512x1024xf32>) -> tensor<512x1024xf32> {
  %0 = graph.softmax %x {axis = -1 : i64} : (tensor<512x1024xf32>) -> tensor<512x1024xf32>
  return %0 : tensor<512x1024xf32>
}

// Too few output tiles even at full-line width (f32: 128 columns of a
// 512-byte L2 line; decode, N = 576): K is
// split across cores (the 5th tiling entry; 5 tiles x 5 parts = 25 jobs for
// the cube and vector cores); the partial sums need GM scratch, which the
// tiling pass requests.
// DC-LABEL: func.func @splitk
// DC: npu.dispatch matrix{{.*}}attributes {cores = 25 : i64, layout = "nz", scratch = array<i64: 11520>, tiling = array<i64: 16, 128, 448, 32, 5, 48>}
func.func @splitk(%a: tensor<1x2048xf32>, %b: tensor<2048x576xf32>) -> tensor<1x576xf32> {
  %0 = graph.matmul %a, %b : (tensor<1x2048xf32>, tensor<2048x576xf32>) -> tensor<1x576xf32>
  return %0 : tensor<1x576xf32>
}
