//===- ProgramFuzzer.cpp - libFuzzer: the .npu loader and verifier --------===//
//
// Decodes the bytes as a .npu image and verifies it against the target it
// names (a preset) or embeds. The fuzzer does not need to fix up the
// checksum: FuzzChecksum.h reseals every input first, so mutations reach the
// section decoders and the verifier instead of stopping at offset 24.
//
//===----------------------------------------------------------------------===//
#include "FuzzChecksum.h"

#include "tessera/Binary/Program.h"
#include "tessera/Target/Target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<uint8_t> image = tessera::fuzz::resealedImage(data, size);
  tessera::bin::Program prog;
  std::string error;
  if (!tessera::bin::decodeProgram(image.data(), image.size(), prog, error))
    return 0;
  tessera::target::TargetDesc target;
  if (!tessera::bin::resolveProgramTarget(prog, "/nonexistent/fuzz.npu", "",
                                          target, error))
    return 0;
  (void)tessera::bin::verifyProgram(prog, target, error);
  return 0;
}
