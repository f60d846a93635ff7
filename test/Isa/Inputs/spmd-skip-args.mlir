isa.program "p" target "dc" gm_bytes 4096 {
  isa.core "vector" 0 {
    isa.skipaz 3, 0
    isa.end
  }
}
