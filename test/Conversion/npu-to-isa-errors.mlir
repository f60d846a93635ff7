// RUN: tessera-opt %s --split-input-file --verify-diagnostics --tessera-npu-to-isa=target=dc

// A hand-written tiling may not send GEMV jobs to the vector cores for a
// product that is not one row (here M = 64): the error names the node and
// says what the product allows. (The node name is the dispatch's location,
// which has no file position here: hence @unknown.)
func.func @gemv_not_one_row(%a: tensor<64x256xf32> {graph.name = "a", npu.addr = 0 : i64}, %b: tensor<256x256xf32> {graph.name = "b", npu.addr = 65536 : i64}) -> (tensor<64x256xf32> {graph.name = "c", npu.addr = 327680 : i64}) attributes {npu.gm_bytes = 393216 : i64} {
  // expected-error @unknown {{code generation failed for node 'mm': 'mm': 48 vector cores cannot run this matmul's jobs (GEMV jobs need one row of floats, a large B and separate vector cores; this product allows 0)}}
  %0 = npu.dispatch matrix(%a, %b : tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32> attributes {addrs = array<i64: 0, 65536, 327680>, cores = 4 : i64, layout = "nz", tiling = array<i64: 64, 256, 128, 32, 1, 48>} {
  ^bb0(%x: tensor<64x256xf32>, %y: tensor<256x256xf32>):
    %m = graph.matmul %x, %y : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
    npu.yield %m : tensor<64x256xf32>
  } loc("mm")
  return %0 : tensor<64x256xf32>
}

// -----

// A matmul tiling has 4 to 6 entries.
func.func @short_tiling(%a: tensor<64x256xf32> {graph.name = "a", npu.addr = 0 : i64}, %b: tensor<256x256xf32> {graph.name = "b", npu.addr = 65536 : i64}) -> (tensor<64x256xf32> {graph.name = "c", npu.addr = 327680 : i64}) attributes {npu.gm_bytes = 393216 : i64} {
  // expected-error @unknown {{code generation failed for node 'mm': 'mm': a matmul tiling needs {tm, tn, ck, step[, split_k[, vector_cores]]}}}
  %0 = npu.dispatch matrix(%a, %b : tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32> attributes {addrs = array<i64: 0, 65536, 327680>, cores = 4 : i64, tiling = array<i64: 64, 256>} {
  ^bb0(%x: tensor<64x256xf32>, %y: tensor<256x256xf32>):
    %m = graph.matmul %x, %y : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
    npu.yield %m : tensor<64x256xf32>
  } loc("mm")
  return %0 : tensor<64x256xf32>
}
