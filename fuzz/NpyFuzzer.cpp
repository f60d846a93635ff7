//===- NpyFuzzer.cpp - libFuzzer: NumPy .npy reader -----------------------===//
#include "tessera/Support/Npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tessera::Tensor t;
  std::string error;
  if (tessera::parseNpy(std::string((const char *)data, size), t, error)) {
    // What parses must write back and parse to the same dtype and shape
    // (values may differ in NaN payloads after f16 <-> float).
    tessera::Tensor again;
    if (!tessera::parseNpy(tessera::serializeNpy(t), again, error) ||
        again.shape() != t.shape() || again.dtype() != t.dtype())
      __builtin_trap();
  }
  return 0;
}
