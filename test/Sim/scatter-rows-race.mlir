// Two cores scatter rows into one table. The race checker follows the rows
// the index names, not the whole table: different rows are no race (a
// KV-cache write spread over the cores), one row written by both is.
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.a.npy i32 2 "[0, 1][i]"
// RUN: %python %S/Inputs/npytool.py make %t.b.npy i32 2 "[2, 3][i]"
// RUN: %python %S/Inputs/npytool.py make %t.r.npy f32 4x4 "i"
// RUN: rm -rf %t.out
// RUN: tessera-sim %t.npu --input ia=%t.a.npy --input ib=%t.b.npy --input rows=%t.r.npy --output-dir %t.out
// RUN: %python %S/Inputs/npytool.py dump %t.out/table.npy | tr '\n' ' ' | FileCheck %s
// Core 0 writes its rows 0-1 (0..7) at rows 0 and 1, core 1 its rows 2-3
// (8..15) at rows 2 and 3.
// CHECK: dtype f32 shape 4x4 0.0 1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0 9.0 10.0 11.0 12.0 13.0 14.0 15.0
//
// RUN: %python %S/Inputs/npytool.py make %t.c.npy i32 2 "[1, 3][i]"
// Row 1 (GM bytes [272, 288)) from both cores:
// RUN: not tessera-sim %t.npu --input ia=%t.a.npy --input ib=%t.c.npy --input rows=%t.r.npy 2>&1 | FileCheck %s --check-prefix=RACE
// RACE: error: {{.*}}race on GM near bytes [272, 288): {{.*}}(dma_scatter on MTE3){{.*}} writes the same bytes with no flag ordering them
// Without values (--no-functional) the rows are unknown and the scatters
// go unchecked: no race is reported.
// RUN: tessera-sim %t.npu --input ia=%t.a.npy --input ib=%t.c.npy --input rows=%t.r.npy --no-functional

isa.program "scatter" target "dc" gm_bytes 1024 {
  isa.io input "ia" : tensor<2xi32> at 0
  isa.io input "ib" : tensor<2xi32> at 32
  isa.io input "rows" : tensor<4x4xf32> at 64
  isa.io output "table" : tensor<4x4xf32> at 256
  isa.core "vector" 0 {
    isa.dma_ld <UB[0], 2xi32>, <GM[0], 2xi32>
    isa.dma_ld <UB[64], 2x4xf32>, <GM[64], 2x4xf32>
    isa.set_flag MTE2 -> MTE3, 0
    isa.wait_flag MTE2 -> MTE3, 0
    isa.dma_scatter <GM[256], 4x4xf32>[<UB[0], 2xi32>], <UB[64], 2x4xf32>
    isa.end
  }
  isa.core "vector" 1 {
    isa.dma_ld <UB[0], 2xi32>, <GM[32], 2xi32>
    isa.dma_ld <UB[64], 2x4xf32>, <GM[96], 2x4xf32>
    isa.set_flag MTE2 -> MTE3, 0
    isa.wait_flag MTE2 -> MTE3, 0
    isa.dma_scatter <GM[256], 4x4xf32>[<UB[0], 2xi32>], <UB[64], 2x4xf32>
    isa.end
  }
}
