//===- Report.cpp - Statistics and Chrome trace output --------------------===//
#include "tessera/Sim/Simulator.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace tessera::sim {

namespace {
std::string num(double v) {
  if (!std::isfinite(v))
    return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
std::string jstr(const std::string &s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      o += '\\', o += c;
    else if ((unsigned char)c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else
      o += c;
  }
  return o + "\"";
}
} // namespace

std::string Stats::toJson() const {
  std::ostringstream os;
  os << "{\"cycles\": " << num(cycles)
     << ", \"kernel_cycles\": " << num(kernelCycles)
     << ", \"seconds\": " << num(seconds) << ", \"clock_hz\": " << num(clockHz)
     << ", \"instructions\": " << instrs
     << ", \"static_instructions\": " << staticInstrs
     << ", \"dynamic_instructions\": " << dynamicInstrs << ", \"pipes\": {";
  bool first = true;
  for (const auto &kv : pipes) {
    double busy = kernelCycles > 0 && kv.second.units
                      ? kv.second.busyCycles / (kernelCycles * kv.second.units)
                      : 0;
    os << (first ? "" : ", ") << jstr(kv.first)
       << ": {\"instructions\": " << kv.second.instrs
       << ", \"units\": " << kv.second.units
       << ", \"busy_cycles\": " << num(kv.second.busyCycles)
       << ", \"busy_percent\": " << num(100 * busy) << "}";
    first = false;
  }
  os << "}, \"dram_read_bytes\": " << dramReadBytes
     << ", \"dram_write_bytes\": " << dramWriteBytes
     << ", \"dram_bytes\": " << dramBytes()
     << ", \"l2_hit_bytes\": " << l2HitBytes
     << ", \"compulsory_dram_bytes\": " << compulsoryDramBytes
     << ", \"flops\": " << num(flops())
     << ", \"matrix_flops\": " << num(matrixFlops)
     << ", \"vector_ops\": " << num(vectorOps)
     << ", \"aicpu_ops\": " << num(aicpuOps)
     << ", \"peak_flops_per_s\": " << num(peakFlopsPerSec)
     << ", \"dram_bytes_per_s\": " << num(dramBytesPerSec)
     << ", \"bound_compute_seconds\": " << num(boundComputeSeconds)
     << ", \"bound_dram_seconds\": " << num(boundDramSeconds)
     << ", \"bound_seconds\": " << num(boundSeconds)
     << ", \"ratio_to_bound\": " << num(ratioToBound)
     << ", \"percent_of_matrix_peak\": "
     << num(seconds > 0 && peakFlopsPerSec > 0
                ? 100 * matrixFlops / seconds / peakFlopsPerSec
                : 0)
     << ", \"percent_of_dram_bandwidth\": "
     << num(seconds > 0 ? 100 * (double)dramBytes() / seconds / dramBytesPerSec
                        : 0)
     << ", \"host_seconds\": " << num(hostSeconds) << "}";
  return os.str();
}

std::string Stats::toText() const {
  std::ostringstream os;
  char buf[256];
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
  std::snprintf(
      buf, sizeof buf,
      "DRAM bytes        %llu (read %llu, write %llu; L2 hits %llu)\n"
      "FLOPs             %.4g (matrix %.4g, vector %.4g, AI-CPU %.4g)\n",
      (unsigned long long)dramBytes(), (unsigned long long)dramReadBytes,
      (unsigned long long)dramWriteBytes, (unsigned long long)l2HitBytes,
      flops(), matrixFlops, vectorOps, aicpuOps);
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
  std::ostringstream os;
  double usPerCycle = 1e6 / target_.clockHz;
  os << "{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n";
  bool first = true;
  auto emit = [&](const std::string &e) {
    os << (first ? "" : ",\n") << e;
    first = false;
  };
  // Name the tracks: one process per core, one thread per pipe.
  for (uint32_t s = 0; s < prog.streams.size(); ++s) {
    const bin::CoreStream &cs = prog.streams[s];
    std::string core = cs.coreType == bin::kAiCpuCoreType
                           ? "aicpu#" + std::to_string(cs.coreIndex)
                           : target_.coreTypes[cs.coreType].name + "#" +
                                 std::to_string(cs.coreIndex);
    emit("{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": " +
         std::to_string(s) + ", \"args\": {\"name\": " + jstr(core) + "}}");
    for (unsigned p = 0; p < target::kNumPipes; ++p)
      emit("{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": " +
           std::to_string(s) + ", \"tid\": " + std::to_string(p) +
           ", \"args\": {\"name\": " + jstr(target::pipeName((target::Pipe)p)) +
           "}}");
  }
  for (const TraceEvent &e : trace_) {
    const bin::Instr &in = prog.streams[e.stream].instrs[e.instr];
    std::string loc = prog.locOf(e.stream, e.instr);
    std::string iter;
    for (unsigned i = 0; i < e.loopDepth && i < 4; ++i)
      iter += (i ? ", " : "") + std::to_string((e.iters >> (16 * i)) & 0xFFFF);
    emit("{\"name\": " + jstr(in.info().mnemonic) +
         ", \"ph\": \"X\", \"pid\": " + std::to_string(e.stream) +
         ", \"tid\": " + std::to_string((unsigned)e.pipe) +
         ", \"ts\": " + num(e.start * usPerCycle) +
         ", \"dur\": " + num((e.end - e.start) * usPerCycle) +
         ", \"args\": {\"instr\": " + std::to_string(e.instr) +
         (loc.empty() ? "" : ", \"loc\": " + jstr(loc)) +
         (iter.empty() ? "" : ", \"iter\": [" + iter + "]") + "}}");
  }
  os << "\n]}\n";
  return os.str();
}

} // namespace tessera::sim
