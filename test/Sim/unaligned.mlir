// GM is 1-byte aligned on dc, so a tile there may start at any byte: the
// simulator moves such elements through byte pointers only (the sim fuzzer
// found an f32 DMA from GM[250] into a strided UB tile; the ASan + UBSan build
// reported "load of misaligned address" in the strided copy). Each path that
// copies whole elements is covered: a contiguous GM source into a strided UB
// tile (scatter), a strided UB source into a contiguous GM destination
// (gather), and bf16 rows at an odd GM address written and read by the
// AI-CPU (the 2-byte store and load loops).
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.x.npy f32 8 "i*1.5"
// RUN: %python %S/Inputs/npytool.py make %t.y.npy f32 2x4 "i-3"
// RUN: rm -rf %t.out
// RUN: tessera-sim %t.npu --input x=%t.x.npy --input y=%t.y.npy --output-dir %t.out
// RUN: %python %S/Inputs/npytool.py dump %t.out/z.npy | FileCheck %s --check-prefix=Z
// RUN: %python %S/Inputs/npytool.py dump %t.out/s.npy | FileCheck %s --check-prefix=S

// z = x, by way of UB[0, 8, 16, ...] (stride 2).
// Z: dtype f32 shape 8
// Z-NEXT: 0.0
// Z-NEXT: 1.5
// Z-NEXT: 3.0
// Z-NEXT: 4.5
// Z-NEXT: 6.0
// Z-NEXT: 7.5
// Z-NEXT: 9.0
// Z-NEXT: 10.5
// s = each row of y sorted descending, through bf16 at GM[259]:
// [0, -1, -2, -3], [4, 3, 2, 1].
// S: dtype f32 shape 2x4
// S-NEXT: 0.0
// S-NEXT: -1.0
// S-NEXT: -2.0
// S-NEXT: -3.0
// S-NEXT: 4.0
// S-NEXT: 3.0
// S-NEXT: 2.0
// S-NEXT: 1.0

isa.program "unaligned" target "dc" gm_bytes 4096 {
  isa.io input "x" : tensor<8xf32> at 2
  isa.io output "z" : tensor<8xf32> at 65
  isa.io input "y" : tensor<2x4xf32> at 129
  isa.io output "s" : tensor<2x4xf32> at 301
  isa.core "vector" 0 {
    isa.dma_ld <UB[0], 8xf32, strides [2]>, <GM[2], 8xf32>
    isa.set_flag MTE2 -> MTE3, 0
    isa.wait_flag MTE2 -> MTE3, 0
    isa.dma_st <GM[65], 8xf32>, <UB[0], 8xf32, strides [2]>
    isa.end
  }
  isa.core "aicpu" 0 {
    isa.cpu sort_desc <GM[259], 2x4xbf16>, <GM[129], 2x4xf32>
    isa.cpu copy <GM[301], 2x4xf32>, <GM[259], 2x4xbf16>
    isa.end
  }
}
