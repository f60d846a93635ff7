//===- Format.cpp - The .npu encoding (writer and loader) -----------------===//
//
// Every structure is encoded by one function template, io(Archive&, T&),
// instantiated with an output archive (writer) and an input archive (loader).
// The layout therefore exists exactly once. docs/npu-format.md describes it.
//
//===----------------------------------------------------------------------===//
#include "tessera/Binary/Program.h"
#include "tessera/Support/FileIO.h"
#include "tessera/Support/Hash.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unordered_map>

namespace tessera::bin {

// DType codes are part of the format: pin them.
static_assert((int)DType::F16 == 0 && (int)DType::BF16 == 1 &&
                  (int)DType::F32 == 2 && (int)DType::I8 == 4 &&
                  (int)DType::I32 == 6 && (int)DType::U8 == 8 &&
                  (int)DType::Bool == 12,
              "DType codes are encoded in .npu files");

namespace {
constexpr char kMagic[8] = {'T', 'E', 'S', 'S', 'N', 'P', 'U', '\0'};
constexpr uint32_t kHeaderBytes = 80;
constexpr uint32_t kSectionEntryBytes = 24;
enum SectionKind : uint32_t {
  kMeta = 1,
  kStream = 2,
  kConst = 3,
  kIo = 4,
  kDebug = 5,
  kTarget = 6 // optional: a custom chip's description (canonical JSON)
};
const char *sectionName(uint32_t k) {
  switch (k) {
  case kMeta:
    return "META";
  case kStream:
    return "STREAM";
  case kConst:
    return "CONST";
  case kIo:
    return "IO";
  case kDebug:
    return "DEBUG";
  case kTarget:
    return "TARGET";
  }
  return "?";
}

/// A program image as it is written: the bytes the encoder produced, with
/// large inline constants spliced in where they belong from wherever they
/// are held. A model's weights are most of a program; copying them into the
/// image would cost a fresh, zeroed allocation of their whole size.
struct SplicedImage {
  /// Constants at least this large are spliced, smaller ones copied.
  static constexpr uint64_t kMinSplice = 64 * 1024;
  struct Splice {
    size_t at; // the position in `own` the bytes go before
    const uint8_t *data;
    uint64_t size;
  };
  std::vector<uint8_t> own;
  std::vector<Splice> splices;
  uint64_t splicedBytes = 0;

  /// The image's size, spliced bytes included.
  uint64_t size() const { return own.size() + splicedBytes; }
  /// Calls f(data, size) on the image's pieces in file order.
  template <typename F> void forEachPiece(F &&f) const {
    size_t pos = 0;
    for (const Splice &s : splices) {
      f(own.data() + pos, s.at - pos);
      f(s.data, (size_t)s.size);
      pos = s.at;
    }
    f(own.data() + pos, own.size() - pos);
  }
};

/// Writer archive. Given an image to splice into, large byte arrays are
/// referred to rather than copied (they must outlive the image).
struct Out {
  std::vector<uint8_t> &b;
  SplicedImage *spliceInto = nullptr;
  static constexpr bool reading = false;
  bool ok() const { return true; }
  bool check(bool, const char *, uint64_t = 0) { return true; }
  template <typename T> void raw(T &v, const char *) {
    uint8_t tmp[sizeof(T)];
    std::memcpy(tmp, &v, sizeof(T)); // little-endian hosts only
    b.insert(b.end(), tmp, tmp + sizeof(T));
  }
  void str(std::string &s, const char *what) {
    uint32_t n = (uint32_t)s.size();
    raw(n, what);
    b.insert(b.end(), s.begin(), s.end());
  }
  void bytes(std::vector<uint8_t> &v, uint64_t n, const char *) {
    b.insert(b.end(), v.begin(), v.begin() + n);
  }
  void bytes(const uint8_t *v, uint64_t n, const char *) {
    if (spliceInto && n >= SplicedImage::kMinSplice) {
      spliceInto->splices.push_back({b.size(), v, n});
      spliceInto->splicedBytes += n;
      return;
    }
    b.insert(b.end(), v, v + n);
  }
};

/// Loader archive: bounds-checked; the first error wins and names the
/// absolute file offset and the field.
struct In {
  const uint8_t *p;
  size_t n, pos;
  size_t base; // absolute offset of p[0] in the file
  std::string context;
  std::string err;
  /// Inline constants point into the image instead of being copied.
  bool inPlace = false;
  static constexpr bool reading = true;
  bool ok() const { return err.empty(); }
  void fail(const std::string &msg, size_t at) {
    if (!err.empty())
      return;
    std::ostringstream os;
    os << "offset " << (base + at) << " (" << context << "): " << msg;
    err = os.str();
  }
  bool check(bool cond, const char *what, uint64_t value = 0) {
    if (!cond && ok())
      fail(std::string("field '") + what + "' out of range (value " +
               std::to_string(value) + ")",
           pos);
    return cond && ok();
  }
  template <typename T> void raw(T &v, const char *what) {
    if (!ok())
      return;
    if (n - pos < sizeof(T)) {
      fail(std::string("truncated while reading '") + what + "'", pos);
      return;
    }
    std::memcpy(&v, p + pos, sizeof(T));
    pos += sizeof(T);
  }
  void str(std::string &s, const char *what) {
    uint32_t len = 0;
    raw(len, what);
    if (!ok())
      return;
    if (n - pos < len) {
      fail(std::string("truncated string '") + what + "'", pos);
      return;
    }
    s.assign((const char *)p + pos, len);
    pos += len;
  }
  void bytes(std::vector<uint8_t> &v, uint64_t len, const char *what) {
    if (!ok())
      return;
    if (n - pos < len) {
      fail(std::string("truncated data '") + what + "'", pos);
      return;
    }
    v.assign(p + pos, p + pos + len);
    pos += len;
  }
  /// Points `at` to the next `len` bytes, which stay where they are.
  void view(const uint8_t *&at, uint64_t len, const char *what) {
    if (!ok())
      return;
    if (n - pos < len) {
      fail(std::string("truncated data '") + what + "'", pos);
      return;
    }
    at = p + pos;
    pos += len;
  }
};

template <typename Ar, typename E>
bool ioEnum(Ar &ar, E &e, unsigned limit, const char *what) {
  uint8_t v = (uint8_t)e;
  ar.raw(v, what);
  if (!ar.check(v < limit, what, v))
    return false;
  e = (E)v;
  return true;
}

template <typename Ar> bool io(Ar &ar, Tile &t) {
  if (!ioEnum(ar, t.space, target::kNumSpaces, "tile.space") ||
      !ioEnum(ar, t.dtype, (unsigned)DType::Bool + 1, "tile.dtype") ||
      !ioEnum(ar, t.layout, 2, "tile.layout"))
    return false;
  ar.raw(t.rank, "tile.rank");
  if (!ar.check(t.rank >= 1 && t.rank <= kMaxRank, "tile.rank", t.rank))
    return false;
  ar.raw(t.offset, "tile.offset");
  for (unsigned i = 0; i < t.rank; ++i) {
    ar.raw(t.shape[i], "tile.shape");
    ar.raw(t.strides[i], "tile.strides");
    if (!ar.check(t.shape[i] >= 1 && t.shape[i] <= (int64_t(1) << 40),
                  "tile.shape", (uint64_t)t.shape[i]) ||
        !ar.check(t.strides[i] >= 0 && t.strides[i] <= (int64_t(1) << 40),
                  "tile.strides", (uint64_t)t.strides[i]))
      return false;
  }
  // Register-relative parts (format version 3 on).
  ar.raw(t.numTerms, "tile.num_terms");
  if (!ar.check(t.numTerms <= kMaxAddrTerms, "tile.num_terms", t.numTerms))
    return false;
  for (unsigned i = 0; i < t.numTerms; ++i) {
    ar.raw(t.terms[i].reg, "tile.term.reg");
    ar.raw(t.terms[i].stride, "tile.term.stride");
  }
  uint8_t dim = t.extentDim < 0 ? 0xFF : (uint8_t)t.extentDim;
  ar.raw(dim, "tile.extent_dim");
  if (!ar.check(dim == 0xFF || dim < t.rank, "tile.extent_dim", dim))
    return false;
  t.extentDim = dim == 0xFF ? -1 : (int8_t)dim;
  if (t.extentDim >= 0)
    ar.raw(t.extentReg, "tile.extent_reg");
  return ar.ok();
}

template <typename Ar> bool io(Ar &ar, Instr &in) {
  uint16_t op = (uint16_t)in.op;
  ar.raw(op, "instr.opcode");
  if (!ar.check(op < kNumOpcodes, "instr.opcode", op))
    return false;
  in.op = (Opcode)op;
  if (!ioEnum(ar, in.pipe, target::kNumPipes, "instr.pipe"))
    return false;
  const OpInfo &inf = in.info();
  for (unsigned i = 0; i < inf.numTiles; ++i)
    if (!io(ar, in.tiles[i]))
      return false;
  for (unsigned i = 0; i < inf.numInts; ++i)
    ar.raw(in.ints[i], "instr.int");
  if (inf.floatName)
    ar.raw(in.fimm, "instr.float");
  return ar.ok();
}

/// Stream `self` of `streams` (a stream shares the code of an earlier one,
/// version 5 on).
template <typename Ar>
bool io(Ar &ar, CoreStream &s, uint32_t version,
        const std::vector<CoreStream> &streams, uint32_t self) {
  ar.raw(s.coreType, "stream.core_type");
  ar.raw(s.coreIndex, "stream.core_index");
  if (version >= 5) {
    size_t sharesAt = 0;
    if constexpr (Ar::reading)
      sharesAt = ar.pos;
    ar.raw(s.shares, "stream.shares");
    uint32_t nargs = (uint32_t)s.args.size();
    ar.raw(nargs, "stream.num_args");
    if (!ar.ok())
      return false;
    if constexpr (Ar::reading) {
      if (!ar.check((uint64_t)nargs * 8 <= ar.n - ar.pos, "stream.num_args",
                    nargs))
        return false;
      s.args.resize(nargs);
    }
    for (int64_t &a : s.args)
      ar.raw(a, "stream.arg");
    if (s.shares != kOwnCode) {
      if constexpr (Ar::reading) {
        if (s.shares >= self || streams[s.shares].shares != kOwnCode) {
          ar.fail("stream " + std::to_string(self) +
                      " shares the code of stream " + std::to_string(s.shares) +
                      ", which is not an earlier stream with code of its own",
                  sharesAt);
          return false;
        }
      }
      return ar.ok();
    }
  }
  uint32_t count = (uint32_t)s.instrs.size();
  ar.raw(count, "stream.count");
  if (!ar.ok())
    return false;
  if constexpr (Ar::reading) {
    // Each instruction takes at least 3 bytes: refuse absurd counts early.
    if (!ar.check((uint64_t)count * 3 <= ar.n - ar.pos, "stream.count", count))
      return false;
    s.instrs.resize(count);
  }
  for (uint32_t i = 0; i < count; ++i)
    if (!io(ar, s.instrs[i]))
      return false;
  return ar.ok();
}

/// A constant's fields before its bytes. The writer takes the bytes from
/// elsewhere (the program being encoded), so they are not copied.
template <typename Ar> bool ioConstHeader(Ar &ar, ConstBlob &c) {
  ar.str(c.name, "const.name");
  ar.raw(c.gmAddr, "const.gm_addr");
  ar.raw(c.size, "const.size");
  uint8_t ext = c.external;
  ar.raw(ext, "const.external");
  if (!ar.check(ext <= 1, "const.external", ext))
    return false;
  c.external = ext;
  ar.raw(c.checksum, "const.checksum");
  if (c.external) {
    ar.str(c.file, "const.file");
    ar.raw(c.fileOffset, "const.file_offset");
  }
  return ar.ok();
}

template <typename Ar> bool io(Ar &ar, ConstBlob &c) {
  if (!ioConstHeader(ar, c))
    return false;
  if (c.external)
    return ar.ok();
  if constexpr (Ar::reading) {
    if (ar.inPlace) {
      ar.view(c.mapped, c.size, "const.data");
      return ar.ok();
    }
  }
  ar.bytes(c.data, c.size, "const.data");
  return ar.ok();
}

template <typename Ar> bool io(Ar &ar, IoEntry &e) {
  ar.str(e.name, "io.name");
  uint8_t out = e.isOutput;
  ar.raw(out, "io.is_output");
  if (!ar.check(out <= 1, "io.is_output", out))
    return false;
  e.isOutput = out;
  if (!ioEnum(ar, e.dtype, (unsigned)DType::Bool + 1, "io.dtype") ||
      !ioEnum(ar, e.layout, 2, "io.layout"))
    return false;
  uint8_t rank = (uint8_t)e.shape.size();
  ar.raw(rank, "io.rank");
  if (!ar.check(rank <= 8, "io.rank", rank))
    return false;
  e.shape.resize(rank);
  for (auto &d : e.shape) {
    ar.raw(d, "io.shape");
    if (!ar.check(d >= 0 && d <= (int64_t(1) << 40), "io.shape", (uint64_t)d))
      return false;
  }
  ar.raw(e.gmAddr, "io.gm_addr");
  return ar.ok();
}

template <typename Ar> bool io(Ar &ar, DebugEntry &d) {
  ar.raw(d.stream, "debug.stream");
  ar.raw(d.instr, "debug.instr");
  ar.str(d.loc, "debug.loc");
  return ar.ok();
}

/// The debug map from version 6 on: a table of names; runs of consecutive
/// instructions of one stream that one name covers (a kernel's
/// instructions carry its name: runs are long); and the streams that share
/// code whose map is their owner's. In memory the map is one entry per
/// instruction, as version 5 stores it.
template <typename Ar> bool ioDebugRuns(Ar &ar, Program &p) {
  struct Run {
    uint32_t stream, instr, count, name;
  };
  std::vector<std::string> names;
  std::vector<Run> runs;
  std::vector<uint32_t> inherits; // streams whose map is their owner's
  if constexpr (!Ar::reading) {
    // Entries of instructions the streams do not have are not written (the
    // loader refuses them).
    std::vector<size_t> order;
    for (size_t i = 0; i < p.debug.size(); ++i)
      if (p.debug[i].stream < p.streams.size() &&
          p.debug[i].instr < p.code(p.debug[i].stream).size())
        order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const DebugEntry &x = p.debug[a], &y = p.debug[b];
      return x.stream != y.stream ? x.stream < y.stream : x.instr < y.instr;
    });
    // A stream that shares code whose map is its owner's (the usual case:
    // it runs the same instructions) is stored as that.
    std::vector<std::vector<size_t>> of(p.streams.size());
    for (size_t i : order)
      of[p.debug[i].stream].push_back(i);
    std::vector<bool> skip(p.streams.size(), false);
    for (uint32_t si = 0; si < p.streams.size(); ++si) {
      uint32_t owner = p.streams[si].shares;
      if (owner >= p.streams.size() || of[si].empty() ||
          of[si].size() != of[owner].size())
        continue;
      bool same = true;
      for (size_t e = 0; e < of[si].size() && same; ++e) {
        const DebugEntry &x = p.debug[of[si][e]], &y = p.debug[of[owner][e]];
        same = x.instr == y.instr && x.loc == y.loc;
      }
      if (same) {
        skip[si] = true;
        inherits.push_back(si);
      }
    }
    std::unordered_map<std::string, uint32_t> ids;
    for (size_t i : order) {
      const DebugEntry &d = p.debug[i];
      if (skip[d.stream])
        continue;
      auto [it, fresh] = ids.try_emplace(d.loc, (uint32_t)names.size());
      if (fresh)
        names.push_back(d.loc);
      Run *last = runs.empty() ? nullptr : &runs.back();
      if (last && last->stream == d.stream &&
          (uint64_t)last->instr + last->count == d.instr &&
          last->name == it->second)
        ++last->count;
      else
        runs.push_back({d.stream, d.instr, 1, it->second});
    }
  }
  // A list's count, then (reading) room for it: each element takes at
  // least `minBytes` of what is left.
  auto sized = [&](auto &list, uint64_t minBytes, const char *what) {
    uint32_t count = (uint32_t)list.size();
    ar.raw(count, what);
    if constexpr (Ar::reading) {
      if (!ar.ok() ||
          !ar.check((uint64_t)count * minBytes <= ar.n - ar.pos, what, count))
        return false;
      list.resize(count);
    }
    return true;
  };
  if (!sized(names, 4, "debug.names"))
    return false;
  for (std::string &n : names)
    ar.str(n, "debug.name");
  if (!sized(runs, 16, "debug.runs"))
    return false;
  for (Run &r : runs) {
    ar.raw(r.stream, "debug.stream");
    ar.raw(r.instr, "debug.instr");
    ar.raw(r.count, "debug.count");
    ar.raw(r.name, "debug.name_index");
  }
  if (!sized(inherits, 4, "debug.inherits"))
    return false;
  for (uint32_t &si : inherits)
    ar.raw(si, "debug.inherit");
  if constexpr (Ar::reading) {
    for (const Run &r : runs) {
      if (!ar.ok() ||
          !ar.check(r.name < names.size(), "debug.name_index", r.name) ||
          !ar.check(r.stream < p.streams.size(), "debug.stream", r.stream) ||
          !ar.check(r.count >= 1 &&
                        (uint64_t)r.instr + r.count <= p.code(r.stream).size(),
                    "debug.count", r.count))
        return false;
      for (uint32_t i = 0; i < r.count; ++i)
        p.debug.push_back({r.stream, r.instr + i, names[r.name]});
    }
    // A sharing stream takes its owner's entries once, and only if it has
    // none of its own (the owner's entries are one range: runs are sorted
    // by stream when written, and checked so here).
    size_t own = p.debug.size();
    std::vector<std::pair<size_t, size_t>> range(p.streams.size(), {0, 0});
    for (size_t e = 0; e < own; ++e) {
      uint32_t st = p.debug[e].stream;
      if (range[st].second == 0)
        range[st].first = e;
      else if (!ar.check(range[st].second == e, "debug.stream", st))
        return false;
      range[st].second = e + 1;
    }
    std::vector<bool> taken(p.streams.size(), false);
    for (uint32_t si : inherits) {
      if (!ar.check(si < p.streams.size() && !taken[si] &&
                        range[si].second == 0 &&
                        p.streams[si].shares < p.streams.size(),
                    "debug.inherit", si))
        return false;
      taken[si] = true;
      auto [lo, hi] = range[p.streams[si].shares];
      for (size_t e = lo; e < hi; ++e)
        p.debug.push_back({si, p.debug[e].instr, p.debug[e].loc});
    }
  }
  return ar.ok();
}

template <typename Ar, typename T>
bool ioList(Ar &ar, std::vector<T> &v, const char *what) {
  uint32_t count = (uint32_t)v.size();
  ar.raw(count, what);
  if (!ar.ok())
    return false;
  if constexpr (Ar::reading) {
    if (!ar.check((uint64_t)count <= ar.n - ar.pos, what, count))
      return false;
    v.resize(count);
  }
  for (auto &e : v)
    if (!io(ar, e))
      return false;
  return ar.ok();
}

template <typename Ar> bool ioMeta(Ar &ar, Program &p) {
  ar.str(p.name, "meta.name");
  ar.raw(p.gmBytes, "meta.gm_bytes");
  ar.str(p.source, "meta.source");
  return ar.ok();
}

template <typename T> void put(std::vector<uint8_t> &b, size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof(T));
}
template <typename T> T get(const uint8_t *p, size_t at) {
  T v;
  std::memcpy(&v, p + at, sizeof(T));
  return v;
}

/// The checksum of a constant's bytes in a file of format `version`:
/// FNV-1a 64 up to version 3, XXH64 since 4.
uint64_t contentChecksum(uint32_t version, const uint8_t *data, size_t size) {
  return version <= 3 ? target::fnv1a64(data, size) : xxh64(data, size);
}

/// The whole file's checksum, without its own field (bytes 24..31).
/// Version 4: XXH64 of bytes [32, size) seeded with the XXH64 of bytes
/// [0, 24), so the field needs no zeroed copy. Version 3: FNV-1a 64 of the
/// file with the field read as zero.
uint64_t imageChecksum(uint32_t version, const uint8_t *data, size_t size) {
  if (version >= 4)
    return xxh64(data + 32, size - 32, xxh64(data, 24));
  uint64_t zero = 0;
  uint64_t h = target::fnv1a64(data, 24);
  h = target::fnv1a64(&zero, 8, h);
  return target::fnv1a64(data + 32, size - 32, h);
}

std::string dirOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}
std::string baseName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
} // namespace

namespace {
SplicedImage encodeImage(const Program &prog, const WriteOptions &opts,
                         WeightFile *weights) {
  // The writer archive only reads the fields it is given, but io() takes
  // mutable references (one template for writer and loader).
  Program &p = const_cast<Program &>(prog);
  // The constants' headers as written (checksum, placement); their bytes are
  // copied once, from `prog` into the image, or not at all (a weight file's
  // pieces point at them).
  std::vector<ConstBlob> headers(prog.consts.size());
  bool toFile = weights && !opts.externalWeightFile.empty();
  std::set<std::string> unplacedNames;
  for (size_t i = 0; i < prog.consts.size(); ++i) {
    const ConstBlob &c = prog.consts[i];
    ConstBlob &h = headers[i];
    h.name = c.name;
    h.gmAddr = c.gmAddr;
    if (c.unplaced && toFile) { // a manifest's weight: room, no bytes
      h.external = true;
      h.size = c.size;
      h.file = baseName(opts.externalWeightFile);
      // Known by name: the same name in another program of the weight
      // file (prefill and decode) is the same weight. Two of one name in
      // one program are not, and do not share.
      std::string key = c.name;
      if (!unplacedNames.insert(key).second)
        key += "@" + std::to_string(c.gmAddr);
      h.fileOffset = weights->reserve(key, c.size);
      continue;
    }
    if (c.external && (c.unplaced || c.loadedBytes() == 0)) {
      // A reference to bytes elsewhere (a program loaded without its
      // weight file) stays the reference it is.
      h.external = true;
      h.size = c.size;
      h.file = c.file;
      h.fileOffset = c.fileOffset;
      h.checksum = c.checksum;
      continue;
    }
    h.checksum = contentChecksum(kFormatVersion, c.bytes(), c.loadedBytes());
    h.size = c.loadedBytes();
    h.external = toFile && h.size >= opts.externalThreshold;
    if (!h.external)
      continue;
    h.file = baseName(opts.externalWeightFile);
    h.fileOffset = weights->place(c.bytes(), h.size, h.checksum);
  }

  // Sections are written straight into the image, each 8-byte aligned, and
  // the section table (right after the header) is filled in as they go.
  // META, a STREAM per stream, CONST, IO, DEBUG and the optional TARGET.
  uint32_t numSections =
      4 + (uint32_t)p.streams.size() + (p.targetJson.empty() ? 0 : 1);
  SplicedImage image;
  std::vector<uint8_t> &img = image.own;
  img.assign(kHeaderBytes + numSections * kSectionEntryBytes, 0);
  size_t smallBytes = 0; // a generous bound on everything but the weights
  for (const CoreStream &s : p.streams)
    smallBytes += 24 + s.args.size() * 8 + s.instrs.size() * sizeof(Instr);
  for (const ConstBlob &h : headers)
    smallBytes += 64 + h.name.size() + h.file.size();
  smallBytes += p.io.size() * 128 + p.debug.size() * 64 + p.targetJson.size() +
                p.name.size() + p.source.size() + 64 * numSections;
  // Large inline constants are spliced (SplicedImage), not reserved for.
  img.reserve(img.size() + smallBytes);
  std::memcpy(img.data(), kMagic, 8);
  put<uint32_t>(img, 8, kFormatVersion);
  put<uint32_t>(img, 12, kHeaderBytes);
  put<uint64_t>(img, 32, p.targetHash);
  std::strncpy((char *)img.data() + 40, p.targetName.c_str(), 31);
  put<uint32_t>(img, 72, numSections);
  uint32_t section = 0;
  Out ar{img, &image};
  // Offsets and alignment are the file's, spliced bytes included.
  auto writeSection = [&](uint32_t kind, uint32_t index, auto &&body) {
    while (image.size() % 8)
      img.push_back(0);
    uint64_t start = image.size();
    body();
    size_t e = kHeaderBytes + section++ * kSectionEntryBytes;
    put<uint32_t>(img, e, kind);
    put<uint32_t>(img, e + 4, index);
    put<uint64_t>(img, e + 8, start);
    put<uint64_t>(img, e + 16, image.size() - start);
  };
  writeSection(kMeta, 0, [&] { ioMeta(ar, p); });
  for (uint32_t i = 0; i < p.streams.size(); ++i)
    writeSection(kStream, i,
                 [&] { io(ar, p.streams[i], kFormatVersion, p.streams, i); });
  writeSection(kConst, 0, [&] {
    uint32_t count = (uint32_t)headers.size();
    ar.raw(count, "const.count");
    for (size_t i = 0; i < headers.size(); ++i) {
      ioConstHeader(ar, headers[i]);
      if (!headers[i].external)
        ar.bytes(p.consts[i].bytes(), headers[i].size, "const.data");
    }
  });
  writeSection(kIo, 0, [&] { ioList(ar, p.io, "io.count"); });
  static_assert(kFormatVersion >= 6, "the writer stores the debug map as runs");
  writeSection(kDebug, 0, [&] { ioDebugRuns(ar, p); });
  if (!p.targetJson.empty())
    writeSection(kTarget, 0, [&] { ar.str(p.targetJson, "target.json"); });
  put<uint64_t>(img, 16, image.size());
  // The file checksum (version 4 and later, as imageChecksum()): XXH64 of
  // bytes [32, size) seeded with that of [0, 24), over the pieces.
  static_assert(kFormatVersion >= 4, "the writer hashes the v4 way");
  Xxh64Stream sum(xxh64(img.data(), 24));
  uint64_t skip = 32; // the header's first bytes precede any splice
  image.forEachPiece([&](const uint8_t *data, size_t size) {
    size_t drop = (size_t)std::min<uint64_t>(skip, size);
    skip -= drop;
    sum.update(data + drop, size - drop);
  });
  put<uint64_t>(img, 24, sum.digest());
  return image;
}
} // namespace

uint64_t WeightFile::alignEnd() {
  end = (end + 63) / 64 * 64;
  return end;
}

uint64_t WeightFile::place(const uint8_t *data, uint64_t size,
                           uint64_t checksum) {
  for (size_t i : byChecksum[checksum])
    if (placed[i].size == size && std::equal(data, data + size, placed[i].data))
      return placed[i].offset;
  uint64_t at = alignEnd();
  byChecksum[checksum].push_back(placed.size());
  placed.push_back({at, data, size});
  end = at + size;
  return at;
}

uint64_t WeightFile::reserve(const std::string &key, uint64_t size) {
  auto [it, fresh] = reserved.try_emplace({key, size}, 0);
  if (fresh) {
    it->second = alignEnd();
    end += size;
  }
  return it->second;
}

std::vector<WeightFile::Room> WeightFile::reservedRoom() const {
  std::vector<Room> out;
  for (const auto &[key, offset] : reserved)
    out.push_back({key.first, offset, key.second});
  std::sort(out.begin(), out.end(),
            [](const Room &a, const Room &b) { return a.offset < b.offset; });
  return out;
}

std::vector<std::pair<const uint8_t *, uint64_t>> WeightFile::pieces() const {
  static const uint8_t zeros[64] = {};
  std::vector<std::pair<const uint8_t *, uint64_t>> out;
  if (hasReserved())
    return out;
  uint64_t at = 0;
  for (const Placed &p : placed) {
    if (p.offset > at)
      out.push_back({zeros, p.offset - at});
    out.push_back({p.data, p.size});
    at = p.offset + p.size;
  }
  return out;
}

void packInstr(PackedStream &s, const Instr &in) {
  Out ar{s.bytes};
  Instr copy = in; // io() takes its operand by reference for both ways
  io(ar, copy);
  ++s.count;
}

bool unpackStream(const PackedStream &s, std::vector<Instr> &out,
                  std::string &error) {
  In ar{s.bytes.data(), s.bytes.size(), 0, 0, "packed stream", ""};
  out.reserve(out.size() + s.count);
  for (uint32_t i = 0; i < s.count; ++i) {
    out.emplace_back();
    if (!io(ar, out.back())) {
      error = ar.err;
      return false;
    }
  }
  return true;
}

bool addToPackedInt(PackedStream &s, size_t at, unsigned k, int64_t delta) {
  if (at >= s.bytes.size() || k >= 4)
    return false;
  In ar{s.bytes.data() + at, s.bytes.size() - at, 0, at, "packed stream", ""};
  Instr in;
  if (!io(ar, in) || k >= in.info().numInts)
    return false;
  in.ints[k] += delta;
  std::vector<uint8_t> again;
  Out w{again};
  io(w, in);
  if (again.size() != ar.pos)
    return false;
  std::memcpy(s.bytes.data() + at, again.data(), again.size());
  return true;
}

std::vector<uint8_t> encodeProgram(const Program &prog,
                                   const WriteOptions &opts,
                                   WeightFile *weights) {
  SplicedImage image = encodeImage(prog, opts, weights);
  if (image.splices.empty())
    return std::move(image.own);
  std::vector<uint8_t> flat;
  flat.reserve(image.size());
  image.forEachPiece([&](const uint8_t *data, size_t size) {
    flat.insert(flat.end(), data, data + size);
  });
  return flat;
}

bool writeProgramFile(const std::string &path, const Program &p,
                      std::string &error, const WriteOptions &opts) {
  WeightFile weights;
  SplicedImage image = encodeImage(p, opts, &weights);
  std::vector<FilePiece> pieces;
  image.forEachPiece([&](const uint8_t *data, size_t size) {
    pieces.push_back({data, size});
  });
  // The program and its weight file are replaced together or not at all.
  AtomicFileSet files;
  if (!files.add(path, pieces, error))
    return false;
  if (!opts.externalWeightFile.empty()) {
    std::string wpath = dirOf(path) + "/" + baseName(opts.externalWeightFile);
    if (weights.hasReserved()) {
      error = "'" + path +
              "': constants without bytes (a weight-layout "
              "manifest's) cannot be written to a weight file";
      return false;
    }
    std::vector<FilePiece> wpieces;
    for (auto [data, size] : weights.pieces())
      wpieces.push_back({data, (size_t)size});
    if (!files.add(wpath, wpieces, error))
      return false;
  }
  return files.commit(error);
}

void sealImage(uint8_t *data, size_t size) {
  uint32_t version = get<uint32_t>(data, 8);
  uint64_t sum = imageChecksum(version, data, size);
  std::memcpy(data + 24, &sum, 8);
}

bool decodeProgram(const uint8_t *data, size_t size, Program &out,
                   std::string &error, const std::string &baseDir,
                   std::shared_ptr<const void> image) {
  if (size < kHeaderBytes) {
    error = "file is " + std::to_string(size) + " bytes, shorter than the " +
            std::to_string(kHeaderBytes) + "-byte .npu header (truncated?)";
    return false;
  }
  if (std::memcmp(data, kMagic, 8) != 0) {
    error = "offset 0: bad magic (not a .npu program)";
    return false;
  }
  uint32_t version = get<uint32_t>(data, 8);
  // Version 3 differs from 4 only in its checksums (FNV-1a instead of
  // XXH64), 4 from 5 only in its stream headers (no shared code or launch
  // arguments): still read.
  if (version < kOldestReadableVersion || version > kFormatVersion) {
    error = "offset 8: format version " + std::to_string(version) +
            " is not supported (this loader reads versions " +
            std::to_string(kOldestReadableVersion) + " to " +
            std::to_string(kFormatVersion) + ")" +
            (version < kOldestReadableVersion
                 ? "; the program was written by an older Tessera, compile "
                   "or assemble it again"
                 : "");
    return false;
  }
  if (get<uint32_t>(data, 12) != kHeaderBytes) {
    error = "offset 12: header size " +
            std::to_string(get<uint32_t>(data, 12)) + " (expected " +
            std::to_string(kHeaderBytes) + ")";
    return false;
  }
  uint64_t fileBytes = get<uint64_t>(data, 16);
  if (fileBytes != size) {
    error = "offset 16: header records " + std::to_string(fileBytes) +
            " bytes but the file has " + std::to_string(size) +
            (size < fileBytes ? " (truncated)" : " (trailing data)");
    return false;
  }
  uint64_t sum = get<uint64_t>(data, 24);
  if (sum != imageChecksum(version, data, size)) {
    error = "offset 24: checksum mismatch (the file is corrupt)";
    return false;
  }
  Program p;
  p.targetHash = get<uint64_t>(data, 32);
  char name[33] = {0};
  std::memcpy(name, data + 40, 32);
  if (name[31] != 0) {
    error = "offset 40: target name is not NUL-terminated";
    return false;
  }
  p.targetName = name;
  uint32_t nsec = get<uint32_t>(data, 72);
  if ((uint64_t)nsec * kSectionEntryBytes > size - kHeaderBytes) {
    error = "offset 72: section count " + std::to_string(nsec) +
            " does not fit in the file";
    return false;
  }
  bool sawMeta = false;
  for (uint32_t i = 0; i < nsec; ++i) {
    size_t e = kHeaderBytes + (size_t)i * kSectionEntryBytes;
    uint32_t kind = get<uint32_t>(data, e);
    uint32_t index = get<uint32_t>(data, e + 4);
    uint64_t off = get<uint64_t>(data, e + 8);
    uint64_t len = get<uint64_t>(data, e + 16);
    if (off > size || len > size - off) {
      error = "offset " + std::to_string(e + 8) + ": section " +
              std::to_string(i) + " lies outside the file";
      return false;
    }
    In ar{data + off,
          (size_t)len,
          0,
          (size_t)off,
          std::string("section ") + sectionName(kind) + "[" +
              std::to_string(index) + "]",
          "",
          /*inPlace=*/image != nullptr};
    switch (kind) {
    case kMeta:
      ioMeta(ar, p);
      sawMeta = true;
      break;
    case kStream:
      if (index != p.streams.size()) {
        error = "offset " + std::to_string(e + 4) + ": stream section " +
                std::to_string(index) + " out of order";
        return false;
      }
      p.streams.emplace_back();
      io(ar, p.streams.back(), version, p.streams, index);
      break;
    case kConst:
      ioList(ar, p.consts, "const.count");
      break;
    case kIo:
      ioList(ar, p.io, "io.count");
      break;
    case kDebug:
      if (version >= 6)
        ioDebugRuns(ar, p);
      else
        ioList(ar, p.debug, "debug.count");
      break;
    case kTarget:
      ar.str(p.targetJson, "target.json");
      if (ar.ok() && target::fnv1a64(p.targetJson.data(),
                                     p.targetJson.size()) != p.targetHash)
        ar.fail("the embedded target description does not hash to the "
                "header's target hash",
                0);
      break;
    default:
      error = "offset " + std::to_string(e) + ": unknown section kind " +
              std::to_string(kind);
      return false;
    }
    if (ar.ok() && ar.pos != ar.n)
      ar.fail("section has " + std::to_string(ar.n - ar.pos) + " unread bytes",
              ar.pos);
    if (!ar.ok()) {
      error = ar.err;
      return false;
    }
  }
  if (!sawMeta) {
    error = "program has no META section";
    return false;
  }
  for (ConstBlob &c : p.consts) {
    if (!c.external) {
      if (contentChecksum(version, c.bytes(), c.loadedBytes()) != c.checksum) {
        error = "constant '" + c.name + "': checksum mismatch";
        return false;
      }
      continue;
    }
    // The writer puts weight files beside the program: a bare file name.
    // Anything else (an absolute path, "..", a subdirectory) could read
    // files from outside the program's folder.
    if (c.file.empty() || c.file.find('/') != std::string::npos ||
        c.file == "." || c.file == "..") {
      error = "constant '" + c.name + "': weight file '" + c.file +
              "' must be a file name in the program's directory";
      return false;
    }
    if (baseDir.empty())
      continue; // decoded from memory: external data is not available
    std::string path = baseDir + "/" + c.file;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      error = "constant '" + c.name + "': weight file " + path +
              " is not a regular file";
      return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      error = "constant '" + c.name + "': cannot open weight file " + path;
      return false;
    }
    in.seekg(0, std::ios::end);
    uint64_t wsize = (uint64_t)in.tellg();
    if (c.fileOffset > wsize || c.size > wsize - c.fileOffset) {
      error = "constant '" + c.name + "': bytes [" +
              std::to_string(c.fileOffset) + ", " +
              std::to_string(c.fileOffset + c.size) + ") lie outside " + path +
              " (" + std::to_string(wsize) + " bytes)";
      return false;
    }
    c.data.resize(c.size);
    in.seekg((std::streamoff)c.fileOffset);
    in.read((char *)c.data.data(), (std::streamsize)c.size);
    if (contentChecksum(version, c.data.data(), c.data.size()) != c.checksum) {
      error =
          "constant '" + c.name + "': checksum mismatch in weight file " + path;
      return false;
    }
  }
  p.image = std::move(image);
  out = std::move(p);
  return true;
}

bool readProgramFile(const std::string &path, Program &out,
                     std::string &error) {
  std::shared_ptr<const FileBytes> bytes =
      FileBytes::load(path, kMaxProgramFileBytes, ".npu program", error);
  if (!bytes)
    return false;
  if (!decodeProgram(bytes->data(), bytes->size(), out, error, dirOf(path),
                     bytes)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

} // namespace tessera::bin
