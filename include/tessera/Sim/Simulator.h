//===- Simulator.h - The reference NPU simulator ----------------*- C++ -*-===//
//
// Runs a .npu Program on a target: executes every instruction with the
// hardware's numerics (functional), advances one clock per core and pipe from
// the target's cost model (timing), and checks the program for races,
// deadlocks and out-of-bounds accesses. See docs/simulator.md.
//
// No MLIR and no golden-evaluator code: the simulator is an independent
// implementation of the instruction semantics.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SIM_SIMULATOR_H
#define TESSERA_SIM_SIMULATOR_H

#include "tessera/Binary/Program.h"
#include "tessera/Sim/Profile.h"
#include "tessera/Support/Tensor.h"
#include "tessera/Target/Target.h"

#include <map>
#include <string>
#include <vector>

namespace tessera::sim {

/// The default work budget (SimOptions::maxWork): 4x the largest real model
/// measured (the model zoo's 1024x1024 IS-Net segmentation net: 7.0e10 on
/// edge, 98 s), and about eight minutes of host time for the cheapest work
/// there is (a release build runs 2^30 elements of stride-0 vdup in 1.7 s).
constexpr uint64_t kDefaultMaxWork = 1ull << 38;

struct SimOptions {
  /// Execute instruction semantics. When false only the timing model runs
  /// (outputs are then meaningless); used for large calibration runs.
  bool functional = true;
  /// Detect races between pipes (vector clocks over flags).
  bool checkRaces = true;
  /// Record one event per executed instruction for the trace.
  bool recordTrace = false;
  /// Group the run's time, FLOPs and DRAM bytes by source node
  /// (Simulator::profile(); see tessera/Sim/Profile.h).
  bool profile = false;
  /// Start with the inputs and constants resident in the L2 cache, as they
  /// are when a kernel runs repeatedly (how GEMM benchmarks are measured).
  bool warmL2 = false;
  /// Functional runs hold GM in host memory; larger programs are refused.
  uint64_t maxHostGmBytes = 8ull << 30;
  /// Instructions the scalar units may fetch in one run (every core, every
  /// loop iteration). A program that runs past it is reported as one that
  /// may not terminate.
  uint64_t maxInstructions = 1ull << 30;
  /// Work the instructions may do in one run, in elements moved or computed
  /// (tessera/Sim/Simulator.h's kDefaultMaxWork; docs/simulator.md says what
  /// counts). A stride-0 tile names millions of elements in a few bytes and a
  /// loop repeats it, so the instruction budget alone does not bound how long
  /// a run takes; a run past this one stops with an error.
  uint64_t maxWork = kDefaultMaxWork;
  /// Host threads of a functional run. 1 runs everything on the calling
  /// thread; 0 (the default) also runs the matrix engine's mmads on a second
  /// thread when the host has more than one CPU (lib/Sim/MatrixWorker.h).
  /// The results, the timing and every report are the same either way.
  unsigned hostThreads = 0;
};

struct PipeStats {
  uint64_t instrs = 0;
  double busyCycles = 0; // summed over every core that has the pipe
  uint32_t units = 0;    // how many (core, pipe) queues ran instructions
};

struct Stats {
  double cycles = 0;       // launch overhead + kernel
  double kernelCycles = 0; // first dispatch to last completion
  double seconds = 0;
  double clockHz = 0;
  uint64_t instrs = 0; // executed, summed over the pipes
  /// Instructions in the program, and instructions its scalar units fetched
  /// (each loop iteration counts its body again).
  uint64_t staticInstrs = 0, dynamicInstrs = 0;
  /// Work done, in the units of the work budget (SimOptions::maxWork).
  uint64_t work = 0;
  std::map<std::string, PipeStats> pipes; // by pipe name, executed
  uint64_t dramReadBytes = 0, dramWriteBytes = 0, l2HitBytes = 0;
  /// Of dramReadBytes: what the cache engine read into the L2 for
  /// l2_prefetch requests.
  uint64_t l2PrefetchReadBytes = 0;
  /// A write-back L2's dirty bytes when the run ended: stored, not yet
  /// written to DRAM (dramWriteBytes counts what was evicted).
  uint64_t l2DirtyBytes = 0;
  /// Dirty bytes l2_discard dropped from a write-back L2: dead data the
  /// run did not have to write to DRAM.
  uint64_t l2DiscardedBytes = 0;
  /// Bytes of the lines l2_evict dropped from the L2 (weights the one core
  /// reading them has loaded; dirty ones were written to DRAM first).
  uint64_t l2EvictedBytes = 0;
  /// Bytes any schedule must move across DRAM (the roofline's DRAM term):
  /// inputs and constants once (none with a warm L2), outputs once.
  uint64_t compulsoryDramBytes = 0;
  /// Distinct bytes of the program's constants the run read from GM, in
  /// whole DRAM lines (a gather counts the rows it moved): all of a dense
  /// weight, only the selected rows of an embedding table or the selected
  /// experts of a sparse MoE layer (lib/Sim/ConstantFootprint.h).
  uint64_t constantBytesRead = 0;
  double matrixFlops = 0, vectorOps = 0, aicpuOps = 0;
  double boundComputeSeconds = 0, boundDramSeconds = 0, boundSeconds = 0;
  double peakFlopsPerSec = 0, dramBytesPerSec = 0;
  double ratioToBound = 0;
  // Host speed of the simulation itself.
  double hostSeconds = 0;

  uint64_t dramBytes() const { return dramReadBytes + dramWriteBytes; }
  double flops() const { return matrixFlops + vectorOps + aicpuOps; }
  /// One JSON object with every field above.
  std::string toJson() const;
  /// Human-readable table.
  std::string toText() const;
};

struct TraceEvent {
  uint32_t stream;
  target::Pipe pipe;
  uint32_t instr;
  double start, end; // cycles
  /// Loop indices, outermost first (16 bits each, up to 4 levels).
  uint64_t iters = 0;
  uint8_t loopDepth = 0;
};

class Simulator {
public:
  Simulator(const target::TargetDesc &target, SimOptions opts = {});

  /// Runs `prog` (which must be verified against the target) with `inputs`
  /// bound by I/O name; fills `outputs` by name. Returns false with a message
  /// naming the instruction on any runtime error (race, deadlock, bad index).
  bool run(const bin::Program &prog,
           const std::map<std::string, Tensor> &inputs,
           std::map<std::string, Tensor> &outputs, Stats &stats,
           std::string &error);

  const std::vector<TraceEvent> &trace() const { return trace_; }
  /// The per-node profile of the last successful run (SimOptions::profile).
  const Profile &profile() const { return profile_; }
  /// Chrome trace format (one process per core, one thread per pipe).
  std::string traceJson(const bin::Program &prog) const;

private:
  const target::TargetDesc &target_;
  SimOptions opts_;
  std::vector<TraceEvent> trace_;
  Profile profile_;
};

} // namespace tessera::sim

#endif // TESSERA_SIM_SIMULATOR_H
