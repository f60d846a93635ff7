//===- Work.h - Host work of one simulated instruction ----------*- C++ -*-===//
//
// The work budget (SimOptions::maxWork) bounds the host time of a run. The
// instruction budget alone does not: a stride-0 tile names millions of
// elements in a few bytes of memory, and a loop repeats the instruction that
// moves them, so a short program can keep the simulator busy for hours.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_LIB_SIM_WORK_H
#define TESSERA_LIB_SIM_WORK_H

#include "tessera/Binary/Isa.h"

#include <cstdint>

namespace tessera::sim {

/// Multiply-adds of a matrix multiply per unit of work: the matrix kernel is
/// vectorized, so a multiply-add costs the host a small fraction of what
/// loading, converting and storing one element does.
constexpr uint64_t kMacsPerWorkUnit = 16;

/// The work of one instruction with resolved tiles: the elements of its tiles
/// (each is loaded, computed or stored once) and, when `functional`, the
/// multiply-adds of a matrix multiply (kMacsPerWorkUnit per unit) and the
/// comparisons of a sort. A verified instruction holds at most 2^28 elements
/// per tile, so the result stays far below 2^63.
uint64_t instrWork(const bin::Instr &in, bool functional);

} // namespace tessera::sim

#endif
