// RUN: tessera-opt %s --tessera-isa-insert-sync=loops=false | FileCheck %s

// Load -> exp -> store on one vector core, twice through the same UB bytes.
// The analysis adds exactly the flags the dependencies need:
//  - MTE2 -> V before the exp (it reads what the load wrote),
//  - V -> MTE3 before the store (it reads what the exp wrote),
//  - V -> MTE2 before the second load (it overwrites what the exp read),
//  - MTE3 -> V before the second exp (it overwrites what the store read),
//  - MTE2 -> V, V -> MTE3 for the second round;
// and none after the barrier, which already orders everything.
// CHECK: isa.program "sync" {{.*}}attributes {npu.sync_flag_pairs = 6 : i64}
// CHECK-LABEL: isa.core "vector" 0
// CHECK-NEXT: isa.dma_ld <UB[0], 64xf32>, <GM[0], 64xf32>
// CHECK-NEXT: isa.set_flag MTE2 -> V, 0
// CHECK-NEXT: isa.wait_flag MTE2 -> V, 0
// CHECK-NEXT: isa.vexp <UB[256], 64xf32>, <UB[0], 64xf32>
// CHECK-NEXT: isa.set_flag V -> MTE3, 0
// CHECK-NEXT: isa.set_flag V -> MTE2, 0
// CHECK-NEXT: isa.wait_flag V -> MTE3, 0
// CHECK-NEXT: isa.dma_st <GM[512], 64xf32>, <UB[256], 64xf32>
// CHECK-NEXT: isa.set_flag MTE3 -> V, 0
// CHECK-NEXT: isa.wait_flag V -> MTE2, 0
// CHECK-NEXT: isa.dma_ld <UB[0], 64xf32>, <GM[256], 64xf32>
// CHECK-NEXT: isa.set_flag MTE2 -> V, 0
// CHECK-NEXT: isa.wait_flag MTE2 -> V, 0
// CHECK-NEXT: isa.wait_flag MTE3 -> V, 0
// CHECK-NEXT: isa.vexp <UB[256], 64xf32>, <UB[0], 64xf32>
// CHECK-NEXT: isa.set_flag V -> MTE3, 0
// CHECK-NEXT: isa.wait_flag V -> MTE3, 0
// CHECK-NEXT: isa.dma_st <GM[768], 64xf32>, <UB[256], 64xf32>
// CHECK-NEXT: isa.barrier ALL
// CHECK-NEXT: isa.dma_ld <UB[0], 64xf32>, <GM[0], 64xf32>
// CHECK-NEXT: isa.end
isa.program "sync" target "dc" gm_bytes 1024 {
  isa.io input "x" : tensor<128xf32> at 0
  isa.io output "y" : tensor<128xf32> at 512
  isa.core "vector" 0 {
    isa.dma_ld <UB[0], 64xf32>, <GM[0], 64xf32>
    isa.vexp <UB[256], 64xf32>, <UB[0], 64xf32>
    isa.dma_st <GM[512], 64xf32>, <UB[256], 64xf32>
    isa.dma_ld <UB[0], 64xf32>, <GM[256], 64xf32>
    isa.vexp <UB[256], 64xf32>, <UB[0], 64xf32>
    isa.dma_st <GM[768], 64xf32>, <UB[256], 64xf32>
    isa.barrier ALL
    isa.dma_ld <UB[0], 64xf32>, <GM[0], 64xf32>
    isa.end
  }
}
