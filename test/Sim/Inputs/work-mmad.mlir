// One matrix multiply of 16384^3 multiply-adds on stride-0 tiles (a few
// bytes of L0A, L0B and L0C): 2^42 / 16 = 2^38 units of work plus its
// tiles' 3 x 2^28 elements, above the default budget of 2^38, refused
// before it runs (work-budget.mlir; the
// malformed corpus has it as npu/work_budget_mmad.npu).
isa.program "work_mmad" target "dc" gm_bytes 64 {
  isa.core "cube" 0 {
    isa.mmad <L0C[0], 16384x16384xf32, strides [0, 0]>, <L0A[0], 16384x16384xbf16, strides [0, 0]>, <L0B[0], 16384x16384xbf16, strides [0, 0]>
    isa.end
  }
}
