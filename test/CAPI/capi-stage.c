/*===- capi-stage.c - Print a model at a stage through the C API ----------===*\
|*                                                                            *|
|* capi-stage MODEL(.onnx|.mlir) STAGE TARGET                                 *|
|* Prints the module at STAGE (graph, npu, isa) as tessera-compile --emit     *|
|* does, so a test can compare the two (they must be one code path).          *|
\*===----------------------------------------------------------------------===*/
#include "tessera-c/Tessera.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void printDiagnostic(const tessera_diagnostic_t *d, void *user) {
  (void)user;
  fprintf(stderr, "%s: %s\n", d->location, d->message);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: capi-stage MODEL STAGE TARGET\n");
    return 2;
  }
  const char *stages[] = {"import", "graph", "npu", "isa"};
  int stage = -1;
  for (int i = 0; i < 4; ++i)
    if (strcmp(argv[2], stages[i]) == 0)
      stage = i;
  if (stage < 0) {
    fprintf(stderr, "unknown stage '%s'\n", argv[2]);
    return 2;
  }
  tessera_session_t s;
  if (tesseraSessionCreate(&s) != TESSERA_STATUS_OK)
    return 1;
  tesseraSessionSetDiagnosticCallback(s, printDiagnostic, NULL);
  tesseraSessionSetOption(s, "target", argv[3]);
  tessera_status_t st;
  size_t len = strlen(argv[1]);
  if (len > 5 && strcmp(argv[1] + len - 5, ".onnx") == 0) {
    st = tesseraSessionImportOnnxFile(s, argv[1]);
  } else {
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
      fprintf(stderr, "cannot open %s\n", argv[1]);
      return 1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n);
    size_t got = fread(text, 1, (size_t)n, f);
    fclose(f);
    st = tesseraSessionParseMlir(s, text, got, argv[1], TESSERA_STAGE_IMPORT);
    free(text);
  }
  if (st == TESSERA_STATUS_OK)
    st = tesseraSessionRunToStage(s, (tessera_stage_t)stage);
  char *ir = NULL;
  size_t size = 0;
  if (st == TESSERA_STATUS_OK)
    st = tesseraSessionGetIr(s, &ir, &size);
  if (st != TESSERA_STATUS_OK) {
    fprintf(stderr, "%s: %s\n", tesseraStatusString(st),
            tesseraGetLastErrorMessage());
    return 1;
  }
  fwrite(ir, 1, size, stdout);
  tesseraFree(ir);
  tesseraSessionDestroy(s);
  return 0;
}
