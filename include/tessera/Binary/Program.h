//===- Program.h - Decoded .npu programs ------------------------*- C++ -*-===//
//
// The in-memory form of a .npu program, shared by the writer, the loader, the
// isa dialect's emitter and the simulator. See docs/npu-format.md.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_BINARY_PROGRAM_H
#define TESSERA_BINARY_PROGRAM_H

#include "tessera/Binary/Isa.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tessera::bin {

/// The format version the writer produces. The loader also reads versions
/// down to kOldestReadableVersion (5: the debug map as one entry per
/// instruction instead of runs; 4: also streams without shared code or
/// arguments; 3: also FNV-1a checksums) and refuses any other version with
/// a message.
constexpr uint32_t kFormatVersion = 6;
constexpr uint32_t kOldestReadableVersion = 3;

/// One instruction stream: everything one core (or one AI-CPU) executes, in
/// program order. The core's scalar unit dispatches each instruction to the
/// queue of its pipe, so the per-pipe streams are this list filtered by pipe.
///
/// Streams may share code (SPMD: one kernel body launched on several cores):
/// a stream with `shares` set runs the instructions of an earlier stream of
/// the same core type, which the file stores once; its own launch arguments
/// (`args`, read by `sarg` and `skipaz`) give it its offsets, trip counts
/// and the parts of the body it runs. In memory too the code is held once:
/// a sharing stream's `instrs` is empty, and Program::code(i) is what stream
/// i runs.
constexpr uint32_t kOwnCode = 0xFFFFFFFFu;
struct CoreStream {
  uint32_t coreType = 0; // index into target cores[], or kAiCpuCoreType
  uint32_t coreIndex = 0;
  std::vector<Instr> instrs;
  /// kOwnCode, or the index of the earlier stream whose code this one runs.
  uint32_t shares = kOwnCode;
  /// Launch arguments: `sarg rd, k` sets rd = args[k].
  std::vector<int64_t> args;
  /// Compiler only, not stored: the index of each kernel's first
  /// instruction in the code generator's stream (LoadHoisting.h).
  std::vector<uint32_t> kernelStarts;
};

/// Constant data placed in GM before the program runs: inline, or referenced
/// from an external weight file by (file, offset, size, checksum).
struct ConstBlob {
  std::string name;
  uint64_t gmAddr = 0;
  uint64_t size = 0;
  bool external = false;
  /// An external constant whose bytes are not at hand (a program compiled
  /// from a weight-layout manifest): the writer reserves its place in the
  /// weight file (WeightFile::reserve) instead of writing bytes. Not stored:
  /// a written constant always has its file offset.
  bool unplaced = false;
  std::string file; // external: path relative to the program file
  uint64_t fileOffset = 0;
  uint64_t checksum = 0;     // XXH64 of the bytes (FNV-1a 64 in version 3)
  std::vector<uint8_t> data; // inline bytes, or loaded external bytes
  /// Inline bytes held elsewhere instead of copied into `data`: read in
  /// place from a loaded program file (kept alive by Program::image), or,
  /// with no image, the compiler's MLIR resource blobs (alive as long as
  /// its context; isa::emitProgram's borrowConstants). A model's weights
  /// are most of a program, and a copy costs a fresh page per 4 KiB.
  const uint8_t *mapped = nullptr;

  /// The constant's bytes, wherever they are held.
  const uint8_t *bytes() const { return mapped ? mapped : data.data(); }
  /// How many bytes are at bytes(): `size`, or 0 for an external constant
  /// whose weight file was not loaded.
  uint64_t loadedBytes() const { return mapped ? size : data.size(); }
};

struct IoEntry {
  std::string name;
  bool isOutput = false;
  DType dtype = DType::F32;
  Shape shape;
  uint64_t gmAddr = 0;
  Layout layout = Layout::ND;
  int64_t byteSize() const {
    return shapeNumElements(shape) * dtypeByteSize(dtype);
  }
};

/// Maps an instruction to where it came from (an ONNX node name, a file:line).
struct DebugEntry {
  uint32_t stream = 0;
  uint32_t instr = 0;
  std::string loc;
};

struct Program {
  std::string name = "program";
  std::string targetName;
  uint64_t targetHash = 0;
  /// The target description (canonical JSON) when it is not an unmodified
  /// preset, so a custom chip's program carries its chip (TARGET section).
  std::string targetJson;
  /// Bytes of GM the program uses (I/O, constants and scratch), from 0.
  uint64_t gmBytes = 0;
  /// The model the program was compiled from (a path relative to the
  /// program file, or absolute), for `tessera-run --check`; may be empty.
  std::string source;
  std::vector<CoreStream> streams;
  std::vector<ConstBlob> consts;
  std::vector<IoEntry> io;
  std::vector<DebugEntry> debug;
  /// The loaded file that constants' `mapped` bytes point into.
  std::shared_ptr<const void> image;

  /// The instructions stream `i` runs: its own, or those of the stream it
  /// shares the code of.
  const std::vector<Instr> &code(uint32_t i) const {
    const CoreStream &s = streams[i];
    return s.shares < streams.size() ? streams[s.shares].instrs : s.instrs;
  }
  /// The debug location of an instruction, or "".
  std::string locOf(uint32_t stream, uint32_t instr) const;
  /// "core cube#3 instr 17 (mmad) [node name]" for error messages.
  std::string describeInstr(const target::TargetDesc &t, uint32_t stream,
                            uint32_t instr) const;
  /// Instructions stored in the program: shared code counts once.
  size_t numInstrs() const;
};

/// Checks the control structure of one instruction stream: every `loop` has
/// a matching `endloop` (and the reverse), loops nest no deeper than the
/// target's scalar.max_loop_depth, and a skip lands inside the stream
/// (at most on its `end`) without entering or leaving a loop. On success
/// fills `match` (when given): for a loop the index of its endloop, for an
/// endloop the index of its loop, else 0. On failure `errorInstr` is the
/// offending instruction.
bool analyzeControl(const std::vector<Instr> &instrs,
                    const target::TargetDesc &t, std::vector<uint32_t> *match,
                    std::string &error, uint32_t &errorInstr);

/// Binds a program to a target (name and hash) and checks every instruction,
/// the stream headers, the I/O table and the constants against it. Without
/// `checkCode` the streams' instructions are left out (a program whose code
/// is still packed; verifyStreamCode checks each when it is unpacked).
bool verifyProgram(const Program &p, const target::TargetDesc &t,
                   std::string &error, bool checkCode = true);
/// Checks the instructions of stream `si` (verifyProgram's part per stream).
bool verifyStreamCode(const Program &p, uint32_t si,
                      const target::TargetDesc &t, std::string &error);

/// A stream's instructions in their file encoding, about a fifth of the
/// bytes of `Instr`s: how the code generator holds an unrolled program (6
/// million instructions for DeepSeek-V2-Lite's prefill of 1024 tokens, 3.4
/// GB as `Instr`s) until each stream is synchronized and folded on its own.
struct PackedStream {
  std::vector<uint8_t> bytes;
  uint32_t count = 0;
};
void packInstr(PackedStream &s, const Instr &in);
/// Appends the instructions of `s` to `out`.
bool unpackStream(const PackedStream &s, std::vector<Instr> &out,
                  std::string &error);
/// Adds `delta` to field `ints[k]` of the instruction packed at byte `at`
/// of `s` (the encoding keeps its length).
bool addToPackedInt(PackedStream &s, size_t at, unsigned k, int64_t delta);
/// Records `t` as the program's target (and embeds its description unless
/// it is an unmodified preset).
void setTarget(Program &p, const target::TargetDesc &t);
/// The target a loaded program runs on: `override` (a preset or JSON path)
/// if given; else the description embedded in the program; else
/// `<program dir>/<target name>.json` beside the program; else the preset of
/// that name. The result still has to pass verifyProgram (name and hash).
bool resolveProgramTarget(const Program &p, const std::string &programPath,
                          const std::string &override, target::TargetDesc &out,
                          std::string &error);

struct WriteOptions {
  /// If set, constants of at least `externalThreshold` bytes go to this
  /// weight file (written next to the program) instead of inline.
  std::string externalWeightFile;
  uint64_t externalThreshold = 4096;
};

/// A weight file assembled from constants' bytes without copying them: the
/// file is a list of pieces pointing at bytes held elsewhere (the
/// compiler's resource blobs, a loaded checkpoint), which must outlive the
/// write. A model's weights are most of its programs' bytes: a copy of
/// them costs a fresh, zeroed allocation of the whole size. One weight
/// file may serve several programs (prefill and decode): a constant whose
/// bytes it already holds points at them.
class WeightFile {
public:
  /// Places `size` bytes at a 64-byte aligned offset (or at an identical
  /// earlier copy's) and returns it.
  uint64_t place(const uint8_t *data, uint64_t size, uint64_t checksum);
  /// Reserves room for `size` bytes that are not written (a constant of a
  /// weight-layout manifest). `key` names the constant: reserving the same
  /// key and size again returns the same offset.
  uint64_t reserve(const std::string &key, uint64_t size);
  /// The file's size, reserved room included.
  uint64_t size() const { return end; }
  /// True if some room is reserved: the file's bytes are not all known.
  bool hasReserved() const { return !reserved.empty(); }
  /// The reserved room, by offset: the name reserve() was given (a second
  /// constant of one name in one program is "NAME@GM_ADDRESS").
  struct Room {
    std::string name;
    uint64_t offset, size;
  };
  std::vector<Room> reservedRoom() const;
  /// The file's contents in order (zero padding between constants); empty
  /// if any room is reserved.
  std::vector<std::pair<const uint8_t *, uint64_t>> pieces() const;

private:
  struct Placed {
    uint64_t offset;
    const uint8_t *data;
    uint64_t size;
  };
  uint64_t alignEnd();
  std::vector<Placed> placed;
  std::map<uint64_t, std::vector<size_t>> byChecksum; // into `placed`
  std::map<std::pair<std::string, uint64_t>, uint64_t> reserved;
  uint64_t end = 0;
};

/// Encodes a program. Never fails on a verified program. With `weights`,
/// the constants WriteOptions puts in a weight file are placed in it.
std::vector<uint8_t> encodeProgram(const Program &p,
                                   const WriteOptions &opts = {},
                                   WeightFile *weights = nullptr);
bool writeProgramFile(const std::string &path, const Program &p,
                      std::string &error, const WriteOptions &opts = {});

/// Writes the file checksum (bytes 24..31) of an image of at least the
/// header's size, the way the version in its header computes it. For tools
/// and tests that patch an image on purpose.
void sealImage(uint8_t *data, size_t size);

/// Decodes a program image. Errors name the byte offset and the field.
/// External constants are read relative to `baseDir` (when not empty).
/// Given `image` (the owner of `data`), inline constants are not copied:
/// they point into `data`, and the program keeps `image` alive.
bool decodeProgram(const uint8_t *data, size_t size, Program &out,
                   std::string &error, const std::string &baseDir = "",
                   std::shared_ptr<const void> image = nullptr);
/// Loads a program file: mapped read-only (its inline constants are read in
/// place) when it is a regular file, read otherwise.
bool readProgramFile(const std::string &path, Program &out, std::string &error);

} // namespace tessera::bin

#endif // TESSERA_BINARY_PROGRAM_H
