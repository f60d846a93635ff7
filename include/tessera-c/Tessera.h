/*===- tessera-c/Tessera.h - Tessera's stable C API ----------------*- C
-*-===*\
|*                                                                            *|
|* The embedding API: compile ONNX models or MLIR text for an NPU target,     *|
|* stage by stage, and run the programs on the bundled simulator.             *|
|*                                                                            *|
|* Stability rules                                                            *|
|*  - Every function is tagged with the API version that introduced it        *|
|*    (TESSERA_API_SINCE(MAJOR, MINOR)); tesseraGetApiVersion() reports the   *|
|*    version of the library loaded at run time. A minor version only adds.   *|
|*  - Handles are opaque. No C++ type crosses the boundary.                   *|
|*  - Every call returns a tessera_status_t. A call with a null, destroyed    *|
|*    or otherwise unknown handle returns TESSERA_STATUS_INVALID_HANDLE and   *|
|*    never dereferences it.                                                  *|
|*  - The text of the last error on the calling thread is                     *|
|*    tesseraGetLastErrorMessage(); sessions also send every diagnostic       *|
|*    (with severity and location) to their callback.                         *|
|*  - Distinct sessions and programs may be used from different threads at    *|
|*    once; one handle must not be used by two threads at the same time.      *|
|*  - Memory returned through `char **` / `void **` is the caller's; release  *|
|*    it with tesseraFree(). Pointers returned through `const` out-parameters *|
|*    belong to the handle and stay valid until its next mutating call.       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef TESSERA_C_TESSERA_H
#define TESSERA_C_TESSERA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version these declarations describe. */
#define TESSERA_C_API_VERSION_MAJOR 1
#define TESSERA_C_API_VERSION_MINOR 1
#define TESSERA_C_API_VERSION                                                  \
  ((TESSERA_C_API_VERSION_MAJOR << 16) | TESSERA_C_API_VERSION_MINOR)

/* Marks the API version that introduced a symbol; exports it. */
#define TESSERA_API_SINCE(MAJOR, MINOR) __attribute__((visibility("default")))

/*===----------------------------------------------------------------------===*
 * Status, versions, memory
 *===----------------------------------------------------------------------===*/

typedef enum tessera_status_t {
  TESSERA_STATUS_OK = 0,
  /* A null pointer or an out-of-range value where one is required. */
  TESSERA_STATUS_INVALID_ARGUMENT = 1,
  /* A null, destroyed or unknown handle. */
  TESSERA_STATUS_INVALID_HANDLE = 2,
  /* The call needs the module at another stage (e.g. asking to run to an
     earlier stage than the module is at, or for a program before isa). */
  TESSERA_STATUS_STAGE_ORDER = 3,
  /* The model, MLIR text or program bytes could not be read. */
  TESSERA_STATUS_BAD_INPUT = 4,
  /* A pass failed; the diagnostics say why. */
  TESSERA_STATUS_COMPILE_ERROR = 5,
  /* The program was built for another target than the one asked for. */
  TESSERA_STATUS_TARGET_MISMATCH = 6,
  /* The simulator or the golden evaluator stopped with an error. */
  TESSERA_STATUS_RUN_ERROR = 7,
  /* A name (input, output, option) the handle does not know. */
  TESSERA_STATUS_NOT_FOUND = 8,
  /* A file could not be opened, read or written. */
  TESSERA_STATUS_IO_ERROR = 9,
} tessera_status_t;

/* (major << 16) | minor of the loaded library. */
TESSERA_API_SINCE(1, 0) uint32_t tesseraGetApiVersion(void);
/* The Tessera release ("0.1.0"). */
TESSERA_API_SINCE(1, 0) const char *tesseraGetVersionString(void);
/* A constant name for a status ("TESSERA_STATUS_OK", ...). */
TESSERA_API_SINCE(1, 0) const char *tesseraStatusString(tessera_status_t s);
/* The message of the last failed call on this thread ("" if none). */
TESSERA_API_SINCE(1, 0) const char *tesseraGetLastErrorMessage(void);
/* Releases memory the API returned to the caller. */
TESSERA_API_SINCE(1, 0) void tesseraFree(void *memory);

/*===----------------------------------------------------------------------===*
 * Stages, element types, diagnostics
 *===----------------------------------------------------------------------===*/

/* The pipeline's stages, in order. */
typedef enum tessera_stage_t {
  TESSERA_STAGE_IMPORT = 0, /* as imported or parsed */
  TESSERA_STAGE_GRAPH = 1,  /* graph dialect, folded */
  TESSERA_STAGE_NPU = 2,    /* npu dispatches: fused, tiled, planned */
  TESSERA_STAGE_ISA = 3,    /* isa dialect: per-core streams, synced */
  TESSERA_STAGE_BINARY = 4, /* serialized .npu program */
} tessera_stage_t;

typedef enum tessera_dtype_t {
  TESSERA_DTYPE_F16 = 0,
  TESSERA_DTYPE_BF16 = 1,
  TESSERA_DTYPE_F32 = 2,
  TESSERA_DTYPE_F64 = 3,
  TESSERA_DTYPE_I8 = 4,
  TESSERA_DTYPE_I16 = 5,
  TESSERA_DTYPE_I32 = 6,
  TESSERA_DTYPE_I64 = 7,
  TESSERA_DTYPE_U8 = 8,
  TESSERA_DTYPE_U16 = 9,
  TESSERA_DTYPE_U32 = 10,
  TESSERA_DTYPE_U64 = 11,
  TESSERA_DTYPE_BOOL = 12,
} tessera_dtype_t;

typedef enum tessera_severity_t {
  TESSERA_SEVERITY_NOTE = 0,
  TESSERA_SEVERITY_WARNING = 1,
  TESSERA_SEVERITY_ERROR = 2,
  TESSERA_SEVERITY_REMARK = 3,
} tessera_severity_t;

typedef struct tessera_diagnostic_t {
  tessera_severity_t severity;
  /* The message, without the location. */
  const char *message;
  /* Where: "file:line:col", an ONNX node name ("node 'MatMul_3'"), or "". */
  const char *location;
} tessera_diagnostic_t;

/* Called for every diagnostic; the strings live for the call only. */
typedef void (*tessera_diagnostic_callback_t)(const tessera_diagnostic_t *d,
                                              void *user_data);

/*===----------------------------------------------------------------------===*
 * Compile sessions
 *===----------------------------------------------------------------------===*/

/* A session owns an MLIR context, the compile options and at most one
   module, which moves forward through the stages. */
typedef struct tessera_session_opaque *tessera_session_t;

TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionCreate(tessera_session_t *out);
/* Destroying a null handle is a no-op; an unknown one is an error. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionDestroy(tessera_session_t session);
/* `callback` may be null (diagnostics then only reach the last error). */
TESSERA_API_SINCE(1, 0)
tessera_status_t
tesseraSessionSetDiagnosticCallback(tessera_session_t session,
                                    tessera_diagnostic_callback_t callback,
                                    void *user_data);
/* Sets a compile option by its tessera-compile name: "target" (edge, dc or
   a JSON file), "precision" (f32, bf16, f16), "fold", "fuse",
   "l2-prefetch", "l2-discard", "loops", "probes" ("true"/"false"),
   "input-shape" (NAME=1x128, may be given several times), "onnx-checker"
   ("true"/"false"). */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionSetOption(tessera_session_t session,
                                         const char *name, const char *value);

/* Loads the module (replacing any earlier one) at TESSERA_STAGE_IMPORT. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionImportOnnxFile(tessera_session_t session,
                                              const char *path);
/* `name` labels diagnostics; external data resolves relative to the
   current directory. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionImportOnnxBuffer(tessera_session_t session,
                                                const void *data, size_t size,
                                                const char *name);
/* Parses MLIR text holding a module at `stage` (IMPORT to ISA). */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionParseMlir(tessera_session_t session,
                                         const char *text, size_t size,
                                         const char *name,
                                         tessera_stage_t stage);
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionGetStage(tessera_session_t session,
                                        tessera_stage_t *out);
/* Runs the pipeline from the module's stage to `stage`. Asking for an
   earlier stage is TESSERA_STATUS_STAGE_ORDER; the current one is a no-op.
   On failure the module is gone (it may be half lowered). */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionRunToStage(tessera_session_t session,
                                          tessera_stage_t stage);
/* The module as MLIR text (NUL-terminated; `size` excludes the NUL and may
   be null). At BINARY it is the isa module the program came from. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionGetIr(tessera_session_t session, char **text,
                                     size_t *size);
/* The .npu program bytes (runs to BINARY first if the module is at ISA). */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionGetProgramBytes(tessera_session_t session,
                                               void **bytes, size_t *size);

/*===----------------------------------------------------------------------===*
 * Programs on the simulator
 *===----------------------------------------------------------------------===*/

/* A loaded, verified program with its inputs, last outputs and stats. */
typedef struct tessera_program_opaque *tessera_program_t;

/* Decodes and verifies program bytes against `target` (a preset or JSON
   file; null or "" for the target the program records). */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramLoad(const void *bytes, size_t size,
                                    const char *target, tessera_program_t *out);
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramLoadFile(const char *path, const char *target,
                                        tessera_program_t *out);
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramDestroy(tessera_program_t program);
/* The target the program runs on (owned by the program). */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramGetTarget(tessera_program_t program,
                                         const char **name);
/* Inputs (is_output = 0) or outputs (1) of the program, in table order;
   probe outputs are included. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramGetNumIo(tessera_program_t program,
                                        int is_output, size_t *count);
/* Name, element type and shape of one entry; `shape` (owned by the program)
   has `rank` dims. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramGetIo(tessera_program_t program, int is_output,
                                     size_t index, const char **name,
                                     tessera_dtype_t *dtype, size_t *rank,
                                     const int64_t **shape);
/* Binds an input from caller memory (copied). The element type and shape
   must be the program's; `size` is the byte count. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramSetInput(tessera_program_t program,
                                        const char *name, tessera_dtype_t dtype,
                                        const int64_t *shape, size_t rank,
                                        const void *data, size_t size);
/* Runs the program on the simulator with the bound inputs. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramRun(tessera_program_t program);
/* An output of the last run: its bytes (little-endian storage format),
   byte count, element type and shape, all owned by the program. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramGetOutput(tessera_program_t program,
                                         const char *name, const void **data,
                                         size_t *size, tessera_dtype_t *dtype,
                                         size_t *rank, const int64_t **shape);
/* The last run's statistics as one JSON object (cycles, seconds, per-pipe
   busy, DRAM bytes, FLOPs, roofline bound and ratio); owned by the
   program. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramGetStatsJson(tessera_program_t program,
                                            const char **json);
/* What the program is, as one JSON object: target, instruction count,
   streams, GM bytes, constant bytes, input and output counts; owned by the
   program. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramGetSummaryJson(tessera_program_t program,
                                              const char **json);
/* Simulated cycles of the last run. */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraProgramGetCycles(tessera_program_t program,
                                         double *cycles);
/* Where the last simulated run spent its time, as one JSON object: one
   entry per source ONNX node (or fused group) with its share of the time,
   engine, FLOPs, DRAM bytes and roofline bound, and the target's roofs; the
   same object as `tessera-run --profile-json` (docs/simulator.md,
   "Profile"). Owned by the program. TESSERA_STATUS_STAGE_ORDER before the
   first run and for an evaluator. */
TESSERA_API_SINCE(1, 1)
tessera_status_t tesseraProgramGetProfileJson(tessera_program_t program,
                                              const char **json);
/* The same profile as a self-contained HTML page with a log-log roofline
   plot (`tessera-run --profile-html`). Owned by the program. */
TESSERA_API_SINCE(1, 1)
tessera_status_t tesseraProgramGetProfileHtml(tessera_program_t program,
                                              const char **html);

/*===----------------------------------------------------------------------===*
 * The golden evaluator
 *===----------------------------------------------------------------------===*/

/* Evaluates the session's module (IMPORT or GRAPH stage) on the host with
   the golden evaluator. Inputs are bound and outputs read with the same
   calls as a program's, on the returned program-like handle: the result is a
   tessera_program_t whose tesseraProgramRun() evaluates instead of
   simulating (stats stay empty). */
TESSERA_API_SINCE(1, 0)
tessera_status_t tesseraSessionCreateEvaluator(tessera_session_t session,
                                               tessera_program_t *out);

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_C_TESSERA_H */
