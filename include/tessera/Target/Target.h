//===- Target.h - NPU target descriptions loaded from JSON ------*- C++ -*-===//
//
// A target (an NPU model) is data: a JSON file read by both the compiler and
// the simulator. This header holds the decoded, validated description. A
// third chip is a new JSON file; nothing here names a particular chip.
//
// Deliberately free of MLIR so the simulator and the binary format can use it.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_TARGET_TARGET_H
#define TESSERA_TARGET_TARGET_H

#include "tessera/Support/Tensor.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tessera::target {

/// The execution pipes of a core. Each runs its queue in order; pipes run
/// concurrently and are ordered only by flags and barriers.
enum class Pipe : uint8_t { S, MTE2, MTE1, M, FIX, V, MTE3, AICPU };
constexpr unsigned kNumPipes = 8;
const char *pipeName(Pipe p);
std::optional<Pipe> parsePipeName(const std::string &name);

/// Memory spaces. LMEM is a unified local memory that serves several of the
/// local roles (L1, L0A, ... UB) at once, as on Sophgo chips.
enum class Space : uint8_t { GM, L2, L1, L0A, L0B, L0C, UB, LMEM };
constexpr unsigned kNumSpaces = 8;
const char *spaceName(Space s);
std::optional<Space> parseSpaceName(const std::string &name);
/// GM and an addressable L2 are shared by all cores; the rest are per core.
inline bool isGlobalSpace(Space s) { return s == Space::GM || s == Space::L2; }

struct SpaceDesc {
  bool present = false;
  uint64_t bytes = 0;
  uint64_t align = 1;
  uint32_t banks = 1;
  /// Roles this space plays (itself, plus every role of a unified memory).
  std::vector<Space> serves;
};

struct CoreTypeDesc {
  std::string name;
  uint32_t count = 0;
  std::vector<Pipe> pipes;
  std::vector<Space> spaces; // local spaces each core of this type owns
  bool hasPipe(Pipe p) const;
  bool hasSpace(Space s) const;
};

struct DmaPath {
  Space from = Space::GM, to = Space::GM;
  Pipe pipe = Pipe::MTE2;
  double bytesPerCycle = 1; // per core
  uint32_t latencyCycles = 0;
};

struct L2CacheDesc {
  bool present = false;
  uint64_t bytes = 0;
  uint32_t lineBytes = 512;
  double readBytesPerCycle = 0;  // per core, on hits
  double writeBytesPerCycle = 0; // per core
  uint32_t hitLatencyCycles = 0;
  /// The cache engine's DRAM rate for l2_prefetch requests, in bytes per
  /// cycle for the whole chip (0: the chip has no cache engine).
  double prefetchBytesPerCycle = 0;
  /// Stores stay in the cache and reach DRAM when their line is evicted
  /// (write-back); otherwise every stored byte goes to DRAM (write-through).
  bool writeBack = false;
};

/// Matrix-engine fractal (m, k, n) for one input dtype: one fractal
/// multiply-accumulate per cycle.
struct Fractal {
  uint32_t m = 16, k = 16, n = 16;
};

struct AiCpuDesc {
  bool present = false;
  uint32_t count = 0;
  double clockHz = 1e9;
  double cyclesPerElement = 10;        // ordinary ops
  double specialCyclesPerElement = 40; // transcendental, sort
  uint32_t callOverheadCycles = 0;     // in AI-CPU cycles
};

/// The scalar unit of every core: registers, loop nesting and the cost of
/// its own instructions (it issues the others at issue_cycles_per_instr).
struct ScalarDesc {
  uint32_t registers = 32;   // r0 reads as zero
  uint32_t maxLoopDepth = 4; // nested hardware loops
  uint32_t aluCycles = 1;    // add, sub, min, max, shifts, logic, compares
  uint32_t mulCycles = 2;
  uint32_t divCycles = 16;      // div, rem
  uint32_t loadCycles = 100;    // a scalar load from GM that misses the D-cache
  uint32_t loadHitCycles = 2;   // one that hits it
  uint32_t dcacheBytes = 16384; // the scalar data cache (0: none)
  uint32_t dcacheLineBytes = 64;
  uint32_t storeCycles = 1;
  uint32_t branchCycles = 1; // loop, endloop, skip
};

struct TargetDesc {
  std::string name;
  std::string description;
  std::vector<std::string> sources;
  double clockHz = 1e9;
  uint32_t launchOverheadCycles = 0;
  uint32_t issueCyclesPerInstr = 1;
  std::vector<CoreTypeDesc> coreTypes;
  std::array<SpaceDesc, kNumSpaces> spaces;

  // DRAM behind GM.
  double dramPeakBytesPerSec = 1e9;
  double dramEfficiency = 1.0;
  uint32_t dramLatencyCycles = 0;
  /// Per-core cap on bytes/cycle served from DRAM (0: no cap).
  double dramPerCoreBytesPerCycle = 0;
  L2CacheDesc l2;

  // DMA.
  bool sharedLoadStoreEngine = false;
  uint32_t burstBytes = 64;
  uint32_t shortBurstPenaltyCycles = 0;
  std::vector<DmaPath> dmaPaths;

  // Matrix engine.
  std::map<DType, Fractal> fractals; // input dtype -> fractal
  uint32_t mmadStartupCycles = 0;

  // Vector unit.
  double vectorBytesPerCycle = 256;
  uint32_t vectorStartupCycles = 0;
  std::map<std::string, double> vectorOpCycles; // cycles per repeat
  std::vector<DType> vectorDTypes;

  // Sync.
  uint32_t flagIdsPerPipePair = 8;
  uint32_t crossCoreFlags = 16;
  uint32_t flagLatencyCycles = 1;

  AiCpuDesc aicpu;
  ScalarDesc scalar;

  /// FNV-1a 64 of the canonical JSON text; programs record it.
  uint64_t hash = 0;
  /// The canonical JSON the description was built from.
  std::string canonicalJson;

  // --- Queries -------------------------------------------------------------
  const SpaceDesc &space(Space s) const { return spaces[(unsigned)s]; }
  /// Does the space `s` (present on this target) play role `role`?
  bool spaceServes(Space s, Space role) const;
  /// The DMA path from -> to; with `pipe`, only a path served by that pipe.
  const DmaPath *findPath(Space from, Space to,
                          std::optional<Pipe> pipe = std::nullopt) const;
  const Fractal *fractal(DType inputType) const;
  /// Cycles per repeat of a vector op (by mnemonic without the leading `v`).
  double vectorCost(const std::string &op) const;
  uint32_t totalCores() const;
  /// Whether the matrix engines sit on cores without a vector unit, beside
  /// vector cores without a matrix engine (dc): a product's result reaches
  /// the vector unit only through GM.
  bool separateVectorCores() const;
  /// (core type index, index within type) of a flat core id.
  bool coreOf(uint32_t flat, uint32_t &type, uint32_t &index) const;
  uint32_t flatCoreId(uint32_t type, uint32_t index) const;
  /// DRAM bytes per core clock cycle after efficiency.
  double dramBytesPerCycle() const {
    return dramPeakBytesPerSec * dramEfficiency / clockHz;
  }
  /// Peak matrix FLOP/s for an input dtype over all cores that have pipe M.
  double peakFlopsPerSec(DType inputType) const;
};

/// Parses and validates a target description. Errors name the JSON field
/// ("memory.L0A.align: must be a power of two").
bool parseTarget(const std::string &jsonText, TargetDesc &out,
                 std::string &error);
bool loadTargetFile(const std::string &path, TargetDesc &out,
                    std::string &error);
/// The presets embedded in the library at build time ("edge", "dc").
bool loadPreset(const std::string &name, TargetDesc &out, std::string &error);
std::vector<std::string> presetNames();
/// A preset name or a path to a JSON file.
bool loadTarget(const std::string &nameOrPath, TargetDesc &out,
                std::string &error);
/// Cached lookup for callers (verifiers, passes) that run many times: a
/// preset name, a JSON path, or the name of a target registered (or loaded
/// from a JSON path here) earlier in this process. A JSON file's target is
/// found by its path and by its name from then on, so IR that names the
/// target (isa.program) resolves to the file even when it reuses a preset's
/// name.
const TargetDesc *getPresetCached(const std::string &name, std::string &error);
/// Makes `t` what getPresetCached(t.name) returns in this process (a custom
/// chip loaded from a file or from a program). Returns the stored copy.
const TargetDesc *registerTarget(const TargetDesc &t);
/// Is `t` exactly the embedded preset of its name (same content hash)?
bool isUnmodifiedPreset(const TargetDesc &t);

uint64_t fnv1a64(const void *data, size_t size,
                 uint64_t seed = 1469598103934665603ULL);

} // namespace tessera::target

#endif // TESSERA_TARGET_TARGET_H
