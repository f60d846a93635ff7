//===- IsaDialect.cpp - The isa dialect: attributes, ops, verifiers -------===//
#include "Isa/IR/IsaDialect.h"
#include "tessera/Support/MlirTypes.h"

#include "tessera/Binary/Program.h"
#include "tessera/Target/Target.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::isa;

#include "Isa/IR/IsaDialect.cpp.inc"
#include "Isa/IR/IsaEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "Isa/IR/IsaAttrs.cpp.inc"

#define GET_OP_CLASSES
#include "Isa/IR/IsaOps.cpp.inc"

void IsaDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "Isa/IR/IsaAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "Isa/IR/IsaOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Types and tiles
//===----------------------------------------------------------------------===//

// The mapping is shared with the graph dialect (Support/MlirTypes).
Type tessera::isa::dtypeToType(MLIRContext *ctx, DType d) {
  return dtypeToMlirType(ctx, d);
}

std::optional<DType> tessera::isa::typeToDType(Type t) {
  return dtypeFromMlirType(t);
}

TileAttr tessera::isa::tileToAttr(MLIRContext *ctx, const bin::Tile &t) {
  SmallVector<int64_t, 6> terms;
  for (unsigned i = 0; i < t.numTerms; ++i) {
    terms.push_back(t.terms[i].reg);
    terms.push_back(t.terms[i].stride);
  }
  return TileAttr::get(
      ctx, (uint8_t)t.space, (uint8_t)t.dtype, (uint8_t)t.layout, t.offset,
      ArrayRef<int64_t>(t.shape, t.rank), ArrayRef<int64_t>(t.strides, t.rank),
      terms, t.extentDim, t.extentReg);
}

bin::Tile tessera::isa::attrToTile(TileAttr a) {
  bin::Tile t;
  t.space = (target::Space)a.getSpace();
  t.dtype = (DType)a.getDtype();
  t.layout = (bin::Layout)a.getLayout();
  t.offset = a.getOffset();
  t.rank = (uint8_t)std::min<size_t>(a.getShape().size(), bin::kMaxRank);
  for (unsigned i = 0; i < t.rank; ++i) {
    t.shape[i] = a.getShape()[i];
    t.strides[i] = i < a.getStrides().size() ? a.getStrides()[i] : 0;
  }
  ArrayRef<int64_t> terms = a.getTerms();
  t.numTerms = (uint8_t)std::min<size_t>(terms.size() / 2, bin::kMaxAddrTerms);
  for (unsigned i = 0; i < t.numTerms; ++i) {
    t.terms[i].reg = (uint8_t)terms[2 * i];
    t.terms[i].stride = terms[2 * i + 1];
  }
  t.extentDim = (int8_t)a.getExtentDim();
  t.extentReg = (uint8_t)a.getExtentReg();
  return t;
}

//===----------------------------------------------------------------------===//
// Registers in the assembly: `r3`, `r3 + 4`, `4`, `[r3 + 16]`
//===----------------------------------------------------------------------===//

/// Parses a keyword `rN`.
static ParseResult parseRegister(AsmParser &p, int64_t &reg) {
  StringRef kw;
  SMLoc loc = p.getCurrentLocation();
  if (p.parseKeyword(&kw))
    return failure();
  unsigned n;
  if (!kw.consume_front("r") || kw.getAsInteger(10, n))
    return p.emitError(loc) << "expected a register (r0, r1, ...)";
  reg = n;
  return success();
}

ParseResult tessera::isa::parseReg(OpAsmParser &p, IntegerAttr &attr) {
  int64_t r;
  if (parseRegister(p, r))
    return failure();
  attr = p.getBuilder().getI64IntegerAttr(r);
  return success();
}
void tessera::isa::printReg(OpAsmPrinter &p, Operation *, IntegerAttr attr) {
  p << "r" << attr.getInt();
}

// `rb`, `imm`, `rb + imm` or `rb - imm`: the operand rb + imm.
ParseResult tessera::isa::parseSrc(OpAsmParser &p, IntegerAttr &reg,
                                   IntegerAttr &imm) {
  Builder b = p.getBuilder();
  int64_t r = 0, v = 0;
  OptionalParseResult num = p.parseOptionalInteger(v);
  if (num.has_value()) {
    if (failed(*num))
      return failure();
  } else {
    if (parseRegister(p, r))
      return failure();
    bool plus = succeeded(p.parseOptionalPlus());
    if (plus || succeeded(p.parseOptionalMinus())) {
      if (p.parseInteger(v))
        return failure();
      if (!plus)
        v = -v;
    }
  }
  reg = b.getI64IntegerAttr(r);
  imm = b.getI64IntegerAttr(v);
  return success();
}
void tessera::isa::printSrc(OpAsmPrinter &p, Operation *, IntegerAttr reg,
                            IntegerAttr imm) {
  int64_t r = reg.getInt(), v = imm.getInt();
  if (r == 0) {
    p << v;
    return;
  }
  p << "r" << r;
  if (v > 0)
    p << " + " << v;
  else if (v < 0)
    p << " - " << -v;
}

// `GM[ra + offset]`, `GM[ra]` or `GM[offset]`.
ParseResult tessera::isa::parseAddr(OpAsmParser &p, IntegerAttr &reg,
                                    IntegerAttr &offset) {
  if (p.parseKeyword("GM") || p.parseLSquare() || parseSrc(p, reg, offset) ||
      p.parseRSquare())
    return failure();
  return success();
}
void tessera::isa::printAddr(OpAsmPrinter &p, Operation *op, IntegerAttr reg,
                             IntegerAttr offset) {
  p << "GM[";
  printSrc(p, op, reg, offset);
  p << "]";
}

// <SPACE[offset], DIMSxDTYPE[, strides [s, ...]][, nz]>
Attribute TileAttr::parse(AsmParser &p, Type) {
  StringRef spaceKw;
  SMLoc loc = p.getCurrentLocation();
  if (p.parseLess() || p.parseKeyword(&spaceKw))
    return {};
  auto space = target::parseSpaceName(spaceKw.str());
  if (!space) {
    p.emitError(loc) << "unknown memory space '" << spaceKw
                     << "' (expected GM, L2, L1, L0A, L0B, L0C, UB, LMEM)";
    return {};
  }
  uint64_t offset = 0;
  SmallVector<int64_t> dims;
  SmallVector<bin::RegTerm> terms;
  Type et;
  if (p.parseLSquare() || p.parseInteger(offset))
    return {};
  // `+ rN * stride` (or `- rN * stride`) terms.
  while (true) {
    bool plus = succeeded(p.parseOptionalPlus());
    if (!plus && failed(p.parseOptionalMinus()))
      break;
    SMLoc termLoc = p.getCurrentLocation();
    int64_t reg, stride;
    if (parseRegister(p, reg) || p.parseStar() || p.parseInteger(stride))
      return {};
    if (terms.size() == bin::kMaxAddrTerms) {
      p.emitError(termLoc) << "at most " << bin::kMaxAddrTerms
                           << " register terms in an offset";
      return {};
    }
    if (reg > 255) {
      p.emitError(termLoc) << "register r" << reg << " out of range";
      return {};
    }
    terms.push_back({(uint8_t)reg, plus ? stride : -stride});
  }
  if (p.parseRSquare() || p.parseComma())
    return {};
  SMLoc shapeLoc = p.getCurrentLocation();
  if (p.parseDimensionList(dims, /*allowDynamic=*/false,
                           /*withTrailingX=*/true) ||
      p.parseType(et))
    return {};
  auto dt = typeToDType(et);
  if (!dt) {
    p.emitError(shapeLoc) << "unsupported element type " << et;
    return {};
  }
  if (dims.empty() || dims.size() > bin::kMaxRank) {
    p.emitError(shapeLoc) << "a tile has 1 to 4 dimensions";
    return {};
  }
  bin::Tile t =
      bin::makeTile(*space, offset, *dt, Shape(dims.begin(), dims.end()));
  t.numTerms = (uint8_t)terms.size();
  std::copy(terms.begin(), terms.end(), t.terms);
  while (succeeded(p.parseOptionalComma())) {
    StringRef kw;
    SMLoc kwLoc = p.getCurrentLocation();
    if (p.parseKeyword(&kw))
      return {};
    if (kw == "nz") {
      t.layout = bin::Layout::NZ;
    } else if (kw == "extent") {
      int64_t dim, reg;
      if (p.parseInteger(dim) || p.parseEqual() || parseRegister(p, reg))
        return {};
      if (dim < 0 || dim >= (int64_t)dims.size() || reg > 255) {
        p.emitError(kwLoc) << "extent " << dim << " = r" << reg
                           << ": no such dimension or register";
        return {};
      }
      t.extentDim = (int8_t)dim;
      t.extentReg = (uint8_t)reg;
    } else if (kw == "strides") {
      SmallVector<int64_t> strides;
      if (p.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() {
            int64_t s;
            if (p.parseInteger(s))
              return failure();
            strides.push_back(s);
            return success();
          }))
        return {};
      if (strides.size() != dims.size()) {
        p.emitError(kwLoc) << "expected " << dims.size() << " strides";
        return {};
      }
      for (size_t i = 0; i < strides.size(); ++i)
        t.strides[i] = strides[i];
    } else {
      p.emitError(kwLoc) << "expected 'strides', 'nz' or 'extent'";
      return {};
    }
  }
  if (p.parseGreater())
    return {};
  return tileToAttr(p.getContext(), t);
}

void TileAttr::print(AsmPrinter &p) const {
  bin::Tile t = attrToTile(*this);
  p << "<" << target::spaceName(t.space) << "[" << t.offset;
  for (unsigned i = 0; i < t.numTerms; ++i) {
    int64_t s = t.terms[i].stride;
    p << (s < 0 ? " - r" : " + r") << (unsigned)t.terms[i].reg << " * "
      << (s < 0 ? -s : s);
  }
  p << "], ";
  for (unsigned i = 0; i < t.rank; ++i)
    p << t.shape[i] << "x";
  p.printType(dtypeToType(getContext(), t.dtype));
  bin::Tile dense = t;
  dense.setContiguous();
  bool contiguous = true;
  for (unsigned i = 0; i < t.rank; ++i)
    contiguous &= dense.strides[i] == t.strides[i];
  if (!contiguous) {
    p << ", strides [";
    for (unsigned i = 0; i < t.rank; ++i)
      p << (i ? ", " : "") << t.strides[i];
    p << "]";
  }
  if (t.layout == bin::Layout::NZ)
    p << ", nz";
  if (t.extentDim >= 0)
    p << ", extent " << (int)t.extentDim << " = r" << (unsigned)t.extentReg;
  p << ">";
}

//===----------------------------------------------------------------------===//
// Ops to instructions
//===----------------------------------------------------------------------===//

bool tessera::isa::opToInstr(Operation *op, bool onAiCpu, bin::Instr &in,
                             std::string &error) {
  auto opc = bin::parseOpcode(op->getName().stripDialect().str());
  if (op->getName().getDialectNamespace() != "isa" || !opc) {
    error = "'" + op->getName().getStringRef().str() +
            "' is not an NPU instruction";
    return false;
  }
  in = bin::Instr();
  in.op = *opc;
  const bin::OpInfo &inf = in.info();
  for (unsigned i = 0; i < inf.numTiles; ++i) {
    auto a = op->getAttrOfType<TileAttr>(inf.tileNames[i]);
    if (!a) {
      error = std::string("missing tile operand '") + inf.tileNames[i] + "'";
      return false;
    }
    in.tiles[i] = attrToTile(a);
  }
  for (unsigned i = 0; i < inf.numInts; ++i) {
    Attribute a = op->getAttr(inf.intNames[i]);
    if (!a)
      in.ints[i] = 0;
    else if (auto ia = dyn_cast<IntegerAttr>(a))
      in.ints[i] = ia.getValue().getSExtValue();
    else if (llvm::isa<UnitAttr>(a))
      in.ints[i] = 1;
  }
  if (inf.floatName) {
    if (auto fa = op->getAttrOfType<FloatAttr>(inf.floatName))
      in.fimm = (float)fa.getValueAsDouble();
    else
      in.fimm = inf.floatDefault;
  }
  in.pipe = bin::derivePipe(in, onAiCpu);
  return true;
}

static bool coreTypeIndex(const target::TargetDesc &t, StringRef name,
                          uint32_t &out) {
  if (name == "aicpu") {
    out = bin::kAiCpuCoreType;
    return true;
  }
  for (uint32_t i = 0; i < t.coreTypes.size(); ++i)
    if (t.coreTypes[i].name == name) {
      out = i;
      return true;
    }
  return false;
}

static const target::TargetDesc *targetOf(Operation *op, std::string &err) {
  auto prog = llvm::isa<ProgramOp>(op) ? cast<ProgramOp>(op)
                                       : op->getParentOfType<ProgramOp>();
  if (!prog) {
    err = "not inside an isa.program";
    return nullptr;
  }
  return target::getPresetCached(prog.getTarget().str(), err);
}

LogicalResult ProgramOp::verify() {
  std::string err;
  if (!targetOf(*this, err))
    return emitOpError() << "cannot load target '" << getTarget()
                         << "': " << err;
  for (Operation &op : getBody().front())
    if (!llvm::isa<CoreOp, IoOp, ConstOp>(op))
      return op.emitOpError()
             << "only isa.core, isa.io and isa.const go in an isa.program";
  return success();
}

LogicalResult CoreOp::verify() {
  std::string err;
  const target::TargetDesc *t = targetOf(*this, err);
  if (!t)
    return success(); // reported by the program
  uint32_t type;
  if (!coreTypeIndex(*t, getType(), type)) {
    std::string names;
    for (const auto &ct : t->coreTypes)
      names += (names.empty() ? "" : ", ") + ct.name;
    return emitOpError() << "target '" << t->name << "' has no core type '"
                         << getType() << "' (it has " << names
                         << (t->aicpu.present ? ", aicpu" : "") << ")";
  }
  uint32_t count =
      type == bin::kAiCpuCoreType ? t->aicpu.count : t->coreTypes[type].count;
  if (getIndex() >= count)
    return emitOpError() << "core index " << getIndex() << " out of range: '"
                         << getType() << "' has " << count << " cores";
  Block &body = getBody().front();
  if (getShares()) {
    // The shared code is checked where it is (emitProgram checks the
    // reference and the arguments).
    if (!body.empty())
      return emitOpError() << "a core that shares the code of core "
                           << *getShares() << " has no instructions of its own";
    return success();
  }
  if (body.empty() || !llvm::isa<EndOp>(body.back()))
    return emitOpError() << "a core's instructions must end with isa.end";
  for (Operation &op : body)
    if (llvm::isa<EndOp>(op) && &op != &body.back())
      return op.emitOpError() << "isa.end must be the last instruction";
  // Loops, nesting and skips (on the instruction list, as the loader does).
  std::vector<bin::Instr> instrs;
  SmallVector<Operation *> ops;
  for (Operation &op : body) {
    bin::Instr in;
    if (!opToInstr(&op, type == bin::kAiCpuCoreType, in, err))
      return success(); // reported by the instruction's verifier
    instrs.push_back(in);
    ops.push_back(&op);
  }
  uint32_t bad = 0;
  if (!bin::analyzeControl(instrs, *t, nullptr, err, bad))
    return ops[bad]->emitOpError()
           << err << " (instruction " << bad << " of the stream)";
  return success();
}

LogicalResult tessera::isa::verifyInstrOp(Operation *op) {
  std::string err;
  const target::TargetDesc *t = targetOf(op, err);
  auto core = op->getParentOfType<CoreOp>();
  if (!t || !core)
    return success(); // reported by the enclosing ops
  uint32_t type;
  if (!coreTypeIndex(*t, core.getType(), type))
    return success();
  bin::Instr in;
  if (!opToInstr(op, type == bin::kAiCpuCoreType, in, err) ||
      !bin::verifyInstr(in, *t, type, err))
    return op->emitOpError() << err;
  return success();
}
