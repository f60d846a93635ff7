// Reads of a program constant are held out of GM's indexed read list until
// something writes the constant (Simulator.cpp, ConstReads). The race checker
// must still see every one of them: a DMA load and a scalar load of the
// constant on one core, a store over it on another. Ordered by a cross-core
// flag the run is clean; without it each read races with the store, whether
// the store comes after the reads (the held reads are checked when it
// arrives) or before them (they are then checked as usual).
// RUN: tessera-as %s -o %t.npu
// RUN: rm -rf %t.out
// RUN: tessera-sim %t.npu --output-dir %t.out
// RUN: %python %S/Inputs/npytool.py dump %t.out/y.npy | FileCheck %s
// CHECK: dtype f32 shape 16
// CHECK-NEXT: 1.0
//
// RUN: sed -e '/isa.xwait/d' %s > %t.nowait.mlir
// RUN: tessera-as %t.nowait.mlir -o %t.nowait.npu
// RUN: not tessera-sim %t.nowait.npu 2>&1 | FileCheck %s --check-prefix=SLD
// SLD: error: {{.*}}race on GM near bytes [2052, 2056): vector#1 instr 3 (dma_st on MTE3) writes, and vector#0 instr 1 (sld on S) reads the same bytes with no flag ordering them
//
// RUN: sed -e '/isa.xwait/d' -e '/isa.sld/d' %s > %t.dma.mlir
// RUN: tessera-as %t.dma.mlir -o %t.dma.npu
// RUN: not tessera-sim %t.dma.npu 2>&1 | FileCheck %s --check-prefix=DMA
// DMA: error: {{.*}}race on GM near bytes [2048, 2112): vector#1 instr 3 (dma_st on MTE3) writes, and vector#0 instr 0 (dma_ld on MTE2) reads the same bytes with no flag ordering them
//
// The store first: vector#0 reads only after a long vector instruction.
// RUN: sed -e '/isa.xwait/d' -e '/isa.sld/d' -e 's/^    isa.dma_ld <UB.0., 16xf32>, <GM.2048., 16xf32>/    isa.vdup <UB[64], 8192xf32>, 1.0\n    isa.set_flag V -> MTE2, 1\n    isa.wait_flag V -> MTE2, 1\n&/' -e 's/isa.vdup <UB.0., 4096xf32>/isa.vdup <UB[0], 16xf32>/' %s > %t.late.mlir
// RUN: tessera-as %t.late.mlir -o %t.late.npu
// RUN: not tessera-sim %t.late.npu 2>&1 | FileCheck %s --check-prefix=LATE
// LATE: error: {{.*}}race on GM near bytes [2048, 2112): vector#0 instr 3 (dma_ld on MTE2) reads, and vector#1 instr 3 (dma_st on MTE3) writes the same bytes with no flag ordering them

// Sixteen f32 ones.
isa.program "constrace" target "dc" gm_bytes 4096 {
  isa.io output "y" : tensor<16xf32> at 0
  isa.const "w" at 2048 size 64 {data = dense<"0x0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F"> : tensor<64xi8>}
  isa.core "vector" 0 {
    isa.dma_ld <UB[0], 16xf32>, <GM[2048], 16xf32>
    isa.sld r1, GM[2052]
    // Core 25 is vector#1 (flat ids: 24 cube cores first).
    isa.xset MTE2, core 25, 0
    isa.set_flag MTE2 -> MTE3, 0
    isa.wait_flag MTE2 -> MTE3, 0
    isa.dma_st <GM[0], 16xf32>, <UB[0], 16xf32>
    isa.end
  }
  isa.core "vector" 1 {
    isa.vdup <UB[0], 4096xf32>, 2.0
    isa.set_flag V -> MTE3, 0
    isa.wait_flag V -> MTE3, 0
    isa.xwait MTE3, 0
    isa.dma_st <GM[2048], 16xf32>, <UB[0], 16xf32>
    isa.end
  }
}
