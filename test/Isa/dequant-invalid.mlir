// dma_ld_i4 / dma_ld_f8 (dequantizing loads): each rule the verifier
// enforces, with the operand or field it names.
// RUN: tessera-opt %s -split-input-file -verify-diagnostics

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{field 'group' = 63 must be even}}
    isa.dma_ld_i4 <L1[0], 64x16xbf16>, <GM[0], 16x32xui8>, <GM[1024], 16x1xf32>, <GM[2048], 16x1xui8> group 63 phase 0
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{field 'phase' = 64 out of range [0, 63]}}
    isa.dma_ld_i4 <L1[0], 64x16xbf16>, <GM[0], 16x32xui8>, <GM[1024], 16x1xf32>, <GM[2048], 16x1xui8> group 64 phase 64
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{operand 'src' must be [16, 32] (dst is [64, 16])}}
    isa.dma_ld_i4 <L1[0], 64x16xbf16>, <GM[0], 16x64xui8>, <GM[1024], 16x1xf32>, <GM[2048], 16x1xui8> group 64 phase 0
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{operand 'scale' must be [16, 2] (the blocks dst covers)}}
    isa.dma_ld_i4 <L1[0], 64x16xbf16>, <GM[0], 16x32xui8>, <GM[1024], 16x1xf32>, <GM[2048], 16x1xui8> group 64 phase 32
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{operand 'scale' must be f32}}
    isa.dma_ld_i4 <L1[0], 64x16xbf16>, <GM[0], 16x32xui8>, <GM[1024], 16x1xbf16>, <GM[2048], 16x1xui8> group 64 phase 0
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{operand 'dst' must be a float tile, got i32}}
    isa.dma_ld_i4 <L1[0], 64x16xi32>, <GM[0], 16x32xui8>, <GM[1024], 16x1xf32>, <GM[2048], 16x1xui8> group 64 phase 0
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{operand 'zero' is in L1; dma_ld_i4 needs GM}}
    isa.dma_ld_i4 <L1[0], 64x16xbf16>, <GM[0], 16x32xui8>, <GM[1024], 16x1xf32>, <L1[2048], 16x1xui8> group 64 phase 0
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{operand 'src' must have contiguous rows (stride 1)}}
    isa.dma_ld_f8 <L1[0], 32x16xbf16>, <GM[0], 16x32xui8, strides [64, 2]>, <GM[1024], 1x1xf32> block [128, 128] phase [0, 0]
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{field 'block_n' = 0 out of range [1, 1048576]}}
    isa.dma_ld_f8 <L1[0], 32x16xbf16>, <GM[0], 16x32xui8>, <GM[1024], 1x1xf32> block [0, 128] phase [0, 0]
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{operand 'scale' must be [2, 1] (the blocks dst covers)}}
    isa.dma_ld_f8 <L1[0], 32x16xbf16>, <GM[0], 16x32xui8>, <GM[1024], 1x1xf32> block [128, 128] phase [120, 0]
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{operand 'src' must be u8}}
    isa.dma_ld_f8 <L1[0], 32x16xbf16>, <GM[0], 16x32xi8>, <GM[1024], 1x1xf32> block [128, 128] phase [0, 0]
    isa.end
  }
}
