/* Compiles a graph through the C API, runs it, checks every element. */
#include "tessera-c/Tessera.h"

#include <stdio.h>
#include <string.h>

static const char *kGraph =
    "func.func @main(%a: tensor<2x64xf32> {graph.name = \"a\"}, "
    "%b: tensor<2x64xf32> {graph.name = \"b\"}) -> "
    "(tensor<2x64xf32> {graph.name = \"z\"}) {\n"
    "  %0 = graph.mul %a, %b : (tensor<2x64xf32>, tensor<2x64xf32>) -> "
    "tensor<2x64xf32>\n"
    "  return %0 : tensor<2x64xf32>\n"
    "}\n";

#define CHECK(call)                                                            \
  do {                                                                         \
    tessera_status_t s = (call);                                               \
    if (s != TESSERA_STATUS_OK) {                                              \
      fprintf(stderr, "c-consumer: %s: %s: %s\n", #call,                       \
              tesseraStatusString(s), tesseraGetLastErrorMessage());           \
      return 1;                                                                \
    }                                                                          \
  } while (0)

int main(void) {
  if (tesseraGetApiVersion() >> 16 != TESSERA_C_API_VERSION_MAJOR)
    return 1;
  tessera_session_t session;
  CHECK(tesseraSessionCreate(&session));
  CHECK(tesseraSessionSetOption(session, "target", "dc"));
  CHECK(tesseraSessionParseMlir(session, kGraph, strlen(kGraph), "mul",
                                TESSERA_STAGE_IMPORT));
  CHECK(tesseraSessionRunToStage(session, TESSERA_STAGE_BINARY));
  void *bytes;
  size_t size;
  CHECK(tesseraSessionGetProgramBytes(session, &bytes, &size));
  CHECK(tesseraSessionDestroy(session));
  tessera_program_t program;
  CHECK(tesseraProgramLoad(bytes, size, NULL, &program));
  tesseraFree(bytes);
  float a[128], b[128];
  int64_t shape[2] = {2, 64};
  for (int i = 0; i < 128; ++i) {
    a[i] = (float)i;
    b[i] = 0.25f;
  }
  CHECK(tesseraProgramSetInput(program, "a", TESSERA_DTYPE_F32, shape, 2, a,
                               sizeof a));
  CHECK(tesseraProgramSetInput(program, "b", TESSERA_DTYPE_F32, shape, 2, b,
                               sizeof b));
  CHECK(tesseraProgramRun(program));
  const char *name;
  CHECK(tesseraProgramGetIo(program, 1, 0, &name, NULL, NULL, NULL));
  const void *data;
  size_t outSize;
  CHECK(tesseraProgramGetOutput(program, name, &data, &outSize, NULL, NULL,
                                NULL));
  const float *z = (const float *)data;
  for (int i = 0; i < 128; ++i)
    if (outSize != sizeof a || z[i] != a[i] * 0.25f) {
      fprintf(stderr, "c-consumer: element %d is %g\n", i, z[i]);
      return 1;
    }
  double cycles;
  CHECK(tesseraProgramGetCycles(program, &cycles));
  CHECK(tesseraProgramDestroy(program));
  printf("c-consumer: 128 elements match, %.0f cycles, tessera %s\n", cycles,
         tesseraGetVersionString());
  return 0;
}
