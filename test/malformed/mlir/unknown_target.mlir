isa.program "p" target "nosuchchip" gm_bytes 0 {
}
