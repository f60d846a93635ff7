//===- Program.cpp - Program helpers and whole-program verification -------===//
#include "tessera/Binary/Program.h"
#include "tessera/Support/FileIO.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace tessera::bin {

using target::TargetDesc;

std::string Program::locOf(uint32_t stream, uint32_t instr) const {
  // A stream that shares code has the debug locations of its owner.
  if (stream < streams.size() && streams[stream].shares < stream)
    stream = streams[stream].shares;
  for (const DebugEntry &d : debug)
    if (d.stream == stream && d.instr == instr)
      return d.loc;
  return "";
}

size_t Program::numInstrs() const {
  size_t n = 0;
  for (const CoreStream &s : streams)
    if (s.shares == kOwnCode)
      n += s.instrs.size();
  return n;
}

std::string Program::describeInstr(const TargetDesc &t, uint32_t stream,
                                   uint32_t instr) const {
  std::ostringstream os;
  if (stream < streams.size()) {
    const CoreStream &s = streams[stream];
    if (s.coreType == kAiCpuCoreType)
      os << "aicpu#" << s.coreIndex;
    else if (s.coreType < t.coreTypes.size())
      os << t.coreTypes[s.coreType].name << "#" << s.coreIndex;
    else
      os << "stream " << stream;
    os << " instr " << instr;
    const std::vector<Instr> &code = this->code(stream);
    if (instr < code.size())
      os << " (" << code[instr].info().mnemonic << " on "
         << target::pipeName(code[instr].pipe) << ")";
  } else {
    os << "stream " << stream << " instr " << instr;
  }
  std::string loc = locOf(stream, instr);
  if (!loc.empty())
    os << " [" << loc << "]";
  return os.str();
}

bool analyzeControl(const std::vector<Instr> &instrs, const TargetDesc &t,
                    std::vector<uint32_t> *match, std::string &error,
                    uint32_t &errorInstr) {
  if (match)
    match->assign(instrs.size(), 0);
  // depthAt[i]: loops open just before instruction i.
  std::vector<uint32_t> depthAt(instrs.size() + 1, 0);
  std::vector<uint32_t> open;
  for (uint32_t i = 0; i < instrs.size(); ++i) {
    depthAt[i] = (uint32_t)open.size();
    OpClass c = instrs[i].info().cls;
    if (c == OpClass::Loop) {
      if (open.size() >= t.scalar.maxLoopDepth) {
        errorInstr = i;
        error = "loops nest " + std::to_string(open.size() + 1) +
                " deep; target '" + t.name + "' allows " +
                std::to_string(t.scalar.maxLoopDepth) +
                " (scalar.max_loop_depth)";
        return false;
      }
      open.push_back(i);
    } else if (c == OpClass::EndLoop) {
      if (open.empty()) {
        errorInstr = i;
        error = "'endloop' without a matching 'loop'";
        return false;
      }
      if (match) {
        (*match)[i] = open.back();
        (*match)[open.back()] = i;
      }
      open.pop_back();
    } else if (c == OpClass::End && !open.empty()) {
      errorInstr = open.back();
      error = "'loop' without a matching 'endloop' before 'end'";
      return false;
    }
  }
  if (!open.empty()) {
    errorInstr = open.back();
    error = "'loop' without a matching 'endloop'";
    return false;
  }
  depthAt[instrs.size()] = 0;
  // A skip's range [i+1, i+n] must stay at the skip's depth throughout and
  // end there: it neither enters nor leaves a loop.
  for (uint32_t i = 0; i < instrs.size(); ++i) {
    if (instrs[i].info().cls != OpClass::Skip)
      continue;
    int64_t n = instrs[i].ints[1];
    uint64_t target = (uint64_t)i + 1 + (uint64_t)std::max<int64_t>(n, 0);
    if (n < 0 || target >= instrs.size()) {
      errorInstr = i;
      error = "skip target " + std::to_string(target) +
              " out of range (the stream's 'end' is instruction " +
              std::to_string(instrs.size() - 1) + ")";
      return false;
    }
    int64_t rel = 0;
    for (uint64_t k = i + 1; k < target; ++k) {
      OpClass c = instrs[k].info().cls;
      rel += c == OpClass::Loop ? 1 : c == OpClass::EndLoop ? -1 : 0;
      if (rel < 0)
        break;
    }
    if (rel != 0) {
      errorInstr = i;
      error = "skip to instruction " + std::to_string(target) + " " +
              (rel < 0 ? "leaves" : "enters") +
              " a loop (a skip must not cut a loop)";
      return false;
    }
  }
  return true;
}

void setTarget(Program &p, const TargetDesc &t) {
  p.targetName = t.name;
  p.targetHash = t.hash;
  p.targetJson = target::isUnmodifiedPreset(t) ? "" : t.canonicalJson;
}

bool resolveProgramTarget(const Program &p, const std::string &programPath,
                          const std::string &override, TargetDesc &out,
                          std::string &error) {
  if (!override.empty())
    return target::loadTarget(override, out, error);
  if (!p.targetJson.empty()) {
    if (!target::parseTarget(p.targetJson, out, error)) {
      error = "the program's embedded target description: " + error;
      return false;
    }
    return true;
  }
  size_t slash = programPath.find_last_of('/');
  std::string beside =
      (slash == std::string::npos ? std::string()
                                  : programPath.substr(0, slash + 1)) +
      p.targetName + ".json";
  if (isRegularFile(beside))
    return target::loadTargetFile(beside, out, error);
  if (target::loadPreset(p.targetName, out, error))
    return true;
  error = "the program was built for target '" + p.targetName +
          "', which is not a preset, not embedded in the program and not "
          "beside it as " +
          beside + " (give --target=FILE.json)";
  return false;
}

bool verifyStreamCode(const Program &p, uint32_t si, const TargetDesc &t,
                      std::string &error) {
  const CoreStream &s = p.streams[si];
  std::string where = "stream " + std::to_string(si);
  if (s.shares == kOwnCode &&
      (s.instrs.empty() || s.instrs.back().op != Opcode::End)) {
    error = where + ": a stream must end with 'end'";
    return false;
  }
  const std::vector<Instr> &code = p.code(si);
  for (uint32_t ii = 0; ii < code.size(); ++ii) {
    const Instr &in = code[ii];
    int64_t a = in.info().cls == OpClass::SArg ? in.ints[1]
                : in.op == Opcode::SkipArgZ    ? in.ints[0]
                                               : -2;
    if (a != -2 && (a < 0 || (uint64_t)a >= s.args.size())) {
      error = p.describeInstr(t, si, ii) + ": reads launch argument " +
              std::to_string(a) + " but the stream has " +
              std::to_string(s.args.size()) + " arguments";
      return false;
    }
  }
  if (s.shares != kOwnCode)
    return true;
  uint32_t bad = 0;
  std::string msg;
  if (!analyzeControl(s.instrs, t, nullptr, msg, bad)) {
    error = p.describeInstr(t, si, bad) + ": " + msg;
    return false;
  }
  for (uint32_t ii = 0; ii < s.instrs.size(); ++ii) {
    const Instr &in = s.instrs[ii];
    std::string msg;
    if (!verifyInstr(in, t, s.coreType, msg)) {
      error = p.describeInstr(t, si, ii) + ": " + msg;
      return false;
    }
    if (in.op == Opcode::End && ii + 1 != s.instrs.size()) {
      error =
          p.describeInstr(t, si, ii) + ": 'end' before the end of the stream";
      return false;
    }
    for (unsigned k = 0; k < in.info().numTiles; ++k) {
      const Tile &tl = in.tiles[k];
      // Register-relative tiles are checked when issued (the simulator).
      if (tl.space == target::Space::GM && !tl.isRegRelative() &&
          tl.endByte() > p.gmBytes) {
        error = p.describeInstr(t, si, ii) + ": operand '" +
                in.info().tileNames[k] + "' ends at GM byte " +
                std::to_string(tl.endByte()) + ", beyond the program's " +
                std::to_string(p.gmBytes) + " bytes of GM";
        return false;
      }
    }
  }
  return true;
}

bool verifyProgram(const Program &p, const TargetDesc &t, std::string &error,
                   bool checkCode) {
  if (p.targetName != t.name) {
    error = "program was built for target '" + p.targetName + "', not '" +
            t.name + "'";
    return false;
  }
  if (p.targetHash != t.hash) {
    std::ostringstream os;
    os << "program was built for a different description of target '" << t.name
       << "' (hash 0x" << std::hex << p.targetHash << ", this one is 0x"
       << t.hash << ")";
    error = os.str();
    return false;
  }
  if (p.gmBytes > t.space(target::Space::GM).bytes) {
    error = "program needs " + std::to_string(p.gmBytes) +
            " bytes of GM; target '" + t.name + "' has " +
            std::to_string(t.space(target::Space::GM).bytes);
    return false;
  }
  if (p.streams.empty()) {
    error = "program has no instruction streams";
    return false;
  }
  std::set<std::pair<uint32_t, uint32_t>> seen;
  for (uint32_t si = 0; si < p.streams.size(); ++si) {
    const CoreStream &s = p.streams[si];
    std::string where = "stream " + std::to_string(si);
    if (s.coreType == kAiCpuCoreType) {
      if (!t.aicpu.present || s.coreIndex >= t.aicpu.count) {
        error = where + ": AI-CPU " + std::to_string(s.coreIndex) +
                " does not exist on target '" + t.name + "'";
        return false;
      }
    } else if (s.coreType >= t.coreTypes.size()) {
      error = where + ": core type " + std::to_string(s.coreType) +
              " out of range (target '" + t.name + "' has " +
              std::to_string(t.coreTypes.size()) + ")";
      return false;
    } else if (s.coreIndex >= t.coreTypes[s.coreType].count) {
      error = where + ": core " + t.coreTypes[s.coreType].name + "#" +
              std::to_string(s.coreIndex) + " out of range (target has " +
              std::to_string(t.coreTypes[s.coreType].count) + ")";
      return false;
    }
    if (!seen.insert({s.coreType, s.coreIndex}).second) {
      error = where + ": a second stream for the same core";
      return false;
    }
    if (s.shares != kOwnCode) {
      // Shared code was checked with its owner; what is the stream's own is
      // the reference and the arguments its `sarg`s read.
      const CoreStream *o = s.shares < si ? &p.streams[s.shares] : nullptr;
      if (!o || o->shares != kOwnCode || o->coreType != s.coreType) {
        error = where + ": shares the code of stream " +
                std::to_string(s.shares) +
                ", which is not an earlier stream of the same core type "
                "with code of its own";
        return false;
      }
      if (!s.instrs.empty()) {
        error = where + ": shares the code of stream " +
                std::to_string(s.shares) + " but has instructions of its own";
        return false;
      }
    }
    if (checkCode && !verifyStreamCode(p, si, t, error))
      return false;
  }
  // Sizes and addresses come from the file: compare without overflow.
  auto fits = [&](uint64_t addr, uint64_t size) {
    return size <= p.gmBytes && addr <= p.gmBytes - size;
  };
  for (const IoEntry &e : p.io) {
    bool empty = false;
    for (int64_t d : e.shape) {
      if (d < 0) {
        error = "I/O '" + e.name + "' has a negative dimension";
        return false;
      }
      empty = empty || d == 0;
    }
    uint64_t bytes = empty ? 0 : dtypeByteSize(e.dtype);
    for (int64_t d : e.shape) {
      if (empty)
        break;
      if (bytes > p.gmBytes / (uint64_t)d) {
        error = "I/O '" + e.name + "' of shape " + shapeToString(e.shape) +
                " is larger than the program's " + std::to_string(p.gmBytes) +
                " bytes of GM";
        return false;
      }
      bytes *= (uint64_t)d;
    }
    if (!fits(e.gmAddr, bytes)) {
      error = "I/O '" + e.name + "' lies beyond the program's GM";
      return false;
    }
  }
  for (const ConstBlob &c : p.consts) {
    if (!fits(c.gmAddr, c.size)) {
      error = "constant '" + c.name + "' lies beyond the program's GM";
      return false;
    }
    if (c.loadedBytes() && c.loadedBytes() != c.size) {
      error = "constant '" + c.name + "' has " +
              std::to_string(c.loadedBytes()) + " bytes, expected " +
              std::to_string(c.size);
      return false;
    }
  }
  for (const DebugEntry &d : p.debug)
    if (d.stream >= p.streams.size() ||
        (checkCode && d.instr >= p.code(d.stream).size())) {
      error = "debug map entry for stream " + std::to_string(d.stream) +
              " instr " + std::to_string(d.instr) + " names no instruction";
      return false;
    }
  return true;
}

} // namespace tessera::bin
