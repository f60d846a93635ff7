//===- HugePagesTest.cpp - Which inputs make a tool use huge pages --------===//

#include "tessera/Support/HugePages.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace tessera;

namespace {
/// A file under the test's temporary directory, removed at the end.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string &name, const std::string &text)
      : path(::testing::TempDir() + "/" + name + "." +
             std::to_string(::getpid())) {
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

bool namesLarge(const std::string &arg, uint64_t minBytes) {
  std::string tool = "tool";
  char *argv[] = {tool.data(), const_cast<char *>(arg.c_str()), nullptr};
  return argumentsNameLargeInput(argv, minBytes);
}
} // namespace

#if defined(__linux__) && defined(__GLIBC__)
// A compile from a weight-layout manifest builds the whole model: the bytes
// the manifest lists count, not the file's own few hundred bytes. Both
// writers' spacings are read ("size":N and "size": N).
TEST(HugePages, AManifestCountsTheWeightsItLists) {
  TempFile big(
      "big.manifest.json",
      R"({"format": "tessera-weight-manifest", "tensors": [)"
      R"({"name": "a", "size": 3000000}, {"name": "b","size":2000000}]})");
  EXPECT_TRUE(namesLarge(big.path, 4000000));
  EXPECT_TRUE(namesLarge("--manifest=" + big.path, 5000000));
  EXPECT_FALSE(namesLarge("--manifest=" + big.path, 5000001));
  // A tensor named "size" is not a size.
  TempFile named("named.manifest.json",
                 R"({"format": "tessera-weight-manifest", "tensors": [)"
                 R"({"name": "size", "size": 1000}]})");
  EXPECT_TRUE(namesLarge(named.path, 1000));
  EXPECT_FALSE(namesLarge(named.path, 1001));
  // The format member is looked for in the first KiB only (where both
  // writers put it): a file without it there is not read further.
  TempFile late("late.manifest.json",
                "{\"tensors\": [{\"name\": \"" + std::string(2000, 'x') +
                    "\", \"size\": 900000000}], "
                    "\"format\": \"tessera-weight-manifest\"}");
  EXPECT_FALSE(namesLarge(late.path, 1000000));
  // Other JSON with "size" members is only its own bytes.
  TempFile other("other.json", R"({"size": 900000000})");
  EXPECT_FALSE(namesLarge(other.path, 1000));
  EXPECT_TRUE(namesLarge(other.path, 10));
}
#endif
