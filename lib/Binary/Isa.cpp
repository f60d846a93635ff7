//===- Isa.cpp - Instruction table and target-aware instruction checks ----===//
#include "tessera/Binary/Isa.h"

#include <cstring>
#include <sstream>

namespace tessera::bin {

using target::TargetDesc;

const char *layoutName(Layout l) { return l == Layout::NZ ? "nz" : "nd"; }

namespace {
const OpInfo kOps[kNumOpcodes] = {
#define TESSERA_ISA_OPINFO
#include "tessera/Binary/IsaTable.inc"
};
} // namespace

const OpInfo &opInfo(Opcode op) {
  return kOps[(unsigned)op < kNumOpcodes ? (unsigned)op
                                         : (unsigned)Opcode::End];
}

std::optional<Opcode> parseOpcode(const std::string &m) {
  for (unsigned i = 0; i < kNumOpcodes; ++i)
    if (m == kOps[i].mnemonic)
      return (Opcode)i;
  return std::nullopt;
}

const char *cmpKindName(int64_t k) {
  static const char *n[] = {"eq", "ne", "lt", "le", "gt", "ge"};
  return k >= 0 && k < (int64_t)kNumCmpKinds ? n[k] : "?";
}
const char *cpuFnName(int64_t f) {
  static const char *n[] = {"copy",   "exp",  "erf",  "cumsum", "sort_desc",
                            "argmax", "asin", "acos", "atan"};
  return f >= 0 && f < (int64_t)kNumCpuFns ? n[f] : "?";
}

//===----------------------------------------------------------------------===//
// Tiles
//===----------------------------------------------------------------------===//

int64_t Tile::numElements() const {
  int64_t n = 1;
  for (unsigned i = 0; i < rank; ++i)
    n *= shape[i];
  return n;
}

void Tile::setContiguous() {
  int64_t s = 1;
  for (int i = (int)rank - 1; i >= 0; --i) {
    strides[i] = s;
    s *= shape[i];
  }
  for (unsigned i = rank; i < kMaxRank; ++i)
    strides[i] = 0;
}

bool Tile::isContiguous() const {
  if (layout != Layout::ND)
    return false;
  int64_t s = 1;
  for (int i = (int)rank - 1; i >= 0; --i) {
    if (shape[i] != 1 && strides[i] != s)
      return false;
    s *= shape[i];
  }
  return true;
}

int64_t Tile::rows() const {
  int64_t r = 1;
  for (unsigned i = 0; i + 1 < rank; ++i)
    r *= shape[i];
  return r;
}

static int64_t nzC0(const Tile &t) {
  int64_t c0 = 32 / t.elemBytes();
  return c0 < 1 ? 1 : c0;
}

uint64_t Tile::byteAddress(const int64_t *idx) const {
  int64_t e = 0;
  if (layout == Layout::NZ) {
    // Rank 2: [R, C] -> blocks of (R x c0), block-major over columns.
    int64_t R = shape[0], c0 = nzC0(*this);
    int64_t r = idx[0], c = idx[1];
    e = ((c / c0) * R + r) * c0 + (c % c0);
  } else {
    for (unsigned i = 0; i < rank; ++i)
      e += idx[i] * strides[i];
  }
  return offset + (uint64_t)e * elemBytes();
}

uint64_t Tile::endByte() const {
  if (layout == Layout::NZ)
    return offset + (uint64_t)numElements() * elemBytes();
  int64_t last = 0;
  for (unsigned i = 0; i < rank; ++i)
    last += (shape[i] - 1) * strides[i];
  return offset + (uint64_t)(last + 1) * elemBytes();
}

uint64_t Tile::contiguousRunBytes() const {
  if (layout == Layout::NZ)
    return (uint64_t)nzC0(*this) * elemBytes() * shape[0];
  int64_t run = 1;
  for (int i = (int)rank - 1; i >= 0; --i) {
    if (strides[i] != run)
      break;
    run *= shape[i];
  }
  return (uint64_t)run * elemBytes();
}

bool Tile::operator==(const Tile &o) const {
  return offset == o.offset && sameButOffset(o);
}

bool Tile::sameButOffset(const Tile &o) const {
  if (space != o.space || dtype != o.dtype || layout != o.layout ||
      rank != o.rank)
    return false;
  for (unsigned i = 0; i < rank; ++i)
    if (shape[i] != o.shape[i] || strides[i] != o.strides[i])
      return false;
  if (numTerms != o.numTerms || extentDim != o.extentDim ||
      (extentDim >= 0 && extentReg != o.extentReg))
    return false;
  for (unsigned i = 0; i < numTerms; ++i)
    if (!(terms[i] == o.terms[i]))
      return false;
  return true;
}

bool Tile::resolve(const int64_t *regs, Tile &out, bool &empty,
                   std::string &error) const {
  out = *this;
  out.numTerms = 0;
  out.extentDim = -1;
  empty = false;
  auto regText = [&]() {
    std::string s;
    for (unsigned i = 0; i < numTerms; ++i)
      s += (s.empty() ? "" : ", ") + ("r" + std::to_string(terms[i].reg)) +
           " = " + std::to_string(regs[terms[i].reg]);
    if (extentDim >= 0)
      s += (s.empty() ? "" : ", ") + ("r" + std::to_string(extentReg)) + " = " +
           std::to_string(regs[extentReg]);
    return s;
  };
  // 128-bit arithmetic: a register times a stride must not wrap silently.
  __int128 off = (__int128)offset;
  for (unsigned i = 0; i < numTerms; ++i)
    off += (__int128)regs[terms[i].reg] * terms[i].stride;
  if (off < 0 || off > (__int128)(uint64_t(1) << 62)) {
    error =
        "register-relative offset " +
        (off < 0 ? std::string("is negative") : std::string("exceeds 2^62")) +
        " (" + regText() + ")";
    return false;
  }
  out.offset = (uint64_t)off;
  if (extentDim >= 0) {
    int64_t v = regs[extentReg];
    if (v < 0 || v > shape[extentDim]) {
      error = "register extent of dimension " + std::to_string(extentDim) +
              " is " + std::to_string(v) + ", outside [0, " +
              std::to_string(shape[extentDim]) + "] (" + regText() + ")";
      return false;
    }
    if (v == 0) {
      empty = true;
      out.shape[extentDim] = 1;
    } else {
      out.shape[extentDim] = v;
    }
  }
  return true;
}

Tile makeTile(Space space, uint64_t offset, DType dtype, const Shape &shape,
              Layout layout) {
  Tile t;
  t.space = space;
  t.offset = offset;
  t.dtype = dtype;
  t.layout = layout;
  t.rank = (uint8_t)shape.size();
  for (unsigned i = 0; i < t.rank && i < kMaxRank; ++i)
    t.shape[i] = shape[i];
  t.setContiguous();
  return t;
}

bool Instr::operator==(const Instr &o) const {
  if (op != o.op || pipe != o.pipe)
    return false;
  const OpInfo &inf = info();
  for (unsigned i = 0; i < inf.numTiles; ++i)
    if (!(tiles[i] == o.tiles[i]))
      return false;
  for (unsigned i = 0; i < inf.numInts; ++i)
    if (ints[i] != o.ints[i])
      return false;
  if (inf.floatName && std::memcmp(&fimm, &o.fimm, sizeof(float)) != 0)
    return false;
  return true;
}

std::string describeTile(const Tile &t) {
  std::ostringstream os;
  os << target::spaceName(t.space) << "+0x" << std::hex << t.offset << std::dec;
  for (unsigned i = 0; i < t.numTerms; ++i)
    os << "+r" << (unsigned)t.terms[i].reg << "*" << t.terms[i].stride;
  os << " ";
  for (unsigned i = 0; i < t.rank; ++i) {
    if ((int)i == t.extentDim)
      os << "(r" << (unsigned)t.extentReg << "<=";
    os << t.shape[i] << ((int)i == t.extentDim ? ")" : "") << "x";
  }
  os << dtypeName(t.dtype);
  return os.str();
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

Pipe derivePipe(const Instr &in, bool onAiCpu) {
  const OpInfo &inf = in.info();
  switch (inf.pipeRule) {
  case PipeRule::Fixed:
    return inf.pipe;
  case PipeRule::FromInt0:
    if (in.op == Opcode::Barrier && in.ints[0] == kBarrierAll)
      return Pipe::S;
    return (in.ints[0] >= 0 && in.ints[0] < target::kNumPipes)
               ? (Pipe)in.ints[0]
               : Pipe::S;
  case PipeRule::FromInt1:
    return (in.ints[1] >= 0 && in.ints[1] < target::kNumPipes)
               ? (Pipe)in.ints[1]
               : Pipe::S;
  case PipeRule::EndPipe:
    return onAiCpu ? Pipe::AICPU : Pipe::S;
  }
  return Pipe::S;
}

Instr makeInstr(Opcode op, std::initializer_list<Tile> tiles,
                std::initializer_list<int64_t> ints, float fimm, bool onAiCpu) {
  Instr in;
  in.op = op;
  unsigned i = 0;
  for (const Tile &t : tiles)
    in.tiles[i++] = t;
  i = 0;
  for (int64_t v : ints)
    in.ints[i++] = v;
  in.fimm = fimm;
  in.pipe = derivePipe(in, onAiCpu);
  return in;
}

namespace {
struct Checker {
  const Instr &in;
  const TargetDesc &t;
  uint32_t coreType;
  std::string &error;

  bool fail(const std::string &msg) {
    error = msg;
    return false;
  }
  std::string opnd(unsigned i) const {
    return std::string("operand '") + in.info().tileNames[i] + "'";
  }
  bool onAiCpu() const { return coreType == kAiCpuCoreType; }

  bool pipeOnCore(Pipe p, const char *what) {
    if (onAiCpu()) {
      if (p != Pipe::AICPU)
        return fail(std::string(what) + " pipe " + target::pipeName(p) +
                    " does not exist on the AI-CPU");
      return true;
    }
    const target::CoreTypeDesc &ct = t.coreTypes[coreType];
    if (!ct.hasPipe(p))
      return fail(std::string(what) + " pipe " + target::pipeName(p) +
                  " does not exist on '" + ct.name + "' cores of target '" +
                  t.name + "'");
    return true;
  }

  bool tileWellFormed(unsigned i) {
    const Tile &tl = in.tiles[i];
    if ((unsigned)tl.space >= target::kNumSpaces)
      return fail(opnd(i) + ": invalid memory space");
    if (tl.rank < 1 || tl.rank > kMaxRank)
      return fail(opnd(i) + ": rank must be 1 to 4");
    for (unsigned d = 0; d < tl.rank; ++d) {
      if (tl.shape[d] < 1 || tl.shape[d] > (int64_t(1) << 40))
        return fail(opnd(i) + ": dimension " + std::to_string(d) +
                    " has size " + std::to_string(tl.shape[d]) +
                    " (must be >= 1)");
      if (tl.strides[d] < 0 || tl.strides[d] > (int64_t(1) << 40))
        return fail(opnd(i) + ": stride " + std::to_string(d) +
                    " out of range");
    }
    for (unsigned k = 0; k < tl.numTerms; ++k)
      if (!regInRange(tl.terms[k].reg, opnd(i) + " offset term"))
        return false;
    if (tl.numTerms > kMaxAddrTerms)
      return fail(opnd(i) + ": at most " + std::to_string(kMaxAddrTerms) +
                  " register terms");
    if (tl.extentDim >= 0) {
      if (tl.extentDim >= (int)tl.rank)
        return fail(opnd(i) + ": register extent of dimension " +
                    std::to_string(tl.extentDim) + " in a rank-" +
                    std::to_string(tl.rank) + " tile");
      if (tl.layout == Layout::NZ)
        return fail(opnd(i) + ": an nz tile cannot take an extent from a "
                              "register");
      if (!regInRange(tl.extentReg, opnd(i) + " extent"))
        return false;
    }
    // Broadcast strides (0) can describe tiles far larger than any memory;
    // keep every tile within what a host can materialize. The product is
    // bounded as it is formed: four dimensions of 2^40 overflow int64.
    int64_t elements = 1;
    for (unsigned d = 0; d < tl.rank; ++d) {
      if (elements > (int64_t(1) << 28) / tl.shape[d])
        return fail(opnd(i) + ": " + shapeToString(Shape(
                                         tl.shape, tl.shape + tl.rank)) +
                    " exceeds the limit of 2^28 elements per tile");
      elements *= tl.shape[d];
    }
    if (tl.layout == Layout::NZ) {
      int64_t c0 = 32 / tl.elemBytes();
      if (tl.rank != 2)
        return fail(opnd(i) + ": the nz layout needs a 2-D tile");
      if (tl.shape[0] % 16 != 0 || tl.shape[1] % c0 != 0)
        return fail(opnd(i) + ": an nz tile of " + dtypeName(tl.dtype) +
                    " needs rows % 16 == 0 and cols % " + std::to_string(c0) +
                    " == 0");
    }
    const target::SpaceDesc &sd = t.space(tl.space);
    if (!sd.present)
      return fail(opnd(i) + ": memory space " + target::spaceName(tl.space) +
                  " does not exist on target '" + t.name + "'");
    if (!target::isGlobalSpace(tl.space)) {
      if (onAiCpu())
        return fail(opnd(i) + ": the AI-CPU only reaches GM");
      if (!t.coreTypes[coreType].hasSpace(tl.space))
        return fail(opnd(i) + ": '" + t.coreTypes[coreType].name +
                    "' cores have no " + target::spaceName(tl.space));
    }
    if (tl.offset % sd.align != 0)
      return fail(opnd(i) + ": offset " + std::to_string(tl.offset) + " in " +
                  target::spaceName(tl.space) + " is not " +
                  std::to_string(sd.align) + "-byte aligned");
    // endByte() in 128 bits: an offset and strides read from a file can
    // make the 64-bit sum wrap around to a small, "valid" end.
    unsigned __int128 span = (unsigned __int128)elements * tl.elemBytes();
    if (tl.layout != Layout::NZ) {
      unsigned __int128 last = 0;
      for (unsigned d = 0; d < tl.rank; ++d)
        last += (unsigned __int128)(tl.shape[d] - 1) * tl.strides[d];
      span = (last + 1) * tl.elemBytes();
    }
    unsigned __int128 end = (unsigned __int128)tl.offset + span;
    if (end > sd.bytes)
      return fail(opnd(i) + ": tile ends at byte " +
                  (end >> 64 ? std::string("2^64 or more")
                             : std::to_string((uint64_t)end)) +
                  ", beyond the " + std::to_string(sd.bytes) + "-byte " +
                  target::spaceName(tl.space));
    return true;
  }

  bool role(unsigned i, std::initializer_list<Space> roles) {
    Space s = in.tiles[i].space;
    std::string names;
    for (Space r : roles) {
      if (t.spaceServes(s, r))
        return true;
      names += std::string(names.empty() ? "" : ", ") + target::spaceName(r);
    }
    return fail(opnd(i) + " is in " + target::spaceName(s) + "; " +
                in.info().mnemonic + " needs " + names);
  }

  bool path(unsigned dst, unsigned src) {
    const target::DmaPath *p =
        t.findPath(in.tiles[src].space, in.tiles[dst].space, in.pipe);
    if (!p)
      p = t.findPath(in.tiles[src].space, in.tiles[dst].space);
    if (!p)
      return fail(std::string("target '") + t.name + "' has no DMA path " +
                  target::spaceName(in.tiles[src].space) + " -> " +
                  target::spaceName(in.tiles[dst].space));
    if (p->pipe != in.pipe)
      return fail(std::string("the DMA path ") +
                  target::spaceName(in.tiles[src].space) + " -> " +
                  target::spaceName(in.tiles[dst].space) + " is served by " +
                  target::pipeName(p->pipe) + ", not " +
                  target::pipeName(in.pipe));
    return true;
  }

  bool sameCount(unsigned a, unsigned b) {
    if (in.tiles[a].numElements() != in.tiles[b].numElements())
      return fail(opnd(a) + " has " +
                  std::to_string(in.tiles[a].numElements()) + " elements but " +
                  opnd(b) + " has " +
                  std::to_string(in.tiles[b].numElements()));
    return true;
  }
  bool sameDType(unsigned a, unsigned b) {
    if (in.tiles[a].dtype != in.tiles[b].dtype)
      return fail(opnd(a) + " is " + dtypeName(in.tiles[a].dtype) + " but " +
                  opnd(b) + " is " + dtypeName(in.tiles[b].dtype));
    return true;
  }
  bool vecDType(unsigned i) {
    for (DType d : t.vectorDTypes)
      if (d == in.tiles[i].dtype)
        return true;
    return fail(opnd(i) + ": the vector unit of '" + t.name +
                "' does not support " + dtypeName(in.tiles[i].dtype));
  }
  bool broadcastable(unsigned src, unsigned dst) {
    const Tile &s = in.tiles[src], &d = in.tiles[dst];
    if (s.rank > d.rank)
      return fail(opnd(src) + " has a higher rank than " + opnd(dst));
    for (unsigned k = 0; k < s.rank; ++k) {
      int64_t sd = s.shape[s.rank - 1 - k], dd = d.shape[d.rank - 1 - k];
      if (sd != dd && sd != 1)
        return fail(opnd(src) + " does not broadcast to the shape of " +
                    opnd(dst));
    }
    return true;
  }
  bool regInRange(int64_t r, const std::string &what) {
    if (r < 0 || r >= (int64_t)t.scalar.registers)
      return fail(what + ": register r" + std::to_string(r) +
                  " out of range (target '" + t.name + "' has r0-r" +
                  std::to_string(t.scalar.registers - 1) + ")");
    return true;
  }
  /// Register fields in range; a written register must not be r0.
  bool regFields() {
    const OpInfo &inf = in.info();
    for (unsigned i = 0; i < inf.numInts; ++i)
      if (inf.intKinds[i] == IntKind::Reg &&
          !regInRange(in.ints[i],
                      std::string("field '") + inf.intNames[i] + "'"))
        return false;
    bool writesReg = inf.cls == OpClass::SAlu || inf.cls == OpClass::SLoad ||
                     inf.cls == OpClass::SArg;
    if (writesReg && in.ints[0] == 0)
      return fail("writes r0, which always reads as zero");
    return true;
  }
  bool intRange(unsigned i, int64_t lo, int64_t hi) {
    if (in.ints[i] < lo || in.ints[i] > hi)
      return fail(std::string("field '") + in.info().intNames[i] +
                  "' = " + std::to_string(in.ints[i]) + " out of range [" +
                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return true;
  }

  bool run() {
    if ((unsigned)in.op >= kNumOpcodes)
      return fail("opcode " + std::to_string((unsigned)in.op) +
                  " out of range");
    if (coreType != kAiCpuCoreType && coreType >= t.coreTypes.size())
      return fail("core type out of range");
    if (onAiCpu() && !t.aicpu.present)
      return fail("target '" + t.name + "' has no AI-CPU");
    const OpInfo &inf = in.info();
    // Pipe fields first: the pipe the instruction runs on derives from them.
    if (inf.cls == OpClass::Sync) {
      int np = in.op == Opcode::Barrier                          ? 1
               : in.op == Opcode::XSet || in.op == Opcode::XWait ? 1
                                                                 : 2;
      for (int k = 0; k < np; ++k)
        if (!intRange(k, 0,
                      in.op == Opcode::Barrier ? kBarrierAll
                                               : target::kNumPipes - 1))
          return false;
    }
    Pipe want = derivePipe(in, onAiCpu());
    if (in.pipe != want)
      return fail(std::string("runs on pipe ") + target::pipeName(in.pipe) +
                  " but " + inf.mnemonic + " belongs to pipe " +
                  target::pipeName(want));
    if (!pipeOnCore(in.pipe, inf.mnemonic))
      return false;
    for (unsigned i = 0; i < inf.numTiles; ++i)
      if (!tileWellFormed(i))
        return false;

    switch (inf.cls) {
    case OpClass::Dma:
      if (in.op == Opcode::DmaLd) {
        if (!role(0, {Space::L1, Space::UB}) ||
            !role(1, {Space::GM, Space::L2}))
          return false;
      } else if (in.op == Opcode::DmaSt) {
        if (!role(0, {Space::GM, Space::L2}) ||
            !role(1, {Space::UB, Space::L1}))
          return false;
      } else { // mv
        if (!role(0, {Space::L0A, Space::L0B}) || !role(1, {Space::L1}) ||
            !intRange(0, 0, 1))
          return false;
        if (in.ints[0]) {
          const Tile &d = in.tiles[0], &s = in.tiles[1];
          if (d.rank != 2 || s.rank != 2 || d.shape[0] != s.shape[1] ||
              d.shape[1] != s.shape[0])
            return fail("a transposing mv needs 2-D tiles with swapped shapes");
        }
      }
      // dma_ld may widen i8 into a float tile (weight-only quantized
      // matmuls dequantize in the load path); every other copy keeps its
      // dtype.
      if (in.op == Opcode::DmaLd && in.tiles[1].dtype == DType::I8 &&
          isFloatDType(in.tiles[0].dtype))
        return path(0, 1) && sameCount(0, 1);
      return path(0, 1) && sameCount(0, 1) && sameDType(0, 1);
    case OpClass::Gather: {
      bool gather = in.op == Opcode::DmaGather;
      if (gather ? (!role(0, {Space::L1, Space::UB}) || !role(1, {Space::GM}))
                 : (!role(0, {Space::GM}) || !role(1, {Space::UB, Space::L1})))
        return false;
      if (!role(2, {Space::UB, Space::L1}))
        return false;
      const Tile &idx = in.tiles[2];
      if (idx.dtype != DType::I32)
        return fail("operand 'index' must be i32");
      const Tile &rowsT = gather ? in.tiles[0] : in.tiles[1];
      const Tile &table = gather ? in.tiles[1] : in.tiles[0];
      if (rowsT.rank != 2 || table.rank != 2)
        return fail("gather/scatter need 2-D data tiles [rows, row]");
      if (idx.numElements() != rowsT.shape[0])
        return fail("operand 'index' must have one entry per row");
      if (rowsT.shape[1] != table.shape[1])
        return fail("the row lengths of 'dst' and 'src' differ");
      return path(0, 1) && sameDType(0, 1);
    }
    case OpClass::Dequant: {
      if (!role(0, {Space::L1, Space::UB}) || !role(1, {Space::GM}) ||
          !role(2, {Space::GM}) || !path(0, 1))
        return false;
      bool int4 = in.op == Opcode::DmaLdI4;
      if (int4 && !role(3, {Space::GM}))
        return false;
      const Tile &d = in.tiles[0], &s = in.tiles[1], &sc = in.tiles[2];
      if (!isFloatDType(d.dtype))
        return fail("operand 'dst' must be a float tile, got " +
                    std::string(dtypeName(d.dtype)));
      if (s.dtype != DType::U8 || (int4 && in.tiles[3].dtype != DType::U8))
        return fail(int4 ? "operands 'src' and 'zero' must be u8"
                         : "operand 'src' must be u8");
      if (sc.dtype != DType::F32)
        return fail("operand 'scale' must be f32");
      if (d.rank != 2 || s.rank != 2 || sc.rank != 2 ||
          (int4 && in.tiles[3].rank != 2))
        return fail(std::string(inf.mnemonic) + " needs 2-D tiles");
      if (s.strides[1] != 1)
        return fail("operand 'src' must have contiguous rows (stride 1)");
      int64_t k = d.shape[0], n = d.shape[1];
      int64_t blockN = int4 ? 1 : in.ints[0],
              blockK = int4 ? in.ints[0] : in.ints[1];
      int64_t phaseN = int4 ? 0 : in.ints[2],
              phaseK = int4 ? in.ints[1] : in.ints[3];
      if (!intRange(0, 1, 1 << 20) || (!int4 && !intRange(1, 1, 1 << 20)))
        return false;
      if (int4 && blockK % 2)
        return fail("field 'group' = " + std::to_string(blockK) +
                    " must be even");
      if (!intRange(int4 ? 1 : 3, 0, blockK - 1) ||
          (!int4 && !intRange(2, 0, blockN - 1)))
        return false;
      if (int4 && (phaseK % 2 || k % 2))
        return fail("an int4 piece starts and ends on a byte: phase " +
                    std::to_string(phaseK) + " and K = " + std::to_string(k) +
                    " must be even");
      int64_t rowBytes = int4 ? k / 2 : k;
      if (s.shape[0] != n || s.shape[1] != rowBytes)
        return fail("operand 'src' must be [" + std::to_string(n) + ", " +
                    std::to_string(rowBytes) + "] (dst is [" +
                    std::to_string(k) + ", " + std::to_string(n) + "])");
      int64_t gridN = (phaseN + n + blockN - 1) / blockN,
              gridK = (phaseK + k + blockK - 1) / blockK;
      for (unsigned i = 2; i < (int4 ? 4u : 3u); ++i)
        if (in.tiles[i].shape[0] != gridN || in.tiles[i].shape[1] != gridK)
          return fail(opnd(i) + " must be [" + std::to_string(gridN) + ", " +
                      std::to_string(gridK) + "] (the blocks dst covers)");
      return true;
    }
    case OpClass::Mmad: {
      if (!role(0, {Space::L0C}) || !role(1, {Space::L0A}) ||
          !role(2, {Space::L0B}) || !intRange(0, 0, 1))
        return false;
      const Tile &c = in.tiles[0], &a = in.tiles[1], &b = in.tiles[2];
      if (!sameDType(1, 2))
        return false;
      if (!t.fractal(a.dtype))
        return fail(std::string("the matrix engine of '") + t.name +
                    "' does not support " + dtypeName(a.dtype));
      DType acc = a.dtype == DType::I8 ? DType::I32 : DType::F32;
      if (c.dtype != acc)
        return fail(std::string("operand 'c' must be ") + dtypeName(acc) +
                    " to accumulate " + dtypeName(a.dtype));
      if (a.rank != 2 || b.rank != 2 || c.rank != 2)
        return fail("mmad needs 2-D tiles: c[m,n] += a[m,k] * b[k,n]");
      if (a.shape[0] != c.shape[0] || b.shape[1] != c.shape[1] ||
          a.shape[1] != b.shape[0])
        return fail(
            "mmad shapes disagree: c " + std::to_string(c.shape[0]) + "x" +
            std::to_string(c.shape[1]) + ", a " + std::to_string(a.shape[0]) +
            "x" + std::to_string(a.shape[1]) + ", b " +
            std::to_string(b.shape[0]) + "x" + std::to_string(b.shape[1]));
      return true;
    }
    case OpClass::Fix: {
      if (!role(0, {Space::GM, Space::L1, Space::UB}) ||
          !role(1, {Space::L0C}) || !intRange(0, 0, 1))
        return false;
      DType s = in.tiles[1].dtype, d = in.tiles[0].dtype;
      if (s != DType::F32 && s != DType::I32)
        return fail("operand 'src' of fix must be f32 or i32");
      if (d != DType::F32 && d != DType::F16 && d != DType::BF16 &&
          d != DType::I8 && d != DType::I32)
        return fail(std::string("fix cannot convert to ") + dtypeName(d));
      return path(0, 1) && sameCount(0, 1);
    }
    case OpClass::VBinary:
    case OpClass::VCmp:
      for (unsigned i = 0; i < 3; ++i)
        if (!role(i, {Space::UB}) || !vecDType(i))
          return false;
      if (!sameDType(1, 2) || !broadcastable(1, 0) || !broadcastable(2, 0))
        return false;
      if ((in.op == Opcode::VShl || in.op == Opcode::VShr) &&
          isFloatDType(in.tiles[0].dtype))
        return fail(std::string(inf.mnemonic) + " needs integer tiles");
      if ((in.op == Opcode::VShl || in.op == Opcode::VShr) && in.ints[0])
        return fail(std::string(inf.mnemonic) + " has no saturating form");
      if (inf.cls == OpClass::VBinary)
        return sameDType(0, 1) && intRange(0, 0, 1);
      return intRange(0, 0, kNumCmpKinds - 1);
    case OpClass::VScalar:
    case OpClass::VUnary:
      for (unsigned i = 0; i < 2; ++i)
        if (!role(i, {Space::UB}) || !vecDType(i))
          return false;
      if (inf.cls == OpClass::VUnary && in.op != Opcode::VAbs &&
          in.op != Opcode::VNeg && in.op != Opcode::VRelu &&
          !isFloatDType(in.tiles[0].dtype))
        return fail(std::string(inf.mnemonic) + " needs a floating-point tile");
      return sameDType(0, 1) && broadcastable(1, 0);
    case OpClass::VCast:
      for (unsigned i = 0; i < 2; ++i)
        if (!role(i, {Space::UB}) || !vecDType(i))
          return false;
      return sameCount(0, 1) && intRange(0, 0, 1);
    case OpClass::VSel:
      for (unsigned i = 0; i < 4; ++i)
        if (!role(i, {Space::UB}) || !vecDType(i))
          return false;
      return sameDType(0, 2) && sameDType(0, 3) && broadcastable(1, 0) &&
             broadcastable(2, 0) && broadcastable(3, 0);
    case OpClass::VMulAdd:
      for (unsigned i = 0; i < 4; ++i)
        if (!role(i, {Space::UB}) || !vecDType(i))
          return false;
      if (!isFloatDType(in.tiles[0].dtype))
        return fail(std::string(inf.mnemonic) + " needs floating-point tiles");
      return sameDType(0, 1) && sameDType(0, 2) && sameDType(0, 3) &&
             broadcastable(1, 0) && broadcastable(2, 0) && broadcastable(3, 0);
    case OpClass::VDup:
      return role(0, {Space::UB}) && vecDType(0);
    case OpClass::VReduce: {
      if (!role(0, {Space::UB}) || !role(1, {Space::UB}) || !vecDType(0) ||
          !sameDType(0, 1))
        return false;
      const Tile &d = in.tiles[0], &s = in.tiles[1];
      if (d.numElements() != s.rows())
        return fail("operand 'dst' of a row reduction needs one element per "
                    "row of 'src' (" +
                    std::to_string(s.rows()) + ")");
      return true;
    }
    case OpClass::VTopK: {
      for (unsigned i = 0; i < 3; ++i)
        if (!role(i, {Space::UB}))
          return false;
      if (!vecDType(2) || !sameDType(0, 2))
        return false;
      if (in.tiles[1].dtype != DType::I32)
        return fail("operand 'indices' must be i32");
      const Tile &s = in.tiles[2];
      int64_t cols = s.shape[s.rank - 1];
      if (!intRange(0, 1, cols))
        return false;
      if (in.tiles[0].numElements() != s.rows() * in.ints[0] ||
          in.tiles[1].numElements() != s.rows() * in.ints[0])
        return fail("outputs of vtopk need rows x k elements");
      return true;
    }
    case OpClass::VTrans: {
      if (!role(0, {Space::UB}) || !role(1, {Space::UB}) || !vecDType(0) ||
          !sameDType(0, 1))
        return false;
      const Tile &d = in.tiles[0], &s = in.tiles[1];
      if (d.rank != 2 || s.rank != 2 || d.shape[0] != s.shape[1] ||
          d.shape[1] != s.shape[0])
        return fail("vtrans needs 2-D tiles with swapped shapes");
      return true;
    }
    case OpClass::Sync:
      switch (in.op) {
      case Opcode::SetFlag:
      case Opcode::WaitFlag:
        if (!pipeOnCore((Pipe)in.ints[0], "source") ||
            !pipeOnCore((Pipe)in.ints[1], "destination"))
          return false;
        if (in.ints[0] == in.ints[1])
          return fail("a flag orders two different pipes");
        return intRange(2, 0, t.flagIdsPerPipePair - 1);
      case Opcode::Barrier:
        return true;
      case Opcode::XSet:
        if (t.crossCoreFlags == 0)
          return fail("target '" + t.name + "' has no cross-core flags");
        return intRange(1, 0,
                        (int64_t)t.totalCores() +
                            (t.aicpu.present ? t.aicpu.count : 0) - 1) &&
               intRange(2, 0, t.crossCoreFlags - 1);
      case Opcode::XWait:
        if (t.crossCoreFlags == 0)
          return fail("target '" + t.name + "' has no cross-core flags");
        return intRange(1, 0, t.crossCoreFlags - 1);
      default:
        return true;
      }
    case OpClass::Cpu:
      if (!role(0, {Space::GM}) || !role(1, {Space::GM}) ||
          !intRange(0, 0, kNumCpuFns - 1))
        return false;
      if (in.ints[0] == (int64_t)CpuFn::ArgMax) {
        if (in.tiles[0].dtype != DType::I32 ||
            in.tiles[0].numElements() != in.tiles[1].rows())
          return fail("cpu argmax writes one i32 per row");
        return true;
      }
      return sameCount(0, 1);
    case OpClass::End:
      return true;
    case OpClass::Prefetch:
      if (!t.l2.present || t.l2.prefetchBytesPerCycle <= 0)
        return fail("target '" + t.name +
                    "' has no L2 cache engine to prefetch with "
                    "(l2_cache.prefetch_bytes_per_cycle)");
      return role(0, {Space::GM});
    case OpClass::Discard:
      if (!t.l2.present)
        return fail("target '" + t.name +
                    "' has no L2 cache to drop lines from");
      return role(0, {Space::GM});
    case OpClass::SAlu:
    case OpClass::EndLoop:
      return regFields();
    case OpClass::SLoad:
    case OpClass::SStore:
      if (!regFields())
        return false;
      if (in.ints[1] == 0 && // r0 base: the offset is the address
          (in.ints[2] < 0 || in.ints[2] % 4 != 0 ||
           (uint64_t)in.ints[2] + 4 > t.space(Space::GM).bytes))
        return fail("GM offset " + std::to_string(in.ints[2]) +
                    " is not a 4-byte aligned i32 inside GM");
      return true;
    case OpClass::Loop:
      if (!regFields())
        return false;
      if (in.ints[1] == 0 && in.ints[2] < 0)
        return fail("negative trip count " + std::to_string(in.ints[2]));
      return true;
    case OpClass::SArg:
      // The index is checked against each stream's arguments
      // (verifyProgram): one body serves streams with their own.
      if (!regFields())
        return false;
      if (in.ints[1] < 0)
        return fail("negative argument index " + std::to_string(in.ints[1]));
      return true;
    case OpClass::Skip:
      if (!regFields())
        return false;
      if (in.ints[1] < 0)
        return fail("skips a negative number of instructions (" +
                    std::to_string(in.ints[1]) + "); skips go forward");
      return true;
    }
    return true;
  }
};
} // namespace

bool verifyInstr(const Instr &in, const TargetDesc &t, uint32_t coreType,
                 std::string &error) {
  Checker c{in, t, coreType, error};
  return c.run();
}

} // namespace tessera::bin
