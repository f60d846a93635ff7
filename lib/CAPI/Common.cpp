//===- Common.cpp - Versions, status, errors, memory of the C API ---------===//
#include "Handles.h"

#include <cstdlib>

using namespace tessera;

namespace tessera::capi {

static thread_local std::string lastError;

tessera_status_t fail(tessera_status_t status, const std::string &message) {
  lastError = message;
  return status;
}

tessera_status_t ok() {
  lastError.clear();
  return TESSERA_STATUS_OK;
}

std::optional<DType> toDType(tessera_dtype_t d) {
  if ((int)d < (int)TESSERA_DTYPE_F16 || (int)d > (int)TESSERA_DTYPE_BOOL)
    return std::nullopt;
  // The C enumerators follow tessera::DType's order.
  return (DType)d;
}

tessera_dtype_t fromDType(DType d) { return (tessera_dtype_t)d; }

} // namespace tessera::capi

// The C enumerators are DType's values; keep them in step.
static_assert((int)DType::F16 == TESSERA_DTYPE_F16 &&
                  (int)DType::BF16 == TESSERA_DTYPE_BF16 &&
                  (int)DType::F32 == TESSERA_DTYPE_F32 &&
                  (int)DType::F64 == TESSERA_DTYPE_F64 &&
                  (int)DType::I8 == TESSERA_DTYPE_I8 &&
                  (int)DType::I16 == TESSERA_DTYPE_I16 &&
                  (int)DType::I32 == TESSERA_DTYPE_I32 &&
                  (int)DType::I64 == TESSERA_DTYPE_I64 &&
                  (int)DType::U8 == TESSERA_DTYPE_U8 &&
                  (int)DType::U16 == TESSERA_DTYPE_U16 &&
                  (int)DType::U32 == TESSERA_DTYPE_U32 &&
                  (int)DType::U64 == TESSERA_DTYPE_U64 &&
                  (int)DType::Bool == TESSERA_DTYPE_BOOL,
              "tessera_dtype_t must match tessera::DType");

extern "C" {

uint32_t tesseraGetApiVersion(void) { return TESSERA_C_API_VERSION; }

const char *tesseraGetVersionString(void) { return TESSERA_VERSION; }

const char *tesseraStatusString(tessera_status_t s) {
  switch (s) {
  case TESSERA_STATUS_OK:
    return "TESSERA_STATUS_OK";
  case TESSERA_STATUS_INVALID_ARGUMENT:
    return "TESSERA_STATUS_INVALID_ARGUMENT";
  case TESSERA_STATUS_INVALID_HANDLE:
    return "TESSERA_STATUS_INVALID_HANDLE";
  case TESSERA_STATUS_STAGE_ORDER:
    return "TESSERA_STATUS_STAGE_ORDER";
  case TESSERA_STATUS_BAD_INPUT:
    return "TESSERA_STATUS_BAD_INPUT";
  case TESSERA_STATUS_COMPILE_ERROR:
    return "TESSERA_STATUS_COMPILE_ERROR";
  case TESSERA_STATUS_TARGET_MISMATCH:
    return "TESSERA_STATUS_TARGET_MISMATCH";
  case TESSERA_STATUS_RUN_ERROR:
    return "TESSERA_STATUS_RUN_ERROR";
  case TESSERA_STATUS_NOT_FOUND:
    return "TESSERA_STATUS_NOT_FOUND";
  case TESSERA_STATUS_IO_ERROR:
    return "TESSERA_STATUS_IO_ERROR";
  }
  return "TESSERA_STATUS_UNKNOWN";
}

const char *tesseraGetLastErrorMessage(void) {
  return tessera::capi::lastError.c_str();
}

void tesseraFree(void *memory) { std::free(memory); }

} // extern "C"
