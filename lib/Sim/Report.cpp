//===- Report.cpp - Statistics and Chrome trace output --------------------===//
#include "tessera/Sim/Simulator.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace tessera::sim {

using Json = nlohmann::ordered_json;

namespace {
/// JSON has no NaN or infinity; a rate with a zero denominator reports 0.
double finite(double v) { return std::isfinite(v) ? v : 0; }
} // namespace

std::string Stats::toJson() const {
  Json pipesJson = Json::object();
  for (const auto &[name, p] : pipes) {
    double busy = kernelCycles > 0 && p.units
                      ? p.busyCycles / (kernelCycles * p.units)
                      : 0;
    pipesJson[name] = {{"instructions", p.instrs},
                       {"units", p.units},
                       {"busy_cycles", finite(p.busyCycles)},
                       {"busy_percent", finite(100 * busy)}};
  }
  Json j = {{"cycles", finite(cycles)},
            {"kernel_cycles", finite(kernelCycles)},
            {"seconds", finite(seconds)},
            {"clock_hz", finite(clockHz)},
            {"instructions", instrs},
            {"static_instructions", staticInstrs},
            {"dynamic_instructions", dynamicInstrs},
            {"work", work},
            {"pipes", pipesJson},
            {"dram_read_bytes", dramReadBytes},
            {"dram_write_bytes", dramWriteBytes},
            {"dram_bytes", dramBytes()},
            {"l2_hit_bytes", l2HitBytes},
            {"l2_prefetch_read_bytes", l2PrefetchReadBytes},
            {"l2_dirty_bytes", l2DirtyBytes},
            {"l2_discarded_bytes", l2DiscardedBytes},
            {"l2_evicted_bytes", l2EvictedBytes},
            {"compulsory_dram_bytes", compulsoryDramBytes},
            {"constant_bytes_read", constantBytesRead},
            {"flops", finite(flops())},
            {"matrix_flops", finite(matrixFlops)},
            {"vector_ops", finite(vectorOps)},
            {"aicpu_ops", finite(aicpuOps)},
            {"peak_flops_per_s", finite(peakFlopsPerSec)},
            {"dram_bytes_per_s", finite(dramBytesPerSec)},
            {"bound_compute_seconds", finite(boundComputeSeconds)},
            {"bound_dram_seconds", finite(boundDramSeconds)},
            {"bound_seconds", finite(boundSeconds)},
            {"ratio_to_bound", finite(ratioToBound)},
            {"percent_of_matrix_peak",
             finite(seconds > 0 && peakFlopsPerSec > 0
                        ? 100 * matrixFlops / seconds / peakFlopsPerSec
                        : 0)},
            {"percent_of_dram_bandwidth",
             finite(seconds > 0
                        ? 100 * (double)dramBytes() / seconds / dramBytesPerSec
                        : 0)},
            {"host_seconds", finite(hostSeconds)}};
  return j.dump();
}

std::string Stats::toText() const {
  std::ostringstream os;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "cycles            %.0f (kernel %.0f + launch %.0f)\n"
                "time              %.3f us at %.3g GHz\n",
                cycles, kernelCycles, cycles - kernelCycles, seconds * 1e6,
                clockHz / 1e9);
  os << buf;
  std::snprintf(
      buf, sizeof buf, "instructions      %llu in the program, %llu fetched\n",
      (unsigned long long)staticInstrs, (unsigned long long)dynamicInstrs);
  os << buf;
  os << "pipe    instrs      busy%\n";
  for (const auto &kv : pipes) {
    double busy = kernelCycles > 0 && kv.second.units
                      ? kv.second.busyCycles / (kernelCycles * kv.second.units)
                      : 0;
    std::snprintf(buf, sizeof buf, "%-6s %8llu %9.1f%%\n", kv.first.c_str(),
                  (unsigned long long)kv.second.instrs, 100 * busy);
    os << buf;
  }
  // (Shown only when the cache engine read anything: most targets have none.)
  std::string prefetched = l2PrefetchReadBytes
                               ? ", " + std::to_string(l2PrefetchReadBytes) +
                                     " of them prefetched into the L2"
                               : "";
  // (Shown only when the program discarded dirty lines: most have none.)
  std::string discarded = l2DiscardedBytes
                              ? "; " + std::to_string(l2DiscardedBytes) +
                                    " dirty discarded by l2_discard"
                              : "";
  if (l2EvictedBytes)
    discarded += "; " + std::to_string(l2EvictedBytes) + " evicted by l2_evict";
  std::snprintf(
      buf, sizeof buf,
      "DRAM bytes        %llu (read %llu%s, write %llu; L2 hits %llu; %llu "
      "dirty in the L2 at the end%s)\n"
      "FLOPs             %.4g (matrix %.4g, vector %.4g, AI-CPU %.4g)\n",
      (unsigned long long)dramBytes(), (unsigned long long)dramReadBytes,
      prefetched.c_str(), (unsigned long long)dramWriteBytes,
      (unsigned long long)l2HitBytes, (unsigned long long)l2DirtyBytes,
      discarded.c_str(), flops(), matrixFlops, vectorOps, aicpuOps);
  os << buf;
  std::snprintf(
      buf, sizeof buf,
      "roofline bound    %.3f us (compute %.3f us, DRAM %.3f us for "
      "the %llu bytes that must cross it)\n"
      "simulated/bound   %.3f\n"
      "matrix peak       %.1f%%   DRAM bandwidth %.1f%%\n",
      boundSeconds * 1e6, boundComputeSeconds * 1e6, boundDramSeconds * 1e6,
      (unsigned long long)compulsoryDramBytes, ratioToBound,
      seconds > 0 && peakFlopsPerSec > 0
          ? 100 * matrixFlops / seconds / peakFlopsPerSec
          : 0.0,
      seconds > 0 ? 100 * (double)dramBytes() / seconds / dramBytesPerSec
                  : 0.0);
  os << buf;
  return os.str();
}

std::string Simulator::traceJson(const bin::Program &prog) const {
  // One event per line, written as it goes: a trace has an event per
  // executed instruction, too many to hold as one JSON document.
  std::ostringstream os;
  double usPerCycle = 1e6 / target_.clockHz;
  os << "{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n";
  bool first = true;
  auto emit = [&](const Json &e) {
    os << (first ? "" : ",\n") << e.dump();
    first = false;
  };
  // Name the tracks: one process per core, one thread per pipe.
  for (uint32_t s = 0; s < prog.streams.size(); ++s) {
    const bin::CoreStream &cs = prog.streams[s];
    std::string core = cs.coreType == bin::kAiCpuCoreType
                           ? "aicpu#" + std::to_string(cs.coreIndex)
                           : target_.coreTypes[cs.coreType].name + "#" +
                                 std::to_string(cs.coreIndex);
    emit({{"name", "process_name"},
          {"ph", "M"},
          {"pid", s},
          {"args", {{"name", core}}}});
    for (unsigned p = 0; p < target::kNumPipes; ++p)
      emit({{"name", "thread_name"},
            {"ph", "M"},
            {"pid", s},
            {"tid", p},
            {"args", {{"name", target::pipeName((target::Pipe)p)}}}});
  }
  // The source node (ONNX node name) of every instruction, from the debug
  // map, looked up once rather than per event.
  std::vector<std::vector<const std::string *>> nodeOf(prog.streams.size());
  for (size_t s = 0; s < prog.streams.size(); ++s)
    nodeOf[s].assign(prog.code((uint32_t)s).size(), nullptr);
  for (const bin::DebugEntry &d : prog.debug)
    if (d.stream < nodeOf.size() && d.instr < nodeOf[d.stream].size())
      nodeOf[d.stream][d.instr] = &d.loc;
  for (const TraceEvent &e : trace_) {
    const bin::Instr &in = prog.code(e.stream)[e.instr];
    Json args = {{"instr", e.instr}};
    if (const std::string *node = nodeOf[e.stream][e.instr])
      args["node"] = *node;
    // The iteration of each enclosing loop, outermost first (16 bits each).
    if (e.loopDepth) {
      Json iter = Json::array();
      for (unsigned i = 0; i < e.loopDepth && i < 4; ++i)
        iter.push_back((e.iters >> (16 * i)) & 0xFFFF);
      args["iter"] = iter;
    }
    emit({{"name", in.info().mnemonic},
          {"ph", "X"},
          {"pid", e.stream},
          {"tid", (unsigned)e.pipe},
          {"ts", finite(e.start * usPerCycle)},
          {"dur", finite((e.end - e.start) * usPerCycle)},
          {"args", args}});
  }
  os << "\n]}\n";
  return os.str();
}

} // namespace tessera::sim
