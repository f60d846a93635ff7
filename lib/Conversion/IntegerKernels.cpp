//===- IntegerKernels.cpp - Exact integer expansions for vector kernels ---===//
//
// The vector unit computes integers in i8/i16/i32/u8 tiles. uint32 data is
// kept as its bit pattern in i32 tiles: add, sub, mul, shifts, selects and
// equality give the same bits as unsigned arithmetic would, and the
// expansions below cover what does not (order, division, conversion to
// float). Every expansion is exact: results equal the golden evaluator's.
//
//===----------------------------------------------------------------------===//
#include "IntegerKernels.h"

namespace tessera::conversion {

using bin::CmpKind;
using bin::Opcode;
using codegen::VectorKernel;

/// x - 2^31 with wrap-around: the unsigned order of x becomes the signed
/// order of the result (0 -> INT32_MIN, 2^32 - 1 -> INT32_MAX).
static int flipSign(VectorKernel &k, int x) {
  return k.scalar(Opcode::VAddS, x, -2147483648.0f);
}

int unsignedCompare(VectorKernel &k, CmpKind kind, int a, int b) {
  if (kind == CmpKind::EQ || kind == CmpKind::NE)
    return k.compare(kind, a, b);
  return k.compare(kind, flipSign(k, a), flipSign(k, b));
}

int unsignedMinMax(VectorKernel &k, bool isMax, int a, int b) {
  int r = k.binary(isMax ? Opcode::VMax : Opcode::VMin, flipSign(k, a),
                   flipSign(k, b));
  return k.scalar(Opcode::VAddS, r, 2147483648.0f);
}

int unsignedDiv(VectorKernel &k, int a, int b) {
  DType t = k.nodes[a].type;
  int zero = k.constant(0, t), one = k.constant(1, t);
  // A divisor of 2^31 or more (negative as i32) goes into a at most once.
  int bigDivisor = k.compare(CmpKind::LT, b, zero);
  int qBig = k.cast(unsignedCompare(k, CmpKind::GE, a, b), t);
  // Otherwise halve a so the signed division sees a non-negative dividend:
  // q0 = 2 * ((a >> 1) / b) is the quotient or one below it (the remainder
  // a - q0 * b is below 2b), so one unsigned comparison corrects it.
  int q0 =
      k.scalar(Opcode::VMulS,
               k.binary(Opcode::VDiv, k.binary(Opcode::VShr, a, one), b), 2.0f);
  int r = k.binary(Opcode::VSub, a, k.binary(Opcode::VMul, q0, b));
  int q = k.binary(Opcode::VAdd, q0,
                   k.cast(unsignedCompare(k, CmpKind::GE, r, b), t));
  q = k.select(bigDivisor, qBig, q);
  return k.select(k.compare(CmpKind::EQ, b, zero), zero, q);
}

int unsignedRem(VectorKernel &k, int a, int b) {
  DType t = k.nodes[a].type;
  int r = k.binary(Opcode::VSub, a,
                   k.binary(Opcode::VMul, unsignedDiv(k, a, b), b));
  return k.select(k.compare(CmpKind::EQ, b, k.constant(0, t)), k.constant(0, t),
                  r);
}

int unsignedToF32(VectorKernel &k, int a) {
  DType t = k.nodes[a].type;
  int hi = k.binary(Opcode::VShr, a, k.constant(16, t));
  int lo = k.binary(Opcode::VSub, a, k.scalar(Opcode::VMulS, hi, 65536.0f));
  // hi * 65536 and lo are exact in f32; their sum rounds once.
  int hiF = k.scalar(Opcode::VMulS, k.cast(hi, DType::F32), 65536.0f);
  return k.binary(Opcode::VAdd, hiF, k.cast(lo, DType::F32));
}

int shiftBits(VectorKernel &k, bool left, int a, int b, unsigned bits) {
  DType t = k.nodes[a].type;
  unsigned width = (unsigned)dtypeByteSize(t) * 8;
  int r = k.binary(left ? Opcode::VShl : Opcode::VShr, a, b);
  if (!left || bits >= width)
    return r;
  // A narrower value in a wider tile (uint16 in i32): drop the bits a left
  // shift carried past its width, so the tile holds what the narrow type
  // would. Amounts of `bits` or more then give 0, as they must.
  int cut = k.constant((float)(width - bits), t);
  return k.binary(Opcode::VShr, k.binary(Opcode::VShl, r, cut), cut);
}

/// base^e by square-and-multiply over all 32 bits of e (an i32 tile read
/// as unsigned): the exponent is a run-time value.
static int powBits(VectorKernel &k, int base, int e) {
  DType t = k.nodes[base].type;
  int zeroI = k.constant(0, DType::I32), oneI = k.constant(1, DType::I32);
  int r = k.constant(1, t), b = base;
  for (int bit = 0; bit < 32; ++bit) {
    int rest = k.binary(Opcode::VShr, e, oneI);
    int low = k.binary(Opcode::VSub, e, k.scalar(Opcode::VMulS, rest, 2.0f));
    int set = k.compare(CmpKind::NE, low, zeroI);
    r = k.select(set, k.binary(Opcode::VMul, r, b), r);
    if (bit != 31)
      b = k.binary(Opcode::VMul, b, b);
    e = rest;
  }
  return r;
}

int integerPow(VectorKernel &k, int base, int exp, bool unsignedExp) {
  DType t = k.nodes[base].type;
  int e = k.cast(exp, DType::I32);
  if (unsignedExp)
    return powBits(k, base, e);
  // |INT32_MIN| wraps to itself, whose bits read unsigned are 2^31. Integer
  // products wrap like the golden evaluator's modulo 2^64 ones truncated to
  // the stored width.
  int neg = k.compare(CmpKind::LT, e, k.constant(0, DType::I32));
  int r = powBits(k, base, k.unary(Opcode::VAbs, e));
  // x^-n = 0 for |x| > 1 (and x = 0); 1 and -1 keep the power computed
  // with |n|, whose parity is n's.
  int notUnit =
      k.compare(CmpKind::NE, k.unary(Opcode::VAbs, base), k.constant(1, t));
  int zeroOut = k.binary(Opcode::VMin, neg, notUnit);
  return k.select(zeroOut, k.constant(0, t), r);
}

int floatPowInt(VectorKernel &k, int base, int exp, bool unsignedExp) {
  int e = k.cast(exp, DType::I32);
  if (unsignedExp)
    return powBits(k, base, e);
  int neg = k.compare(CmpKind::LT, e, k.constant(0, DType::I32));
  int r = powBits(k, base, k.unary(Opcode::VAbs, e));
  return k.select(neg, k.unary(Opcode::VRec, r), r);
}

int integerPowF(VectorKernel &k, int base, int exp) {
  DType t = k.nodes[base].type;
  int y = k.cast(exp, DType::F32);
  int yi = k.cast(y, DType::I32); // nearest; exact for whole numbers
  int whole = k.compare(CmpKind::EQ, k.cast(yi, DType::F32), y);
  int exact = integerPow(k, base, yi, /*unsignedExp=*/false);
  // Fractional exponents: exp(y ln x), truncated toward zero as the
  // golden's float -> integer conversion does (NaN for x < 0 gives 0).
  int p = k.unary(Opcode::VExp,
                  k.binary(Opcode::VMul, y,
                           k.unary(Opcode::VLn, k.cast(base, DType::F32))));
  int mag = k.unary(Opcode::VFloor, k.unary(Opcode::VAbs, p));
  int negP = k.compare(CmpKind::LT, p, k.constant(0, DType::F32));
  int tr = k.cast(k.select(negP, k.unary(Opcode::VNeg, mag), mag), t);
  return k.select(whole, exact, tr);
}

} // namespace tessera::conversion
