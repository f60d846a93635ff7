//===- IsaTableGen.cpp - The instruction set from the isa dialect's ODS ---===//
//
// The instruction set is defined once, in dialects/Isa/IR/IsaOps.td: every
// instruction is an ODS op deriving from Isa_InstrOp, whose template
// arguments give its opcode number, its class (what the verifier and the
// simulator do with it), how its pipe is chosen and its vector cost key. Its
// `arguments` give the encoding: tile attributes are the tile operands,
// floating-point attributes the float field, everything else an integer
// field, in order. mlir-tblgen makes the ops from those records; this
// backend makes, from the same records,
//
//   --gen-isa-table  the MLIR-free table included by include/tessera/Binary/
//                    Isa.h and lib/Binary/Isa.cpp (opcode enum and OpInfo);
//   --gen-isa-doc    the instruction reference, docs/isa.md.
//
// so the dialect, the .npu encoding, the disassembler, the simulator and the
// reference cannot drift apart, and a new instruction is one ODS def.
//
//===----------------------------------------------------------------------===//
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TableGen/Error.h"
#include "llvm/TableGen/Main.h"
#include "llvm/TableGen/Record.h"

#include <map>
#include <string>
#include <vector>

using namespace llvm;

namespace {

enum class Action { Table, Doc };
cl::opt<Action>
    action(cl::desc("what to generate"),
           cl::values(clEnumValN(Action::Table, "gen-isa-table",
                                 "the instruction table (C++ include)"),
                      clEnumValN(Action::Doc, "gen-isa-doc",
                                 "the instruction reference (markdown)")));

constexpr unsigned kMaxFields = 4;

struct Field {
  std::string name;
  std::string kind; // IntKind enumerator for integer fields
};

struct InstrDesc {
  const Record *rec;
  int64_t opcode;
  std::string enumName, mnemonic, opClass, pipeRule, pipe, costKey, summary,
      description;
  std::vector<Field> tiles, ints;
  std::string floatName, floatDefault;
};

/// Isa_DmaLdOp -> DmaLd.
std::string enumNameOf(const Record *r) {
  StringRef n = r->getName();
  n.consume_front("Isa_");
  n.consume_back("Op");
  return n.str();
}

/// Classifies one ODS argument into a tile operand, the float field or an
/// integer field (with the kind the isa dialect's attribute needs).
void addArgument(InstrDesc &d, StringRef name, const Record *def) {
  std::string defName = def->getName().str();
  StringRef storage = def->getValueAsString("storageType");
  if (storage.contains("TileAttr")) {
    d.tiles.push_back({name.str(), ""});
    return;
  }
  if (storage.contains("FloatAttr")) {
    if (!d.floatName.empty())
      PrintFatalError(d.rec->getLoc(), "an instruction has one float field");
    d.floatName = name.str();
    std::optional<StringRef> dflt =
        def->getValueAsOptionalString("defaultValue");
    d.floatDefault = dflt && !dflt->empty() ? (dflt->str() + "f") : "0.0f";
    return;
  }
  std::string kind = "Int";
  if (storage.contains("UnitAttr"))
    kind = "Flag";
  else if (storage.contains("PipeAttr"))
    kind = "Pipe";
  else if (storage.contains("CmpKindAttr"))
    kind = "Cmp";
  else if (storage.contains("CpuFnAttr"))
    kind = "CpuFn";
  else if (defName == "Isa_Reg")
    kind = "Reg";
  else if (!storage.contains("IntegerAttr"))
    PrintFatalError(d.rec->getLoc(), "argument '" + name +
                                         "' has no encoding (storage type " +
                                         storage + ")");
  d.ints.push_back({name.str(), kind});
}

std::vector<InstrDesc> collect(const RecordKeeper &records) {
  std::vector<InstrDesc> out;
  for (const Record *r : records.getAllDerivedDefinitions("Isa_InstrOp")) {
    InstrDesc d;
    d.rec = r;
    d.opcode = r->getValueAsInt("opcode");
    d.enumName = enumNameOf(r);
    d.mnemonic = r->getValueAsString("opName").str();
    d.opClass = r->getValueAsString("opClass").str();
    d.pipeRule = r->getValueAsString("pipeRule").str();
    d.pipe = r->getValueAsString("fixedPipe").str();
    d.costKey = r->getValueAsString("costKey").str();
    d.summary = r->getValueAsString("summary").str();
    d.description = r->getValueAsString("description").str();
    const DagInit *args = r->getValueAsDag("arguments");
    for (unsigned i = 0; i < args->getNumArgs(); ++i) {
      const auto *di = dyn_cast<DefInit>(args->getArg(i));
      if (!di)
        PrintFatalError(r->getLoc(), "unsupported argument");
      addArgument(d, args->getArgNameStr(i), di->getDef());
    }
    if (d.tiles.size() > kMaxFields || d.ints.size() > kMaxFields)
      PrintFatalError(r->getLoc(),
                      "an instruction has at most 4 tiles and 4 integers");
    out.push_back(std::move(d));
  }
  llvm::sort(out, [](const InstrDesc &a, const InstrDesc &b) {
    return a.opcode < b.opcode;
  });
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].opcode != (int64_t)i)
      PrintFatalError(out[i].rec->getLoc(),
                      "opcodes must be numbered 0, 1, 2, ... without gaps or "
                      "repeats: expected " +
                          Twine(i) + " here");
  return out;
}

std::string quoted(StringRef s) {
  return s.empty() ? "nullptr" : "\"" + s.str() + "\"";
}

template <typename Fn>
std::string list(const std::vector<Field> &fs, Fn fn, StringRef none) {
  std::string s = "{";
  for (unsigned i = 0; i < kMaxFields; ++i)
    s += (i ? ", " : "") + (i < fs.size() ? fn(fs[i]) : none.str());
  return s + "}";
}

bool emitTable(raw_ostream &os, const RecordKeeper &records) {
  std::vector<InstrDesc> ds = collect(records);
  os << "// The instruction table, generated by tessera-isa-tblgen from\n"
        "// dialects/Isa/IR/IsaOps.td. Do not edit.\n\n";
  os << "#ifdef TESSERA_ISA_OPCODE\n";
  for (const InstrDesc &d : ds)
    os << "TESSERA_ISA_OPCODE(" << d.enumName << ", " << d.opcode << ")\n";
  os << "#undef TESSERA_ISA_OPCODE\n#endif\n\n";
  os << "#ifdef TESSERA_ISA_OPINFO\n";
  for (const InstrDesc &d : ds) {
    os << "{\"" << d.mnemonic << "\", OpClass::" << d.opClass
       << ", PipeRule::" << d.pipeRule << ", Pipe::" << d.pipe << ", "
       << d.tiles.size() << ", "
       << list(
              d.tiles, [](const Field &f) { return quoted(f.name); }, "nullptr")
       << ", " << d.ints.size() << ", "
       << list(
              d.ints, [](const Field &f) { return quoted(f.name); }, "nullptr")
       << ", "
       << list(
              d.ints, [](const Field &f) { return "IntKind::" + f.kind; },
              "IntKind::Int")
       << ", " << quoted(d.floatName) << ", "
       << (d.floatDefault.empty() ? "0.0f" : d.floatDefault) << ", "
       << quoted(d.costKey) << ", \"";
    os.write_escaped(d.summary);
    os << "\"},\n";
  }
  os << "#undef TESSERA_ISA_OPINFO\n#endif\n";
  return false;
}

bool emitDoc(raw_ostream &os, const RecordKeeper &records) {
  std::vector<InstrDesc> ds = collect(records);
  os << "<!-- Generated by tessera-isa-tblgen --gen-isa-doc from "
        "dialects/Isa/IR/IsaOps.td; don't edit. -->\n"
        "# The NPU instruction set\n\n"
        "Every instruction, as encoded in a `.npu` program (format version 6,\n"
        "docs/npu-format.md) and printed by the isa dialect. An instruction "
        "is\n"
        "`u16 opcode, u8 pipe`, then its tile operands, its integer fields\n"
        "(`i64` each) and its float field (`f32`), in the order below.\n"
        "Registers print as `r0`..`rN` (`r0` reads as zero). The pipe is "
        "fixed\n"
        "by the opcode unless the column says which field names it.\n\n"
        "| opcode | mnemonic | pipe | tiles | integer fields | float | what it "
        "does |\n|---|---|---|---|---|---|---|\n";
  for (const InstrDesc &d : ds) {
    std::string pipe = d.pipe;
    if (d.pipeRule == "FromInt0")
      pipe = "= " + (d.ints.empty() ? std::string("?") : d.ints[0].name);
    else if (d.pipeRule == "FromInt1")
      pipe = "= " + (d.ints.size() < 2 ? std::string("?") : d.ints[1].name);
    else if (d.pipeRule == "EndPipe")
      pipe = "S (AICPU on an AI-CPU)";
    std::string tiles, ints;
    for (const Field &f : d.tiles)
      tiles += (tiles.empty() ? "" : ", ") + f.name;
    for (const Field &f : d.ints)
      ints += (ints.empty() ? "" : ", ") + f.name +
              (f.kind == "Int" ? "" : " (" + StringRef(f.kind).lower() + ")");
    std::string summary = d.summary;
    for (char &c : summary)
      if (c == '|' || c == '\n')
        c = ' ';
    os << "| " << d.opcode << " | `" << d.mnemonic << "` | " << pipe << " | "
       << tiles << " | " << ints << " | " << d.floatName << " | " << summary
       << " |\n";
  }
  // The longer semantics some instructions spell out (their ODS
  // `description`), one paragraph each, re-flowed.
  bool first = true;
  for (const InstrDesc &d : ds) {
    StringRef text = StringRef(d.description).trim();
    if (text.empty())
      continue;
    if (first)
      os << "\n## Details\n";
    first = false;
    std::string flowed;
    SmallVector<StringRef> words;
    text.split(words, ' ', -1, /*KeepEmpty=*/false);
    for (StringRef w : words) {
      for (StringRef part : llvm::split(w, '\n')) {
        part = part.trim();
        if (part.empty())
          continue;
        flowed += (flowed.empty() ? "" : " ") + part.str();
      }
    }
    os << "\n- `" << d.mnemonic << "`: " << flowed << "\n";
  }
  return false;
}

bool generate(raw_ostream &os, const RecordKeeper &records) {
  return action == Action::Doc ? emitDoc(os, records) : emitTable(os, records);
}

} // namespace

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv);
  return TableGenMain(argv[0], &generate);
}
