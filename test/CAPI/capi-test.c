/*===- capi-test.c - Tessera's C API, every entry point and error path ----===*\
|*                                                                            *|
|* Plain C (no C++ type crosses the API). Usage: capi-test ONNX_MODEL_DIR     *|
|* where the directory holds ONNX's test_matmul_2d/model.onnx. Exits non-zero *|
|* on the first failed expectation, naming it.                                *|
\*===----------------------------------------------------------------------===*/
#include "tessera-c/Tessera.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: expectation failed: %s (last error: %s)\n",      \
              __FILE__, __LINE__, #cond, tesseraGetLastErrorMessage());        \
      ++failures;                                                              \
    }                                                                          \
  } while (0)
#define EXPECT_STATUS(call, status) EXPECT((call) == (status))
#define EXPECT_OK(call) EXPECT_STATUS(call, TESSERA_STATUS_OK)

/* Diagnostics seen by the callback. */
typedef struct {
  int errors;
  char lastMessage[512];
  char lastLocation[512];
} Diags;

static void collect(const tessera_diagnostic_t *d, void *user) {
  Diags *diags = (Diags *)user;
  if (d->severity == TESSERA_SEVERITY_ERROR)
    ++diags->errors;
  snprintf(diags->lastMessage, sizeof diags->lastMessage, "%s", d->message);
  snprintf(diags->lastLocation, sizeof diags->lastLocation, "%s", d->location);
}

static const char *kAddGraph =
    "func.func @main(%a: tensor<4x64xf32> {graph.name = \"a\"}, "
    "%b: tensor<4x64xf32> {graph.name = \"b\"}) -> "
    "(tensor<4x64xf32> {graph.name = \"z\"}) {\n"
    "  %0 = graph.add %a, %b : (tensor<4x64xf32>, tensor<4x64xf32>) -> "
    "tensor<4x64xf32>\n"
    "  return %0 : tensor<4x64xf32>\n"
    "}\n";

static char *readFile(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = malloc((size_t)n);
  *size = fread(data, 1, (size_t)n, f);
  fclose(f);
  return data;
}

/* Compiles kAddGraph for `target`, returns the program bytes. */
static void *compileAdd(const char *target, size_t *size, Diags *diags) {
  tessera_session_t s = NULL;
  void *bytes = NULL;
  EXPECT_OK(tesseraSessionCreate(&s));
  EXPECT_OK(tesseraSessionSetDiagnosticCallback(s, collect, diags));
  EXPECT_OK(tesseraSessionSetOption(s, "target", target));
  EXPECT_OK(tesseraSessionParseMlir(s, kAddGraph, strlen(kAddGraph), "add",
                                    TESSERA_STAGE_IMPORT));
  EXPECT_OK(tesseraSessionRunToStage(s, TESSERA_STAGE_ISA));
  EXPECT_OK(tesseraSessionGetProgramBytes(s, &bytes, size));
  EXPECT_OK(tesseraSessionDestroy(s));
  return bytes;
}

/* Runs the add program on a + b and checks every element. */
static void runAdd(tessera_program_t p) {
  float a[256], b[256];
  int64_t shape[2] = {4, 64};
  for (int i = 0; i < 256; ++i) {
    a[i] = (float)i * 0.5f;
    b[i] = 1000.0f - (float)i;
  }
  EXPECT_OK(
      tesseraProgramSetInput(p, "a", TESSERA_DTYPE_F32, shape, 2, a, sizeof a));
  EXPECT_OK(
      tesseraProgramSetInput(p, "b", TESSERA_DTYPE_F32, shape, 2, b, sizeof b));
  EXPECT_OK(tesseraProgramRun(p));
  size_t count = 0;
  EXPECT_OK(tesseraProgramGetNumIo(p, 1, &count));
  EXPECT(count == 1);
  const char *name = NULL;
  EXPECT_OK(tesseraProgramGetIo(p, 1, 0, &name, NULL, NULL, NULL));
  const void *data = NULL;
  size_t size = 0, rank = 0;
  tessera_dtype_t dtype;
  const int64_t *outShape = NULL;
  EXPECT_OK(
      tesseraProgramGetOutput(p, name, &data, &size, &dtype, &rank, &outShape));
  EXPECT(size == sizeof a && dtype == TESSERA_DTYPE_F32 && rank == 2 &&
         outShape[0] == 4 && outShape[1] == 64);
  const float *z = (const float *)data;
  for (int i = 0; i < 256 && data; ++i)
    if (z[i] != a[i] + b[i]) {
      EXPECT(z[i] == a[i] + b[i]);
      break;
    }
}

static void testVersion(void) {
  EXPECT(tesseraGetApiVersion() == TESSERA_C_API_VERSION);
  EXPECT(tesseraGetApiVersion() >> 16 == 1);
  EXPECT(strlen(tesseraGetVersionString()) > 0);
  EXPECT(strcmp(tesseraStatusString(TESSERA_STATUS_STAGE_ORDER),
                "TESSERA_STATUS_STAGE_ORDER") == 0);
}

/* Stages in order, IR text at each, program bytes, run, stats. */
static void testStagesAndRun(void) {
  Diags diags = {0};
  tessera_session_t s = NULL;
  EXPECT_OK(tesseraSessionCreate(&s));
  EXPECT_OK(tesseraSessionSetDiagnosticCallback(s, collect, &diags));
  EXPECT_OK(tesseraSessionParseMlir(s, kAddGraph, strlen(kAddGraph), "add",
                                    TESSERA_STAGE_IMPORT));
  const char *markers[] = {"graph.add", "graph.add", "npu.dispatch",
                           "isa.program"};
  for (int st = TESSERA_STAGE_GRAPH; st <= TESSERA_STAGE_ISA; ++st) {
    EXPECT_OK(tesseraSessionRunToStage(s, (tessera_stage_t)st));
    tessera_stage_t now;
    EXPECT_OK(tesseraSessionGetStage(s, &now));
    EXPECT(now == (tessera_stage_t)st);
    char *ir = NULL;
    size_t size = 0;
    EXPECT_OK(tesseraSessionGetIr(s, &ir, &size));
    EXPECT(ir && strstr(ir, markers[st]) != NULL && strlen(ir) == size);
    if (st >= TESSERA_STAGE_NPU)
      EXPECT(ir && strstr(ir, "tessera.target = \"dc\"") != NULL);
    tesseraFree(ir);
  }
  /* Going back is an error; the current stage is a no-op. */
  EXPECT_STATUS(tesseraSessionRunToStage(s, TESSERA_STAGE_GRAPH),
                TESSERA_STATUS_STAGE_ORDER);
  EXPECT(strstr(tesseraGetLastErrorMessage(), "cannot go back") != NULL);
  EXPECT_OK(tesseraSessionRunToStage(s, TESSERA_STAGE_ISA));
  void *bytes = NULL;
  size_t size = 0;
  EXPECT_OK(tesseraSessionGetProgramBytes(s, &bytes, &size));
  tessera_stage_t now;
  EXPECT_OK(tesseraSessionGetStage(s, &now));
  EXPECT(now == TESSERA_STAGE_BINARY);
  EXPECT(diags.errors == 0);
  EXPECT_OK(tesseraSessionDestroy(s));

  tessera_program_t p = NULL;
  EXPECT_OK(tesseraProgramLoad(bytes, size, NULL, &p));
  const char *target = NULL;
  EXPECT_OK(tesseraProgramGetTarget(p, &target));
  EXPECT(target && strcmp(target, "dc") == 0);
  size_t inputs = 0;
  EXPECT_OK(tesseraProgramGetNumIo(p, 0, &inputs));
  EXPECT(inputs == 2);
  const char *name = NULL;
  tessera_dtype_t dtype;
  size_t rank = 0;
  const int64_t *shape = NULL;
  EXPECT_OK(tesseraProgramGetIo(p, 0, 1, &name, &dtype, &rank, &shape));
  EXPECT(name && strcmp(name, "b") == 0 && dtype == TESSERA_DTYPE_F32 &&
         rank == 2 && shape[1] == 64);
  runAdd(p);
  const char *json = NULL;
  EXPECT_OK(tesseraProgramGetStatsJson(p, &json));
  EXPECT(json && strstr(json, "\"ratio_to_bound\"") != NULL);
  double cycles = 0;
  EXPECT_OK(tesseraProgramGetCycles(p, &cycles));
  EXPECT(cycles > 0);
  EXPECT_OK(tesseraProgramDestroy(p));
  tesseraFree(bytes);
}

/* ONNX from a file and from memory, simulator against the golden
   evaluator. */
static void testOnnx(const char *dir) {
  char path[1024];
  snprintf(path, sizeof path, "%s/test_matmul_2d/model.onnx", dir);
  size_t modelSize = 0;
  char *model = readFile(path, &modelSize);
  EXPECT(model != NULL);
  if (!model)
    return;
  for (int fromMemory = 0; fromMemory < 2; ++fromMemory) {
    tessera_session_t s = NULL;
    EXPECT_OK(tesseraSessionCreate(&s));
    EXPECT_OK(tesseraSessionSetOption(s, "target", "edge"));
    if (fromMemory)
      EXPECT_OK(
          tesseraSessionImportOnnxBuffer(s, model, modelSize, "matmul.onnx"));
    else
      EXPECT_OK(tesseraSessionImportOnnxFile(s, path));
    tessera_program_t golden = NULL;
    EXPECT_OK(tesseraSessionCreateEvaluator(s, &golden));
    EXPECT_OK(tesseraSessionRunToStage(s, TESSERA_STAGE_BINARY));
    void *bytes = NULL;
    size_t size = 0;
    EXPECT_OK(tesseraSessionGetProgramBytes(s, &bytes, &size));
    /* The evaluator needs a module before npu. */
    tessera_program_t late = NULL;
    EXPECT_STATUS(tesseraSessionCreateEvaluator(s, &late),
                  TESSERA_STATUS_STAGE_ORDER);
    EXPECT_OK(tesseraSessionDestroy(s));
    tessera_program_t p = NULL;
    EXPECT_OK(tesseraProgramLoad(bytes, size, "edge", &p));
    /* Bind the same pseudo-random inputs to both. */
    size_t n = 0;
    EXPECT_OK(tesseraProgramGetNumIo(p, 0, &n));
    for (size_t i = 0; i < n; ++i) {
      const char *name;
      tessera_dtype_t dtype;
      size_t rank;
      const int64_t *shape;
      EXPECT_OK(tesseraProgramGetIo(p, 0, i, &name, &dtype, &rank, &shape));
      size_t count = 1;
      for (size_t d = 0; d < rank; ++d)
        count *= (size_t)shape[d];
      float *x = malloc(count * sizeof(float));
      for (size_t k = 0; k < count; ++k)
        x[k] = (float)((k * 7 + i * 3) % 11) / 5.0f - 1.0f;
      EXPECT_OK(tesseraProgramSetInput(p, name, dtype, shape, rank, x,
                                       count * sizeof(float)));
      EXPECT_OK(tesseraProgramSetInput(golden, name, dtype, shape, rank, x,
                                       count * sizeof(float)));
      free(x);
    }
    /* No profile before a run, none from the golden evaluator (1.1). */
    const char *profile = NULL;
    EXPECT_STATUS(tesseraProgramGetProfileJson(p, &profile),
                  TESSERA_STATUS_STAGE_ORDER);
    EXPECT(strstr(tesseraGetLastErrorMessage(), "run the program") != NULL);
    EXPECT_OK(tesseraProgramRun(p));
    EXPECT_OK(tesseraProgramRun(golden)); /* the session is gone: fine */
    EXPECT_STATUS(tesseraProgramGetProfileJson(golden, &profile),
                  TESSERA_STATUS_STAGE_ORDER);
    EXPECT_STATUS(tesseraProgramGetProfileJson(p, NULL),
                  TESSERA_STATUS_INVALID_ARGUMENT);
    /* The unnamed ONNX MatMul is named after its op and output. */
    EXPECT_OK(tesseraProgramGetProfileJson(p, &profile));
    EXPECT(profile && strstr(profile, "\"name\":\"MatMul(c)\"") != NULL &&
           strstr(profile, "\"engine\":\"matrix\"") != NULL &&
           strstr(profile, "\"roofs\"") != NULL);
    const char *html = NULL;
    EXPECT_OK(tesseraProgramGetProfileHtml(p, &html));
    EXPECT(html && strstr(html, "<svg id=\"roofline\"") != NULL &&
           strstr(html, "data-node=\"MatMul(c)\"") != NULL);
    const char *out;
    EXPECT_OK(tesseraProgramGetIo(p, 1, 0, &out, NULL, NULL, NULL));
    const void *a, *b;
    size_t sa, sb;
    EXPECT_OK(tesseraProgramGetOutput(p, out, &a, &sa, NULL, NULL, NULL));
    EXPECT_OK(tesseraProgramGetOutput(golden, out, &b, &sb, NULL, NULL, NULL));
    EXPECT(sa == sb && sa > 0);
    for (size_t k = 0; k < sa / sizeof(float) && sa == sb; ++k) {
      float x = ((const float *)a)[k], y = ((const float *)b)[k];
      if (fabsf(x - y) > 1e-5f + 1e-3f * fabsf(y)) {
        EXPECT(fabsf(x - y) <= 1e-5f + 1e-3f * fabsf(y));
        break;
      }
    }
    EXPECT_OK(tesseraProgramDestroy(p));
    EXPECT_OK(tesseraProgramDestroy(golden));
    tesseraFree(bytes);
  }
  free(model);
}

/* Every bad input gets a status and a message, never a crash. */
static void testErrors(void) {
  Diags diags = {0};
  tessera_session_t s = NULL;
  tessera_program_t p = NULL;
  tessera_stage_t stage;
  char *ir = NULL;
  void *bytes = NULL;
  size_t size = 0;

  /* Null handles and pointers. */
  EXPECT_STATUS(tesseraSessionCreate(NULL), TESSERA_STATUS_INVALID_ARGUMENT);
  EXPECT_STATUS(tesseraSessionRunToStage(NULL, TESSERA_STAGE_NPU),
                TESSERA_STATUS_INVALID_HANDLE);
  EXPECT(strstr(tesseraGetLastErrorMessage(), "tessera_session_t") != NULL);
  EXPECT_STATUS(tesseraSessionGetIr(NULL, &ir, NULL),
                TESSERA_STATUS_INVALID_HANDLE);
  EXPECT_STATUS(tesseraProgramRun(NULL), TESSERA_STATUS_INVALID_HANDLE);
  EXPECT_STATUS(tesseraProgramGetCycles(NULL, NULL),
                TESSERA_STATUS_INVALID_HANDLE);
  EXPECT_STATUS(tesseraProgramGetProfileJson(NULL, NULL),
                TESSERA_STATUS_INVALID_HANDLE);
  EXPECT_STATUS(tesseraProgramGetProfileHtml(NULL, NULL),
                TESSERA_STATUS_INVALID_HANDLE);
  EXPECT_OK(tesseraSessionDestroy(NULL));
  EXPECT_OK(tesseraProgramDestroy(NULL));

  EXPECT_OK(tesseraSessionCreate(&s));
  EXPECT_OK(tesseraSessionSetDiagnosticCallback(s, collect, &diags));
  /* No module yet. */
  EXPECT_STATUS(tesseraSessionRunToStage(s, TESSERA_STAGE_NPU),
                TESSERA_STATUS_STAGE_ORDER);
  EXPECT_STATUS(tesseraSessionGetStage(s, &stage), TESSERA_STATUS_STAGE_ORDER);
  EXPECT_STATUS(tesseraSessionRunToStage(s, (tessera_stage_t)9),
                TESSERA_STATUS_INVALID_ARGUMENT);
  /* Options. */
  EXPECT_STATUS(tesseraSessionSetOption(s, "no-such-option", "1"),
                TESSERA_STATUS_NOT_FOUND);
  EXPECT_STATUS(tesseraSessionSetOption(s, "fuse", "maybe"),
                TESSERA_STATUS_INVALID_ARGUMENT);
  EXPECT_STATUS(tesseraSessionSetOption(s, "input-shape", "x=1xq"),
                TESSERA_STATUS_INVALID_ARGUMENT);
  /* Bad bytes: not ONNX, not MLIR. */
  EXPECT_STATUS(tesseraSessionImportOnnxBuffer(s, "garbage", 7, "bad.onnx"),
                TESSERA_STATUS_BAD_INPUT);
  EXPECT(diags.errors > 0);
  EXPECT_STATUS(tesseraSessionImportOnnxFile(s, "/nonexistent/model.onnx"),
                TESSERA_STATUS_BAD_INPUT);
  EXPECT(strstr(tesseraGetLastErrorMessage(), "nonexistent") != NULL);
  diags.errors = 0;
  const char *bad = "func.func @main() {\n  %0 = graph.nosuchop\n}\n";
  EXPECT_STATUS(tesseraSessionParseMlir(s, bad, strlen(bad), "bad.mlir",
                                        TESSERA_STAGE_IMPORT),
                TESSERA_STATUS_BAD_INPUT);
  EXPECT(diags.errors > 0 && strstr(diags.lastLocation, "bad.mlir:2:") != NULL);
  /* A pass failure: an unknown precision. */
  EXPECT_OK(tesseraSessionSetOption(s, "precision", "f8"));
  EXPECT_OK(tesseraSessionParseMlir(s, kAddGraph, strlen(kAddGraph), "add",
                                    TESSERA_STAGE_IMPORT));
  EXPECT_STATUS(tesseraSessionRunToStage(s, TESSERA_STAGE_NPU),
                TESSERA_STATUS_COMPILE_ERROR);
  EXPECT(strstr(tesseraGetLastErrorMessage(), "precision") != NULL);
  /* An unknown target is a compile error naming it. */
  EXPECT_OK(tesseraSessionSetOption(s, "precision", "f32"));
  EXPECT_OK(tesseraSessionSetOption(s, "target", "nosuchchip"));
  EXPECT_OK(tesseraSessionParseMlir(s, kAddGraph, strlen(kAddGraph), "add",
                                    TESSERA_STAGE_IMPORT));
  EXPECT_STATUS(tesseraSessionRunToStage(s, TESSERA_STAGE_NPU),
                TESSERA_STATUS_COMPILE_ERROR);
  EXPECT(strstr(tesseraGetLastErrorMessage(), "nosuchchip") != NULL);
  /* Program bytes before isa. */
  EXPECT_OK(tesseraSessionSetOption(s, "target", "dc"));
  EXPECT_OK(tesseraSessionParseMlir(s, kAddGraph, strlen(kAddGraph), "add",
                                    TESSERA_STAGE_IMPORT));
  EXPECT_STATUS(tesseraSessionGetProgramBytes(s, &bytes, &size),
                TESSERA_STATUS_STAGE_ORDER);
  /* A stale handle. */
  tessera_session_t stale = s;
  EXPECT_OK(tesseraSessionDestroy(s));
  EXPECT_STATUS(tesseraSessionGetStage(stale, &stage),
                TESSERA_STATUS_INVALID_HANDLE);
  EXPECT_STATUS(tesseraSessionDestroy(stale), TESSERA_STATUS_INVALID_HANDLE);

  /* Programs: bad bytes, a program for another target, bad inputs. */
  EXPECT_STATUS(tesseraProgramLoad("not a program", 13, NULL, &p),
                TESSERA_STATUS_BAD_INPUT);
  EXPECT(p == NULL);
  EXPECT_STATUS(tesseraProgramLoadFile("/nonexistent.npu", NULL, &p),
                TESSERA_STATUS_BAD_INPUT);
  bytes = compileAdd("dc", &size, &diags);
  EXPECT_STATUS(tesseraProgramLoad(bytes, size / 2, NULL, &p),
                TESSERA_STATUS_BAD_INPUT);
  EXPECT_STATUS(tesseraProgramLoad(bytes, size, "edge", &p),
                TESSERA_STATUS_TARGET_MISMATCH);
  EXPECT(strlen(tesseraGetLastErrorMessage()) > 0);
  EXPECT_OK(tesseraProgramLoad(bytes, size, "dc", &p));
  int64_t shape[2] = {4, 64}, wrong[2] = {4, 65};
  float x[256] = {0};
  EXPECT_STATUS(tesseraProgramRun(p), TESSERA_STATUS_INVALID_ARGUMENT);
  EXPECT(strstr(tesseraGetLastErrorMessage(), "not bound") != NULL);
  EXPECT_STATUS(
      tesseraProgramSetInput(p, "q", TESSERA_DTYPE_F32, shape, 2, x, sizeof x),
      TESSERA_STATUS_NOT_FOUND);
  EXPECT_STATUS(
      tesseraProgramSetInput(p, "a", TESSERA_DTYPE_F32, wrong, 2, x, sizeof x),
      TESSERA_STATUS_INVALID_ARGUMENT);
  EXPECT_STATUS(
      tesseraProgramSetInput(p, "a", TESSERA_DTYPE_I32, shape, 2, x, sizeof x),
      TESSERA_STATUS_INVALID_ARGUMENT);
  EXPECT_STATUS(
      tesseraProgramSetInput(p, "a", TESSERA_DTYPE_F32, shape, 2, x, 12),
      TESSERA_STATUS_INVALID_ARGUMENT);
  EXPECT_STATUS(tesseraProgramSetInput(p, "a", (tessera_dtype_t)77, shape, 2, x,
                                       sizeof x),
                TESSERA_STATUS_INVALID_ARGUMENT);
  EXPECT_STATUS(tesseraProgramGetOutput(p, "z", NULL, NULL, NULL, NULL, NULL),
                TESSERA_STATUS_NOT_FOUND);
  EXPECT_STATUS(tesseraProgramGetIo(p, 0, 5, NULL, NULL, NULL, NULL),
                TESSERA_STATUS_INVALID_ARGUMENT);
  tessera_program_t staleProgram = p;
  EXPECT_OK(tesseraProgramDestroy(p));
  EXPECT_STATUS(tesseraProgramRun(staleProgram), TESSERA_STATUS_INVALID_HANDLE);
  EXPECT_STATUS(tesseraProgramGetProfileJson(staleProgram, NULL),
                TESSERA_STATUS_INVALID_HANDLE);
  tesseraFree(bytes);
}

/* Sessions on two threads at once. */
static void *compileAndRun(void *arg) {
  const char *target = (const char *)arg;
  Diags diags = {0};
  for (int i = 0; i < 2; ++i) {
    size_t size = 0;
    void *bytes = compileAdd(target, &size, &diags);
    tessera_program_t p = NULL;
    EXPECT_OK(tesseraProgramLoad(bytes, size, NULL, &p));
    runAdd(p);
    EXPECT_OK(tesseraProgramDestroy(p));
    tesseraFree(bytes);
  }
  return NULL;
}

static void testThreads(void) {
  static char dc[] = "dc", edge[] = "edge";
  pthread_t a, b;
  pthread_create(&a, NULL, compileAndRun, dc);
  pthread_create(&b, NULL, compileAndRun, edge);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: capi-test ONNX_NODE_TEST_DIR\n");
    return 2;
  }
  testVersion();
  testStagesAndRun();
  testOnnx(argv[1]);
  testErrors();
  testThreads();
  if (failures) {
    fprintf(stderr, "%d expectation(s) failed\n", failures);
    return 1;
  }
  printf("capi-test: all expectations met\n");
  return 0;
}
