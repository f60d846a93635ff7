// Every scalar-control instruction and register-relative tile parses, prints
// back identically, assembles, and disassembles to text that assembles to the
// same bytes.
// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-as %s -o %t.npu
// RUN: tessera-objdump %t.npu -o %t.s
// RUN: tessera-as %t.s -o %t2.npu
// RUN: cmp %t.npu %t2.npu
// RUN: tessera-objdump %t2.npu | FileCheck %s

// CHECK-LABEL: isa.program "control" target "dc" gm_bytes 65536
// CHECK: isa.sld r1, GM[0]
// CHECK-NEXT: isa.sld r2, GM[r1 + 16]
// CHECK-NEXT: isa.sst GM[r3 - 4], r2
// CHECK-NEXT: isa.sadd r3, r1, 5
// CHECK-NEXT: isa.ssub r3, r1, r2
// CHECK-NEXT: isa.smul r3, r1, r2 + 3
// CHECK-NEXT: isa.sdiv r3, r1, r2 - 1
// CHECK-NEXT: isa.srem r3, r1, 7
// CHECK-NEXT: isa.smin r3, r1, r2
// CHECK-NEXT: isa.smax r3, r1, -2
// CHECK-NEXT: isa.sshl r3, r1, 4
// CHECK-NEXT: isa.sshr r3, r1, r2
// CHECK-NEXT: isa.sand r3, r1, 1
// CHECK-NEXT: isa.sor r3, r1, r2
// CHECK-NEXT: isa.sxor r3, r1, r2
// CHECK-NEXT: isa.seq r4, r1, r2
// CHECK-NEXT: isa.sne r4, r1, 0
// CHECK-NEXT: isa.slt r4, r1, r2
// CHECK-NEXT: isa.sle r4, r1, r2
// CHECK-NEXT: isa.sgt r4, r1, r2
// CHECK-NEXT: isa.sge r4, r1, r2
// CHECK-NEXT: isa.loop r5, 16
// CHECK-NEXT: isa.loop r6, r1 + 1
// CHECK-NEXT: isa.dma_ld <UB[0 + r6 * 64], 2x16xf32>, <GM[1024 + r5 * 4096 + r6 * 128 - r7 * 64], 2x16xf32>
// CHECK-NEXT: isa.skipnz r4, 1
// CHECK-NEXT: isa.dma_st <GM[2048 + r6 * 64], 2x16xf32, extent 0 = r8>, <UB[0], 2x16xf32, extent 0 = r8>
// CHECK-NEXT: isa.skipz r4, 0
// CHECK-NEXT: isa.endloop
// CHECK-NEXT: isa.endloop
// CHECK-NEXT: isa.loop r0, r2
// CHECK-NEXT: isa.endloop
// CHECK-NEXT: isa.end

isa.program "control" target "dc" gm_bytes 65536 {
  isa.core "vector" 0 {
    isa.sld r1, GM[0]
    isa.sld r2, GM[r1 + 16]
    isa.sst GM[r3 - 4], r2
    isa.sadd r3, r1, 5
    isa.ssub r3, r1, r2
    isa.smul r3, r1, r2 + 3
    isa.sdiv r3, r1, r2 - 1
    isa.srem r3, r1, 7
    isa.smin r3, r1, r2
    isa.smax r3, r1, -2
    isa.sshl r3, r1, 4
    isa.sshr r3, r1, r2
    isa.sand r3, r1, 1
    isa.sor r3, r1, r2
    isa.sxor r3, r1, r2
    isa.seq r4, r1, r2
    isa.sne r4, r1, 0
    isa.slt r4, r1, r2
    isa.sle r4, r1, r2
    isa.sgt r4, r1, r2
    isa.sge r4, r1, r2
    isa.loop r5, 16
    isa.loop r6, r1 + 1
    isa.dma_ld <UB[0 + r6 * 64], 2x16xf32>, <GM[1024 + r5 * 4096 + r6 * 128 - r7 * 64], 2x16xf32>
    isa.skipnz r4, 1
    isa.dma_st <GM[2048 + r6 * 64], 2x16xf32, extent 0 = r8>, <UB[0], 2x16xf32, extent 0 = r8>
    isa.skipz r4, 0
    isa.endloop
    isa.endloop
    isa.loop r0, r2
    isa.endloop
    isa.end
  }
}
