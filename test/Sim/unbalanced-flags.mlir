// A flag set more often than it is waited for is still set when the program
// ends: the next program would start with it set. An error naming the flag,
// the core and the count, in stream order.
// RUN: tessera-as %s -o %t.npu
// RUN: not tessera-sim %t.npu --no-functional 2>&1 | FileCheck %s
// CHECK: error: {{.*}}unbalanced flags at the end of the program: flag MTE1->M #1 of cube#1 is set 2 times more than it is waited for; cross-core flag #5 of vector#0 is set 1 time more than it is waited for{{$}}

isa.program "unbalanced" target "dc" gm_bytes 1024 {
  isa.core "cube" 1 {
    isa.set_flag MTE1 -> M, 1
    isa.set_flag MTE1 -> M, 1
    isa.set_flag MTE1 -> M, 1
    isa.wait_flag MTE1 -> M, 1
    isa.xset S, core 24, 5
    isa.end
  }
  isa.core "vector" 0 {
    isa.end
  }
}

// Balanced, the same program runs.
// RUN: sed -e '/isa.xset/d' -e '0,/isa.set_flag/{/isa.set_flag/d}' -e '0,/isa.set_flag/{/isa.set_flag/d}' %s > %t.ok.mlir
// RUN: tessera-as %t.ok.mlir -o %t.ok.npu
// RUN: tessera-sim %t.ok.npu --no-functional
