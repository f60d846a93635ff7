//===- Reroll.cpp - Fold repeated instruction sequences into loops --------===//
//
// See Reroll.h. A stream becomes a list of items (an instruction, or a loop
// holding items). One pass walks a list left to right; at each item it tries
// the periods P at which the same instruction shape recurs and keeps the one
// that removes the most instructions:
//  - affine: repetition r has offsets off0 + r * D;
//  - table: repetition r has the shape of the first (offsets arbitrary);
//    each distinct sequence of offset changes becomes a table column.
// A new loop's body is folded again, and the whole list is passed over again
// (outer loops appear once the inner ones exist).
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/Reroll.h"
#include "tessera/Support/Hash.h"
#include "tessera/Support/HugePages.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <map>
#include <unordered_map>

namespace tessera::codegen {

using bin::Instr;
using bin::Opcode;
using bin::Tile;

namespace {

/// Order-dependent hash mixing (boost's hash_combine).
struct Hasher {
  size_t h = 0x9e3779b97f4a7c15ull;
  template <typename T> Hasher &add(T v) {
    h ^= (size_t)(uint64_t)v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return *this;
  }
};

struct Item {
  Item() = default;
  /// An instruction (copied once: default-constructing the item first and
  /// assigning it cost as much again).
  Item(const Instr &in, int32_t debug) : in(in), debug(debug) {}

  bool isLoop = false;
  Instr in;
  int32_t debug = -1; // index into the stream's debug strings
  // Loop: `count` iterations, index register `reg`.
  int64_t count = 0;
  uint8_t reg = 0;
  std::vector<Item> body;
  uint64_t size = 1; // static instructions
  uint32_t depth = 0;
  uint32_t maxReg = 0;
  size_t hash = 0; // of the shape (everything but tile offsets)
  // An `sld` of an offset-table row: its address is relative to the
  // stream's own table until LoopFolder::finish places the tables.
  bool tableLoad = false;
};

size_t shapeHash(const Tile &t) {
  Hasher h;
  h.add((unsigned)t.space).add((unsigned)t.dtype).add((unsigned)t.layout);
  h.add(t.rank).add(t.numTerms).add(t.extentDim).add(t.extentReg);
  for (unsigned i = 0; i < t.rank; ++i)
    h.add(t.shape[i]).add(t.strides[i]);
  for (unsigned i = 0; i < t.numTerms; ++i)
    h.add(t.terms[i].reg).add(t.terms[i].stride);
  return h.h;
}

void finish(Item &it) {
  if (!it.isLoop) {
    const bin::OpInfo &inf = it.in.info();
    Hasher h;
    h.add((unsigned)it.in.op).add((unsigned)it.in.pipe).add(it.debug);
    for (unsigned i = 0; i < inf.numInts; ++i)
      h.add(it.in.ints[i]);
    if (inf.floatName) {
      uint32_t bits;
      std::memcpy(&bits, &it.in.fimm, 4);
      h.add(bits);
    }
    uint32_t maxReg = 0;
    for (unsigned i = 0; i < inf.numTiles; ++i) {
      const Tile &t = it.in.tiles[i];
      h.add(shapeHash(t));
      for (unsigned k = 0; k < t.numTerms; ++k)
        maxReg = std::max<uint32_t>(maxReg, t.terms[k].reg);
      if (t.extentDim >= 0)
        maxReg = std::max<uint32_t>(maxReg, t.extentReg);
    }
    for (unsigned i = 0; i < inf.numInts; ++i)
      if (inf.intKinds[i] == bin::IntKind::Reg)
        maxReg = std::max<uint32_t>(maxReg, (uint32_t)it.in.ints[i]);
    it.hash = h.h;
    it.size = 1;
    it.depth = 0;
    it.maxReg = maxReg;
    return;
  }
  Hasher h;
  h.add(-1).add(it.count).add(it.reg).add(it.body.size());
  it.size = 2;
  it.depth = 0;
  it.maxReg = it.reg;
  for (const Item &b : it.body) {
    h.add(b.hash);
    it.size += b.size;
    it.depth = std::max(it.depth, b.depth);
    it.maxReg = std::max(it.maxReg, b.maxReg);
  }
  it.depth += 1;
  it.hash = h.h;
}

bool sameShape(const Item &a, const Item &b) {
  if (a.hash != b.hash || a.isLoop != b.isLoop || a.size != b.size)
    return false;
  if (!a.isLoop) {
    // Instr::operator== but for the tiles' offsets, without copying the
    // instructions (this comparison is most of the loop search's time).
    const Instr &x = a.in, &y = b.in;
    if (x.op != y.op || x.pipe != y.pipe || a.debug != b.debug)
      return false;
    const bin::OpInfo &inf = x.info();
    for (unsigned i = 0; i < inf.numTiles; ++i)
      if (!x.tiles[i].sameButOffset(y.tiles[i]))
        return false;
    for (unsigned i = 0; i < inf.numInts; ++i)
      if (x.ints[i] != y.ints[i])
        return false;
    return !inf.floatName || std::memcmp(&x.fimm, &y.fimm, sizeof(float)) == 0;
  }
  if (a.count != b.count || a.reg != b.reg || a.body.size() != b.body.size())
    return false;
  for (size_t i = 0; i < a.body.size(); ++i)
    if (!sameShape(a.body[i], b.body[i]))
      return false;
  return true;
}

/// Appends the tile offsets of an item (in a fixed order).
void offsetsOf(const Item &it, std::vector<int64_t> &out) {
  if (!it.isLoop) {
    for (unsigned i = 0; i < it.in.info().numTiles; ++i)
      out.push_back((int64_t)it.in.tiles[i].offset);
    return;
  }
  for (const Item &b : it.body)
    offsetsOf(b, out);
}

/// Adds `term` to every tile of the item whose position k has add[k] set.
void addTerms(Item &it, const std::vector<bin::RegTerm> &add, size_t &k) {
  if (!it.isLoop) {
    for (unsigned i = 0; i < it.in.info().numTiles; ++i, ++k)
      if (add[k].stride) {
        Tile &t = it.in.tiles[i];
        t.terms[t.numTerms++] = add[k];
      }
    finish(it);
    return;
  }
  for (Item &b : it.body)
    addTerms(b, add, k);
  finish(it);
}

void termCounts(const Item &it, std::vector<uint8_t> &out) {
  if (!it.isLoop) {
    for (unsigned i = 0; i < it.in.info().numTiles; ++i)
      out.push_back(it.in.tiles[i].numTerms);
    return;
  }
  for (const Item &b : it.body)
    termCounts(b, out);
}

class Roller {
public:
  /// `table` is the stream's own offset table; the loads of its rows
  /// address it from 0 (LoopFolder::finish relocates them).
  Roller(const target::TargetDesc &t, std::vector<int32_t> &table,
         RerollStats &stats)
      : t(t), table(table), stats(stats) {}

  /// Folds a list in which `budget` more loops may nest and registers up to
  /// `floor` are in use around it.
  std::vector<Item> fold(std::vector<Item> items, uint32_t budget,
                         uint32_t floor) {
    if (budget == 0)
      return items;
    for (int pass = 0; pass < 4; ++pass) {
      uint64_t before = total(items);
      items = foldOnce(std::move(items), budget, floor);
      if (total(items) >= before)
        break;
    }
    return items;
  }

private:
  const target::TargetDesc &t;
  std::vector<int32_t> &table;
  RerollStats &stats;
  static constexpr size_t kMaxPeriod = 8192;
  static constexpr int kMaxCandidates = 24;
  std::vector<int64_t> delta; // evaluate's offset steps, reused

  static uint64_t total(const std::vector<Item> &items) {
    uint64_t n = 0;
    for (const Item &i : items)
      n += i.size;
    return n;
  }

  struct Plan {
    size_t period = 0, reps = 0;
    bool useTable = false;
    int64_t gain = 0;
  };

  /// What the loop search reads of a list, laid out flat: every item's
  /// shape as a small id (equal ids exactly when sameShape holds) and every
  /// tile offset and term count in order. Comparing two candidate
  /// repetitions then reads a few cache lines of ids and offsets instead of
  /// whole instructions, and allocates nothing.
  struct ListIndex {
    std::vector<uint32_t> shape;                // per item
    std::vector<std::vector<uint32_t>> byShape; // positions of each id
    std::vector<uint32_t> offStart; // per item, and the end: into `offs`
    std::vector<int64_t> offs;
    std::vector<uint8_t> terms; // register terms of the tile at offs[k]

    explicit ListIndex(const std::vector<Item> &items) {
      size_t n = items.size();
      shape.resize(n);
      offStart.resize(n + 1);
      offs.reserve(2 * n); // most instructions have one to three tiles
      terms.reserve(2 * n);
      // Representatives (position, id) of the shapes seen, by hash.
      std::unordered_map<size_t, std::vector<std::pair<uint32_t, uint32_t>>>
          seen;
      for (uint32_t i = 0; i < n; ++i) {
        auto &reps = seen[items[i].hash];
        uint32_t id = UINT32_MAX;
        for (auto [at, rid] : reps)
          if (sameShape(items[at], items[i])) {
            id = rid;
            break;
          }
        if (id == UINT32_MAX) {
          id = (uint32_t)byShape.size();
          byShape.emplace_back();
          reps.push_back({i, id});
        }
        shape[i] = id;
        byShape[id].push_back(i);
        offStart[i] = (uint32_t)offs.size();
        offsetsOf(items[i], offs);
        termCounts(items[i], terms);
      }
      offStart[n] = (uint32_t)offs.size();
    }
    /// Do items [a, a + period) have the shapes of [b, b + period)?
    bool sameShapes(size_t a, size_t b, size_t period) const {
      return std::equal(shape.begin() + a, shape.begin() + a + period,
                        shape.begin() + b);
    }
    /// The tile offsets of the items from `a` on (a unit of equal shapes
    /// has as many as the first unit).
    const int64_t *offsets(size_t a) const { return offs.data() + offStart[a]; }
    size_t numOffsets(size_t a, size_t period) const {
      return offStart[a + period] - offStart[a];
    }
  };

  std::vector<Item> foldOnce(std::vector<Item> items, uint32_t budget,
                             uint32_t floor) {
    size_t n = items.size();
    ListIndex ix(items);
    std::vector<Item> out;
    size_t i = 0;
    while (i < n) {
      Plan best;
      const std::vector<uint32_t> &same = ix.byShape[ix.shape[i]];
      auto it = std::upper_bound(same.begin(), same.end(), (uint32_t)i);
      int tried = 0;
      for (; it != same.end() && tried < kMaxCandidates; ++it, ++tried) {
        size_t period = *it - i;
        if (period > kMaxPeriod || i + 2 * period > n)
          break;
        Plan p = evaluate(items, ix, i, period, budget, floor);
        if (p.gain > best.gain)
          best = p;
      }
      if (best.gain <= 0) {
        out.push_back(std::move(items[i]));
        ++i;
        continue;
      }
      Item loop;
      build(items, ix, i, best, loop, budget, floor);
      out.push_back(std::move(loop));
      i += best.period * best.reps;
    }
    return out;
  }

  /// The loops leave the last kSpmdRegisters registers free: the streams
  /// that share one body (shareStreams) load their launch arguments there.
  uint32_t registerLimit() const {
    return t.scalar.registers > kSpmdRegisters + 2
               ? t.scalar.registers - kSpmdRegisters
               : t.scalar.registers;
  }

  uint32_t unitDepth(const std::vector<Item> &items, size_t a, size_t period,
                     uint32_t &maxReg, uint64_t &size) {
    uint32_t d = 0;
    maxReg = 0;
    size = 0;
    for (size_t k = 0; k < period; ++k) {
      d = std::max(d, items[a + k].depth);
      maxReg = std::max(maxReg, items[a + k].maxReg);
      size += items[a + k].size;
    }
    return d;
  }

  Plan evaluate(const std::vector<Item> &items, const ListIndex &ix, size_t i,
                size_t period, uint32_t budget, uint32_t floor) {
    Plan p;
    size_t n = items.size();
    if (!ix.sameShapes(i, i + period, period))
      return p;
    uint32_t maxReg;
    uint64_t size;
    if (unitDepth(items, i, period, maxReg, size) + 1 > budget)
      return p;
    maxReg = std::max(maxReg, floor);
    size_t m = ix.numOffsets(i, period);
    const uint8_t *terms = ix.terms.data() + ix.offStart[i];
    const int64_t *o0 = ix.offsets(i), *o1 = ix.offsets(i + period);
    std::vector<int64_t> &d = delta;
    d.resize(m);
    for (size_t k = 0; k < m; ++k)
      d[k] = o1[k] - o0[k];
    // Affine repetitions.
    size_t reps = 2;
    while (i + (reps + 1) * period <= n &&
           ix.sameShapes(i, i + reps * period, period)) {
      const int64_t *o = ix.offsets(i + reps * period);
      bool ok = true;
      for (size_t k = 0; k < m && ok; ++k)
        ok = o[k] == o0[k] + (int64_t)reps * d[k];
      if (!ok)
        break;
      ++reps;
    }
    bool termsFit = true;
    for (size_t k = 0; k < m; ++k)
      termsFit &= !d[k] || terms[k] < bin::kMaxAddrTerms;
    if (termsFit && maxReg + 1 < registerLimit()) {
      p.period = period;
      p.reps = reps;
      p.gain = (int64_t)((reps - 1) * size) - 2;
    }
    // Table-driven repetitions: the same shapes, any offsets.
    size_t treps = 2;
    while (i + (treps + 1) * period <= n &&
           ix.sameShapes(i, i + treps * period, period))
      ++treps;
    if (treps > reps) {
      std::vector<std::vector<int64_t>> seqs(m);
      for (size_t r = 0; r < treps; ++r) {
        const int64_t *o = ix.offsets(i + r * period);
        for (size_t k = 0; k < m; ++k)
          seqs[k].push_back(o[k] - o0[k]);
      }
      std::map<std::vector<int64_t>, int> groups;
      bool ok = true;
      for (size_t k = 0; k < seqs.size() && ok; ++k) {
        bool varies = false;
        for (int64_t v : seqs[k]) {
          varies |= v != 0;
          ok &= v >= INT32_MIN && v <= INT32_MAX;
        }
        if (varies) {
          ok &= terms[k] < bin::kMaxAddrTerms;
          groups.emplace(seqs[k], (int)groups.size());
        }
      }
      size_t regsNeeded = 2 + groups.size(); // index, address, columns
      if (ok && !groups.empty() && groups.size() <= 8 &&
          maxReg + regsNeeded < registerLimit()) {
        int64_t gain =
            (int64_t)((treps - 1) * size) - 3 - (int64_t)groups.size();
        if (gain > p.gain) {
          p.period = period;
          p.reps = treps;
          p.useTable = true;
          p.gain = gain;
        }
      }
    }
    return p;
  }

  void build(std::vector<Item> &items, const ListIndex &ix, size_t i,
             const Plan &p, Item &loop, uint32_t budget, uint32_t floor) {
    uint32_t maxReg;
    uint64_t size;
    unitDepth(items, i, p.period, maxReg, size);
    maxReg = std::max(maxReg, floor);
    size_t m = ix.numOffsets(i, p.period);
    const int64_t *o0 = ix.offsets(i);
    loop.isLoop = true;
    loop.count = (int64_t)p.reps;
    loop.reg = (uint8_t)(maxReg + 1);
    std::vector<bin::RegTerm> add(m);
    std::vector<Item> body;
    if (!p.useTable) {
      const int64_t *o1 = ix.offsets(i + p.period);
      for (size_t k = 0; k < m; ++k)
        if (o1[k] != o0[k])
          add[k] = {loop.reg, o1[k] - o0[k]};
    } else {
      // Columns of offset changes, one register each, loaded per iteration
      // from a table of `reps` rows.
      std::vector<std::vector<int64_t>> seqs(m);
      for (size_t r = 0; r < p.reps; ++r) {
        const int64_t *o = ix.offsets(i + r * p.period);
        for (size_t k = 0; k < m; ++k)
          seqs[k].push_back(o[k] - o0[k]);
      }
      std::map<std::vector<int64_t>, uint8_t> column;
      std::vector<const std::vector<int64_t> *> columns;
      uint8_t addrReg = (uint8_t)(loop.reg + 1);
      for (size_t k = 0; k < seqs.size(); ++k) {
        if (std::all_of(seqs[k].begin(), seqs[k].end(),
                        [](int64_t v) { return v == 0; }))
          continue;
        auto [it, fresh] =
            column.emplace(seqs[k], (uint8_t)(addrReg + 1 + column.size()));
        if (fresh)
          columns.push_back(&it->first);
        add[k] = {it->second, 1};
      }
      uint64_t at = table.size() * 4;
      uint32_t cols = (uint32_t)columns.size();
      for (size_t r = 0; r < p.reps; ++r)
        for (uint32_t c = 0; c < cols; ++c)
          table.push_back((int32_t)(*columns[c])[r]);
      stats.tableBytes += p.reps * cols * 4;
      // addr = index * row bytes; column c = table[addr + 4c].
      Item mul;
      mul.in = bin::makeInstr(Opcode::SMul, {},
                              {addrReg, loop.reg, 0, (int64_t)cols * 4});
      finish(mul);
      body.push_back(mul);
      for (uint32_t c = 0; c < cols; ++c) {
        Item ld;
        ld.in = bin::makeInstr(
            Opcode::SLd, {},
            {(int64_t)(addrReg + 1 + c), addrReg, (int64_t)(at + 4 * c)});
        ld.tableLoad = true;
        finish(ld);
        body.push_back(ld);
      }
    }
    size_t k = 0;
    for (size_t j = 0; j < p.period; ++j) {
      Item b = std::move(items[i + j]);
      addTerms(b, add, k);
      body.push_back(std::move(b));
    }
    // Fold the body itself: its loops nest inside this one and keep clear
    // of every register the body uses.
    uint32_t bodyRegs = loop.reg;
    for (const Item &b : body)
      bodyRegs = std::max(bodyRegs, b.maxReg);
    loop.body = fold(std::move(body), budget - 1, bodyRegs);
    finish(loop);
    ++stats.loops;
  }
};

void flatten(const Item &it, std::vector<Instr> &out,
             std::vector<int32_t> &debugOut,
             std::vector<uint32_t> &tableLoads) {
  if (!it.isLoop) {
    if (it.tableLoad)
      tableLoads.push_back((uint32_t)out.size());
    out.push_back(it.in);
    debugOut.push_back(it.debug);
    return;
  }
  out.push_back(bin::makeInstr(Opcode::Loop, {}, {it.reg, 0, it.count}));
  debugOut.push_back(-1);
  for (const Item &b : it.body)
    flatten(b, out, debugOut, tableLoads);
  out.push_back(bin::makeInstr(Opcode::EndLoop, {}));
  debugOut.push_back(-1);
}

} // namespace

LoopFolder::LoopFolder(bin::Program &p, const target::TargetDesc &t)
    : p_(p), t_(t), tableBase_((p.gmBytes + 511) / 512 * 512),
      folded_(p.streams.size()) {}

void LoopFolder::foldStream(uint32_t si, std::vector<bin::DebugEntry> &debug) {
  bin::CoreStream &cs = p_.streams[si];
  Folded &f = folded_[si];
  f.stats.before += cs.instrs.size();
  if (t_.scalar.maxLoopDepth == 0)
    return;
  if (cs.coreType == bin::kAiCpuCoreType)
    return; // no scalar unit to run loops
  // Kernels that structure their own code (run-time trip counts, a table
  // walked with `sld`, a guard) bring scalar instructions: those, their
  // loops' bodies and the ranges their skips jump over are kept as they
  // are, and only the straight-line runs between them are folded. The new
  // loops use registers above every register the stream uses, so no value
  // the kernels keep in a register between their instructions is touched.
  std::vector<bool> keep(cs.instrs.size(), false);
  bool hasControl = false;
  {
    int64_t depth = 0, skipUntil = -1;
    for (size_t i = 0; i < cs.instrs.size(); ++i) {
      const Instr &in = cs.instrs[i];
      bin::OpClass cls = in.info().cls;
      bool scalar = bin::isScalarControl(cls);
      hasControl |= scalar;
      if (cls == bin::OpClass::Skip)
        skipUntil = std::max<int64_t>(skipUntil, (int64_t)i + in.ints[1]);
      keep[i] = scalar || depth > 0 || (int64_t)i <= skipUntil;
      if (cls == bin::OpClass::Loop)
        ++depth;
      else if (cls == bin::OpClass::EndLoop && depth > 0)
        --depth;
    }
  }
  std::vector<Item> items;
  items.reserve(cs.instrs.size());
  adviseHugePages(items.data(), items.capacity() * sizeof(Item));
  // Each name once: repetitions fold only where they carry one name (the
  // jobs of two kernels of the same shape stay apart, so a profile still
  // tells them apart).
  std::vector<std::string> names;
  std::unordered_map<std::string, int32_t> numbers;
  std::vector<int32_t> nameOf(cs.instrs.size(), -1);
  for (bin::DebugEntry &d : debug)
    if (d.instr < cs.instrs.size()) {
      auto [it, fresh] = numbers.try_emplace(d.loc, (int32_t)names.size());
      if (fresh)
        names.push_back(std::move(d.loc));
      nameOf[d.instr] = it->second;
    }
  for (uint32_t i = 0; i < cs.instrs.size(); ++i)
    codegen::finish(items.emplace_back(cs.instrs[i], nameOf[i]));
  // The straight-line stream is not needed any more.
  std::vector<Instr>().swap(cs.instrs);
  Roller roller(t_, f.table, f.stats);
  if (!hasControl) {
    items = roller.fold(std::move(items), t_.scalar.maxLoopDepth, 0);
  } else {
    uint32_t floor = 0;
    for (const Item &it : items)
      floor = std::max(floor, it.maxReg);
    std::vector<Item> out, run;
    auto flush = [&] {
      if (run.empty())
        return;
      for (Item &it :
           roller.fold(std::move(run), t_.scalar.maxLoopDepth, floor))
        out.push_back(std::move(it));
      run.clear();
    };
    for (size_t i = 0; i < items.size(); ++i) {
      if (!keep[i]) {
        run.push_back(std::move(items[i]));
        continue;
      }
      flush();
      out.push_back(std::move(items[i]));
    }
    flush();
    items = std::move(out);
  }
  std::vector<Instr> out;
  std::vector<int32_t> dbg;
  for (const Item &it : items)
    flatten(it, out, dbg, f.tableLoads);
  std::vector<Item>().swap(items);
  if (packOut_ && si < packOut_->size()) {
    bin::PackedStream &ps = (*packOut_)[si];
    std::sort(f.tableLoads.begin(), f.tableLoads.end());
    size_t next = 0;
    for (uint32_t i = 0; i < out.size(); ++i) {
      if (next < f.tableLoads.size() && f.tableLoads[next] == i) {
        f.tableLoadsAt.push_back(ps.bytes.size());
        ++next;
      }
      bin::packInstr(ps, out[i]);
    }
    f.tableLoads.clear();
  } else {
    cs.instrs = std::move(out);
  }
  debug.clear();
  for (uint32_t i = 0; i < dbg.size(); ++i)
    if (dbg[i] >= 0)
      debug.push_back({si, i, names[dbg[i]]});
}

bool LoopFolder::finish(std::string &error) {
  // Every stream's table, in stream order, after the program's GM (the
  // order a sequential fold of stream after stream would give).
  std::vector<int32_t> table;
  for (uint32_t si = 0; si < folded_.size(); ++si) {
    Folded &f = folded_[si];
    uint64_t base = tableBase_ + table.size() * 4;
    for (uint32_t i : f.tableLoads)
      p_.streams[si].instrs[i].ints[2] += (int64_t)base;
    for (size_t at : f.tableLoadsAt)
      if (!bin::addToPackedInt((*packOut_)[si], at, 2, (int64_t)base)) {
        error = "internal error: a packed table load does not decode";
        return false;
      }
    table.insert(table.end(), f.table.begin(), f.table.end());
    stats_.before += f.stats.before;
    stats_.loops += f.stats.loops;
    stats_.tableBytes += f.stats.tableBytes;
    f = Folded();
  }
  if (!table.empty()) {
    bin::ConstBlob c;
    c.name = "loop_offsets";
    c.gmAddr = tableBase_;
    c.size = table.size() * 4;
    c.data.resize(c.size);
    std::memcpy(c.data.data(), table.data(), c.size);
    c.checksum = xxh64(c.data.data(), c.size);
    p_.gmBytes = tableBase_ + (c.size + 511) / 512 * 512;
    p_.consts.push_back(std::move(c));
    if (p_.gmBytes > t_.space(target::Space::GM).bytes) {
      error = "the loop offset tables do not fit in GM";
      return false;
    }
  }
  stats_.after = p_.numInstrs();
  if (packOut_)
    for (const bin::PackedStream &ps : *packOut_)
      stats_.after += ps.count;
  return true;
}

bool rerollLoops(bin::Program &p, const target::TargetDesc &t,
                 RerollStats &stats, std::string &error) {
  std::vector<std::vector<bin::DebugEntry>> debugOf(p.streams.size());
  for (bin::DebugEntry &d : p.debug)
    if (d.stream < p.streams.size())
      debugOf[d.stream].push_back(std::move(d));
  LoopFolder folder(p, t);
  for (uint32_t si = 0; si < p.streams.size(); ++si)
    folder.foldStream(si, debugOf[si]);
  p.debug.clear();
  for (auto &list : debugOf)
    for (bin::DebugEntry &d : list)
      p.debug.push_back(std::move(d));
  bool ok = folder.finish(error);
  stats = folder.stats();
  return ok;
}

} // namespace tessera::codegen
