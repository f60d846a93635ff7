//===- Execute.h - The functional semantics of each instruction -*- C++ -*-===//
#ifndef TESSERA_LIB_SIM_EXECUTE_H
#define TESSERA_LIB_SIM_EXECUTE_H

#include "tessera/Binary/Program.h"
#include "tessera/Target/Target.h"

#include <cstdint>
#include <string>

namespace tessera::sim {

/// Applies `in` (instruction `idx` of `stream`, registers already resolved)
/// to the memories at `bases`, indexed by target::Space. False with `error`
/// set when the instruction cannot run on these values (an index out of
/// bounds, a division by zero in an integer kernel, ...).
bool executeFunctional(const target::TargetDesc &t, const bin::Program &prog,
                       uint32_t stream, uint32_t idx, const bin::Instr &in,
                       uint8_t *const bases[target::kNumSpaces],
                       std::string &error);

} // namespace tessera::sim

#endif // TESSERA_LIB_SIM_EXECUTE_H
