//===- IsaConversion.cpp - isa dialect <-> .npu Program -------------------===//
#include "Isa/IR/IsaConversion.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <array>
#include <optional>

using namespace mlir;
using namespace tessera;
using namespace tessera::isa;

namespace {
/// The bytes of an inline constant's `data`: a 1-D i8 tensor, either a
/// resource blob (what the compiler writes) or dense elements (what a person
/// writes, e.g. dense<"0x0000803F">).
LogicalResult constBytes(ConstOp c, std::vector<uint8_t> &out,
                         const uint8_t **borrowed = nullptr) {
  auto type = cast<ShapedType>(c.getDataAttr().getType());
  if (!type.getElementType().isInteger(8) || type.getRank() != 1)
    return c.emitOpError()
           << "needs 'data' as a 1-D tensor of i8 (dense or dense_resource), "
              "not "
           << type;
  if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getDataAttr())) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return c.emitOpError()
             << "data resource '" << res.getRawHandle().getKey()
             << "' has no bytes (missing from the file's dialect_resources)";
    ArrayRef<char> raw = blob->getData();
    if (raw.size() != (size_t)type.getNumElements())
      return c.emitOpError()
             << "data resource holds " << raw.size()
             << " bytes for a tensor of " << type.getNumElements();
    if (borrowed) {
      *borrowed = reinterpret_cast<const uint8_t *>(raw.data());
      return success();
    }
    out.assign(raw.begin(), raw.end());
  } else if (auto dense = dyn_cast<DenseElementsAttr>(c.getDataAttr())) {
    ArrayRef<char> raw = dense.getRawData();
    if (dense.isSplat())
      out.assign((size_t)type.getNumElements(), raw.empty() ? 0 : raw[0]);
    else
      out.assign(raw.begin(), raw.end());
  } else {
    return c.emitOpError()
           << "needs 'data' as dense or dense_resource elements";
  }
  if (out.size() != (size_t)type.getNumElements())
    return c.emitOpError() << "data resource holds " << out.size()
                           << " bytes for a tensor of "
                           << type.getNumElements();
  return success();
}

/// The ONNX node name (or other name) of a location, if any.
std::string nameOf(Location loc) {
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  if (auto f = dyn_cast<FusedLoc>(loc))
    for (Location l : f.getLocations()) {
      std::string s = nameOf(l);
      if (!s.empty())
        return s;
    }
  return "";
}
} // namespace

FailureOr<bin::Program> tessera::isa::emitProgram(ProgramOp op,
                                                  const target::TargetDesc &t,
                                                  bool borrowConstants) {
  bin::Program p;
  // Per stream, its entries in p.debug (a stream's are appended together).
  std::vector<std::pair<size_t, size_t>> debugOf;
  p.name = op.getName().str();
  bin::setTarget(p, t);
  p.gmBytes = (uint64_t)op.getGmBytes();
  for (Operation &o : op.getBody().front()) {
    if (auto io = dyn_cast<IoOp>(o)) {
      auto tt = cast<RankedTensorType>(io.getType());
      auto dt = typeToDType(tt.getElementType());
      if (!dt)
        return io.emitOpError() << "unsupported element type";
      bin::IoEntry e;
      e.name = io.getName().str();
      e.isOutput = io.getKind() == IoKind::output;
      e.dtype = *dt;
      e.shape.assign(tt.getShape().begin(), tt.getShape().end());
      e.gmAddr = (uint64_t)io.getAddr();
      p.io.push_back(e);
    } else if (auto c = dyn_cast<ConstOp>(o)) {
      bin::ConstBlob b;
      b.name = c.getName().str();
      b.gmAddr = (uint64_t)c.getAddr();
      b.size = (uint64_t)c.getSize();
      if (c.getFile()) {
        b.external = true;
        b.file = c.getFile()->str();
        // No offset yet: a weight-layout manifest's constant, placed when
        // its program is written.
        b.unplaced = !c.getFileOffset();
        b.fileOffset = (uint64_t)c.getFileOffset().value_or(0);
        b.checksum = (uint64_t)c.getChecksum().value_or(0);
        if (c.getData())
          return c.emitOpError() << "a constant is inline (data) or external "
                                    "(file), not both";
      } else {
        if (!c.getDataAttr())
          return c.emitOpError() << "needs 'data' (or 'file')";
        const uint8_t *borrowed = nullptr;
        if (failed(
                constBytes(c, b.data, borrowConstants ? &borrowed : nullptr)))
          return failure();
        b.mapped = borrowed;
        if (b.loadedBytes() != b.size)
          return c.emitOpError() << "has " << b.loadedBytes()
                                 << " bytes of data but size " << b.size;
      }
      p.consts.push_back(std::move(b));
    } else if (auto core = dyn_cast<CoreOp>(o)) {
      bin::CoreStream s;
      if (core.getType() == "aicpu") {
        s.coreType = bin::kAiCpuCoreType;
      } else {
        bool found = false;
        for (uint32_t i = 0; i < t.coreTypes.size(); ++i)
          if (t.coreTypes[i].name == core.getType()) {
            s.coreType = i;
            found = true;
          }
        if (!found)
          return core.emitOpError()
                 << "unknown core type '" << core.getType() << "'";
      }
      s.coreIndex = (uint32_t)core.getIndex();
      uint32_t streamIdx = (uint32_t)p.streams.size();
      if (auto args = core.getArgs())
        s.args.assign(args->begin(), args->end());
      if (auto shares = core.getShares()) {
        uint64_t owner = *shares;
        if (owner >= streamIdx || p.streams[owner].shares != bin::kOwnCode)
          return core.emitOpError()
                 << "shares the code of core " << *shares
                 << ", which is not an earlier isa.core with code of its own";
        s.shares = (uint32_t)owner;
        // The shared code's locations hold for this stream too (as the
        // compiler writes them).
        auto [from, to] = debugOf[owner];
        debugOf.push_back({p.debug.size(), p.debug.size() + (to - from)});
        for (size_t d = from; d < to; ++d)
          p.debug.push_back({streamIdx, p.debug[d].instr, p.debug[d].loc});
        p.streams.push_back(std::move(s));
        continue;
      }
      size_t debugBegin = p.debug.size();
      Block &code = core.getBody().front();
      s.instrs.reserve(code.getOperations().size());
      for (Operation &io : code) {
        bin::Instr in;
        std::string err;
        if (!opToInstr(&io, s.coreType == bin::kAiCpuCoreType, in, err))
          return io.emitOpError() << err;
        std::string loc = nameOf(io.getLoc());
        if (!loc.empty())
          p.debug.push_back({streamIdx, (uint32_t)s.instrs.size(), loc});
        s.instrs.push_back(in);
      }
      debugOf.push_back({debugBegin, p.debug.size()});
      p.streams.push_back(std::move(s));
    }
  }
  std::string err;
  if (!bin::verifyProgram(p, t, err))
    return op.emitOpError() << err;
  return p;
}

FailureOr<bin::Program> tessera::isa::emitProgram(ProgramOp op,
                                                  bool borrowConstants) {
  std::string err;
  const target::TargetDesc *t =
      target::getPresetCached(op.getTarget().str(), err);
  if (!t)
    return op.emitOpError()
           << "cannot load target '" << op.getTarget() << "': " << err;
  return emitProgram(op, *t, borrowConstants);
}

OwningOpRef<ModuleOp>
tessera::isa::programToModule(MLIRContext *ctx, bin::Program p,
                              const target::TargetDesc &t) {
  ctx->getOrLoadDialect<IsaDialect>();
  OpBuilder b(ctx);
  Location unknown = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(unknown);
  b.setInsertionPointToEnd(module->getBody());
  auto prog =
      ProgramOp::create(b, unknown, p.name, p.targetName, (int64_t)p.gmBytes);
  Block *body = b.createBlock(&prog.getBody());
  b.setInsertionPointToEnd(body);
  for (const bin::IoEntry &e : p.io) {
    auto tt = RankedTensorType::get(e.shape, dtypeToType(ctx, e.dtype));
    IoOp::create(b, unknown, e.isOutput ? IoKind::output : IoKind::input,
                 e.name, tt, (int64_t)e.gmAddr);
  }
  for (bin::ConstBlob &c : p.consts) {
    auto op = ConstOp::create(b, unknown, c.name, (int64_t)c.gmAddr,
                              (int64_t)c.size, ElementsAttr(), StringAttr(),
                              IntegerAttr(), IntegerAttr());
    if (c.external) {
      op.setFileAttr(b.getStringAttr(c.file));
      if (!c.unplaced) {
        op.setFileOffsetAttr(b.getI64IntegerAttr((int64_t)c.fileOffset));
        op.setChecksumAttr(b.getI64IntegerAttr((int64_t)c.checksum));
      }
    } else {
      // No copy of the bytes is made: the blob owns them from here on, or
      // keeps the loaded image they lie in alive, or refers to bytes the
      // context owns (see the header).
      auto type =
          RankedTensorType::get({(int64_t)c.loadedBytes()}, b.getI8Type());
      AsmResourceBlob blob;
      if (c.mapped && p.image) {
        blob = UnmanagedAsmResourceBlob::allocateWithAlign(
            ArrayRef<char>((const char *)c.mapped, c.size), /*align=*/1,
            [image = p.image](void *, size_t, size_t) {});
      } else if (c.mapped) {
        blob = UnmanagedAsmResourceBlob::allocateWithAlign(
            ArrayRef<char>((const char *)c.mapped, c.size), /*align=*/1);
      } else {
        auto *owned = new std::vector<uint8_t>(std::move(c.data));
        blob = UnmanagedAsmResourceBlob::allocateWithAlign(
            ArrayRef<char>((const char *)owned->data(), owned->size()),
            /*align=*/1, [owned](void *, size_t, size_t) { delete owned; });
      }
      op.setDataAttr(DenseResourceElementsAttr::get(
          type, c.name.empty() ? "const" : c.name, std::move(blob)));
    }
  }
  // Per stream, its instructions' names (the last entry of an instruction
  // wins); each distinct name becomes one location. A whole model's
  // program has an entry for most of its million instructions: a map keyed
  // by (stream, instr) holding a copy of each string was a second of the
  // conversion.
  std::vector<std::vector<std::pair<uint32_t, const std::string *>>> locsOf(
      p.streams.size());
  for (const bin::DebugEntry &d : p.debug)
    if (d.stream < p.streams.size())
      locsOf[d.stream].push_back({d.instr, &d.loc});
  llvm::DenseMap<llvm::StringRef, Location> nameLocs;
  auto locationOf = [&](const std::string &name) {
    auto [it, fresh] = nameLocs.try_emplace(name, unknown);
    if (fresh)
      it->second = NameLoc::get(b.getStringAttr(name));
    return it->second;
  };
  // One OperationName per opcode, not a lookup of "isa." + mnemonic per
  // instruction.
  std::array<std::optional<OperationName>, bin::kNumOpcodes> opNames;
  for (uint32_t si = 0; si < p.streams.size(); ++si) {
    const bin::CoreStream &s = p.streams[si];
    std::string type = s.coreType == bin::kAiCpuCoreType
                           ? "aicpu"
                           : (s.coreType < t.coreTypes.size()
                                  ? t.coreTypes[s.coreType].name
                                  : "core" + std::to_string(s.coreType));
    b.setInsertionPointToEnd(body);
    auto core = CoreOp::create(b, unknown, type, (int64_t)s.coreIndex,
                               IntegerAttr(), DenseI64ArrayAttr());
    if (!s.args.empty())
      core.setArgsAttr(b.getDenseI64ArrayAttr(s.args));
    Block *cb = b.createBlock(&core.getBody());
    b.setInsertionPointToEnd(cb);
    if (s.shares != bin::kOwnCode) {
      core.setSharesAttr(b.getI64IntegerAttr((int64_t)s.shares));
      continue;
    }
    std::vector<std::pair<uint32_t, const std::string *>> &names = locsOf[si];
    std::stable_sort(names.begin(), names.end(),
                     [](auto &x, auto &y) { return x.first < y.first; });
    size_t next = 0;
    for (uint32_t ii = 0; ii < s.instrs.size(); ++ii) {
      const bin::Instr &in = s.instrs[ii];
      const bin::OpInfo &inf = in.info();
      const std::string *name = nullptr;
      for (; next < names.size() && names[next].first <= ii; ++next)
        if (names[next].first == ii)
          name = names[next].second;
      Location loc = name ? locationOf(*name) : unknown;
      std::optional<OperationName> &opName = opNames[(unsigned)in.op];
      if (!opName)
        opName.emplace(std::string("isa.") + inf.mnemonic, ctx);
      OperationState st(loc, *opName);
      for (unsigned k = 0; k < inf.numTiles; ++k)
        st.addAttribute(inf.tileNames[k], tileToAttr(ctx, in.tiles[k]));
      for (unsigned k = 0; k < inf.numInts; ++k) {
        StringRef n = inf.intNames[k];
        int64_t v = in.ints[k];
        switch (inf.intKinds[k]) {
        case bin::IntKind::Flag:
          if (v)
            st.addAttribute(n, b.getUnitAttr());
          break;
        case bin::IntKind::Pipe:
          st.addAttribute(n, PipeAttr::get(ctx, (Pipe)v));
          break;
        case bin::IntKind::Cmp:
          st.addAttribute(n, CmpKindAttr::get(ctx, (CmpKind)v));
          break;
        case bin::IntKind::CpuFn:
          st.addAttribute(n, CpuFnAttr::get(ctx, (CpuFn)v));
          break;
        case bin::IntKind::Int:
        case bin::IntKind::Reg:
          st.addAttribute(n, b.getI64IntegerAttr(v));
          break;
        }
      }
      if (inf.floatName)
        st.addAttribute(inf.floatName, b.getF32FloatAttr(in.fimm));
      b.create(st);
    }
  }
  return module;
}
