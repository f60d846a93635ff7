isa.program "p" target {{{ 
