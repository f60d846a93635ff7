// The printed form of the isa dialect is the assembly language: it parses,
// prints back identically, assembles to .npu, and tessera-objdump gives it
// back so that assembling again yields the same bytes.
// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-as %s -o %t.npu
// RUN: tessera-objdump %t.npu -o %t.s
// RUN: tessera-as %t.s -o %t2.npu
// RUN: cmp %t.npu %t2.npu
// RUN: tessera-objdump %t2.npu | FileCheck %s --check-prefix=DIS

// CHECK-LABEL: isa.program "mixed" target "dc" gm_bytes 65536
// CHECK: isa.io input "x" : tensor<16x32xbf16> at 0
// CHECK: isa.const "w" at 2048 size 4 {data = dense<[0, 0, -128, 63]> : tensor<4xi8>}
// CHECK: isa.core "cube" 0
// CHECK: isa.dma_ld <L1[0], 16x32xbf16, nz>, <GM[0], 16x32xbf16>
// CHECK: isa.dma_ld_i4 <L1[8192], 64x16xbf16, nz>, <GM[8192], 16x32xui8, strides [100, 1]>, <GM[12288], 16x2xf32, strides [4, 1]>, <GM[12800], 16x2xui8, strides [4, 1]> group 64 phase 32
// CHECK: isa.dma_ld_f8 <L1[12288], 32x16xf16>, <GM[8192], 16x32xui8, strides [200, 1]>, <GM[12288], 1x2xf32> block[128, 128] phase[16, 112]
// CHECK: isa.mv <L0A[0], 16x32xbf16, nz>, <L1[0], 16x32xbf16, nz>
// CHECK: isa.mmad <L0C[0], 16x16xf32>, <L0A[0], 16x32xbf16, nz>, <L0B[0], 32x16xbf16, nz> acc
// CHECK: isa.set_flag M -> FIX, 0
// CHECK: isa.fix <GM[4096], 16x16xbf16, strides [32, 1]>, <L0C[0], 16x16xf32> relu {scale = 5.000000e-01 : f32}
// CHECK: isa.barrier ALL
// CHECK: isa.l2_prefetch <GM[8192], 100x8xf32>
// CHECK: isa.l2_discard <GM[16384], 1024xui8>
// CHECK: isa.l2_evict <GM[8192], 100x8xf32>
// CHECK: isa.core "vector" 2
// CHECK: isa.vcmp gt <UB[0], 64xui8>, <UB[64], 64xf32>, <UB[512], 1xf32>
// CHECK: isa.vtopk <UB[1024], 4xf32>, <UB[1088], 4xi32>, <UB[64], 64xf32>, k = 4
// CHECK: isa.vadds <UB[64], 64xf32>, <UB[64], 64xf32>, -2.500000e-01
// CHECK: isa.vshl <UB[4096], 16xi32>, <UB[4096], 16xi32>, <UB[4160], 16xi32>
// CHECK: isa.vshr <UB[4224], 16xui8>, <UB[4224], 16xui8>, <UB[4256], 1xui8>
// CHECK: isa.dma_gather <UB[2048], 4x8xf32>, <GM[8192], 100x8xf32>[<UB[1088], 4xi32>]
// CHECK: isa.xset MTE3, core 0, 3
// CHECK: isa.core "aicpu" 0
// CHECK: isa.cpu sort_desc <GM[12288], 2x8xf32>, <GM[8192], 2x8xf32>

// DIS: isa.mmad {{.*}} acc loc([[LOC:#loc[0-9]*]])
// DIS: [[LOC]] = loc("MatMul_0")

isa.program "mixed" target "dc" gm_bytes 65536 {
  isa.io input "x" : tensor<16x32xbf16> at 0
  isa.io output "y" : tensor<16x16xbf16> at 4096
  isa.const "w" at 2048 size 4 {data = dense<"0x0000803F"> : tensor<4xi8>}
  isa.core "cube" 0 {
    isa.dma_ld <L1[0], 16x32xbf16, nz>, <GM[0], 16x32xbf16>
    isa.dma_ld_i4 <L1[8192], 64x16xbf16, nz>, <GM[8192], 16x32xui8, strides [100, 1]>, <GM[12288], 16x2xf32, strides [4, 1]>, <GM[12800], 16x2xui8, strides [4, 1]> group 64 phase 32
    isa.dma_ld_f8 <L1[12288], 32x16xf16>, <GM[8192], 16x32xui8, strides [200, 1]>, <GM[12288], 1x2xf32> block [128, 128] phase [16, 112]
    isa.set_flag MTE2 -> MTE1, 0
    isa.wait_flag MTE2 -> MTE1, 0
    isa.mv <L0A[0], 16x32xbf16, nz>, <L1[0], 16x32xbf16, nz>
    isa.set_flag MTE1 -> M, 0
    isa.wait_flag MTE1 -> M, 0
    isa.mmad <L0C[0], 16x16xf32>, <L0A[0], 16x32xbf16, nz>, <L0B[0], 32x16xbf16, nz> acc loc("MatMul_0")
    isa.set_flag M -> FIX, 0
    isa.wait_flag M -> FIX, 0
    isa.fix <GM[4096], 16x16xbf16, strides [32, 1]>, <L0C[0], 16x16xf32> relu {scale = 0.5 : f32}
    isa.barrier ALL
    isa.l2_prefetch <GM[8192], 100x8xf32>
    isa.l2_discard <GM[16384], 1024xui8>
    isa.l2_evict <GM[8192], 100x8xf32>
    isa.xwait MTE2, 3
    isa.end
  }
  isa.core "vector" 2 {
    isa.vcmp gt <UB[0], 64xui8>, <UB[64], 64xf32>, <UB[512], 1xf32>
    isa.vtopk <UB[1024], 4xf32>, <UB[1088], 4xi32>, <UB[64], 64xf32>, k = 4
    isa.vadds <UB[64], 64xf32>, <UB[64], 64xf32>, -0.25
    isa.vshl <UB[4096], 16xi32>, <UB[4096], 16xi32>, <UB[4160], 16xi32>
    isa.vshr <UB[4224], 16xui8>, <UB[4224], 16xui8>, <UB[4256], 1xui8>
    isa.dma_gather <UB[2048], 4x8xf32>, <GM[8192], 100x8xf32>[<UB[1088], 4xi32>]
    isa.xset MTE3, core 0, 3
    isa.end
  }
  isa.core "aicpu" 0 {
    isa.cpu sort_desc <GM[12288], 2x8xf32>, <GM[8192], 2x8xf32>
    isa.end
  }
}
