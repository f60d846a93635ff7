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

// A program whose GM footprint exceeds what the host can hold is refused
// cleanly in functional mode (and still runs timing-only).
// RUN: sed -e 's/gm_bytes 1024/gm_bytes 68000000000/' -e 's/MTE1 -> M, 2/MTE1 -> M, 1/' %s > %t.big.mlir
// RUN: tessera-as %t.big.mlir -o %t.big.npu
// RUN: not tessera-sim %t.big.npu 2>&1 | FileCheck %s --check-prefix=BIG
// RUN: tessera-sim %t.big.npu --no-functional
// BIG: error: {{.*}}the program uses 68000000000 bytes of GM, more than the simulator's host limit of 8589934592 (run with --no-functional for timing only)
