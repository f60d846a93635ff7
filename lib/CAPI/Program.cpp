//===- Program.cpp - C API: programs on the simulator ---------------------===//
#include "Handles.h"

#include "tessera/Sim/Simulator.h"

#include <nlohmann/json.hpp>

using namespace tessera;
using namespace tessera::capi;

namespace tessera::capi {
Registry<tessera_program_opaque> &programs() {
  static Registry<tessera_program_opaque> registry;
  return registry;
}
} // namespace tessera::capi

#define CHECK_PROGRAM(p)                                                       \
  if (!programs().contains(p))                                                 \
    return fail(TESSERA_STATUS_INVALID_HANDLE,                                 \
                "invalid tessera_program_t handle (null or destroyed)");

static tessera_status_t loadProgram(bin::Program &&prog, const char *target,
                                    tessera_program_t *out) {
  std::string error;
  std::string name = target && *target ? std::string(target) : prog.targetName;
  auto p = std::make_unique<tessera_program_opaque>();
  if (!target::loadTarget(name, p->target, error))
    return fail(TESSERA_STATUS_BAD_INPUT, "target '" + name + "': " + error);
  if (!bin::verifyProgram(prog, p->target, error))
    return fail(prog.targetName != p->target.name ||
                        prog.targetHash != p->target.hash
                    ? TESSERA_STATUS_TARGET_MISMATCH
                    : TESSERA_STATUS_BAD_INPUT,
                error);
  p->targetName = p->target.name;
  for (const bin::IoEntry &e : prog.io)
    (e.isOutput ? p->outputs : p->inputs).push_back({e.name, e.dtype, e.shape});
  uint64_t constBytes = 0;
  for (const bin::ConstBlob &c : prog.consts)
    constBytes += c.size;
  nlohmann::json summary = {
      {"target", p->target.name},         {"name", prog.name},
      {"instructions", prog.numInstrs()}, {"streams", prog.streams.size()},
      {"gm_bytes", prog.gmBytes},         {"constant_bytes", constBytes},
      {"inputs", p->inputs.size()},       {"outputs", p->outputs.size()}};
  p->summaryJson = summary.dump();
  p->program = std::move(prog);
  *out = p.release();
  programs().add(*out);
  return ok();
}

extern "C" {

tessera_status_t tesseraProgramLoad(const void *bytes, size_t size,
                                    const char *target,
                                    tessera_program_t *out) {
  if (!out || (!bytes && size))
    return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                "tesseraProgramLoad: null bytes or out pointer");
  *out = nullptr;
  bin::Program prog;
  std::string error;
  if (!bin::decodeProgram(static_cast<const uint8_t *>(bytes), size, prog,
                          error))
    return fail(TESSERA_STATUS_BAD_INPUT, "program bytes: " + error);
  return loadProgram(std::move(prog), target, out);
}

tessera_status_t tesseraProgramLoadFile(const char *path, const char *target,
                                        tessera_program_t *out) {
  if (!path || !out)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                "tesseraProgramLoadFile: null path or out pointer");
  *out = nullptr;
  bin::Program prog;
  std::string error;
  if (!bin::readProgramFile(path, prog, error))
    return fail(TESSERA_STATUS_BAD_INPUT, error);
  return loadProgram(std::move(prog), target, out);
}

tessera_status_t tesseraProgramDestroy(tessera_program_t program) {
  if (!program)
    return ok();
  if (!programs().remove(program))
    return fail(TESSERA_STATUS_INVALID_HANDLE,
                "tesseraProgramDestroy: unknown or already destroyed program");
  delete program;
  return ok();
}

tessera_status_t tesseraProgramGetTarget(tessera_program_t program,
                                         const char **name) {
  CHECK_PROGRAM(program);
  if (!name)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null name pointer");
  *name = program->targetName.c_str();
  return ok();
}

tessera_status_t tesseraProgramGetNumIo(tessera_program_t program,
                                        int is_output, size_t *count) {
  CHECK_PROGRAM(program);
  if (!count)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null count pointer");
  *count = (is_output ? program->outputs : program->inputs).size();
  return ok();
}

tessera_status_t tesseraProgramGetIo(tessera_program_t program, int is_output,
                                     size_t index, const char **name,
                                     tessera_dtype_t *dtype, size_t *rank,
                                     const int64_t **shape) {
  CHECK_PROGRAM(program);
  const auto &list = is_output ? program->outputs : program->inputs;
  if (index >= list.size())
    return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                "I/O index " + std::to_string(index) + " out of range (" +
                    std::to_string(list.size()) + " entries)");
  const IoInfo &e = list[index];
  if (name)
    *name = e.name.c_str();
  if (dtype)
    *dtype = fromDType(e.dtype);
  if (rank)
    *rank = e.shape.size();
  if (shape)
    *shape = e.shape.data();
  return ok();
}

tessera_status_t tesseraProgramSetInput(tessera_program_t program,
                                        const char *name, tessera_dtype_t dtype,
                                        const int64_t *shape, size_t rank,
                                        const void *data, size_t size) {
  CHECK_PROGRAM(program);
  if (!name || (rank && !shape) || (!data && size))
    return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                "tesseraProgramSetInput: null name, shape or data");
  const IoInfo *info = nullptr;
  for (const IoInfo &e : program->inputs)
    if (e.name == name)
      info = &e;
  if (!info)
    return fail(TESSERA_STATUS_NOT_FOUND,
                std::string("the program has no input '") + name + "'");
  std::optional<DType> dt = toDType(dtype);
  if (!dt)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                "unknown element type " + std::to_string((int)dtype));
  Shape s(shape, shape + rank);
  if (*dt != info->dtype || s != info->shape)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                std::string("input '") + name + "' is " +
                    dtypeName(info->dtype) + " " + shapeToString(info->shape) +
                    ", got " + dtypeName(*dt) + " " + shapeToString(s));
  int64_t expected = shapeNumElements(s) * dtypeByteSize(*dt);
  if ((int64_t)size != expected)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                std::string("input '") + name + "' needs " +
                    std::to_string(expected) + " bytes, got " +
                    std::to_string(size));
  program->bound[name] =
      Tensor::fromBytes(*dt, s, static_cast<const uint8_t *>(data), size);
  return ok();
}

tessera_status_t tesseraProgramRun(tessera_program_t program) {
  CHECK_PROGRAM(program);
  for (const IoInfo &e : program->inputs)
    if (!program->bound.count(e.name))
      return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                  "input '" + e.name + "' (" + dtypeName(e.dtype) + " " +
                      shapeToString(e.shape) + ") is not bound");
  std::map<std::string, Tensor> outputs;
  std::string error;
  program->results.clear();
  program->statsJson = "{}";
  program->cycles = 0;
  program->profiled = false;
  program->profile = sim::Profile();
  program->profileJson.clear();
  program->profileHtml.clear();
  if (program->evaluate) {
    if (!program->evaluate(program->bound, outputs, error))
      return fail(TESSERA_STATUS_RUN_ERROR, error);
  } else {
    // Every run is profiled: recording costs little next to the run.
    sim::SimOptions so;
    so.profile = true;
    sim::Simulator simulator(program->target, so);
    sim::Stats stats;
    if (!simulator.run(program->program, program->bound, outputs, stats, error))
      return fail(TESSERA_STATUS_RUN_ERROR, error);
    program->statsJson = stats.toJson();
    program->cycles = stats.cycles;
    program->profile = simulator.profile();
    program->profiled = true;
  }
  for (auto &[name, t] : outputs)
    program->results[name] = {t.toBytes(), t.dtype(), t.shape()};
  return ok();
}

tessera_status_t tesseraProgramGetOutput(tessera_program_t program,
                                         const char *name, const void **data,
                                         size_t *size, tessera_dtype_t *dtype,
                                         size_t *rank, const int64_t **shape) {
  CHECK_PROGRAM(program);
  if (!name)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null output name");
  auto it = program->results.find(name);
  if (it == program->results.end())
    return fail(TESSERA_STATUS_NOT_FOUND,
                std::string("no output '") + name +
                    "' (run the program first; outputs are named as in "
                    "tesseraProgramGetIo)");
  const OutputData &o = it->second;
  if (data)
    *data = o.bytes.data();
  if (size)
    *size = o.bytes.size();
  if (dtype)
    *dtype = fromDType(o.dtype);
  if (rank)
    *rank = o.shape.size();
  if (shape)
    *shape = o.shape.data();
  return ok();
}

tessera_status_t tesseraProgramGetStatsJson(tessera_program_t program,
                                            const char **json) {
  CHECK_PROGRAM(program);
  if (!json)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null json pointer");
  *json = program->statsJson.c_str();
  return ok();
}

tessera_status_t tesseraProgramGetSummaryJson(tessera_program_t program,
                                              const char **json) {
  CHECK_PROGRAM(program);
  if (!json)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null json pointer");
  *json = program->summaryJson.c_str();
  return ok();
}

tessera_status_t tesseraProgramGetCycles(tessera_program_t program,
                                         double *cycles) {
  CHECK_PROGRAM(program);
  if (!cycles)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null cycles pointer");
  *cycles = program->cycles;
  return ok();
}

static tessera_status_t profileText(tessera_program_t program,
                                    const char **text, bool html) {
  if (!text)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null text pointer");
  if (!program->profiled)
    return fail(TESSERA_STATUS_STAGE_ORDER,
                program->evaluate
                    ? "the golden evaluator has no profile (profile a "
                      "compiled program)"
                    : "no profile yet: run the program on the simulator "
                      "first (tesseraProgramRun)");
  std::string &cached = html ? program->profileHtml : program->profileJson;
  if (cached.empty())
    cached = html ? program->profile.toHtml() : program->profile.toJson();
  *text = cached.c_str();
  return ok();
}

tessera_status_t tesseraProgramGetProfileJson(tessera_program_t program,
                                              const char **json) {
  CHECK_PROGRAM(program);
  return profileText(program, json, false);
}

tessera_status_t tesseraProgramGetProfileHtml(tessera_program_t program,
                                              const char **html) {
  CHECK_PROGRAM(program);
  return profileText(program, html, true);
}

} // extern "C"
