//===- Simulator.cpp - Functional, timing and checking simulation ---------===//
//
// Execution model (docs/simulator.md):
//  * Every (core, pipe) pair is an agent with its own in-order queue and
//    clock. Agents are advanced in order of their clocks (a heap), so
//    shared resources (the DRAM arbiter, the L2 cache) see requests in
//    roughly simulated-time order, and results are deterministic.
//  * Flags are counters: set_flag appends an entry (time, vector clock),
//    wait_flag consumes the oldest one or parks the agent until one arrives.
//    If every unfinished agent is parked, the program deadlocks.
//  * Races are found with vector clocks: each memory access is recorded
//    with its agent's epoch, and two accesses of different agents to
//    overlapping bytes (one a write) race unless a flag chain orders them.
//
//===----------------------------------------------------------------------===//
#include "tessera/Sim/Simulator.h"

#include "ConstOverlay.h"
#include "ConstantFootprint.h"
#include "Execute.h"
#include "HostMemory.h"
#include "L2Cache.h"
#include "MatrixWorker.h"
#include "Numerics.h"
#include "Work.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <memory>
#include <queue>
#include <sstream>
#include <thread>
#include <type_traits>
#include <unordered_map>

namespace tessera::sim {

using bin::Instr;
using bin::OpClass;
using bin::Opcode;
using bin::Tile;
using target::Pipe;
using target::Space;
using target::TargetDesc;

namespace {

/// Divides DRAM bandwidth among concurrent transfers in fixed windows:
/// a transfer takes, window by window, what its own rate cap allows and
/// the window has left.
class DramArbiter {
public:
  DramArbiter(double bytesPerCycle) : perWindow(bytesPerCycle * kWindow) {}
  /// Returns the completion time of `bytes` starting at `start`.
  double reserve(double start, double bytes, double rateCap) {
    double t = start;
    double remaining = bytes;
    while (remaining > 1e-9) {
      size_t w = (size_t)(t / kWindow);
      if (w >= used.size())
        used.resize(w + 1024, 0.0);
      double wEnd = (double)(w + 1) * kWindow;
      double dt = wEnd - t;
      double take = std::min({remaining, perWindow - used[w], rateCap * dt});
      if (take <= 1e-12) {
        t = wEnd;
        continue;
      }
      used[w] += take;
      remaining -= take;
      if (remaining <= 1e-9)
        return t + take / rateCap;
      t = wEnd;
    }
    return t;
  }

  /// Bytes taken in each window so far, and a window's length and capacity.
  const std::vector<double> &windows() const { return used; }
  static constexpr double windowCycles() { return kWindow; }
  double windowBytes() const { return perWindow; }

private:
  static constexpr double kWindow = 128;
  double perWindow;
  std::vector<double> used;
};

/// Loop indices of an issued instruction, outermost first, for the trace and
/// for error messages: up to 4 levels of 16 bits (larger indices saturate).
struct IterTag {
  uint64_t packed = 0;
  uint8_t depth = 0;
  std::string text() const {
    if (!depth)
      return "";
    std::string s = " in loop iteration [";
    for (unsigned i = 0; i < depth && i < 4; ++i) {
      uint64_t v = (packed >> (16 * i)) & 0xFFFF;
      s += (i ? ", " : "") + std::to_string(v) + (v == 0xFFFF ? "+" : "");
    }
    return s + (depth > 4 ? ", ...]" : "]");
  }
};

/// One recorded access. A run records hundreds of thousands, so a record
/// keeps only what the checks and the report need: a dense tile (isDense) is
/// its byte range [lo, hi); the shape and strides of any other tile (its
/// offset is `lo`; a resolved tile has no register terms) are kept by the
/// list, in a table indexed by `geom`.
struct Access {
  uint64_t lo, hi;
  uint64_t iterPacked;
  uint32_t agent, epoch;
  uint32_t stream, instr;
  uint32_t geom = 0; // set by AccessList::add for a tile that is not dense
  Space space;
  DType dtype;
  bin::Layout layout;
  uint8_t rank;
  uint8_t iterDepth;
  bool write, dense;

  Access(const Tile &t, uint32_t agent, uint32_t epoch, uint32_t stream,
         uint32_t instr, bool write, bool dense, const IterTag &iter)
      : lo(t.offset), hi(t.endByte()), iterPacked(iter.packed), agent(agent),
        epoch(epoch), stream(stream), instr(instr), space(t.space),
        dtype(t.dtype), layout(t.layout), rank(t.rank), iterDepth(iter.depth),
        write(write), dense(dense) {}
  IterTag iter() const { return {iterPacked, iterDepth}; }
};

/// The shape and strides of a recorded tile that is not dense.
struct Geometry {
  int64_t shape[bin::kMaxRank], strides[bin::kMaxRank];
};

/// What a scan needs of a record, kept in the index itself: a check walks a
/// bucket's entries in order and reads the full record (AccessStore) only
/// for a candidate race or a report, so it does not miss the cache on every
/// record it passes.
struct AccessRef {
  uint64_t lo, hi;
  uint32_t id, agent, epoch;
};

/// Bucket number -> entries: a vector for bucket numbers below 2^20 (every
/// local memory, and GM up to 64 GiB), a hash map beyond. Every check looks
/// buckets up, so the common case is an index, not a hash.
class BucketIndex {
public:
  using Entries = std::vector<AccessRef>;
  Entries *find(uint64_t b) {
    if (b < direct.size())
      return &direct[b];
    if (b < kDirect)
      return nullptr;
    auto it = far.find(b);
    return it == far.end() ? nullptr : &it->second;
  }
  Entries &get(uint64_t b) {
    if (b >= kDirect)
      return far[b];
    if (b >= direct.size())
      direct.resize(b + 1);
    return direct[b];
  }
  /// Empties every bucket but keeps the buckets' storage for the entries
  /// added next (a compaction re-adds the live records).
  void clear() {
    for (Entries &e : direct)
      e.clear();
    for (auto &kv : far)
      kv.second.clear();
  }

private:
  static constexpr uint64_t kDirect = 1 << 20;
  std::vector<Entries> direct;
  std::unordered_map<uint64_t, Entries> far;
};

/// One agent's records of a list, sorted by start address, for the
/// question a read asks of its own agent's earlier reads: which lie inside
/// it (a record inside [lo, hi) starts there). Records mostly arrive in
/// address order and are appended; the others wait in a short unsorted tail
/// that is merged in when it reaches about the square root of the sorted
/// part, so neither an insertion nor a query pays for a long list. Dead
/// records stay until the list compacts.
class StartIndex {
public:
  void add(const AccessRef &r) {
    if (tail.empty() && (sorted.empty() || sorted.back().lo <= r.lo)) {
      sorted.push_back(r);
      return;
    }
    tail.push_back(r);
    if (tail.size() < tailCap)
      return;
    auto byStart = [](const AccessRef &x, const AccessRef &y) {
      return x.lo < y.lo || (x.lo == y.lo && x.id < y.id);
    };
    std::sort(tail.begin(), tail.end(), byStart);
    thread_local std::vector<AccessRef> merged;
    merged.resize(sorted.size() + tail.size());
    std::merge(sorted.begin(), sorted.end(), tail.begin(), tail.end(),
               merged.begin(), byStart);
    sorted.swap(merged);
    tail.clear();
    tailCap = std::max<size_t>(32, (size_t)std::sqrt((double)sorted.size()));
  }
  /// Calls fn(ref) for every record (live or dead) that starts in [lo, hi).
  template <typename Fn> void forStartingIn(uint64_t lo, uint64_t hi, Fn fn) {
    size_t i = firstFrom(lo);
    finger = i;
    for (; i < sorted.size() && sorted[i].lo < hi; ++i)
      fn(sorted[i]);
    for (const AccessRef &e : tail)
      if (e.lo >= lo && e.lo < hi)
        fn(e);
  }
  void clear() {
    sorted.clear();
    tail.clear();
    tailCap = 32;
    finger = 0;
  }

private:
  /// The first sorted record starting at or after `lo`, by galloping from
  /// where the last query began: an agent mostly moves through memory, so
  /// its next query is near and the search stays in a few cache lines.
  size_t firstFrom(uint64_t lo) const {
    size_t n = sorted.size(), j = std::min(finger, n), step = 1;
    auto from = [&](size_t l, size_t h) {
      return (size_t)(std::lower_bound(sorted.begin() + (ptrdiff_t)l,
                                       sorted.begin() + (ptrdiff_t)h, lo,
                                       [](const AccessRef &e, uint64_t x) {
                                         return e.lo < x;
                                       }) -
                      sorted.begin());
    };
    if (j < n && sorted[j].lo < lo) {
      // sorted[j] starts before lo: the answer is past j.
      while (j + step < n && sorted[j + step].lo < lo) {
        j += step;
        step *= 2;
      }
      return from(j + 1, std::min(j + step, n));
    }
    // j == n or sorted[j] starts at or after lo: the answer is j or before.
    while (j >= step && sorted[j - step].lo >= lo) {
      j -= step;
      step *= 2;
    }
    return from(j >= step ? j - step + 1 : 0, j);
  }
  std::vector<AccessRef> sorted, tail;
  size_t tailCap = 32;
  size_t finger = 0; // where the last query began
};

/// Access records by id, in chunks: records are never moved (a growing
/// vector of them copied every record again at each doubling, into fresh
/// pages). The chunks come from large host mappings and are never
/// value-initialized; freed chunks are kept for the next list, and the next
/// run, on this thread, whose pages are then already faulted in. Chunks are
/// small because most lists are: a layer's run keeps hundreds of lists
/// (two per memory of every core), most with a few records, and memory
/// touched for the first time is slow to fault in (on a VM, slower still).
class AccessStore {
public:
  static constexpr size_t kChunk = 256; // records per chunk
  AccessStore() = default;
  AccessStore(const AccessStore &) = delete;
  AccessStore &operator=(const AccessStore &) = delete;
  ~AccessStore() {
    for (Access *c : chunks)
      pool().free.push_back(c);
  }
  size_t size() const { return n; }
  Access &operator[](size_t id) { return chunks[id / kChunk][id % kChunk]; }
  const Access &operator[](size_t id) const {
    return chunks[id / kChunk][id % kChunk];
  }
  void push_back(const Access &a) {
    if (n / kChunk >= chunks.size())
      chunks.push_back(pool().take());
    // Access is trivially copyable and destructible: a copy into the
    // chunk's raw bytes is its construction.
    std::memcpy((void *)&chunks[n / kChunk][n % kChunk], (const void *)&a,
                sizeof(Access));
    ++n;
  }
  void clear() { n = 0; } // keeps the chunks for reuse

private:
  struct Pool {
    std::vector<HostBuffer> blocks;
    std::vector<Access *> free;
    Access *take() {
      if (free.empty()) {
        constexpr size_t kPerBlock = 256;
        HostBuffer b;
        if (!b.allocate(kPerBlock * kChunk * sizeof(Access))) {
          std::fprintf(stderr, "error: out of host memory for the race "
                               "checker's access records\n");
          std::abort();
        }
        for (size_t i = 0; i < kPerBlock; ++i)
          free.push_back(reinterpret_cast<Access *>(b.data()) + i * kChunk);
        blocks.push_back(std::move(b));
      }
      Access *c = free.back();
      free.pop_back();
      return c;
    }
  };
  static Pool &pool() {
    thread_local Pool p;
    return p;
  }
  std::vector<Access *> chunks;
  size_t n = 0;
};
static_assert(std::is_trivially_copyable_v<Access> &&
                  std::is_trivially_destructible_v<Access>,
              "AccessStore copies records as bytes");

/// Access records of one memory, indexed by 64 KiB address buckets so a
/// check only visits records near the new access. Removed records become
/// tombstones; the list is compacted when most of it is dead.
class AccessList {
public:
  explicit AccessList(bool perAgent) : perAgent(perAgent) {}
  /// Records `a`, an access to `t` (whose geometry is kept if it is not
  /// dense).
  void add(Access a, const Tile &t) {
    if (!a.dense) {
      a.geom = (uint32_t)geoms.size();
      Geometry &g = geoms.emplace_back();
      std::copy(std::begin(t.shape), std::end(t.shape), g.shape);
      std::copy(std::begin(t.strides), std::end(t.strides), g.strides);
    }
    append(a);
  }
  const Access &record(uint32_t id) const { return recs[id]; }
  /// The tile of a record that is not dense.
  Tile tile(const Access &a) const {
    Tile t;
    t.space = a.space;
    t.dtype = a.dtype;
    t.layout = a.layout;
    t.rank = a.rank;
    t.offset = a.lo;
    const Geometry &g = geoms[a.geom];
    std::copy(std::begin(g.shape), std::end(g.shape), t.shape);
    std::copy(std::begin(g.strides), std::end(g.strides), t.strides);
    return t;
  }
  /// Calls fn(ref) for every live record whose byte range meets [lo, hi),
  /// in a fixed order (the wide records, then by bucket, each bucket oldest
  /// first), until fn returns false.
  template <typename Fn> bool forOverlapping(uint64_t lo, uint64_t hi, Fn fn) {
    return scan(lo, hi, fn);
  }
  /// Calls fn(ref) for every live record of `agent` inside [lo, hi), in no
  /// particular order (a read prunes its own agent's earlier reads it
  /// covers; a bucket of a widely read buffer holds thousands of other
  /// agents' reads it need not look at). Only for a list made with
  /// `perAgent` set.
  template <typename Fn>
  void forInsideOf(uint32_t agent, uint64_t lo, uint64_t hi, Fn fn) {
    auto inside = [&](const AccessRef &e) {
      if (alive[e.id] && e.lo >= lo && e.hi <= hi)
        fn(e);
    };
    for (uint32_t id : wide)
      if (recs[id].agent == agent)
        inside(ref(id));
    if (agent < starts.size())
      starts[agent].forStartingIn(lo, hi, inside);
  }
  void kill(uint32_t id) {
    alive[id] = 0;
    ++dead;
  }
  /// Compacts once at least half the records are dead: the records, their
  /// ids and the index entries keep their order, so scans visit the live
  /// records in the same order as before. Compacting early keeps a list's
  /// records in the few pages (and cache lines) it reuses, instead of
  /// spreading a run's hundreds of thousands of mostly dead records over
  /// fresh memory.
  void maybeCompact() {
    if (dead < kMinDead || dead * 2 < recs.size())
      return;
    std::vector<Access> &live = compactScratch();
    live.clear();
    size_t keptGeoms = 0;
    for (uint32_t id = 0; id < recs.size(); ++id) {
      if (!alive[id])
        continue;
      live.push_back(recs[id]);
      // Geometry ids are increasing with record ids: the live records'
      // geometries move down in order.
      if (!live.back().dense) {
        geoms[keptGeoms] = geoms[live.back().geom];
        live.back().geom = (uint32_t)keptGeoms++;
      }
    }
    geoms.resize(keptGeoms);
    recs.clear();
    alive.clear();
    buckets.clear();
    for (StartIndex &s : starts)
      s.clear();
    wide.clear();
    dead = 0;
    for (const Access &a : live)
      append(a);
  }

private:
  static constexpr unsigned kShift = 16;
  static constexpr uint64_t kMaxBuckets = 4096;
  static constexpr size_t kMinDead = 64;

  static std::vector<Access> &compactScratch() {
    thread_local std::vector<Access> v;
    return v;
  }
  using Buckets = BucketIndex;

  /// A record over more than kMaxBuckets buckets is kept out of them.
  static bool isWide(uint64_t lo, uint64_t hi) {
    return ((hi - 1) >> kShift) - (lo >> kShift) > kMaxBuckets;
  }
  AccessRef ref(uint32_t id) const {
    const Access &a = recs[id];
    return {a.lo, a.hi, id, a.agent, a.epoch};
  }
  template <typename Fn> bool scan(uint64_t lo, uint64_t hi, Fn &fn) {
    auto visitRec = [&](uint32_t id) {
      const Access &r = recs[id];
      if (!alive[id] || r.lo >= hi || lo >= r.hi)
        return true;
      return fn(ref(id));
    };
    for (uint32_t id : wide)
      if (!visitRec(id))
        return false;
    uint64_t b0 = lo >> kShift, b1 = (hi - 1) >> kShift;
    if (isWide(lo, hi)) {
      // Every record, except the wide ones just visited.
      for (uint32_t id = 0; id < recs.size(); ++id)
        if (!isWide(recs[id].lo, recs[id].hi) && !visitRec(id))
          return false;
      return true;
    }
    for (uint64_t b = b0; b <= b1; ++b) {
      BucketIndex::Entries *found = buckets.find(b);
      if (!found)
        continue;
      // Drop tombstones from the bucket while scanning it. A record in
      // several buckets is visited in the first of them the scan reaches:
      // its own first bucket, or b0 if it starts below.
      BucketIndex::Entries &es = *found;
      size_t keep = 0;
      bool go = true;
      for (size_t i = 0; i < es.size(); ++i) {
        const AccessRef &e = es[i];
        if (!alive[e.id])
          continue;
        if (keep != i)
          es[keep] = e;
        ++keep;
        if (go && (b == b0 || (e.lo >> kShift) == b) && e.lo < hi && lo < e.hi)
          go = fn(e);
      }
      es.resize(keep);
      if (!go)
        return false;
    }
    return true;
  }
  void append(const Access &a) {
    uint32_t id = (uint32_t)recs.size();
    recs.push_back(a);
    alive.push_back(1);
    index(id, a);
  }
  void index(uint32_t id, const Access &a) {
    if (isWide(a.lo, a.hi)) {
      wide.push_back(id);
      return;
    }
    AccessRef r{a.lo, a.hi, id, a.agent, a.epoch};
    uint64_t b0 = a.lo >> kShift, b1 = (a.hi - 1) >> kShift;
    for (uint64_t b = b0; b <= b1; ++b)
      buckets.get(b).push_back(r);
    if (perAgent) {
      if (a.agent >= starts.size())
        starts.resize(a.agent + 1);
      starts[a.agent].add(r);
    }
  }
  AccessStore recs;
  std::vector<Geometry> geoms; // of the records that are not dense
  std::vector<char> alive;
  size_t dead = 0;
  Buckets buckets;
  bool perAgent;
  std::vector<StartIndex> starts; // by agent, if perAgent
  std::vector<uint32_t> wide;
};

struct Shadow {
  AccessList reads{/*perAgent=*/true}, writes{/*perAgent=*/false};
};

/// Reads of the program's constants (weights, loop offset tables) kept out
/// of GM's indexed read list while nothing has written the constant: a race
/// needs a write, and until one meets the constant no check looks its reads
/// up. The first write meeting a constant indexes the reads held for it, in
/// order, and checks itself against them; later reads of that constant are
/// checked as any other. A layer's weight tiles span tens of 64 KiB buckets
/// each, and its loops' scalar loads read offset tables tens of thousands
/// of times: indexing them was most of the checker's GM work.
class ConstReads {
public:
  /// Off (every read indexed) when constants overlap.
  void init(const std::vector<bin::ConstBlob> &cs) {
    consts.clear();
    for (const bin::ConstBlob &c : cs)
      if (c.size)
        consts.push_back({c.gmAddr, c.gmAddr + c.size, false, {}, {}});
    std::sort(consts.begin(), consts.end(),
              [](const Const &a, const Const &b) { return a.lo < b.lo; });
    for (size_t i = 1; i < consts.size(); ++i)
      if (consts[i - 1].hi > consts[i].lo) {
        consts.clear();
        return;
      }
  }
  /// Holds a read of GM bytes [lo, hi) if an unwritten constant contains
  /// them; false if the read is to be checked and indexed as usual.
  bool hold(const Access &a, const Tile &t) {
    Const *c = containing(a.lo, a.hi);
    if (!c || c->written)
      return false;
    c->held.push_back(a);
    if (!a.dense) {
      c->held.back().geom = (uint32_t)c->tiles.size();
      c->tiles.push_back(t);
    }
    return true;
  }
  /// Marks every constant meeting GM bytes [lo, hi) written and moves the
  /// reads held for it into `reads`.
  void release(uint64_t lo, uint64_t hi, AccessList &reads) {
    auto it =
        std::upper_bound(consts.begin(), consts.end(), lo,
                         [](uint64_t x, const Const &c) { return x < c.lo; });
    if (it != consts.begin())
      --it;
    for (; it != consts.end() && it->lo < hi; ++it) {
      if (it->hi <= lo || it->written)
        continue;
      it->written = true;
      for (const Access &a : it->held)
        reads.add(a, a.dense ? Tile() : it->tiles[a.geom]);
      it->held = {};
      it->tiles = {};
    }
  }

private:
  struct Const {
    uint64_t lo, hi;
    bool written = false;
    std::vector<Access> held;
    std::vector<Tile> tiles; // of the held reads that are not dense
  };
  Const *containing(uint64_t lo, uint64_t hi) {
    auto it =
        std::upper_bound(consts.begin(), consts.end(), lo,
                         [](uint64_t x, const Const &c) { return x < c.lo; });
    if (it == consts.begin())
      return nullptr;
    --it;
    return lo >= it->lo && hi <= it->hi ? &*it : nullptr;
  }
  std::vector<Const> consts; // sorted by address, disjoint
};

bool programHasMmad(const bin::Program &prog) {
  for (uint32_t s = 0; s < prog.streams.size(); ++s)
    for (const Instr &in : prog.code(s))
      if (in.op == Opcode::Mmad)
        return true;
  return false;
}

/// Contiguous byte runs [lo, hi) of a tile, sorted, into `r`.
void runsOf(const Tile &t, std::vector<std::pair<uint64_t, uint64_t>> &r) {
  r.clear();
  int64_t es = t.elemBytes();
  forEachRun(t, [&](int64_t, uint64_t addr, int64_t n, int64_t sb) {
    if (sb == es)
      r.push_back({addr, addr + n * es});
    else
      for (int64_t i = 0; i < n; ++i)
        r.push_back({addr + i * sb, addr + i * sb + es});
  });
  std::sort(r.begin(), r.end());
}

bool isDense(const Tile &t) {
  return t.layout == bin::Layout::NZ || t.isContiguous();
}

/// Whether a tile has a byte in [lo, hi). Runs on every unordered pair of
/// accesses whose ranges meet (interleaved tiles of different cores), so it
/// allocates nothing.
bool runsMeet(const Tile &t, uint64_t lo, uint64_t hi) {
  int64_t es = t.elemBytes();
  bool meets = false;
  forEachRun(t, [&](int64_t, uint64_t addr, int64_t n, int64_t sb) {
    if (meets)
      return;
    if (sb == es) {
      meets = addr < hi && lo < addr + (uint64_t)(n * es);
      return;
    }
    for (int64_t i = 0; i < n && !meets; ++i) {
      uint64_t e = addr + (uint64_t)(i * sb);
      meets = e < hi && lo < e + (uint64_t)es;
    }
  });
  return meets;
}

/// Whether two tiles whose byte ranges meet share a byte.
bool exactOverlap(const Tile &a, const Tile &b) {
  if (isDense(a) || isDense(b)) {
    const Tile &dense = isDense(a) ? a : b;
    const Tile &other = isDense(a) ? b : a;
    if (isDense(other))
      return true; // bounding boxes already overlap
    return runsMeet(other, dense.offset, dense.endByte());
  }
  thread_local std::vector<std::pair<uint64_t, uint64_t>> ra, rb;
  runsOf(a, ra);
  runsOf(b, rb);
  size_t i = 0, j = 0;
  while (i < ra.size() && j < rb.size()) {
    if (ra[i].first < rb[j].second && rb[j].first < ra[i].second)
      return true;
    if (ra[i].second <= rb[j].second)
      ++i;
    else
      ++j;
  }
  return false;
}

struct FlagEntry {
  double time;
  std::vector<uint32_t> vc;
};

/// An instruction the scalar unit issued to a pipe's queue.
struct DynInstr {
  uint32_t idx;    // index in the stream
  double dispatch; // when the scalar unit issued it
  IterTag iter;
  bool empty = false; // a register extent of 0: the instruction moves nothing
  Instr *resolved = nullptr; // register-relative tiles substituted (pool)
  /// The scalar unit's own clock when it issued the instruction: everything
  /// it did before (its scalar loads and stores) happens before the
  /// instruction runs.
  uint32_t issuerEpoch = 0;
};

/// Copies of register-relative instructions with their registers' values
/// substituted, recycled: the scalar unit takes one when it issues such an
/// instruction and the pipe gives it back when the instruction retires.
/// (A fresh heap copy per issue was a tenth of a looping layer's run, most
/// of it first touches of fresh heap pages.) Pointers stay valid: a deque
/// never moves its elements.
class ResolvedInstrPool {
public:
  Instr *take(const Instr &in) {
    Instr *p;
    if (free_.empty()) {
      p = &store_.emplace_back(in);
    } else {
      p = free_.back();
      free_.pop_back();
      *p = in;
    }
    return p;
  }
  void give(Instr *p) {
    if (p)
      free_.push_back(p);
  }

private:
  std::deque<Instr> store_;
  std::vector<Instr *> free_;
};

/// A (core, pipe) queue. The stream's scalar unit is an agent too: it runs
/// the control flow and issues everything else to the pipe agents.
struct Agent {
  uint32_t stream;
  Pipe pipe;
  bool scalar = false;
  std::deque<DynInstr> queue; // pipe agents: issued, not yet run
  double clock = 0;           // when the pipe can start its next instruction
  double lastComplete = 0;    // when everything issued so far has completed
  bool parked = false;        // waits for a flag, a barrier or queue space
  bool idle = false;          // pipe agent with an empty queue: waits for issue
  uint64_t executed = 0;
};

struct LoopFrame {
  uint32_t start; // the loop instruction
  uint32_t end;   // its endloop
  int64_t count, iter;
  uint8_t indexReg;
};

struct StreamState {
  int agentOf[target::kNumPipes];
  std::vector<uint32_t> agents;
  uint8_t *local[target::kNumSpaces] = {}; // by Space, in Engine::localMem
  double engineFree = 0;                   // shared DMA engine
  // barrier-all rendezvous: instruction index -> arrivals
  std::map<uint32_t, std::vector<uint32_t>> barrierArrivals;
  uint32_t flatCore = 0;
  bool aicpu = false;
  // The scalar unit.
  uint32_t scalarAgent = 0;
  uint32_t pc = 0;
  std::vector<int64_t> regs;
  std::vector<LoopFrame> loops;
  std::vector<uint32_t> match;     // loop <-> endloop
  bool finished = false;           // executed `end`: issues nothing more
  int throttledOn = -1;            // parked until this agent's queue drains
  bool unbounded = false;          // queue bound lifted (see run())
  std::unique_ptr<L2Cache> dcache; // the scalar unit's data cache

  IterTag iterTag() const {
    IterTag t;
    t.depth = (uint8_t)std::min<size_t>(loops.size(), 255);
    for (unsigned i = 0; i < loops.size() && i < 4; ++i)
      t.packed |= (uint64_t)std::min<int64_t>(loops[i].iter, 0xFFFF)
                  << (16 * i);
    return t;
  }
};

/// Queued instructions per pipe beyond which the scalar unit waits (host
/// memory only: a parked scalar unit keeps its clock, so timing is that of
/// unbounded queues).
constexpr size_t kMaxQueued = 1 << 14;

uint64_t flagKey(uint32_t stream, int64_t src, int64_t dst, int64_t id) {
  return ((uint64_t)stream << 32) | ((uint64_t)src << 24) |
         ((uint64_t)dst << 16) | (uint64_t)id;
}
uint64_t xflagKey(uint32_t stream, int64_t id) {
  return ((uint64_t)stream << 32) | (0xFFull << 24) | (uint64_t)id;
}

class Engine {
public:
  Engine(const TargetDesc &t, const SimOptions &o, const bin::Program &p,
         std::vector<TraceEvent> &trace, ProfileRecorder *recorder = nullptr)
      : t(t), opts(o), prog(p), trace(trace), recorder(recorder),
        dram(t.dramBytesPerCycle()),
        l2(t.l2.present ? t.l2.bytes : 1, t.l2.present ? t.l2.lineBytes : 512,
           p.gmBytes) {}

  bool run(const std::map<std::string, Tensor> &inputs,
           std::map<std::string, Tensor> &outputs, Stats &stats,
           std::string &error);

private:
  const TargetDesc &t;
  const SimOptions &opts;
  const bin::Program &prog;
  std::vector<TraceEvent> &trace;
  ProfileRecorder *recorder; // null unless SimOptions::profile
  DramArbiter dram;
  L2Cache l2;
  std::vector<uint64_t> missedScratch; // dmaTime's missed lines, reused

  // The cache engine (l2_prefetch): runs of GM bytes, served in request
  // order one chunk at a time once the simulated time reaches them, so a
  // chunk takes only the DRAM bandwidth the transfers already under way
  // leave, and its lines are claimed no earlier than it is read.
  struct PrefetchRun {
    uint64_t addr, bytes;
    double notBefore;       // when the scalar unit handed it over
    uint32_t stream, instr; // the request (its row in the profile)
  };
  // In the order the requests reach the engine (their issue times: cores
  // issuing at once interleave), the front possibly partly served.
  std::deque<PrefetchRun> prefetchQueue;
  bool prefetchFrontStarted = false;
  double prefetchFree = 0; // when the engine can start its next chunk
  void queuePrefetch(uint64_t addr, uint64_t bytes, double when,
                     uint32_t stream, uint32_t instr) {
    // The engine's queue is finite: a request beyond it is dropped (a
    // prefetch is a hint; it changes no data).
    constexpr size_t kMaxQueuedPrefetches = 1 << 20;
    if (prefetchQueue.size() >= kMaxQueuedPrefetches)
      return;
    auto from = prefetchQueue.begin() + (prefetchFrontStarted ? 1 : 0);
    auto at = std::upper_bound(
        from, prefetchQueue.end(), when,
        [](double w, const PrefetchRun &r) { return w < r.notBefore; });
    prefetchQueue.insert(at, {addr, bytes, when, stream, instr});
  }
  void servePrefetches(double now);

  HostBuffer gm, l2mem;
  // Constants not yet copied into `gm` (ConstOverlay.h); off when they
  // overlap, and then every constant is copied at setup.
  ConstOverlay overlay;
  bool lazyConsts = false;
  HostBuffer localMem; // every stream's local memories, one after another
  // Runs the mmads while the engine goes on (SimOptions::hostThreads);
  // declared after the memories it writes, so it stops before they go.
  std::unique_ptr<MatrixWorker> matrixWorker;
  // Timing-only runs hold no GM; scalar loads read constants, the inputs
  // given and earlier scalar stores from here.
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> sparseGm;
  std::map<uint64_t, int32_t> scalarStores;
  std::vector<StreamState> streams;
  std::vector<Agent> agents;
  std::vector<std::vector<uint32_t>> vc; // vector clock per agent
  std::unordered_map<uint64_t, std::deque<FlagEntry>> flags;
  // Vector clocks of consumed flags, reused by the next set_flag (a run
  // sets tens of thousands of flags, each with a clock of every agent).
  std::vector<std::vector<uint32_t>> spareVcs;
  std::unordered_map<uint64_t, std::vector<uint32_t>> waiters;
  // Race-checker state by memory: GM and L2 first, then every stream's
  // local memories (checkAccess's memId); made on first access.
  std::vector<std::unique_ptr<Shadow>> shadows;
  ConstReads constReads; // GM reads of constants not yet written
  ConstantFootprint constFootprint; // Stats::constantBytesRead
  ResolvedInstrPool resolvedPool;
  // checkAccess's records to forget, reused across calls.
  std::vector<uint32_t> doomedWrites, doomedReads;
  std::vector<int> streamOfFlatCore;
  using HeapEntry = std::pair<double, uint32_t>;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<>> heap;
  std::string err;
  Stats st;
  std::vector<double> pipeBusy = std::vector<double>(target::kNumPipes, 0);
  std::vector<uint64_t> pipeInstrs =
      std::vector<uint64_t>(target::kNumPipes, 0);
  std::map<DType, double> flopsByType;
  double vectorIdealCycles = 0;
  uint64_t dynamicInstrs = 0;
  uint64_t work = 0; // the work budget's count (Work.h)

  ProfileRecorder::Work workSoFar() const {
    ProfileRecorder::Work w;
    w.matrixFlops = st.matrixFlops;
    w.vectorOps = st.vectorOps;
    w.vectorIdealCycles = vectorIdealCycles;
    w.aicpuOps = st.aicpuOps;
    w.dramReadBytes = st.dramReadBytes;
    w.dramWriteBytes = st.dramWriteBytes;
    w.l2HitBytes = st.l2HitBytes;
    return w;
  }
  void recordWork(const Agent &a, uint32_t idx, const Instr &in, double start,
                  double occupancy, double complete,
                  const ProfileRecorder::Work &before) {
    ProfileRecorder::Work w = workSoFar();
    w.matrixFlops -= before.matrixFlops;
    w.vectorOps -= before.vectorOps;
    w.vectorIdealCycles -= before.vectorIdealCycles;
    w.aicpuOps -= before.aicpuOps;
    w.dramReadBytes -= before.dramReadBytes;
    w.dramWriteBytes -= before.dramWriteBytes;
    w.l2HitBytes -= before.l2HitBytes;
    if (in.op == Opcode::Mmad)
      w.matrixType = in.tiles[1].dtype;
    recorder->record(a.stream, idx, a.pipe, start, occupancy, complete, w);
  }

  bool done(const Agent &a) const {
    return streams[a.stream].finished && (a.scalar || a.queue.empty());
  }
  std::string where(uint32_t stream, uint32_t instr) const {
    return prog.describeInstr(t, stream, instr);
  }
  bool fail(const std::string &msg) {
    if (err.empty())
      err = msg;
    return false;
  }

  /// Copies the constants meeting GM bytes [lo, hi) into `gm` before
  /// anything reads them there or writes them.
  void materializeGm(uint64_t lo, uint64_t hi) {
    if (lazyConsts)
      overlay.materialize(lo, hi, gm.data());
  }

  uint8_t *memBase(uint32_t stream, Space s) {
    if (s == Space::GM)
      return gm.data();
    if (s == Space::L2)
      return l2mem.data();
    return streams[stream].local[(unsigned)s];
  }

  bool setup(const std::map<std::string, Tensor> &inputs);
  bool step(uint32_t agentId);
  bool runScalar(uint32_t agentId);
  bool issue(uint32_t agentId, const Instr &in, uint32_t idx);
  /// Tile `k` of `in` with the stream's registers' values substituted
  /// (`empty`: a register extent of 0); false, with an error naming the
  /// instruction, its iteration and the registers, when it leaves its
  /// memory.
  bool resolveOperand(uint32_t stream, uint32_t idx, const Instr &in,
                      unsigned k, Tile &out, bool &empty);
  bool scalarOp(StreamState &ss, const Instr &in, uint32_t idx, double &cost);
  bool readGmI32(uint64_t addr, int32_t &v);
  void writeGmI32(uint64_t addr, int32_t v);
  /// Sync instructions (flags, barriers): false on error; sets `blocked`
  /// when the agent must wait (it is then parked, not advanced).
  bool sync(uint32_t agentId, const Instr &in, uint32_t idx, double start,
            const IterTag &iter, bool &blocked);
  void advance(uint32_t agentId);
  bool execute(uint32_t agentId, const Instr &in, uint32_t idx, double start,
               double &occupancy, double &complete, const IterTag &iter);
  bool functional(uint32_t stream, uint32_t idx, const Instr &in);
  bool checkAccess(uint32_t agentId, uint32_t idx, const Tile &tile, bool write,
                   const IterTag &iter);
  bool checkScatterRows(uint32_t agentId, uint32_t idx, const Instr &in,
                        const IterTag &iter);
  void releaseWaiters(uint64_t key);
  void wake(uint32_t agentId) {
    Agent &a = agents[agentId];
    a.parked = false;
    a.idle = false;
    heap.push({a.clock, agentId});
  }
  double dmaTime(uint32_t stream, const Instr &in, double start,
                 double &occupancy);
  /// Records the GM bytes of `g` in the constant footprint.
  void footprintRead(const Tile &g) {
    int64_t es = g.elemBytes();
    forEachRun(g, [&](int64_t, uint64_t addr, int64_t n, int64_t sb) {
      if (sb == es)
        return constFootprint.read(addr, addr + (uint64_t)(n * es));
      if (sb == 0) // a broadcast reads one element
        return constFootprint.read(addr, addr + (uint64_t)es);
      for (int64_t i = 0; i < n; ++i)
        constFootprint.read(addr + (uint64_t)(i * sb),
                            addr + (uint64_t)(i * sb + es));
    });
  }
  void joinVc(uint32_t agent, const std::vector<uint32_t> &other) {
    auto &v = vc[agent];
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = std::max(v[i], other[i]);
  }
};

bool Engine::setup(const std::map<std::string, Tensor> &inputs) {
  if (opts.functional && prog.gmBytes > opts.maxHostGmBytes)
    return fail("the program uses " + std::to_string(prog.gmBytes) +
                " bytes of GM, more than the simulator's host limit of " +
                std::to_string(opts.maxHostGmBytes) +
                " (run with --no-functional for timing only)");
  if (opts.functional) {
    // Every stream's local memories are host memory too: a target with huge
    // local spaces times many cores is an error with the numbers, not an
    // out-of-memory kill.
    uint64_t host = prog.gmBytes +
                    (t.space(Space::L2).present ? t.space(Space::L2).bytes : 0);
    for (const bin::CoreStream &cs : prog.streams)
      if (cs.coreType != bin::kAiCpuCoreType &&
          cs.coreType < t.coreTypes.size())
        for (Space s : t.coreTypes[cs.coreType].spaces)
          host += t.space(s).bytes;
    if (host > opts.maxHostGmBytes)
      return fail("simulating this program needs " + std::to_string(host) +
                  " bytes of host memory (GM, L2 and every running core's "
                  "local memories), more than the simulator's limit of " +
                  std::to_string(opts.maxHostGmBytes) +
                  " (run with --no-functional for timing only)");
    uint64_t localBytes =
        host - prog.gmBytes -
        (t.space(Space::L2).present ? t.space(Space::L2).bytes : 0);
    if (!gm.allocate(prog.gmBytes) ||
        (t.space(Space::L2).present &&
         !l2mem.allocate(t.space(Space::L2).bytes)) ||
        !localMem.allocate(localBytes))
      return fail("cannot allocate " + std::to_string(host) +
                  " bytes of host memory for the simulated memories");
  }
  uint64_t localUsed = 0;
  uint32_t totalFlat = t.totalCores() + (t.aicpu.present ? t.aicpu.count : 0);
  streamOfFlatCore.assign(totalFlat, -1);
  streams.resize(prog.streams.size());
  for (uint32_t si = 0; si < prog.streams.size(); ++si) {
    const bin::CoreStream &cs = prog.streams[si];
    StreamState &ss = streams[si];
    ss.aicpu = cs.coreType == bin::kAiCpuCoreType;
    ss.flatCore = ss.aicpu ? t.totalCores() + cs.coreIndex
                           : t.flatCoreId(cs.coreType, cs.coreIndex);
    streamOfFlatCore[ss.flatCore] = (int)si;
    std::fill(std::begin(ss.agentOf), std::end(ss.agentOf), -1);
    if (opts.functional && !ss.aicpu)
      for (Space s : t.coreTypes[cs.coreType].spaces) {
        if (localUsed + t.space(s).bytes > localMem.size())
          return fail("internal error: the local memories of stream " +
                      std::to_string(si) + " exceed their host allocation");
        ss.local[(unsigned)s] = localMem.data() + localUsed;
        localUsed += t.space(s).bytes;
      }
    auto agentFor = [&](Pipe p) {
      if (ss.agentOf[(unsigned)p] < 0) {
        ss.agentOf[(unsigned)p] = (int)agents.size();
        ss.agents.push_back((uint32_t)agents.size());
        Agent a;
        a.stream = si;
        a.pipe = p;
        agents.push_back(a);
      }
      return (uint32_t)ss.agentOf[(unsigned)p];
    };
    // The scalar unit first (every stream has one: it fetches the stream),
    // then one agent per pipe the stream uses.
    ss.scalarAgent = agentFor(Pipe::S);
    agents[ss.scalarAgent].scalar = true;
    const std::vector<Instr> &code = prog.code(si); // shared bodies too
    for (const Instr &in : code)
      if (!(in.op == Opcode::Barrier && in.ints[0] == bin::kBarrierAll))
        agentFor(in.pipe);
    ss.regs.assign(t.scalar.registers, 0);
    if (t.scalar.dcacheBytes)
      ss.dcache = std::make_unique<L2Cache>(t.scalar.dcacheBytes,
                                            t.scalar.dcacheLineBytes);
    uint32_t bad;
    std::string msg;
    if (!bin::analyzeControl(code, t, &ss.match, msg, bad))
      return fail(where(si, bad) + ": " + msg);
  }
  size_t n = agents.size();
  if (opts.checkRaces) {
    vc.assign(n, std::vector<uint32_t>(n, 0));
    for (size_t a = 0; a < n; ++a)
      vc[a][a] = 1;
  }

  if (opts.warmL2 && t.l2.present) {
    uint64_t hit = 0;
    double ready = 0;
    std::vector<uint64_t> missed;
    for (const bin::IoEntry &e : prog.io)
      if (!e.isOutput && e.byteSize() > 0)
        l2.access(e.gmAddr, (uint64_t)e.byteSize(), hit, ready, missed);
    for (const bin::ConstBlob &c : prog.consts)
      if (c.size)
        l2.access(c.gmAddr, c.size, hit, ready, missed);
    l2.fill(missed, 0.0);
  }

  // Constants and inputs.
  if (!opts.functional) {
    for (const bin::ConstBlob &c : prog.consts)
      if (c.loadedBytes() == c.size && c.size)
        sparseGm.push_back(
            {c.gmAddr, std::vector<uint8_t>(c.bytes(), c.bytes() + c.size)});
    for (const bin::IoEntry &e : prog.io) {
      auto it = inputs.find(e.name);
      if (!e.isOutput && it != inputs.end() && it->second.shape() == e.shape)
        sparseGm.push_back({e.gmAddr, it->second.castTo(e.dtype).toBytes()});
    }
  }
  constFootprint.init(prog.consts, t.l2.present ? t.l2.lineBytes : 64);
  if (opts.functional) {
    for (const bin::ConstBlob &c : prog.consts)
      if (c.loadedBytes() != c.size)
        return fail("constant '" + c.name +
                    "' has no data (external weight file not loaded)");
    lazyConsts = overlay.init(prog.consts);
    if (!lazyConsts)
      for (const bin::ConstBlob &c : prog.consts)
        std::copy(c.bytes(), c.bytes() + c.size, gm.data() + c.gmAddr);
    if (opts.hostThreads != 1 && std::thread::hardware_concurrency() > 1 &&
        programHasMmad(prog))
      matrixWorker = std::make_unique<MatrixWorker>(t, prog);
  }
  if (opts.checkRaces)
    constReads.init(prog.consts);
  for (const bin::IoEntry &e : prog.io) {
    if (e.isOutput)
      continue;
    auto it = inputs.find(e.name);
    if (it == inputs.end() && !opts.functional)
      continue; // timing only: input values do not matter
    if (it == inputs.end())
      return fail("missing input '" + e.name + "' (" + dtypeName(e.dtype) +
                  " " + shapeToString(e.shape) + ")");
    if (it->second.shape() != e.shape)
      return fail("input '" + e.name + "' has shape " +
                  shapeToString(it->second.shape()) + ", the program expects " +
                  shapeToString(e.shape));
    // Only the dtypes the compiler stores as this I/O dtype are accepted
    // (the model's own dtype), and f32 for 16-bit float I/O (numpy has no
    // bf16); anything else is an error, not a silent conversion.
    DType given = it->second.dtype();
    bool widensTo = given == e.dtype ||
                    (e.dtype == DType::I32 &&
                     (given == DType::I64 || given == DType::U16 ||
                      given == DType::U32 || given == DType::U64)) ||
                    (e.dtype == DType::U8 && given == DType::Bool) ||
                    (e.dtype == DType::F32 && given == DType::F64) ||
                    ((e.dtype == DType::BF16 || e.dtype == DType::F16) &&
                     given == DType::F32);
    if (!widensTo)
      return fail("input '" + e.name + "' is " + dtypeName(given) +
                  ", the program expects " + dtypeName(e.dtype));
    // int64 and uint64 must fit; uint32 keeps its bit pattern.
    if (given == DType::I64 || given == DType::U64)
      for (int64_t i = 0; i < it->second.numElements(); ++i) {
        int64_t v = it->second.getI(i);
        if (v != (int32_t)v || (given == DType::U64 && v < 0))
          return fail("input '" + e.name + "': element " + std::to_string(i) +
                      " (" +
                      (given == DType::U64 ? std::to_string((uint64_t)v)
                                           : std::to_string(v)) +
                      ") does not fit the program's i32 storage");
      }
    if (opts.functional) {
      std::vector<uint8_t> bytes = it->second.castTo(e.dtype).toBytes();
      materializeGm(e.gmAddr, e.gmAddr + bytes.size());
      std::copy(bytes.begin(), bytes.end(), gm.data() + e.gmAddr);
    }
  }
  for (const auto &kv : inputs) {
    bool known = false;
    for (const bin::IoEntry &e : prog.io)
      known |= !e.isOutput && e.name == kv.first;
    if (!known)
      return fail("the program has no input named '" + kv.first + "'");
  }
  return true;
}

// A scatter writes the rows its index names, not its whole table: when the
// index values are at hand (a functional run) each row is checked on its
// own, so cores writing different rows of one table (a KV-cache write spread
// over the cores) do not race, and two writing one row still do.
bool Engine::checkScatterRows(uint32_t agentId, uint32_t idx, const Instr &in,
                              const IterTag &iter) {
  const Tile &table = in.tiles[0], &ix = in.tiles[2];
  if (matrixWorker)
    matrixWorker->waitForConflicts(agents[agentId].stream, in);
  std::vector<int64_t> index(ix.numElements());
  loadI(memBase(agents[agentId].stream, ix.space), ix, index.data());
  Tile row = table;
  row.shape[0] = 1;
  for (int64_t r : index) {
    // An index out of bounds is the functional step's error to report.
    if (r < 0 || r >= table.shape[0])
      continue;
    row.offset =
        table.offset + (uint64_t)(r * table.strides[0] * table.elemBytes());
    if (!checkAccess(agentId, idx, row, true, iter))
      return false;
  }
  return true;
}

void Engine::releaseWaiters(uint64_t key) {
  auto it = waiters.find(key);
  if (it == waiters.end())
    return;
  for (uint32_t a : it->second) {
    agents[a].parked = false;
    heap.push({agents[a].clock, a});
  }
  waiters.erase(it);
}

bool Engine::checkAccess(uint32_t agentId, uint32_t idx, const Tile &tile,
                         bool write, const IterTag &iter) {
  if (!opts.checkRaces)
    return true;
  uint32_t stream = agents[agentId].stream;
  uint64_t memId =
      target::isGlobalSpace(tile.space)
          ? (uint64_t)tile.space
          : 16 + (uint64_t)stream * target::kNumSpaces + (uint64_t)tile.space;
  if (memId >= shadows.size())
    shadows.resize(memId + 1);
  if (!shadows[memId])
    shadows[memId] = std::make_unique<Shadow>();
  Shadow &sh = *shadows[memId];
  bool dense = isDense(tile);
  Access acc(tile, agentId, vc[agentId][agentId], stream, idx, write, dense,
             iter);
  const auto &myVc = vc[agentId];
  auto report = [&](const Access &r) {
    std::ostringstream os;
    uint64_t lo = std::max(r.lo, acc.lo), hi = std::min(r.hi, acc.hi);
    os << "race on " << target::spaceName(tile.space);
    if (!target::isGlobalSpace(tile.space))
      os << " of "
         << where(stream, idx).substr(0, where(stream, idx).find(' '));
    os << " near bytes [" << lo << ", " << hi
       << "): " << where(acc.stream, acc.instr) << acc.iter().text()
       << (write ? " writes" : " reads") << ", and " << where(r.stream, r.instr)
       << r.iter().text() << (r.write ? " writes" : " reads")
       << " the same bytes with no flag ordering them";
    return fail(os.str());
  };
  // Accesses the new one makes redundant for future checks are forgotten:
  // a dense access covering an earlier one its agent is ordered after.
  auto covered = [&](const AccessRef &r) {
    return dense && r.lo >= acc.lo && r.hi <= acc.hi &&
           (r.agent == agentId || r.epoch <= myVc[r.agent]);
  };
  // Whether a record whose byte range meets the access shares a byte with
  // it (exactOverlap, with a dense record's tile as its byte range).
  auto overlaps = [&](const AccessList &list, const Access &r) {
    if (r.dense)
      return dense || runsMeet(tile, r.lo, r.hi);
    return exactOverlap(list.tile(r), tile);
  };
  // One pass per list both checks the new access against the records it
  // meets (the scan yields only records whose byte range meets it) and, for
  // a write, collects the ones it covers; they are dropped only if it is
  // clean, as a race ends the run.
  auto checkAndCollect = [&](AccessList &list, std::vector<uint32_t> &doomed) {
    doomed.clear();
    bool clean = true;
    list.forOverlapping(acc.lo, acc.hi, [&](const AccessRef &r) {
      if (r.agent != agentId && r.epoch > myVc[r.agent] &&
          overlaps(list, list.record(r.id))) {
        clean = false;
        report(list.record(r.id));
        return false;
      }
      if (write && covered(r))
        doomed.push_back(r.id);
      return true;
    });
    return clean;
  };
  auto drop = [](AccessList &list, const std::vector<uint32_t> &doomed) {
    for (uint32_t id : doomed)
      list.kill(id);
    list.maybeCompact();
  };
  if (tile.space == Space::GM) {
    if (write)
      constReads.release(acc.lo, acc.hi, sh.reads);
    else if (constReads.hold(acc, tile))
      return true;
  }
  if (!checkAndCollect(sh.writes, doomedWrites))
    return false;
  if (write) {
    if (!checkAndCollect(sh.reads, doomedReads))
      return false;
    if (dense) {
      drop(sh.writes, doomedWrites);
      drop(sh.reads, doomedReads);
    }
    sh.writes.add(acc, tile);
    return true;
  }
  if (dense) {
    doomedReads.clear();
    sh.reads.forInsideOf(agentId, acc.lo, acc.hi, [&](const AccessRef &r) {
      doomedReads.push_back(r.id);
    });
    drop(sh.reads, doomedReads);
  }
  sh.reads.add(acc, tile);
  return true;
}

// DMA timing: latency + bytes at the path rate, with L2 hits at the L2 rate
// and DRAM traffic through the shared arbiter; short bursts are rounded up
// to the burst size and pay a fixed penalty.
double Engine::dmaTime(uint32_t stream, const Instr &in, double start,
                       double &occupancy) {
  const Tile &dst = in.tiles[0];
  const Tile &src = in.tiles[1];
  const target::DmaPath *path = t.findPath(src.space, dst.space, in.pipe);
  double rate = path ? path->bytesPerCycle : 1.0;
  double latency = path ? path->latencyCycles : 0;
  uint64_t bytes = (uint64_t)std::max(dst.numElements() * dst.elemBytes(),
                                      src.numElements() * src.elemBytes());
  if (in.op == Opcode::Fix)
    bytes = (uint64_t)(dst.numElements() * dst.elemBytes());
  // A widening load reads the narrow elements (the conversion is on the
  // local side of the transfer).
  if (in.op == Opcode::DmaLd && src.dtype != dst.dtype)
    bytes = (uint64_t)(src.numElements() * src.elemBytes());
  // A dequantizing load reads the packed weight and its blocks' scales
  // (and zero points); it writes the wider tile on the local side.
  if (in.info().cls == bin::OpClass::Dequant) {
    bytes = 0;
    for (unsigned i = 1; i < in.info().numTiles; ++i)
      bytes += (uint64_t)(in.tiles[i].numElements() * in.tiles[i].elemBytes());
  }
  // A gather or scatter moves the rows of its local tile, not the whole GM
  // table its index selects them from.
  bool indexed = in.op == Opcode::DmaGather || in.op == Opcode::DmaScatter;
  if (indexed) {
    const Tile &rows = src.space == Space::GM ? dst : src;
    bytes = (uint64_t)(rows.numElements() * rows.elemBytes());
  }
  uint64_t run = std::min(src.contiguousRunBytes(), dst.contiguousRunBytes());
  if (in.op == Opcode::DmaGather || in.op == Opcode::DmaScatter)
    run = (uint64_t)(src.shape[src.rank - 1] * src.elemBytes());
  run = std::max<uint64_t>(1, std::min(run, bytes));
  uint64_t segments = (bytes + run - 1) / run;
  uint64_t burst = t.burstBytes;
  double effBytes =
      (double)segments * (double)((run + burst - 1) / burst * burst);
  effBytes = std::max(effBytes, (double)bytes);
  double penalty =
      run < burst ? (double)segments * t.shortBurstPenaltyCycles : 0;
  double scale = effBytes / (double)bytes;

  StreamState &ss = streams[stream];
  if (t.sharedLoadStoreEngine &&
      (in.pipe == Pipe::MTE2 || in.pipe == Pipe::MTE3))
    start = std::max(start, ss.engineFree);

  double end = start;
  bool readsGm = src.space == Space::GM, writesGm = dst.space == Space::GM;
  if (!readsGm && !writesGm) {
    end = start + effBytes / rate + penalty;
    occupancy = end - start;
    if (t.sharedLoadStoreEngine &&
        (in.pipe == Pipe::MTE2 || in.pipe == Pipe::MTE3))
      ss.engineFree = end;
    return end + latency;
  }
  const Tile &g = readsGm ? src : dst;
  double dramCap = t.dramPerCoreBytesPerCycle > 0
                       ? std::min(rate, t.dramPerCoreBytesPerCycle)
                       : rate;
  uint64_t hitBytes = 0;
  double readyAt = 0;
  std::vector<uint64_t> &missedLines = missedScratch;
  missedLines.clear();
  // A write-back L2 keeps stored lines dirty; the dirty lines a transfer's
  // allocations evict go to DRAM then.
  bool writeBack = t.l2.present && t.l2.writeBack;
  uint64_t victimBytes = 0;
  // Indexed rows are chosen at run time: a gather or scatter looks its rows
  // up in the L2 like any transfer (the index tile holds them: a functional
  // run has its values), else they count as misses and a scatter writes
  // through.
  const Tile &ix = in.tiles[2];
  bool rowsKnown = indexed && opts.functional && t.l2.present &&
                   !target::isGlobalSpace(ix.space);
  if (t.l2.present && (!indexed || rowsKnown)) {
    // Coalesce adjacent runs so a line is looked up once per transfer.
    uint64_t lo = 0, hi = 0;
    auto flush = [&]() {
      if (hi > lo)
        l2.access(lo, hi - lo, hitBytes, readyAt, missedLines,
                  writeBack && writesGm, writeBack ? &victimBytes : nullptr);
      lo = hi = 0;
    };
    auto lookUp = [&](const Tile &gm) {
      forEachRun(gm, [&](int64_t, uint64_t addr, int64_t n, int64_t sb) {
        int64_t es = gm.elemBytes();
        for (int64_t i = 0; i < (sb == es ? 1 : n); ++i) {
          uint64_t a = addr + (uint64_t)(i * sb);
          uint64_t len = (uint64_t)(sb == es ? n * es : es);
          if (a != hi)
            flush(), lo = hi = a;
          hi = a + len;
        }
      });
    };
    if (!indexed) {
      lookUp(g);
    } else {
      // The table's rows the index selects, in its order (an index out of
      // bounds is the functional step's error to report).
      if (matrixWorker)
        matrixWorker->waitForConflicts(stream, in);
      std::vector<int64_t> index(ix.numElements());
      loadI(memBase(stream, ix.space), ix, index.data());
      Tile row = g;
      row.shape[0] = 1;
      for (int64_t r : index)
        if (r >= 0 && r < g.shape[0]) {
          row.offset = g.offset + (uint64_t)(r * g.strides[0] * g.elemBytes());
          lookUp(row);
        }
    }
    flush();
  }
  // The evicted dirty lines take their share of DRAM bandwidth from the
  // transfer's start (the L2 writes them back beside the transfer, which
  // does not wait for them but competes with them for the windows).
  if (victimBytes) {
    st.dramWriteBytes += victimBytes;
    dram.reserve(start, (double)victimBytes, dramCap);
  }
  double extraLatency = 0;
  if (readsGm && constFootprint.mayMeet(g.offset, g.endByte())) {
    if (indexed)
      constFootprint.gathered(g.offset, g.endByte(), bytes);
    else
      footprintRead(g);
  }
  if (readsGm) {
    uint64_t miss = bytes - std::min(hitBytes, bytes);
    // A miss fills whole L2 lines from DRAM: a transfer that needs part of
    // a line still moves (and is charged) the line.
    if (t.l2.present && miss)
      miss = std::max<uint64_t>(miss,
                                missedLines.size() * (uint64_t)t.l2.lineBytes);
    st.l2HitBytes += hitBytes;
    st.dramReadBytes += miss;
    double t1 = start;
    if (hitBytes)
      t1 += (double)hitBytes * scale / std::min(rate, t.l2.readBytesPerCycle);
    if (miss) {
      t1 = dram.reserve(t1, (double)miss * scale, dramCap);
      extraLatency = t.dramLatencyCycles;
    } else {
      extraLatency = t.l2.hitLatencyCycles;
    }
    // Lines another transfer is still filling arrive when that fill does.
    end = std::max(t1 + penalty, readyAt - latency - extraLatency);
    if (t.l2.present)
      l2.fill(missedLines, end + latency + extraLatency);
  } else if (writeBack && (!indexed || rowsKnown)) {
    // Stores stay in the L2 (dirty lines, written back when evicted).
    end = start +
          (double)bytes * scale / std::min(rate, t.l2.writeBytesPerCycle) +
          penalty;
    l2.fill(missedLines, end + latency);
  } else {
    // Stores go to DRAM (write-through) and leave their lines in the L2.
    st.dramWriteBytes += bytes;
    double cap =
        t.l2.present ? std::min(rate, t.l2.writeBytesPerCycle) : dramCap;
    end = dram.reserve(start, (double)bytes * scale, cap) + penalty;
    if (t.l2.present)
      l2.fill(missedLines, end + latency);
  }
  occupancy = end - start;
  if (t.sharedLoadStoreEngine &&
      (in.pipe == Pipe::MTE2 || in.pipe == Pipe::MTE3))
    ss.engineFree = end;
  return end + latency + extraLatency;
}

bool Engine::execute(uint32_t agentId, const Instr &in, uint32_t idx,
                     double start, double &occupancy, double &complete,
                     const IterTag &iter) {
  Agent &a = agents[agentId];
  uint32_t stream = a.stream;
  const bin::OpInfo &inf = in.info();
  occupancy = 0;
  complete = start;

  // Charged before the instruction runs: a run never starts the work that
  // would take it past its budget.
  uint64_t w = instrWork(in, opts.functional);
  if (w > opts.maxWork - std::min(work, opts.maxWork))
    return fail("work budget of " + std::to_string(opts.maxWork) +
                " elements exhausted at " + where(stream, idx) + iter.text() +
                ": it would move or compute " + std::to_string(w) + " after " +
                std::to_string(work) + " (raise the budget with --max-work)");
  work += w;

  // Race bookkeeping: operand 0 (and topk's 1) are written, the rest read.
  if (opts.checkRaces && inf.numTiles) {
    unsigned writes = in.op == Opcode::VTopK ? 2 : 1;
    for (unsigned i = 0; i < inf.numTiles; ++i) {
      bool w = i < writes;
      if (in.op == Opcode::Mmad && i == 0 && in.ints[0]) {
        if (!checkAccess(agentId, idx, in.tiles[0], false, iter))
          return false;
      }
      if (in.op == Opcode::DmaScatter && i == 0) {
        // Without values (--no-functional) the rows are unknown: the
        // write is not checked, rather than reported as a race on the
        // whole table.
        if (opts.functional && !checkScatterRows(agentId, idx, in, iter))
          return false;
        continue;
      }
      if (!checkAccess(agentId, idx, in.tiles[i], w, iter))
        return false;
    }
  }

  switch (inf.cls) {
  case OpClass::Dma:
  case OpClass::Gather:
  case OpClass::Dequant:
  case OpClass::Fix:
    complete = dmaTime(stream, in, start, occupancy);
    break;
  case OpClass::Mmad: {
    const Tile &c = in.tiles[0], &av = in.tiles[1];
    const target::Fractal *f = t.fractal(av.dtype);
    int64_t m = c.shape[0], n = c.shape[1], k = av.shape[1];
    double cyc = (double)((m + f->m - 1) / f->m) * ((k + f->k - 1) / f->k) *
                 ((n + f->n - 1) / f->n);
    // The systolic pipeline fills only when the engine was idle.
    if (start > a.lastComplete + 0.5 || a.lastComplete == 0)
      cyc += t.mmadStartupCycles;
    occupancy = cyc;
    complete = start + cyc;
    double fl = 2.0 * m * n * k;
    st.matrixFlops += fl;
    flopsByType[av.dtype] += fl;
    break;
  }
  case OpClass::VBinary:
  case OpClass::VScalar:
  case OpClass::VUnary:
  case OpClass::VCast:
  case OpClass::VCmp:
  case OpClass::VSel:
  case OpClass::VMulAdd:
  case OpClass::VDup:
  case OpClass::VReduce:
  case OpClass::VTopK:
  case OpClass::VTrans: {
    // Repeats: rows x ceil(row bytes / vector width), of the widest operand.
    double repeats = 0;
    int64_t elems = 0;
    for (unsigned i = 0; i < inf.numTiles; ++i) {
      const Tile &tl = in.tiles[i];
      int64_t rowBytes = tl.shape[tl.rank - 1] * tl.elemBytes();
      double r = (double)tl.rows() *
                 std::ceil((double)rowBytes / t.vectorBytesPerCycle);
      repeats = std::max(repeats, r);
      elems = std::max(elems, tl.numElements());
    }
    double cpi = t.vectorCost(inf.costKey ? inf.costKey : "");
    if (in.op == Opcode::VTopK)
      cpi *= std::max(
          1.0, std::log2((double)in.tiles[2].shape[in.tiles[2].rank - 1]));
    // Two sources in one UB bank conflict: one extra cycle per repeat.
    unsigned sources = inf.cls == OpClass::VBinary || inf.cls == OpClass::VCmp
                           ? 2
                       : inf.cls == OpClass::VMulAdd ? 3
                                                     : 0;
    if (sources) {
      const target::SpaceDesc &sd = t.space(in.tiles[1].space);
      if (sd.banks > 1) {
        uint64_t bankBytes = sd.bytes / sd.banks;
        bool conflict = false;
        for (unsigned i = 1; i <= sources; ++i)
          for (unsigned j = i + 1; j <= sources; ++j)
            conflict |= in.tiles[i].offset / bankBytes ==
                        in.tiles[j].offset / bankBytes;
        if (conflict)
          cpi += 1;
      }
    }
    double cyc = t.vectorStartupCycles + repeats * cpi;
    occupancy = cyc;
    complete = start + cyc;
    st.vectorOps += (double)elems;
    vectorIdealCycles +=
        (double)elems * in.tiles[0].elemBytes() / t.vectorBytesPerCycle;
    break;
  }
  case OpClass::Cpu: {
    const Tile &s = in.tiles[1];
    double n = (double)s.numElements();
    bool special = in.ints[0] != (int64_t)bin::CpuFn::Copy &&
                   in.ints[0] != (int64_t)bin::CpuFn::CumSum &&
                   in.ints[0] != (int64_t)bin::CpuFn::ArgMax;
    double cpe =
        special ? t.aicpu.specialCyclesPerElement : t.aicpu.cyclesPerElement;
    if (in.ints[0] == (int64_t)bin::CpuFn::SortDesc)
      cpe *= std::max(1.0, std::log2((double)s.shape[s.rank - 1]));
    double cpuCycles = t.aicpu.callOverheadCycles + n * cpe;
    double cyc = cpuCycles * t.clockHz / t.aicpu.clockHz;
    occupancy = cyc;
    complete = start + cyc;
    st.aicpuOps += n;
    uint64_t b =
        (uint64_t)(in.tiles[0].numElements() * in.tiles[0].elemBytes() +
                   s.numElements() * s.elemBytes());
    st.dramReadBytes += (uint64_t)(s.numElements() * s.elemBytes());
    st.dramWriteBytes += b - (uint64_t)(s.numElements() * s.elemBytes());
    if (s.space == Space::GM && constFootprint.mayMeet(s.offset, s.endByte()))
      footprintRead(s);
    break;
  }
  case OpClass::Sync:
  case OpClass::End:
  case OpClass::Prefetch:
  case OpClass::Discard:
  case OpClass::SAlu:
  case OpClass::SLoad:
  case OpClass::SStore:
  case OpClass::Loop:
  case OpClass::EndLoop:
  case OpClass::Skip:
  case OpClass::SArg:
    break;
  }
  if (opts.functional && !functional(stream, idx, in))
    return false;
  return true;
}

void Engine::servePrefetches(double now) {
  // A chunk is about what DRAM moves in a few arbitration windows: small
  // enough that a transfer starting during it waits little for its lines.
  constexpr uint64_t kChunk = 32 << 10;
  std::vector<uint64_t> &missed = missedScratch;
  bool writeBack = t.l2.writeBack;
  while (!prefetchQueue.empty()) {
    PrefetchRun &r = prefetchQueue.front();
    double start = std::max(prefetchFree, r.notBefore);
    if (start > now)
      return;
    uint64_t n = std::min<uint64_t>(r.bytes, kChunk);
    uint64_t hit = 0, victims = 0;
    double readyAt = 0;
    missed.clear();
    l2.access(r.addr, n, hit, readyAt, missed, false,
              writeBack ? &victims : nullptr);
    if (victims) {
      st.dramWriteBytes += victims;
      dram.reserve(start, (double)victims, t.l2.prefetchBytesPerCycle);
    }
    double end = start;
    uint64_t bytes = missed.size() * (uint64_t)t.l2.lineBytes;
    if (bytes) {
      st.dramReadBytes += bytes;
      st.l2PrefetchReadBytes += bytes;
      end = dram.reserve(start, (double)bytes, t.l2.prefetchBytesPerCycle);
      l2.fill(missed, end + t.dramLatencyCycles);
    }
    if (recorder && (bytes || victims)) {
      // A row of its own in the profile ("<node>:l2_prefetch", DMA like
      // the other read-ahead rows) with the bytes but no time: the engine
      // runs on no core, so the run's time stays with the kernels (which
      // wait for its lines where they have to).
      ProfileRecorder::Work w;
      w.dramReadBytes = bytes;
      w.dramWriteBytes = victims;
      recorder->record(r.stream, r.instr, Pipe::MTE2, start, 0, start, w);
    }
    if (constFootprint.mayMeet(r.addr, r.addr + n))
      constFootprint.read(r.addr, r.addr + n);
    prefetchFree = end;
    r.addr += n;
    r.bytes -= n;
    prefetchFrontStarted = r.bytes > 0;
    if (!r.bytes)
      prefetchQueue.pop_front();
  }
}

void Engine::advance(uint32_t agentId) {
  Agent &a = agents[agentId];
  if (a.scalar) {
    streams[a.stream].pc++;
    return;
  }
  resolvedPool.give(a.queue.front().resolved);
  a.queue.pop_front();
  StreamState &ss = streams[a.stream];
  if (ss.throttledOn == (int)agentId && a.queue.size() < kMaxQueued / 2) {
    ss.throttledOn = -1;
    wake(ss.scalarAgent);
  }
}

bool Engine::sync(uint32_t agentId, const Instr &in, uint32_t idx, double start,
                  const IterTag &iter, bool &blocked) {
  Agent &a = agents[agentId];
  StreamState &ss = streams[a.stream];
  blocked = false;
  switch (in.op) {
  case Opcode::SetFlag:
  case Opcode::XSet: {
    // A set fires when everything before it on the pipe has completed.
    double when = std::max(start, a.lastComplete);
    uint64_t key;
    if (in.op == Opcode::SetFlag) {
      key = flagKey(a.stream, in.ints[0], in.ints[1], in.ints[2]);
    } else {
      int target = in.ints[1] < (int64_t)streamOfFlatCore.size()
                       ? streamOfFlatCore[in.ints[1]]
                       : -1;
      if (target < 0)
        return fail(where(a.stream, idx) + ": core " +
                    std::to_string(in.ints[1]) +
                    " runs no instruction stream, so nothing can wait for it");
      key = xflagKey((uint32_t)target, in.ints[2]);
    }
    FlagEntry e{when + t.flagLatencyCycles, {}};
    if (opts.checkRaces) {
      if (!spareVcs.empty()) {
        e.vc = std::move(spareVcs.back());
        spareVcs.pop_back();
      }
      e.vc.assign(vc[agentId].begin(), vc[agentId].end());
      vc[agentId][agentId]++;
    }
    flags[key].push_back(std::move(e));
    a.clock = when;
    a.lastComplete = when;
    ++pipeInstrs[(unsigned)a.pipe];
    if (opts.recordTrace)
      trace.push_back(
          {a.stream, a.pipe, idx, when, when, iter.packed, iter.depth});
    advance(agentId);
    releaseWaiters(key);
    return true;
  }
  case Opcode::WaitFlag:
  case Opcode::XWait: {
    uint64_t key = in.op == Opcode::WaitFlag
                       ? flagKey(a.stream, in.ints[0], in.ints[1], in.ints[2])
                       : xflagKey(a.stream, in.ints[1]);
    auto it = flags.find(key);
    if (it == flags.end() || it->second.empty()) {
      a.parked = true;
      blocked = true;
      waiters[key].push_back(agentId);
      return true;
    }
    FlagEntry e = std::move(it->second.front());
    it->second.pop_front();
    double when = std::max(start, e.time);
    if (opts.checkRaces) {
      joinVc(agentId, e.vc);
      spareVcs.push_back(std::move(e.vc));
    }
    ++pipeInstrs[(unsigned)a.pipe];
    if (opts.recordTrace && when > start)
      trace.push_back(
          {a.stream, a.pipe, idx, start, when, iter.packed, iter.depth});
    a.clock = when;
    advance(agentId);
    return true;
  }
  case Opcode::Barrier: {
    if (in.ints[0] != bin::kBarrierAll) {
      // Draining one in-order pipe: wait for its own completions.
      a.clock = std::max(start, a.lastComplete);
      ++pipeInstrs[(unsigned)a.pipe];
      advance(agentId);
      return true;
    }
    auto &arr = ss.barrierArrivals[idx];
    arr.push_back(agentId);
    a.parked = true;
    blocked = true;
    if (arr.size() < ss.agents.size())
      return true;
    double when = 0;
    for (uint32_t b : arr)
      when = std::max({when, agents[b].clock, agents[b].lastComplete,
                       b == agentId ? start : 0.0});
    std::vector<uint32_t> joined;
    if (opts.checkRaces) {
      joined = vc[arr[0]];
      for (uint32_t b : arr)
        for (size_t i = 0; i < joined.size(); ++i)
          joined[i] = std::max(joined[i], vc[b][i]);
    }
    for (uint32_t b : arr) {
      Agent &ab = agents[b];
      ab.clock = ab.lastComplete = when;
      ab.parked = false;
      advance(b);
      if (opts.checkRaces) {
        vc[b] = joined;
        vc[b][b]++;
      }
      if (b != agentId && !done(ab))
        heap.push({ab.clock, b});
    }
    blocked = false;
    ++pipeInstrs[(unsigned)Pipe::S];
    ss.barrierArrivals.erase(idx);
    return true;
  }
  default:
    return fail(where(a.stream, idx) + ": not a sync instruction");
  }
}

// One scheduling step of a pipe agent: run its head instruction if it can.
bool Engine::step(uint32_t agentId) {
  Agent &a = agents[agentId];
  if (a.scalar)
    return runScalar(agentId);
  if (a.parked)
    return true;
  if (a.queue.empty()) {
    // Nothing issued yet: the scalar unit wakes the agent when it issues.
    if (!streams[a.stream].finished)
      a.idle = true;
    return true;
  }
  DynInstr &d = a.queue.front();
  uint32_t idx = d.idx;
  const Instr &in = d.resolved ? *d.resolved : prog.code(a.stream)[idx];
  double start = std::max(a.clock, d.dispatch);
  IterTag iter = d.iter;
  ++a.executed;
  if (opts.checkRaces) {
    uint32_t &seen = vc[agentId][streams[a.stream].scalarAgent];
    seen = std::max(seen, d.issuerEpoch);
  }

  if (in.info().cls == OpClass::Sync) {
    bool blocked;
    if (!sync(agentId, in, idx, start, iter, blocked))
      return false;
    if (blocked)
      return true;
  } else {
    // The cache engine's chunks that start before this instruction go
    // first (and are not counted in its profile).
    if (!prefetchQueue.empty())
      servePrefetches(start);
    double occupancy = 0, complete = start;
    // The profile takes what this instruction added to the counters.
    ProfileRecorder::Work before;
    if (recorder)
      before = workSoFar();
    if (!d.empty &&
        !execute(agentId, in, idx, start, occupancy, complete, iter))
      return false;
    ++pipeInstrs[(unsigned)a.pipe];
    if (recorder && in.op != Opcode::End)
      recordWork(a, idx, in, start, occupancy, complete, before);
    if (in.op != Opcode::End) {
      pipeBusy[(unsigned)a.pipe] += occupancy;
      if (opts.recordTrace)
        trace.push_back({a.stream, a.pipe, idx, start, start + occupancy,
                         iter.packed, iter.depth});
    }
    a.clock = start + occupancy;
    a.lastComplete = std::max(a.lastComplete, complete);
    advance(agentId);
  }
  if (!done(a) && !a.parked)
    heap.push({a.clock, agentId});
  return true;
}

bool Engine::readGmI32(uint64_t addr, int32_t &v) {
  if (addr + 4 > prog.gmBytes)
    return false;
  if (opts.functional) {
    if (const bin::ConstBlob *c =
            lazyConsts ? overlay.holding(addr, addr + 4) : nullptr) {
      std::memcpy(&v, c->bytes() + (addr - c->gmAddr), 4);
      return true;
    }
    materializeGm(addr, addr + 4);
    std::memcpy(&v, gm.data() + addr, 4);
    return true;
  }
  auto st = scalarStores.find(addr);
  if (st != scalarStores.end()) {
    v = st->second;
    return true;
  }
  for (const auto &blob : sparseGm)
    if (addr >= blob.first && addr + 4 <= blob.first + blob.second.size()) {
      std::memcpy(&v, blob.second.data() + (addr - blob.first), 4);
      return true;
    }
  return false;
}

void Engine::writeGmI32(uint64_t addr, int32_t v) {
  if (opts.functional) {
    materializeGm(addr, addr + 4);
    std::memcpy(gm.data() + addr, &v, 4);
  } else
    scalarStores[addr] = v;
}

// The scalar unit's own instructions. `cost` is its busy time.
bool Engine::scalarOp(StreamState &ss, const Instr &in, uint32_t idx,
                      double &cost) {
  uint32_t stream = (uint32_t)(&ss - streams.data());
  auto &r = ss.regs;
  auto here = [&]() { return where(stream, idx) + ss.iterTag().text(); };
  const target::ScalarDesc &sc = t.scalar;
  cost = sc.aluCycles;
  switch (in.info().cls) {
  case OpClass::SAlu: {
    int64_t a = r[in.ints[1]];
    // The second operand is a register plus an immediate; it wraps in two's
    // complement like every other result of the scalar ALU.
    int64_t b = (int64_t)((uint64_t)r[in.ints[2]] + (uint64_t)in.ints[3]);
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    int64_t v = 0;
    switch (in.op) {
    case Opcode::SAdd:
      v = (int64_t)(ua + ub);
      break;
    case Opcode::SSub:
      v = (int64_t)(ua - ub);
      break;
    case Opcode::SMul:
      v = (int64_t)(ua * ub);
      cost = sc.mulCycles;
      break;
    case Opcode::SDiv:
    case Opcode::SRem:
      cost = sc.divCycles;
      if (b == 0)
        return fail(here() + ": division by zero (r" +
                    std::to_string(in.ints[1]) + " = " + std::to_string(a) +
                    ", divisor " + std::to_string(b) + ")");
      if (a == INT64_MIN && b == -1)
        v = in.op == Opcode::SDiv ? INT64_MIN : 0;
      else
        v = in.op == Opcode::SDiv ? a / b : a % b;
      break;
    case Opcode::SMin:
      v = std::min(a, b);
      break;
    case Opcode::SMax:
      v = std::max(a, b);
      break;
    case Opcode::SShl:
    case Opcode::SShr:
      if (b < 0 || b > 63)
        return fail(here() + ": shift amount " + std::to_string(b) +
                    " outside [0, 63]");
      v = in.op == Opcode::SShl ? (int64_t)(ua << b) : (a >> b);
      break;
    case Opcode::SAnd:
      v = a & b;
      break;
    case Opcode::SOr:
      v = a | b;
      break;
    case Opcode::SXor:
      v = a ^ b;
      break;
    case Opcode::SEq:
      v = a == b;
      break;
    case Opcode::SNe:
      v = a != b;
      break;
    case Opcode::SLt:
      v = a < b;
      break;
    case Opcode::SLe:
      v = a <= b;
      break;
    case Opcode::SGt:
      v = a > b;
      break;
    case Opcode::SGe:
      v = a >= b;
      break;
    default:
      return fail(here() + ": unknown scalar operation");
    }
    r[in.ints[0]] = v;
    ss.pc++;
    return true;
  }
  case OpClass::SArg: {
    const std::vector<int64_t> &args = prog.streams[stream].args;
    if (in.ints[1] < 0 || (uint64_t)in.ints[1] >= args.size())
      return fail(here() + ": launch argument " + std::to_string(in.ints[1]) +
                  " of a stream with " + std::to_string(args.size()));
    r[in.ints[0]] = args[(size_t)in.ints[1]];
    ss.pc++;
    return true;
  }
  case OpClass::SLoad:
  case OpClass::SStore: {
    bool load = in.info().cls == OpClass::SLoad;
    int64_t base = r[in.ints[1]];
    __int128 addr = (__int128)base + in.ints[2];
    if (addr < 0 || addr + 4 > (__int128)prog.gmBytes || addr % 4)
      return fail(here() + ": scalar " + (load ? "load from" : "store to") +
                  " GM byte " + std::to_string((long long)addr) + " (r" +
                  std::to_string(in.ints[1]) + " = " + std::to_string(base) +
                  ", offset " + std::to_string(in.ints[2]) +
                  ") is not a 4-byte aligned i32 inside the program's " +
                  std::to_string(prog.gmBytes) + " bytes of GM");
    Tile word = bin::makeTile(Space::GM, (uint64_t)addr, DType::I32, {1});
    // A new epoch: instructions issued before this access do not see it,
    // those issued after it do (DynInstr::issuerEpoch).
    if (opts.checkRaces)
      ++vc[ss.scalarAgent][ss.scalarAgent];
    if (!checkAccess(ss.scalarAgent, idx, word, !load, ss.iterTag()))
      return false;
    if (load) {
      int32_t v;
      if (!readGmI32((uint64_t)addr, v))
        return fail(here() + ": scalar load from GM byte " +
                    std::to_string((long long)addr) +
                    " needs data that only a functional run computes (this "
                    "run is timing-only)");
      r[in.ints[0]] = v;
      constFootprint.read((uint64_t)addr, (uint64_t)addr + 4);
      cost = sc.loadCycles;
      if (ss.dcache) {
        uint64_t hit = 0;
        double ready = 0;
        std::vector<uint64_t> missed;
        ss.dcache->access((uint64_t)addr, 4, hit, ready, missed);
        if (hit)
          cost = sc.loadHitCycles;
      }
    } else {
      writeGmI32((uint64_t)addr, (int32_t)r[in.ints[0]]);
      cost = sc.storeCycles;
    }
    ss.pc++;
    return true;
  }
  case OpClass::Loop: {
    cost = sc.branchCycles;
    int64_t count = 0;
    if (llvm::AddOverflow(r[in.ints[1]], in.ints[2], count))
      return fail(here() + ": trip count r" + std::to_string(in.ints[1]) +
                  " + " + std::to_string(in.ints[2]) + " overflows 64 bits (r" +
                  std::to_string(in.ints[1]) + " = " +
                  std::to_string(r[in.ints[1]]) + ")");
    if (count < 0)
      return fail(here() + ": negative trip count " + std::to_string(count) +
                  " (r" + std::to_string(in.ints[1]) + " = " +
                  std::to_string(r[in.ints[1]]) + ")");
    if (count == 0) {
      ss.pc = ss.match[idx] + 1;
      return true;
    }
    ss.loops.push_back({idx, ss.match[idx], count, 0, (uint8_t)in.ints[0]});
    if (in.ints[0])
      r[in.ints[0]] = 0;
    ss.pc++;
    return true;
  }
  case OpClass::EndLoop: {
    cost = sc.branchCycles;
    LoopFrame &f = ss.loops.back();
    if (++f.iter < f.count) {
      if (f.indexReg)
        r[f.indexReg] = f.iter;
      ss.pc = f.start + 1;
    } else {
      ss.loops.pop_back();
      ss.pc++;
    }
    return true;
  }
  case OpClass::Skip: {
    cost = sc.branchCycles;
    bool nz;
    if (in.op == Opcode::SkipArgZ) {
      const std::vector<int64_t> &args = prog.streams[stream].args;
      if (in.ints[0] < 0 || (uint64_t)in.ints[0] >= args.size())
        return fail(here() + ": launch argument " + std::to_string(in.ints[0]) +
                    " of a stream with " + std::to_string(args.size()));
      nz = args[(size_t)in.ints[0]] != 0;
    } else {
      nz = r[in.ints[0]] != 0;
    }
    bool taken = in.op == Opcode::SkipNz ? nz : !nz;
    ss.pc += 1 + (taken ? (uint32_t)in.ints[1] : 0);
    return true;
  }
  default:
    return fail(here() + ": not a scalar instruction");
  }
}

// Issues one instruction to its pipe's queue, resolving register-relative
// tiles and checking them against their space.
bool Engine::resolveOperand(uint32_t stream, uint32_t idx, const Instr &in,
                            unsigned k, Tile &out, bool &empty) {
  const StreamState &ss = streams[stream];
  const bin::OpInfo &inf = in.info();
  const Tile &tl = in.tiles[k];
  // The registers' values, for the error message only (built when one is
  // reported: every issue of a register-relative tile passes here).
  auto regsText = [&]() {
    std::string regs;
    for (unsigned i = 0; i < tl.numTerms; ++i)
      regs += (regs.empty() ? "" : ", ") +
              ("r" + std::to_string(tl.terms[i].reg)) + " = " +
              std::to_string(ss.regs[tl.terms[i].reg]);
    if (tl.extentDim >= 0)
      regs += (regs.empty() ? "" : ", ") +
              ("r" + std::to_string(tl.extentReg)) + " = " +
              std::to_string(ss.regs[tl.extentReg]);
    return regs;
  };
  std::string msg;
  if (!tl.resolve(ss.regs.data(), out, empty, msg))
    return fail(where(stream, idx) + ss.iterTag().text() + ": operand '" +
                inf.tileNames[k] + "': " + msg);
  uint64_t limit =
      out.space == Space::GM ? prog.gmBytes : t.space(out.space).bytes;
  if (out.endByte() > limit)
    return fail(where(stream, idx) + ss.iterTag().text() + ": operand '" +
                inf.tileNames[k] + "' at " + target::spaceName(out.space) +
                " bytes [" + std::to_string(out.offset) + ", " +
                std::to_string(out.endByte()) + ") leaves its " +
                std::to_string(limit) + " bytes (" + regsText() + ")");
  return true;
}

bool Engine::issue(uint32_t agentId, const Instr &in, uint32_t idx) {
  Agent &s = agents[agentId];
  StreamState &ss = streams[s.stream];
  DynInstr d{idx, s.clock, ss.iterTag(), false, nullptr};
  const bin::OpInfo &inf = in.info();
  for (unsigned k = 0; k < inf.numTiles; ++k) {
    if (!in.tiles[k].isRegRelative())
      continue;
    if (!d.resolved)
      d.resolved = resolvedPool.take(in);
    bool empty;
    if (!resolveOperand(s.stream, idx, in, k, d.resolved->tiles[k], empty))
      return false;
    d.empty |= empty;
  }
  if (d.resolved) {
    std::string msg;
    if (!bin::verifyInstr(*d.resolved, t, prog.streams[s.stream].coreType, msg))
      return fail(where(s.stream, idx) + d.iter.text() +
                  ": with its registers' values: " + msg);
  }
  if (opts.checkRaces)
    d.issuerEpoch = vc[agentId][agentId];
  uint32_t target = (uint32_t)ss.agentOf[(unsigned)in.pipe];
  agents[target].queue.push_back(std::move(d));
  if (agents[target].idle)
    wake(target);
  return true;
}

// The scalar unit: fetches the stream in program order, runs control and
// scalar instructions and its own pipe's sync, and issues the rest, until it
// must wait (a flag, a barrier, a full queue) or reaches `end`.
bool Engine::runScalar(uint32_t agentId) {
  Agent &a = agents[agentId];
  StreamState &ss = streams[a.stream];
  const std::vector<Instr> &instrs = prog.code(a.stream);
  if (a.parked)
    return true;
  while (!ss.finished) {
    uint32_t idx = ss.pc;
    const Instr &in = instrs[idx];
    const bin::OpInfo &inf = in.info();
    bool control = bin::isScalarControl(inf.cls);
    bool own = control || in.pipe == Pipe::S;
    bool barrierAll =
        in.op == Opcode::Barrier && in.ints[0] == bin::kBarrierAll;
    if (!own && !barrierAll && !ss.unbounded) {
      uint32_t target = (uint32_t)ss.agentOf[(unsigned)in.pipe];
      if (agents[target].queue.size() >= kMaxQueued) {
        ss.throttledOn = (int)target;
        a.parked = true;
        return true;
      }
    }
    if (++dynamicInstrs > opts.maxInstructions)
      return fail("instruction budget of " +
                  std::to_string(opts.maxInstructions) +
                  " executed instructions exhausted at " +
                  where(a.stream, idx) + ss.iterTag().text() +
                  ": the program may not terminate (raise the budget with "
                  "--max-instructions)");
    double start = a.clock;
    if (control) {
      double cost;
      IterTag iter = ss.iterTag();
      if (!scalarOp(ss, in, idx, cost))
        return false;
      cost = std::max<double>(cost, t.issueCyclesPerInstr);
      a.clock = start + cost;
      a.lastComplete = std::max(a.lastComplete, a.clock);
      ++pipeInstrs[(unsigned)Pipe::S];
      ++a.executed;
      if (opts.recordTrace)
        trace.push_back(
            {a.stream, Pipe::S, idx, start, a.clock, iter.packed, iter.depth});
      continue;
    }
    // Every other instruction takes an issue slot.
    a.clock += t.issueCyclesPerInstr;
    if (barrierAll) {
      // Every pipe joins; the scalar unit waits with them.
      DynInstr proto{idx, a.clock, ss.iterTag(), false, nullptr};
      for (uint32_t b : ss.agents)
        if (b != agentId) {
          agents[b].queue.push_back(
              DynInstr{idx, a.clock, proto.iter, false, nullptr});
          if (agents[b].idle)
            wake(b);
        }
      bool blocked;
      ++a.executed;
      if (!sync(agentId, in, idx, a.clock, proto.iter, blocked))
        return false;
      if (blocked)
        return true;
      continue;
    }
    if (inf.cls == OpClass::Prefetch) {
      // Handed to the cache engine; the scalar unit goes on.
      Tile g = in.tiles[0];
      bool empty = false;
      if (g.isRegRelative() && !resolveOperand(a.stream, idx, in, 0, g, empty))
        return false;
      // The engine reads whole lines: a strided run's elements are requested
      // as the spans of lines they touch, elements whose lines meet or
      // overlap in one request (a request per element queued millions for a
      // fuzzed tile).
      uint64_t line = std::max<uint64_t>(1, t.l2.lineBytes);
      if (!empty)
        forEachRun(g, [&](int64_t, uint64_t addr, int64_t n, int64_t sb) {
          uint64_t es = (uint64_t)g.elemBytes();
          if (sb == (int64_t)es || n <= 1) {
            queuePrefetch(addr, (uint64_t)n * es, a.clock, a.stream, idx);
            return;
          }
          uint64_t lo = addr, hi = addr + es;
          for (int64_t i = 1; i < n; ++i) {
            uint64_t e = addr + (uint64_t)(i * sb);
            // Lines [e / line, (e + es - 1) / line] meet or touch the span's?
            if (e / line <= (hi - 1) / line + 1 &&
                (e + es - 1) / line + 1 >= lo / line) {
              lo = std::min(lo, e);
              hi = std::max(hi, e + es);
              continue;
            }
            queuePrefetch(lo, hi - lo, a.clock, a.stream, idx);
            lo = e;
            hi = e + es;
          }
          queuePrefetch(lo, hi - lo, a.clock, a.stream, idx);
        });
      ++a.executed;
      ++pipeInstrs[(unsigned)Pipe::S];
      ss.pc++;
      continue;
    }
    if (inf.cls == OpClass::Discard) {
      // The L2 drops the lines wholly inside the tile as the scalar unit
      // issues it. After l2_discard a functional run fills their GM bytes
      // with 0xFF (NaN in every float type): they are undefined now, and a
      // program that reads them again computes garbage instead of passing
      // by luck. l2_evict writes the dirty ones to DRAM and changes no
      // byte.
      bool evict = in.op == Opcode::L2Evict;
      Tile g = in.tiles[0];
      bool empty = false;
      if (g.isRegRelative() && !resolveOperand(a.stream, idx, in, 0, g, empty))
        return false;
      uint64_t line = t.l2.lineBytes;
      if (!empty)
        forEachRun(g, [&](int64_t, uint64_t addr, int64_t n, int64_t sb) {
          uint64_t es = (uint64_t)g.elemBytes();
          if (sb != (int64_t)es)
            return; // (strided: no whole lines)
          uint64_t bytes = (uint64_t)n * es;
          if (evict) {
            uint64_t dirty = l2.discard(addr, bytes, &st.l2EvictedBytes);
            if (dirty) {
              st.dramWriteBytes += dirty;
              // (Written back at the cache engine's rate where it has one.)
              double cap = std::max<double>(t.l2.prefetchBytesPerCycle,
                                            t.dramPerCoreBytesPerCycle);
              dram.reserve(a.clock, (double)dirty, cap > 0 ? cap : 1e30);
            }
            return;
          }
          st.l2DiscardedBytes += l2.discard(addr, bytes);
          uint64_t lo = (addr + line - 1) / line * line;
          uint64_t hi = (addr + bytes) / line * line;
          if (opts.functional && lo < hi) {
            materializeGm(lo, hi);
            std::memset(gm.data() + lo, 0xFF, hi - lo);
          }
        });
      ++a.executed;
      ++pipeInstrs[(unsigned)Pipe::S];
      ss.pc++;
      continue;
    }
    if (in.pipe == Pipe::S) {
      ++a.executed;
      if (in.op == Opcode::End) {
        ++pipeInstrs[(unsigned)Pipe::S];
        ss.finished = true;
        a.lastComplete = std::max(a.lastComplete, a.clock);
        break;
      }
      bool blocked;
      if (!sync(agentId, in, idx, a.clock, ss.iterTag(), blocked))
        return false;
      if (blocked)
        return true;
      continue;
    }
    if (!issue(agentId, in, idx))
      return false;
    ss.pc++;
    if (in.op == Opcode::End) // an AI-CPU stream ends on its AICPU pipe
      ss.finished = true;
  }
  // Pipes waiting for instructions that will never come are done.
  for (uint32_t b : ss.agents)
    if (agents[b].idle && done(agents[b]))
      agents[b].idle = false;
  return true;
}

bool Engine::run(const std::map<std::string, Tensor> &inputs,
                 std::map<std::string, Tensor> &outputs, Stats &stats,
                 std::string &error) {
  auto host0 = std::chrono::steady_clock::now();
  if (!setup(inputs)) {
    error = err;
    return false;
  }
  for (uint32_t i = 0; i < agents.size(); ++i)
    if (!done(agents[i]))
      heap.push({0.0, i});
  while (true) {
    while (!heap.empty()) {
      auto [time, id] = heap.top();
      heap.pop();
      if (!prefetchQueue.empty())
        servePrefetches(time);
      if (!step(id)) {
        error = err;
        return false;
      }
    }
    // A scalar unit parked on a full queue whose pipe is itself waiting
    // (for a flag the scalar unit has yet to issue): lift the bound.
    bool resumed = false;
    for (StreamState &ss : streams)
      if (ss.throttledOn >= 0) {
        ss.throttledOn = -1;
        ss.unbounded = true;
        wake(ss.scalarAgent);
        resumed = true;
      }
    if (!resumed)
      break;
  }
  // Anything left is waiting for a flag that will never be set.
  std::string stuck;
  for (uint32_t i = 0; i < agents.size(); ++i) {
    const Agent &a = agents[i];
    if (done(a) || (!a.scalar && a.queue.empty()))
      continue;
    uint32_t idx = a.scalar ? streams[a.stream].pc : a.queue.front().idx;
    const Instr &in = prog.code(a.stream)[idx];
    std::string what =
        where(a.stream, idx) +
        (a.scalar ? streams[a.stream].iterTag() : a.queue.front().iter).text();
    if (in.op == Opcode::WaitFlag)
      what += " waits for flag " +
              std::string(target::pipeName((Pipe)in.ints[0])) + "->" +
              target::pipeName((Pipe)in.ints[1]) + " #" +
              std::to_string(in.ints[2]) + ", which is never set";
    else if (in.op == Opcode::XWait)
      what += " waits for cross-core flag #" + std::to_string(in.ints[1]) +
              ", which is never set";
    else
      what += " is blocked";
    stuck += (stuck.empty() ? "" : "; ") + what;
  }
  if (!stuck.empty()) {
    error = "deadlock: " + stuck;
    return false;
  }
  // A flag still set when the program ends was signalled more often than
  // it was waited for: the next program on the chip would start with it
  // set. Reported in stream order, so the message does not depend on
  // hashing.
  std::vector<std::pair<uint64_t, size_t>> pendingFlags;
  for (const auto &[key, pending] : flags)
    if (!pending.empty())
      pendingFlags.push_back({key, pending.size()});
  std::sort(pendingFlags.begin(), pendingFlags.end());
  std::string unbalanced;
  for (auto [key, count] : pendingFlags) {
    uint32_t stream = (uint32_t)(key >> 32);
    unsigned src = (unsigned)((key >> 24) & 0xFF),
             dst = (unsigned)((key >> 16) & 0xFF),
             id = (unsigned)(key & 0xFFFF);
    std::string what =
        src == 0xFF
            ? "cross-core flag #" + std::to_string(id)
            : std::string("flag ") + target::pipeName((Pipe)src) + "->" +
                  target::pipeName((Pipe)dst) + " #" + std::to_string(id);
    const bin::CoreStream &cs = prog.streams[stream];
    std::string core =
        cs.coreType < t.coreTypes.size()
            ? t.coreTypes[cs.coreType].name + "#" + std::to_string(cs.coreIndex)
            : "aicpu#" + std::to_string(cs.coreIndex);
    unbalanced += (unbalanced.empty() ? "" : "; ") + what + " of " + core +
                  " is set " + std::to_string(count) +
                  (count == 1 ? " time" : " times") +
                  " more than it is waited for";
  }
  if (!unbalanced.empty()) {
    error = "unbalanced flags at the end of the program: " + unbalanced;
    return false;
  }

  double kernel = 0;
  for (const Agent &a : agents)
    kernel = std::max({kernel, a.clock, a.lastComplete});
  // The cache engine reads what it reached before the program ended; the
  // rest of its queue is dropped (a prefetch changes no result).
  servePrefetches(kernel);
  if (recorder)
    recorder->recordDramUse(dram.windows(), DramArbiter::windowCycles(),
                            dram.windowBytes());
  st.kernelCycles = kernel;
  st.cycles = kernel + t.launchOverheadCycles;
  st.clockHz = t.clockHz;
  st.seconds = st.cycles / t.clockHz;
  for (unsigned p = 0; p < target::kNumPipes; ++p) {
    if (!pipeInstrs[p])
      continue;
    PipeStats ps;
    ps.instrs = pipeInstrs[p];
    ps.busyCycles = pipeBusy[p];
    for (const Agent &a : agents)
      ps.units += (unsigned)a.pipe == p && a.executed;
    st.pipes[target::pipeName((Pipe)p)] = ps;
    st.instrs += pipeInstrs[p];
  }
  st.staticInstrs = prog.numInstrs();
  st.dynamicInstrs = dynamicInstrs;
  st.work = work;
  // Roofline: the matrix work at each dtype's peak plus vector work at the
  // vector units' peak, against the DRAM bytes at nominal bandwidth.
  double computeSec = 0;
  for (auto &kv : flopsByType)
    computeSec += kv.second / t.peakFlopsPerSec(kv.first);
  uint32_t vecUnits = 0;
  for (const auto &ct : t.coreTypes)
    if (ct.hasPipe(Pipe::V))
      vecUnits += ct.count;
  if (vecUnits)
    computeSec += vectorIdealCycles / vecUnits / t.clockHz;
  auto fit = flopsByType.find(DType::BF16);
  st.peakFlopsPerSec =
      t.peakFlopsPerSec(fit != flopsByType.end() || flopsByType.empty()
                            ? DType::BF16
                            : flopsByType.begin()->first);
  st.dramBytesPerSec = t.dramPeakBytesPerSec;
  st.boundComputeSeconds = computeSec;
  // The DRAM side counts the bytes that must cross DRAM whatever the
  // schedule: inputs and constants read once (unless a warm L2 already holds
  // them) and outputs written once. A schedule that re-reads operands from
  // DRAM pays for it in simulated time, not in a looser bound.
  uint64_t compulsory = 0;
  for (const bin::IoEntry &e : prog.io)
    if (e.isOutput || !(opts.warmL2 && t.l2.present))
      compulsory += (uint64_t)e.byteSize();
  if (!(opts.warmL2 && t.l2.present))
    for (const bin::ConstBlob &c : prog.consts)
      compulsory += c.size;
  st.compulsoryDramBytes = compulsory;
  st.l2DirtyBytes = t.l2.present ? l2.dirtyBytes() : 0;
  st.constantBytesRead = constFootprint.bytes();
  st.boundDramSeconds = (double)compulsory / t.dramPeakBytesPerSec;
  st.boundSeconds = std::max(st.boundComputeSeconds, st.boundDramSeconds);
  st.ratioToBound = st.boundSeconds > 0 ? st.seconds / st.boundSeconds : 0;

  if (matrixWorker) {
    std::string e;
    if (!matrixWorker->drain(e)) {
      error = e;
      return false;
    }
  }
  if (opts.functional) {
    for (const bin::IoEntry &e : prog.io) {
      if (!e.isOutput)
        continue;
      materializeGm(e.gmAddr, e.gmAddr + (uint64_t)e.byteSize());
      outputs[e.name] = Tensor::fromBytes(
          e.dtype, e.shape, gm.data() + e.gmAddr, (size_t)e.byteSize());
    }
  }
  st.hostSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - host0)
          .count();
  stats = st;
  return true;
}

} // namespace

bool Engine::functional(uint32_t stream, uint32_t idx, const Instr &in) {
  uint8_t *bases[target::kNumSpaces];
  for (unsigned s = 0; s < target::kNumSpaces; ++s)
    bases[s] = memBase(stream, (Space)s);
  const Instr *run = &in;
  Instr rebased;
  if (lazyConsts) {
    // An instruction whose one GM operand only reads bytes of a constant
    // still outside `gm` reads it where the program holds it: that operand
    // is rebased onto the constant's own bytes. Any other GM operand first
    // brings the constants it meets into `gm`.
    const bin::OpInfo &inf = in.info();
    unsigned gmTiles = 0, which = 0;
    for (unsigned k = 0; k < inf.numTiles; ++k)
      if (in.tiles[k].space == Space::GM) {
        ++gmTiles;
        which = k;
      }
    // Operand 0 (and topk's 1) is written; an accumulating mmad reads its
    // operand 0 too, but never in GM.
    bool readOnly = which >= (in.op == Opcode::VTopK ? 2u : 1u);
    const bin::ConstBlob *c = nullptr;
    if (gmTiles == 1 && readOnly)
      c = overlay.holding(in.tiles[which].offset, in.tiles[which].endByte());
    if (c) {
      rebased = in;
      rebased.tiles[which].offset -= c->gmAddr;
      // Read only (the operand is a source): the constant is not written.
      bases[(unsigned)Space::GM] = const_cast<uint8_t *>(c->bytes());
      run = &rebased;
    } else {
      for (unsigned k = 0; k < inf.numTiles; ++k)
        if (in.tiles[k].space == Space::GM)
          materializeGm(in.tiles[k].offset, in.tiles[k].endByte());
    }
  }
  if (matrixWorker) {
    // An mmad's operands are local: it never reads a rebased constant.
    if (in.op == Opcode::Mmad) {
      matrixWorker->submit(stream, idx, *run, bases);
      return true;
    }
    matrixWorker->waitForConflicts(stream, *run);
  }
  std::string e;
  if (!executeFunctional(t, prog, stream, idx, *run, bases, e))
    return fail(where(stream, idx) + ": " + e);
  return true;
}

Simulator::Simulator(const TargetDesc &target, SimOptions opts)
    : target_(target), opts_(opts) {}

bool Simulator::run(const bin::Program &prog,
                    const std::map<std::string, Tensor> &inputs,
                    std::map<std::string, Tensor> &outputs, Stats &stats,
                    std::string &error) {
  trace_.clear();
  profile_ = Profile();
  std::string verr;
  if (!bin::verifyProgram(prog, target_, verr)) {
    error = verr;
    return false;
  }
  std::unique_ptr<ProfileRecorder> recorder;
  if (opts_.profile)
    recorder = std::make_unique<ProfileRecorder>(prog, target_);
  Engine e(target_, opts_, prog, trace_, recorder.get());
  if (!e.run(inputs, outputs, stats, error))
    return false;
  if (recorder)
    profile_ = recorder->finish(stats);
  return true;
}

} // namespace tessera::sim
