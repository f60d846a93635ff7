//===- SimulatorFuzzer.cpp - libFuzzer: run loaded programs ---------------===//
//
// Every program that loads and verifies is run on the simulator with
// deterministic inputs, race checking on. Budget, so that one input costs
// milliseconds: programs of at most kMaxInstrs instructions and kMaxGmBytes
// of GM, no instruction touching more than kMaxTileElements elements (larger
// ones are skipped, not errors), run for at most kMaxExecuted instructions.
// Programs loop (scalar control flow), and a stride-0 tile touches any
// number of elements in a few bytes, so a legitimate program can run for
// minutes within the simulator's own budget of 2^30 instructions (the
// fuzzer found one: a loop of 2,300 vdup of 4.8 million elements each).
// Stopping at the instruction budget is an error the fuzzer reaches.
//===----------------------------------------------------------------------===//
#include "FuzzChecksum.h"

#include "tessera/Binary/Program.h"
#include "tessera/Sim/Simulator.h"
#include "tessera/Target/Target.h"

namespace {
constexpr size_t kMaxInstrs = 4096;
constexpr uint64_t kMaxGmBytes = 64ull << 20;
constexpr uint64_t kMaxExecuted = 1ull << 12;
constexpr int64_t kMaxTileElements = int64_t(1) << 16;
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
  for (const bin::CoreStream &s : prog.streams)
    for (const bin::Instr &in : s.instrs) {
      // Static shapes are the maximum of register-given extents; the
      // verifier bounds each count, so the sum does not overflow.
      int64_t elements = 0;
      for (const bin::Tile &t : in.tiles)
        elements += t.numElements();
      if (elements > kMaxTileElements)
        return 0;
    }
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
  sim::Simulator simulator(target, options);
  sim::Stats stats;
  (void)simulator.run(prog, inputs, outputs, stats, error);
  return 0;
}
