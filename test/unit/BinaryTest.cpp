//===- BinaryTest.cpp - The .npu format and instruction checks ------------===//
#include "Presets.h"
#include "tessera/Binary/Program.h"
#include "tessera/Sim/Programs.h"
#include "tessera/Support/Hash.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>

using namespace tessera;
using namespace tessera::bin;
using target::Pipe;
using target::Space;

namespace {
const target::TargetDesc &dc() { return unittest::preset("dc"); }
const target::TargetDesc &edge() { return unittest::preset("edge"); }

Program sampleProgram() {
  Program p;
  p.name = "sample";
  setTarget(p, dc());
  p.gmBytes = 8192;
  p.io.push_back({"x", false, DType::F32, {4, 64}, 0, Layout::ND});
  p.io.push_back({"y", true, DType::BF16, {4, 64}, 4096, Layout::ND});
  ConstBlob c;
  c.name = "w";
  c.gmAddr = 2048;
  c.data = {1, 2, 3, 4, 5, 6, 7, 8};
  c.size = c.data.size();
  p.consts.push_back(c);
  CoreStream s;
  s.coreType = 1; // vector
  s.coreIndex = 3;
  Tile ub = makeTile(Space::UB, 0, DType::F32, {4, 64});
  Tile ub2 = makeTile(Space::UB, 1024, DType::BF16, {4, 64});
  s.instrs.push_back(sim::makeInstr(
      Opcode::DmaLd, {ub, makeTile(Space::GM, 0, DType::F32, {4, 64})}));
  s.instrs.push_back(
      sim::makeInstr(Opcode::SetFlag, {}, {(int)Pipe::MTE2, (int)Pipe::V, 0}));
  s.instrs.push_back(
      sim::makeInstr(Opcode::WaitFlag, {}, {(int)Pipe::MTE2, (int)Pipe::V, 0}));
  s.instrs.push_back(sim::makeInstr(Opcode::VMulS, {ub, ub}, {}, 0.5f));
  s.instrs.push_back(sim::makeInstr(Opcode::VCast, {ub2, ub}, {1}));
  s.instrs.push_back(
      sim::makeInstr(Opcode::SetFlag, {}, {(int)Pipe::V, (int)Pipe::MTE3, 1}));
  s.instrs.push_back(
      sim::makeInstr(Opcode::WaitFlag, {}, {(int)Pipe::V, (int)Pipe::MTE3, 1}));
  s.instrs.push_back(sim::makeInstr(
      Opcode::DmaSt, {makeTile(Space::GM, 4096, DType::BF16, {4, 64}), ub2}));
  s.instrs.push_back(sim::makeInstr(Opcode::End, {}));
  p.streams.push_back(s);
  p.debug.push_back({0, 3, "Mul_7"});
  return p;
}

std::string decodeError(std::vector<uint8_t> img) {
  Program p;
  std::string err;
  EXPECT_FALSE(decodeProgram(img.data(), img.size(), p, err));
  return err;
}

template <typename T> void poke(std::vector<uint8_t> &img, size_t at, T v) {
  std::memcpy(img.data() + at, &v, sizeof(T));
}
/// Recomputes the checksum so a deliberately bad field reaches the parser
/// (as the version in the header computes it).
void reseal(std::vector<uint8_t> &img) { sealImage(img.data(), img.size()); }

/// A version-6 image in version 5's layout: the debug map as one entry
/// (stream, instruction, name) per instruction instead of runs.
std::vector<uint8_t> asVersion5(const std::vector<uint8_t> &img) {
  Program p;
  std::string err;
  EXPECT_TRUE(decodeProgram(img.data(), img.size(), p, err)) << err;
  std::vector<uint8_t> entries;
  auto put32 = [&](uint32_t v) {
    entries.insert(entries.end(), (uint8_t *)&v, (uint8_t *)&v + 4);
  };
  put32((uint32_t)p.debug.size());
  for (const DebugEntry &d : p.debug) {
    put32(d.stream);
    put32(d.instr);
    put32((uint32_t)d.loc.size());
    entries.insert(entries.end(), d.loc.begin(), d.loc.end());
  }
  // Sections are 8-byte aligned, in file order: those from DEBUG on are
  // written again, DEBUG with the entries.
  uint32_t nsec;
  std::memcpy(&nsec, &img[72], 4);
  struct Sec {
    size_t entry;
    uint32_t kind;
    uint64_t off, size;
  };
  std::vector<Sec> secs;
  for (uint32_t i = 0; i < nsec; ++i) {
    Sec x{80 + 24 * (size_t)i, 0, 0, 0};
    std::memcpy(&x.kind, &img[x.entry], 4);
    std::memcpy(&x.off, &img[x.entry + 8], 8);
    std::memcpy(&x.size, &img[x.entry + 16], 8);
    secs.push_back(x);
  }
  size_t first = 0;
  while (first < secs.size() && secs[first].kind != 5)
    ++first;
  EXPECT_LT(first, secs.size());
  std::vector<uint8_t> out(img.begin(),
                           img.begin() + (std::ptrdiff_t)secs[first].off);
  for (size_t i = first; i < secs.size(); ++i) {
    while (out.size() % 8)
      out.push_back(0);
    uint64_t at = out.size(), size = secs[i].size;
    if (i == first) {
      out.insert(out.end(), entries.begin(), entries.end());
      size = entries.size();
    } else {
      out.insert(out.end(), img.begin() + (std::ptrdiff_t)secs[i].off,
                 img.begin() + (std::ptrdiff_t)(secs[i].off + size));
    }
    poke<uint64_t>(out, secs[i].entry + 8, at);
    poke<uint64_t>(out, secs[i].entry + 16, size);
  }
  poke<uint64_t>(out, 16, (uint64_t)out.size());
  poke<uint32_t>(out, 8, 5);
  reseal(out);
  return out;
}

/// A version-6 image of streams with their own code and no launch arguments
/// rewritten in the version-4 layout (the debug map as version 5 stores it,
/// stream headers without `shares` and `num_args`), resealed.
std::vector<uint8_t> asVersion4(std::vector<uint8_t> img) {
  img = asVersion5(img);
  uint32_t nsec;
  std::memcpy(&nsec, &img[72], 4);
  uint64_t removed = 0;
  std::vector<uint64_t> cut; // stream sections' header bytes to drop
  for (uint32_t i = 0; i < nsec; ++i) {
    size_t e = 80 + 24 * (size_t)i;
    uint32_t kind;
    uint64_t off, size;
    std::memcpy(&kind, &img[e], 4);
    std::memcpy(&off, &img[e + 8], 8);
    std::memcpy(&size, &img[e + 16], 8);
    if (kind == 2)
      cut.push_back(off + 8);
    poke<uint64_t>(img, e + 8, off - removed);
    if (kind == 2) {
      poke<uint64_t>(img, e + 16, size - 8);
      removed += 8;
    }
  }
  for (size_t k = cut.size(); k-- > 0;)
    img.erase(img.begin() + (std::ptrdiff_t)cut[k],
              img.begin() + (std::ptrdiff_t)cut[k] + 8);
  poke<uint64_t>(img, 16, (uint64_t)img.size());
  poke<uint32_t>(img, 8, 4);
  reseal(img);
  return img;
}
} // namespace

// The weight file of several programs: 64-byte aligned pieces pointing at
// the constants' bytes (no copy), identical bytes stored once, and room
// reserved by name for constants without bytes (a weight-layout manifest's).
TEST(Binary, WeightFilePlacesSharesAndReserves) {
  std::vector<uint8_t> a(100, 1), b(100, 1), c(64, 2);
  WeightFile w;
  uint64_t at = w.place(a.data(), a.size(), xxh64(a.data(), a.size()));
  EXPECT_EQ(at, 0u);
  // Identical bytes elsewhere: the same place.
  EXPECT_EQ(w.place(b.data(), b.size(), xxh64(b.data(), b.size())), 0u);
  // Same checksum given, other bytes: a place of its own (bytes compared).
  EXPECT_EQ(w.place(c.data(), c.size(), xxh64(a.data(), a.size())), 128u);
  EXPECT_EQ(w.size(), 192u);
  auto pieces = w.pieces();
  ASSERT_EQ(pieces.size(), 3u); // a, 28 bytes of padding, c
  EXPECT_EQ(pieces[0].first, a.data());
  EXPECT_EQ(pieces[1].second, 28u);
  EXPECT_EQ(pieces[2].first, c.data());
  EXPECT_FALSE(w.hasReserved());
  uint64_t r = w.reserve("layer.weight", 1000);
  EXPECT_EQ(r, 192u);
  EXPECT_EQ(w.reserve("layer.weight", 1000), r);   // the same weight
  EXPECT_EQ(w.reserve("layer.weight", 10), 1216u); // another size: another
  EXPECT_TRUE(w.hasReserved());
  EXPECT_TRUE(w.pieces().empty()); // the file's bytes are not all known
  auto room = w.reservedRoom();
  ASSERT_EQ(room.size(), 2u);
  EXPECT_EQ(room[0].name, "layer.weight");
  EXPECT_EQ(room[0].offset, 192u);
  EXPECT_EQ(room[1].size, 10u);
}

// Version 6 stores the debug map as runs of instructions one name covers,
// and a stream that shares code and its owner's map by reference; it loads
// as one entry per instruction, the same as written.
TEST(Binary, DebugMapRunsRoundTrip) {
  Program p = sampleProgram();
  bin::CoreStream second = p.streams[0];
  second.coreIndex = 1;
  std::vector<Instr> code = p.streams[0].instrs;
  second.instrs.clear();
  second.shares = 0;
  p.streams.push_back(second);
  p.debug.clear();
  for (uint32_t s = 0; s < 2; ++s)
    for (uint32_t i = 0; i < code.size(); ++i)
      if (i != 1) // an unnamed instruction splits a run
        p.debug.push_back({s, i, i < 3 ? "a" : "b"});
  p.debug.push_back({0, 999, "beyond the stream"}); // not written
  std::string err;
  std::vector<uint8_t> img = encodeProgram(p);
  Program q;
  ASSERT_TRUE(decodeProgram(img.data(), img.size(), q, err)) << err;
  p.debug.pop_back();
  ASSERT_EQ(q.debug.size(), p.debug.size());
  for (size_t i = 0; i < p.debug.size(); ++i) {
    EXPECT_EQ(q.debug[i].stream, p.debug[i].stream);
    EXPECT_EQ(q.debug[i].instr, p.debug[i].instr);
    EXPECT_EQ(q.debug[i].loc, p.debug[i].loc);
  }
  EXPECT_EQ(encodeProgram(q), img);
  // The section ends with the one inheriting stream (1): a stream that does
  // not exist, or one with code of its own, is refused.
  size_t end = 0;
  uint32_t nsec;
  std::memcpy(&nsec, &img[72], 4);
  for (uint32_t i = 0; i < nsec; ++i) {
    uint32_t kind;
    uint64_t off, size;
    std::memcpy(&kind, &img[80 + 24 * i], 4);
    std::memcpy(&off, &img[80 + 24 * i + 8], 8);
    std::memcpy(&size, &img[80 + 24 * i + 16], 8);
    if (kind == 5)
      end = off + size;
  }
  ASSERT_GT(end, 4u);
  uint32_t inherited;
  std::memcpy(&inherited, &img[end - 4], 4);
  EXPECT_EQ(inherited, 1u);
  for (uint32_t bad : {7u, 0u}) {
    std::vector<uint8_t> patched = img;
    poke<uint32_t>(patched, end - 4, bad);
    reseal(patched);
    EXPECT_NE(
        decodeError(patched).find("field 'debug.inherit' out of range (value " +
                                  std::to_string(bad) + ")"),
        std::string::npos)
        << decodeError(patched);
  }
}

TEST(Binary, RoundTripIsExact) {
  Program p = sampleProgram();
  std::string err;
  ASSERT_TRUE(verifyProgram(p, dc(), err)) << err;
  std::vector<uint8_t> img = encodeProgram(p);
  Program q;
  ASSERT_TRUE(decodeProgram(img.data(), img.size(), q, err)) << err;
  EXPECT_EQ(q.name, "sample");
  EXPECT_EQ(q.targetName, "dc");
  EXPECT_EQ(q.targetHash, dc().hash);
  EXPECT_EQ(q.gmBytes, 8192u);
  ASSERT_EQ(q.streams.size(), 1u);
  ASSERT_EQ(q.streams[0].instrs.size(), p.streams[0].instrs.size());
  for (size_t i = 0; i < q.streams[0].instrs.size(); ++i)
    EXPECT_TRUE(q.streams[0].instrs[i] == p.streams[0].instrs[i]) << i;
  EXPECT_EQ(q.streams[0].instrs[3].fimm, 0.5f);
  ASSERT_EQ(q.io.size(), 2u);
  EXPECT_EQ(q.io[1].name, "y");
  EXPECT_EQ(q.io[1].dtype, DType::BF16);
  EXPECT_EQ(q.io[1].shape, (Shape{4, 64}));
  ASSERT_EQ(q.consts.size(), 1u);
  EXPECT_EQ(q.consts[0].data, p.consts[0].data);
  EXPECT_EQ(q.locOf(0, 3), "Mul_7");
  // Encoding the decoded program gives the same bytes.
  EXPECT_EQ(encodeProgram(q), img);
}

// The code generator holds instructions packed (PackedStream) until each
// stream is synchronized; unpacking gives them back exactly, and a packed
// instruction's integer field can be relocated in place.
TEST(Binary, PackedStreamsRoundTripAndRelocate) {
  Program p = sampleProgram();
  PackedStream ps;
  std::vector<size_t> at;
  for (const Instr &in : p.streams[0].instrs) {
    at.push_back(ps.bytes.size());
    packInstr(ps, in);
  }
  EXPECT_EQ(ps.count, p.streams[0].instrs.size());
  EXPECT_LT(ps.bytes.size(), ps.count * sizeof(Instr) / 3);
  std::vector<Instr> back;
  std::string err;
  ASSERT_TRUE(unpackStream(ps, back, err)) << err;
  ASSERT_EQ(back.size(), p.streams[0].instrs.size());
  for (size_t i = 0; i < back.size(); ++i)
    EXPECT_TRUE(back[i] == p.streams[0].instrs[i]) << i;
  // ints[0] of the last instruction with integer fields, moved by 4096;
  // `end` has none, and no instruction starts past the bytes.
  size_t last = back.size() - 1;
  while (last > 0 && back[last].info().numInts == 0)
    --last;
  ASSERT_GT(back[last].info().numInts, 0u);
  ASSERT_TRUE(addToPackedInt(ps, at[last], 0, 4096));
  back.clear();
  ASSERT_TRUE(unpackStream(ps, back, err)) << err;
  EXPECT_EQ(back[last].ints[0], p.streams[0].instrs[last].ints[0] + 4096);
  EXPECT_FALSE(addToPackedInt(ps, at.back(), 0, 1));
  EXPECT_FALSE(addToPackedInt(ps, ps.bytes.size(), 0, 1));
  // A truncated stream is an error naming where, not a crash.
  ps.bytes.resize(ps.bytes.size() - 2);
  back.clear();
  EXPECT_FALSE(unpackStream(ps, back, err));
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
}

TEST(Binary, LoadedInlineConstantsAreReadInPlace) {
  std::string path = ::testing::TempDir() + "/inplace.npu";
  Program p = sampleProgram();
  std::string err;
  ASSERT_TRUE(verifyProgram(p, dc(), err)) << err;
  ASSERT_TRUE(writeProgramFile(path, p, err)) << err;
  Program copy;
  {
    Program q;
    ASSERT_TRUE(readProgramFile(path, q, err)) << err;
    ASSERT_EQ(q.consts.size(), 1u);
    const ConstBlob &c = q.consts[0];
    // Not copied: the bytes lie in the loaded image, which q keeps.
    EXPECT_NE(c.mapped, nullptr);
    EXPECT_TRUE(c.data.empty());
    ASSERT_EQ(c.loadedBytes(), p.consts[0].size);
    EXPECT_TRUE(
        std::equal(c.bytes(), c.bytes() + c.size, p.consts[0].data.begin()));
    copy = q;
  }
  // A copy outlives the original and still encodes to the file's bytes.
  ASSERT_TRUE(verifyProgram(copy, dc(), err)) << err;
  EXPECT_EQ(encodeProgram(copy), encodeProgram(p));
  // Replacing the file (as every writer does, by rename) leaves it intact.
  Program other = sampleProgram();
  other.consts[0].data.assign(other.consts[0].data.size(), 0xAB);
  ASSERT_TRUE(writeProgramFile(path, other, err)) << err;
  EXPECT_TRUE(std::equal(copy.consts[0].bytes(),
                         copy.consts[0].bytes() + copy.consts[0].size,
                         p.consts[0].data.begin()));
}

TEST(Binary, LargeConstantsAreWrittenFromWhereTheyAreHeld) {
  // Constants of 64 KiB or more are spliced into the written file from
  // their own memory (here borrowed, as the compiler's are), not copied into
  // an image first: the file equals the flat encoding, its checksum holds,
  // and the constants read back byte for byte, the small one too.
  std::string path = ::testing::TempDir() + "/spliced.npu";
  Program p = sampleProgram();
  p.gmBytes = 1 << 20;
  std::vector<uint8_t> big(200 * 1024 + 3), other(64 * 1024);
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = (uint8_t)(i * 7 + 1);
  for (size_t i = 0; i < other.size(); ++i)
    other[i] = (uint8_t)(i * 13);
  ConstBlob a, b;
  a.name = "big";
  a.gmAddr = 16384;
  a.size = big.size();
  a.mapped = big.data();
  b.name = "other";
  b.gmAddr = 16384 + 262144;
  b.size = other.size();
  b.mapped = other.data();
  p.consts.push_back(a);
  p.consts.push_back(b);
  std::string err;
  ASSERT_TRUE(verifyProgram(p, dc(), err)) << err;
  ASSERT_TRUE(writeProgramFile(path, p, err)) << err;
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(f)),
                            std::istreambuf_iterator<char>());
  EXPECT_EQ(file, encodeProgram(p));
  Program q;
  ASSERT_TRUE(readProgramFile(path, q, err)) << err;
  ASSERT_EQ(q.consts.size(), 3u);
  EXPECT_TRUE(std::equal(q.consts[0].bytes(), q.consts[0].bytes() + 8,
                         p.consts[0].data.begin()));
  ASSERT_EQ(q.consts[1].loadedBytes(), big.size());
  EXPECT_TRUE(std::equal(big.begin(), big.end(), q.consts[1].bytes()));
  ASSERT_EQ(q.consts[2].loadedBytes(), other.size());
  EXPECT_TRUE(std::equal(other.begin(), other.end(), q.consts[2].bytes()));
  // A flipped byte inside a spliced constant fails the file checksum.
  file[file.size() / 2] ^= 1;
  Program bad;
  EXPECT_FALSE(decodeProgram(file.data(), file.size(), bad, err));
}

TEST(Binary, Xxh64MatchesTheReference) {
  // Values of the reference implementation (llvm::xxHash64 gives the same).
  EXPECT_EQ(xxh64("", 0), 0xEF46DB3751D8E999ull);
  EXPECT_EQ(xxh64("abc", 3), 0x44BC2CF5AD770999ull);
  uint8_t bytes[100];
  for (int i = 0; i < 100; ++i)
    bytes[i] = (uint8_t)i;
  EXPECT_EQ(xxh64(bytes, 100), 0x6AC1E58032166597ull);
  // Unaligned input reads the same bytes.
  std::vector<uint8_t> shifted(101);
  std::memcpy(shifted.data() + 1, bytes, 100);
  EXPECT_EQ(xxh64(shifted.data() + 1, 100), 0x6AC1E58032166597ull);
}

TEST(Binary, Xxh64StreamEqualsOneShot) {
  // Any split of the input gives the one-shot value, for lengths around the
  // 32-byte stripe and with a seed.
  std::vector<uint8_t> bytes(300);
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = (uint8_t)(i * 37 + 11);
  for (size_t n : {0, 1, 31, 32, 33, 64, 100, 300})
    for (size_t split : {0, 1, 7, 32, 45}) {
      size_t a = std::min(split, n), b = std::min(n, a + 33);
      Xxh64Stream s(n == 300 ? 42 : 0);
      s.update(bytes.data(), a);
      s.update(bytes.data() + a, b - a);
      s.update(bytes.data() + b, n - b);
      EXPECT_EQ(s.digest(), xxh64(bytes.data(), n, n == 300 ? 42 : 0))
          << "n " << n << " split " << split;
    }
}

TEST(Binary, Version3IsStillRead) {
  // Version 3 is version 4's layout with FNV-1a 64 checksums (the file and
  // each constant). Rewrite a version-4 image that way: it decodes to the
  // same program.
  Program p = sampleProgram();
  std::vector<uint8_t> img = encodeProgram(p);
  const std::vector<uint8_t> &data = p.consts[0].data;
  uint64_t x = xxh64(data.data(), data.size());
  uint64_t f = target::fnv1a64(data.data(), data.size());
  size_t at = 0, found = 0;
  for (size_t i = 0; i + 8 <= img.size(); ++i)
    if (std::memcmp(img.data() + i, &x, 8) == 0)
      at = i, ++found;
  ASSERT_EQ(found, 1u);
  // Version 4 is version 5 without shared code and launch arguments (and
  // version 5 is version 6 with the debug map one entry per instruction).
  std::vector<uint8_t> v4 = asVersion4(img);
  Program q4;
  std::string err4;
  ASSERT_TRUE(decodeProgram(v4.data(), v4.size(), q4, err4)) << err4;
  EXPECT_EQ(encodeProgram(q4), img);
  at -= 8 * p.streams.size(); // the constants follow the streams
  std::vector<uint8_t> v3 = v4;
  poke<uint64_t>(v3, at, f);
  poke<uint32_t>(v3, 8, 3);
  reseal(v3);
  // The file checksums as docs/npu-format.md defines them.
  uint64_t stored;
  std::memcpy(&stored, img.data() + 24, 8);
  EXPECT_EQ(stored,
            xxh64(img.data() + 32, img.size() - 32, xxh64(img.data(), 24)));
  std::vector<uint8_t> zeroed = v3;
  poke<uint64_t>(zeroed, 24, 0);
  std::memcpy(&stored, v3.data() + 24, 8);
  EXPECT_EQ(stored, target::fnv1a64(zeroed.data(), zeroed.size()));
  Program q;
  std::string err;
  ASSERT_TRUE(decodeProgram(v3.data(), v3.size(), q, err)) << err;
  EXPECT_EQ(encodeProgram(q), img);
  // A constant still sealed the version-4 way is corrupt in version 3.
  std::vector<uint8_t> mixed = v4;
  poke<uint32_t>(mixed, 8, 3);
  reseal(mixed);
  EXPECT_EQ(decodeError(mixed), "constant 'w': checksum mismatch");
}

TEST(Binary, ExternalWeightsAreReferencedAndChecked) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/ext.npu";
  Program p = sampleProgram();
  p.consts[0].data.assign(8192 - 2048 - 4096 + 0, 7); // fits below "y"
  p.consts[0].data.resize(2048);
  p.consts[0].size = 2048;
  WriteOptions wo;
  wo.externalWeightFile = "ext.weights";
  wo.externalThreshold = 1024;
  std::string err;
  ASSERT_TRUE(verifyProgram(p, dc(), err)) << err;
  ASSERT_TRUE(writeProgramFile(path, p, err, wo)) << err;
  Program q;
  ASSERT_TRUE(readProgramFile(path, q, err)) << err;
  ASSERT_TRUE(q.consts[0].external);
  EXPECT_EQ(q.consts[0].file, "ext.weights");
  EXPECT_EQ(q.consts[0].data, p.consts[0].data);
  // Corrupt the weight file: the checksum names the constant.
  {
    std::fstream f(dir + "/ext.weights",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put(99);
  }
  EXPECT_FALSE(readProgramFile(path, q, err));
  EXPECT_NE(err.find("constant 'w': checksum mismatch in weight file"),
            std::string::npos)
      << err;
  std::remove((dir + "/ext.weights").c_str());
  EXPECT_FALSE(readProgramFile(path, q, err));
  EXPECT_NE(err.find("cannot open weight file"), std::string::npos) << err;
}

TEST(Binary, BadImagesAreRejectedWithOffsets) {
  std::vector<uint8_t> img = encodeProgram(sampleProgram());
  EXPECT_NE(decodeError({img.begin(), img.begin() + 40})
                .find("shorter than the 80-byte"),
            std::string::npos);
  std::vector<uint8_t> bad = img;
  bad[0] = 'X';
  EXPECT_EQ(decodeError(bad), "offset 0: bad magic (not a .npu program)");
  bad = img;
  poke<uint32_t>(bad, 8, 7);
  EXPECT_EQ(decodeError(bad), "offset 8: format version 7 is not supported "
                              "(this loader reads versions 3 to 6)");
  poke<uint32_t>(bad, 8, 2);
  EXPECT_EQ(decodeError(bad),
            "offset 8: format version 2 is not supported (this loader reads "
            "versions 3 to 6); the program was written by an older Tessera, "
            "compile or assemble it again");
  // Version 3 is the version-4 layout with FNV-1a checksums: sealed that way
  // it is corrupt as version 4 and reads as version 3.
  bad = asVersion4(img);
  poke<uint32_t>(bad, 8, 3);
  reseal(bad);
  poke<uint32_t>(bad, 8, 4);
  EXPECT_EQ(decodeError(bad),
            "offset 24: checksum mismatch (the file is corrupt)");
  bad.assign(img.begin(), img.end() - 5);
  EXPECT_NE(decodeError(bad).find("(truncated)"), std::string::npos);
  bad = img;
  bad[img.size() - 3] ^= 0x40;
  EXPECT_EQ(decodeError(bad),
            "offset 24: checksum mismatch (the file is corrupt)");
  // A field out of range (with a valid checksum) names its offset and field.
  bad = img;
  size_t streamOff = 0;
  for (uint32_t i = 0; i < 5; ++i) {
    uint32_t kind;
    std::memcpy(&kind, &bad[80 + 24 * i], 4);
    if (kind == 2)
      std::memcpy(&streamOff, &bad[80 + 24 * i + 8], 8);
  }
  ASSERT_NE(streamOff, 0u);
  poke<uint16_t>(bad, streamOff + 20, 999); // first instruction's opcode
  reseal(bad);
  std::string e = decodeError(bad);
  EXPECT_NE(e.find("offset " + std::to_string(streamOff + 22)),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("field 'instr.opcode' out of range (value 999)"),
            std::string::npos)
      << e;
  // A count that cannot fit is refused before allocating.
  bad = img;
  poke<uint32_t>(bad, streamOff + 16, 0x7fffffff);
  reseal(bad);
  EXPECT_NE(decodeError(bad).find("stream.count"), std::string::npos);
  poke<uint32_t>(bad, streamOff + 16, 0);
  poke<uint32_t>(bad, streamOff + 12, 0x7fffffff);
  reseal(bad);
  EXPECT_NE(decodeError(bad).find("stream.num_args"), std::string::npos);
}

TEST(Binary, ProgramForAnotherTargetIsRefused) {
  Program p = sampleProgram();
  std::string err;
  EXPECT_FALSE(verifyProgram(p, edge(), err));
  EXPECT_EQ(err, "program was built for target 'dc', not 'edge'");
  p.targetHash ^= 1;
  EXPECT_FALSE(verifyProgram(p, dc(), err));
  EXPECT_NE(err.find("different description of target 'dc'"),
            std::string::npos);
}

TEST(Binary, InstructionChecksNameOperandAndRule) {
  auto check = [](const Instr &in, uint32_t coreType,
                  const target::TargetDesc &t) {
    std::string err;
    EXPECT_FALSE(verifyInstr(in, t, coreType, err));
    return err;
  };
  Tile gm = makeTile(Space::GM, 0, DType::BF16, {16, 16});
  // Misaligned L0A (512-byte alignment on dc).
  Tile l0a = makeTile(Space::L0A, 256, DType::BF16, {16, 16});
  Tile l0b = makeTile(Space::L0B, 0, DType::BF16, {16, 16});
  Tile l0c = makeTile(Space::L0C, 0, DType::F32, {16, 16});
  EXPECT_EQ(check(sim::makeInstr(Opcode::Mmad, {l0c, l0a, l0b}, {0}), 0, dc()),
            "operand 'a': offset 256 in L0A is not 512-byte aligned");
  // Capacity.
  Tile big = makeTile(Space::UB, 0, DType::F32, {256, 256});
  EXPECT_NE(check(sim::makeInstr(Opcode::VExp, {big, big}), 1, dc())
                .find("beyond the 196608-byte UB"),
            std::string::npos);
  // Space legal for the pipe: vector ops read UB only.
  Tile l1 = makeTile(Space::L1, 0, DType::F32, {8, 8});
  EXPECT_NE(check(sim::makeInstr(Opcode::VExp, {l1, l1}), 0, dc())
                .find("pipe V does not exist on 'cube'"),
            std::string::npos);
  // A space the core does not own.
  Tile ub = makeTile(Space::UB, 0, DType::F32, {8, 8});
  EXPECT_EQ(
      check(sim::makeInstr(Opcode::DmaLd,
                           {ub, makeTile(Space::GM, 0, DType::F32, {8, 8})}),
            0, dc()),
      "operand 'dst': 'cube' cores have no UB");
  // dtype support of the matrix engine and the accumulator type.
  Tile l0aOk = makeTile(Space::L0A, 0, DType::BF16, {16, 16});
  EXPECT_EQ(
      check(sim::makeInstr(
                Opcode::Mmad,
                {makeTile(Space::L0C, 0, DType::BF16, {16, 16}), l0aOk, l0b},
                {0}),
            0, dc()),
      "operand 'c' must be f32 to accumulate bf16");
  Tile i16a = makeTile(Space::L0A, 0, DType::I16, {16, 16});
  Tile i16b = makeTile(Space::L0B, 0, DType::I16, {16, 16});
  EXPECT_EQ(
      check(sim::makeInstr(Opcode::Mmad, {l0c, i16a, i16b}, {0}), 0, dc()),
      "the matrix engine of 'dc' does not support i16");
  // Shapes.
  EXPECT_NE(
      check(sim::makeInstr(
                Opcode::Mmad,
                {l0c, makeTile(Space::L0A, 0, DType::BF16, {16, 32}), l0b},
                {0}),
            0, dc())
          .find("mmad shapes disagree"),
      std::string::npos);
  // No DMA path GM -> L0A.
  EXPECT_NE(check(sim::makeInstr(Opcode::DmaLd, {l0aOk, gm}), 0, dc())
                .find("operand 'dst' is in L0A"),
            std::string::npos);
  // Flag ids and cross-core flags.
  EXPECT_EQ(check(sim::makeInstr(Opcode::SetFlag, {},
                                 {(int)Pipe::MTE2, (int)Pipe::V, 8}),
                  1, dc()),
            "field 'id' = 8 out of range [0, 7]");
  EXPECT_EQ(
      check(sim::makeInstr(Opcode::XSet, {}, {(int)Pipe::S, 0, 0}), 0, edge()),
      "target 'edge' has no cross-core flags");
  // Pipe field inconsistent with the opcode.
  Instr in = sim::makeInstr(Opcode::VExp, {ub, ub});
  in.pipe = Pipe::MTE2;
  EXPECT_EQ(check(in, 1, dc()), "runs on pipe MTE2 but vexp belongs to pipe V");
  // NZ needs fractal-aligned shapes.
  Tile nz = makeTile(Space::L1, 0, DType::BF16, {10, 16}, Layout::NZ);
  EXPECT_NE(
      check(sim::makeInstr(Opcode::DmaLd,
                           {nz, makeTile(Space::GM, 0, DType::BF16, {10, 16})}),
            0, dc())
          .find("needs rows % 16 == 0"),
      std::string::npos);
}

TEST(Binary, ProgramChecks) {
  std::string err;
  Program p = sampleProgram();
  p.streams[0].instrs.pop_back();
  EXPECT_FALSE(verifyProgram(p, dc(), err));
  EXPECT_EQ(err, "stream 0: a stream must end with 'end'");
  p = sampleProgram();
  p.streams[0].coreIndex = 48;
  EXPECT_FALSE(verifyProgram(p, dc(), err));
  EXPECT_EQ(err, "stream 0: core vector#48 out of range (target has 48)");
  p = sampleProgram();
  p.gmBytes = 4096;
  EXPECT_FALSE(verifyProgram(p, dc(), err));
  EXPECT_NE(err.find("beyond the program's 4096 bytes of GM"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("vector#3 instr 7 (dma_st on MTE3)"), std::string::npos)
      << err;
}

namespace {
/// A stream of scalar control around one register-relative copy.
Program controlProgram(std::vector<Instr> body) {
  Program p = sampleProgram();
  std::vector<Instr> &s = p.streams[0].instrs;
  s.clear();
  for (Instr &in : body)
    s.push_back(in);
  s.push_back(makeInstr(Opcode::End, {}));
  return p;
}
Instr loop(int64_t ri, int64_t count) {
  return makeInstr(Opcode::Loop, {}, {ri, 0, count});
}
Instr endloop() { return makeInstr(Opcode::EndLoop, {}); }
} // namespace

TEST(Binary, ControlAndRegisterRelativeTilesRoundTrip) {
  Tile src = makeTile(Space::GM, 0, DType::F32, {2, 64});
  src.numTerms = 2;
  src.terms[0] = {3, 512};
  src.terms[1] = {4, -256};
  src.extentDim = 0;
  src.extentReg = 5;
  Tile dst = makeTile(Space::UB, 0, DType::F32, {2, 64});
  dst.extentDim = 0;
  dst.extentReg = 5;
  Program p =
      controlProgram({makeInstr(Opcode::SLd, {}, {5, 0, 16}), loop(3, 4),
                      makeInstr(Opcode::SAdd, {}, {4, 3, 0, 1}),
                      makeInstr(Opcode::DmaLd, {dst, src}), endloop(),
                      makeInstr(Opcode::SkipZ, {}, {5, 0})});
  std::string err;
  ASSERT_TRUE(verifyProgram(p, dc(), err)) << err;
  std::vector<uint8_t> img = encodeProgram(p);
  Program q;
  ASSERT_TRUE(decodeProgram(img.data(), img.size(), q, err)) << err;
  ASSERT_EQ(q.streams[0].instrs.size(), p.streams[0].instrs.size());
  for (size_t i = 0; i < q.streams[0].instrs.size(); ++i)
    EXPECT_TRUE(q.streams[0].instrs[i] == p.streams[0].instrs[i]) << i;
  EXPECT_EQ(encodeProgram(q), img);

  // Resolution substitutes the registers and checks the extent.
  int64_t regs[32] = {};
  regs[3] = 2, regs[4] = 1, regs[5] = 1;
  Tile r;
  bool empty;
  ASSERT_TRUE(src.resolve(regs, r, empty, err)) << err;
  EXPECT_EQ(r.offset, 2u * 512 - 256);
  EXPECT_EQ(r.shape[0], 1);
  EXPECT_FALSE(r.isRegRelative());
  regs[5] = 3;
  EXPECT_FALSE(src.resolve(regs, r, empty, err));
  EXPECT_EQ(err, "register extent of dimension 0 is 3, outside [0, 2] (r3 = "
                 "2, r4 = 1, r5 = 3)");
  regs[5] = 0;
  ASSERT_TRUE(src.resolve(regs, r, empty, err)) << err;
  EXPECT_TRUE(empty);
  regs[4] = 100;
  EXPECT_FALSE(src.resolve(regs, r, empty, err));
  EXPECT_EQ(err, "register-relative offset is negative (r3 = 2, r4 = 100, r5 "
                 "= 0)");
}

// The loader refuses bad control flow in a binary, naming the instruction
// and its index (the isa dialect's verifier applies the same rules).
TEST(Binary, BadControlFlowIsRefused) {
  std::string err;
  auto refused = [&](std::vector<Instr> body) {
    Program p = controlProgram(std::move(body));
    EXPECT_FALSE(verifyProgram(p, dc(), err));
    // Through the binary too: the loader decodes it, verification refuses.
    std::vector<uint8_t> img = encodeProgram(p);
    Program q;
    std::string derr;
    EXPECT_TRUE(decodeProgram(img.data(), img.size(), q, derr)) << derr;
    std::string verr;
    EXPECT_FALSE(verifyProgram(q, dc(), verr));
    EXPECT_EQ(verr, err);
    return err;
  };
  EXPECT_EQ(refused({loop(1, 4)}),
            "vector#3 instr 0 (loop on S): 'loop' without a matching "
            "'endloop' before 'end'");
  EXPECT_EQ(refused({loop(1, 4), endloop(), endloop()}),
            "vector#3 instr 2 (endloop on S): 'endloop' without a matching "
            "'loop'");
  EXPECT_EQ(refused({makeInstr(Opcode::SkipNz, {}, {1, 5})}),
            "vector#3 instr 0 (skipnz on S): skip target 6 out of range (the "
            "stream's 'end' is instruction 1)");
  EXPECT_EQ(
      refused({loop(1, 2), makeInstr(Opcode::SkipNz, {}, {1, 1}), endloop()}),
      "vector#3 instr 1 (skipnz on S): skip to instruction 3 leaves a "
      "loop (a skip must not cut a loop)");
  EXPECT_EQ(refused({makeInstr(Opcode::SAdd, {}, {1, 2, 32, 0})}),
            "vector#3 instr 0 (sadd on S): field 'rb': register r32 out of "
            "range (target 'dc' has r0-r31)");
  std::vector<Instr> deep;
  for (int i = 0; i < 5; ++i)
    deep.push_back(loop(i + 1, 2));
  for (int i = 0; i < 5; ++i)
    deep.push_back(endloop());
  EXPECT_EQ(refused(deep),
            "vector#3 instr 4 (loop on S): loops nest 5 deep; target 'dc' "
            "allows 4 (scalar.max_loop_depth)");
  // A target with a deeper loop stack takes the same program.
  target::TargetDesc deeper = dc();
  deeper.scalar.maxLoopDepth = 8;
  Program ok = controlProgram(deep);
  EXPECT_TRUE(verifyProgram(ok, deeper, err)) << err;
}
