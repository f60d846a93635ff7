//===- Profile.h - Where a simulated program spends its time ----*- C++ -*-===//
//
// A per-node profile of one simulator run: the instructions of a program are
// grouped by the source node in their debug location (an ONNX node name,
// or the root node of a fused group), and every group gets its share of the
// simulated time, its FLOPs and DRAM bytes, the engine it ran on and its own
// roofline bound. `tessera-run --profile` prints it, `--profile-html` draws
// it as a roofline plot, the C API and Python return it as JSON / a dict.
// See docs/simulator.md ("Profile").
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SIM_PROFILE_H
#define TESSERA_SIM_PROFILE_H

#include "tessera/Binary/Program.h"
#include "tessera/Target/Target.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tessera::sim {

struct Stats;

/// One source node (or fused group) of a profile.
struct NodeProfile {
  /// The debug location's node name; "" for the instructions without one
  /// (shown as "(no node)").
  std::string node;
  /// Simulated time attributed to the node: while k nodes have an
  /// instruction in flight, each gets 1/k of that time, so the rows of a
  /// profile (with the idle and launch rows) add up to the run's cycles.
  double cycles = 0;
  /// Time during which the node had at least one instruction in flight
  /// (issue to completion, DMA latency included), and its first start and
  /// last completion.
  double activeCycles = 0, firstCycle = 0, lastCycle = 0;
  uint64_t instrs = 0; // executed (every loop iteration)
  /// Busy cycles per pipe name (summed over cores).
  std::map<std::string, double> pipeBusy;
  /// Instruction streams (cores, AI-CPUs) it ran on.
  uint32_t streams = 0;
  double matrixFlops = 0, vectorOps = 0, aicpuOps = 0;
  uint64_t dramReadBytes = 0, dramWriteBytes = 0, l2HitBytes = 0;
  /// Its own roofline bound: its matrix FLOPs at each dtype's peak plus its
  /// vector work at the vector units' peak, against its DRAM bytes at the
  /// nominal bandwidth (the same terms as Stats' bound, for this node).
  double boundComputeSeconds = 0, boundDramSeconds = 0;

  double flops() const { return matrixFlops + vectorOps + aicpuOps; }
  uint64_t dramBytes() const { return dramReadBytes + dramWriteBytes; }
  double boundSeconds() const {
    return boundComputeSeconds > boundDramSeconds ? boundComputeSeconds
                                                  : boundDramSeconds;
  }
  /// "matrix", "vector", "ai-cpu", "matrix+vector", ... or "dma" when it
  /// computed nothing.
  std::string engine() const;
};

/// A roof of the target's roofline: a compute peak (FLOP/s) or, with
/// `bandwidth`, the DRAM slope (bytes/s).
struct Roof {
  std::string name;
  double value = 0;
  bool bandwidth = false;
};

struct Profile {
  std::string program, target;
  double clockHz = 0;
  double cycles = 0, kernelCycles = 0, launchCycles = 0;
  /// Kernel time during which no instruction was in flight (the pipes
  /// waited on flags, barriers or the scalar unit).
  double idleCycles = 0;
  /// Nodes, most time first.
  std::vector<NodeProfile> nodes;
  /// DRAM traffic over time: the bytes the DRAM arbiter granted (reads,
  /// writes, write-backs and the cache engine's reads; a short burst counts
  /// as the burst it costs) in consecutive buckets of `dramBucketCycles`
  /// from the kernel's start to its end (or to the end of the write-backs
  /// its last transfers caused), each at most `dramBucketCapacity` (the
  /// target's effective DRAM rate). Shows where a memory-bound program
  /// leaves the DRAM idle, which the per-node rows cannot.
  double dramBucketCycles = 0, dramBucketCapacity = 0;
  std::vector<double> dramBucketBytes;
  std::vector<Roof> roofs;

  double seconds(double c) const { return clockHz > 0 ? c / clockHz : 0; }
  /// A fixed-width table, one row per node (at most `maxRows`, the rest
  /// summed in one row; 0: all), then the idle and launch rows and a total.
  std::string toText(unsigned maxRows = 0) const;
  /// One JSON object: {program, target, clock_hz, cycles, seconds,
  /// kernel_cycles, launch_cycles, idle_cycles, roofs: [...], nodes: [...],
  /// dram_timeline: {bucket_cycles, capacity_bytes, bytes: [...]}}.
  std::string toJson() const;
  /// A self-contained HTML page (no external resources): the table and a
  /// log-log roofline plot (inline SVG) of every node with FLOPs.
  std::string toHtml() const;
};

/// Collects per-node counters while the simulator runs (SimOptions::profile).
class ProfileRecorder {
public:
  ProfileRecorder(const bin::Program &prog, const target::TargetDesc &t);

  /// What one executed (non-sync) instruction did.
  struct Work {
    double matrixFlops = 0, vectorOps = 0, vectorIdealCycles = 0;
    double aicpuOps = 0;
    DType matrixType = DType::F32;
    uint64_t dramReadBytes = 0, dramWriteBytes = 0, l2HitBytes = 0;
  };
  /// Instruction `instr` of `stream` ran on `pipe`, busy from `start` for
  /// `busy` cycles, its result complete at `complete`.
  void record(uint32_t stream, uint32_t instr, target::Pipe pipe, double start,
              double busy, double complete, const Work &work);

  /// The DRAM arbiter's use at the end of the run: bytes per window of
  /// `windowCycles` cycles, at most `windowBytes` each.
  void recordDramUse(const std::vector<double> &windows, double windowCycles,
                     double windowBytes);

  /// The profile of the finished run.
  Profile finish(const Stats &stats);

private:
  std::vector<double> dramWindows;
  double dramWindowCycles = 0, dramWindowBytes = 0;
  struct Node {
    NodeProfile p;
    std::map<DType, double> matrixFlopsByType;
    double vectorIdealCycles = 0;
    std::vector<bool> onStream;
    /// Disjoint intervals while compact; appended out of order otherwise.
    std::vector<std::pair<double, double>> spans;
    size_t compactedSize = 0;
    void addSpan(double a, double b);
    void compact();
  };
  const bin::Program &prog;
  const target::TargetDesc &t;
  /// Node index of every instruction, per stream (-1: no node).
  std::vector<std::vector<int32_t>> nodeOf;
  std::vector<Node> nodes;
  int32_t noNode = -1;
};

} // namespace tessera::sim

#endif // TESSERA_SIM_PROFILE_H
