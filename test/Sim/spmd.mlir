// Two cores share one body (SPMD): core 1 runs core 0's instructions with
// its own launch arguments (a row offset, and whether to double). Round
// trip through the printer and the assembler, then run it.
// RUN: tessera-opt %s | tessera-opt | FileCheck %s --check-prefix=IR
// RUN: tessera-as %s -o %t.npu
// RUN: tessera-objdump %t.npu -o %t.s
// RUN: tessera-as %t.s -o %t2.npu
// RUN: cmp %t.npu %t2.npu
// RUN: tessera-objdump %t.npu | FileCheck %s --check-prefix=IR
// RUN: %python %S/Inputs/npytool.py make %t.x.npy f32 2x64 "i"
// RUN: rm -rf %t.out
// RUN: tessera-sim %t.npu --input x=%t.x.npy --output-dir %t.out --stats-json %t.json
// RUN: %python %S/Inputs/npytool.py dump %t.out/y.npy | FileCheck %s
// RUN: %python -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['static_instructions']==12 and s['dynamic_instructions']==23, s" %t.json

// IR: isa.core "vector" 0 args [0, 1] {
// IR-NEXT: isa.sarg r1, 0
// IR-NEXT: isa.dma_ld <UB[0], 1x64xf32>, <GM[0 + r1 * 1], 1x64xf32>
// IR: isa.skipaz 1, 1
// IR-NEXT: isa.vmuls
// IR: isa.core "vector" 1 shares 0 args [256, 0] {
// IR-NEXT: }

// Row 0: (x + 1) * 2; row 1 (x = 64, 65, ...): x + 1.
// CHECK: dtype f32 shape 2x64
// CHECK-NEXT: 2.0
// CHECK-NEXT: 4.0
// CHECK: 128.0
// CHECK-NEXT: 65.0
// CHECK-NEXT: 66.0

isa.program "spmd" target "dc" gm_bytes 4096 {
  isa.io input "x" : tensor<2x64xf32> at 0
  isa.io output "y" : tensor<2x64xf32> at 1024
  isa.core "vector" 0 args [0, 1] {
    isa.sarg r1, 0
    isa.dma_ld <UB[0], 1x64xf32>, <GM[0 + r1 * 1], 1x64xf32>
    isa.set_flag MTE2 -> V, 0
    isa.wait_flag MTE2 -> V, 0
    isa.vadds <UB[256], 1x64xf32>, <UB[0], 1x64xf32>, 1.0
    isa.skipaz 1, 1
    isa.vmuls <UB[256], 1x64xf32>, <UB[256], 1x64xf32>, 2.0
    isa.set_flag V -> MTE3, 0
    isa.wait_flag V -> MTE3, 0
    isa.sarg r2, 0
    isa.dma_st <GM[1024 + r2 * 1], 1x64xf32>, <UB[256], 1x64xf32>
    isa.end
  }
  isa.core "vector" 1 shares 0 args [256, 0] {
  }
}
