isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 shares 1 {
  }
  isa.core "vector" 1 {
    isa.end
  }
}
