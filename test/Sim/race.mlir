// Removing the wait_flag that orders the load before the vector op makes two
// pipes touch the same UB bytes unordered: a race naming both instructions.
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.x.npy f32 64 "i"
// RUN: not tessera-sim %t.npu --input x=%t.x.npy 2>&1 | FileCheck %s
// CHECK: error: {{.*}}race on UB of vector#0 near bytes [0, 256): vector#0 instr 2 (vexp on V) reads, and vector#0 instr 0 (dma_ld on MTE2) [load_x] writes the same bytes with no flag ordering them

isa.program "race" target "dc" gm_bytes 1024 {
  isa.io input "x" : tensor<64xf32> at 0
  isa.io output "y" : tensor<64xf32> at 512
  isa.core "vector" 0 {
    isa.dma_ld <UB[0], 64xf32>, <GM[0], 64xf32> loc("load_x")
    isa.set_flag MTE2 -> V, 0
    isa.vexp <UB[256], 64xf32>, <UB[0], 64xf32>
    isa.set_flag V -> MTE3, 0
    isa.wait_flag V -> MTE3, 0
    isa.dma_st <GM[512], 64xf32>, <UB[256], 64xf32>
    isa.end
  }
}
