//===- TargetTest.cpp - Target descriptions: presets and validation -------===//
#include "tessera/Target/Target.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace tessera;
using namespace tessera::target;

namespace {
std::string presetJson(const std::string &name) {
  TargetDesc t;
  std::string err;
  EXPECT_TRUE(loadPreset(name, t, err)) << err;
  return t.canonicalJson;
}

/// Parses `text` expecting failure; returns the message.
std::string parseError(const std::string &text) {
  TargetDesc t;
  std::string err;
  EXPECT_FALSE(parseTarget(text, t, err));
  return err;
}

/// The dc preset with one JSON-pointer edit applied.
std::string dcWith(const std::string &pointer, const nlohmann::json &value) {
  nlohmann::json j = nlohmann::json::parse(presetJson("dc"));
  j[nlohmann::json::json_pointer(pointer)] = value;
  return j.dump();
}
} // namespace

TEST(Target, PresetsLoadWithDerivedPeaks) {
  TargetDesc dc, edge;
  std::string err;
  ASSERT_TRUE(loadPreset("dc", dc, err)) << err;
  ASSERT_TRUE(loadPreset("edge", edge, err)) << err;
  // 24 cores x 4096 MAC x 2 x 1.8 GHz = 353.9 TFLOPS (npu-deepseek.md 1.5).
  EXPECT_NEAR(dc.peakFlopsPerSec(DType::BF16), 353.89e12, 0.1e12);
  EXPECT_NEAR(dc.peakFlopsPerSec(DType::I8), 707.8e12, 0.2e12);
  EXPECT_NEAR(edge.peakFlopsPerSec(DType::F16), 16.38e12, 0.1e12);
  EXPECT_EQ(dc.totalCores(), 72u);
  EXPECT_EQ(dc.space(Space::L0A).align, 512u);
  EXPECT_TRUE(edge.sharedLoadStoreEngine);
  EXPECT_FALSE(dc.sharedLoadStoreEngine);
  EXPECT_TRUE(dc.l2.present);
  EXPECT_FALSE(edge.l2.present);
  // dc's cache engine reads at up to the effective DRAM rate.
  EXPECT_NEAR(dc.l2.prefetchBytesPerCycle, dc.dramBytesPerCycle(), 1.0);
  // The unified local memory serves every local role on edge.
  EXPECT_TRUE(edge.spaceServes(Space::LMEM, Space::L0C));
  EXPECT_TRUE(edge.spaceServes(Space::LMEM, Space::UB));
  EXPECT_FALSE(dc.spaceServes(Space::L1, Space::UB));
  EXPECT_NE(dc.hash, edge.hash);
  uint32_t type, index;
  ASSERT_TRUE(dc.coreOf(30, type, index));
  EXPECT_EQ(dc.coreTypes[type].name, "vector");
  EXPECT_EQ(index, 6u);
  EXPECT_EQ(dc.flatCoreId(type, index), 30u);
  // Special functions cost more than plain arithmetic.
  EXPECT_GT(dc.vectorCost("exp"), dc.vectorCost("add"));
  EXPECT_EQ(presetNames().size(), 2u);
}

TEST(Target, ThirdChipIsJustJson) {
  nlohmann::json j = nlohmann::json::parse(presetJson("dc"));
  j["name"] = "dc-b3";
  j["cores"][0]["count"] = 20;
  j["cores"][1]["count"] = 40;
  TargetDesc t;
  std::string err;
  ASSERT_TRUE(parseTarget(j.dump(), t, err)) << err;
  EXPECT_EQ(t.name, "dc-b3");
  EXPECT_NEAR(t.peakFlopsPerSec(DType::BF16), 294.9e12, 0.1e12);
}

TEST(Target, UnknownPresetNamesThePresets) {
  TargetDesc t;
  std::string err;
  EXPECT_FALSE(loadPreset("tpu9000", t, err));
  EXPECT_NE(err.find("unknown target 'tpu9000'"), std::string::npos) << err;
  EXPECT_NE(err.find("dc"), std::string::npos);
  EXPECT_FALSE(loadTarget("/nonexistent/t.json", t, err));
  EXPECT_NE(err.find("cannot open"), std::string::npos) << err;
}

TEST(Target, ValidationErrorsNameTheField) {
  EXPECT_EQ(parseError("{not json"), "invalid JSON (syntax error)");
  EXPECT_NE(parseError("[1]").find("must be a JSON object"), std::string::npos);
  EXPECT_EQ(parseError(dcWith("/clock_hz", "fast")),
            "clock_hz: expected a number");
  EXPECT_NE(parseError(dcWith("/clock_hz", -5))
                .find("clock_hz: value -5 out of range"),
            std::string::npos);
  EXPECT_EQ(parseError(dcWith("/memory/L0A/align", 48)),
            "memory.L0A.align: must be a power of two");
  EXPECT_NE(parseError(dcWith("/memory/L9", nlohmann::json::object()))
                .find("unknown memory space 'L9'"),
            std::string::npos);
  EXPECT_NE(parseError(dcWith("/cores/0/pipes/1", "DMA"))
                .find("cores[0].pipes: unknown pipe 'DMA'"),
            std::string::npos);
  EXPECT_EQ(parseError(dcWith("/cores/1/spaces", {"GM"})),
            "cores[1].spaces: GM and L2 are shared, not per-core spaces");
  EXPECT_EQ(parseError(dcWith("/matrix/fractals/i4", {16, 64, 16})),
            "matrix.fractals.i4: unknown dtype 'i4'");
  EXPECT_EQ(parseError(dcWith("/matrix/fractals/bf16", {16, 16})),
            "matrix.fractals.bf16: expected [m, k, n]");
  EXPECT_EQ(parseError(dcWith("/dma/paths/0/from", "HBM")),
            "dma.paths[0].from: unknown memory space 'HBM' (expected GM, L2, "
            "L1, L0A, L0B, L0C, UB, LMEM)");
  EXPECT_EQ(parseError(dcWith("/dma/paths/1/to", "L1")),
            "dma.paths[1]: duplicate path GM -> L1 on MTE2");
  EXPECT_EQ(parseError(dcWith("/turbo", true)), "turbo: unknown field");
  EXPECT_EQ(parseError(dcWith("/cores/0/count", 0)).substr(0, 14),
            "cores[0].count");
  EXPECT_EQ(
      parseError(dcWith("/sync/flag_ids_per_pipe_pair", 100)).substr(0, 27),
      "sync.flag_ids_per_pipe_pair");
  EXPECT_EQ(parseError(dcWith("/cores/0/pipes", {"MTE2", "M"})),
            "cores[0].pipes: every core needs the scalar pipe S");
  EXPECT_NE(parseError(dcWith("/l2_cache/prefetch_bytes_per_cycle", -1))
                .find("l2_cache.prefetch_bytes_per_cycle: value -1 out of "
                      "range"),
            std::string::npos);
  nlohmann::json j = nlohmann::json::parse(presetJson("dc"));
  j.erase("dram");
  EXPECT_EQ(parseError(j.dump()), "dram: missing required field");
}

TEST(Target, HashFollowsContent) {
  TargetDesc a, b;
  std::string err;
  ASSERT_TRUE(parseTarget(presetJson("dc"), a, err));
  ASSERT_TRUE(parseTarget(dcWith("/dram/efficiency", 0.8), b, err));
  EXPECT_EQ(a.name, b.name);
  EXPECT_NE(a.hash, b.hash);
}
