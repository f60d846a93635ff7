//===- Target.cpp - Target descriptions: JSON parsing and validation ------===//
//
// Parsing never throws (Debian's LLVM builds with -fno-exceptions): every
// access checks the JSON type first and reports the dotted path of the field.
//
//===----------------------------------------------------------------------===//
#include "tessera/Target/Target.h"
#include "tessera/Support/FileIO.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

using nlohmann::json;

namespace tessera::target {

// Generated at build time from presets/*.json (see CMakeLists.txt).
#include "TargetPresets.inc"

static const char *const kPipeNames[kNumPipes] = {
    "S", "MTE2", "MTE1", "M", "FIX", "V", "MTE3", "AICPU"};
static const char *const kSpaceNames[kNumSpaces] = {"GM",  "L2",  "L1", "L0A",
                                                    "L0B", "L0C", "UB", "LMEM"};

const char *pipeName(Pipe p) {
  return (unsigned)p < kNumPipes ? kPipeNames[(unsigned)p] : "?";
}
std::optional<Pipe> parsePipeName(const std::string &name) {
  for (unsigned i = 0; i < kNumPipes; ++i)
    if (name == kPipeNames[i])
      return (Pipe)i;
  return std::nullopt;
}
const char *spaceName(Space s) {
  return (unsigned)s < kNumSpaces ? kSpaceNames[(unsigned)s] : "?";
}
std::optional<Space> parseSpaceName(const std::string &name) {
  for (unsigned i = 0; i < kNumSpaces; ++i)
    if (name == kSpaceNames[i])
      return (Space)i;
  return std::nullopt;
}

uint64_t fnv1a64(const void *data, size_t size, uint64_t h) {
  const uint8_t *p = (const uint8_t *)data;
  for (size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

bool CoreTypeDesc::hasPipe(Pipe p) const {
  for (Pipe q : pipes)
    if (q == p)
      return true;
  return false;
}
bool CoreTypeDesc::hasSpace(Space s) const {
  for (Space q : spaces)
    if (q == s)
      return true;
  return false;
}

bool TargetDesc::spaceServes(Space s, Space role) const {
  const SpaceDesc &d = space(s);
  if (!d.present)
    return false;
  for (Space r : d.serves)
    if (r == role)
      return true;
  return false;
}

const DmaPath *TargetDesc::findPath(Space from, Space to,
                                    std::optional<Pipe> pipe) const {
  for (const DmaPath &p : dmaPaths)
    if (p.from == from && p.to == to && (!pipe || p.pipe == *pipe))
      return &p;
  return nullptr;
}

const Fractal *TargetDesc::fractal(DType t) const {
  auto it = fractals.find(t);
  return it == fractals.end() ? nullptr : &it->second;
}

double TargetDesc::vectorCost(const std::string &op) const {
  auto it = vectorOpCycles.find(op);
  return it == vectorOpCycles.end() ? 1.0 : it->second;
}

bool TargetDesc::separateVectorCores() const {
  bool matrixOnly = false, vectorOnly = false;
  for (const CoreTypeDesc &c : coreTypes) {
    matrixOnly |= c.hasPipe(Pipe::M) && !c.hasPipe(Pipe::V);
    vectorOnly |= c.hasPipe(Pipe::V) && !c.hasPipe(Pipe::M);
  }
  return matrixOnly && vectorOnly;
}

uint32_t TargetDesc::totalCores() const {
  uint32_t n = 0;
  for (const CoreTypeDesc &c : coreTypes)
    n += c.count;
  return n;
}

bool TargetDesc::coreOf(uint32_t flat, uint32_t &type, uint32_t &index) const {
  for (uint32_t t = 0; t < coreTypes.size(); ++t) {
    if (flat < coreTypes[t].count) {
      type = t;
      index = flat;
      return true;
    }
    flat -= coreTypes[t].count;
  }
  return false;
}

uint32_t TargetDesc::flatCoreId(uint32_t type, uint32_t index) const {
  uint32_t n = 0;
  for (uint32_t t = 0; t < type && t < coreTypes.size(); ++t)
    n += coreTypes[t].count;
  return n + index;
}

double TargetDesc::peakFlopsPerSec(DType t) const {
  const Fractal *f = fractal(t);
  if (!f)
    return 0;
  uint32_t cores = 0;
  for (const CoreTypeDesc &c : coreTypes)
    if (c.hasPipe(Pipe::M))
      cores += c.count;
  return 2.0 * f->m * f->k * f->n * cores * clockHz;
}

namespace {
/// Typed, path-aware access to a JSON object. The first error wins.
class Reader {
public:
  explicit Reader(std::string &error) : error(error) {}
  bool failed() const { return !error.empty(); }

  bool fail(const std::string &path, const std::string &msg) {
    if (error.empty())
      error = path + ": " + msg;
    return false;
  }

  const json *field(const json &obj, const std::string &path,
                    const std::string &key, bool required) {
    if (!obj.is_object()) {
      fail(path, "expected an object");
      return nullptr;
    }
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required)
        fail(join(path, key), "missing required field");
      return nullptr;
    }
    return &*it;
  }

  static std::string join(const std::string &path, const std::string &key) {
    return path.empty() ? key : path + "." + key;
  }

  bool number(const json &obj, const std::string &path, const std::string &key,
              double &out, bool required, double lo, double hi) {
    const json *v = field(obj, path, key, required);
    if (!v)
      return !required;
    if (!v->is_number())
      return fail(join(path, key), "expected a number");
    double d = v->get<double>();
    if (!std::isfinite(d) || d < lo || d > hi) {
      std::ostringstream os;
      os << "value " << d << " out of range [" << lo << ", " << hi << "]";
      return fail(join(path, key), os.str());
    }
    out = d;
    return true;
  }

  template <typename IntT>
  bool integer(const json &obj, const std::string &path, const std::string &key,
               IntT &out, bool required, double lo, double hi) {
    const json *v = field(obj, path, key, required);
    if (!v)
      return !required;
    if (!v->is_number_integer() && !v->is_number_unsigned())
      return fail(join(path, key), "expected an integer");
    double d = v->is_number_unsigned() ? (double)v->get<uint64_t>()
                                       : (double)v->get<int64_t>();
    if (d < lo || d > hi) {
      std::ostringstream os;
      os << "value " << (v->is_number_unsigned() ? v->get<uint64_t>() : 0)
         << (v->is_number_unsigned() ? "" : std::to_string(v->get<int64_t>()))
         << " out of range [" << (uint64_t)lo << ", " << (uint64_t)hi << "]";
      return fail(join(path, key), os.str());
    }
    out = v->is_number_unsigned() ? (IntT)v->get<uint64_t>()
                                  : (IntT)v->get<int64_t>();
    return true;
  }

  /// Unknown fields are errors: a typo must not fall back to a default.
  bool onlyKeys(const json &obj, const std::string &path,
                std::initializer_list<const char *> keys) {
    if (!obj.is_object())
      return fail(path, "expected an object");
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool known = false;
      for (const char *k : keys)
        known = known || it.key() == k;
      if (!known)
        return fail(join(path, it.key()), "unknown field");
    }
    return true;
  }

  bool string(const json &obj, const std::string &path, const std::string &key,
              std::string &out, bool required) {
    const json *v = field(obj, path, key, required);
    if (!v)
      return !required;
    if (!v->is_string())
      return fail(join(path, key), "expected a string");
    out = v->get<std::string>();
    return true;
  }

  bool boolean(const json &obj, const std::string &path, const std::string &key,
               bool &out, bool required) {
    const json *v = field(obj, path, key, required);
    if (!v)
      return !required;
    if (!v->is_boolean())
      return fail(join(path, key), "expected true or false");
    out = v->get<bool>();
    return true;
  }

  bool pipe(const json &v, const std::string &path, Pipe &out) {
    if (!v.is_string())
      return fail(path, "expected a pipe name");
    auto p = parsePipeName(v.get<std::string>());
    if (!p)
      return fail(path,
                  "unknown pipe '" + v.get<std::string>() +
                      "' (expected S, MTE2, MTE1, M, FIX, V, MTE3, AICPU)");
    out = *p;
    return true;
  }

  bool space(const json &v, const std::string &path, Space &out) {
    if (!v.is_string())
      return fail(path, "expected a memory space name");
    auto s = parseSpaceName(v.get<std::string>());
    if (!s)
      return fail(path, "unknown memory space '" + v.get<std::string>() +
                            "' (expected GM, L2, L1, L0A, L0B, L0C, UB, LMEM)");
    out = *s;
    return true;
  }

  bool dtype(const std::string &name, const std::string &path, DType &out) {
    auto d = parseDTypeName(name);
    if (!d)
      return fail(path, "unknown dtype '" + name + "'");
    out = *d;
    return true;
  }

private:
  std::string &error;
};

bool isPow2(uint64_t v) { return v && !(v & (v - 1)); }

bool parseInto(const json &j, TargetDesc &t, Reader &r) {
  const std::set<std::string> known = {"name",
                                       "description",
                                       "sources",
                                       "clock_hz",
                                       "launch_overhead_cycles",
                                       "issue_cycles_per_instr",
                                       "cores",
                                       "memory",
                                       "dram",
                                       "l2_cache",
                                       "dma",
                                       "matrix",
                                       "vector",
                                       "sync",
                                       "scalar",
                                       "aicpu"};
  if (!j.is_object())
    return r.fail("<root>", "a target description must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key()))
      return r.fail(it.key(), "unknown field");

  if (!r.string(j, "", "name", t.name, true))
    return false;
  if (t.name.empty() || t.name.size() > 31)
    return r.fail("name", "must be 1 to 31 characters");
  r.string(j, "", "description", t.description, false);
  if (const json *s = r.field(j, "", "sources", false)) {
    if (!s->is_array())
      return r.fail("sources", "expected an array of strings");
    for (const json &e : *s) {
      if (!e.is_string())
        return r.fail("sources", "expected an array of strings");
      t.sources.push_back(e.get<std::string>());
    }
  }
  if (!r.number(j, "", "clock_hz", t.clockHz, true, 1e6, 1e11) ||
      !r.integer(j, "", "launch_overhead_cycles", t.launchOverheadCycles, false,
                 0, 1e9) ||
      !r.integer(j, "", "issue_cycles_per_instr", t.issueCyclesPerInstr, false,
                 0, 1000))
    return false;

  // Memory spaces first: cores refer to them.
  const json *mem = r.field(j, "", "memory", true);
  if (!mem)
    return false;
  if (!mem->is_object())
    return r.fail("memory", "expected an object keyed by space name");
  for (auto it = mem->begin(); it != mem->end(); ++it) {
    std::string path = "memory." + it.key();
    Space s;
    if (!r.space(it.key(), path, s))
      return false;
    SpaceDesc &d = t.spaces[(unsigned)s];
    d.present = true;
    const std::set<std::string> keys = {"bytes", "align", "banks", "serves"};
    if (!it->is_object())
      return r.fail(path, "expected an object");
    for (auto f = it->begin(); f != it->end(); ++f)
      if (!keys.count(f.key()))
        return r.fail(path + "." + f.key(), "unknown field");
    // The simulator holds every local memory in host memory (per core), and
    // GM too in functional runs: sizes beyond real chips are refused here.
    double maxBytes = s == Space::GM   ? 0x1p40  // 1 TiB
                      : s == Space::L2 ? 0x1p32  // 4 GiB
                                       : 0x1p30; // 1 GiB per core
    if (!r.integer(*it, path, "bytes", d.bytes, true, 1, maxBytes) ||
        !r.integer(*it, path, "align", d.align, false, 1, 1 << 20) ||
        !r.integer(*it, path, "banks", d.banks, false, 1, 1024))
      return false;
    if (!isPow2(d.align))
      return r.fail(path + ".align", "must be a power of two");
    d.serves = {s};
    if (const json *sv = r.field(*it, path, "serves", false)) {
      if (!sv->is_array())
        return r.fail(path + ".serves", "expected an array of space names");
      for (const json &e : *sv) {
        Space role;
        if (!r.space(e, path + ".serves", role))
          return false;
        if (isGlobalSpace(role) || role == Space::LMEM)
          return r.fail(path + ".serves",
                        "a local memory can only serve L1, L0A, L0B, L0C, UB");
        d.serves.push_back(role);
      }
    }
  }
  if (!t.space(Space::GM).present)
    return r.fail("memory.GM", "missing required field");

  const json *cores = r.field(j, "", "cores", true);
  if (!cores)
    return false;
  if (!cores->is_array() || cores->empty())
    return r.fail("cores", "expected a non-empty array of core types");
  for (size_t i = 0; i < cores->size(); ++i) {
    std::string path = "cores[" + std::to_string(i) + "]";
    const json &c = (*cores)[i];
    CoreTypeDesc ct;
    if (!r.onlyKeys(c, path, {"type", "count", "pipes", "spaces"}))
      return false;
    if (!r.string(c, path, "type", ct.name, true) ||
        !r.integer(c, path, "count", ct.count, true, 1, 4096))
      return false;
    for (const CoreTypeDesc &o : t.coreTypes)
      if (o.name == ct.name)
        return r.fail(path + ".type", "duplicate core type '" + ct.name + "'");
    const json *pipes = r.field(c, path, "pipes", true);
    if (!pipes)
      return false;
    if (!pipes->is_array() || pipes->empty())
      return r.fail(path + ".pipes", "expected a non-empty array of pipes");
    for (const json &p : *pipes) {
      Pipe pp;
      if (!r.pipe(p, path + ".pipes", pp))
        return false;
      if (pp == Pipe::AICPU)
        return r.fail(path + ".pipes",
                      "AICPU is not a core pipe; describe it under 'aicpu'");
      if (ct.hasPipe(pp))
        return r.fail(path + ".pipes",
                      std::string("duplicate pipe ") + pipeName(pp));
      ct.pipes.push_back(pp);
    }
    if (!ct.hasPipe(Pipe::S))
      return r.fail(path + ".pipes", "every core needs the scalar pipe S");
    const json *spaces = r.field(c, path, "spaces", true);
    if (!spaces)
      return false;
    if (!spaces->is_array())
      return r.fail(path + ".spaces", "expected an array of space names");
    for (const json &s : *spaces) {
      Space ss;
      if (!r.space(s, path + ".spaces", ss))
        return false;
      if (isGlobalSpace(ss))
        return r.fail(path + ".spaces",
                      "GM and L2 are shared, not per-core spaces");
      if (!t.space(ss).present)
        return r.fail(path + ".spaces", std::string("space ") + spaceName(ss) +
                                            " is not described in 'memory'");
      ct.spaces.push_back(ss);
    }
    t.coreTypes.push_back(std::move(ct));
  }

  const json *dram = r.field(j, "", "dram", true);
  if (!dram)
    return false;
  double perCore = 0;
  if (!r.onlyKeys(*dram, "dram",
                  {"peak_bytes_per_s", "efficiency", "latency_cycles",
                   "per_core_bytes_per_cycle"}))
    return false;
  // Omitting per_core_bytes_per_cycle means no per-core cap; a cap of zero
  // bytes per cycle would stall every load.
  if (!r.number(*dram, "dram", "peak_bytes_per_s", t.dramPeakBytesPerSec, true,
                1e6, 1e15) ||
      !r.number(*dram, "dram", "efficiency", t.dramEfficiency, false, 0.01,
                1.0) ||
      !r.integer(*dram, "dram", "latency_cycles", t.dramLatencyCycles, false, 0,
                 1e6) ||
      !r.number(*dram, "dram", "per_core_bytes_per_cycle", perCore, false,
                0.001, 1e6))
    return false;
  t.dramPerCoreBytesPerCycle = perCore;

  if (const json *l2 = r.field(j, "", "l2_cache", false)) {
    t.l2.present = true;
    if (!r.onlyKeys(*l2, "l2_cache",
                    {"bytes", "line_bytes", "read_bytes_per_cycle_per_core",
                     "write_bytes_per_cycle_per_core", "hit_latency_cycles",
                     "write_back", "prefetch_bytes_per_cycle"}))
      return false;
    if (!r.integer(*l2, "l2_cache", "bytes", t.l2.bytes, true, 1, 0x1p32) ||
        !r.integer(*l2, "l2_cache", "line_bytes", t.l2.lineBytes, false, 16,
                   1 << 20) ||
        !r.number(*l2, "l2_cache", "read_bytes_per_cycle_per_core",
                  t.l2.readBytesPerCycle, true, 0.001, 1e6) ||
        !r.number(*l2, "l2_cache", "write_bytes_per_cycle_per_core",
                  t.l2.writeBytesPerCycle, true, 0.001, 1e6) ||
        !r.integer(*l2, "l2_cache", "hit_latency_cycles", t.l2.hitLatencyCycles,
                   false, 0, 1e6) ||
        !r.boolean(*l2, "l2_cache", "write_back", t.l2.writeBack, false) ||
        !r.number(*l2, "l2_cache", "prefetch_bytes_per_cycle",
                  t.l2.prefetchBytesPerCycle, false, 0, 1e6))
      return false;
    if (!isPow2(t.l2.lineBytes))
      return r.fail("l2_cache.line_bytes", "must be a power of two");
    if (t.space(Space::L2).present)
      return r.fail("l2_cache", "a chip has either an addressable L2 "
                                "(memory.L2) or an L2 cache, not both");
  }

  const json *dma = r.field(j, "", "dma", true);
  if (!dma)
    return false;
  if (!r.onlyKeys(*dma, "dma",
                  {"shared_load_store_engine", "burst_bytes",
                   "short_burst_penalty_cycles", "paths"}))
    return false;
  if (!r.boolean(*dma, "dma", "shared_load_store_engine",
                 t.sharedLoadStoreEngine, false) ||
      !r.integer(*dma, "dma", "burst_bytes", t.burstBytes, false, 1, 1 << 20) ||
      !r.integer(*dma, "dma", "short_burst_penalty_cycles",
                 t.shortBurstPenaltyCycles, false, 0, 1e6))
    return false;
  const json *paths = r.field(*dma, "dma", "paths", true);
  if (!paths)
    return false;
  if (!paths->is_array())
    return r.fail("dma.paths", "expected an array");
  for (size_t i = 0; i < paths->size(); ++i) {
    std::string path = "dma.paths[" + std::to_string(i) + "]";
    const json &p = (*paths)[i];
    DmaPath d;
    if (!r.onlyKeys(
            p, path,
            {"from", "to", "pipe", "bytes_per_cycle", "latency_cycles"}))
      return false;
    const json *from = r.field(p, path, "from", true);
    const json *to = from ? r.field(p, path, "to", true) : nullptr;
    const json *pipe = to ? r.field(p, path, "pipe", true) : nullptr;
    if (!pipe || !r.space(*from, path + ".from", d.from) ||
        !r.space(*to, path + ".to", d.to) ||
        !r.pipe(*pipe, path + ".pipe", d.pipe))
      return false;
    if (!t.space(d.from).present)
      return r.fail(path + ".from", std::string("space ") + spaceName(d.from) +
                                        " is not described in 'memory'");
    if (!t.space(d.to).present)
      return r.fail(path + ".to", std::string("space ") + spaceName(d.to) +
                                      " is not described in 'memory'");
    if (!r.number(p, path, "bytes_per_cycle", d.bytesPerCycle, true, 0.001,
                  1e6) ||
        !r.integer(p, path, "latency_cycles", d.latencyCycles, false, 0, 1e7))
      return false;
    for (const DmaPath &o : t.dmaPaths)
      if (o.from == d.from && o.to == d.to && o.pipe == d.pipe)
        return r.fail(path, std::string("duplicate path ") + spaceName(d.from) +
                                " -> " + spaceName(d.to) + " on " +
                                pipeName(d.pipe));
    t.dmaPaths.push_back(d);
  }

  const json *mat = r.field(j, "", "matrix", true);
  if (!mat)
    return false;
  if (!r.onlyKeys(*mat, "matrix", {"fractals", "startup_cycles"}))
    return false;
  const json *fr = r.field(*mat, "matrix", "fractals", true);
  if (!fr)
    return false;
  if (!fr->is_object() || fr->empty())
    return r.fail("matrix.fractals", "expected an object: dtype -> [m, k, n]");
  for (auto it = fr->begin(); it != fr->end(); ++it) {
    std::string path = "matrix.fractals." + it.key();
    DType dt;
    if (!r.dtype(it.key(), path, dt))
      return false;
    if (dt != DType::BF16 && dt != DType::F16 && dt != DType::F32 &&
        dt != DType::I8)
      return r.fail(path, "the matrix engine supports bf16, f16, f32 and i8");
    if (!it->is_array() || it->size() != 3)
      return r.fail(path, "expected [m, k, n]");
    Fractal f;
    uint32_t *dims[3] = {&f.m, &f.k, &f.n};
    for (int d = 0; d < 3; ++d) {
      const json &v = (*it)[d];
      if (!v.is_number_integer() || v.get<int64_t>() < 1 ||
          v.get<int64_t>() > 1024)
        return r.fail(path, "fractal dimensions must be integers in [1, 1024]");
      *dims[d] = (uint32_t)v.get<int64_t>();
    }
    t.fractals[dt] = f;
  }
  if (!r.integer(*mat, "matrix", "startup_cycles", t.mmadStartupCycles, false,
                 0, 1e6))
    return false;

  const json *vec = r.field(j, "", "vector", true);
  if (!vec)
    return false;
  if (!r.onlyKeys(*vec, "vector",
                  {"bytes_per_cycle", "startup_cycles", "dtypes", "op_cycles"}))
    return false;
  if (!r.number(*vec, "vector", "bytes_per_cycle", t.vectorBytesPerCycle, true,
                1, 1 << 20) ||
      !r.integer(*vec, "vector", "startup_cycles", t.vectorStartupCycles, false,
                 0, 1e6))
    return false;
  if (const json *dts = r.field(*vec, "vector", "dtypes", false)) {
    if (!dts->is_array())
      return r.fail("vector.dtypes", "expected an array of dtype names");
    for (const json &d : *dts) {
      DType dt;
      if (!d.is_string())
        return r.fail("vector.dtypes", "expected an array of dtype names");
      if (!r.dtype(d.get<std::string>(), "vector.dtypes", dt))
        return false;
      t.vectorDTypes.push_back(dt);
    }
  } else {
    t.vectorDTypes = {DType::F32, DType::F16, DType::BF16, DType::I32,
                      DType::I16, DType::I8,  DType::U8};
  }
  if (const json *oc = r.field(*vec, "vector", "op_cycles", false)) {
    if (!oc->is_object())
      return r.fail("vector.op_cycles", "expected an object: op -> cycles");
    for (auto it = oc->begin(); it != oc->end(); ++it) {
      double c;
      if (!r.number(*oc, "vector.op_cycles", it.key(), c, true, 0.01, 1e5))
        return false;
      t.vectorOpCycles[it.key()] = c;
    }
  }

  if (const json *sync = r.field(j, "", "sync", false)) {
    if (!r.onlyKeys(*sync, "sync",
                    {"flag_ids_per_pipe_pair", "cross_core_flags",
                     "flag_latency_cycles"}))
      return false;
    if (!r.integer(*sync, "sync", "flag_ids_per_pipe_pair",
                   t.flagIdsPerPipePair, false, 1, 64) ||
        !r.integer(*sync, "sync", "cross_core_flags", t.crossCoreFlags, false,
                   0, 1024) ||
        !r.integer(*sync, "sync", "flag_latency_cycles", t.flagLatencyCycles,
                   false, 0, 1e6))
      return false;
  }

  if (const json *sc = r.field(j, "", "scalar", false)) {
    if (!sc->is_object())
      return r.fail("scalar", "expected an object");
    const std::set<std::string> knownScalar = {
        "registers",    "max_loop_depth",   "alu_cycles",
        "mul_cycles",   "div_cycles",       "load_cycles",
        "store_cycles", "branch_cycles",    "load_hit_cycles",
        "dcache_bytes", "dcache_line_bytes"};
    for (auto it = sc->begin(); it != sc->end(); ++it)
      if (!knownScalar.count(it.key()))
        return r.fail("scalar." + it.key(), "unknown field");
    ScalarDesc &s = t.scalar;
    if (!r.integer(*sc, "scalar", "registers", s.registers, false, 2, 256) ||
        !r.integer(*sc, "scalar", "max_loop_depth", s.maxLoopDepth, false, 0,
                   64) ||
        !r.integer(*sc, "scalar", "alu_cycles", s.aluCycles, false, 0, 1e6) ||
        !r.integer(*sc, "scalar", "mul_cycles", s.mulCycles, false, 0, 1e6) ||
        !r.integer(*sc, "scalar", "div_cycles", s.divCycles, false, 0, 1e6) ||
        !r.integer(*sc, "scalar", "load_cycles", s.loadCycles, false, 0, 1e6) ||
        !r.integer(*sc, "scalar", "store_cycles", s.storeCycles, false, 0,
                   1e6) ||
        !r.integer(*sc, "scalar", "branch_cycles", s.branchCycles, false, 0,
                   1e6) ||
        !r.integer(*sc, "scalar", "load_hit_cycles", s.loadHitCycles, false, 0,
                   1e6) ||
        !r.integer(*sc, "scalar", "dcache_bytes", s.dcacheBytes, false, 0,
                   1 << 30) ||
        !r.integer(*sc, "scalar", "dcache_line_bytes", s.dcacheLineBytes, false,
                   4, 4096))
      return false;
  }

  if (const json *ac = r.field(j, "", "aicpu", false)) {
    t.aicpu.present = true;
    if (!r.onlyKeys(*ac, "aicpu",
                    {"count", "clock_hz", "cycles_per_element",
                     "special_cycles_per_element", "call_overhead_cycles"}))
      return false;
    if (!r.integer(*ac, "aicpu", "count", t.aicpu.count, true, 1, 1024) ||
        !r.number(*ac, "aicpu", "clock_hz", t.aicpu.clockHz, true, 1e6, 1e11) ||
        !r.number(*ac, "aicpu", "cycles_per_element", t.aicpu.cyclesPerElement,
                  true, 0.001, 1e6) ||
        !r.number(*ac, "aicpu", "special_cycles_per_element",
                  t.aicpu.specialCyclesPerElement, false, 0.001, 1e6) ||
        !r.integer(*ac, "aicpu", "call_overhead_cycles",
                   t.aicpu.callOverheadCycles, false, 0, 1e9))
      return false;
  }
  return true;
}
} // namespace

bool parseTarget(const std::string &text, TargetDesc &out, std::string &error) {
  error.clear();
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    error = "invalid JSON (syntax error)";
    return false;
  }
  TargetDesc t;
  Reader r(error);
  if (!parseInto(j, t, r))
    return false;
  t.canonicalJson = j.dump();
  t.hash = fnv1a64(t.canonicalJson.data(), t.canonicalJson.size());
  out = std::move(t);
  return true;
}

bool loadTargetFile(const std::string &path, TargetDesc &out,
                    std::string &error) {
  std::string text;
  if (!readFileBounded(path, kMaxTargetFileBytes, "target description", text,
                       error))
    return false;
  if (!parseTarget(text, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

std::vector<std::string> presetNames() {
  std::vector<std::string> names;
  for (const auto &p : kPresets)
    names.push_back(p.name);
  return names;
}

bool loadPreset(const std::string &name, TargetDesc &out, std::string &error) {
  for (const auto &p : kPresets)
    if (name == p.name) {
      if (!parseTarget(p.json, out, error)) {
        error = "preset '" + name + "': " + error;
        return false;
      }
      return true;
    }
  std::string list;
  for (const auto &p : kPresets)
    list += std::string(list.empty() ? "" : ", ") + p.name;
  error = "unknown target '" + name + "' (presets: " + list +
          "; or give a path to a .json file)";
  return false;
}

bool loadTarget(const std::string &nameOrPath, TargetDesc &out,
                std::string &error) {
  if (nameOrPath.find('/') != std::string::npos ||
      (nameOrPath.size() > 5 &&
       nameOrPath.compare(nameOrPath.size() - 5, 5, ".json") == 0))
    return loadTargetFile(nameOrPath, out, error);
  return loadPreset(nameOrPath, out, error);
}

namespace {
/// Loaded targets by name or path. Entries are never freed (callers keep
/// pointers); re-registering a name points it at a new entry.
struct TargetCache {
  std::mutex mu;
  std::vector<std::unique_ptr<TargetDesc>> owned;
  std::map<std::string, const TargetDesc *> byKey;
  const TargetDesc *store(const TargetDesc &t) {
    owned.push_back(std::make_unique<TargetDesc>(t));
    return owned.back().get();
  }
};
TargetCache &targetCache() {
  static TargetCache cache;
  return cache;
}
} // namespace

const TargetDesc *getPresetCached(const std::string &name, std::string &error) {
  TargetCache &c = targetCache();
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.byKey.find(name);
  if (it != c.byKey.end())
    return it->second;
  TargetDesc t;
  if (!loadTarget(name, t, error))
    return nullptr;
  const TargetDesc *stored = c.store(t);
  c.byKey[name] = stored;
  c.byKey[stored->name] = stored;
  return stored;
}

const TargetDesc *registerTarget(const TargetDesc &t) {
  TargetCache &c = targetCache();
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.byKey.find(t.name);
  if (it != c.byKey.end() && it->second->hash == t.hash)
    return it->second;
  const TargetDesc *stored = c.store(t);
  c.byKey[t.name] = stored;
  return stored;
}

bool isUnmodifiedPreset(const TargetDesc &t) {
  static const std::map<std::string, uint64_t> hashes = [] {
    std::map<std::string, uint64_t> m;
    for (const auto &p : kPresets) {
      TargetDesc d;
      std::string error;
      if (parseTarget(p.json, d, error))
        m[p.name] = d.hash;
    }
    return m;
  }();
  auto it = hashes.find(t.name);
  return it != hashes.end() && it->second == t.hash;
}

} // namespace tessera::target
