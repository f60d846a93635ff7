//===- SimulatorFuzzer.cpp - libFuzzer: run loaded programs ---------------===//
//
// Every program that loads and verifies is run on the simulator with
// deterministic inputs, race checking on. Budget: programs of at most
// kMaxInstrs instructions (programs are straight-line, so this bounds the
// instructions executed) and at most kMaxGmBytes of GM, so that one input
// costs milliseconds; larger ones are skipped, not errors.
//
//===----------------------------------------------------------------------===//
#include "FuzzChecksum.h"

#include "tessera/Binary/Program.h"
#include "tessera/Sim/Simulator.h"
#include "tessera/Target/Target.h"

namespace {
constexpr size_t kMaxInstrs = 4096;
constexpr uint64_t kMaxGmBytes = 64ull << 20;
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace tessera;
  std::vector<uint8_t> image = fuzz::resealedImage(data, size);
  bin::Program prog;
  std::string error;
  if (!bin::decodeProgram(image.data(), image.size(), prog, error))
    return 0;
  target::TargetDesc target;
  if (!bin::resolveProgramTarget(prog, "/nonexistent/fuzz.npu", "", target,
                                 error) ||
      !bin::verifyProgram(prog, target, error))
    return 0;
  if (prog.numInstrs() > kMaxInstrs || prog.gmBytes > kMaxGmBytes)
    return 0;
  std::map<std::string, Tensor> inputs, outputs;
  for (const bin::IoEntry &e : prog.io) {
    if (e.isOutput)
      continue;
    Tensor t(e.dtype, e.shape);
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.setD(i, (double)((i * 7) % 5) - 2);
    inputs[e.name] = std::move(t);
  }
  sim::SimOptions options;
  options.maxHostGmBytes = kMaxGmBytes;
  sim::Simulator simulator(target, options);
  sim::Stats stats;
  (void)simulator.run(prog, inputs, outputs, stats, error);
  return 0;
}
