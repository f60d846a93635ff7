// Constant data is a hex string: either case reads, the disassembly writes
// lower case, and anything else is an error naming the constant.
// RUN: tessera-as %s -o %t.npu
// RUN: tessera-objdump %t.npu | FileCheck %s
// CHECK: isa.const "w" at 2048 size 4 {data = "00ab803f"}
// RUN: sed 's/00AB803f/00zz803f/' %s > %t.bad.mlir
// RUN: not tessera-as %t.bad.mlir -o %t.bad.npu 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: 'isa.const' op needs 'data' as a hex string (or 'file')
// RUN: sed 's/00AB803f/00AB803/' %s > %t.odd.mlir
// RUN: not tessera-as %t.odd.mlir -o %t.odd.npu 2>&1 | FileCheck %s --check-prefix=BAD

isa.program "hex" target "dc" gm_bytes 4096 {
  isa.const "w" at 2048 size 4 {data = "00AB803f"}
  isa.core "vector" 0 {
    isa.end
  }
}
