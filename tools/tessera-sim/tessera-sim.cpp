//===- tessera-sim.cpp - Runs a .npu program in the simulator -------------===//
//
// The same driver tessera-run uses for .npu files:
//   tessera-sim prog.npu --input x=x.npy --output-dir out/ --stats
//               [--stats-json s.json] [--trace t.json] [--target dc|file.json]
//               [--no-functional] [--no-race-check]
//
//===----------------------------------------------------------------------===//
#include "tessera/Sim/RunProgram.h"

#include <cstdio>

int main(int argc, char **argv) {
  tessera::sim::RunNpuOptions opts;
  std::string error;
  if (!tessera::sim::parseRunNpuArgs(argc, argv, opts, error)) {
    std::fprintf(
        stderr,
        "error: %s\nusage: tessera-sim prog.npu [--input name=file.npy]... "
        "[--output-dir DIR] [--stats] [--stats-json FILE] [--trace FILE] "
        "[--target NAME|FILE] [--no-functional] [--no-race-check]\n"
        "       [--max-instructions N]\n",
        error.c_str());
    return 2;
  }
  return tessera::sim::runProgramMain(opts);
}
