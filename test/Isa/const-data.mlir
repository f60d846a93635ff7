// Inline constant data is a 1-D i8 tensor: dense elements as a person writes
// them (a hex literal here), or a dense_resource blob as the compiler and
// tessera-objdump write them. Anything else is an error naming the constant.
// RUN: tessera-as %s -o %t.npu
// RUN: tessera-objdump %t.npu | FileCheck %s
// CHECK: isa.const "w" at 2048 size 4 {data = dense_resource<w> : tensor<4xi8>}
// CHECK: dialect_resources
// CHECK-NEXT: builtin
// CHECK-NEXT: w: "0x0100000000AB803F"
// RUN: tessera-objdump %t.npu -o %t.s
// RUN: tessera-as %t.s -o %t2.npu
// RUN: cmp %t.npu %t2.npu
//
// Wrong element type or rank.
// RUN: sed 's/tensor<4xi8>/tensor<1xi32>/; s/0x00AB803F/0x3F80AB00/' %s > %t.i32.mlir
// RUN: not tessera-as %t.i32.mlir -o %t.bad.npu 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE: error: 'isa.const' op needs 'data' as a 1-D tensor of i8 (dense or dense_resource), not 'tensor<1xi32>'
// RUN: sed 's/tensor<4xi8>/tensor<2x2xi8>/' %s > %t.2d.mlir
// RUN: not tessera-as %t.2d.mlir -o %t.bad.npu 2>&1 | FileCheck %s --check-prefix=RANK
// RANK: error: 'isa.const' op needs 'data' as a 1-D tensor of i8 (dense or dense_resource), not 'tensor<2x2xi8>'
//
// Data and declared size disagree.
// RUN: sed 's/size 4/size 8/' %s > %t.size.mlir
// RUN: not tessera-as %t.size.mlir -o %t.bad.npu 2>&1 | FileCheck %s --check-prefix=SIZE
// SIZE: error: 'isa.const' op has 4 bytes of data but size 8
//
// A dense_resource whose blob is missing from the file.
// RUN: sed 's/dense<"0x00AB803F">/dense_resource<nowhere>/' %s > %t.res.mlir
// RUN: not tessera-as %t.res.mlir -o %t.bad.npu 2>&1 | FileCheck %s --check-prefix=RES
// RES: error: 'isa.const' op data resource 'nowhere' has no bytes (missing from the file's dialect_resources)
//
// Neither data nor file.
// RUN: sed 's/ {data = .*}$//' %s > %t.none.mlir
// RUN: not tessera-as %t.none.mlir -o %t.bad.npu 2>&1 | FileCheck %s --check-prefix=NONE
// NONE: error: 'isa.const' op needs 'data' (or 'file')

isa.program "hex" target "dc" gm_bytes 4096 {
  isa.const "w" at 2048 size 4 {data = dense<"0x00AB803F"> : tensor<4xi8>}
  isa.core "vector" 0 {
    isa.end
  }
}
