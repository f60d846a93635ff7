// The work budget (--max-work, SimOptions::maxWork): elements moved or
// computed, summed over a run. A stride-0 tile names a million elements in
// four bytes of UB and a loop repeats it, so the instruction budget alone
// does not bound the host time of a run; past the work budget a run stops
// with an error naming the instruction, its index and loop iteration.
//
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.nine.npy i32 1 "9"
// RUN: %python %S/Inputs/npytool.py make %t.big.npy i32 1 "1000000"
// Nine vdups of 2^20 elements fit in 10^7 and count in the statistics.
// RUN: tessera-sim %t.npu --input n=%t.nine.npy --max-work 10000000 --stats-json %t.json
// RUN: %python -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['work'] == 9 * 2**20, s['work']" %t.json
// The tenth does not.
// RUN: not tessera-sim %t.npu --input n=%t.big.npy --max-work 10000000 2>&1 | FileCheck %s --check-prefix=LOOP
// LOOP: error: {{.*}}work budget of 10000000 elements exhausted at vector#0 instr 2 (vdup on V) in loop iteration [9]: it would move or compute 1048576 after 9437184 (raise the budget with --max-work)
// RUN: not tessera-run %t.npu --input n=%t.big.npy --max-work 10000000 2>&1 | FileCheck %s --check-prefix=LOOP
// Timing-only runs count the same elements.
// RUN: not tessera-sim %t.npu --input n=%t.big.npy --max-work 10000000 --no-functional 2>&1 | FileCheck %s --check-prefix=LOOP
// A budget of 0 is a usage error.
// RUN: not tessera-sim %t.npu --max-work 0 2>&1 | FileCheck %s --check-prefix=USAGE
// RUN: not tessera-run %t.npu --max-work 0 2>&1 | FileCheck %s --check-prefix=USAGE
// USAGE: error: --max-work expects a positive integer, got '0'
//
// One matrix multiply of 2^42 multiply-adds is refused with the default
// budget before any of it runs; timing-only runs do not count the
// multiply-adds (they compute nothing) and time it.
// RUN: tessera-as %S/Inputs/work-mmad.mlir -o %t.mmad.npu
// RUN: not tessera-sim %t.mmad.npu 2>&1 | FileCheck %s --check-prefix=MMAD
// MMAD: error: {{.*}}work budget of 274877906944 elements exhausted at cube#0 instr 0 (mmad on M): it would move or compute 275683213312 after 0 (raise the budget with --max-work)
// RUN: tessera-sim %t.mmad.npu --no-functional

isa.program "work" target "dc" gm_bytes 4096 {
  isa.io input "n" : tensor<1xi32> at 0
  isa.core "vector" 0 {
    isa.sld r1, GM[0]
    isa.loop r2, r1
    isa.vdup <UB[0], 1024x1024xf32, strides [0, 0]>, 1.0
    isa.endloop
    isa.end
  }
}
