//===- _tessera.cpp - Python bindings over Tessera's C API ----------------===//
//
// The extension module `tessera._tessera`. It is written against the stable
// C API only (include/tessera-c), so it shares no C++ types with the
// compiler and any exception stays inside this module: every C status
// becomes a Python exception (CompileError, RunError, TesseraError) carrying
// the diagnostics.
//
//===----------------------------------------------------------------------===//
#include "tessera-c/Tessera.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

struct Diagnostic {
  std::string severity, message, location;
};

/// The exception types, created once at import.
py::object errorType, compileErrorType, runErrorType;

[[noreturn]] void raise(tessera_status_t status,
                        const std::vector<Diagnostic> &diags = {}) {
  py::object type = errorType;
  if (status == TESSERA_STATUS_COMPILE_ERROR ||
      status == TESSERA_STATUS_BAD_INPUT ||
      status == TESSERA_STATUS_STAGE_ORDER)
    type = compileErrorType;
  else if (status == TESSERA_STATUS_RUN_ERROR ||
           status == TESSERA_STATUS_TARGET_MISMATCH)
    type = runErrorType;
  py::list list;
  for (const Diagnostic &d : diags)
    list.append(py::dict(py::arg("severity") = d.severity,
                         py::arg("message") = d.message,
                         py::arg("location") = d.location));
  py::object exc = type(std::string(tesseraGetLastErrorMessage()));
  exc.attr("status") = std::string(tesseraStatusString(status));
  exc.attr("diagnostics") = list;
  PyErr_SetObject(type.ptr(), exc.ptr());
  throw py::error_already_set();
}

void check(tessera_status_t status, const std::vector<Diagnostic> &diags = {}) {
  if (status != TESSERA_STATUS_OK)
    raise(status, diags);
}

py::dtype numpyDType(tessera_dtype_t d) {
  switch (d) {
  case TESSERA_DTYPE_F16:
    return py::dtype("float16");
  case TESSERA_DTYPE_BF16: // no numpy bfloat16: the raw bits
    return py::dtype("uint16");
  case TESSERA_DTYPE_F32:
    return py::dtype("float32");
  case TESSERA_DTYPE_F64:
    return py::dtype("float64");
  case TESSERA_DTYPE_I8:
    return py::dtype("int8");
  case TESSERA_DTYPE_I16:
    return py::dtype("int16");
  case TESSERA_DTYPE_I32:
    return py::dtype("int32");
  case TESSERA_DTYPE_I64:
    return py::dtype("int64");
  case TESSERA_DTYPE_U8:
    return py::dtype("uint8");
  case TESSERA_DTYPE_U16:
    return py::dtype("uint16");
  case TESSERA_DTYPE_U32:
    return py::dtype("uint32");
  case TESSERA_DTYPE_U64:
    return py::dtype("uint64");
  case TESSERA_DTYPE_BOOL:
    return py::dtype("bool");
  }
  return py::dtype("float32");
}

const char *kStages[] = {"import", "graph", "npu", "isa", "binary"};

tessera_stage_t parseStage(const std::string &name) {
  for (int i = 0; i < 5; ++i)
    if (name == kStages[i])
      return (tessera_stage_t)i;
  throw py::value_error("unknown stage '" + name +
                        "' (import, graph, npu, isa, binary)");
}

py::object parseJson(const char *text) {
  return py::module_::import("json").attr("loads")(std::string(text));
}

/// A loaded program (or golden evaluator) and, when compiled here, the IR of
/// every stage and the program bytes.
class Program {
public:
  Program(tessera_program_t handle, std::vector<char> bytes,
          std::map<std::string, std::string> ir)
      : handle(handle), bytes(std::move(bytes)), irByStage(std::move(ir)) {}
  Program(const Program &) = delete;
  ~Program() { tesseraProgramDestroy(handle); }

  std::string target() const {
    const char *name = nullptr;
    check(tesseraProgramGetTarget(handle, &name));
    return name;
  }

  py::list io(bool outputs) const {
    size_t n = 0;
    check(tesseraProgramGetNumIo(handle, outputs, &n));
    py::list list;
    for (size_t i = 0; i < n; ++i) {
      const char *name;
      tessera_dtype_t dtype;
      size_t rank;
      const int64_t *shape;
      check(tesseraProgramGetIo(handle, outputs, i, &name, &dtype, &rank,
                                &shape));
      list.append(py::make_tuple(
          std::string(name), numpyDType(dtype),
          py::tuple(py::cast(std::vector<int64_t>(shape, shape + rank)))));
    }
    return list;
  }

  std::string ir(const std::string &stage) const {
    parseStage(stage);
    auto it = irByStage.find(stage);
    if (it == irByStage.end())
      throw py::value_error(
          irByStage.empty()
              ? "this program was loaded, not compiled here: it has no IR"
              : "no IR kept for stage '" + stage + "'");
    return it->second;
  }

  void save(const std::string &path) const {
    if (bytes.empty())
      throw py::value_error("this program was loaded from a file; copy that "
                            "file instead");
    std::ofstream f(path, std::ios::binary);
    if (!f.write(bytes.data(), (std::streamsize)bytes.size()))
      throw py::value_error("cannot write '" + path + "'");
  }

  py::object stats() const {
    const char *json = nullptr;
    check(tesseraProgramGetSummaryJson(handle, &json));
    return parseJson(json);
  }

  py::dict run(const py::dict &inputs) {
    lastStats = py::none(); // a failed run leaves no stats or profile
    size_t n = 0;
    check(tesseraProgramGetNumIo(handle, false, &n));
    for (size_t i = 0; i < n; ++i) {
      const char *name;
      tessera_dtype_t dtype;
      size_t rank;
      const int64_t *shape;
      check(
          tesseraProgramGetIo(handle, false, i, &name, &dtype, &rank, &shape));
      if (!inputs.contains(name))
        throw py::key_error(std::string("missing input '") + name + "'");
      // One conversion at most (to the program's dtype, C order); the C API
      // then decodes the buffer into the simulator's tensor.
      py::array array = py::array::ensure(inputs[name]);
      if (!array)
        throw py::type_error(std::string("input '") + name +
                             "' is not array-like");
      py::array typed = array.attr("astype")(
          numpyDType(dtype), py::arg("order") = "C", py::arg("copy") = false);
      std::vector<int64_t> dims(typed.shape(), typed.shape() + typed.ndim());
      check(tesseraProgramSetInput(handle, name, dtype, dims.data(),
                                   dims.size(), typed.data(),
                                   (size_t)typed.nbytes()));
    }
    {
      py::gil_scoped_release release;
      tessera_status_t status = tesseraProgramRun(handle);
      if (status != TESSERA_STATUS_OK) {
        py::gil_scoped_acquire acquire;
        raise(status);
      }
    }
    py::dict outputs;
    check(tesseraProgramGetNumIo(handle, true, &n));
    for (size_t i = 0; i < n; ++i) {
      const char *name;
      check(tesseraProgramGetIo(handle, true, i, &name, nullptr, nullptr,
                                nullptr));
      const void *data;
      size_t size, rank;
      tessera_dtype_t dtype;
      const int64_t *shape;
      if (tesseraProgramGetOutput(handle, name, &data, &size, &dtype, &rank,
                                  &shape) != TESSERA_STATUS_OK)
        continue; // a timing-only run or an evaluator without this output
      std::vector<py::ssize_t> dims(shape, shape + rank);
      // The one copy: from the program's buffer into a new array.
      py::array out(numpyDType(dtype), dims);
      std::memcpy(out.mutable_data(), data, size);
      outputs[name] = out;
    }
    const char *json = nullptr;
    check(tesseraProgramGetStatsJson(handle, &json));
    lastStats = parseJson(json);
    return outputs;
  }

  /// The last run's per-node profile as a dict (None before a run).
  py::object profile() const {
    if (lastStats.is_none())
      return py::none();
    const char *json = nullptr;
    check(tesseraProgramGetProfileJson(handle, &json));
    return parseJson(json);
  }

  /// The same profile as a self-contained HTML page (None before a run).
  py::object profileHtml() const {
    if (lastStats.is_none())
      return py::none();
    const char *html = nullptr;
    check(tesseraProgramGetProfileHtml(handle, &html));
    return py::str(html);
  }

  tessera_program_t handle;
  std::vector<char> bytes;
  std::map<std::string, std::string> irByStage;
  py::object lastStats = py::none();
};

/// A session with a diagnostic list, destroyed with the object.
struct Session {
  Session() {
    check(tesseraSessionCreate(&handle));
    check(tesseraSessionSetDiagnosticCallback(
        handle,
        [](const tessera_diagnostic_t *d, void *user) {
          const char *sev[] = {"note", "warning", "error", "remark"};
          static_cast<Session *>(user)->diagnostics.push_back(
              {sev[d->severity], d->message, d->location});
        },
        this));
  }
  ~Session() { tesseraSessionDestroy(handle); }
  void ok(tessera_status_t status) { check(status, diagnostics); }

  /// `model`: a path (str or os.PathLike; .onnx or .mlir) or ONNX bytes.
  void load(const py::object &model) {
    if (py::isinstance<py::bytes>(model) ||
        py::isinstance<py::bytearray>(model)) {
      std::string data = py::bytes(model);
      ok(tesseraSessionImportOnnxBuffer(handle, data.data(), data.size(),
                                        "<bytes>"));
      return;
    }
    std::string path = py::str(py::module_::import("os").attr("fspath")(model));
    if (path.size() > 5 && path.compare(path.size() - 5, 5, ".onnx") == 0) {
      ok(tesseraSessionImportOnnxFile(handle, path.c_str()));
      return;
    }
    std::ifstream f(path, std::ios::binary);
    if (!f)
      throw py::value_error("cannot open '" + path + "'");
    std::string text((std::istreambuf_iterator<char>(f)),
                     std::istreambuf_iterator<char>());
    ok(tesseraSessionParseMlir(handle, text.data(), text.size(), path.c_str(),
                               TESSERA_STAGE_IMPORT));
  }

  void setOptions(const py::dict &options) {
    for (auto [key, value] : options) {
      std::string name = py::str(key);
      std::replace(name.begin(), name.end(), '_', '-');
      std::vector<std::string> values;
      if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value))
        for (py::handle v : value)
          values.push_back(py::str(v));
      else if (py::isinstance<py::bool_>(value))
        values.push_back(value.cast<bool>() ? "true" : "false");
      else
        values.push_back(py::str(value));
      for (const std::string &v : values)
        ok(tesseraSessionSetOption(handle, name.c_str(), v.c_str()));
    }
  }

  std::string ir() {
    char *text = nullptr;
    size_t size = 0;
    ok(tesseraSessionGetIr(handle, &text, &size));
    std::string s(text, size);
    tesseraFree(text);
    return s;
  }

  tessera_session_t handle = nullptr;
  std::vector<Diagnostic> diagnostics;
};

std::unique_ptr<Program> compile(const py::object &model,
                                 const std::string &target,
                                 const std::string &precision, bool keepIr,
                                 const py::kwargs &options) {
  // Every stage is one range from the import, as `tessera-compile
  // --emit=STAGE` runs it (the graph stage of a run that stops there fuses
  // more than one that goes on to the NPU, so stepping stage by stage would
  // not compile what tessera-compile compiles).
  auto runTo = [&](Session &s, int stage) {
    s.ok(tesseraSessionSetOption(s.handle, "target", target.c_str()));
    s.ok(tesseraSessionSetOption(s.handle, "precision", precision.c_str()));
    s.setOptions(options);
    s.load(model);
    py::gil_scoped_release release;
    tessera_status_t status =
        tesseraSessionRunToStage(s.handle, (tessera_stage_t)stage);
    py::gil_scoped_acquire acquire;
    s.ok(status);
  };
  std::map<std::string, std::string> ir;
  if (keepIr)
    for (int stage = TESSERA_STAGE_IMPORT; stage < TESSERA_STAGE_ISA; ++stage) {
      Session early;
      runTo(early, stage);
      ir[kStages[stage]] = early.ir();
    }
  Session s;
  runTo(s, TESSERA_STAGE_ISA);
  if (keepIr)
    ir[kStages[TESSERA_STAGE_ISA]] = s.ir();
  void *bytes = nullptr;
  size_t size = 0;
  s.ok(tesseraSessionGetProgramBytes(s.handle, &bytes, &size));
  std::vector<char> data(static_cast<char *>(bytes),
                         static_cast<char *>(bytes) + size);
  tesseraFree(bytes);
  tessera_program_t handle = nullptr;
  s.ok(tesseraProgramLoad(data.data(), data.size(), nullptr, &handle));
  return std::make_unique<Program>(handle, std::move(data), std::move(ir));
}

std::unique_ptr<Program> load(const py::object &path,
                              std::optional<std::string> target) {
  std::string p = py::str(py::module_::import("os").attr("fspath")(path));
  tessera_program_t handle = nullptr;
  check(tesseraProgramLoadFile(p.c_str(), target ? target->c_str() : nullptr,
                               &handle));
  return std::make_unique<Program>(handle, std::vector<char>(),
                                   std::map<std::string, std::string>());
}

py::dict evaluate(const py::object &model, const py::dict &inputs,
                  const py::kwargs &options) {
  Session s;
  s.setOptions(options);
  s.load(model);
  tessera_program_t handle = nullptr;
  s.ok(tesseraSessionCreateEvaluator(s.handle, &handle));
  Program golden(handle, {}, {});
  return golden.run(inputs);
}

} // namespace

PYBIND11_MODULE(_tessera, m) {
  m.doc() = "Tessera's compiler and simulator (bindings over the C API)";
  py::object builtins = py::module_::import("builtins");
  errorType = py::reinterpret_borrow<py::object>(PyErr_NewExceptionWithDoc(
      "tessera.TesseraError",
      "A Tessera call failed. `.status` names the C status, `.diagnostics` "
      "lists {severity, message, location} dicts.",
      PyExc_RuntimeError, nullptr));
  compileErrorType =
      py::reinterpret_borrow<py::object>(PyErr_NewExceptionWithDoc(
          "tessera.CompileError", "A model could not be read or compiled.",
          errorType.ptr(), nullptr));
  runErrorType = py::reinterpret_borrow<py::object>(PyErr_NewExceptionWithDoc(
      "tessera.RunError",
      "A program could not run (simulator error, target mismatch).",
      errorType.ptr(), nullptr));
  m.attr("TesseraError") = errorType;
  m.attr("CompileError") = compileErrorType;
  m.attr("RunError") = runErrorType;
  m.attr("__version__") = std::string(tesseraGetVersionString());
  m.attr("api_version") = tesseraGetApiVersion();
  m.attr("STAGES") = py::make_tuple("import", "graph", "npu", "isa");

  py::class_<Program>(m, "Program",
                      "A compiled NPU program, runnable on the simulator.")
      .def_property_readonly("target", &Program::target,
                             "The target the program runs on.")
      .def_property_readonly(
          "inputs", [](const Program &p) { return p.io(false); },
          "[(name, numpy dtype, shape)] of the program's inputs.")
      .def_property_readonly(
          "outputs", [](const Program &p) { return p.io(true); },
          "[(name, numpy dtype, shape)] of the program's outputs.")
      .def("ir", &Program::ir, py::arg("stage"),
           "The module's IR text at `stage` (import, graph, npu, isa).")
      .def("save", &Program::save, py::arg("path"),
           "Writes the .npu program to `path`.")
      .def("stats", &Program::stats,
           "What the program is: target, instructions, streams, GM bytes, "
           "constant bytes, input and output counts.")
      .def("run", &Program::run, py::arg("inputs"),
           "Runs the program on the simulator with {name: numpy array} "
           "inputs; returns {name: numpy array}. Raises RunError.")
      .def("profile", &Program::profile,
           "Where the last run spent its time: {'nodes': [one dict per "
           "source ONNX node (or fused group): name, engine, cycles, "
           "seconds, share, flops, dram_bytes, intensity, "
           "attained_flops_per_s, bound_seconds, roof_ratio, ...], 'roofs': "
           "[...], 'cycles', 'idle_cycles', 'launch_cycles', ...} (the JSON "
           "of tessera-run --profile-json), or None before the first run.")
      .def("profile_html", &Program::profileHtml,
           "The last run's profile as a self-contained HTML page with a "
           "log-log roofline plot (tessera-run --profile-html), or None "
           "before the first run.")
      .def_readonly("last_stats", &Program::lastStats,
                    "The statistics of the last run (cycles, seconds, pipes, "
                    "DRAM bytes, FLOPs, roofline bound and ratio), or None.");

  m.def("compile", &compile, py::arg("model"), py::arg("target") = "dc",
        py::arg("precision") = "f32", py::arg("keep_ir") = true,
        "Compiles `model` (a .onnx or .mlir path, or ONNX bytes) for "
        "`target` (edge, dc or a JSON file) at `precision` (f32, bf16, f16). "
        "Other keyword options are tessera-compile's: fold, fuse, "
        "l2_prefetch, l2_discard, loops, probes, input_shape=['x=1x128'], onnx_checker. "
        "With keep_ir the IR of every stage is kept for Program.ir(). Raises "
        "CompileError with the diagnostics.");
  m.def("load", &load, py::arg("path"), py::arg("target") = py::none(),
        "Loads a .npu program (for `target`, default the one it records). "
        "Raises CompileError for bad bytes, RunError for a target mismatch.");
  m.def("evaluate", &evaluate, py::arg("model"), py::arg("inputs"),
        "Runs `model` (path or ONNX bytes) in the golden evaluator on "
        "{name: numpy array}; returns {name: numpy array}.");
}
