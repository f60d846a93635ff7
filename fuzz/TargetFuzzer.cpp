//===- TargetFuzzer.cpp - libFuzzer: target description JSON --------------===//
#include "tessera/Target/Target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tessera::target::TargetDesc t;
  std::string error;
  if (!tessera::target::parseTarget(std::string((const char *)data, size), t,
                                    error))
    return 0;
  // A description that parses is used: exercise the queries the compiler
  // and simulator make.
  (void)t.totalCores();
  (void)t.dramBytesPerCycle();
  for (tessera::DType d : {tessera::DType::F32, tessera::DType::BF16})
    (void)t.peakFlopsPerSec(d);
  uint32_t type = 0, index = 0;
  for (uint32_t c = 0; c < t.totalCores() && c < 64; ++c)
    if (t.coreOf(c, type, index))
      (void)t.flatCoreId(type, index);
  return 0;
}
