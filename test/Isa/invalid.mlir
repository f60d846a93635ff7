// Every instruction is checked against the target of its program.
// RUN: tessera-opt %s -split-input-file -verify-diagnostics

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{operand 'a': offset 256 in L0A is not 512-byte aligned}}
    isa.mmad <L0C[0], 16x16xf32>, <L0A[256], 16x16xbf16>, <L0B[0], 16x16xbf16>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{operand 'dst': tile ends at byte 262144, beyond the 196608-byte UB}}
    isa.vexp <UB[0], 256x256xf32>, <UB[0], 16xf32>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{pipe V does not exist on 'cube' cores of target 'dc'}}
    isa.vadd <L1[0], 16xf32>, <L1[64], 16xf32>, <L1[128], 16xf32>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{operand 'dst' is in L0A; dma_ld needs L1, UB}}
    isa.dma_ld <L0A[0], 16x16xbf16>, <GM[0], 16x16xbf16>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{the matrix engine of 'dc' does not support i16}}
    isa.mmad <L0C[0], 16x16xf32>, <L0A[0], 16x16xi16>, <L0B[0], 16x16xi16>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{the vector unit of 'dc' does not support f64}}
    isa.vexp <UB[0], 16xf64>, <UB[256], 16xf64>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{field 'id' = 9 out of range [0, 7]}}
    isa.set_flag MTE2 -> V, 9
    isa.end
  }
}

// -----

isa.program "p" target "edge" gm_bytes 4096 {
  isa.core "tpu" 0 {
    // expected-error @+1 {{target 'edge' has no cross-core flags}}
    isa.xwait S, 0
    isa.end
  }
}

// -----

isa.program "p" target "edge" gm_bytes 4096 {
  // expected-error @+1 {{target 'edge' has no core type 'cube' (it has tpu, aicpu)}}
  isa.core "cube" 0 {
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  // expected-error @+1 {{core index 24 out of range: 'cube' has 24 cores}}
  isa.core "cube" 24 {
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  // expected-error @+1 {{a core's instructions must end with isa.end}}
  isa.core "cube" 0 {
    isa.barrier ALL
  }
}

// -----

// expected-error @+1 {{cannot load target 'tpu9000': unknown target 'tpu9000' (presets: edge, dc; or give a path to a .json file)}}
isa.program "p" target "tpu9000" gm_bytes 4096 {
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{unknown memory space 'HBM'}}
    isa.vexp <HBM[0], 16xf32>, <UB[0], 16xf32>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "cube" 0 {
    // expected-error @+1 {{an nz tile of bf16 needs rows % 16 == 0 and cols % 16 == 0}}
    isa.dma_ld <L1[0], 8x16xbf16, nz>, <GM[0], 8x16xbf16>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{operand 'b' does not broadcast to the shape of operand 'dst'}}
    isa.vadd <UB[0], 4x8xf32>, <UB[256], 4x8xf32>, <UB[512], 3x8xf32>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{vshl needs integer tiles}}
    isa.vshl <UB[0], 16xf32>, <UB[64], 16xf32>, <UB[128], 16xf32>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{vmla needs floating-point tiles}}
    isa.vmla <UB[0], 16xi32>, <UB[64], 16xi32>, <UB[128], 16xi32>, <UB[192], 16xi32>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{operand 'dst' is f32 but operand 'c' is bf16}}
    isa.vmla <UB[0], 16xf32>, <UB[64], 16xf32>, <UB[128], 16xf32>, <UB[192], 16xbf16>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{vshr has no saturating form}}
    isa.vshr <UB[0], 16xi32>, <UB[64], 16xi32>, <UB[128], 16xi32> sat
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{operand 'src' is in UB; l2_prefetch needs GM}}
    isa.l2_prefetch <UB[0], 64xui8>
    isa.end
  }
}

// -----

isa.program "p" target "edge" gm_bytes 4096 {
  isa.core "tpu" 0 {
    // expected-error @+1 {{target 'edge' has no L2 cache engine to prefetch with (l2_cache.prefetch_bytes_per_cycle)}}
    isa.l2_prefetch <GM[0], 64xui8>
    isa.end
  }
}

// -----

isa.program "p" target "edge" gm_bytes 4096 {
  isa.core "tpu" 0 {
    // expected-error @+1 {{target 'edge' has no L2 cache to drop lines from}}
    isa.l2_discard <GM[0], 512xui8>
    isa.end
  }
}

// -----

isa.program "p" target "edge" gm_bytes 4096 {
  isa.core "tpu" 0 {
    // expected-error @+1 {{target 'edge' has no L2 cache to drop lines from}}
    isa.l2_evict <GM[0], 512xui8>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{operand 'src' is in UB; l2_evict needs GM}}
    isa.l2_evict <UB[0], 512xui8>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{operand 'dst' is in UB; l2_discard needs GM}}
    isa.l2_discard <UB[0], 512xui8>
    isa.end
  }
}
