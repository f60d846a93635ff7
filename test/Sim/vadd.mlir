// A hand-written vector program: assemble, run, check outputs and stats.
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.x.npy f32 4x64 "i*0.5"
// RUN: %python %S/Inputs/npytool.py make %t.y.npy f32 4x64 "1000-i"
// RUN: rm -rf %t.out
// RUN: tessera-sim %t.npu --input x=%t.x.npy --input y=%t.y.npy --output-dir %t.out --stats --stats-json %t.json --trace %t.trace.json | FileCheck %s --check-prefix=STATS
// RUN: %python %S/Inputs/npytool.py dump %t.out/z.npy | FileCheck %s
// RUN: %python %S/Inputs/npytool.py dump %t.out/m.npy | FileCheck %s --check-prefix=MAX
// RUN: %python -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['pipes']['V']['instructions']==5 and s['flops']==768 and s['dram_bytes']==2048 and s['l2_dirty_bytes']==1536 and s['ratio_to_bound']>1, s" %t.json
// RUN: %python -c "import json,sys; t=json.load(open(sys.argv[1]))['traceEvents']; assert any(e['name']=='vadd' and e['ph']=='X' for e in t)" %t.trace.json

// z = x + y = 1000 - i/2, bf16-free f32 arithmetic.
// CHECK: dtype f32 shape 4x64
// CHECK-NEXT: 1000.0
// CHECK-NEXT: 999.5
// CHECK-NEXT: 999.0
// m = max over each row of x*y: at the row end, (i/2)(1000-i) for i = 63, 127
// MAX: dtype f32 shape 4x1
// MAX-NEXT: 29515.5
// MAX-NEXT: 55435.5

// STATS: cycles
// STATS: MTE2{{ +}}3
// STATS: V{{ +}}5
// The inputs are read from DRAM; dc's L2 is write-back, so the outputs'
// 1040 bytes (three 512-byte lines) stay in it, dirty.
// STATS: DRAM bytes 2048 (read 2048, write 0; L2 hits 0; 1536 dirty in the L2 at the end)
// STATS: simulated/bound

isa.program "vadd" target "dc" gm_bytes 4096 {
  isa.io input "x" : tensor<4x64xf32> at 0
  isa.io input "y" : tensor<4x64xf32> at 1024
  isa.io output "z" : tensor<4x64xf32> at 2048
  isa.io output "m" : tensor<4x1xf32> at 3072
  isa.core "vector" 5 {
    isa.dma_ld <UB[0], 4x64xf32>, <GM[0], 4x64xf32>
    isa.dma_ld <UB[1024], 4x64xf32>, <GM[1024], 4x64xf32>
    isa.set_flag MTE2 -> V, 0
    isa.wait_flag MTE2 -> V, 0
    isa.vadd <UB[2048], 4x64xf32>, <UB[0], 4x64xf32>, <UB[1024], 4x64xf32>
    isa.vmul <UB[4096], 4x64xf32>, <UB[0], 4x64xf32>, <UB[1024], 4x64xf32>
    isa.vredmax <UB[8192], 4x1xf32>, <UB[4096], 4x64xf32>
    isa.set_flag V -> MTE3, 0
    isa.wait_flag V -> MTE3, 0
    isa.dma_st <GM[2048], 4x64xf32>, <UB[2048], 4x64xf32>
    isa.dma_st <GM[3072], 4x1xf32>, <UB[8192], 4x1xf32>
    isa.end
  }
}
