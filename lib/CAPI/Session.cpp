//===- Session.cpp - C API: compile sessions ------------------------------===//
//
// A session owns an MLIRContext, the compile options and one module that
// moves forward through the pipeline's stages. Each session's diagnostics go
// to its own callback through a handler on its own context, so sessions on
// different threads share nothing but the (locked) target cache.
//
//===----------------------------------------------------------------------===//
#include "Handles.h"

#include "tessera/Eval/Interpreter.h"
#include "tessera/Pipeline/Compile.h"

#include "Graph/IR/GraphDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <memory>

using namespace mlir;
using namespace tessera;
using namespace tessera::capi;
using pipeline::Stage;

/// The context and module; shared with the evaluators made from it.
struct SessionState {
  MLIRContext context{MLIRContext::Threading::DISABLED};
  OwningOpRef<ModuleOp> module;
};

struct tessera_session_opaque {
  std::shared_ptr<SessionState> state = std::make_shared<SessionState>();
  pipeline::PipelineOptions options;
  OnnxImportOptions importOptions;
  Stage stage = Stage::Import;
  tessera_diagnostic_callback_t callback = nullptr;
  void *userData = nullptr;
  /// Error diagnostics of the current call, for the last-error message.
  std::string errors;
  std::optional<ScopedDiagnosticHandler> handler;
};

static Registry<tessera_session_opaque> &sessions() {
  static Registry<tessera_session_opaque> registry;
  return registry;
}

#define CHECK_SESSION(s)                                                       \
  if (!sessions().contains(s))                                                 \
    return fail(TESSERA_STATUS_INVALID_HANDLE,                                 \
                "invalid tessera_session_t handle (null or destroyed)");       \
  s->errors.clear();

/// "file:line:col", "node 'NAME'" for an ONNX node, or "".
static std::string describeLocation(Location loc) {
  if (auto f = dyn_cast<FileLineColLoc>(loc))
    return (f.getFilename().str() + ":" + std::to_string(f.getLine()) + ":" +
            std::to_string(f.getColumn()));
  if (auto n = dyn_cast<NameLoc>(loc)) {
    std::string inner = describeLocation(n.getChildLoc());
    return "node '" + n.getName().str() + "'" +
           (inner.empty() ? "" : " (" + inner + ")");
  }
  if (auto f = dyn_cast<FusedLoc>(loc)) {
    std::string all;
    for (Location l : f.getLocations()) {
      std::string s = describeLocation(l);
      if (!s.empty())
        all += (all.empty() ? "" : ", ") + s;
    }
    return all;
  }
  if (auto c = dyn_cast<CallSiteLoc>(loc))
    return describeLocation(c.getCallee());
  return "";
}

static tessera_severity_t severityOf(DiagnosticSeverity s) {
  switch (s) {
  case DiagnosticSeverity::Note:
    return TESSERA_SEVERITY_NOTE;
  case DiagnosticSeverity::Warning:
    return TESSERA_SEVERITY_WARNING;
  case DiagnosticSeverity::Error:
    return TESSERA_SEVERITY_ERROR;
  case DiagnosticSeverity::Remark:
    return TESSERA_SEVERITY_REMARK;
  }
  return TESSERA_SEVERITY_ERROR;
}

static void report(tessera_session_opaque *s, Diagnostic &diag) {
  std::string message = diag.str();
  std::string location = describeLocation(diag.getLocation());
  if (diag.getSeverity() == DiagnosticSeverity::Error)
    s->errors += (s->errors.empty() ? "" : "\n") +
                 (location.empty() ? "" : location + ": ") + message;
  if (s->callback) {
    tessera_diagnostic_t d{severityOf(diag.getSeverity()), message.c_str(),
                           location.c_str()};
    s->callback(&d, s->userData);
  }
  for (Diagnostic &note : diag.getNotes())
    report(s, note);
}

/// The status for a failed step: the diagnostics, or `fallback`.
static tessera_status_t failWithDiagnostics(tessera_session_opaque *s,
                                            tessera_status_t status,
                                            const std::string &fallback) {
  return fail(status, s->errors.empty() ? fallback : s->errors);
}

static bool parseBool(const char *value, bool &out) {
  std::string v = value;
  if (v == "true" || v == "1" || v == "on") {
    out = true;
    return true;
  }
  if (v == "false" || v == "0" || v == "off") {
    out = false;
    return true;
  }
  return false;
}

static tessera_status_t setModule(tessera_session_opaque *s,
                                  OwningOpRef<ModuleOp> module, Stage stage,
                                  const std::string &what) {
  if (!module)
    return failWithDiagnostics(s, TESSERA_STATUS_BAD_INPUT,
                               "cannot read " + what);
  s->state->module = std::move(module);
  s->stage = stage;
  return ok();
}

extern "C" {

tessera_status_t tesseraSessionCreate(tessera_session_t *out) {
  if (!out)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null out pointer");
  auto s = std::make_unique<tessera_session_opaque>();
  pipeline::loadAllDialects(s->state->context);
  tessera_session_opaque *raw = s.get();
  s->handler.emplace(&s->state->context, [raw](Diagnostic &diag) {
    report(raw, diag);
    return success();
  });
  *out = s.release();
  sessions().add(*out);
  return ok();
}

tessera_status_t tesseraSessionDestroy(tessera_session_t session) {
  if (!session)
    return ok();
  if (!sessions().remove(session))
    return fail(TESSERA_STATUS_INVALID_HANDLE,
                "tesseraSessionDestroy: unknown or already destroyed session");
  delete session;
  return ok();
}

tessera_status_t
tesseraSessionSetDiagnosticCallback(tessera_session_t session,
                                    tessera_diagnostic_callback_t callback,
                                    void *user_data) {
  CHECK_SESSION(session);
  session->callback = callback;
  session->userData = user_data;
  return ok();
}

tessera_status_t tesseraSessionSetOption(tessera_session_t session,
                                         const char *name, const char *value) {
  CHECK_SESSION(session);
  if (!name || !value)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null option name or value");
  std::string n = name;
  pipeline::PipelineOptions &o = session->options;
  auto badBool = [&] {
    return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                "option '" + n + "' takes true or false, got '" + value + "'");
  };
#define TESSERA_PIPELINE_OPTION(TYPE, FIELD, NAME, DEFAULT, DESC)              \
  if (n == NAME) {                                                             \
    o.FIELD = value;                                                           \
    return ok();                                                               \
  }
#define TESSERA_PIPELINE_SWITCH(FIELD, NAME, DEFAULT, DESC)                    \
  if (n == NAME)                                                               \
    return parseBool(value, o.FIELD) ? ok() : badBool();
#define TESSERA_PIPELINE_ON_SWITCH(FIELD, NAME, DESC, OFF_DESC)                \
  if (n == NAME)                                                               \
    return parseBool(value, o.FIELD) ? ok() : badBool();
#include "tessera/Pipeline/PipelineOptions.def"
  if (n == "input-shape") {
    std::string error;
    if (!parseInputShapeSpec(value, session->importOptions, error))
      return fail(TESSERA_STATUS_INVALID_ARGUMENT, "input-shape: " + error);
    return ok();
  }
  if (n == "onnx-checker")
    return parseBool(value, session->importOptions.runChecker) ? ok()
                                                               : badBool();
  return fail(TESSERA_STATUS_NOT_FOUND, "unknown option '" + n + "'");
}

tessera_status_t tesseraSessionImportOnnxFile(tessera_session_t session,
                                              const char *path) {
  CHECK_SESSION(session);
  if (!path)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null path");
  return setModule(
      session,
      importOnnxFile(path, &session->state->context, session->importOptions),
      Stage::Import, std::string("'") + path + "'");
}

tessera_status_t tesseraSessionImportOnnxBuffer(tessera_session_t session,
                                                const void *data, size_t size,
                                                const char *name) {
  CHECK_SESSION(session);
  if (!data || !size)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "empty ONNX buffer");
  std::string label = name ? name : "<buffer>";
  return setModule(
      session,
      importOnnxBytes(std::string(static_cast<const char *>(data), size), label,
                      ".", &session->state->context, session->importOptions),
      Stage::Import, label);
}

tessera_status_t tesseraSessionParseMlir(tessera_session_t session,
                                         const char *text, size_t size,
                                         const char *name,
                                         tessera_stage_t stage) {
  CHECK_SESSION(session);
  if (!text)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null MLIR text");
  if (stage < TESSERA_STAGE_IMPORT || stage > TESSERA_STAGE_ISA)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                "MLIR text holds a module at stage import, graph, npu or isa");
  std::string label = name ? name : "<text>";
  return setModule(session,
                   pipeline::parseModule(StringRef(text, size), label,
                                         session->state->context),
                   (Stage)stage, label);
}

tessera_status_t tesseraSessionGetStage(tessera_session_t session,
                                        tessera_stage_t *out) {
  CHECK_SESSION(session);
  if (!out)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null out pointer");
  if (!session->state->module)
    return fail(TESSERA_STATUS_STAGE_ORDER, "the session holds no module");
  *out = (tessera_stage_t)session->stage;
  return ok();
}

tessera_status_t tesseraSessionRunToStage(tessera_session_t session,
                                          tessera_stage_t stage) {
  CHECK_SESSION(session);
  if (stage < TESSERA_STAGE_IMPORT || stage > TESSERA_STAGE_BINARY)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT,
                "unknown stage " + std::to_string((int)stage));
  if (!session->state->module)
    return fail(TESSERA_STATUS_STAGE_ORDER,
                "the session holds no module (import or parse one first)");
  Stage to = (Stage)stage;
  if (to < session->stage)
    return fail(
        TESSERA_STATUS_STAGE_ORDER,
        "the module is at stage '" + pipeline::stageName(session->stage).str() +
            "'; it cannot go back to '" + pipeline::stageName(to).str() + "'");
  if (failed(pipeline::runPipeline(*session->state->module, session->options,
                                   session->stage, to))) {
    session->state->module = nullptr;
    return failWithDiagnostics(session, TESSERA_STATUS_COMPILE_ERROR,
                               "the pipeline failed");
  }
  session->stage = to;
  return ok();
}

tessera_status_t tesseraSessionGetIr(tessera_session_t session, char **text,
                                     size_t *size) {
  CHECK_SESSION(session);
  if (!text)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null text pointer");
  if (!session->state->module)
    return fail(TESSERA_STATUS_STAGE_ORDER, "the session holds no module");
  std::string ir;
  llvm::raw_string_ostream os(ir);
  pipeline::printModule(*session->state->module, os);
  os.flush();
  *text = static_cast<char *>(std::malloc(ir.size() + 1));
  if (!*text)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "out of memory");
  std::memcpy(*text, ir.c_str(), ir.size() + 1);
  if (size)
    *size = ir.size();
  return ok();
}

tessera_status_t tesseraSessionGetProgramBytes(tessera_session_t session,
                                               void **bytes, size_t *size) {
  CHECK_SESSION(session);
  if (!bytes || !size)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null bytes or size pointer");
  if (!session->state->module || session->stage < Stage::Isa)
    return fail(TESSERA_STATUS_STAGE_ORDER,
                "the program exists from stage 'isa' on (run to isa or "
                "binary first)");
  FailureOr<bin::Program> prog = pipeline::programOf(*session->state->module);
  if (failed(prog))
    return failWithDiagnostics(session, TESSERA_STATUS_COMPILE_ERROR,
                               "no program in the module");
  std::vector<uint8_t> encoded = bin::encodeProgram(*prog);
  *bytes = std::malloc(encoded.size());
  if (!*bytes)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "out of memory");
  std::memcpy(*bytes, encoded.data(), encoded.size());
  *size = encoded.size();
  session->stage = Stage::Binary;
  return ok();
}

tessera_status_t tesseraSessionCreateEvaluator(tessera_session_t session,
                                               tessera_program_t *out) {
  CHECK_SESSION(session);
  if (!out)
    return fail(TESSERA_STATUS_INVALID_ARGUMENT, "null out pointer");
  *out = nullptr;
  if (!session->state->module || session->stage > Stage::Graph)
    return fail(TESSERA_STATUS_STAGE_ORDER,
                "the golden evaluator runs a module at stage import or "
                "graph");
  std::string error;
  func::FuncOp func = findEntryFunction(*session->state->module, error);
  if (!func)
    return fail(TESSERA_STATUS_BAD_INPUT, error);
  auto p = std::make_unique<tessera_program_opaque>();
  p->targetName = "golden";
  std::vector<std::string> argNames = getArgumentNames(func);
  for (auto [i, name] : llvm::enumerate(argNames)) {
    auto type = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    std::optional<DType> dt =
        type ? graph::toDType(type.getElementType()) : std::nullopt;
    if (!dt)
      return fail(TESSERA_STATUS_BAD_INPUT,
                  "input '" + name + "' has an unsupported type");
    p->inputs.push_back(
        {name, *dt, Shape(type.getShape().begin(), type.getShape().end())});
  }
  std::vector<std::string> resultNames = getResultNames(func);
  for (auto [i, name] : llvm::enumerate(resultNames)) {
    auto type = dyn_cast<RankedTensorType>(func.getResultTypes()[i]);
    std::optional<DType> dt =
        type ? graph::toDType(type.getElementType()) : std::nullopt;
    p->outputs.push_back(
        {name, dt.value_or(DType::F32),
         type ? Shape(type.getShape().begin(), type.getShape().end())
              : Shape()});
  }
  // The evaluator owns a copy of the module and keeps the session's context
  // alive, so it outlives later imports and the session itself.
  struct EvaluatorState {
    std::shared_ptr<SessionState> session;
    OwningOpRef<ModuleOp> module; // destroyed before the context
  };
  auto state = std::make_shared<EvaluatorState>();
  state->session = session->state;
  state->module = session->state->module->clone();
  p->evaluate = [state, argNames,
                 resultNames](const std::map<std::string, Tensor> &bound,
                              std::map<std::string, Tensor> &outputs,
                              std::string &error) {
    std::string diagnostics;
    ScopedDiagnosticHandler handler(
        &state->session->context, [&](Diagnostic &d) {
          if (d.getSeverity() == DiagnosticSeverity::Error)
            diagnostics += (diagnostics.empty() ? "" : "\n") +
                           describeLocation(d.getLocation()) + ": " + d.str();
          return success();
        });
    func::FuncOp f = findEntryFunction(*state->module, error);
    if (!f)
      return false;
    std::vector<Tensor> inputs;
    for (const std::string &n : argNames)
      inputs.push_back(bound.at(n));
    FailureOr<std::vector<Tensor>> results = evaluateFunction(f, inputs);
    if (failed(results)) {
      error = diagnostics.empty() ? "evaluation failed" : diagnostics;
      return false;
    }
    for (auto [n, t] : llvm::zip(resultNames, *results))
      outputs[n] = std::move(t);
    return true;
  };
  *out = p.release();
  programs().add(*out);
  return ok();
}

} // extern "C"
