//===- sim-bench.cpp - Simulator calibration and host-speed benchmark -----===//
//
//   tessera-sim-bench [gemm|copy|all] [--no-functional] [--m M --n N --k K]
//
// Prints, per program: simulated cycles, % of the matrix peak (GEMM) or of
// DRAM bandwidth (copy), and the simulator's host speed: instructions/s and
// simulated GFLOP/s of host work (the functional matrix engine).
//
//===----------------------------------------------------------------------===//
#include "tessera/Sim/Programs.h"
#include "tessera/Sim/Simulator.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>

using namespace tessera;

static Tensor randomBf16(Shape shape, uint32_t seed) {
  Tensor t(DType::BF16, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1, 1);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setF(i, d(rng));
  return t;
}

int main(int argc, char **argv) {
  std::string which = "all";
  bool functional = true, warm = false;
  std::string save, targetName = "dc";
  sim::GemmConfig g;
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
  return 0;
}
