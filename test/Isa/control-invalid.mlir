// Bad control flow is rejected by the verifier, naming the instruction and
// its index in the stream (the .npu loader checks the same rules:
// test/unit/BinaryTest.cpp).
// RUN: tessera-opt %s -split-input-file -verify-diagnostics

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{'loop' without a matching 'endloop' before 'end' (instruction 0 of the stream)}}
    isa.loop r1, 4
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{'isa.endloop' op 'endloop' without a matching 'loop' (instruction 0 of the stream)}}
    isa.endloop
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{skip target 4 out of range (the stream's 'end' is instruction 1) (instruction 0 of the stream)}}
    isa.skipnz r1, 3
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    isa.loop r1, 4
    // expected-error @+1 {{skip to instruction 3 leaves a loop (a skip must not cut a loop) (instruction 1 of the stream)}}
    isa.skipz r1, 1
    isa.endloop
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{skip to instruction 2 enters a loop}}
    isa.skipz r1, 1
    isa.loop r1, 4
    isa.endloop
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    isa.loop r1, 2
    isa.loop r2, 2
    isa.loop r3, 2
    isa.loop r4, 2
    // expected-error @+1 {{loops nest 5 deep; target 'dc' allows 4 (scalar.max_loop_depth) (instruction 4 of the stream)}}
    isa.loop r5, 2
    isa.endloop
    isa.endloop
    isa.endloop
    isa.endloop
    isa.endloop
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{field 'rb': register r32 out of range (target 'dc' has r0-r31)}}
    isa.sadd r1, r2, r32
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{writes r0, which always reads as zero}}
    isa.sadd r0, r2, 1
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{operand 'src' offset term: register r40 out of range (target 'dc' has r0-r31)}}
    isa.dma_ld <UB[0], 16xf32>, <GM[0 + r40 * 64], 16xf32>
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{negative trip count -3}}
    isa.loop r1, -3
    isa.endloop
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{GM offset 6 is not a 4-byte aligned i32 inside GM}}
    isa.sld r1, GM[6]
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{expected a register (r0, r1, ...)}}
    isa.sadd r1, x2, 1
    isa.end
  }
}

// -----

isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    // expected-error @+1 {{operand 'dst': an nz tile cannot take an extent from a register}}
    isa.dma_ld <UB[0], 16x8xf32, nz, extent 0 = r1>, <GM[0], 16x8xf32>
    isa.end
  }
}
