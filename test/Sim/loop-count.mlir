// A loop whose trip count is a program input: the scalar unit loads n from
// GM and runs the body n times, each iteration moving row r2 (register-
// relative tiles). Flags are balanced per iteration: the buffers' "free"
// flags are set once before the loop and consumed once after it.
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.x.npy f32 1000x8 "i*0.25"
// RUN: for n in 0 1 7 1000; do \
// RUN:   %python %S/Inputs/npytool.py make %t.n$n.npy i32 1 "$n" && \
// RUN:   rm -rf %t.out$n && \
// RUN:   tessera-sim %t.npu --input n=%t.n$n.npy --input x=%t.x.npy --output-dir %t.out$n --stats-json %t.s$n.json && \
// RUN:   %python %S/Inputs/check_rows.py %t.out$n/y.npy %t.x.npy $n %t.s$n.json || exit 1; \
// RUN: done
//
// The trace shows the iterations of the loop.
// RUN: tessera-sim %t.npu --input n=%t.n7.npy --input x=%t.x.npy --trace %t.trace.json
// RUN: %python -c "import json,sys; t=json.load(open(sys.argv[1]))['traceEvents']; it=sorted(e['args']['iter'][0] for e in t if e.get('name')=='vadds'); assert it==list(range(7)), it" %t.trace.json
//
// Removing the wait that orders iteration i's vadds before iteration i+1's
// load is a race, reported with the iterations of both accesses.
// RUN: grep -v "REMOVE-ME" %s > %t.race.mlir
// RUN: tessera-as %t.race.mlir -o %t.race.npu
// RUN: not tessera-sim %t.race.npu --input n=%t.n7.npy --input x=%t.x.npy 2>&1 | FileCheck %s --check-prefix=RACE
// RACE: error: {{.*}}race on UB of vector#0 near bytes [0, 32): vector#0 instr 8 (vadds on V) in loop iteration [0] reads, and vector#0 instr 4 (dma_ld on MTE2) in loop iteration [1] writes the same bytes with no flag ordering them

isa.program "count" target "dc" gm_bytes 65536 {
  isa.io input "n" : tensor<1xi32> at 0
  isa.io input "x" : tensor<1000x8xf32> at 512
  isa.io output "y" : tensor<1000x8xf32> at 32768
  isa.core "vector" 0 {
    isa.sld r1, GM[0]
    isa.set_flag V -> MTE2, 0
    isa.set_flag MTE3 -> V, 0
    isa.loop r2, r1
    isa.wait_flag V -> MTE2, 0 // REMOVE-ME
    isa.dma_ld <UB[0], 1x8xf32>, <GM[512 + r2 * 32], 1x8xf32>
    isa.set_flag MTE2 -> V, 0
    isa.wait_flag MTE2 -> V, 0
    isa.wait_flag MTE3 -> V, 0
    isa.vadds <UB[32], 1x8xf32>, <UB[0], 1x8xf32>, 1.0
    isa.set_flag V -> MTE2, 0 // REMOVE-ME
    isa.set_flag V -> MTE3, 0
    isa.wait_flag V -> MTE3, 0
    isa.dma_st <GM[32768 + r2 * 32], 1x8xf32>, <UB[32], 1x8xf32>
    isa.set_flag MTE3 -> V, 0
    isa.endloop
    isa.wait_flag V -> MTE2, 0 // REMOVE-ME
    isa.wait_flag MTE3 -> V, 0
    isa.end
  }
}
