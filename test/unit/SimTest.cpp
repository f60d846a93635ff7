//===- SimTest.cpp - Simulator semantics, timing, checks, calibration -----===//
#include "Presets.h"
#include "tessera/Sim/Programs.h"
#include "tessera/Sim/Simulator.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <random>

using namespace tessera;
using namespace tessera::bin;
using target::Pipe;
using target::Space;

namespace {
using unittest::preset;

Instr flag(Opcode op, Pipe a, Pipe b, int id = 0) {
  return sim::makeInstr(op, {}, {(int64_t)a, (int64_t)b, id});
}

/// Builds a one-core dc program: inputs are loaded GM -> UB (vector core) or
/// GM -> L1 (cube core), `body` runs, outputs are stored back.
struct Harness {
  Program p;
  CoreStream s;
  std::map<std::string, Tensor> inputs;
  uint64_t gm = 0;
  std::vector<std::pair<Tile, Tile>> stores; // (gm, local)

  explicit Harness(uint32_t coreType = 1) {
    p.name = "t";
    setTarget(p, preset("dc"));
    s.coreType = coreType;
  }
  /// Allocates `t` in GM as input `name` and loads it into UB at `ubOff`.
  Tile in(const std::string &name, const Tensor &t, uint64_t ubOff) {
    Tile g = makeTile(Space::GM, gm, t.dtype(), t.shape());
    p.io.push_back({name, false, t.dtype(), t.shape(), gm, Layout::ND});
    inputs[name] = t;
    gm += (g.endByte() - g.offset + 63) / 64 * 64;
    Tile u = makeTile(Space::UB, ubOff, t.dtype(), t.shape());
    s.instrs.push_back(sim::makeInstr(Opcode::DmaLd, {u, g}));
    return u;
  }
  void startCompute() {
    s.instrs.push_back(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::V));
    s.instrs.push_back(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::V));
  }
  void op(const Instr &i) { s.instrs.push_back(i); }
  void out(const std::string &name, const Tile &u) {
    Shape sh(u.shape, u.shape + u.rank);
    Tile g = makeTile(Space::GM, gm, u.dtype, sh);
    p.io.push_back({name, true, u.dtype, sh, gm, Layout::ND});
    gm += (g.endByte() - g.offset + 63) / 64 * 64;
    stores.push_back({g, u});
  }
  /// Runs; returns false and the error on failure.
  bool run(std::map<std::string, Tensor> &outs, std::string &err,
           sim::Stats *stats = nullptr, sim::SimOptions opts = {}) {
    s.instrs.push_back(flag(Opcode::SetFlag, Pipe::V, Pipe::MTE3));
    s.instrs.push_back(flag(Opcode::WaitFlag, Pipe::V, Pipe::MTE3));
    for (auto &st : stores)
      s.instrs.push_back(sim::makeInstr(Opcode::DmaSt, {st.first, st.second}));
    s.instrs.push_back(sim::makeInstr(Opcode::End, {}));
    p.gmBytes = gm;
    p.streams.push_back(s);
    sim::Simulator sim(preset("dc"), opts);
    sim::Stats st;
    bool ok = sim.run(p, inputs, outs, st, err);
    if (stats)
      *stats = st;
    return ok;
  }
};

Tensor floats(DType dt, Shape shape, std::vector<float> v) {
  return Tensor::fromFloats(dt, shape, v);
}
Tensor ints(DType dt, Shape shape, std::vector<int64_t> v) {
  return Tensor::fromInts(dt, shape, v);
}
} // namespace

TEST(SimSemantics, Bf16RoundsToNearestEven) {
  Harness h;
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even 1.0.
  // 1 + 3*2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: even is 1 + 2^-6.
  Tensor x = floats(DType::F32, {8},
                    {1.00390625f, 1.01171875f, 1.0039064f, -1.00390625f, 3.0f,
                     1e-40f, 65504.0f, 3.40282347e38f});
  Tile u = h.in("x", x, 0);
  h.startCompute();
  Tile b = makeTile(Space::UB, 1024, DType::BF16, {8});
  h.op(sim::makeInstr(Opcode::VCast, {b, u}, {0}));
  h.out("y", b);
  std::map<std::string, Tensor> o;
  std::string err;
  ASSERT_TRUE(h.run(o, err)) << err;
  const Tensor &y = o["y"];
  EXPECT_EQ(y.getF(0), 1.0f);
  EXPECT_EQ(y.getF(1), 1.015625f);
  EXPECT_EQ(y.getF(2), 1.0078125f);
  EXPECT_EQ(y.getF(3), -1.0f);
  EXPECT_EQ(y.getF(4), 3.0f);
  EXPECT_EQ(y.getF(6), 65536.0f);
  EXPECT_TRUE(std::isinf(y.getF(7))); // rounds past the largest bf16
}

TEST(SimSemantics, Bf16ArithmeticRoundsEachResult) {
  Harness h;
  Tensor a = floats(DType::BF16, {4}, {1.0f, 1.0078125f, 256.0f, 3.0f});
  Tensor b = floats(DType::BF16, {4}, {0.00390625f, 0.00390625f, 1.0f, 7.0f});
  Tile ua = h.in("a", a, 0), ub = h.in("b", b, 64);
  h.startCompute();
  Tile sum = makeTile(Space::UB, 128, DType::BF16, {4});
  Tile prod = makeTile(Space::UB, 192, DType::BF16, {4});
  h.op(sim::makeInstr(Opcode::VAdd, {sum, ua, ub}, {0}));
  h.op(sim::makeInstr(Opcode::VMul, {prod, ua, ub}, {0}));
  h.out("sum", sum);
  h.out("prod", prod);
  std::map<std::string, Tensor> o;
  std::string err;
  ASSERT_TRUE(h.run(o, err)) << err;
  EXPECT_EQ(o["sum"].getF(0), 1.0f);      // 1.00390625 ties to even
  EXPECT_EQ(o["sum"].getF(1), 1.015625f); // 1.01171875 ties to even
  EXPECT_EQ(o["sum"].getF(2), 256.0f);    // 257 is not a bf16: ties to 256
  EXPECT_EQ(o["prod"].getF(3), 21.0f);
}

TEST(SimSemantics, F16RoundsToNearestEven) {
  Harness h;
  Tile u = h.in("x", floats(DType::F32, {3}, {2049.0f, 2051.0f, 70000.0f}), 0);
  h.startCompute();
  Tile d = makeTile(Space::UB, 256, DType::F16, {3});
  h.op(sim::makeInstr(Opcode::VCast, {d, u}, {0}));
  h.out("y", d);
  std::map<std::string, Tensor> o;
  std::string err;
  ASSERT_TRUE(h.run(o, err)) << err;
  EXPECT_EQ(o["y"].getF(0), 2048.0f);
  EXPECT_EQ(o["y"].getF(1), 2052.0f);
  EXPECT_TRUE(std::isinf(o["y"].getF(2)));
}

TEST(SimSemantics, IntegersWrapOrSaturate) {
  Harness h;
  Tensor a = ints(DType::I8, {4}, {100, -100, 127, 5});
  Tensor b = ints(DType::I8, {4}, {100, -100, 1, 3});
  Tile ua = h.in("a", a, 0), ub = h.in("b", b, 64);
  Tile f =
      h.in("f", floats(DType::F32, {4}, {300.7f, -1.5f, 2.5f, -400.0f}), 128);
  h.startCompute();
  Tile wrap = makeTile(Space::UB, 256, DType::I8, {4});
  Tile sat = makeTile(Space::UB, 288, DType::I8, {4});
  Tile cst = makeTile(Space::UB, 320, DType::I8, {4});
  Tile cwr = makeTile(Space::UB, 352, DType::I8, {4});
  h.op(sim::makeInstr(Opcode::VAdd, {wrap, ua, ub}, {0}));
  h.op(sim::makeInstr(Opcode::VAdd, {sat, ua, ub}, {1}));
  h.op(sim::makeInstr(Opcode::VCast, {cst, f}, {1}));
  h.op(sim::makeInstr(Opcode::VCast, {cwr, f}, {0}));
  h.out("wrap", wrap);
  h.out("sat", sat);
  h.out("cst", cst);
  h.out("cwr", cwr);
  std::map<std::string, Tensor> o;
  std::string err;
  ASSERT_TRUE(h.run(o, err)) << err;
  EXPECT_EQ(o["wrap"].ints(), (std::vector<int64_t>{-56, 56, -128, 8}));
  EXPECT_EQ(o["sat"].ints(), (std::vector<int64_t>{127, -128, 127, 8}));
  // Round to nearest even, then saturate or wrap.
  EXPECT_EQ(o["cst"].ints(), (std::vector<int64_t>{127, -2, 2, -128}));
  EXPECT_EQ(o["cwr"].ints(), (std::vector<int64_t>{45, -2, 2, 112}));
}

TEST(SimSemantics, MultiplyAddRoundsOnceAndMayAccumulateInPlace) {
  // (1 + 2^-12)^2 - (1 + 2^-11) is 2^-24: the product rounded to f32 first
  // (a vmul, then a vadd) gives 0.
  Harness h;
  float e = 1.0f + std::ldexp(1.0f, -12), f = 1.0f + std::ldexp(1.0f, -11);
  Tile a = h.in("a", floats(DType::F32, {2, 1}, {e, 2.0f}), 0);
  Tile b = h.in("b", floats(DType::F32, {2, 4}, {e, e, e, e, 1, 2, 3, 4}), 64);
  Tile c = h.in(
      "c", floats(DType::F32, {2, 4}, {-f, -f, -f, -f, 10, 20, 30, 40}), 128);
  h.startCompute();
  Tile prod = makeTile(Space::UB, 192, DType::F32, {2, 4}),
       twoStep = makeTile(Space::UB, 256, DType::F32, {2, 4});
  h.op(sim::makeInstr(Opcode::VMul, {prod, a, b}, {0}));
  h.op(sim::makeInstr(Opcode::VAdd, {twoStep, prod, c}, {0}));
  h.op(sim::makeInstr(Opcode::VMla, {c, a, b, c})); // into its addend
  h.out("c", c);
  h.out("twoStep", twoStep);
  std::map<std::string, Tensor> o;
  std::string err;
  ASSERT_TRUE(h.run(o, err)) << err;
  float tiny = std::ldexp(1.0f, -24);
  EXPECT_EQ(o["c"].floats(),
            (std::vector<float>{tiny, tiny, tiny, tiny, 12, 24, 36, 48}));
  EXPECT_EQ(o["twoStep"].getF(0), 0.0f);
}

TEST(SimSemantics, VectorOpsMatchTheirDefinitions) {
  Harness h;
  std::vector<float> xv = {-2.0f, -0.5f, 0.0f, 0.25f, 1.0f, 1.5f, 3.0f, 4.0f};
  Tile x = h.in("x", floats(DType::F32, {2, 4}, xv), 0);
  Tile r = h.in("r", floats(DType::F32, {2, 1}, {10.0f, 20.0f}), 64);
  h.startCompute();
  auto t = [](uint64_t off, Shape s, DType d = DType::F32) {
    return makeTile(Space::UB, off, d, s);
  };
  Tile exp = t(256, {2, 4}), silu = t(320, {2, 4}), bc = t(384, {2, 4}),
       sum = t(448, {2, 1}), mx = t(480, {2, 1}), tr = t(512, {4, 2}),
       cmp = t(576, {2, 4}, DType::U8), sel = t(640, {2, 4}),
       dup = t(704, {2, 4}), adds = t(768, {2, 4}), tv = t(832, {2, 2}),
       ti = t(864, {2, 2}, DType::I32), rs = t(896, {2, 4});
  h.op(sim::makeInstr(Opcode::VExp, {exp, x}));
  h.op(sim::makeInstr(Opcode::VSilu, {silu, x}));
  h.op(sim::makeInstr(Opcode::VAdd, {bc, x, r}, {0})); // row broadcast
  h.op(sim::makeInstr(Opcode::VRedSum, {sum, x}));
  h.op(sim::makeInstr(Opcode::VRedMax, {mx, x}));
  h.op(sim::makeInstr(Opcode::VTrans, {tr, x}));
  h.op(sim::makeInstr(Opcode::VDup,
                      {
                          dup,
                      },
                      {}, 0.5f));
  h.op(sim::makeInstr(Opcode::VCmp, {cmp, x, dup}, {(int64_t)CmpKind::GT}));
  h.op(sim::makeInstr(Opcode::VSel, {sel, cmp, x, dup}));
  h.op(sim::makeInstr(Opcode::VAddS, {adds, x}, {}, -1.0f));
  h.op(sim::makeInstr(Opcode::VTopK, {tv, ti, x}, {2}));
  h.op(sim::makeInstr(Opcode::VRsqrt, {rs, exp}));
  for (auto [n, tl] : std::vector<std::pair<std::string, Tile>>{{"exp", exp},
                                                                {"silu", silu},
                                                                {"bc", bc},
                                                                {"sum", sum},
                                                                {"mx", mx},
                                                                {"tr", tr},
                                                                {"cmp", cmp},
                                                                {"sel", sel},
                                                                {"adds", adds},
                                                                {"tv", tv},
                                                                {"ti", ti},
                                                                {"rs", rs}})
    h.out(n, tl);
  std::map<std::string, Tensor> o;
  std::string err;
  ASSERT_TRUE(h.run(o, err)) << err;
  for (int i = 0; i < 8; ++i) {
    float v = xv[i];
    EXPECT_FLOAT_EQ(o["exp"].getF(i), std::exp(v));
    EXPECT_FLOAT_EQ(o["silu"].getF(i), v / (1.0f + std::exp(-v)));
    EXPECT_EQ(o["bc"].getF(i), v + (i < 4 ? 10.0f : 20.0f));
    EXPECT_EQ(o["cmp"].getI(i), v > 0.5f ? 1 : 0);
    EXPECT_EQ(o["sel"].getF(i), v > 0.5f ? v : 0.5f);
    EXPECT_EQ(o["adds"].getF(i), v - 1.0f);
    EXPECT_FLOAT_EQ(o["rs"].getF(i), 1.0f / std::sqrt(std::exp(v)));
  }
  EXPECT_EQ(o["sum"].floats(), (std::vector<float>{-2.25f, 9.5f}));
  EXPECT_EQ(o["mx"].floats(), (std::vector<float>{0.25f, 4.0f}));
  EXPECT_EQ(o["tr"].floats(), (std::vector<float>{-2.0f, 1.0f, -0.5f, 1.5f,
                                                  0.0f, 3.0f, 0.25f, 4.0f}));
  EXPECT_EQ(o["tv"].floats(), (std::vector<float>{0.25f, 0.0f, 4.0f, 3.0f}));
  EXPECT_EQ(o["ti"].ints(), (std::vector<int64_t>{3, 2, 3, 2}));
}

namespace {
/// c = a * b through L1/L0 on one cube core, fixed out as `outType`.
bool runMatmul(DType inType, DType outType, const Tensor &a, const Tensor &b,
               Tensor &c, std::string &err) {
  int64_t m = a.dim(0), k = a.dim(1), n = b.dim(1);
  Program p;
  setTarget(p, preset("dc"));
  CoreStream s;
  s.coreType = 0;
  uint64_t bOff = 4096, cOff = 8192;
  p.gmBytes = 16384;
  p.io.push_back({"a", false, inType, {m, k}, 0, Layout::ND});
  p.io.push_back({"b", false, inType, {k, n}, bOff, Layout::ND});
  p.io.push_back({"c", true, outType, {m, n}, cOff, Layout::ND});
  auto &ins = s.instrs;
  Tile l1a = makeTile(Space::L1, 0, inType, {m, k}, Layout::NZ);
  Tile l1b = makeTile(Space::L1, 8192, inType, {k, n}, Layout::NZ);
  ins.push_back(sim::makeInstr(Opcode::DmaLd,
                               {l1a, makeTile(Space::GM, 0, inType, {m, k})}));
  ins.push_back(sim::makeInstr(
      Opcode::DmaLd, {l1b, makeTile(Space::GM, bOff, inType, {k, n})}));
  ins.push_back(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::MTE1));
  ins.push_back(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::MTE1));
  Tile l0a = makeTile(Space::L0A, 0, inType, {m, k}, Layout::NZ);
  Tile l0b = makeTile(Space::L0B, 0, inType, {k, n}, Layout::NZ);
  ins.push_back(sim::makeInstr(Opcode::Mv, {l0a, l1a}, {0}));
  ins.push_back(sim::makeInstr(Opcode::Mv, {l0b, l1b}, {0}));
  ins.push_back(flag(Opcode::SetFlag, Pipe::MTE1, Pipe::M));
  ins.push_back(flag(Opcode::WaitFlag, Pipe::MTE1, Pipe::M));
  DType acc = inType == DType::I8 ? DType::I32 : DType::F32;
  Tile l0c = makeTile(Space::L0C, 0, acc, {m, n});
  ins.push_back(sim::makeInstr(Opcode::Mmad, {l0c, l0a, l0b}, {0}));
  ins.push_back(flag(Opcode::SetFlag, Pipe::M, Pipe::FIX));
  ins.push_back(flag(Opcode::WaitFlag, Pipe::M, Pipe::FIX));
  ins.push_back(sim::makeInstr(
      Opcode::Fix, {makeTile(Space::GM, cOff, outType, {m, n}), l0c}, {0},
      1.0f));
  ins.push_back(sim::makeInstr(Opcode::End, {}));
  p.streams.push_back(s);
  sim::Simulator sim(preset("dc"));
  std::map<std::string, Tensor> in{{"a", a}, {"b", b}}, out;
  sim::Stats st;
  if (!sim.run(p, in, out, st, err))
    return false;
  c = out["c"];
  return true;
}
} // namespace

TEST(SimSemantics, MmadAccumulatesInF32AndFixRounds) {
  int64_t m = 32, k = 32, n = 16;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-2, 2);
  Tensor a(DType::BF16, {m, k}), b(DType::BF16, {k, n});
  for (int64_t i = 0; i < a.numElements(); ++i)
    a.setF(i, d(rng));
  for (int64_t i = 0; i < b.numElements(); ++i)
    b.setF(i, d(rng));
  Tensor c;
  std::string err;
  ASSERT_TRUE(runMatmul(DType::BF16, DType::BF16, a, b, c, err)) << err;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0; // f32 accumulation in k order, as L0C does
      for (int64_t p = 0; p < k; ++p)
        acc += a.getF(i * k + p) * b.getF(p * n + j);
      EXPECT_EQ(c.getF(i * n + j), roundToBF16(acc)) << i << "," << j;
    }
}

TEST(SimSemantics, Int8MmadAccumulatesInI32) {
  int64_t m = 16, k = 32, n = 32;
  Tensor a(DType::I8, {m, k}), b(DType::I8, {k, n});
  for (int64_t i = 0; i < a.numElements(); ++i)
    a.setI(i, (i * 37) % 255 - 127);
  for (int64_t i = 0; i < b.numElements(); ++i)
    b.setI(i, (i * 91) % 251 - 125);
  Tensor c;
  std::string err;
  ASSERT_TRUE(runMatmul(DType::I8, DType::I32, a, b, c, err)) << err;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t acc = 0;
      for (int64_t p = 0; p < k; ++p)
        acc += a.getI(i * k + p) * b.getI(p * n + j);
      EXPECT_EQ(c.getI(i * n + j), acc);
    }
}

TEST(SimSemantics, GatherAndOutOfBoundsIndex) {
  for (int bad = 0; bad < 2; ++bad) {
    Harness h;
    Tensor table = floats(DType::F32, {4, 8}, std::vector<float>(32, 0));
    for (int i = 0; i < 32; ++i)
      table.setF(i, (float)i);
    Tile idx = h.in("idx", ints(DType::I32, {3}, {2, bad ? 4 : 0, 3}), 0);
    Tile tg = makeTile(Space::GM, 1024, DType::F32, {4, 8});
    h.p.io.push_back({"table", false, DType::F32, {4, 8}, 1024, Layout::ND});
    h.inputs["table"] = table;
    h.gm = 2048;
    h.startCompute();
    h.op(flag(Opcode::SetFlag, Pipe::V, Pipe::MTE2));
    h.op(flag(Opcode::WaitFlag, Pipe::V, Pipe::MTE2));
    Tile rows = makeTile(Space::UB, 256, DType::F32, {3, 8});
    h.op(sim::makeInstr(Opcode::DmaGather, {rows, tg, idx}));
    h.op(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::V, 1));
    h.op(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::V, 1));
    h.out("rows", rows);
    std::map<std::string, Tensor> o;
    std::string err;
    if (bad) {
      EXPECT_FALSE(h.run(o, err));
      EXPECT_NE(err.find("vector#0 instr"), std::string::npos) << err;
      EXPECT_NE(
          err.find("(dma_gather on MTE2): out-of-bounds gather: index[1] = 4 "
                   "but the table in GM has 4 rows"),
          std::string::npos)
          << err;
      continue;
    }
    ASSERT_TRUE(h.run(o, err)) << err;
    EXPECT_EQ(o["rows"].getF(0), 16.0f);
    EXPECT_EQ(o["rows"].getF(8), 0.0f);
    EXPECT_EQ(o["rows"].getF(23), 31.0f);
  }
}

// A gather looks the rows its index selects up in the L2 like any transfer:
// gathering the same two rows again reads nothing more from DRAM, and a
// scatter's rows stay in the write-back L2 as dirty lines. Without values
// (--no-functional) the rows are unknown: every gathered row is a miss and
// a scatter writes through.
TEST(SimTiming, GatherAndScatterLookTheirRowsUpInTheL2) {
  for (bool functional : {true, false}) {
    Harness h;
    Tile idx = h.in("idx", ints(DType::I32, {2}, {5, 9}), 0);
    uint64_t tableAt = 4096, dstAt = tableAt + 16 * 512;
    h.p.io.push_back(
        {"table", false, DType::F32, {16, 128}, tableAt, Layout::ND});
    h.inputs["table"] = Tensor(DType::F32, {16, 128});
    h.p.io.push_back({"dst", true, DType::F32, {16, 128}, dstAt, Layout::ND});
    h.gm = dstAt + 16 * 512;
    Tile table = makeTile(Space::GM, tableAt, DType::F32, {16, 128});
    Tile dst = makeTile(Space::GM, dstAt, DType::F32, {16, 128});
    Tile rows = makeTile(Space::UB, 1024, DType::F32, {2, 128});
    Tile again = makeTile(Space::UB, 2048, DType::F32, {2, 128});
    h.op(sim::makeInstr(Opcode::DmaGather, {rows, table, idx}));
    h.op(sim::makeInstr(Opcode::DmaGather, {again, table, idx}));
    h.startCompute();
    h.op(flag(Opcode::SetFlag, Pipe::V, Pipe::MTE3));
    h.op(flag(Opcode::WaitFlag, Pipe::V, Pipe::MTE3));
    h.op(sim::makeInstr(Opcode::DmaScatter, {dst, rows, idx}));
    std::map<std::string, Tensor> o;
    std::string err;
    sim::Stats st;
    sim::SimOptions opts;
    opts.functional = functional;
    ASSERT_TRUE(h.run(o, err, &st, opts)) << err;
    // The index's line, then the two rows once or twice.
    EXPECT_EQ(st.dramReadBytes, 512u + (functional ? 1u : 2u) * 2 * 512)
        << "functional " << functional;
    EXPECT_EQ(st.l2HitBytes, functional ? 2u * 512 : 0u);
    EXPECT_EQ(st.dramWriteBytes, functional ? 0u : 2u * 512);
    if (functional) {
      EXPECT_EQ(o["dst"].getF(5 * 128), 0.0f);
    }
  }
}

/// Stores 512 floats of 2.0 to four fresh 512-byte GM lines (dirty in dc's
/// write-back L2), then after a barrier runs `l2Op` (if any) over all but
/// their first 256 bytes, and loads them back into output "y".
static void runStoreThenL2Op(std::optional<Opcode> l2Op,
                             std::map<std::string, Tensor> &o, sim::Stats &st) {
  Harness h;
  Tile x = h.in("x", floats(DType::F32, {512}, std::vector<float>(512, 2)), 0);
  uint64_t scratchAt = h.gm; // 2048: four 512-byte lines
  ASSERT_EQ(scratchAt % 512, 0u);
  h.gm += 2048;
  Tile scratch = makeTile(Space::GM, scratchAt, DType::F32, {512});
  Tile back = makeTile(Space::UB, 4096, DType::F32, {512});
  h.startCompute();
  h.op(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::MTE3));
  h.op(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::MTE3));
  h.op(sim::makeInstr(Opcode::DmaSt, {scratch, x}));
  h.op(sim::makeInstr(Opcode::Barrier, {}, {bin::kBarrierAll}));
  if (l2Op)
    h.op(sim::makeInstr(*l2Op, {makeTile(Space::GM, scratchAt + 256, DType::U8,
                                         {2048 - 256})}));
  h.op(sim::makeInstr(Opcode::DmaLd, {back, scratch}));
  h.startCompute();
  h.out("y", back);
  std::string err;
  ASSERT_TRUE(h.run(o, err, &st)) << err;
}

// l2_discard drops the dirty lines wholly inside its range from the
// write-back L2 without writing them to DRAM; the line it covers only in
// part stays. The dropped bytes are undefined: a functional run reads them
// back as 0xFF (NaN), so a program that discards data it still needs fails
// its check instead of passing by luck.
TEST(SimTiming, DiscardDropsDirtyLinesWithoutWritingThem) {
  std::map<std::string, Tensor> kept, o;
  sim::Stats keptSt, st;
  runStoreThenL2Op(std::nullopt, kept, keptSt);
  for (int i = 0; i < 512; ++i)
    ASSERT_EQ(kept["y"].getF(i), 2.0f) << i;
  EXPECT_EQ(keptSt.l2DiscardedBytes, 0u);
  runStoreThenL2Op(Opcode::L2Discard, o, st);
  EXPECT_EQ(st.l2DiscardedBytes, 3u * 512);
  EXPECT_EQ(st.l2DirtyBytes, keptSt.l2DirtyBytes - 3 * 512);
  // The three dropped lines are read again from DRAM.
  EXPECT_EQ(st.dramReadBytes, keptSt.dramReadBytes + 3 * 512);
  EXPECT_EQ(st.dramWriteBytes, 0u);
  for (int i = 0; i < 128; ++i) // the line covered in part
    ASSERT_EQ(o["y"].getF(i), 2.0f) << i;
  for (int i = 128; i < 512; ++i)
    ASSERT_TRUE(std::isnan(o["y"].getF(i))) << i;
  nlohmann::json j = nlohmann::json::parse(st.toJson(), nullptr, false);
  EXPECT_EQ(j["l2_discarded_bytes"], 3u * 512);
}

// l2_evict writes the dirty lines wholly inside its range to DRAM and drops
// them; memory keeps its bytes (a weight tile its one reader has loaded
// leaves the L2, a partly covered line stays).
TEST(SimTiming, EvictWritesBackAndDropsLinesKeepingTheirBytes) {
  std::map<std::string, Tensor> kept, o;
  sim::Stats keptSt, st;
  runStoreThenL2Op(std::nullopt, kept, keptSt);
  EXPECT_EQ(keptSt.l2EvictedBytes, 0u);
  runStoreThenL2Op(Opcode::L2Evict, o, st);
  for (int i = 0; i < 512; ++i)
    ASSERT_EQ(o["y"].getF(i), 2.0f) << i;
  EXPECT_EQ(st.l2EvictedBytes, 3u * 512);
  EXPECT_EQ(st.l2DiscardedBytes, 0u);
  EXPECT_EQ(st.l2DirtyBytes, keptSt.l2DirtyBytes - 3 * 512);
  // The three lines went to DRAM dirty and come back from it.
  EXPECT_EQ(st.dramWriteBytes, keptSt.dramWriteBytes + 3 * 512);
  EXPECT_EQ(st.dramReadBytes, keptSt.dramReadBytes + 3 * 512);
  nlohmann::json j = nlohmann::json::parse(st.toJson(), nullptr, false);
  EXPECT_EQ(j["l2_evicted_bytes"], 3u * 512);
}

// l2_prefetch of a strided tile asks the cache engine for the lines its
// elements touch, neighbouring elements in one request (one request per
// element queued millions for a fuzzed tile, and the simulator ran out of
// memory): the engine reads whole lines of the tile's span, none outside.
TEST(SimTiming, StridedPrefetchReadsOnlyTheTouchedLines) {
  Harness h;
  Tile x = h.in("x", floats(DType::F32, {4}, {1, 2, 3, 4}), 0);
  uint64_t at = (h.gm + 511) / 512 * 512;
  h.gm = at + (1 << 20);
  // 65536 floats 16 bytes apart (every line of 1 MiB), then 64 floats
  // 4096 bytes apart (one line in eight of the first 256 KiB).
  Tile dense = makeTile(Space::GM, at, DType::F32, {65536});
  dense.strides[0] = 4;
  Tile sparse = makeTile(Space::GM, at, DType::F32, {64});
  sparse.strides[0] = 4096;
  h.startCompute();
  h.op(sim::makeInstr(Opcode::L2Prefetch, {dense}));
  h.op(sim::makeInstr(Opcode::L2Prefetch, {sparse}));
  h.startCompute();
  h.out("y", x);
  std::map<std::string, Tensor> o;
  std::string err;
  sim::Stats st;
  ASSERT_TRUE(h.run(o, err, &st)) << err;
  // The sparse tile's lines are all among the dense one's (if the engine
  // got to them before the run ended: it reads at most what was asked).
  EXPECT_LE(st.l2PrefetchReadBytes, 1u << 20);
  EXPECT_EQ(st.l2PrefetchReadBytes % 512, 0u);
  EXPECT_GT(st.l2PrefetchReadBytes, 0u);
}

// Stats::constantBytesRead counts each constant byte a run read once, in
// whole DRAM lines (512 bytes on dc), and a gather's rows as moved: token
// generation's roofline bound counts these instead of every constant.
TEST(SimStats, ConstantBytesReadCountsWhatTheRunRead) {
  Harness h;
  Tile idx = h.in("idx", ints(DType::I32, {2}, {3, 3}), 0);
  auto addConst = [&](const char *name, uint64_t addr, uint64_t size) {
    ConstBlob c;
    c.name = name;
    c.gmAddr = addr;
    c.size = size;
    c.data.assign(size, 0);
    h.p.consts.push_back(c);
  };
  addConst("table", 4096, 16 * 512); // 16 rows of 128 f32
  addConst("dense", 12288, 2048);
  addConst("partly_read", 14336, 4096);
  h.gm = 18432;
  Tile table = makeTile(Space::GM, 4096, DType::F32, {16, 128});
  Tile dense = makeTile(Space::GM, 12288, DType::F32, {512});
  Tile firstWords = makeTile(Space::GM, 14336, DType::F32, {16});
  Tile rows = makeTile(Space::UB, 1024, DType::F32, {2, 128});
  h.op(sim::makeInstr(Opcode::DmaLd,
                      {makeTile(Space::UB, 4096, DType::F32, {512}), dense}));
  h.op(sim::makeInstr(Opcode::DmaLd,
                      {makeTile(Space::UB, 8192, DType::F32, {512}), dense}));
  h.op(sim::makeInstr(
      Opcode::DmaLd,
      {makeTile(Space::UB, 12288, DType::F32, {16}), firstWords}));
  h.op(sim::makeInstr(Opcode::DmaGather, {rows, table, idx}));
  h.startCompute();
  h.out("rows", rows);
  std::map<std::string, Tensor> o;
  std::string err;
  sim::Stats st;
  ASSERT_TRUE(h.run(o, err, &st)) << err;
  // Two gathered rows (the same row twice: both moved), the dense constant
  // once although loaded twice, one 512-byte line of the partly read one.
  EXPECT_EQ(st.constantBytesRead, 2u * 512 + 2048 + 512);
  // The simulator's own bound counts every constant whole.
  EXPECT_EQ(st.compulsoryDramBytes, 8u + 16 * 512 + 2048 + 4096 + 2 * 512);
  nlohmann::json j = nlohmann::json::parse(st.toJson(), nullptr, false);
  EXPECT_EQ(j["constant_bytes_read"], 2u * 512 + 2048 + 512);
}

// Constants are read where the program holds them until GM bytes of theirs
// are written (lib/Sim/ConstOverlay.h); a load after a store into part of a
// constant sees the stored bytes and the constant's others, and so does a
// scalar load.
TEST(SimSemantics, StoreIntoAConstantIsSeenByLaterLoads) {
  Harness h;
  std::vector<float> vals(16);
  for (int i = 0; i < 16; ++i)
    vals[i] = (float)(i + 1);
  ConstBlob c;
  c.name = "w";
  c.gmAddr = 0;
  c.size = 64;
  c.data.resize(64);
  std::memcpy(c.data.data(), vals.data(), 64);
  h.p.consts.push_back(c);
  h.gm = 64;
  Tile whole = makeTile(Space::GM, 0, DType::F32, {16});
  Tile u0 = makeTile(Space::UB, 0, DType::F32, {16});
  Tile u1 = makeTile(Space::UB, 64, DType::F32, {8});
  Tile u2 = makeTile(Space::UB, 128, DType::F32, {16});
  h.op(sim::makeInstr(Opcode::DmaLd, {u0, whole}));
  h.startCompute();
  h.op(sim::makeInstr(Opcode::VAddS,
                      {u1, makeTile(Space::UB, 0, DType::F32, {8})}, {},
                      100.0f));
  h.op(flag(Opcode::SetFlag, Pipe::V, Pipe::MTE3));
  h.op(flag(Opcode::WaitFlag, Pipe::V, Pipe::MTE3));
  // Elements 4..11 of the constant become 101..108.
  h.op(sim::makeInstr(Opcode::DmaSt,
                      {makeTile(Space::GM, 16, DType::F32, {8}), u1}));
  h.op(flag(Opcode::SetFlag, Pipe::MTE3, Pipe::MTE2));
  h.op(flag(Opcode::WaitFlag, Pipe::MTE3, Pipe::MTE2));
  h.op(sim::makeInstr(Opcode::DmaLd, {u2, whole}));
  h.op(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::V));
  h.op(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::V));
  h.out("y", u2);
  std::map<std::string, Tensor> o;
  std::string err;
  ASSERT_TRUE(h.run(o, err)) << err;
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(o["y"].getD(i), i >= 4 && i < 12 ? 101.0 + (i - 4) : i + 1.0)
        << "element " << i;
}

TEST(SimChecks, MissingWaitIsARace) {
  Harness h;
  Tile u = h.in("x", floats(DType::F32, {64}, std::vector<float>(64, 1.0f)), 0);
  // No set/wait between the load and the vector op.
  Tile d = makeTile(Space::UB, 512, DType::F32, {64});
  h.op(sim::makeInstr(Opcode::VExp, {d, u}));
  h.out("y", d);
  std::map<std::string, Tensor> o;
  std::string err;
  EXPECT_FALSE(h.run(o, err));
  EXPECT_NE(err.find("race on UB"), std::string::npos) << err;
  EXPECT_NE(err.find("(vexp on V) reads"), std::string::npos) << err;
  EXPECT_NE(err.find("(dma_ld on MTE2) writes"), std::string::npos) << err;
}

TEST(SimChecks, NeverSetFlagIsADeadlock) {
  Harness h;
  Tile u = h.in("x", floats(DType::F32, {64}, std::vector<float>(64, 1.0f)), 0);
  h.op(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::V, 3)); // nobody sets #3
  h.out("y", u);
  std::map<std::string, Tensor> o;
  std::string err;
  EXPECT_FALSE(h.run(o, err));
  EXPECT_NE(
      err.find("deadlock: vector#0 instr 1 (wait_flag on V) waits for flag "
               "MTE2->V #3, which is never set"),
      std::string::npos)
      << err;
}

TEST(SimChecks, RemovingOneWaitFromTheGemmIsReported) {
  sim::GemmConfig cfg;
  cfg.m = 256;
  cfg.n = 512;
  cfg.k = 512;
  cfg.cores = 2;
  Program p;
  std::string err;
  ASSERT_TRUE(sim::buildGemmProgram(preset("dc"), cfg, p, err)) << err;
  std::map<std::string, Tensor> in{{"a", Tensor(DType::BF16, {256, 512})},
                                   {"b", Tensor(DType::BF16, {512, 512})}},
      out;
  sim::Stats st;
  sim::SimOptions opts;
  opts.functional = false;
  // The intact program runs clean.
  ASSERT_TRUE(sim::Simulator(preset("dc"), opts).run(p, in, out, st, err))
      << err;
  // Drop each kind of wait once: every removal is caught as a race.
  for (Pipe src : {Pipe::MTE2, Pipe::MTE1, Pipe::M, Pipe::FIX}) {
    Program q = p;
    auto &ins = q.streams[1].instrs;
    auto it = std::find_if(ins.begin() + 40, ins.end(), [&](const Instr &i) {
      return i.op == Opcode::WaitFlag && i.ints[0] == (int64_t)src;
    });
    ASSERT_NE(it, ins.end());
    ins.erase(it);
    EXPECT_FALSE(sim::Simulator(preset("dc"), opts).run(q, in, out, st, err))
        << "removing a wait from " << target::pipeName(src);
    EXPECT_NE(err.find("race on"), std::string::npos) << err;
    EXPECT_NE(err.find("cube#1"), std::string::npos) << err;
  }
}

TEST(SimTiming, DmaCostIsLatencyPlusBytesOverBandwidth) {
  const auto &t = preset("dc");
  Harness h;
  int64_t n = 16384; // 64 KiB
  h.in("x", Tensor(DType::F32, {n}), 0);
  h.startCompute();
  std::map<std::string, Tensor> o;
  std::string err;
  sim::Stats st;
  ASSERT_TRUE(h.run(o, err, &st)) << err;
  const auto *path = t.findPath(Space::GM, Space::UB);
  double expect = path->latencyCycles + t.dramLatencyCycles +
                  65536.0 / t.dramPerCoreBytesPerCycle;
  EXPECT_NEAR(st.kernelCycles, expect, 0.05 * expect);
  EXPECT_EQ(st.dramReadBytes, 65536u);
  EXPECT_EQ(st.pipes["MTE2"].instrs, 2u); // the load and the set_flag
}

TEST(SimTiming, WriteBackL2KeepsStoresUntilTheirLinesAreEvicted) {
  // One vector core stores a 64 KiB tile to the same GM lines four times,
  // then streams 256 KiB through a 128 KiB L2, evicting them. A write-back
  // L2 writes the dirty lines to DRAM once, when they are evicted; a
  // write-through one writes every store.
  auto bytesWritten = [](bool writeBack, uint64_t &written, std::string &err) {
    target::TargetDesc t = preset("dc");
    t.l2.bytes = 128 * 1024;
    t.l2.writeBack = writeBack;
    Program p;
    p.name = "t";
    setTarget(p, t);
    CoreStream s;
    s.coreType = 1;
    Tile x = makeTile(Space::GM, 0, DType::F32, {16384});
    Tile y = makeTile(Space::GM, 65536 + 262144, DType::F32, {16384});
    p.io.push_back({"x", false, DType::F32, {16384}, 0, Layout::ND});
    p.io.push_back({"z", false, DType::F32, {65536}, 65536, Layout::ND});
    p.io.push_back(
        {"y", true, DType::F32, {16384}, 65536 + 262144, Layout::ND});
    p.gmBytes = 65536 + 262144 + 65536;
    Tile u = makeTile(Space::UB, 0, DType::F32, {16384});
    s.instrs.push_back(sim::makeInstr(Opcode::DmaLd, {u, x}));
    s.instrs.push_back(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::MTE3));
    s.instrs.push_back(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::MTE3));
    for (int i = 0; i < 4; ++i)
      s.instrs.push_back(sim::makeInstr(Opcode::DmaSt, {y, u}));
    s.instrs.push_back(flag(Opcode::SetFlag, Pipe::MTE3, Pipe::MTE2));
    s.instrs.push_back(flag(Opcode::WaitFlag, Pipe::MTE3, Pipe::MTE2));
    for (int64_t off = 0; off < 262144; off += 65536) {
      Tile part =
          makeTile(Space::GM, 65536 + (uint64_t)off, DType::F32, {16384});
      s.instrs.push_back(sim::makeInstr(Opcode::DmaLd, {u, part}));
    }
    s.instrs.push_back(sim::makeInstr(Opcode::End, {}));
    p.streams.push_back(s);
    std::map<std::string, Tensor> in{{"x", Tensor(DType::F32, {16384})},
                                     {"z", Tensor(DType::F32, {65536})}},
        out;
    sim::Stats st;
    bool ok = sim::Simulator(t, {}).run(p, in, out, st, err);
    written = st.dramWriteBytes;
    EXPECT_EQ(st.dramReadBytes, 65536u + 262144u);
    return ok;
  };
  uint64_t back = 0, through = 0;
  std::string err;
  ASSERT_TRUE(bytesWritten(true, back, err)) << err;
  EXPECT_EQ(back, 65536u);
  ASSERT_TRUE(bytesWritten(false, through, err)) << err;
  EXPECT_EQ(through, 4u * 65536u);
}

TEST(SimTiming, GemmCalibrationOnDc) {
  // 2048^3 bf16, double-buffered, 24 cube cores. Measured 910B GEMMs run at
  // 80-89% of peak from a warm L2; the model must land in 80-92%.
  Program p;
  std::string err;
  ASSERT_TRUE(sim::buildGemmProgram(preset("dc"), {}, p, err)) << err;
  std::map<std::string, Tensor> in, out;
  sim::SimOptions opts;
  opts.functional = false;
  opts.warmL2 = true;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(preset("dc"), opts).run(p, in, out, st, err))
      << err;
  double pct = 100 * st.matrixFlops / st.seconds / st.peakFlopsPerSec;
  EXPECT_GE(pct, 80.0);
  EXPECT_LE(pct, 92.0);
  EXPECT_EQ(st.matrixFlops, 2.0 * 2048 * 2048 * 2048);
  // Cold L2: every operand byte crosses HBM once and the run is slower.
  opts.warmL2 = false;
  sim::Stats cold;
  ASSERT_TRUE(sim::Simulator(preset("dc"), opts).run(p, in, out, cold, err))
      << err;
  EXPECT_GT(cold.cycles, st.cycles);
  EXPECT_EQ(cold.dramReadBytes, 2u * 2048 * 2048 * 2);
  EXPECT_GT(cold.ratioToBound, 1.0);
}

TEST(SimTiming, StreamingCopyCalibrationOnEdge) {
  Program p;
  std::string err;
  ASSERT_TRUE(sim::buildStreamCopyProgram(preset("edge"), {}, p, err)) << err;
  std::map<std::string, Tensor> in, out;
  sim::SimOptions opts;
  opts.functional = false;
  sim::Stats st;
  ASSERT_TRUE(sim::Simulator(preset("edge"), opts).run(p, in, out, st, err))
      << err;
  double pct = 100 * (double)st.dramBytes() / st.seconds / st.dramBytesPerSec;
  EXPECT_GE(pct, 75.0);
  EXPECT_LE(pct, 90.0);
  // One shared DMA engine: the load and store pipes never overlap, so their
  // busy times add up to (at most) the whole run.
  EXPECT_LE(st.pipes["MTE2"].busyCycles + st.pipes["MTE3"].busyCycles,
            st.kernelCycles * 1.001);
}

TEST(SimTiming, GemmIsFunctionallyCorrectAndStatsAreJson) {
  sim::GemmConfig cfg;
  cfg.m = 256;
  cfg.n = 512;
  cfg.k = 512;
  cfg.cores = 3; // 4 tiles on 3 cores: exercises the split tail
  Program p;
  std::string err;
  ASSERT_TRUE(sim::buildGemmProgram(preset("dc"), cfg, p, err)) << err;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> d(-1, 1);
  Tensor a(DType::BF16, {256, 512}), b(DType::BF16, {512, 512});
  for (int64_t i = 0; i < a.numElements(); ++i)
    a.setF(i, d(rng));
  for (int64_t i = 0; i < b.numElements(); ++i)
    b.setF(i, d(rng));
  std::map<std::string, Tensor> in{{"a", a}, {"b", b}}, out;
  sim::SimOptions opts;
  opts.recordTrace = true;
  sim::Simulator sim(preset("dc"), opts);
  sim::Stats st;
  ASSERT_TRUE(sim.run(p, in, out, st, err)) << err;
  const Tensor &c = out["c"];
  double maxErr = 0;
  for (int64_t i = 0; i < 256; i += 17)
    for (int64_t j = 0; j < 512; j += 13) {
      double ref = 0;
      for (int64_t q = 0; q < 512; ++q)
        ref += (double)a.getF(i * 512 + q) * b.getF(q * 512 + j);
      maxErr = std::max(maxErr, std::fabs(ref - c.getF(i * 512 + j)) /
                                    std::max(1.0, std::fabs(ref)));
    }
  EXPECT_LT(maxErr, 1.0 / 128); // bf16 output: within one rounding
  nlohmann::json j = nlohmann::json::parse(st.toJson(), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << st.toJson();
  EXPECT_EQ(j["flops"].get<double>(), 2.0 * 256 * 512 * 512);
  EXPECT_GT(j["pipes"]["M"]["busy_percent"].get<double>(), 0.0);
  EXPECT_GT(j["ratio_to_bound"].get<double>(), 1.0);
  EXPECT_EQ(j["instructions"].get<uint64_t>(), p.numInstrs());
  nlohmann::json tr = nlohmann::json::parse(sim.traceJson(p), nullptr, false);
  ASSERT_FALSE(tr.is_discarded());
  EXPECT_GT(tr["traceEvents"].size(), 100u);
}

TEST(SimSemantics, AiCpuRunsOpsWithoutAKernel) {
  Program p;
  setTarget(p, preset("dc"));
  p.gmBytes = 1024;
  p.io.push_back({"x", false, DType::F32, {2, 4}, 0, Layout::ND});
  p.io.push_back({"i", true, DType::I32, {2}, 512, Layout::ND});
  CoreStream s;
  s.coreType = kAiCpuCoreType;
  s.instrs.push_back(
      sim::makeInstr(Opcode::Cpu,
                     {makeTile(Space::GM, 512, DType::I32, {2}),
                      makeTile(Space::GM, 0, DType::F32, {2, 4})},
                     {(int64_t)CpuFn::ArgMax}));
  Instr end = sim::makeInstr(Opcode::End, {});
  end.pipe = Pipe::AICPU;
  s.instrs.push_back(end);
  p.streams.push_back(s);
  std::map<std::string, Tensor> in{
      {"x", floats(DType::F32, {2, 4}, {1, 5, 2, 0, -1, -3, 7, 7})}},
      out;
  sim::Stats st;
  std::string err;
  ASSERT_TRUE(sim::Simulator(preset("dc")).run(p, in, out, st, err)) << err;
  EXPECT_EQ(out["i"].ints(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(st.pipes["AICPU"].instrs, 2u);
  // Slow by design: the call overhead alone is thousands of cycles.
  EXPECT_GT(st.kernelCycles, 1000.0);
}

TEST(SimSemantics, EveryElementwiseOpMatchesItsDefinition) {
  std::vector<float> av = {-3.5f, -1.0f, -0.25f, 0.5f, 1.0f, 2.0f, 4.0f, 9.0f};
  std::vector<float> bv = {2.0f, -4.0f, 0.5f, 0.5f, 3.0f, -1.0f, 8.0f, 0.25f};
  struct Bin {
    Opcode op;
    float (*f)(float, float);
  };
  std::vector<Bin> bins = {
      {Opcode::VAdd, [](float x, float y) { return x + y; }},
      {Opcode::VSub, [](float x, float y) { return x - y; }},
      {Opcode::VMul, [](float x, float y) { return x * y; }},
      {Opcode::VDiv, [](float x, float y) { return x / y; }},
      {Opcode::VMax, [](float x, float y) { return std::fmax(x, y); }},
      {Opcode::VMin, [](float x, float y) { return std::fmin(x, y); }}};
  struct Un {
    Opcode op;
    float (*f)(float);
  };
  std::vector<Un> uns = {
      {Opcode::VExp, [](float x) { return std::exp(x); }},
      {Opcode::VLn, [](float x) { return std::log(std::fabs(x)); }},
      {Opcode::VSqrt, [](float x) { return std::sqrt(std::fabs(x)); }},
      {Opcode::VRec, [](float x) { return 1.0f / x; }},
      {Opcode::VAbs, [](float x) { return std::fabs(x); }},
      {Opcode::VNeg, [](float x) { return -x; }},
      {Opcode::VRelu, [](float x) { return x > 0 ? x : 0.0f; }},
      {Opcode::VSigmoid, [](float x) { return 1.0f / (1.0f + std::exp(-x)); }},
      {Opcode::VGelu,
       [](float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678f)); }},
      {Opcode::VTanh, [](float x) { return std::tanh(x); }}};
  struct Sc {
    Opcode op;
    float (*f)(float, float);
  };
  std::vector<Sc> scs = {
      {Opcode::VAddS, [](float x, float s) { return x + s; }},
      {Opcode::VMulS, [](float x, float s) { return x * s; }},
      {Opcode::VMaxS, [](float x, float s) { return std::fmax(x, s); }},
      {Opcode::VMinS, [](float x, float s) { return std::fmin(x, s); }}};
  Harness h;
  Tile a = h.in("a", floats(DType::F32, {8}, av), 0);
  Tile b = h.in("b", floats(DType::F32, {8}, bv), 64);
  std::vector<float> absA(av);
  for (auto &x : absA)
    x = std::fabs(x);
  Tile pa = h.in("pa", floats(DType::F32, {8}, absA), 128);
  h.startCompute();
  uint64_t off = 1024;
  std::vector<std::pair<std::string, std::function<float(int)>>> expect;
  for (auto &bn : bins) {
    Tile d = makeTile(Space::UB, off, DType::F32, {8});
    off += 64;
    h.op(sim::makeInstr(bn.op, {d, a, b}, {0}));
    std::string n = opInfo(bn.op).mnemonic;
    h.out(n, d);
    auto f = bn.f;
    expect.push_back({n, [=](int i) { return f(av[i], bv[i]); }});
  }
  for (auto &un : uns) {
    Tile d = makeTile(Space::UB, off, DType::F32, {8});
    off += 64;
    bool pos = un.op == Opcode::VLn || un.op == Opcode::VSqrt;
    h.op(sim::makeInstr(un.op, {d, pos ? pa : a}));
    std::string n = opInfo(un.op).mnemonic;
    h.out(n, d);
    auto f = un.f;
    expect.push_back({n, [=](int i) { return f(av[i]); }});
  }
  for (auto &sc : scs) {
    Tile d = makeTile(Space::UB, off, DType::F32, {8});
    off += 64;
    h.op(sim::makeInstr(sc.op, {d, a}, {}, 1.5f));
    std::string n = opInfo(sc.op).mnemonic;
    h.out(n, d);
    auto f = sc.f;
    expect.push_back({n, [=](int i) { return f(av[i], 1.5f); }});
  }
  Tile mn = makeTile(Space::UB, off, DType::F32, {1});
  h.op(sim::makeInstr(Opcode::VRedMin, {mn, a}));
  h.out("redmin", mn);
  std::map<std::string, Tensor> o;
  std::string err;
  ASSERT_TRUE(h.run(o, err)) << err;
  for (auto &e : expect)
    for (int i = 0; i < 8; ++i)
      EXPECT_FLOAT_EQ(o[e.first].getF(i), e.second(i))
          << e.first << "[" << i << "]";
  EXPECT_EQ(o["redmin"].getF(0), -3.5f);
}

TEST(SimSemantics, ScatterTransposeBarrierAndAiCpuFunctions) {
  Harness h;
  Tile rows =
      h.in("rows", floats(DType::F32, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), 0);
  Tile idx = h.in("idx", ints(DType::I32, {2}, {3, 0}), 64);
  h.p.io.push_back({"table", true, DType::F32, {4, 4}, 4096, Layout::ND});
  h.p.io.push_back({"x", false, DType::F32, {2, 4}, 6144, Layout::ND});
  h.p.io.push_back({"cs", true, DType::F32, {2, 4}, 6400, Layout::ND});
  h.p.io.push_back({"srt", true, DType::F32, {2, 4}, 6656, Layout::ND});
  h.inputs["x"] = floats(DType::F32, {2, 4}, {3, 1, 4, 1, 5, 9, 2, 6});
  h.startCompute();
  // Everything before the barrier (both loads) completes before the scatter.
  h.op(sim::makeInstr(Opcode::Barrier, {}, {kBarrierAll}));
  h.op(sim::makeInstr(
      Opcode::DmaScatter,
      {makeTile(Space::GM, 4096, DType::F32, {4, 4}), rows, idx}));
  h.gm = 8192;
  h.p.gmBytes = 8192;
  // An AI-CPU stream runs cumsum and sort on GM (no tensor-engine kernel).
  CoreStream cpu;
  cpu.coreType = kAiCpuCoreType;
  Tile gx = makeTile(Space::GM, 6144, DType::F32, {2, 4});
  cpu.instrs.push_back(sim::makeInstr(
      Opcode::Cpu, {makeTile(Space::GM, 6400, DType::F32, {2, 4}), gx},
      {(int64_t)CpuFn::CumSum}));
  cpu.instrs.push_back(sim::makeInstr(
      Opcode::Cpu, {makeTile(Space::GM, 6656, DType::F32, {2, 4}), gx},
      {(int64_t)CpuFn::SortDesc}));
  Instr end = sim::makeInstr(Opcode::End, {});
  end.pipe = Pipe::AICPU;
  cpu.instrs.push_back(end);
  h.p.streams.push_back(cpu);
  std::map<std::string, Tensor> o;
  std::string err;
  // run() appends the vector stream after the AI-CPU one.
  ASSERT_TRUE(h.run(o, err)) << err;
  EXPECT_EQ(o["table"].floats(), (std::vector<float>{5, 6, 7, 8, 0, 0, 0, 0, 0,
                                                     0, 0, 0, 1, 2, 3, 4}));
  EXPECT_EQ(o["cs"].floats(), (std::vector<float>{3, 4, 8, 9, 5, 14, 16, 22}));
  EXPECT_EQ(o["srt"].floats(), (std::vector<float>{4, 3, 1, 1, 9, 6, 5, 2}));
}

TEST(SimSemantics, MvTransposesIntoL0) {
  // mv with transpose: L1 [16 x 32] -> L0B [32 x 16]; then fix out of L0C
  // after an identity multiply shows the transposed operand.
  int64_t m = 16, k = 32, n = 16;
  Program p;
  setTarget(p, preset("dc"));
  p.gmBytes = 8192;
  p.io.push_back({"a", false, DType::BF16, {m, k}, 0, Layout::ND});
  p.io.push_back({"bt", false, DType::BF16, {n, k}, 1024, Layout::ND});
  p.io.push_back({"c", true, DType::F32, {m, n}, 4096, Layout::ND});
  CoreStream s;
  s.coreType = 0;
  auto &ins = s.instrs;
  Tile l1a = makeTile(Space::L1, 0, DType::BF16, {m, k});
  Tile l1b = makeTile(Space::L1, 4096, DType::BF16, {n, k});
  ins.push_back(sim::makeInstr(
      Opcode::DmaLd, {l1a, makeTile(Space::GM, 0, DType::BF16, {m, k})}));
  ins.push_back(sim::makeInstr(
      Opcode::DmaLd, {l1b, makeTile(Space::GM, 1024, DType::BF16, {n, k})}));
  ins.push_back(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::MTE1));
  ins.push_back(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::MTE1));
  Tile l0a = makeTile(Space::L0A, 0, DType::BF16, {m, k});
  Tile l0b = makeTile(Space::L0B, 0, DType::BF16, {k, n});
  ins.push_back(sim::makeInstr(Opcode::Mv, {l0a, l1a}, {0}));
  ins.push_back(sim::makeInstr(Opcode::Mv, {l0b, l1b}, {1}));
  ins.push_back(flag(Opcode::SetFlag, Pipe::MTE1, Pipe::M));
  ins.push_back(flag(Opcode::WaitFlag, Pipe::MTE1, Pipe::M));
  Tile l0c = makeTile(Space::L0C, 0, DType::F32, {m, n});
  ins.push_back(sim::makeInstr(Opcode::Mmad, {l0c, l0a, l0b}, {0}));
  ins.push_back(flag(Opcode::SetFlag, Pipe::M, Pipe::FIX));
  ins.push_back(flag(Opcode::WaitFlag, Pipe::M, Pipe::FIX));
  ins.push_back(sim::makeInstr(
      Opcode::Fix, {makeTile(Space::GM, 4096, DType::F32, {m, n}), l0c}, {1},
      2.0f)); // relu(2 * c)
  ins.push_back(sim::makeInstr(Opcode::End, {}));
  p.streams.push_back(s);
  Tensor a(DType::BF16, {m, k}), bt(DType::BF16, {n, k});
  for (int64_t i = 0; i < m * k; ++i)
    a.setF(i, (float)((i * 7) % 5) - 2);
  for (int64_t i = 0; i < n * k; ++i)
    bt.setF(i, (float)((i * 3) % 7) - 3);
  std::map<std::string, Tensor> in{{"a", a}, {"bt", bt}}, out;
  sim::Stats st;
  std::string err;
  ASSERT_TRUE(sim::Simulator(preset("dc")).run(p, in, out, st, err)) << err;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0;
      for (int64_t q = 0; q < k; ++q)
        acc += a.getF(i * k + q) * bt.getF(j * k + q);
      EXPECT_EQ(out["c"].getF(i * n + j), std::max(0.0f, 2 * acc));
    }
}

namespace {
/// `cores` vector cores each load `bytes` (cold) from their own GM region,
/// with the source tile laid out as `rows` runs of `runBytes` (stride 2x).
double loadTime(uint32_t cores, int64_t rows, int64_t runBytes,
                sim::Stats *stats = nullptr) {
  const auto &t = preset("dc");
  Program p;
  setTarget(p, t);
  int64_t elems = runBytes / 4;
  uint64_t region = (uint64_t)(rows * runBytes * 2);
  p.gmBytes = region * cores;
  for (uint32_t c = 0; c < cores; ++c) {
    CoreStream s;
    s.coreType = 1;
    s.coreIndex = c;
    Tile src = makeTile(Space::GM, c * region, DType::F32, {rows, elems});
    src.strides[0] = 2 * elems;
    Tile dst = makeTile(Space::UB, 0, DType::F32, {rows, elems});
    s.instrs.push_back(sim::makeInstr(Opcode::DmaLd, {dst, src}));
    s.instrs.push_back(sim::makeInstr(Opcode::End, {}));
    p.streams.push_back(s);
  }
  sim::SimOptions opts;
  opts.functional = false;
  std::map<std::string, Tensor> in, out;
  sim::Stats st;
  std::string err;
  EXPECT_TRUE(sim::Simulator(t, opts).run(p, in, out, st, err)) << err;
  if (stats)
    *stats = st;
  return st.kernelCycles;
}
} // namespace

TEST(SimTiming, ConcurrentDmasShareDram) {
  const auto &t = preset("dc");
  // 128 KiB per core. One core is capped by its own 32 B/cycle; 48 cores
  // together by the chip's DRAM bandwidth (peak x efficiency).
  double one = loadTime(1, 256, 512);
  sim::Stats st;
  double all = loadTime(48, 256, 512, &st);
  double bytes = 48.0 * 256 * 512;
  EXPECT_EQ(st.dramReadBytes, (uint64_t)bytes);
  EXPECT_NEAR(one, 131072.0 / t.dramPerCoreBytesPerCycle + 500, 200);
  EXPECT_GE(all, 0.97 * bytes / t.dramBytesPerCycle());
  EXPECT_GT(all, 1.5 * one);
}

TEST(SimTiming, ShortBurstsArePenalized) {
  // Same bytes, contiguous 512-byte runs versus 8-byte runs.
  double longRuns = loadTime(1, 64, 512);
  double shortRuns = loadTime(1, 4096, 8);
  EXPECT_GT(shortRuns, 2.0 * longRuns);
}
