// A bf16 matrix multiply through L1 -> L0A/L0B -> L0C -> FIX on one cube core,
// with f32 accumulation over two mmads (init, then acc) and a bf16 result.
// RUN: tessera-as %s -o %t.npu
// RUN: %python %S/Inputs/npytool.py make %t.a.npy f32 16x32 "(i % 7) - 3"
// RUN: %python %S/Inputs/npytool.py make %t.b.npy f32 32x16 "((i * 5) % 11) * 0.25"
// RUN: rm -rf %t.out
// RUN: tessera-sim %t.npu --input a=%t.a.npy --input b=%t.b.npy --output-dir %t.out
// RUN: %python %S/Inputs/check_matmul.py %t.a.npy %t.b.npy %t.out/c.npy

isa.program "mm" target "dc" gm_bytes 8192 {
  isa.io input "a" : tensor<16x32xbf16> at 0
  isa.io input "b" : tensor<32x16xbf16> at 1024
  isa.io output "c" : tensor<16x16xbf16> at 4096
  isa.core "cube" 3 {
    // K split in two halves: A's column blocks and B's row blocks.
    isa.dma_ld <L1[0], 16x16xbf16, nz>, <GM[0], 16x16xbf16, strides [32, 1]>
    isa.dma_ld <L1[512], 16x16xbf16, nz>, <GM[32], 16x16xbf16, strides [32, 1]>
    isa.dma_ld <L1[1024], 16x16xbf16, nz>, <GM[1024], 16x16xbf16>
    isa.dma_ld <L1[1536], 16x16xbf16, nz>, <GM[1536], 16x16xbf16>
    isa.set_flag MTE2 -> MTE1, 0
    isa.wait_flag MTE2 -> MTE1, 0
    isa.mv <L0A[0], 16x16xbf16, nz>, <L1[0], 16x16xbf16, nz>
    isa.mv <L0A[512], 16x16xbf16, nz>, <L1[512], 16x16xbf16, nz>
    isa.mv <L0B[0], 16x16xbf16, nz>, <L1[1024], 16x16xbf16, nz>
    isa.mv <L0B[512], 16x16xbf16, nz>, <L1[1536], 16x16xbf16, nz>
    isa.set_flag MTE1 -> M, 0
    isa.wait_flag MTE1 -> M, 0
    isa.mmad <L0C[0], 16x16xf32>, <L0A[0], 16x16xbf16, nz>, <L0B[0], 16x16xbf16, nz>
    isa.mmad <L0C[0], 16x16xf32>, <L0A[512], 16x16xbf16, nz>, <L0B[512], 16x16xbf16, nz> acc
    isa.set_flag M -> FIX, 0
    isa.wait_flag M -> FIX, 0
    isa.fix <GM[4096], 16x16xbf16>, <L0C[0], 16x16xf32>
    isa.end
  }
}
