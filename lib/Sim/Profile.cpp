//===- Profile.cpp - Per-node profile of a simulator run ------------------===//
//
// The recorder groups executed instructions by the node in their debug
// location; finish() splits the kernel's time among the nodes in flight and
// computes each node's roofline bound. The text, JSON and HTML forms of the
// profile are written here too (the HTML page is self-contained: inline SVG
// and a few lines of script that record how the plot was laid out, which the
// headless-browser test reads back).
//
//===----------------------------------------------------------------------===//
#include "tessera/Sim/Profile.h"

#include "tessera/Sim/Simulator.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <tuple>
#include <unordered_map>

namespace tessera::sim {

using Json = nlohmann::ordered_json;
using target::Pipe;

namespace {
double finite(double v) { return std::isfinite(v) ? v : 0; }

/// Vector units (cores with a V pipe) of a target.
uint32_t vectorUnits(const target::TargetDesc &t) {
  uint32_t n = 0;
  for (const target::CoreTypeDesc &ct : t.coreTypes)
    if (ct.hasPipe(Pipe::V))
      n += ct.count;
  return n;
}

std::string displayName(const NodeProfile &n) {
  return n.node.empty() ? "(no node)" : n.node;
}

/// FLOPs per DRAM byte; infinite without DRAM traffic.
double intensity(const NodeProfile &n) {
  return n.dramBytes() ? n.flops() / (double)n.dramBytes() : INFINITY;
}

std::string htmlEscape(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

/// 1234567 -> "1.23M"; integers below 10000 as they are.
std::string si(double v) {
  char buf[32];
  const char *units[] = {"", "K", "M", "G", "T", "P", "E"};
  unsigned u = 0;
  double a = std::fabs(v);
  if (a < 10000) {
    std::snprintf(buf, sizeof buf, v == std::floor(v) ? "%.0f" : "%.3g", v);
    return buf;
  }
  while (a >= 1000 && u + 1 < sizeof units / sizeof *units) {
    a /= 1000;
    v /= 1000;
    ++u;
  }
  std::snprintf(buf, sizeof buf, "%.3g%s", v, units[u]);
  return buf;
}
} // namespace

std::string NodeProfile::engine() const {
  // The compute pipes it kept busy, largest first; pipes with under a fifth
  // of the largest one's time are left out.
  std::vector<std::pair<double, std::string>> compute;
  auto add = [&](const char *pipe, const char *name) {
    auto it = pipeBusy.find(pipe);
    if (it != pipeBusy.end() && it->second > 0)
      compute.push_back({it->second, name});
  };
  add("M", "matrix");
  add("V", "vector");
  add("AICPU", "ai-cpu");
  if (compute.empty())
    return "dma";
  std::sort(compute.rbegin(), compute.rend());
  std::string out = compute[0].second;
  for (size_t i = 1; i < compute.size(); ++i)
    if (compute[i].first >= 0.2 * compute[0].first)
      out += "+" + compute[i].second;
  return out;
}

//===----------------------------------------------------------------------===//
// Recording
//===----------------------------------------------------------------------===//

ProfileRecorder::ProfileRecorder(const bin::Program &prog,
                                 const target::TargetDesc &t)
    : prog(prog), t(t) {
  nodeOf.resize(prog.streams.size());
  for (size_t s = 0; s < prog.streams.size(); ++s)
    nodeOf[s].assign(prog.code((uint32_t)s).size(), -1);
  std::unordered_map<std::string, int32_t> index;
  for (const bin::DebugEntry &d : prog.debug) {
    if (d.stream >= nodeOf.size() || d.instr >= nodeOf[d.stream].size())
      continue; // verifyProgram refuses these; stay safe regardless
    auto [it, inserted] = index.try_emplace(d.loc, (int32_t)nodes.size());
    if (inserted) {
      nodes.emplace_back();
      nodes.back().p.node = d.loc;
    }
    nodeOf[d.stream][d.instr] = it->second;
  }
}

void ProfileRecorder::Node::addSpan(double a, double b) {
  if (!spans.empty() && a >= spans.back().first && a <= spans.back().second) {
    spans.back().second = std::max(spans.back().second, b);
    return;
  }
  spans.push_back({a, b});
  // Out-of-order spans (pipes finish out of order) are merged in batches.
  if (spans.size() >= 2 * compactedSize + 64)
    compact();
}

void ProfileRecorder::Node::compact() {
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<double, double>> merged;
  for (const auto &s : spans) {
    if (!merged.empty() && s.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, s.second);
    else
      merged.push_back(s);
  }
  spans = std::move(merged);
  compactedSize = spans.size();
}

void ProfileRecorder::record(uint32_t stream, uint32_t instr, Pipe pipe,
                             double start, double busy, double complete,
                             const Work &w) {
  int32_t idx = nodeOf[stream][instr];
  if (idx < 0) {
    if (noNode < 0) {
      noNode = (int32_t)nodes.size();
      nodes.emplace_back();
    }
    idx = noNode;
  }
  Node &n = nodes[idx];
  NodeProfile &p = n.p;
  double end = std::max(start + busy, complete);
  if (!p.instrs || start < p.firstCycle)
    p.firstCycle = start;
  p.lastCycle = std::max(p.lastCycle, end);
  ++p.instrs;
  p.pipeBusy[target::pipeName(pipe)] += busy;
  if (n.onStream.size() <= stream)
    n.onStream.resize(prog.streams.size());
  if (!n.onStream[stream]) {
    n.onStream[stream] = true;
    ++p.streams;
  }
  p.matrixFlops += w.matrixFlops;
  if (w.matrixFlops)
    n.matrixFlopsByType[w.matrixType] += w.matrixFlops;
  p.vectorOps += w.vectorOps;
  n.vectorIdealCycles += w.vectorIdealCycles;
  p.aicpuOps += w.aicpuOps;
  p.dramReadBytes += w.dramReadBytes;
  p.dramWriteBytes += w.dramWriteBytes;
  p.l2HitBytes += w.l2HitBytes;
  if (end > start)
    n.addSpan(start, end);
}

void ProfileRecorder::recordDramUse(const std::vector<double> &windows,
                                    double windowCycles, double windowBytes) {
  dramWindows = windows;
  dramWindowCycles = windowCycles;
  dramWindowBytes = windowBytes;
}

Profile ProfileRecorder::finish(const Stats &stats) {
  Profile out;
  // The DRAM timeline in buckets of about a microsecond (whole arbiter
  // windows), up to the kernel's end or, where dirty lines evicted by its
  // last transfers are still being written back after it, to theirs.
  if (dramWindowCycles > 0) {
    size_t per = std::max<size_t>(
        1, (size_t)std::llround(t.clockHz * 1e-6 / dramWindowCycles));
    size_t windows = dramWindows.size();
    while (windows && dramWindows[windows - 1] <= 0)
      --windows;
    size_t buckets = std::max(
        (size_t)std::ceil(stats.kernelCycles / (dramWindowCycles * per)),
        (windows + per - 1) / per);
    out.dramBucketCycles = dramWindowCycles * (double)per;
    out.dramBucketCapacity = dramWindowBytes * (double)per;
    out.dramBucketBytes.assign(buckets, 0.0);
    for (size_t w = 0; w < windows; ++w)
      out.dramBucketBytes[w / per] += dramWindows[w];
  }
  out.program = prog.name;
  out.target = t.name;
  out.clockHz = t.clockHz;
  out.cycles = stats.cycles;
  out.kernelCycles = stats.kernelCycles;
  out.launchCycles = stats.cycles - stats.kernelCycles;

  // Attribution: while k nodes are in flight each gets dt / k. With
  // share(t) = integral of 1/k, a node's time is the sum over its (disjoint)
  // spans of share(end) - share(start).
  std::vector<std::pair<double, int>> edges;
  for (Node &n : nodes) {
    n.compact();
    for (const auto &s : n.spans) {
      edges.push_back({s.first, +1});
      edges.push_back({s.second, -1});
    }
  }
  std::sort(edges.begin(), edges.end());
  std::vector<double> times, share;
  int active = 0;
  double acc = 0, last = 0, busyTime = 0;
  for (const auto &[time, delta] : edges) {
    if (active > 0) {
      acc += (time - last) / active;
      busyTime += time - last;
    }
    if (times.empty() || times.back() != time) {
      times.push_back(time);
      share.push_back(acc);
    }
    active += delta;
    last = time;
  }
  auto shareAt = [&](double time) {
    size_t i =
        std::lower_bound(times.begin(), times.end(), time) - times.begin();
    return i < share.size() ? share[i] : acc;
  };
  out.idleCycles = std::max(0.0, stats.kernelCycles - busyTime);

  uint32_t vecUnits = vectorUnits(t);
  for (Node &n : nodes) {
    NodeProfile p = n.p;
    if (!p.instrs)
      continue;
    for (const auto &s : n.spans) {
      p.cycles += shareAt(s.second) - shareAt(s.first);
      p.activeCycles += s.second - s.first;
    }
    for (const auto &[type, fl] : n.matrixFlopsByType) {
      double peak = t.peakFlopsPerSec(type);
      if (peak > 0)
        p.boundComputeSeconds += fl / peak;
    }
    if (vecUnits)
      p.boundComputeSeconds += n.vectorIdealCycles / vecUnits / t.clockHz;
    p.boundDramSeconds = (double)p.dramBytes() / t.dramPeakBytesPerSec;
    out.nodes.push_back(std::move(p));
  }
  // Most time first; ties by name, so the order is deterministic.
  std::sort(out.nodes.begin(), out.nodes.end(),
            [](const NodeProfile &a, const NodeProfile &b) {
              return a.cycles != b.cycles ? a.cycles > b.cycles
                                          : a.node < b.node;
            });

  out.roofs.push_back({"DRAM", t.dramPeakBytesPerSec, true});
  // One roof per distinct matrix peak ("matrix f16/bf16").
  for (const auto &[type, f] : t.fractals) {
    (void)f;
    double peak = t.peakFlopsPerSec(type);
    auto same =
        std::find_if(out.roofs.begin(), out.roofs.end(), [&](const Roof &r) {
          return !r.bandwidth && r.value == peak;
        });
    if (same != out.roofs.end())
      same->name += std::string("/") + dtypeName(type);
    else
      out.roofs.push_back(
          {std::string("matrix ") + dtypeName(type), peak, false});
  }
  if (vecUnits)
    out.roofs.push_back({"vector f32",
                         vecUnits * t.clockHz * t.vectorBytesPerCycle / 4,
                         false});
  return out;
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

std::string Profile::toText(unsigned maxRows) const {
  std::ostringstream os;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "profile of '%s' on %s: %.3f us (%.0f cycles at %.3g GHz: "
                "kernel %.0f + launch %.0f)\n",
                program.c_str(), target.c_str(), seconds(cycles) * 1e6, cycles,
                clockHz / 1e9, kernelCycles, launchCycles);
  os << buf;
  size_t width = 12;
  for (const NodeProfile &n : nodes)
    width = std::max(width, displayName(n).size());
  width = std::min<size_t>(width, 40);
  auto name = [&](const std::string &s) {
    // Long names keep their end, which says the most (".../q_proj/MatMul").
    return s.size() <= width ? s : "..." + s.substr(s.size() - (width - 3));
  };
  std::snprintf(buf, sizeof buf,
                "%-*s %-13s %10s %6s %5s %9s %9s %8s %9s %9s %7s\n", (int)width,
                "node", "engine", "time us", "share", "cores", "FLOPs",
                "DRAM B", "FLOP/B", "GFLOP/s", "bound us", "of roof");
  os << buf;
  auto pct = [&](double c) { return cycles > 0 ? 100 * c / cycles : 0.0; };
  size_t shown = maxRows && maxRows < nodes.size() ? maxRows : nodes.size();
  for (size_t i = 0; i < shown; ++i) {
    const NodeProfile &n = nodes[i];
    double active = seconds(n.activeCycles);
    double oi = intensity(n);
    char oiText[32];
    if (std::isfinite(oi))
      std::snprintf(oiText, sizeof oiText, "%.3g", oi);
    else
      std::snprintf(oiText, sizeof oiText, "-");
    std::snprintf(buf, sizeof buf,
                  "%-*s %-13s %10.3f %5.1f%% %5u %9s %9s %8s %9.3g %9.3f "
                  "%6.1f%%\n",
                  (int)width, name(displayName(n)).c_str(), n.engine().c_str(),
                  seconds(n.cycles) * 1e6, pct(n.cycles), n.streams,
                  si(n.flops()).c_str(), si((double)n.dramBytes()).c_str(),
                  oiText, active > 0 ? n.flops() / active / 1e9 : 0.0,
                  n.boundSeconds() * 1e6,
                  active > 0 ? 100 * n.boundSeconds() / active : 0.0);
    os << buf;
  }
  if (shown < nodes.size()) {
    double c = 0;
    for (size_t i = shown; i < nodes.size(); ++i)
      c += nodes[i].cycles;
    std::snprintf(
        buf, sizeof buf, "%-*s %-13s %10.3f %5.1f%%\n", (int)width,
        ("(" + std::to_string(nodes.size() - shown) + " more)").c_str(), "",
        seconds(c) * 1e6, pct(c));
    os << buf;
  }
  std::snprintf(buf, sizeof buf, "%-*s %-13s %10.3f %5.1f%%\n", (int)width,
                "(idle)", "", seconds(idleCycles) * 1e6, pct(idleCycles));
  os << buf;
  std::snprintf(buf, sizeof buf, "%-*s %-13s %10.3f %5.1f%%\n", (int)width,
                "(launch)", "", seconds(launchCycles) * 1e6, pct(launchCycles));
  os << buf;
  std::snprintf(buf, sizeof buf, "%-*s %-13s %10.3f %5.1f%%\n", (int)width,
                "total", "", seconds(cycles) * 1e6, cycles > 0 ? 100.0 : 0.0);
  os << buf;
  return os.str();
}

static Json nodeJson(const Profile &p, const NodeProfile &n) {
  Json pipes = Json::object();
  for (const auto &[name, busy] : n.pipeBusy)
    pipes[name] = finite(busy);
  double active = p.seconds(n.activeCycles);
  double oi = intensity(n);
  return {{"name", n.node},
          {"engine", n.engine()},
          {"cycles", finite(n.cycles)},
          {"seconds", finite(p.seconds(n.cycles))},
          {"share", finite(p.cycles > 0 ? n.cycles / p.cycles : 0)},
          {"active_cycles", finite(n.activeCycles)},
          {"first_cycle", finite(n.firstCycle)},
          {"last_cycle", finite(n.lastCycle)},
          {"instructions", n.instrs},
          {"streams", n.streams},
          {"pipe_busy_cycles", pipes},
          {"flops", finite(n.flops())},
          {"matrix_flops", finite(n.matrixFlops)},
          {"vector_ops", finite(n.vectorOps)},
          {"aicpu_ops", finite(n.aicpuOps)},
          {"dram_read_bytes", n.dramReadBytes},
          {"dram_write_bytes", n.dramWriteBytes},
          {"dram_bytes", n.dramBytes()},
          {"l2_hit_bytes", n.l2HitBytes},
          // null: no DRAM traffic (infinite intensity).
          {"intensity", std::isfinite(oi) ? Json(oi) : Json()},
          {"attained_flops_per_s", finite(active > 0 ? n.flops() / active : 0)},
          {"bound_compute_seconds", finite(n.boundComputeSeconds)},
          {"bound_dram_seconds", finite(n.boundDramSeconds)},
          {"bound_seconds", finite(n.boundSeconds())},
          {"roof_ratio", finite(active > 0 ? n.boundSeconds() / active : 0)}};
}

std::string Profile::toJson() const {
  Json roofsJson = Json::array();
  for (const Roof &r : roofs)
    roofsJson.push_back({{"name", r.name},
                         {"kind", r.bandwidth ? "bytes_per_s" : "flops_per_s"},
                         {"value", finite(r.value)}});
  Json nodesJson = Json::array();
  for (const NodeProfile &n : nodes)
    nodesJson.push_back(nodeJson(*this, n));
  Json j = {{"program", program},
            {"target", target},
            {"clock_hz", finite(clockHz)},
            {"cycles", finite(cycles)},
            {"seconds", finite(seconds(cycles))},
            {"kernel_cycles", finite(kernelCycles)},
            {"launch_cycles", finite(launchCycles)},
            {"idle_cycles", finite(idleCycles)},
            {"roofs", roofsJson},
            {"nodes", nodesJson}};
  Json dramBytes = Json::array();
  for (double b : dramBucketBytes)
    dramBytes.push_back(finite(b));
  j["dram_timeline"] = {{"bucket_cycles", finite(dramBucketCycles)},
                        {"capacity_bytes", finite(dramBucketCapacity)},
                        {"bytes", dramBytes}};
  return j.dump();
}

namespace {
/// Log-log axes of the roofline plot, in SVG user units.
struct Axes {
  double x0 = 80, y0 = 30, w = 640, h = 400; // plot area
  double lx0 = 0, lx1 = 1, ly0 = 0, ly1 = 1; // log10 ranges
  double x(double v) const {
    return x0 + (std::log10(v) - lx0) / (lx1 - lx0) * w;
  }
  double y(double v) const {
    return y0 + h - (std::log10(v) - ly0) / (ly1 - ly0) * h;
  }
};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

/// 1e12 -> "1T" for axis labels.
std::string decade(int e) {
  const char *suffix[] = {"", "K", "M", "G", "T", "P", "E"};
  if (e >= 0 && e / 3 < 7)
    return std::to_string((int)std::pow(10, e % 3)) + suffix[e / 3];
  char buf[16];
  std::snprintf(buf, sizeof buf, "1e%d", e);
  return buf;
}
} // namespace

std::string Profile::toHtml() const {
  // Ranges: every plotted point, every ridge point and every peak.
  const Roof *bw = nullptr;
  double maxPeak = 0;
  for (const Roof &r : roofs)
    if (r.bandwidth)
      bw = &r;
    else
      maxPeak = std::max(maxPeak, r.value);
  double xmin = INFINITY, xmax = 0, ymin = INFINITY, ymax = maxPeak;
  std::vector<const NodeProfile *> plotted;
  size_t unplotted = 0;
  for (const NodeProfile &n : nodes) {
    double active = seconds(n.activeCycles);
    if (n.flops() <= 0 || active <= 0) {
      ++unplotted;
      continue;
    }
    plotted.push_back(&n);
    double oi = intensity(n), perf = n.flops() / active;
    if (std::isfinite(oi)) {
      xmin = std::min(xmin, oi);
      xmax = std::max(xmax, oi);
    }
    ymin = std::min(ymin, perf);
    ymax = std::max(ymax, perf);
  }
  if (bw && bw->value > 0)
    for (const Roof &r : roofs)
      if (!r.bandwidth && r.value > 0) {
        xmin = std::min(xmin, r.value / bw->value);
        xmax = std::max(xmax, r.value / bw->value);
      }
  if (!std::isfinite(xmin) || xmax <= 0)
    xmin = 0.1, xmax = 1000;
  if (!std::isfinite(ymin) || ymax <= 0)
    ymin = 1e9, ymax = std::max(ymax, 1e12);
  Axes ax;
  ax.lx0 = std::floor(std::log10(xmin)) - 1;
  ax.lx1 = std::ceil(std::log10(xmax)) + 1;
  ax.ly0 = std::floor(std::log10(ymin)) - 1;
  ax.ly1 = std::ceil(std::log10(ymax)) + 1;

  std::ostringstream svg;
  svg << "<svg id=\"roofline\" xmlns=\"http://www.w3.org/2000/svg\" "
         "width=\"760\" height=\"480\" viewBox=\"0 0 760 480\" "
         "font-family=\"sans-serif\" font-size=\"11\">\n";
  svg << "<rect id=\"plot-area\" x=\"" << ax.x0 << "\" y=\"" << ax.y0
      << "\" width=\"" << ax.w << "\" height=\"" << ax.h
      << "\" fill=\"#fcfcfc\" stroke=\"#888\"/>\n";
  // Grid and decade labels.
  for (int e = (int)ax.lx0; e <= (int)ax.lx1; ++e) {
    double x = ax.x0 + (e - ax.lx0) / (ax.lx1 - ax.lx0) * ax.w;
    svg << "<line x1=\"" << num(x) << "\" y1=\"" << ax.y0 << "\" x2=\""
        << num(x) << "\" y2=\"" << ax.y0 + ax.h
        << "\" stroke=\"#e4e4e4\"/><text x=\"" << num(x) << "\" y=\""
        << ax.y0 + ax.h + 16 << "\" text-anchor=\"middle\">" << decade(e)
        << "</text>\n";
  }
  for (int e = (int)ax.ly0; e <= (int)ax.ly1; ++e) {
    double y = ax.y0 + ax.h - (e - ax.ly0) / (ax.ly1 - ax.ly0) * ax.h;
    svg << "<line x1=\"" << ax.x0 << "\" y1=\"" << num(y) << "\" x2=\""
        << ax.x0 + ax.w << "\" y2=\"" << num(y)
        << "\" stroke=\"#e4e4e4\"/><text x=\"" << ax.x0 - 6 << "\" y=\""
        << num(y + 4) << "\" text-anchor=\"end\">" << decade(e) << "</text>\n";
  }
  svg << "<text x=\"" << ax.x0 + ax.w / 2 << "\" y=\"" << ax.y0 + ax.h + 34
      << "\" text-anchor=\"middle\">operational intensity (FLOP per DRAM "
         "byte)</text>\n";
  svg << "<text transform=\"translate(18," << ax.y0 + ax.h / 2
      << ") rotate(-90)\" text-anchor=\"middle\">attained FLOP/s</text>\n";
  // Roofs: min(peak, intensity x bandwidth) for every compute peak.
  const char *colors[] = {"#c0392b", "#2471a3", "#7d3c98",
                          "#b9770e", "#117a65", "#5d6d7e"};
  unsigned ci = 0;
  double xLo = std::pow(10, ax.lx0), xHi = std::pow(10, ax.lx1);
  for (const Roof &r : roofs) {
    if (r.bandwidth || r.value <= 0)
      continue;
    const char *color = colors[ci++ % 6];
    std::ostringstream pts;
    if (bw && bw->value > 0) {
      double ridge = r.value / bw->value;
      double yLo = xLo * bw->value;
      double xStart = xLo;
      if (yLo < std::pow(10, ax.ly0)) { // clip the slope at the bottom
        xStart = std::pow(10, ax.ly0) / bw->value;
        yLo = std::pow(10, ax.ly0);
      }
      pts << num(ax.x(xStart)) << "," << num(ax.y(yLo)) << " "
          << num(ax.x(ridge)) << "," << num(ax.y(r.value)) << " ";
    } else {
      pts << num(ax.x(xLo)) << "," << num(ax.y(r.value)) << " ";
    }
    pts << num(ax.x(xHi)) << "," << num(ax.y(r.value));
    svg << "<polyline class=\"roof\" data-roof=\"" << htmlEscape(r.name)
        << "\" points=\"" << pts.str() << "\" fill=\"none\" stroke=\"" << color
        << "\" stroke-width=\"1.5\"><title>" << htmlEscape(r.name) << ": "
        << si(r.value) << "FLOP/s</title></polyline>\n";
    svg << "<text x=\"" << num(ax.x0 + ax.w - 4) << "\" y=\""
        << num(ax.y(r.value) - 4) << "\" text-anchor=\"end\" fill=\"" << color
        << "\">" << htmlEscape(r.name) << " " << si(r.value)
        << "FLOP/s</text>\n";
  }
  if (bw)
    svg << "<text x=\"" << ax.x0 + 6 << "\" y=\"" << ax.y0 + ax.h - 6
        << "\" fill=\"#555\">DRAM " << si(bw->value) << "B/s</text>\n";
  // Points: area proportional to the node's share of the time; the five
  // that take the most time are labeled.
  unsigned labeled = 0;
  std::vector<std::tuple<double, double, double>> labelBoxes;
  for (const NodeProfile *n : plotted) {
    double active = seconds(n->activeCycles);
    double oi = intensity(*n), perf = n->flops() / active;
    bool noDram = !std::isfinite(oi);
    double x = noDram ? ax.x0 + ax.w - 6 : ax.x(oi);
    double r = 3 + 12 * std::sqrt(cycles > 0 ? n->cycles / cycles : 0);
    char tip[512];
    std::snprintf(tip, sizeof tip,
                  "%s (%s): %.3f us, %.1f%% of the time, %s FLOP, %s DRAM "
                  "bytes, %s FLOP/s, %.1f%% of its roofline bound",
                  displayName(*n).c_str(), n->engine().c_str(),
                  seconds(n->cycles) * 1e6,
                  cycles > 0 ? 100 * n->cycles / cycles : 0.0,
                  si(n->flops()).c_str(), si((double)n->dramBytes()).c_str(),
                  si(perf).c_str(), 100 * n->boundSeconds() / active);
    svg << "<circle class=\"point\" data-node=\"" << htmlEscape(n->node)
        << "\" cx=\"" << num(x) << "\" cy=\"" << num(ax.y(perf)) << "\" r=\""
        << num(r) << "\" fill=\"" << (noDram ? "#f5b041" : "#2e86c1")
        << "\" fill-opacity=\"0.6\" stroke=\"#1b4f72\"><title>"
        << htmlEscape(tip) << "</title></circle>\n";
    // Label on the side with room, unless it would cover another label.
    bool left = x > ax.x0 + 0.7 * ax.w;
    std::string label = displayName(*n);
    double lw = 6.2 * label.size(), ly = ax.y(perf) + 4;
    double lx = left ? x - r - 2 - lw : x + r + 2;
    bool overlaps = false;
    for (const auto &[bx, by, bw] : labelBoxes)
      overlaps |= lx < bx + bw && bx < lx + lw && std::fabs(ly - by) < 12;
    if (labeled < 5 && !overlaps) {
      ++labeled;
      labelBoxes.push_back({lx, ly, lw});
      svg << "<text class=\"label\" x=\"" << num(left ? x - r - 2 : x + r + 2)
          << "\" y=\"" << num(ax.y(perf) + 4) << "\" text-anchor=\""
          << (left ? "end" : "start") << "\" fill=\"#1b4f72\">"
          << htmlEscape(label) << "</text>\n";
    }
  }
  svg << "</svg>\n";

  std::ostringstream os;
  os << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
        "charset=\"utf-8\">\n<title>Tessera profile: "
     << htmlEscape(program) << " on " << htmlEscape(target)
     << "</title>\n<style>\nbody{font-family:sans-serif;margin:24px;"
        "color:#222}\ntable{border-collapse:collapse;font-size:12px}\n"
        "th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
        "\nth:first-child,td:first-child,td.engine{text-align:left}\n"
        "td:first-child{font-family:monospace}\n.note{color:#555;"
        "font-size:12px}\n</style>\n</head>\n<body>\n";
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%.3f us (%.0f cycles at %.3g GHz: kernel %.0f + launch "
                "%.0f)",
                seconds(cycles) * 1e6, cycles, clockHz / 1e9, kernelCycles,
                launchCycles);
  os << "<h1>" << htmlEscape(program) << " on " << htmlEscape(target)
     << "</h1>\n<p>" << buf << "</p>\n<h2>Roofline</h2>\n"
     << svg.str();
  os << "<p class=\"note\">One point per node with FLOPs (area: its share of "
        "the time); attained FLOP/s over the node's active time. Orange "
        "points moved no DRAM bytes (their intensity is unbounded) and sit "
        "at the right edge."
     << (unplotted ? " " + std::to_string(unplotted) +
                         " node(s) without FLOPs (data movement) are in the "
                         "table only."
                   : std::string())
     << "</p>\n<h2>Nodes</h2>\n<table id=\"nodes\">\n<tr><th>node</th>"
        "<th>engine</th><th>time us</th><th>share</th><th>cores</th>"
        "<th>FLOPs</th><th>DRAM bytes</th><th>FLOP/B</th><th>GFLOP/s</th>"
        "<th>bound us</th><th>of roof</th></tr>\n";
  for (const NodeProfile &n : nodes) {
    double active = seconds(n.activeCycles);
    double oi = intensity(n);
    std::snprintf(
        buf, sizeof buf,
        "<td>%.3f</td><td>%.1f%%</td><td>%u</td><td>%s</td><td>%s</td>"
        "<td>%s</td><td>%.3g</td><td>%.3f</td><td>%.1f%%</td></tr>\n",
        seconds(n.cycles) * 1e6, cycles > 0 ? 100 * n.cycles / cycles : 0.0,
        n.streams, si(n.flops()).c_str(), si((double)n.dramBytes()).c_str(),
        std::isfinite(oi) ? num(oi).c_str() : "-",
        active > 0 ? n.flops() / active / 1e9 : 0.0, n.boundSeconds() * 1e6,
        active > 0 ? 100 * n.boundSeconds() / active : 0.0);
    os << "<tr><td>" << htmlEscape(displayName(n)) << "</td><td class="
       << "\"engine\">" << n.engine() << "</td>" << buf;
  }
  std::snprintf(buf, sizeof buf,
                "<tr><td>(idle)</td><td></td><td>%.3f</td><td>%.1f%%</td></tr>"
                "\n<tr><td>(launch)</td><td></td><td>%.3f</td><td>%.1f%%</td>"
                "</tr>\n</table>\n",
                seconds(idleCycles) * 1e6,
                cycles > 0 ? 100 * idleCycles / cycles : 0.0,
                seconds(launchCycles) * 1e6,
                cycles > 0 ? 100 * launchCycles / cycles : 0.0);
  os << buf;
  // After layout, record how many points the browser drew inside the plot
  // area (test/Tools/profile-html.test reads it back from the DOM).
  os << "<script>\nwindow.addEventListener('load', function () {\n"
        "  var area = document.getElementById('plot-area')."
        "getBoundingClientRect();\n"
        "  var points = document.querySelectorAll('#roofline .point');\n"
        "  var inside = 0;\n"
        "  points.forEach(function (p) {\n"
        "    var r = p.getBoundingClientRect();\n"
        "    if (r.width > 0 && r.left >= area.left - 1 && r.right <= "
        "area.right + 1 &&\n"
        "        r.top >= area.top - 1 && r.bottom <= area.bottom + 1)\n"
        "      inside++;\n"
        "  });\n"
        "  var roofs = document.querySelectorAll('#roofline .roof');\n"
        "  var drawn = 0;\n"
        "  roofs.forEach(function (r) { if (r.getTotalLength() > 0) drawn++; "
        "});\n"
        "  document.body.setAttribute('data-rendered', 'points ' + inside + "
        "'/' + points.length + ' roofs ' + drawn + '/' + roofs.length);\n"
        "});\n</script>\n</body>\n</html>\n";
  return os.str();
}

} // namespace tessera::sim
