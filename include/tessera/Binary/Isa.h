//===- Isa.h - The NPU instruction set, independent of MLIR -----*- C++ -*-===//
//
// One definition of every instruction: its mnemonic, its pipe, its tile
// operands and integer/float fields. The isa dialect, the .npu encoding, the
// disassembler and the simulator all read this table, so they cannot drift.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_BINARY_ISA_H
#define TESSERA_BINARY_ISA_H

#include "tessera/Support/Tensor.h"
#include "tessera/Target/Target.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace tessera::bin {

using target::Pipe;
using target::Space;

/// ND: row-major with explicit strides. NZ: Ascend's fractal layout for
/// 2-D tiles: 16-row x (32 B) column blocks, blocks ordered column-major.
enum class Layout : uint8_t { ND, NZ };
const char *layoutName(Layout l);

constexpr unsigned kMaxRank = 4;
/// Register terms a tile's offset may add (base + sum of reg x stride).
constexpr unsigned kMaxAddrTerms = 3;

/// One register-relative term of a tile's offset: reg's value x `stride`
/// bytes, added when the scalar unit issues the instruction.
struct RegTerm {
  uint8_t reg = 0;
  int64_t stride = 0;
  bool operator==(const RegTerm &o) const {
    return reg == o.reg && stride == o.stride;
  }
};

/// A tile descriptor: where a (up to 4-D) tile lives and how it is laid out.
/// Offsets are in bytes inside the space; strides are in elements.
///
/// A tile may be register-relative: its offset adds `terms` (register x byte
/// stride), and one dimension (`extentDim`) may take its size from a
/// register, the static size being its maximum. The scalar unit resolves
/// both when it issues the instruction (see resolve()); everything else sees
/// resolved tiles.
struct Tile {
  // The one-byte fields first, together: no padding between them (the
  // compiler holds hundreds of thousands of instructions of four tiles).
  Space space = Space::GM;
  DType dtype = DType::F32;
  Layout layout = Layout::ND;
  uint8_t rank = 1;
  uint8_t numTerms = 0;
  int8_t extentDim = -1; // -1: every extent is static
  uint8_t extentReg = 0;
  uint64_t offset = 0;
  int64_t shape[kMaxRank] = {1, 1, 1, 1};
  int64_t strides[kMaxRank] = {1, 0, 0, 0};
  RegTerm terms[kMaxAddrTerms];

  bool isRegRelative() const { return numTerms || extentDim >= 0; }
  /// The tile with the registers' values substituted. Fails (with a message
  /// naming the registers and their values) when the offset leaves
  /// [0, 2^63) or the extent leaves [0, static size]; `empty` is set when
  /// the extent is 0 (the instruction then moves nothing).
  bool resolve(const int64_t *regs, Tile &out, bool &empty,
               std::string &error) const;

  int64_t numElements() const;
  int64_t elemBytes() const { return dtypeByteSize(dtype); }
  /// Sets row-major strides for the current shape.
  void setContiguous();
  bool isContiguous() const;
  /// Byte offset (inside the space) of the element with multi-index `idx`.
  uint64_t byteAddress(const int64_t *idx) const;
  /// One past the last byte the tile can touch.
  uint64_t endByte() const;
  /// Length in bytes of the innermost contiguous run (for DMA burst costs).
  uint64_t contiguousRunBytes() const;
  int64_t rows() const; // product of all but the innermost dim
  bool operator==(const Tile &o) const;
  /// Equal but for `offset`: the same shape, layout, address terms and
  /// extent (what loop folding and shared code may turn into a register).
  bool sameButOffset(const Tile &o) const;
};

/// Builds an ND tile with row-major strides.
Tile makeTile(Space space, uint64_t offset, DType dtype, const Shape &shape,
              Layout layout = Layout::ND);

/// Opcodes, numbered as in a .npu stream. Generated, like the OpInfo table,
/// from the isa dialect's ODS (dialects/Isa/IR/IsaOps.td).
enum class Opcode : uint16_t {
#define TESSERA_ISA_OPCODE(name, num) name = num,
#include "tessera/Binary/IsaTable.inc"
  NumOpcodes
};
constexpr unsigned kNumOpcodes = (unsigned)Opcode::NumOpcodes;

enum class OpClass : uint8_t {
  Dma,     // dma_ld/st, mv: element-wise copy between two tiles
  Gather,  // dma_gather/scatter
  Dequant, // dma_ld_i4/f8: a quantized weight's rows into a [K, N] tile
  Mmad,
  Fix,
  VBinary, // dst = a op b (numpy broadcasting of b and a to dst)
  VScalar, // dst = a op scalar
  VUnary,
  VCast,
  VCmp,
  VSel,
  VMulAdd, // dst = a * b + c (numpy broadcasting of a, b, c to dst)
  VDup,
  VReduce,
  VTopK,
  VTrans,
  Sync,
  Cpu,
  End,
  Prefetch, // l2_prefetch: handed to the chip's cache engine by the scalar
            // unit (pipe S, never queued, never waited for)
  Discard,  // l2_discard, l2_evict: the L2's range operations, done by the
            // scalar unit as it issues them (pipe S, never queued)
  // The scalar unit's own instructions (pipe S, never queued).
  SAlu,    // rd = ra op (rb + imm)
  SLoad,   // rd = GM i32 at ra + offset
  SStore,  // GM i32 at ra + offset = rs
  Loop,    // loop ri, rc + count
  EndLoop, // end of the innermost loop body
  Skip,    // skip the next n instructions if a register is (non)zero
  SArg,    // rd = the stream's launch argument `index`
};

/// Whether an instruction is control executed by the scalar unit itself.
inline bool isScalarControl(OpClass c) { return c >= OpClass::SAlu; }

/// What an integer field holds (how the isa dialect prints it).
enum class IntKind : uint8_t {
  Int,   // a plain integer
  Flag,  // 0/1, a unit attribute (acc, relu, sat, transpose)
  Pipe,  // a pipe (or ALL for barrier)
  Cmp,   // a CmpKind
  CpuFn, // a CpuFn
  Reg,   // a scalar register number
};

/// How an instruction's pipe is chosen.
enum class PipeRule : uint8_t {
  Fixed,    // OpInfo::pipe
  FromInt0, // the first integer field names the pipe (barrier, xset, xwait)
  FromInt1, // the second (wait_flag: the destination pipe)
  EndPipe,  // S, or AICPU on an AI-CPU stream
};

struct OpInfo {
  const char *mnemonic;
  OpClass cls;
  PipeRule pipeRule;
  Pipe pipe;
  uint8_t numTiles;
  const char *tileNames[4];
  uint8_t numInts;
  const char *intNames[4];
  IntKind intKinds[4];
  const char *floatName; // nullptr: no float field
  float floatDefault;    // its value when the assembly leaves it out
  /// Cost-table key for vector ops ("add", "exp"), else nullptr.
  const char *costKey;
  const char *summary;
};

const OpInfo &opInfo(Opcode op);
std::optional<Opcode> parseOpcode(const std::string &mnemonic);

/// Integer codes of vcmp's predicate and cpu's function.
enum class CmpKind : uint8_t { EQ, NE, LT, LE, GT, GE };
constexpr unsigned kNumCmpKinds = 6;
const char *cmpKindName(int64_t k);
enum class CpuFn : uint8_t {
  Copy,
  Exp,
  Erf,
  CumSum,
  SortDesc,
  ArgMax,
  Asin,
  Acos,
  Atan
};
constexpr unsigned kNumCpuFns = 9;
const char *cpuFnName(int64_t f);
/// barrier's pipe field value meaning "every pipe of the core".
constexpr int64_t kBarrierAll = target::kNumPipes;

/// Stream core type of an AI-CPU stream (core types otherwise index the
/// target's `cores` list).
constexpr uint32_t kAiCpuCoreType = 0xFFFF;

struct Instr {
  Opcode op = Opcode::End;
  Pipe pipe = Pipe::S;
  float fimm = 0.0f;
  Tile tiles[4];
  int64_t ints[4] = {0, 0, 0, 0};

  const OpInfo &info() const { return opInfo(op); }
  bool operator==(const Instr &o) const;
};

/// The pipe an instruction runs on, from its opcode and fields.
Pipe derivePipe(const Instr &in, bool onAiCpu);

/// Makes an instruction from its tile operands, integer fields and float
/// field, with the pipe derived from them.
Instr makeInstr(Opcode op, std::initializer_list<Tile> tiles,
                std::initializer_list<int64_t> ints = {}, float fimm = 0,
                bool onAiCpu = false);

/// Checks one instruction against the ISA rules and the target: legal spaces
/// for each operand and pipe, alignment, capacity, dtype support, shapes,
/// flag ids. `coreType` is an index into target.coreTypes or kAiCpuCoreType.
/// Returns false with a message naming the operand and the rule.
bool verifyInstr(const Instr &in, const target::TargetDesc &t,
                 uint32_t coreType, std::string &error);

/// Short text of a tile ("UB+0x100 16x16xbf16", "GM+0x0+r3*512 ...").
std::string describeTile(const Tile &t);

} // namespace tessera::bin

#endif // TESSERA_BINARY_ISA_H
