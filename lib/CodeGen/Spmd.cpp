//===- Spmd.cpp - Streams that share one body of code ---------------------===//
//
// See Spmd.h. Each stream of a core type becomes a tree (instructions, and
// loops holding items); the trees are merged one by one into one body by a
// weighted longest common subsequence over instruction shapes: everything
// but the "slots" (tile offsets, the address immediate of `sld`/`sst`, the
// trip count of a loop with an immediate count). Matched loops merge their
// bodies the same way. Only instructions of the same kernel (debug name)
// match, so every stream keeps its own profile rows. A whole model's streams
// are too long for one alignment table: their kernels' barriers, matched by
// name first, cut them into pieces aligned one by one. In the merged body:
//  - a slot whose value is the same for every stream that runs it stays an
//    immediate; one that differs becomes a launch argument (its value less
//    the minimum, so most offsets keep their static part), loaded by `sarg`
//    into a register above every register the streams use, right before the
//    instruction (the columns used most are loaded once at the start into
//    the registers left free): a tile gets the term (register x 1), resolved
//    at issue; `sld`/`sst` address through it (plus their base register); a
//    loop reads its trip count from it;
//  - items that only some streams have are guarded, one run of items with
//    the same streams at a time, by `skipaz` on an argument that is 1 for the
//    streams that run them.
// So each stream executes exactly its own instructions and flags, plus the
// `sarg`s and `skipaz`s. Streams with skips of their own are left alone (an
// inserted instruction would change the distance), as are AI-CPU streams.
//
//===----------------------------------------------------------------------===//
#include "tessera/CodeGen/Spmd.h"
#include "tessera/CodeGen/Reroll.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

namespace tessera::codegen {

using bin::Instr;
using bin::OpClass;
using bin::Opcode;

namespace {

/// Whether an instruction's address immediate (`sld`/`sst`) or trip count
/// (`loop` with rc = r0) may differ between streams.
bool hasIntSlot(const Instr &in) {
  OpClass c = in.info().cls;
  return c == OpClass::SLoad || c == OpClass::SStore ||
         (c == OpClass::Loop && in.ints[1] == 0);
}

/// Order-dependent hash mixing (boost's hash_combine).
void mix(size_t &h, uint64_t v) {
  h ^= (size_t)v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
}

/// A hash of an instruction but for its slots.
size_t instrSig(const Instr &in) {
  size_t h = 1;
  const bin::OpInfo &inf = in.info();
  mix(h, (uint64_t)in.op);
  for (unsigned i = 0; i < inf.numInts; ++i)
    if (!(i == 2 && hasIntSlot(in)))
      mix(h, (uint64_t)in.ints[i]);
  for (unsigned k = 0; k < inf.numTiles; ++k) {
    const bin::Tile &t = in.tiles[k];
    mix(h, (uint64_t)t.space);
    mix(h, (uint64_t)t.rank);
    mix(h, (uint64_t)t.numTerms);
    for (unsigned d = 0; d < t.rank; ++d)
      mix(h, (uint64_t)t.shape[d]);
  }
  return h;
}

/// The highest register an instruction names.
uint32_t maxRegOf(const Instr &in) {
  const bin::OpInfo &inf = in.info();
  uint32_t r = 0;
  for (unsigned i = 0; i < inf.numInts; ++i)
    if (inf.intKinds[i] == bin::IntKind::Reg)
      r = std::max(r, (uint32_t)in.ints[i]);
  for (unsigned k = 0; k < inf.numTiles; ++k) {
    const bin::Tile &t = in.tiles[k];
    for (unsigned j = 0; j < t.numTerms; ++j)
      r = std::max<uint32_t>(r, t.terms[j].reg);
    if (t.extentDim >= 0)
      r = std::max<uint32_t>(r, t.extentReg);
  }
  return r;
}

/// A stream as a tree: an instruction, or a loop holding items.
struct Node {
  // The instruction, or the loop's `loop`, in the stream's code (which
  // outlives the tree: each member's code is walked once, and copying every
  // instruction into its node was a tenth of the merge's time).
  const Instr *in = nullptr;
  bool isLoop = false;
  int32_t loc = -1; // debug location (index into the names)
  std::vector<Node> body;
  size_t sig = 0;    // of the blanked instruction, or of the loop's shape
  uint32_t size = 1; // static instructions
};

void finishNode(Node &n) {
  if (!n.isLoop) {
    n.sig = instrSig(*n.in);
    n.size = 1;
    return;
  }
  size_t h = 0x51ed;
  mix(h, (uint64_t)n.in->ints[0]);
  mix(h, (uint64_t)n.in->ints[1]);
  n.size = 2;
  for (const Node &b : n.body) {
    mix(h, b.sig);
    n.size += b.size;
  }
  n.sig = h;
}

/// Parses instrs[i..] up to the matching endloop (or the end).
void parse(const std::vector<Instr> &instrs, size_t &i,
           const std::vector<int32_t> &locOf, std::vector<Node> &out) {
  while (i < instrs.size()) {
    const Instr &in = instrs[i];
    if (in.info().cls == OpClass::EndLoop) {
      ++i;
      return;
    }
    Node n;
    n.in = &in;
    n.loc = locOf[i];
    ++i;
    if (in.info().cls == OpClass::Loop) {
      n.isLoop = true;
      parse(instrs, i, locOf, n.body);
    }
    finishNode(n);
    out.push_back(std::move(n));
  }
}

/// A node of the merged code of several streams: which members run it, and
/// each one's slot values (tile offsets 0-3, the integer slot 4).
struct MNode {
  Instr in;
  bool isLoop = false;
  int32_t loc = -1;
  size_t sig = 0;
  std::vector<uint8_t> present;
  std::vector<std::array<int64_t, 5>> vals;
  std::vector<MNode> body;
};

std::array<int64_t, 5> slotVals(const Instr &in) {
  std::array<int64_t, 5> v{};
  for (unsigned k = 0; k < in.info().numTiles; ++k)
    v[k] = (int64_t)in.tiles[k].offset;
  if (hasIntSlot(in))
    v[4] = in.ints[2];
  return v;
}

/// Whether two instructions are equal but for their slots (compared in
/// place: the alignment asks it for most pairs with the same signature).
bool sameBlanked(const Instr &x, const Instr &y) {
  if (x.op != y.op || x.pipe != y.pipe)
    return false;
  const bin::OpInfo &inf = x.info();
  for (unsigned i = 0; i < inf.numTiles; ++i)
    if (!x.tiles[i].sameButOffset(y.tiles[i]))
      return false;
  bool slot = hasIntSlot(x);
  for (unsigned i = 0; i < inf.numInts; ++i)
    if (x.ints[i] != y.ints[i] && !(slot && i == 2))
      return false;
  return !inf.floatName || std::memcmp(&x.fimm, &y.fimm, sizeof(float)) == 0;
}

/// Whether a merged node and a stream node can be one instruction (or loop).
bool compatible(const MNode &a, const Node &b) {
  if (a.isLoop != b.isLoop || a.in.op != b.in->op)
    return false;
  if (a.isLoop) // a run-time trip count (rc) is no slot
    return a.in.ints[0] == b.in->ints[0] && a.in.ints[1] == b.in->ints[1] &&
           (a.in.ints[1] == 0 || a.in.ints[2] == b.in->ints[2]);
  return a.sig == b.sig && sameBlanked(a.in, *b.in);
}

const Instr &instrOf(const MNode &n) { return n.in; }
const Instr &instrOf(const Node &n) { return *n.in; }

class Merger {
public:
  /// `nameOf` maps a node's `loc` to its name's number (equal names, equal
  /// numbers).
  Merger(uint32_t members, const std::vector<int32_t> &nameOf)
      : members(members), nameOf(nameOf) {}

  MNode fromNode(const Node &n, uint32_t m) const {
    MNode x;
    x.in = *n.in;
    x.isLoop = n.isLoop;
    x.loc = n.loc;
    x.sig = n.sig;
    x.present.assign(members, 0);
    x.vals.assign(members, {});
    x.present[m] = 1;
    x.vals[m] = slotVals(*n.in);
    for (const Node &b : n.body)
      x.body.push_back(fromNode(b, m));
    return x;
  }

  /// Whether a merged node and a stream node can be one instruction (or
  /// loop) of one kernel: the body keeps one location per instruction, so
  /// the same shape in two kernels (the jobs of a batch split differently
  /// between cores) stays apart and each profile row keeps its own work.
  bool match(const MNode &a, const Node &b) const {
    if (!compatible(a, b))
      return false;
    // A tile with every address term taken cannot take a launch argument:
    // it is shared only where its offset is the same for every member.
    for (unsigned k = 0; k < a.in.info().numTiles; ++k)
      if (a.in.tiles[k].numTerms >= bin::kMaxAddrTerms)
        for (size_t m = 0; m < a.present.size(); ++m)
          if (a.present[m]) {
            if (a.vals[m][k] != (int64_t)b.in->tiles[k].offset)
              return false;
            break;
          }
    if (a.loc < 0 || b.loc < 0)
      return a.loc < 0 && b.loc < 0;
    return nameOf[(size_t)a.loc] == nameOf[(size_t)b.loc];
  }

  /// What two items that match share (`match` implies equal keys): the
  /// shape signature of an instruction, a loop's count fields, and the
  /// kernel's name.
  template <typename N> uint64_t matchKey(const N &x) const {
    size_t h = x.loc < 0 ? 0 : (size_t)nameOf[(size_t)x.loc] + 1;
    const Instr &in = instrOf(x);
    if (!x.isLoop) {
      mix(h, x.sig);
      return h;
    }
    mix(h, 0x100 | (uint64_t)in.op);
    mix(h, (uint64_t)in.ints[0]);
    mix(h, (uint64_t)in.ints[1]);
    if (in.ints[1] != 0)
      mix(h, (uint64_t)in.ints[2]);
    return h;
  }

  /// Merges stream member `m`'s list `s` into the merged list `ml`.
  void merge(std::vector<MNode> &ml, const std::vector<Node> &s, uint32_t m) {
    size_t n = ml.size(), k = s.size();
    // Weighted LCS: a match saves the instructions both sides share.
    std::unordered_map<uint64_t, int32_t> loopWeight;
    auto weight = [&](size_t i, size_t j) -> int32_t {
      if (!match(ml[i], s[j]))
        return 0;
      if (!ml[i].isLoop)
        return 1;
      // Loops whose bodies share nothing stay apart: merged, each member
      // would walk the other's guarded body on every trip of its own
      // (a barrier hub's collect loop of 70 waits, merged with an attention
      // kernel's loop, skipped ~100 instructions a wait: 4 us before the
      // hub released the barrier).
      auto [it, fresh] = loopWeight.emplace((uint64_t)i << 32 | j, 0);
      if (fresh) {
        int32_t q = quickScore(ml[i].body, s[j].body);
        it->second = q > 0 ? 2 + q : 0;
      }
      return it->second;
    };
    std::vector<MNode> out;
    out.reserve(n + k);
    auto take = [&](size_t i, size_t j) {
      MNode &x = ml[i];
      x.present[m] = 1;
      x.vals[m] = slotVals(*s[j].in);
      if (x.loc < 0)
        x.loc = s[j].loc;
      if (x.isLoop)
        merge(x.body, s[j].body, m);
      out.push_back(std::move(x));
    };
    // Aligns ml[i0, i1) with s[j0, j1), appending to `out`.
    auto align = [&](size_t i0, size_t i1, size_t j0, size_t j1) {
      size_t n = i1 - i0, k = j1 - j0;
      // Common prefix and suffix of identical-shape items first.
      size_t pre = 0;
      while (pre < n && pre < k && ml[i0 + pre].sig == s[j0 + pre].sig &&
             match(ml[i0 + pre], s[j0 + pre]))
        ++pre;
      size_t suf = 0;
      while (suf < n - pre && suf < k - pre &&
             ml[i1 - 1 - suf].sig == s[j1 - 1 - suf].sig &&
             match(ml[i1 - 1 - suf], s[j1 - 1 - suf]))
        ++suf;
      size_t rn = n - pre - suf, rk = k - pre - suf;
      if ((rn + 1) * (rk + 1) > kMaxCells) {
        tooLarge = true; // the caller gives up on the group
        return;
      }
      size_t a0 = i0 + pre, b0 = j0 + pre;
      // Most cells pair items that cannot match: a key that two items
      // must share to match (matchKey), compared first, keeps the table's
      // fill to an integer comparison per cell for those.
      std::vector<uint64_t> keyM(rn), keyS(rk);
      for (size_t i = 0; i < rn; ++i)
        keyM[i] = matchKey(ml[a0 + i]);
      for (size_t j = 0; j < rk; ++j)
        keyS[j] = matchKey(s[b0 + j]);
      std::vector<int32_t> dp((rn + 1) * (rk + 1), 0);
      auto at = [&](size_t i, size_t j) -> int32_t & {
        return dp[i * (rk + 1) + j];
      };
      for (size_t i = rn; i-- > 0;) {
        uint64_t key = keyM[i];
        int32_t *row = &at(i, 0), *below = &at(i + 1, 0);
        for (size_t j = rk; j-- > 0;) {
          int32_t best = std::max(below[j], row[j + 1]);
          if (keyS[j] == key) {
            int32_t w = weight(a0 + i, b0 + j);
            if (w > 0)
              best = std::max(best, below[j + 1] + w);
          }
          row[j] = best;
        }
      }
      for (size_t i = 0; i < pre; ++i)
        take(i0 + i, j0 + i);
      size_t i = 0, j = 0;
      while (i < rn || j < rk) {
        if (i < rn && j < rk) {
          int32_t w = weight(a0 + i, b0 + j);
          if (w > 0 && at(i, j) == at(i + 1, j + 1) + w) {
            take(a0 + i, b0 + j);
            ++i, ++j;
            continue;
          }
        }
        if (j >= rk || (i < rn && at(i + 1, j) >= at(i, j + 1))) {
          out.push_back(std::move(ml[a0 + i]));
          ++i;
        } else {
          out.push_back(fromNode(s[b0 + j], m));
          ++j;
        }
      }
      for (size_t t = 0; t < suf; ++t)
        take(i1 - suf + t, j1 - suf + t);
    };
    // Kernels start at barriers, named after their kernel: a whole
    // program's streams are too long for one alignment table, so the
    // barriers of the same kernels are matched first (a common subsequence
    // of their names: a core may take no part in some kernels) and the
    // code between two matched barriers is aligned pair by pair.
    std::vector<size_t> pairsM, pairsS;
    if ((n + 1) * (k + 1) > kMaxCells) {
      // (index, identity): two barriers match when their identities are
      // equal, numbered here once instead of asking `match` for each cell
      // of the table (thousands of barriers per stream, most of one kind).
      // A barrier has no tiles, so no slot: `match` compares the kernel's
      // name and every field.
      std::map<std::vector<int64_t>, int64_t> identities;
      auto barriers = [&](auto &list) {
        std::vector<std::pair<size_t, int64_t>> at;
        for (size_t i = 0; i < list.size(); ++i) {
          const Instr &in = instrOf(list[i]);
          if (list[i].isLoop || in.op != Opcode::Barrier)
            continue;
          const bin::OpInfo &inf = in.info();
          std::vector<int64_t> id{
              list[i].loc < 0 ? -1 : nameOf[(size_t)list[i].loc],
              (int64_t)in.op, (int64_t)in.pipe, (int64_t)inf.numTiles};
          id.insert(id.end(), in.ints, in.ints + inf.numInts);
          if (inf.floatName) {
            uint32_t bits;
            std::memcpy(&bits, &in.fimm, sizeof(bits));
            id.push_back(bits);
          }
          at.push_back(
              {i, identities.try_emplace(id, (int64_t)identities.size())
                      .first->second});
        }
        return at;
      };
      auto bm = barriers(ml), bs = barriers(s);
      size_t p = bm.size(), q = bs.size();
      if ((p + 1) * (q + 1) <= kMaxCells) {
        std::vector<int32_t> lcs((p + 1) * (q + 1), 0);
        auto at = [&](size_t i, size_t j) -> int32_t & {
          return lcs[i * (q + 1) + j];
        };
        auto same = [&](size_t i, size_t j) {
          return bm[i].second == bs[j].second &&
                 (ml[bm[i].first].in.info().numTiles == 0 ||
                  match(ml[bm[i].first], s[bs[j].first]));
        };
        for (size_t i = p; i-- > 0;)
          for (size_t j = q; j-- > 0;)
            at(i, j) = same(i, j) ? at(i + 1, j + 1) + 1
                                  : std::max(at(i + 1, j), at(i, j + 1));
        for (size_t i = 0, j = 0; i < p && j < q;) {
          if (same(i, j) && at(i, j) == at(i + 1, j + 1) + 1) {
            pairsM.push_back(bm[i].first);
            pairsS.push_back(bs[j].first);
            ++i, ++j;
          } else if (at(i + 1, j) >= at(i, j + 1)) {
            ++i;
          } else {
            ++j;
          }
        }
      }
    }
    size_t i = 0, j = 0;
    for (size_t q = 0; q < pairsM.size() && !tooLarge; ++q) {
      align(i, pairsM[q], j, pairsS[q]);
      take(pairsM[q], pairsS[q]);
      i = pairsM[q] + 1;
      j = pairsS[q] + 1;
    }
    if (!tooLarge)
      align(i, n, j, k);
    if (!tooLarge)
      ml = std::move(out);
  }

  /// Set when two lists were too long to align (the alignment table would
  /// pass kMaxCells): the group keeps separate code.
  bool tooLarge = false;

private:
  static constexpr size_t kMaxCells = size_t(1) << 24;
  uint32_t members;
  const std::vector<int32_t> &nameOf;

  /// How many items of two loop bodies match by shape (an LCS of their
  /// signatures): what matching the loops saves, roughly.
  static int32_t quickScore(const std::vector<MNode> &a,
                            const std::vector<Node> &b) {
    size_t n = a.size(), k = b.size();
    if (n * k > kMaxCells / 16)
      return 0; // too long to compare: not matched

    std::vector<int32_t> row(k + 1, 0), next(k + 1, 0);
    for (size_t i = n; i-- > 0;) {
      for (size_t j = k; j-- > 0;)
        row[j] = a[i].sig == b[j].sig ? next[j + 1] + (int32_t)b[j].size
                                      : std::max(next[j], row[j + 1]);
      std::swap(row, next);
    }
    return next[0];
  }
};

/// Writes the merged code: guarded runs, launch-argument loads, rewritten
/// slots.
class Emitter {
public:
  /// `hoisted`: columns held in registers loaded at the start of the body.
  Emitter(uint32_t members, uint8_t temp,
          std::map<std::vector<int64_t>, uint8_t> hoisted = {})
      : members(members), temp(temp), hoisted(std::move(hoisted)) {}

  std::vector<std::vector<int64_t>> columns;
  std::vector<uint32_t> uses; // per column: inline loads of it
  std::vector<std::pair<uint32_t, int32_t>> locs; // (instr, name)

  void emitList(const std::vector<MNode> &list, const std::vector<uint8_t> &ctx,
                std::vector<Instr> &out) {
    size_t i = 0;
    while (i < list.size()) {
      std::vector<uint8_t> mask = andMask(list[i].present, ctx);
      if (mask == ctx) {
        emitNode(list[i], ctx, out);
        ++i;
        continue;
      }
      // A run of items with the same members: skipped by the others.
      size_t j = i;
      std::vector<Instr> run;
      size_t locBase = locs.size();
      while (j < list.size() && andMask(list[j].present, ctx) == mask) {
        emitNode(list[j], mask, run);
        ++j;
      }
      std::vector<int64_t> col(members, 0);
      for (uint32_t m = 0; m < members; ++m)
        col[m] = mask[m];
      out.push_back(bin::makeInstr(Opcode::SkipArgZ, {},
                                   {(int64_t)arg(col), (int64_t)run.size()}));
      uint32_t shift = (uint32_t)out.size();
      for (size_t l = locBase; l < locs.size(); ++l)
        locs[l].first += shift;
      out.insert(out.end(), run.begin(), run.end());
      i = j;
    }
  }

private:
  uint32_t members;
  uint8_t temp;
  std::map<std::vector<int64_t>, uint32_t> argIndex;

  static std::vector<uint8_t> andMask(const std::vector<uint8_t> &a,
                                      const std::vector<uint8_t> &b) {
    std::vector<uint8_t> r(a.size());
    for (size_t i = 0; i < a.size(); ++i)
      r[i] = a[i] & b[i];
    return r;
  }

  std::map<std::vector<int64_t>, uint8_t> hoisted;

public:
  uint32_t arg(const std::vector<int64_t> &col) {
    auto [it, fresh] = argIndex.emplace(col, (uint32_t)columns.size());
    if (fresh) {
      columns.push_back(col);
      uses.push_back(0);
    }
    return it->second;
  }

private:
  /// The register holding a column: its hoisted register, or `r` after an
  /// `sarg` appended to `out`.
  uint8_t load(const std::vector<int64_t> &col, uint8_t r,
               std::vector<Instr> &out) {
    auto h = hoisted.find(col);
    if (h != hoisted.end())
      return h->second;
    uint32_t a = arg(col);
    ++uses[a];
    out.push_back(bin::makeInstr(Opcode::SArg, {}, {r, (int64_t)a}));
    return r;
  }

  /// Emits one node run by exactly the members in `mask` (positions in
  /// `out` are relative to its start; locs too).
  void emitNode(const MNode &x, const std::vector<uint8_t> &mask,
                std::vector<Instr> &out) {
    Instr in = x.in;
    uint8_t t = temp;
    auto slot = [&](unsigned pos) -> bool {
      int64_t lo = INT64_MAX, hi = INT64_MIN;
      for (uint32_t m = 0; m < members; ++m)
        if (mask[m]) {
          lo = std::min(lo, x.vals[m][pos]);
          hi = std::max(hi, x.vals[m][pos]);
        }
      bool loop = pos == 4 && x.isLoop;
      if (loop)
        lo = 0;
      if (lo == hi) {
        if (pos < 4)
          in.tiles[pos].offset = (uint64_t)lo;
        else
          in.ints[2] = lo;
        return false;
      }
      std::vector<int64_t> col(members, 0);
      for (uint32_t m = 0; m < members; ++m)
        if (mask[m])
          col[m] = x.vals[m][pos] - lo;
      uint8_t r = load(col, t, out);
      if (r == t)
        ++t;
      if (pos < 4) {
        bin::Tile &tl = in.tiles[pos];
        tl.offset = (uint64_t)lo;
        tl.terms[tl.numTerms++] = {r, 1};
      } else if (loop) {
        in.ints[1] = r;
        in.ints[2] = 0;
      } else { // sld / sst: address = ra + r + lo
        if (in.ints[1] != 0) {
          out.push_back(
              bin::makeInstr(Opcode::SAdd, {}, {t, in.ints[1], r, 0}));
          r = t;
        }
        in.ints[1] = r;
        in.ints[2] = lo;
      }
      return true;
    };
    for (unsigned k = 0; k < in.info().numTiles; ++k)
      slot(k);
    if (hasIntSlot(in))
      slot(4);
    if (x.loc >= 0)
      locs.push_back({(uint32_t)out.size(), x.loc});
    out.push_back(in);
    if (!x.isLoop)
      return;
    emitList(x.body, mask, out);
    out.push_back(bin::makeInstr(Opcode::EndLoop, {}));
  }
};

/// Whether every tile whose offset differs between members can take one
/// more address term.
bool termsFit(const std::vector<MNode> &list) {
  for (const MNode &x : list) {
    for (unsigned k = 0; k < x.in.info().numTiles; ++k) {
      if (x.in.tiles[k].numTerms < bin::kMaxAddrTerms)
        continue;
      std::optional<int64_t> first;
      for (size_t m = 0; m < x.vals.size(); ++m)
        if (x.present[m]) {
          if (first && *first != x.vals[m][k])
            return false;
          first = x.vals[m][k];
        }
    }
    if (!termsFit(x.body))
      return false;
  }
  return true;
}

} // namespace

void shareStreams(bin::Program &p, const target::TargetDesc &t,
                  SpmdStats &stats, std::vector<bin::PackedStream> *packed) {
  auto isPacked = [&](uint32_t si) {
    return packed && si < packed->size() && (*packed)[si].count > 0;
  };
  auto sizeOf = [&](uint32_t si) -> size_t {
    return isPacked(si) ? (*packed)[si].count : p.streams[si].instrs.size();
  };
  // A stream's code: its instructions, or unpacked into `tmp`.
  auto codeOf = [&](uint32_t si,
                    std::vector<Instr> &tmp) -> const std::vector<Instr> & {
    if (!isPacked(si))
      return p.streams[si].instrs;
    tmp.clear();
    std::string error; // (packed by LoopFolder from valid instructions)
    (void)bin::unpackStream((*packed)[si], tmp, error);
    return tmp;
  };
  stats.before = 0;
  for (uint32_t si = 0; si < p.streams.size(); ++si)
    stats.before += sizeOf(si);
  std::vector<std::string> names;
  std::vector<std::vector<int32_t>> locOf(p.streams.size());
  for (uint32_t si = 0; si < p.streams.size(); ++si)
    locOf[si].assign(sizeOf(si), -1);
  std::vector<bin::DebugEntry> keep;
  std::vector<int32_t> nameOf; // per entry of `names`: its name's number
  std::unordered_map<std::string, int32_t> numbers;
  for (bin::DebugEntry &d : p.debug)
    if (d.stream < p.streams.size() && d.instr < sizeOf(d.stream)) {
      locOf[d.stream][d.instr] = (int32_t)names.size();
      nameOf.push_back(
          numbers.try_emplace(d.loc, (int32_t)numbers.size()).first->second);
      names.push_back(std::move(d.loc));
    }
  // Candidates: every stream of a core type with a scalar unit, in stream
  // order (so the owner of a group is its earliest stream).
  std::map<uint32_t, std::vector<uint32_t>> byType;
  std::vector<Instr> tmp;
  for (uint32_t si = 0; si < p.streams.size(); ++si) {
    const bin::CoreStream &cs = p.streams[si];
    if (cs.coreType == bin::kAiCpuCoreType || cs.shares != bin::kOwnCode ||
        !cs.args.empty())
      continue;
    bool plain = true;
    for (const Instr &in : codeOf(si, tmp)) {
      OpClass c = in.info().cls;
      plain &= c != OpClass::Skip && c != OpClass::SArg;
    }
    if (plain)
      byType[cs.coreType].push_back(si);
  }
  std::vector<bool> merged(p.streams.size(), false);
  std::vector<std::vector<std::pair<uint32_t, int32_t>>> newLocs(
      p.streams.size());
  for (auto &[type, members] : byType) {
    if (members.size() < 2)
      continue;

    uint32_t nm = (uint32_t)members.size();
    Merger merger(nm, nameOf);
    std::vector<MNode> ml;
    uint32_t maxReg = 0;
    uint64_t separate = 0;
    for (uint32_t m = 0; m < nm; ++m) {
      const std::vector<Instr> &code = codeOf(members[m], tmp);
      separate += code.size();
      for (const Instr &in : code)
        maxReg = std::max(maxReg, maxRegOf(in));
      std::vector<Node> tree;
      size_t i = 0;
      parse(code, i, locOf[members[m]], tree);
      if (m == 0) {
        for (const Node &n : tree)
          ml.push_back(merger.fromNode(n, 0));
      } else {
        merger.merge(ml, tree, m);
        if (merger.tooLarge)
          break;
      }
    }
    // Registers: up to 4 slots of one instruction (or a guard) at once.
    if (maxReg + kSpmdRegisters >= t.scalar.registers) {
      ++stats.noRegisters;
      stats.highestRegister = std::max(stats.highestRegister, maxReg);
      continue;
    }
    if (merger.tooLarge || !termsFit(ml))
      continue;
    // The most loaded columns go to the registers left free, loaded once
    // at the start (fewer instructions, and none inside loops).
    std::vector<uint8_t> all(nm, 1);
    Emitter dry(nm, (uint8_t)(maxReg + 1));
    std::vector<Instr> body;
    dry.emitList(ml, all, body);
    std::vector<uint32_t> order(dry.columns.size());
    for (uint32_t c = 0; c < order.size(); ++c)
      order[c] = c;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return dry.uses[a] != dry.uses[b] ? dry.uses[a] > dry.uses[b] : a < b;
    });
    std::map<std::vector<int64_t>, uint8_t> hoisted;
    uint32_t reg = maxReg + 5;
    for (uint32_t c : order) {
      if (reg >= t.scalar.registers || dry.uses[c] < 2)
        break;
      hoisted.emplace(dry.columns[c], (uint8_t)reg++);
    }
    Emitter em(nm, (uint8_t)(maxReg + 1), hoisted);
    body.clear();
    for (auto &[col, r] : hoisted)
      body.push_back(
          bin::makeInstr(Opcode::SArg, {}, {r, (int64_t)em.arg(col)}));
    em.emitList(ml, all, body); // (locations are body positions)
    if (body.size() >= separate)
      continue;
    uint32_t owner = members[0];
    for (uint32_t m = 0; m < nm; ++m) {
      bin::CoreStream &cs = p.streams[members[m]];
      cs.args.resize(em.columns.size());
      for (size_t c = 0; c < em.columns.size(); ++c)
        cs.args[c] = em.columns[c][m];
      stats.args += em.columns.size();
      cs.shares = m ? owner : bin::kOwnCode;
      if (m)
        std::vector<Instr>().swap(cs.instrs); // runs the owner's
      else
        cs.instrs = body;
      if (isPacked(members[m]))
        (*packed)[members[m]] = bin::PackedStream();
      merged[members[m]] = true;
    }
    // Every stream that runs the body keeps its locations (profiles and
    // traces look them up per stream).
    for (uint32_t m = 0; m < nm; ++m)
      newLocs[members[m]] = em.locs;
    ++stats.bodies;
    stats.sharing += nm - 1;
  }
  // The streams left as they were.
  for (uint32_t si = 0; si < p.streams.size(); ++si)
    if (isPacked(si)) {
      std::string error;
      (void)bin::unpackStream((*packed)[si], p.streams[si].instrs, error);
      (*packed)[si] = bin::PackedStream();
    }
  p.debug.clear();
  for (uint32_t si = 0; si < p.streams.size(); ++si) {
    if (!merged[si]) {
      for (uint32_t i = 0; i < locOf[si].size(); ++i)
        if (locOf[si][i] >= 0)
          p.debug.push_back({si, i, names[locOf[si][i]]});
      continue;
    }
    for (auto [instr, name] : newLocs[si])
      p.debug.push_back({si, instr, names[name]});
  }
  stats.after = p.numInstrs();
}

} // namespace tessera::codegen
