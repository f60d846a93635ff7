// graph.cache_update on the NPU: the updated cache shares the cache input's
// GM buffer (the output "present" is at the input "past"'s address), and the
// kernel moves only the new rows, scattered at the run-time position.
// RUN: tessera-compile %s --emit=asm | FileCheck %s --check-prefix=ASM
// ASM: isa.io input "past" : tensor<1x2x6x4xf32> at [[ADDR:[0-9]+]]
// ASM: isa.io output "present" : tensor<1x2x6x4xf32> at [[ADDR]]
// The row index (position + j) is computed once and serves both heads.
// ASM-NOT: dma_st
// ASM: dma_scatter <GM[[[ADDR]]], 6x4xf32>[<UB[[[IDX:[0-9]+]]], 2xi32>]
// ASM-NOT: vcmp
// ASM: dma_scatter <GM[96], 6x4xf32>[<UB[[[IDX]]], 2xi32>]
// ASM-NOT: dma_st
//
// RUN: tessera-compile %s -o %t.npu
// RUN: %python %S/../Sim/Inputs/npytool.py make %t.c.npy f32 1x2x6x4 "-1"
// RUN: %python %S/../Sim/Inputs/npytool.py make %t.r.npy f32 1x2x2x4 "i"
// RUN: %python %S/../Sim/Inputs/npytool.py make %t.p3.npy i64 1 "3"
// RUN: %python %S/../Sim/Inputs/npytool.py make %t.p5.npy i64 1 "5"
// RUN: rm -rf %t.out && tessera-run %t.npu --input past=%t.c.npy --input rows=%t.r.npy \
// RUN:   --input position=%t.p3.npy --output-dir %t.out --quiet
// RUN: %python %S/../Sim/Inputs/npytool.py dump %t.out/present.npy | tr '\n' ' ' | FileCheck %s
// Head 0: rows 3 and 4 hold 0..7; head 1: 8..15; the rest stays -1.
// CHECK: dtype f32 shape 1x2x6x4 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 0.0 1.0 2.0 3.0 4.0 5.0 6.0 7.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 8.0 9.0 10.0 11.0 12.0 13.0 14.0 15.0 -1.0 -1.0 -1.0 -1.0
//
// The golden evaluator gives the same result.
// RUN: rm -rf %t.gold && tessera-run %s --input past=%t.c.npy --input rows=%t.r.npy \
// RUN:   --input position=%t.p3.npy --output-dir %t.gold --quiet
// RUN: %python %S/../Sim/Inputs/npytool.py dump %t.gold/present.npy | tr '\n' ' ' | FileCheck %s
//
// A position that would overflow the cache is an error on both sides.
// RUN: not tessera-run %t.npu --input past=%t.c.npy --input rows=%t.r.npy \
// RUN:   --input position=%t.p5.npy 2>&1 | FileCheck %s --check-prefix=OOB
// OOB: dma_scatter on MTE3{{.*}}out-of-bounds scatter: index[1] = 6 but the table in GM has 6 rows
// RUN: not tessera-run %s --input past=%t.c.npy --input rows=%t.r.npy \
// RUN:   --input position=%t.p5.npy 2>&1 | FileCheck %s --check-prefix=GOLD
// GOLD: error: 'graph.cache_update' op writes 2 entries at position 5 of a cache of capacity 6 (they would overflow it)
//
// A bf16 program stores the cache in bf16 (the state it keeps between calls
// is half the bytes; the rows are rounded once, when written), and returns
// it in place as bf16, not converted back to the model's f32.
// RUN: tessera-compile %s --precision=bf16 --emit=asm | FileCheck %s --check-prefix=BF16ASM
// BF16ASM: isa.io input "past" : tensor<1x2x6x4xbf16> at [[ADDR:[0-9]+]]
// BF16ASM: isa.io output "present" : tensor<1x2x6x4xbf16> at [[ADDR]]
// RUN: tessera-compile %s --precision=bf16 -o %t.bf16.npu
// RUN: %python %S/../Sim/Inputs/npytool.py make %t.rh.npy f32 1x2x2x4 "i+0.5"
// RUN: rm -rf %t.bf16 && tessera-run %t.bf16.npu --input past=%t.c.npy --input rows=%t.rh.npy \
// RUN:   --input position=%t.p3.npy --output-dir %t.bf16 --quiet
// RUN: %python %S/../Sim/Inputs/npytool.py dump %t.bf16/present.npy | tr '\n' ' ' | FileCheck %s --check-prefix=BF16
// BF16: dtype bf16 shape 1x2x6x4 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 0.5 1.5 2.5 3.5 4.5 5.5 6.5 7.5 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 -1.0 8.5 9.5 10.5 11.5 12.5 13.5 14.5 15.5 -1.0 -1.0 -1.0 -1.0
//
// The update is in place, so nothing else may read the old cache.
// RUN: not tessera-compile %S/Inputs/cache-update-reused.mlir -o %t.bad.npu 2>&1 \
// RUN:   | FileCheck %s --check-prefix=REUSED
// REUSED: error: node '{{.*}}' (graph.cache_update): the cache is updated in place on the NPU, so it must have no other user
// Nor may anything read the buffer the cache is a view of (a contiguous
// slice aliases its operand).
// RUN: not tessera-compile %S/Inputs/cache-update-view-reused.mlir -o %t.bad2.npu 2>&1 \
// RUN:   | FileCheck %s --check-prefix=VIEWREUSED
// VIEWREUSED: error: {{.*}}node 'SliceUpdate' (graph.cache_update): the cache is updated in place on the NPU, so it must have no other user

func.func @main(%cache: tensor<1x2x6x4xf32> {graph.name = "past"},
                %rows: tensor<1x2x2x4xf32> {graph.name = "rows"},
                %pos: tensor<1xi64> {graph.name = "position"})
    -> (tensor<1x2x6x4xf32> {graph.name = "present"}) {
  %r = graph.cache_update %cache, %rows, %pos {axis = 2 : i64}
      : (tensor<1x2x6x4xf32>, tensor<1x2x2x4xf32>, tensor<1xi64>) -> tensor<1x2x6x4xf32>
  return %r : tensor<1x2x6x4xf32>
}
