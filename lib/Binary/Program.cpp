//===- Program.cpp - Program helpers and whole-program verification -------===//
#include "tessera/Binary/Program.h"
#include "tessera/Support/FileIO.h"

#include <set>
#include <sstream>

namespace tessera::bin {

using target::TargetDesc;

std::string Program::locOf(uint32_t stream, uint32_t instr) const {
  for (const DebugEntry &d : debug)
    if (d.stream == stream && d.instr == instr)
      return d.loc;
  return "";
}

size_t Program::numInstrs() const {
  size_t n = 0;
  for (const CoreStream &s : streams)
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
    if (instr < s.instrs.size())
      os << " (" << s.instrs[instr].info().mnemonic << " on "
         << target::pipeName(s.instrs[instr].pipe) << ")";
  } else {
    os << "stream " << stream << " instr " << instr;
  }
  std::string loc = locOf(stream, instr);
  if (!loc.empty())
    os << " [" << loc << "]";
  return os.str();
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

bool verifyProgram(const Program &p, const TargetDesc &t, std::string &error) {
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
    if (s.instrs.empty() || s.instrs.back().op != Opcode::End) {
      error = where + ": a stream must end with 'end'";
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
        if (tl.space == target::Space::GM && tl.endByte() > p.gmBytes) {
          error = p.describeInstr(t, si, ii) + ": operand '" +
                  in.info().tileNames[k] + "' ends at GM byte " +
                  std::to_string(tl.endByte()) + ", beyond the program's " +
                  std::to_string(p.gmBytes) + " bytes of GM";
          return false;
        }
      }
    }
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
    if (!c.data.empty() && c.data.size() != c.size) {
      error = "constant '" + c.name + "' has " + std::to_string(c.data.size()) +
              " bytes, expected " + std::to_string(c.size);
      return false;
    }
  }
  for (const DebugEntry &d : p.debug)
    if (d.stream >= p.streams.size() ||
        d.instr >= p.streams[d.stream].instrs.size()) {
      error = "debug map entry for stream " + std::to_string(d.stream) +
              " instr " + std::to_string(d.instr) + " names no instruction";
      return false;
    }
  return true;
}

} // namespace tessera::bin
