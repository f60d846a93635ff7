isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 args [0, 1] {
    isa.sarg r1, 1
    isa.end
  }
  isa.core "vector" 1 shares 0 args [5] {
  }
}
