// A cube core computes a matrix product into GM and hands it to a vector core
// with a cross-core flag; the vector core scales it. Without the handoff the
// two cores race on GM.
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.a.npy f32 16x16 "1.0 if i % 17 == 0 else 0.0"
// RUN: %python %S/Inputs/npytool.py make %t.b.npy f32 16x16 "i"
// RUN: rm -rf %t.out
// RUN: tessera-sim %t.npu --input a=%t.a.npy --input b=%t.b.npy --output-dir %t.out --stats | FileCheck %s --check-prefix=STATS
// RUN: %python %S/Inputs/npytool.py dump %t.out/y.npy | FileCheck %s
// RUN: sed -e '/isa.xwait/d' %s > %t.nowait.mlir
// RUN: tessera-as %t.nowait.mlir -o %t.nowait.npu
// RUN: not tessera-sim %t.nowait.npu --input a=%t.a.npy --input b=%t.b.npy 2>&1 | FileCheck %s --check-prefix=RACE

// y = 2 * (I @ b) = 2 * b
// CHECK: dtype f32 shape 16x16
// CHECK-NEXT: 0.0
// CHECK-NEXT: 2.0
// CHECK-NEXT: 4.0
// STATS: FIX{{ +}}3
// STATS: MTE2{{ +}}6
// RACE: error: {{.*}}race on GM near bytes [2048, 3072): cube#0 instr 11 (fix on FIX) writes, and vector#0 instr 0 (dma_ld on MTE2) reads the same bytes with no flag ordering them

isa.program "xcore" target "dc" gm_bytes 8192 {
  isa.io input "a" : tensor<16x16xbf16> at 0
  isa.io input "b" : tensor<16x16xbf16> at 1024
  isa.io output "y" : tensor<16x16xf32> at 4096
  isa.core "cube" 0 {
    isa.dma_ld <L1[0], 16x16xbf16, nz>, <GM[0], 16x16xbf16>
    isa.dma_ld <L1[512], 16x16xbf16, nz>, <GM[1024], 16x16xbf16>
    isa.set_flag MTE2 -> MTE1, 0
    isa.wait_flag MTE2 -> MTE1, 0
    isa.mv <L0A[0], 16x16xbf16, nz>, <L1[0], 16x16xbf16, nz>
    isa.mv <L0B[0], 16x16xbf16, nz>, <L1[512], 16x16xbf16, nz>
    isa.set_flag MTE1 -> M, 0
    isa.wait_flag MTE1 -> M, 0
    isa.mmad <L0C[0], 16x16xf32>, <L0A[0], 16x16xbf16, nz>, <L0B[0], 16x16xbf16, nz>
    isa.set_flag M -> FIX, 0
    isa.wait_flag M -> FIX, 0
    isa.fix <GM[2048], 16x16xf32>, <L0C[0], 16x16xf32>
    // Core 24 is vector#0 (flat ids: 24 cube cores first).
    isa.xset FIX, core 24, 0
    isa.end
  }
  isa.core "vector" 0 {
    isa.xwait MTE2, 0
    isa.dma_ld <UB[0], 16x16xf32>, <GM[2048], 16x16xf32>
    isa.set_flag MTE2 -> V, 0
    isa.wait_flag MTE2 -> V, 0
    isa.vmuls <UB[1024], 16x16xf32>, <UB[0], 16x16xf32>, 2.0
    isa.set_flag V -> MTE3, 0
    isa.wait_flag V -> MTE3, 0
    isa.dma_st <GM[4096], 16x16xf32>, <UB[1024], 16x16xf32>
    isa.end
  }
}
