// RUN: tessera-opt %s --split-input-file --verify-diagnostics --tessera-attach-target=target=dc --tessera-npu-to-isa

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

// -----

// Vector cores may take this decode product's jobs, but not with 4096-wide
// column tiles: two blocks of B rows, the product and x do not fit UB.
func.func @gemv_tile_too_wide(%a: tensor<1x4096xbf16> {graph.name = "a", npu.addr = 0 : i64}, %b: tensor<4096x4096xbf16> {graph.name = "b", npu.addr = 8192 : i64}) -> (tensor<1x4096xbf16> {graph.name = "c", npu.addr = 33562624 : i64}) attributes {npu.gm_bytes = 33570816 : i64} {
  // expected-error @unknown {{code generation failed for node 'wide': 'wide': GEMV jobs of 4096 x 4096 do not fit the vector cores' local memory}}
  %0 = npu.dispatch matrix(%a, %b : tensor<1x4096xbf16>, tensor<4096x4096xbf16>) -> tensor<1x4096xbf16> attributes {addrs = array<i64: 0, 8192, 33562624>, cores = 72 : i64, tiling = array<i64: 1, 4096, 16, 1, 1, 48>} {
  ^bb0(%x: tensor<1x4096xbf16>, %y: tensor<4096x4096xbf16>):
    %m = graph.matmul %x, %y : (tensor<1x4096xbf16>, tensor<4096x4096xbf16>) -> tensor<1x4096xbf16>
    npu.yield %m : tensor<1x4096xbf16>
  } loc("wide")
  return %0 : tensor<1x4096xbf16>
}
