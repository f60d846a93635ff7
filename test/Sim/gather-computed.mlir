// A gather of rows whose indices an earlier kernel computed: the vector unit
// computes idx = k + k (i32) and stores it to GM; the scalar unit waits for
// that store (MTE3 -> S), loads each index with sld and issues one row copy
// per index with a register-relative source offset.
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.k.npy i32 4 "[3, 0, 1, 2][i]"
// RUN: %python %S/Inputs/npytool.py make %t.t.npy f32 8x16 "i"
// RUN: rm -rf %t.out
// RUN: tessera-sim %t.npu --input k=%t.k.npy --input table=%t.t.npy --output-dir %t.out
// RUN: %python %S/Inputs/npytool.py dump %t.out/rows.npy | FileCheck %s
// Rows 6, 0, 2, 4 of the table (element i holds i).
// CHECK: dtype f32 shape 4x16
// CHECK-NEXT: 96.0
// CHECK-COUNT-15: {{[0-9]+}}.0
// CHECK-NEXT: 0.0
// CHECK-COUNT-15: {{[0-9]+}}.0
// CHECK-NEXT: 32.0
// CHECK-COUNT-15: {{[0-9]+}}.0
// CHECK-NEXT: 64.0
//
// An index that sends the row outside GM is stopped at the row copy, with the
// instruction, the iteration and the register values.
// RUN: %python %S/Inputs/npytool.py make %t.bad.npy i32 4 "[3, 0, 9, 2][i]"
// RUN: not tessera-sim %t.npu --input k=%t.bad.npy --input table=%t.t.npy 2>&1 | FileCheck %s --check-prefix=OOB
// OOB: error: {{.*}}vector#0 instr 12 (dma_ld on MTE2) in loop iteration [2]: operand 'src' at GM bytes [1664, 1728) leaves its 1024 bytes (r2 = 18)
//
// Without the MTE3 -> S flag the scalar load races with the store.
// RUN: grep -v "REMOVE-ME" %s > %t.race.mlir
// RUN: tessera-as %t.race.mlir -o %t.race.npu
// RUN: not tessera-sim %t.race.npu --input k=%t.k.npy --input table=%t.t.npy 2>&1 | FileCheck %s --check-prefix=RACE
// RACE: error: {{.*}}race on GM near bytes [32, 36): {{.*}}(sld on S) in loop iteration [0]{{.*}} the same bytes with no flag ordering them

isa.program "gather" target "dc" gm_bytes 1024 {
  isa.io input "k" : tensor<4xi32> at 0
  isa.io output "rows" : tensor<4x16xf32> at 64
  isa.io input "table" : tensor<8x16xf32> at 512
  isa.core "vector" 0 {
    // Kernel 1: idx = k + k, to GM scratch at 32.
    isa.dma_ld <UB[0], 4xi32>, <GM[0], 4xi32>
    isa.set_flag MTE2 -> V, 0
    isa.wait_flag MTE2 -> V, 0
    isa.vadd <UB[32], 4xi32>, <UB[0], 4xi32>, <UB[0], 4xi32>
    isa.set_flag V -> MTE3, 0
    isa.wait_flag V -> MTE3, 0
    isa.dma_st <GM[32], 4xi32>, <UB[32], 4xi32>
    isa.set_flag MTE3 -> S, 0 // REMOVE-ME
    isa.wait_flag MTE3 -> S, 0 // REMOVE-ME
    // Kernel 2: rows[i] = table[idx[i]].
    isa.loop r1, 4
    isa.smul r3, r1, 4
    isa.sld r2, GM[r3 + 32]
    isa.dma_ld <UB[1024 + r1 * 64], 1x16xf32>, <GM[512 + r2 * 64], 1x16xf32>
    isa.endloop
    isa.set_flag MTE2 -> MTE3, 0
    isa.wait_flag MTE2 -> MTE3, 0
    isa.dma_st <GM[64], 4x16xf32>, <UB[1024], 4x16xf32>
    isa.end
  }
}
