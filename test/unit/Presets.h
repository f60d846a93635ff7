//===- Presets.h - The target presets, loaded once per test binary -*- C++
//-*-===//
#ifndef TESSERA_TEST_UNIT_PRESETS_H
#define TESSERA_TEST_UNIT_PRESETS_H

#include "tessera/Target/Target.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace tessera::unittest {

/// The built-in target `name` ("dc", "edge"); a failure to load fails the
/// calling test.
inline const target::TargetDesc &preset(const std::string &name) {
  static std::map<std::string, target::TargetDesc> cache;
  auto it = cache.find(name);
  if (it != cache.end())
    return it->second;
  target::TargetDesc t;
  std::string err;
  EXPECT_TRUE(target::loadPreset(name, t, err)) << err;
  return cache.emplace(name, std::move(t)).first->second;
}

} // namespace tessera::unittest

#endif
