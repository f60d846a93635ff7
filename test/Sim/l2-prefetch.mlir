// l2_prefetch hands a GM range to the chip's cache engine: the scalar unit
// goes on, no barrier waits for it, and a later load of those lines hits
// the L2 (waiting for a line only while the engine still fills it). A
// vector core reads 1 MiB of weights in 16 loads of 64 KiB: from DRAM at
// its own 32 B/cycle, or, with the engine's read-ahead (up to the chip's
// DRAM rate on dc), from the L2 at 110 B/cycle.
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.w.npy f32 256x1024 "i*0.5"
// RUN: tessera-sim %t.npu --input w=%t.w.npy --output-dir %t.out --stats-json %t.on.json
// RUN: grep -v PREFETCH-ME %s > %t.off.mlir
// RUN: tessera-as %t.off.mlir -o %t.off.npu
// RUN: tessera-sim %t.off.npu --input w=%t.w.npy --output-dir %t.outoff --stats-json %t.off.json
// RUN: %python %S/Inputs/check_prefetch.py %t.on.json %t.off.json %t.out/y.npy
//
// The stats line names what the engine read.
// RUN: tessera-sim %t.npu --input w=%t.w.npy --stats | FileCheck %s --check-prefix=STATS
// STATS: DRAM bytes 1048576 (read 1048576, 1015808 of them prefetched into the L2, write 0;
//
// A request that leaves GM (its offset from a register) is an error naming
// the instruction, the iteration and the range.
// RUN: sed -e 's/r2 \* 65536\], 65536xui8>/r2 * 131072], 65536xui8>/' %s > %t.bad.mlir
// RUN: tessera-as %t.bad.mlir -o %t.bad.npu
// RUN: not tessera-sim %t.bad.npu --input w=%t.w.npy 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: {{.*}}: vector#0 instr 1 (l2_prefetch on S) in loop iteration [8]: operand 'src' at GM bytes [1048576, 1114112) leaves its 1049600 bytes

isa.program "prefetch" target "dc" gm_bytes 1049600 {
  isa.io input "w" : tensor<256x1024xf32> at 0
  isa.io output "y" : tensor<8xf32> at 1048576
  isa.core "vector" 0 {
    isa.loop r2, 16 // PREFETCH-ME
    isa.l2_prefetch <GM[0 + r2 * 65536], 65536xui8> // PREFETCH-ME
    isa.endloop // PREFETCH-ME
    // The engine runs on: this barrier does not wait for it.
    isa.barrier ALL
    isa.loop r3, 16
    isa.dma_ld <UB[0], 16x1024xf32>, <GM[0 + r3 * 65536], 16x1024xf32>
    isa.endloop
    isa.set_flag MTE2 -> MTE3, 0
    isa.wait_flag MTE2 -> MTE3, 0
    isa.dma_st <GM[1048576], 8xf32>, <UB[0], 8xf32>
    isa.end
  }
}
