// RUN: tessera-opt %s --tessera-attach-target=target=dc --tessera-npu-to-isa | FileCheck %s

// A planned vector dispatch: x[8, 64] -> exp(x) * 2 + x. The tiling
// attribute asks for blocks of 128 elements of the coalesced 1-D space (2 rows) on one core: 4 tiles whose buffers
// alternate between the two halves of UB (0 and 98304) so the load of tile
// i+1 overlaps the compute of tile i. Within a tile the temporaries are
// allocated by liveness (the exp's buffer is reused for the sum).
// No flags yet: tessera-isa-insert-sync adds them. First, the core asks
// dc's cache engine to read the input it reads whole into the L2.
// CHECK: isa.program "main" target "dc" gm_bytes 8192
// CHECK: isa.io input "x" : tensor<8x64xf32> at 0
// CHECK: isa.io output "y" : tensor<8x64xf32> at 4096
// CHECK: isa.core "vector" 0 {
// CHECK-NEXT: isa.l2_prefetch <GM[0], 2048xui8>
// CHECK-NEXT: isa.dma_ld <UB[0], 128xf32>, <GM[0], 128xf32>
// CHECK-NEXT: isa.vexp <UB[512], 128xf32>, <UB[0], 128xf32>
// CHECK-NEXT: isa.vmuls <UB[1024], 128xf32>, <UB[512], 128xf32>, 2.000000e+00
// CHECK-NEXT: isa.vadd <UB[512], 128xf32>, <UB[1024], 128xf32>, <UB[0], 128xf32>
// CHECK-NEXT: isa.dma_st <GM[4096], 128xf32>, <UB[512], 128xf32>
// CHECK-NEXT: isa.dma_ld <UB[98304], 128xf32>, <GM[512], 128xf32>
// CHECK-NEXT: isa.vexp <UB[98816], 128xf32>, <UB[98304], 128xf32>
// CHECK-NOT: set_flag
// CHECK: isa.dma_st <GM[5632], 128xf32>, <UB[98816], 128xf32>
// CHECK-NEXT: isa.end
func.func @main(%x: tensor<8x64xf32> {graph.name = "x", npu.addr = 0 : i64}) -> (tensor<8x64xf32> {graph.name = "y", npu.addr = 4096 : i64}) attributes {npu.gm_bytes = 8192 : i64} {
  %0 = npu.dispatch vector(%x : tensor<8x64xf32>) -> tensor<8x64xf32> attributes {addrs = array<i64: 0, 4096>, cores = 1 : i64, tiling = array<i64: 0, 128>} {
  ^bb0(%a: tensor<8x64xf32>):
    %c = graph.constant dense<2.0> : tensor<f32>
    %e = graph.exp %a : (tensor<8x64xf32>) -> tensor<8x64xf32>
    %m = graph.mul %e, %c : (tensor<8x64xf32>, tensor<f32>) -> tensor<8x64xf32>
    %s = graph.add %m, %a : (tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<8x64xf32>
    npu.yield %s : tensor<8x64xf32>
  }
  return %0 : tensor<8x64xf32>
}
