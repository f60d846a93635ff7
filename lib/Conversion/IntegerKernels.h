//===- IntegerKernels.h - Exact integer expansions for vector kernels -*- C++
//-*-===//
//
// Integer work the vector unit has no single instruction for, expanded into
// its instructions with results identical to the golden evaluator's:
// unsigned 32-bit arithmetic on i32 tiles (the vector unit has no u32; the
// compiler keeps uint32 data as its bit pattern in i32), bit shifts, and
// integer powers. Each helper appends nodes to a VectorKernel and returns the
// result node.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CONVERSION_INTEGERKERNELS_H
#define TESSERA_CONVERSION_INTEGERKERNELS_H

#include "tessera/CodeGen/Kernels.h"

namespace tessera::conversion {

/// a pred b on i32 tiles holding unsigned 32-bit values (EQ/NE compare the
/// bits; the orders compare a - 2^31 and b - 2^31, wrapping, which maps the
/// unsigned order onto the signed one). Result: a u8 mask.
int unsignedCompare(codegen::VectorKernel &k, bin::CmpKind kind, int a, int b);
/// max(a, b) / min(a, b) of unsigned 32-bit values in i32 tiles.
int unsignedMinMax(codegen::VectorKernel &k, bool isMax, int a, int b);
/// a / b (quotient) and a % b of unsigned 32-bit values in i32 tiles; a
/// divisor of 0 gives 0 for both, as the golden evaluator does.
int unsignedDiv(codegen::VectorKernel &k, int a, int b);
int unsignedRem(codegen::VectorKernel &k, int a, int b);
/// The f32 nearest to the unsigned 32-bit value of an i32 tile (one
/// rounding: the high and low 16 bits convert exactly and add once).
int unsignedToF32(codegen::VectorKernel &k, int a);
/// `a` shifted left or (logically) right by `b`, both of one integer
/// compute type, for values of `bits` bits (8, 16, 32) stored in it: a
/// uint16 in an i32 tile is shifted left and cut back to 16 bits.
int shiftBits(codegen::VectorKernel &k, bool left, int a, int b, unsigned bits);
/// base^exp for an integer base and an integer exponent (any integer compute
/// type; `unsignedExp`: the exponent's bits are an unsigned value), by
/// squaring over the exponent's bits with wrapping products; a negative
/// exponent gives 0 unless |base| = 1 (then 1 or -1 by its parity).
int integerPow(codegen::VectorKernel &k, int base, int exp, bool unsignedExp);
/// base^exp for an f32 base and an integer exponent, by the same squaring
/// in f32 (negative bases included; a negative exponent takes the
/// reciprocal), within a few roundings of the golden's pow.
int floatPowInt(codegen::VectorKernel &k, int base, int exp, bool unsignedExp);
/// base^exp for an integer base and an f32 exponent, as the golden
/// evaluator computes it (the power truncated toward zero): exact by
/// integerPow where the exponent is a whole number, exp(y ln x) otherwise.
int integerPowF(codegen::VectorKernel &k, int base, int exp);

} // namespace tessera::conversion

#endif
