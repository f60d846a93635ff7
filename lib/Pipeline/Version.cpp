//===- Version.cpp - The library's release --------------------------------===//
#include "tessera/Pipeline/Pipeline.h"

const char *tessera::pipeline::versionString() { return TESSERA_VERSION; }
