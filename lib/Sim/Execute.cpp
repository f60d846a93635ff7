//===- Execute.cpp - Functional semantics of every instruction ------------===//
//
// Floating-point vector and AI-CPU arithmetic is done in f32 and rounded to
// the destination type (round-to-nearest-even for f16/bf16); the matrix
// engine accumulates in f32 (i32 for int8) in L0C. Integer results wrap
// unless the instruction's `sat` field asks for saturation.
//
//===----------------------------------------------------------------------===//
#include "Execute.h"
#include "Numerics.h"

#include "tessera/Sim/MatrixKernel.h"

#include "tessera/Binary/Program.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace tessera::sim {

using bin::Instr;
using bin::OpClass;
using bin::Opcode;
using bin::Tile;

namespace {

/// Loads `src` broadcast to the shape of `dst` (numpy rules, right-aligned).
template <typename T, typename Loader>
std::vector<T> loadBroadcast(const uint8_t *mem, const Tile &src,
                             const Tile &dst, Loader load) {
  std::vector<T> s(src.numElements());
  load(mem, src, s.data());
  if (src.numElements() == dst.numElements())
    return s;
  std::vector<T> out(dst.numElements());
  int64_t dshape[4] = {1, 1, 1, 1}, sshape[4] = {1, 1, 1, 1};
  for (unsigned i = 0; i < dst.rank; ++i)
    dshape[4 - dst.rank + i] = dst.shape[i];
  for (unsigned i = 0; i < src.rank; ++i)
    sshape[4 - src.rank + i] = src.shape[i];
  int64_t sstr[4];
  int64_t acc = 1;
  for (int i = 3; i >= 0; --i) {
    sstr[i] = sshape[i] == 1 ? 0 : acc;
    acc *= sshape[i];
  }
  int64_t o = 0;
  for (int64_t a = 0; a < dshape[0]; ++a)
    for (int64_t b = 0; b < dshape[1]; ++b)
      for (int64_t c = 0; c < dshape[2]; ++c)
        for (int64_t d = 0; d < dshape[3]; ++d)
          out[o++] = s[a * sstr[0] + b * sstr[1] + c * sstr[2] + d * sstr[3]];
  return out;
}

std::vector<float> loadBF(const uint8_t *mem, const Tile &src,
                          const Tile &dst) {
  return loadBroadcast<float>(mem, src, dst, loadF);
}
std::vector<int64_t> loadBI(const uint8_t *mem, const Tile &src,
                            const Tile &dst) {
  return loadBroadcast<int64_t>(mem, src, dst, loadI);
}

/// loadBF into one of three per-thread scratch arrays (the float operands
/// of one vector instruction), which keep their memory from instruction to
/// instruction: tens of thousands of vector instructions each allocated,
/// zero-filled and freed their operand arrays.
std::vector<float> &loadBFSlot(unsigned slot, const uint8_t *mem,
                               const Tile &src, const Tile &dst) {
  thread_local std::vector<float> slots[3];
  std::vector<float> &out = slots[slot];
  out.resize(dst.numElements());
  if (src.numElements() == dst.numElements()) {
    loadF(mem, src, out.data()); // writes every element
    return out;
  }
  std::vector<float> b = loadBF(mem, src, dst);
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

float sigmoidF(float x) { return 1.0f / (1.0f + std::exp(-x)); }

/// Applies `f` to every element; the opcode is dispatched once per
/// instruction, not per element, so each loop is a tight (and, for the
/// simple ops, vectorized) pass.
template <typename F> void mapF(float *x, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i)
    x[i] = f(x[i]);
}

void unaryF(Opcode op, float *x, int64_t n) {
  switch (op) {
  case Opcode::VExp:
    return mapF(x, n, [](float v) { return std::exp(v); });
  case Opcode::VLn:
    return mapF(x, n, [](float v) { return std::log(v); });
  case Opcode::VSqrt:
    return mapF(x, n, [](float v) { return std::sqrt(v); });
  case Opcode::VRsqrt:
    return mapF(x, n, [](float v) { return 1.0f / std::sqrt(v); });
  case Opcode::VRec:
    return mapF(x, n, [](float v) { return 1.0f / v; });
  case Opcode::VAbs:
    return mapF(x, n, [](float v) { return std::fabs(v); });
  case Opcode::VNeg:
    return mapF(x, n, [](float v) { return -v; });
  case Opcode::VRelu:
    return mapF(x, n, [](float v) { return v > 0 ? v : 0.0f; });
  case Opcode::VSigmoid:
    return mapF(x, n, sigmoidF);
  case Opcode::VSilu:
    return mapF(x, n, [](float v) { return v * sigmoidF(v); });
  case Opcode::VGelu:
    return mapF(x, n, [](float v) {
      return 0.5f * v * (1.0f + std::erf(v * 0.70710678f));
    });
  case Opcode::VTanh:
    return mapF(x, n, [](float v) { return std::tanh(v); });
  case Opcode::VSin:
    return mapF(x, n, [](float v) { return std::sin(v); });
  case Opcode::VCos:
    return mapF(x, n, [](float v) { return std::cos(v); });
  case Opcode::VErf:
    return mapF(x, n, [](float v) { return std::erf(v); });
  case Opcode::VFloor:
    return mapF(x, n, [](float v) { return std::floor(v); });
  case Opcode::VCeil:
    return mapF(x, n, [](float v) { return std::ceil(v); });
  case Opcode::VRound: // to nearest, ties to even
    return mapF(x, n, [](float v) { return std::nearbyint(v); });
  default:
    return;
  }
}

/// o[i] = f(a[i], b[i]), or f(a[i], scalar) when `b` is null.
template <typename F>
void zipF(const float *a, const float *b, float scalar, float *o, int64_t n,
          F f) {
  if (b)
    for (int64_t i = 0; i < n; ++i)
      o[i] = f(a[i], b[i]);
  else
    for (int64_t i = 0; i < n; ++i)
      o[i] = f(a[i], scalar);
}

void binaryF(Opcode op, const float *a, const float *b, float scalar, float *o,
             int64_t n) {
  switch (op) {
  case Opcode::VAdd:
  case Opcode::VAddS:
    return zipF(a, b, scalar, o, n, [](float x, float y) { return x + y; });
  case Opcode::VSub:
    return zipF(a, b, scalar, o, n, [](float x, float y) { return x - y; });
  case Opcode::VMul:
  case Opcode::VMulS:
    return zipF(a, b, scalar, o, n, [](float x, float y) { return x * y; });
  case Opcode::VDiv:
    return zipF(a, b, scalar, o, n, [](float x, float y) { return x / y; });
  case Opcode::VMax:
  case Opcode::VMaxS:
    return zipF(a, b, scalar, o, n,
                [](float x, float y) { return std::fmax(x, y); });
  case Opcode::VMin:
  case Opcode::VMinS:
    return zipF(a, b, scalar, o, n,
                [](float x, float y) { return std::fmin(x, y); });
  default:
    return zipF(a, b, scalar, o, n, [](float x, float) { return x; });
  }
}

int64_t binaryI(Opcode op, int64_t a, int64_t b) {
  switch (op) {
  case Opcode::VAdd:
  case Opcode::VAddS:
    return a + b;
  case Opcode::VSub:
    return a - b;
  case Opcode::VMul:
  case Opcode::VMulS:
    return a * b;
  case Opcode::VDiv:
    return b == 0 ? 0 : a / b; // documented: x / 0 = 0
  case Opcode::VMax:
  case Opcode::VMaxS:
    return std::max(a, b);
  case Opcode::VMin:
  case Opcode::VMinS:
    return std::min(a, b);
  default:
    return a;
  }
}

/// vshl/vshr on the bit pattern of a `bits`-wide element; the amount is
/// read as unsigned at that width, and the width or more shifts everything
/// out. The result is the new bit pattern (the store wraps it to the dtype).
int64_t shiftI(Opcode op, int64_t a, int64_t b, unsigned bits) {
  uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
  uint64_t x = (uint64_t)a & mask, amount = (uint64_t)b & mask;
  if (amount >= bits)
    return 0;
  return (int64_t)((op == Opcode::VShl ? x << amount : x >> amount) & mask);
}

bool cmp(int64_t kind, double a, double b) {
  switch ((bin::CmpKind)kind) {
  case bin::CmpKind::EQ:
    return a == b;
  case bin::CmpKind::NE:
    return a != b;
  case bin::CmpKind::LT:
    return a < b;
  case bin::CmpKind::LE:
    return a <= b;
  case bin::CmpKind::GT:
    return a > b;
  case bin::CmpKind::GE:
    return a >= b;
  }
  return false;
}

int64_t lastDim(const Tile &t) { return t.shape[t.rank - 1]; }

/// Moves `n` elements of sizeof(T) bytes from a run with byte stride `sb`
/// into a dense run (gather) or back (scatter). Only byte pointers: a space
/// may be 1-byte aligned (GM is), so an element need not be aligned for T,
/// and even a memcpy through a misaligned T* is undefined behaviour. The
/// fixed size still makes each memcpy one unaligned load or store.
template <typename T>
void gatherRun(const uint8_t *src, int64_t n, int64_t sb, uint8_t *dst) {
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(dst + i * (int64_t)sizeof(T), src + i * sb, sizeof(T));
}
template <typename T>
void scatterRun(uint8_t *dst, int64_t n, int64_t sb, const uint8_t *src) {
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(dst + i * sb, src + i * (int64_t)sizeof(T), sizeof(T));
}

/// Moves a run of `n` elements between byte strides `ss` and `ds`.
void moveRun(const uint8_t *s, int64_t ss, uint8_t *d, int64_t ds, int64_t n,
             int64_t es) {
  if (ss == es && ds == es)
    std::memcpy(d, s, n * es);
  else if (ds == es && es == 2)
    gatherRun<uint16_t>(s, n, ss, d);
  else if (ds == es && es == 4)
    gatherRun<uint32_t>(s, n, ss, d);
  else if (ss == es && es == 2)
    scatterRun<uint16_t>(d, n, ds, s);
  else if (ss == es && es == 4)
    scatterRun<uint32_t>(d, n, ds, s);
  else
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(d + i * ds, s + i * ss, es);
}

/// One pass between tiles in different memories (so they cannot overlap):
/// when one side is contiguous, walk the other's runs; between a 2-D NZ tile
/// and a 2-D ND tile of its shape (the L1 layout change of every matmul
/// operand), move each fractal row of c0 elements directly. False when
/// neither applies (the caller stages through a buffer).
bool copyTileOnePass(const uint8_t *sbase, const Tile &src, uint8_t *dbase,
                     const Tile &dst) {
  int64_t es = src.elemBytes();
  if (dst.isContiguous()) {
    uint8_t *d = dbase + dst.offset;
    forEachRun(src, [&](int64_t idx, uint64_t addr, int64_t n, int64_t sb) {
      moveRun(sbase + addr, sb, d + idx * es, es, n, es);
    });
    return true;
  }
  if (src.isContiguous()) {
    const uint8_t *s = sbase + src.offset;
    forEachRun(dst, [&](int64_t idx, uint64_t addr, int64_t n, int64_t db) {
      moveRun(s + idx * es, es, dbase + addr, db, n, es);
    });
    return true;
  }
  bool srcNz = src.layout == bin::Layout::NZ;
  const Tile &nz = srcNz ? src : dst, &nd = srcNz ? dst : src;
  if (nz.layout != bin::Layout::NZ || nd.layout != bin::Layout::ND ||
      nd.rank != 2 || nd.shape[0] != nz.shape[0] || nd.shape[1] != nz.shape[1])
    return false;
  int64_t R = nz.shape[0], C = nz.shape[1], c0 = 32 / es;
  int64_t rowBytes = nd.strides[0] * es, colBytes = nd.strides[1] * es;
  if (colBytes == es && c0 * es == 32) {
    // Dense ND rows (every weight load): each fractal row is one 32-byte
    // copy of a fixed size, which the compiler inlines.
    const uint8_t *ndSrc = sbase + nd.offset;
    for (int64_t cb = 0; cb < C / c0; ++cb)
      for (int64_t r = 0; r < R; ++r) {
        uint64_t za = nz.offset + (uint64_t)((cb * R + r) * 32);
        uint64_t na = nd.offset + (uint64_t)(r * rowBytes + cb * 32);
        if (srcNz) {
          std::memcpy(dbase + na, sbase + za, 32);
        } else {
          // Each row's next cache lines, a few fractal columns ahead: the
          // source (weights, cold in the host's caches) is read down its
          // columns, one line per row, which the hardware prefetchers do
          // not follow (a 64 x 256 bf16 tile: 2.7 -> 1.5 us).
          if (cb + 4 < C / c0)
            __builtin_prefetch(ndSrc + r * rowBytes + (cb + 4) * 32);
          std::memcpy(dbase + za, sbase + na, 32);
        }
      }
    return true;
  }
  for (int64_t cb = 0; cb < C / c0; ++cb)
    for (int64_t r = 0; r < R; ++r) {
      uint64_t za = nz.offset + (uint64_t)((cb * R + r) * c0 * es);
      uint64_t na = nd.offset + (uint64_t)(r * rowBytes + cb * c0 * colBytes);
      if (srcNz)
        moveRun(sbase + za, es, dbase + na, colBytes, c0, es);
      else
        moveRun(sbase + na, colBytes, dbase + za, es, c0, es);
    }
  return true;
}

/// Copies elements between two tiles of one dtype (layouts may differ).
void copyTile(const uint8_t *sbase, const Tile &src, uint8_t *dbase,
              const Tile &dst) {
  int64_t es = src.elemBytes();
  if (src.isContiguous() && dst.isContiguous()) {
    std::memmove(dbase + dst.offset, sbase + src.offset,
                 src.numElements() * es);
    return;
  }
  // Two nz tiles of one shape lay their elements out identically, in
  // R * C consecutive elements (the verifier keeps C a multiple of the
  // fractal width): one move, as for two contiguous tiles (every L1 -> L0A
  // and L0B load).
  if (src.layout == bin::Layout::NZ && dst.layout == bin::Layout::NZ &&
      src.rank == 2 && dst.rank == 2 && src.shape[0] == dst.shape[0] &&
      src.shape[1] == dst.shape[1] && src.shape[1] % (32 / es) == 0) {
    std::memmove(dbase + dst.offset, sbase + src.offset,
                 src.numElements() * es);
    return;
  }
  if (src.space != dst.space && copyTileOnePass(sbase, src, dbase, dst))
    return;
  thread_local std::vector<uint8_t> tmp;
  tmp.resize(src.numElements() * es);
  forEachRun(src, [&](int64_t idx, uint64_t addr, int64_t n, int64_t sb) {
    uint8_t *o = &tmp[idx * es];
    if (sb == es)
      std::memcpy(o, sbase + addr, n * es);
    else if (es == 2)
      gatherRun<uint16_t>(sbase + addr, n, sb, o);
    else if (es == 4)
      gatherRun<uint32_t>(sbase + addr, n, sb, o);
    else
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(o + i * es, sbase + addr + i * sb, es);
  });
  forEachRun(dst, [&](int64_t idx, uint64_t addr, int64_t n, int64_t sb) {
    const uint8_t *in = &tmp[idx * es];
    if (sb == es)
      std::memcpy(dbase + addr, in, n * es);
    else if (es == 2)
      scatterRun<uint16_t>(dbase + addr, n, sb, in);
    else if (es == 4)
      scatterRun<uint32_t>(dbase + addr, n, sb, in);
    else
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(dbase + addr + i * sb, in + i * es, es);
  });
}

} // namespace

bool executeFunctional(const target::TargetDesc &t, const bin::Program &prog,
                       uint32_t stream, uint32_t idx, const Instr &in,
                       uint8_t *const bases[target::kNumSpaces],
                       std::string &error) {
  (void)t;
  (void)prog;
  (void)stream;
  (void)idx;
  const bin::OpInfo &inf = in.info();
  auto base = [&](unsigned i) { return bases[(unsigned)in.tiles[i].space]; };
  const Tile &d = in.tiles[0];
  bool dInt = !isFloatDType(d.dtype);

  switch (inf.cls) {
  case OpClass::Dma:
    if (in.op == Opcode::Mv && in.ints[0]) {
      const Tile &s = in.tiles[1];
      int64_t R = s.shape[0], C = s.shape[1];
      std::vector<float> v(R * C), o(R * C);
      if (isFloatDType(s.dtype)) {
        loadF(base(1), s, v.data());
        for (int64_t r = 0; r < R; ++r)
          for (int64_t c = 0; c < C; ++c)
            o[c * R + r] = v[r * C + c];
        storeF(base(0), d, o.data(), false);
      } else {
        std::vector<int64_t> vi(R * C), oi(R * C);
        loadI(base(1), s, vi.data());
        for (int64_t r = 0; r < R; ++r)
          for (int64_t c = 0; c < C; ++c)
            oi[c * R + r] = vi[r * C + c];
        storeI(base(0), d, oi.data(), false);
      }
      return true;
    }
    if (in.tiles[1].dtype != d.dtype) {
      // A widening load (i8 weights into a float tile): exact.
      thread_local std::vector<float> wide;
      wide.resize(d.numElements());
      loadF(base(1), in.tiles[1], wide.data());
      storeF(base(0), d, wide.data(), false);
      return true;
    }
    copyTile(base(1), in.tiles[1], base(0), d);
    return true;

  case OpClass::Gather: {
    bool gather = in.op == Opcode::DmaGather;
    const Tile &s = in.tiles[1], &ix = in.tiles[2];
    std::vector<int64_t> index(ix.numElements());
    loadI(base(2), ix, index.data());
    const Tile &table = gather ? s : d;
    const Tile &rowsT = gather ? d : s;
    int64_t rowLen = rowsT.shape[1], es = d.elemBytes();
    for (size_t r = 0; r < index.size(); ++r) {
      if (index[r] < 0 || index[r] >= table.shape[0]) {
        error = "out-of-bounds " + std::string(gather ? "gather" : "scatter") +
                ": index[" + std::to_string(r) +
                "] = " + std::to_string(index[r]) + " but the table in " +
                target::spaceName(table.space) + " has " +
                std::to_string(table.shape[0]) + " rows";
        return false;
      }
      for (int64_t c = 0; c < rowLen; ++c) {
        int64_t ti[2] = {index[r], c}, ri[2] = {(int64_t)r, c};
        uint64_t ta = table.byteAddress(ti), ra = rowsT.byteAddress(ri);
        if (gather)
          std::memcpy(base(0) + ra, base(1) + ta, es);
        else
          std::memcpy(base(0) + ta, base(1) + ra, es);
      }
    }
    return true;
  }

  case OpClass::Dequant: {
    // The weight's rows [N, row bytes] in, the dequantized [K, N] tile out
    // (rounded to dst's type by the store).
    bool int4 = in.op == Opcode::DmaLdI4;
    const Tile &s = in.tiles[1], &sc = in.tiles[2];
    int64_t k = d.shape[0], n = d.shape[1];
    int64_t blockN = int4 ? 1 : in.ints[0],
            blockK = int4 ? in.ints[0] : in.ints[1];
    int64_t phaseN = int4 ? 0 : in.ints[2],
            phaseK = int4 ? in.ints[1] : in.ints[3];
    thread_local std::vector<int64_t> q, zero;
    thread_local std::vector<float> scale, out;
    q.resize(s.numElements());
    scale.resize(sc.numElements());
    out.resize(d.numElements());
    loadI(base(1), s, q.data());
    loadF(base(2), sc, scale.data());
    if (int4) {
      zero.resize(in.tiles[3].numElements());
      loadI(base(3), in.tiles[3], zero.data());
    }
    int64_t rowBytes = s.shape[1], gridK = sc.shape[1];
    for (int64_t r = 0; r < n; ++r) {
      const int64_t *row = &q[r * rowBytes];
      int64_t br = (r + phaseN) / blockN * gridK;
      for (int64_t c = 0; c < k; ++c) {
        int64_t b = br + (c + phaseK) / blockK;
        float v;
        if (int4) {
          int64_t byte = row[c / 2] & 0xff;
          v = (float)((c % 2 ? byte >> 4 : byte & 15) - zero[b]) * scale[b];
        } else {
          v = decodeE4M3((uint8_t)row[c]) * scale[b];
        }
        out[c * n + r] = v;
      }
    }
    storeF(base(0), d, out.data(), false);
    return true;
  }

  case OpClass::Mmad: {
    const Tile &a = in.tiles[1], &b = in.tiles[2];
    int64_t m = a.shape[0], k = a.shape[1], n = b.shape[1];
    bool acc = in.ints[0] != 0;
    if (a.dtype == DType::I8) {
      std::vector<int64_t> ai(m * k), bi(k * n), ci(m * n, 0);
      loadI(base(1), a, ai.data());
      loadI(base(2), b, bi.data());
      std::vector<int32_t> a32(ai.begin(), ai.end()), b32(bi.begin(), bi.end()),
          c32(m * n, 0);
      if (acc) {
        loadI(base(0), d, ci.data());
        std::copy(ci.begin(), ci.end(), c32.begin());
      }
      gemmI32(m, n, k, a32.data(), b32.data(), c32.data());
      std::copy(c32.begin(), c32.end(), ci.begin());
      storeI(base(0), d, ci.data(), false);
      return true;
    }
    thread_local std::vector<float> af, bf, cf;
    // bf16 operands in the fractal layout (every cube-core mmad) are read
    // in place by the kernel's packing; anything else is loaded row-major.
    bool nzBF16 = a.dtype == DType::BF16 && b.dtype == DType::BF16 &&
                  a.layout == bin::Layout::NZ && b.layout == bin::Layout::NZ &&
                  a.rank == 2 && b.rank == 2 && b.shape[0] == k &&
                  m % 16 == 0 && n % 16 == 0 && k % 16 == 0;
    if (!nzBF16) {
      af.resize(m * k);
      bf.resize(k * n);
      loadF(base(1), a, af.data());
      loadF(base(2), b, bf.data());
    }
    // An f32 accumulator stored densely row-major (as L0C's is) is
    // accumulated in place: loading it into a host array and storing it back
    // would copy the same bits twice per mmad.
    float *c;
    bool inPlace = d.dtype == DType::F32 && d.isContiguous() &&
                   d.numElements() == m * n &&
                   ((uintptr_t)(base(0) + d.offset) % alignof(float)) == 0;
    if (inPlace) {
      c = reinterpret_cast<float *>(base(0) + d.offset);
      if (!acc)
        std::memset(c, 0, (size_t)(m * n) * sizeof(float));
    } else if (acc) { // every element is loaded: no zero fill first
      cf.resize(m * n);
      loadF(base(0), d, cf.data());
      c = cf.data();
    } else {
      cf.assign(m * n, 0.0f);
      c = cf.data();
    }
    if (nzBF16) {
      gemmBF16Nz(m, n, k, base(1) + a.offset, base(2) + b.offset, c);
    } else {
      auto half = [](DType t) { return t == DType::BF16 || t == DType::F16; };
      bool exact = half(a.dtype) && half(b.dtype) &&
                   productsAreExact(af.data(), af.size(), bf.data(), bf.size());
      gemmF32(m, n, k, af.data(), bf.data(), c, exact);
    }
    if (!inPlace)
      storeF(base(0), d, c, false);
    return true;
  }

  case OpClass::Fix: {
    const Tile &s = in.tiles[1];
    int64_t n = s.numElements();
    bool relu = in.ints[0] != 0;
    if (s.dtype == DType::I32 && dInt && in.fimm == 1.0f) {
      std::vector<int64_t> v(n);
      loadI(base(1), s, v.data());
      if (relu)
        for (auto &x : v)
          x = std::max<int64_t>(x, 0);
      storeI(base(0), d, v.data(), true);
      return true;
    }
    std::vector<float> v(n);
    loadF(base(1), s, v.data());
    for (auto &x : v) {
      x *= in.fimm;
      if (relu && x < 0)
        x = 0;
    }
    storeF(base(0), d, v.data(), /*sat=*/true);
    return true;
  }

  case OpClass::VBinary:
  case OpClass::VScalar: {
    bool sat = inf.cls == OpClass::VBinary && in.ints[0];
    int64_t n = d.numElements();
    if (dInt) {
      auto a = loadBI(base(1), in.tiles[1], d);
      std::vector<int64_t> b;
      if (inf.cls == OpClass::VBinary)
        b = loadBI(base(2), in.tiles[2], d);
      int64_t sc = (int64_t)in.fimm;
      std::vector<int64_t> o(n);
      if (in.op == Opcode::VShl || in.op == Opcode::VShr) {
        unsigned bits = (unsigned)d.elemBytes() * 8;
        for (int64_t i = 0; i < n; ++i)
          o[i] = shiftI(in.op, a[i], b[i], bits);
      } else {
        for (int64_t i = 0; i < n; ++i)
          o[i] = binaryI(in.op, a[i], b.empty() ? sc : b[i]);
      }
      storeI(base(0), d, o.data(), sat);
      return true;
    }
    std::vector<float> &a = loadBFSlot(0, base(1), in.tiles[1], d);
    const float *b = nullptr;
    if (inf.cls == OpClass::VBinary && n)
      b = loadBFSlot(1, base(2), in.tiles[2], d).data();
    binaryF(in.op, a.data(), b, in.fimm, a.data(), n);
    storeF(base(0), d, a.data(), false);
    return true;
  }

  case OpClass::VUnary: {
    int64_t n = d.numElements();
    if (dInt) {
      auto a = loadBI(base(1), in.tiles[1], d);
      for (auto &x : a)
        x = in.op == Opcode::VAbs   ? std::llabs(x)
            : in.op == Opcode::VNeg ? -x
                                    : std::max<int64_t>(x, 0);
      storeI(base(0), d, a.data(), false);
      return true;
    }
    std::vector<float> &a = loadBFSlot(0, base(1), in.tiles[1], d);
    unaryF(in.op, a.data(), n);
    storeF(base(0), d, a.data(), false);
    return true;
  }

  case OpClass::VCast: {
    const Tile &s = in.tiles[1];
    bool sat = in.ints[0] != 0;
    int64_t n = s.numElements();
    if (!isFloatDType(s.dtype) && dInt) {
      std::vector<int64_t> v(n);
      loadI(base(1), s, v.data());
      storeI(base(0), d, v.data(), sat);
    } else {
      std::vector<float> v(n);
      loadF(base(1), s, v.data());
      storeF(base(0), d, v.data(), sat);
    }
    return true;
  }

  case OpClass::VCmp: {
    int64_t n = d.numElements();
    std::vector<int64_t> o(n);
    if (isFloatDType(in.tiles[1].dtype)) {
      const std::vector<float> &a = loadBFSlot(0, base(1), in.tiles[1], d),
                               &b = loadBFSlot(1, base(2), in.tiles[2], d);
      for (int64_t i = 0; i < n; ++i)
        o[i] = cmp(in.ints[0], a[i], b[i]);
    } else {
      auto a = loadBI(base(1), in.tiles[1], d),
           b = loadBI(base(2), in.tiles[2], d);
      for (int64_t i = 0; i < n; ++i)
        o[i] = cmp(in.ints[0], (double)a[i], (double)b[i]);
    }
    storeI(base(0), d, o.data(), false);
    return true;
  }

  case OpClass::VSel: {
    int64_t n = d.numElements();
    const std::vector<float> &mask = loadBFSlot(0, base(1), in.tiles[1], d);
    if (dInt) {
      auto a = loadBI(base(2), in.tiles[2], d),
           b = loadBI(base(3), in.tiles[3], d);
      for (int64_t i = 0; i < n; ++i)
        a[i] = mask[i] != 0 ? a[i] : b[i];
      storeI(base(0), d, a.data(), false);
    } else {
      std::vector<float> &a = loadBFSlot(1, base(2), in.tiles[2], d);
      const std::vector<float> &b = loadBFSlot(2, base(3), in.tiles[3], d);
      for (int64_t i = 0; i < n; ++i)
        a[i] = mask[i] != 0 ? a[i] : b[i];
      storeF(base(0), d, a.data(), false);
    }
    return true;
  }

  case OpClass::VMulAdd: {
    // One rounding: the f32 fused multiply-add, then dst's type.
    int64_t n = d.numElements();
    std::vector<float> &a = loadBFSlot(0, base(1), in.tiles[1], d);
    const std::vector<float> &b = loadBFSlot(1, base(2), in.tiles[2], d),
                             &c = loadBFSlot(2, base(3), in.tiles[3], d);
    for (int64_t i = 0; i < n; ++i)
      a[i] = std::fma(a[i], b[i], c[i]);
    storeF(base(0), d, a.data(), false);
    return true;
  }

  case OpClass::VDup: {
    int64_t n = d.numElements();
    if (dInt) {
      std::vector<int64_t> v(n, (int64_t)in.fimm);
      storeI(base(0), d, v.data(), false);
    } else {
      std::vector<float> v(n, in.fimm);
      storeF(base(0), d, v.data(), false);
    }
    return true;
  }

  case OpClass::VReduce: {
    const Tile &s = in.tiles[1];
    int64_t rows = s.rows(), cols = lastDim(s);
    if (dInt) {
      std::vector<int64_t> v(s.numElements()), o(rows);
      loadI(base(1), s, v.data());
      for (int64_t r = 0; r < rows; ++r) {
        int64_t acc = v[r * cols];
        for (int64_t c = 1; c < cols; ++c) {
          int64_t x = v[r * cols + c];
          acc = in.op == Opcode::VRedSum   ? acc + x
                : in.op == Opcode::VRedMax ? std::max(acc, x)
                                           : std::min(acc, x);
        }
        o[r] = acc;
      }
      storeI(base(0), d, o.data(), false);
      return true;
    }
    std::vector<float> v(s.numElements()), o(rows);
    loadF(base(1), s, v.data());
    // Sequential in f32 along the row (the defined order).
    auto reduce = [&](auto f) {
      for (int64_t r = 0; r < rows; ++r) {
        const float *row = &v[r * cols];
        float acc = row[0];
        for (int64_t c = 1; c < cols; ++c)
          acc = f(acc, row[c]);
        o[r] = acc;
      }
    };
    if (in.op == Opcode::VRedSum)
      reduce([](float x, float y) { return x + y; });
    else if (in.op == Opcode::VRedMax)
      reduce([](float x, float y) { return std::fmax(x, y); });
    else
      reduce([](float x, float y) { return std::fmin(x, y); });
    storeF(base(0), d, o.data(), false);
    return true;
  }

  case OpClass::VTopK: {
    const Tile &s = in.tiles[2];
    int64_t rows = s.rows(), cols = lastDim(s), k = in.ints[0];
    std::vector<float> v(s.numElements()), ov(rows * k);
    std::vector<int64_t> oi(rows * k);
    loadF(base(2), s, v.data());
    std::vector<int64_t> order(cols);
    for (int64_t r = 0; r < rows; ++r) {
      std::iota(order.begin(), order.end(), 0);
      const float *row = &v[r * cols];
      // Largest first; ties keep the lower index (stable).
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t x, int64_t y) { return row[x] > row[y]; });
      for (int64_t j = 0; j < k; ++j) {
        ov[r * k + j] = row[order[j]];
        oi[r * k + j] = order[j];
      }
    }
    storeF(base(0), in.tiles[0], ov.data(), false);
    storeI(base(1), in.tiles[1], oi.data(), false);
    return true;
  }

  case OpClass::VTrans: {
    const Tile &s = in.tiles[1];
    int64_t R = s.shape[0], C = s.shape[1];
    if (dInt) {
      std::vector<int64_t> v(R * C), o(R * C);
      loadI(base(1), s, v.data());
      for (int64_t r = 0; r < R; ++r)
        for (int64_t c = 0; c < C; ++c)
          o[c * R + r] = v[r * C + c];
      storeI(base(0), d, o.data(), false);
    } else {
      std::vector<float> v(R * C), o(R * C);
      loadF(base(1), s, v.data());
      for (int64_t r = 0; r < R; ++r)
        for (int64_t c = 0; c < C; ++c)
          o[c * R + r] = v[r * C + c];
      storeF(base(0), d, o.data(), false);
    }
    return true;
  }

  case OpClass::Cpu: {
    const Tile &s = in.tiles[1];
    int64_t n = s.numElements(), cols = lastDim(s), rows = s.rows();
    std::vector<float> v(n);
    loadF(base(1), s, v.data());
    switch ((bin::CpuFn)in.ints[0]) {
    case bin::CpuFn::Copy:
      break;
    case bin::CpuFn::Exp:
      for (auto &x : v)
        x = std::exp(x);
      break;
    case bin::CpuFn::Erf:
      for (auto &x : v)
        x = std::erf(x);
      break;
    case bin::CpuFn::Asin:
      for (auto &x : v)
        x = std::asin(x);
      break;
    case bin::CpuFn::Acos:
      for (auto &x : v)
        x = std::acos(x);
      break;
    case bin::CpuFn::Atan:
      for (auto &x : v)
        x = std::atan(x);
      break;
    case bin::CpuFn::CumSum:
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 1; c < cols; ++c)
          v[r * cols + c] += v[r * cols + c - 1];
      break;
    case bin::CpuFn::SortDesc:
      for (int64_t r = 0; r < rows; ++r)
        std::stable_sort(v.begin() + r * cols, v.begin() + (r + 1) * cols,
                         [](float x, float y) { return x > y; });
      break;
    case bin::CpuFn::ArgMax: {
      std::vector<int64_t> o(rows);
      for (int64_t r = 0; r < rows; ++r)
        o[r] =
            std::max_element(v.begin() + r * cols, v.begin() + (r + 1) * cols) -
            (v.begin() + r * cols);
      storeI(base(0), d, o.data(), false);
      return true;
    }
    }
    if (dInt && !isFloatDType(s.dtype) &&
        in.ints[0] == (int64_t)bin::CpuFn::Copy) {
      std::vector<int64_t> vi(n);
      loadI(base(1), s, vi.data());
      storeI(base(0), d, vi.data(), false);
      return true;
    }
    storeF(base(0), d, v.data(), true);
    return true;
  }

  case OpClass::Sync:
  case OpClass::End:
  case OpClass::Prefetch: // fills L2 lines: no data changes
  case OpClass::Discard:  // the scalar unit's (Simulator.cpp)
    return true;
  case OpClass::SAlu: // the scalar unit runs these (Simulator.cpp)
  case OpClass::SLoad:
  case OpClass::SStore:
  case OpClass::Loop:
  case OpClass::EndLoop:
  case OpClass::Skip:
  case OpClass::SArg:
    return true;
  }
  return true;
}

} // namespace tessera::sim
