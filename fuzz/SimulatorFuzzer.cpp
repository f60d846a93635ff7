//===- SimulatorFuzzer.cpp - libFuzzer: run loaded programs ---------------===//
//
// Every program that loads and verifies is run on the simulator with
// deterministic inputs, race checking on. Budget, so that one input costs
// milliseconds: programs of at most kMaxInstrs instructions and kMaxGmBytes
// of GM, run for at most kMaxExecuted instructions and kMaxWork units of the
// simulator's work budget (elements moved or computed). Programs loop
// (scalar control flow), and a stride-0 tile touches any number of elements
// in a few bytes, so a legitimate program can run for minutes within the
// instruction budget alone (the fuzzer found one: a loop of 2,300 vdup of
// 4.8 million elements each). The work budget is charged before an
// instruction runs, so a huge tile is refused before anything is allocated
// for it; stopping at either budget is an error the fuzzer reaches.
//===----------------------------------------------------------------------===//
#include "FuzzChecksum.h"

#include "tessera/Binary/Program.h"
#include "tessera/Sim/Simulator.h"
#include "tessera/Target/Target.h"

namespace {
constexpr size_t kMaxInstrs = 4096;
constexpr uint64_t kMaxGmBytes = 64ull << 20;
constexpr uint64_t kMaxExecuted = 1ull << 12;
constexpr uint64_t kMaxWork = 1ull << 22;
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
  options.maxInstructions = kMaxExecuted;
  options.maxWork = kMaxWork;
  sim::Simulator simulator(target, options);
  sim::Stats stats;
  (void)simulator.run(prog, inputs, outputs, stats, error);
  return 0;
}
