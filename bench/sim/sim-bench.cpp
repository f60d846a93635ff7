//===- sim-bench.cpp - Simulator calibration and host-speed benchmark -----===//
//
//   tessera-sim-bench [gemm|copy|vector|mmad|all] [--no-functional]
//                     [--m M --n N --k K] [--reps R]
//
// Prints, per program: simulated cycles, % of the matrix peak (GEMM) or of
// DRAM bandwidth (copy), and the simulator's host speed: instructions/s and
// simulated GFLOP/s of host work (the functional matrix engine).
// `vector` runs a program of vector instructions on one vector core (host
// element operations/s); `mmad` times the functional matrix kernel alone on
// one mmad's shape (128 x 256 x 64, bf16 operands), fused and unfused, against
// the element-by-element definition.
//
//===----------------------------------------------------------------------===//
#include "tessera/Sim/MatrixKernel.h"
#include "tessera/Sim/Programs.h"
#include "tessera/Sim/Simulator.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <vector>

using namespace tessera;

static Tensor randomBf16(Shape shape, uint32_t seed) {
  Tensor t(DType::BF16, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1, 1);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setF(i, d(rng));
  return t;
}

static double cpuSeconds() { return double(std::clock()) / CLOCKS_PER_SEC; }

/// A vector core's work: load a [rows x cols] bf16 tile of "x" into UB, run
/// `reps` rounds of six vector instructions over it (a scalar multiply, exp,
/// add, SiLU, max, and a row sum) and store the last result to "y".
static bool buildVectorProgram(const target::TargetDesc &t, int64_t rows,
                               int64_t cols, int64_t reps, bin::Program &p,
                               std::string &error) {
  using bin::makeInstr;
  using bin::Opcode;
  using target::Pipe;
  using target::Space;
  int coreType = -1;
  for (size_t i = 0; i < t.coreTypes.size() && coreType < 0; ++i)
    if (t.coreTypes[i].hasPipe(Pipe::V) && t.coreTypes[i].hasSpace(Space::UB))
      coreType = (int)i;
  if (coreType < 0) {
    error = "target '" + t.name + "' has no core with a vector unit and UB";
    return false;
  }
  const uint64_t bytes = (uint64_t)(rows * cols * 2);
  p = bin::Program();
  p.name = "vector_bench";
  bin::setTarget(p, t);
  p.gmBytes = 2 * bytes;
  p.io.push_back({"x", false, DType::BF16, {rows, cols}, 0, bin::Layout::ND});
  p.io.push_back(
      {"y", true, DType::BF16, {rows, cols}, bytes, bin::Layout::ND});
  auto ub = [&](uint64_t off, int64_t c) {
    return bin::makeTile(Space::UB, off, DType::BF16, {rows, c});
  };
  bin::Tile x = ub(0, cols), y = ub(bytes, cols), z = ub(2 * bytes, cols),
            r = bin::makeTile(Space::UB, 3 * bytes, DType::BF16, {rows});
  auto flag = [](Opcode op, Pipe a, Pipe b) {
    return makeInstr(op, {}, {(int64_t)a, (int64_t)b, 0});
  };
  bin::CoreStream s;
  s.coreType = (uint32_t)coreType;
  s.instrs.push_back(
      makeInstr(Opcode::DmaLd,
                {x, bin::makeTile(Space::GM, 0, DType::BF16, {rows, cols})}));
  s.instrs.push_back(flag(Opcode::SetFlag, Pipe::MTE2, Pipe::V));
  s.instrs.push_back(flag(Opcode::WaitFlag, Pipe::MTE2, Pipe::V));
  for (int64_t i = 0; i < reps; ++i) {
    s.instrs.push_back(makeInstr(Opcode::VMulS, {z, x}, {}, 0.5f));
    s.instrs.push_back(makeInstr(Opcode::VExp, {y, z}));
    s.instrs.push_back(makeInstr(Opcode::VAdd, {z, y, x}, {0}));
    s.instrs.push_back(makeInstr(Opcode::VSilu, {y, z}));
    s.instrs.push_back(makeInstr(Opcode::VMax, {z, y, x}, {0}));
    s.instrs.push_back(makeInstr(Opcode::VRedSum, {r, z}));
  }
  s.instrs.push_back(flag(Opcode::SetFlag, Pipe::V, Pipe::MTE3));
  s.instrs.push_back(flag(Opcode::WaitFlag, Pipe::V, Pipe::MTE3));
  s.instrs.push_back(makeInstr(
      Opcode::DmaSt,
      {bin::makeTile(Space::GM, bytes, DType::BF16, {rows, cols}), z}));
  s.instrs.push_back(makeInstr(Opcode::End, {}));
  p.streams.push_back(std::move(s));
  return bin::verifyProgram(p, t, error);
}

/// GFLOP/s of `fn` (one call = `flops`), timed over at least 0.5 s of CPU.
template <typename Fn> static double gflops(double flops, Fn fn) {
  fn(); // warm the caches and the packing buffers
  int64_t calls = 0;
  double c0 = cpuSeconds(), c1 = c0;
  while (c1 - c0 < 0.5) {
    fn();
    ++calls;
    c1 = cpuSeconds();
  }
  return flops * calls / (c1 - c0) / 1e9;
}

int main(int argc, char **argv) {
  std::string which = "all";
  bool functional = true, warm = false;
  std::string save, targetName = "dc";
  sim::GemmConfig g;
  int64_t reps = 64;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--no-functional"))
      functional = false;
    else if (!std::strcmp(argv[i], "--warm-l2"))
      warm = true;
    else if (!std::strcmp(argv[i], "--save") && i + 1 < argc)
      save = argv[++i];
    else if (!std::strcmp(argv[i], "--target") && i + 1 < argc)
      targetName = argv[++i];
    else if (!std::strcmp(argv[i], "--group") && i + 1 < argc)
      g.groupN = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--rotate") && i + 1 < argc)
      g.rotateK = std::atoll(argv[++i]) != 0;
    else if (!std::strcmp(argv[i], "--split") && i + 1 < argc)
      g.splitL0C = std::atoll(argv[++i]) != 0;
    else if (!std::strcmp(argv[i], "--balance") && i + 1 < argc)
      g.balanceTail = std::atoll(argv[++i]) != 0;
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--m") && i + 1 < argc)
      g.m = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--n") && i + 1 < argc)
      g.n = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--k") && i + 1 < argc)
      g.k = std::atoll(argv[++i]);
    else
      which = argv[i];
  }
  std::string err;
  if (which == "gemm" || which == "all") {
    target::TargetDesc dc;
    bin::Program p;
    if (!target::loadTarget(targetName, dc, err) ||
        !sim::buildGemmProgram(dc, g, p, err)) {
      std::fprintf(stderr, "error: %s\n", err.c_str());
      return 1;
    }
    if (!save.empty() && !bin::writeProgramFile(save, p, err)) {
      std::fprintf(stderr, "error: %s\n", err.c_str());
      return 1;
    }
    sim::SimOptions so;
    so.functional = functional;
    so.warmL2 = warm;
    sim::Simulator s(dc, so);
    std::map<std::string, Tensor> in, out;
    if (functional) {
      in["a"] = randomBf16({g.m, g.k}, 1);
      in["b"] = randomBf16({g.k, g.n}, 2);
    } else {
      in["a"] = Tensor(DType::BF16, {g.m, g.k});
      in["b"] = Tensor(DType::BF16, {g.k, g.n});
    }
    sim::Stats st;
    std::clock_t c0 = std::clock();
    if (!s.run(p, in, out, st, err)) {
      std::fprintf(stderr, "error: %s\n", err.c_str());
      return 1;
    }
    double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    std::printf("gemm %lldx%lldx%lld bf16 on dc (%s)\n%s", (long long)g.m,
                (long long)g.n, (long long)g.k,
                functional ? "functional" : "timing only", st.toText().c_str());
    // Wall time can include time the machine spent on other processes; the
    // CPU time is the simulator's own work.
    std::printf("host: wall %.3f s, cpu %.3f s; %.0f instructions/s, %.2f "
                "GFLOP/s of host work (per cpu second)\n",
                st.hostSeconds, cpu, (double)st.instrs / cpu,
                functional ? st.matrixFlops / cpu / 1e9 : 0.0);
  }
  if (which == "copy" || which == "all") {
    target::TargetDesc edge;
    bin::Program p;
    sim::CopyConfig c;
    if (!target::loadPreset("edge", edge, err) ||
        !sim::buildStreamCopyProgram(edge, c, p, err)) {
      std::fprintf(stderr, "error: %s\n", err.c_str());
      return 1;
    }
    sim::SimOptions so;
    so.functional = functional;
    sim::Simulator s(edge, so);
    std::map<std::string, Tensor> in, out;
    in["x"] = Tensor(DType::F32, {(int64_t)(c.bytes / 4)});
    sim::Stats st;
    if (!s.run(p, in, out, st, err)) {
      std::fprintf(stderr, "error: %s\n", err.c_str());
      return 1;
    }
    std::printf("stream copy %llu MiB on edge\n%s",
                (unsigned long long)(c.bytes >> 20), st.toText().c_str());
    std::printf("host: %.3f s\n", st.hostSeconds);
  }
  if (which == "vector" || which == "all") {
    target::TargetDesc t;
    bin::Program p;
    const int64_t rows = 64, cols = 256;
    if (!target::loadTarget(targetName, t, err) ||
        !buildVectorProgram(t, rows, cols, reps, p, err) ||
        (!save.empty() && !bin::writeProgramFile(save, p, err))) {
      std::fprintf(stderr, "error: %s\n", err.c_str());
      return 1;
    }
    sim::SimOptions so;
    so.functional = functional;
    sim::Simulator s(t, so);
    std::map<std::string, Tensor> in, out;
    in["x"] = randomBf16({rows, cols}, 3);
    sim::Stats st;
    double c0 = cpuSeconds();
    if (!s.run(p, in, out, st, err)) {
      std::fprintf(stderr, "error: %s\n", err.c_str());
      return 1;
    }
    double cpu = cpuSeconds() - c0;
    std::printf("vector %lld rounds of 6 instructions on a %lldx%lld bf16 "
                "tile (%s)\n",
                (long long)reps, (long long)rows, (long long)cols,
                functional ? "functional" : "timing only");
    std::printf("host: cpu %.3f s; %.0f instructions/s, %.1f M element "
                "operations/s\n",
                cpu, (double)st.instrs / cpu, st.vectorOps / cpu / 1e6);
  }
  if (which == "mmad" || which == "all") {
    const int64_t m = 128, n = 256, k = 64;
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> d(-1, 1);
    std::vector<float> a(m * k), b(k * n), c(m * n, 0.0f);
    for (auto &x : a)
      x = bf16BitsToFloat(floatToBF16Bits(d(rng)));
    for (auto &x : b)
      x = bf16BitsToFloat(floatToBF16Bits(d(rng)));
    bool exact = sim::productsAreExact(a.data(), a.size(), b.data(), b.size());
    double flops = 2.0 * m * n * k;
    double fused = gflops(flops, [&] {
      sim::gemmF32(m, n, k, a.data(), b.data(), c.data(), exact);
    });
    double unfused = gflops(flops, [&] {
      sim::gemmF32(m, n, k, a.data(), b.data(), c.data(), false);
    });
    double reference = gflops(flops, [&] {
      sim::gemmF32Reference(m, n, k, a.data(), b.data(), c.data());
    });
    std::printf("mmad %lldx%lldx%lld, bf16 operands, f32 accumulation, "
                "kernel %s\n"
                "host: %.1f GFLOP/s (products exact, fused), %.1f GFLOP/s "
                "(multiply then add), %.2f GFLOP/s (element-by-element "
                "definition)\n",
                (long long)m, (long long)n, (long long)k,
                sim::gemmF32Implementation(), fused, unfused, reference);
  }
  return 0;
}
