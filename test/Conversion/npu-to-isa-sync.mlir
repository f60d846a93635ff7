// tessera-npu-to-isa{sync=true} (what the pipeline runs) synchronizes and
// folds loops on the generated streams before they become isa ops: the
// result is the program that npu-to-isa followed by insert-sync gives, and
// insert-sync then leaves it alone (no flags added twice).
// RUN: tessera-opt %S/npu-to-isa.mlir --tessera-attach-target=target=dc --tessera-npu-to-isa --tessera-isa-insert-sync > %t.two.mlir
// RUN: tessera-opt %S/npu-to-isa.mlir --tessera-attach-target=target=dc --tessera-npu-to-isa=sync=true > %t.one.mlir
// RUN: diff %t.two.mlir %t.one.mlir
// RUN: tessera-opt %t.one.mlir --tessera-isa-insert-sync > %t.again.mlir
// RUN: diff %t.one.mlir %t.again.mlir
// RUN: FileCheck %s < %t.one.mlir
// With loops=false the streams stay straight-line, as insert-sync's option.
// RUN: tessera-opt %S/npu-to-isa.mlir --tessera-attach-target=target=dc --tessera-npu-to-isa="sync=true loops=false" | FileCheck %s --check-prefix=FLAT
// RUN: tessera-opt %S/npu-to-isa.mlir --tessera-attach-target=target=dc --tessera-npu-to-isa --tessera-isa-insert-sync=loops=false | FileCheck %s --check-prefix=FLAT
//
// CHECK: isa.program "main" {{.*}}npu.loops = 1 : i64{{.*}}npu.sync_flag_pairs =
// CHECK: isa.loop
// CHECK: isa.set_flag MTE2 -> V
// CHECK: isa.endloop
// FLAT-NOT: npu.loops
// FLAT: npu.sync_flag_pairs
// FLAT-NOT: isa.loop
// FLAT: isa.set_flag MTE2 -> V
// FLAT-NOT: isa.loop
