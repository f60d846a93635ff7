// A wait that can never be satisfied is reported with the waiting instruction.
// RUN: tessera-as %s -o %t.npu
// RUN: not tessera-sim %t.npu --no-functional 2>&1 | FileCheck %s
// CHECK: error: {{.*}}deadlock: cube#1 instr 1 (wait_flag on M) waits for flag MTE1->M #2, which is never set

isa.program "dl" target "dc" gm_bytes 1024 {
  isa.core "cube" 1 {
    isa.set_flag MTE1 -> M, 1
    isa.wait_flag MTE1 -> M, 2
    isa.end
  }
}
