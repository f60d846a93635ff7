// Run-time errors of scalar control: a clear message naming the instruction,
// its loop iteration and the register values; a non-zero exit; never a hang.
//
// A loop count far beyond the instruction budget.
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.big.npy i32 1 "2000000000"
// RUN: not tessera-sim %t.npu --input n=%t.big.npy --max-instructions 1000 2>&1 | FileCheck %s --check-prefix=BUDGET
// BUDGET: error: {{.*}}instruction budget of 1000 executed instructions exhausted at vector#0 instr {{[0-9]+}} ({{.*}}) in loop iteration [{{[0-9]+}}]: the program may not terminate (raise the budget with --max-instructions)
// RUN: not tessera-sim %t.npu --input n=%t.big.npy --max-instructions 0 2>&1 | FileCheck %s --check-prefix=USAGE
// USAGE: error: --max-instructions expects a positive integer, got '0'
// RUN: not tessera-run %t.npu --input n=%t.big.npy --max-instructions 0 2>&1 | FileCheck %s --check-prefix=USAGE
// RUN: not tessera-run %t.npu --check --max-instructions 0 2>&1 | FileCheck %s --check-prefix=USAGE
//
// A negative trip count read at run time.
// RUN: %python %S/Inputs/npytool.py make %t.neg.npy i32 1 "-5"
// RUN: not tessera-sim %t.npu --input n=%t.neg.npy 2>&1 | FileCheck %s --check-prefix=NEG
// NEG: error: {{.*}}vector#0 instr 1 (loop on S): negative trip count -5 (r1 = -5)
//
// A register-relative UB address past the end of UB (r2 = 3: 3 * 65536).
// RUN: %python %S/Inputs/npytool.py make %t.three.npy i32 1 "3"
// RUN: %python %S/Inputs/npytool.py make %t.four.npy i32 1 "4"
// RUN: sed -e 's/UB\[0 + r2 \* 64\]/UB[0 + r2 * 65536]/' %s > %t.ub.mlir
// RUN: tessera-as %t.ub.mlir -o %t.ub.npu
// RUN: tessera-sim %t.ub.npu --input n=%t.three.npy
// RUN: not tessera-sim %t.ub.npu --input n=%t.four.npy 2>&1 | FileCheck %s --check-prefix=UB
// UB: error: {{.*}}vector#0 instr 3 (vdup on V) in loop iteration [3]: operand 'dst' at UB bytes [196608, 196672) leaves its 196608 bytes (r2 = 3)
//
// Division by zero, a shift out of range and a scalar load outside GM.
// RUN: sed -e 's/isa.sadd r3, r2, 1/isa.sdiv r3, r2, r2/' %s > %t.div.mlir
// RUN: tessera-as %t.div.mlir -o %t.div.npu
// RUN: not tessera-sim %t.div.npu --input n=%t.three.npy 2>&1 | FileCheck %s --check-prefix=DIV
// DIV: error: {{.*}}vector#0 instr 4 (sdiv on S) in loop iteration [0]: division by zero (r2 = 0, divisor 0)
// RUN: sed -e 's/isa.sadd r3, r2, 1/isa.sshl r3, r2, r1 + 64/' %s > %t.shl.mlir
// RUN: tessera-as %t.shl.mlir -o %t.shl.npu
// RUN: not tessera-sim %t.shl.npu --input n=%t.three.npy 2>&1 | FileCheck %s --check-prefix=SHL
// SHL: error: {{.*}}(sshl on S) in loop iteration [0]: shift amount 67 outside [0, 63]
// RUN: sed -e 's/isa.sadd r3, r2, 1/isa.sld r3, GM[r1 + 4096]/' %s > %t.ld.mlir
// RUN: tessera-as %t.ld.mlir -o %t.ld.npu
// RUN: not tessera-sim %t.ld.npu --input n=%t.three.npy 2>&1 | FileCheck %s --check-prefix=LD
// LD: error: {{.*}}(sld on S) in loop iteration [0]: scalar load from GM byte 4099 (r1 = 3, offset 4096) is not a 4-byte aligned i32 inside the program's 4096 bytes of GM
//
// A trip count whose register plus offset overflows 64 bits is an error; a
// scalar ALU operand that does wraps (two's complement) like its result.
// RUN: sed -e 's/isa.loop r2, r1$/isa.loop r2, r1 + 9223372036854775807/' %s > %t.ovf.mlir
// RUN: tessera-as %t.ovf.mlir -o %t.ovf.npu
// RUN: not tessera-sim %t.ovf.npu --input n=%t.three.npy 2>&1 | FileCheck %s --check-prefix=OVF
// OVF: error: {{.*}}vector#0 instr 1 (loop on S): trip count r1 + 9223372036854775807 overflows 64 bits (r1 = 3)
// RUN: sed -e 's/isa.sadd r4, r2, 0/isa.sadd r4, r2, r2 + 9223372036854775807/' %s > %t.wrap.mlir
// RUN: tessera-as %t.wrap.mlir -o %t.wrap.npu
// RUN: tessera-sim %t.wrap.npu --input n=%t.three.npy
//
// Timing-only runs read scalar operands from inputs and constants.
// RUN: tessera-sim %t.npu --input n=%t.three.npy --no-functional --stats | FileCheck %s --check-prefix=TIMING
// TIMING: instructions      9 in the program, 17 fetched
// RUN: not tessera-sim %t.npu --no-functional 2>&1 | FileCheck %s --check-prefix=NODATA
// NODATA: error: {{.*}}vector#0 instr 0 (sld on S): scalar load from GM byte 0 needs data that only a functional run computes (this run is timing-only)

isa.program "errors" target "dc" gm_bytes 4096 {
  isa.io input "n" : tensor<1xi32> at 0
  isa.core "vector" 0 {
    isa.sld r1, GM[0]
    isa.loop r2, r1
    isa.sadd r4, r2, 0
    isa.vdup <UB[0 + r2 * 64], 16xf32>, 1.0
    isa.sadd r3, r2, 1
    isa.endloop
    isa.set_flag V -> MTE3, 0
    isa.wait_flag V -> MTE3, 0
    isa.end
  }
}
