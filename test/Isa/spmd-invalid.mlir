// Shared code (SPMD) that does not hold together is refused, naming the core
// (and the instruction): a reference to no earlier core with code of its
// own, instructions beside a reference, a launch argument the core does not
// have.
// RUN: tessera-opt %s -split-input-file -verify-diagnostics
// RUN: not tessera-as %S/Inputs/spmd-later.mlir -o %t.npu 2>&1 | FileCheck %s --check-prefix=LATER
// RUN: not tessera-as %S/Inputs/spmd-args.mlir -o %t.npu 2>&1 | FileCheck %s --check-prefix=ARGS
// RUN: not tessera-as %S/Inputs/spmd-skip-args.mlir -o %t.npu 2>&1 | FileCheck %s --check-prefix=SKIP
// LATER: 'isa.core' op shares the code of core 1, which is not an earlier isa.core with code of its own
// ARGS: vector#1 instr 0 (sarg on S): reads launch argument 1 but the stream has 1 arguments
// SKIP: vector#0 instr 0 (skipaz on S): reads launch argument 3 but the stream has 0 arguments

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    isa.end
  }
  // expected-error @+1 {{a core that shares the code of core 0 has no instructions of its own}}
  isa.core "vector" 1 shares 0 {
    isa.end
  }
}
