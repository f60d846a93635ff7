//===- ReliabilityTest.cpp - Readers refuse bad input; writers are atomic -===//
//
// Regression tests for issue 13's findings that are best checked below the
// tools: bounded reads, all-or-nothing writes, target JSON validation, strict
// .npy headers, embedded targets in programs, weight file names, simulator
// input dtypes and the ONNX pre-inference checks.
//
//===----------------------------------------------------------------------===//
#include "Presets.h"

#include "lib/Import/Onnx/ModelChecks.h"
#include "tessera/Binary/Program.h"
#include "tessera/Sim/Programs.h"
#include "tessera/Sim/Simulator.h"
#include "tessera/Support/FileIO.h"
#include "tessera/Support/Npy.h"

#include "onnx/onnx_pb.h"
#include <nlohmann/json.hpp>

#include <cstdio>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace tessera;
using unittest::preset;

namespace {

/// A fresh directory for one test, removed (with what the test left in it)
/// when the test program ends.
std::string scratchDir(const std::string &name) {
  struct Cleanup {
    std::vector<std::string> dirs;
    ~Cleanup() {
      for (const std::string &d : dirs) {
        std::error_code ignored;
        std::filesystem::remove_all(d, ignored);
      }
    }
  };
  static Cleanup cleanup;
  std::string dir = ::testing::TempDir() + "tessera-reliab-" + name + "-" +
                    std::to_string(::getpid());
  ::mkdir(dir.c_str(), 0777);
  cleanup.dirs.push_back(dir);
  return dir;
}

std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

size_t entriesIn(const std::string &dir) {
  size_t n = 0;
  if (DIR *d = ::opendir(dir.c_str())) {
    while (dirent *e = ::readdir(d))
      n += std::string(e->d_name) != "." && std::string(e->d_name) != "..";
    ::closedir(d);
  }
  return n;
}

TEST(FileIO, RefusesEndlessDevicesAndDirectories) {
  std::string bytes, error;
  EXPECT_FALSE(readFileBounded("/dev/zero", 1 << 20, "model", bytes, error));
  EXPECT_NE(error.find("/dev/zero"), std::string::npos) << error;
  EXPECT_NE(error.find("1048576-byte limit for a model"), std::string::npos)
      << error;
  EXPECT_FALSE(readFileBounded("/", 1 << 20, "model", bytes, error));
  EXPECT_NE(error.find("is a directory"), std::string::npos) << error;
  std::string dir = scratchDir("bounded");
  ASSERT_TRUE(writeFileAtomically(dir + "/f", std::string(100, 'x'), error));
  EXPECT_FALSE(readFileBounded(dir + "/f", 99, "thing", bytes, error));
  EXPECT_NE(error.find("100 bytes is larger than the 99-byte limit"),
            std::string::npos)
      << error;
  EXPECT_TRUE(readFileBounded(dir + "/f", 100, "thing", bytes, error));
  EXPECT_EQ(bytes.size(), 100u);
}

TEST(FileIO, AtomicSetCommitsAllOrNothing) {
  std::string dir = scratchDir("atomic"), error;
  ASSERT_TRUE(writeFileAtomically(dir + "/a", "old-a", error));
  {
    AtomicFileSet set;
    ASSERT_TRUE(set.add(dir + "/a", "new-a", error));
    ASSERT_TRUE(set.add(dir + "/b", "new-b", error));
    // Abandoned (a later step failed): nothing changes, no temporaries.
  }
  EXPECT_EQ(slurp(dir + "/a"), "old-a");
  EXPECT_EQ(entriesIn(dir), 1u);
  AtomicFileSet set;
  ASSERT_TRUE(set.add(dir + "/a", "new-a", error));
  ASSERT_TRUE(set.add(dir + "/b", "new-b", error));
  ASSERT_TRUE(set.commit(error)) << error;
  EXPECT_EQ(slurp(dir + "/a"), "new-a");
  EXPECT_EQ(slurp(dir + "/b"), "new-b");
  EXPECT_EQ(entriesIn(dir), 2u);
  // A destination in a missing directory fails cleanly at add().
  AtomicFileSet bad;
  EXPECT_FALSE(bad.add(dir + "/missing/c", "x", error));
  EXPECT_NE(error.find("missing/c"), std::string::npos) << error;
}

nlohmann::json dcJson() {
  return nlohmann::json::parse(preset("dc").canonicalJson);
}

std::string parseError(const nlohmann::json &j) {
  target::TargetDesc t;
  std::string error;
  EXPECT_FALSE(target::parseTarget(j.dump(), t, error));
  return error;
}

TEST(TargetJson, UnknownKeysInEverySubObjectAreErrors) {
  for (const char *sub :
       {"dram", "dma", "matrix", "vector", "aicpu", "l2_cache", "sync"}) {
    nlohmann::json j = dcJson();
    j[sub]["typo_field"] = 1;
    EXPECT_EQ(parseError(j), std::string(sub) + ".typo_field: unknown field");
  }
  nlohmann::json j = dcJson();
  j["cores"][1]["typo"] = 1;
  EXPECT_EQ(parseError(j), "cores[1].typo: unknown field");
  j = dcJson();
  j["dma"]["paths"][0]["typo"] = 1;
  EXPECT_EQ(parseError(j), "dma.paths[0].typo: unknown field");
}

TEST(TargetJson, AbsurdSizesAndZeroBandwidthAreErrors) {
  nlohmann::json j = dcJson();
  j["memory"]["L1"]["bytes"] = 9223372036854775807ull;
  EXPECT_NE(parseError(j).find("memory.L1.bytes: value 9223372036854775807 "
                               "out of range [1, 1073741824]"),
            std::string::npos)
      << parseError(j);
  j = dcJson();
  j["dram"]["per_core_bytes_per_cycle"] = 0;
  EXPECT_NE(parseError(j).find("dram.per_core_bytes_per_cycle: value 0 out of "
                               "range"),
            std::string::npos);
}

TEST(TargetJson, PresetIdentity) {
  EXPECT_TRUE(target::isUnmodifiedPreset(preset("dc")));
  nlohmann::json j = dcJson();
  j["cores"][0]["count"] = 4;
  target::TargetDesc t;
  std::string error;
  ASSERT_TRUE(target::parseTarget(j.dump(), t, error)) << error;
  EXPECT_EQ(t.name, "dc");
  EXPECT_FALSE(target::isUnmodifiedPreset(t));
  // Registered, the modified chip is what the name resolves to from then on.
  const target::TargetDesc *r = target::registerTarget(t);
  EXPECT_EQ(r->hash, t.hash);
}

std::string npyWithHeader(const std::string &dict) {
  std::string h = dict;
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::string out = "\x93NUMPY";
  out += (char)1;
  out += (char)0;
  out += (char)(h.size() & 0xff);
  out += (char)(h.size() >> 8);
  return out + h + std::string(24, '\0');
}

TEST(Npy, HeadersNumpyRejectsAreRejected) {
  Tensor t;
  std::string error;
  EXPECT_TRUE(parseNpy(npyWithHeader("{'descr': '<f4', 'fortran_order': "
                                     "False, 'shape': (2, 3), }"),
                       t, error))
      << error;
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  for (const char *bad :
       {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ",
        "{'descr': '<f4', 'fortran_order': 'yes', 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 3), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6), }",
        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': "
        "(6,)}"}) {
    EXPECT_FALSE(parseNpy(npyWithHeader(bad), t, error)) << bad;
    EXPECT_NE(error.find("malformed .npy header"), std::string::npos) << error;
  }
  EXPECT_TRUE(parseNpy(npyWithHeader("{\"descr\": \"<f4\", \"fortran_order\": "
                                     "False, \"shape\": (6,)}"),
                       t, error))
      << error;
}

bin::Program copyProgram(const target::TargetDesc &t) {
  bin::Program p;
  sim::CopyConfig cfg;
  cfg.bytes = 4096;
  cfg.chunk = 1024;
  std::string error;
  EXPECT_TRUE(sim::buildStreamCopyProgram(t, cfg, p, error)) << error;
  return p;
}

TEST(Program, CustomTargetIsEmbeddedAndResolved) {
  nlohmann::json j = dcJson();
  j["name"] = "chip-c3";
  j["cores"][0]["count"] = 2;
  j["cores"][1]["count"] = 4;
  target::TargetDesc c3;
  std::string error;
  ASSERT_TRUE(target::parseTarget(j.dump(), c3, error)) << error;
  bin::Program p = copyProgram(c3);
  EXPECT_EQ(p.targetJson, c3.canonicalJson);
  EXPECT_TRUE(copyProgram(preset("dc")).targetJson.empty());

  std::vector<uint8_t> img = bin::encodeProgram(p);
  bin::Program q;
  ASSERT_TRUE(bin::decodeProgram(img.data(), img.size(), q, error)) << error;
  target::TargetDesc resolved;
  ASSERT_TRUE(
      bin::resolveProgramTarget(q, "/nowhere/p.npu", "", resolved, error))
      << error;
  EXPECT_EQ(resolved.hash, c3.hash);
  EXPECT_TRUE(bin::verifyProgram(q, resolved, error)) << error;

  // Beside the program: a program without the section finds NAME.json.
  std::string dir = scratchDir("beside");
  q.targetJson.clear();
  ASSERT_TRUE(
      writeFileAtomically(dir + "/chip-c3.json", c3.canonicalJson, error));
  ASSERT_TRUE(bin::resolveProgramTarget(q, dir + "/p.npu", "", resolved, error))
      << error;
  EXPECT_EQ(resolved.hash, c3.hash);
  EXPECT_FALSE(
      bin::resolveProgramTarget(q, "/nowhere/p.npu", "", resolved, error));
  EXPECT_NE(error.find("not a preset, not embedded in the program and not "
                       "beside it as /nowhere/chip-c3.json"),
            std::string::npos)
      << error;
}

TEST(Program, WeightFileMustStayInTheProgramDirectory) {
  bin::Program p = copyProgram(preset("dc"));
  bin::ConstBlob c;
  c.name = "w";
  c.gmAddr = 0;
  c.data.assign(8192, 1);
  p.consts.push_back(c);
  std::string dir = scratchDir("weights"), error;
  bin::WriteOptions wo;
  wo.externalWeightFile = "w.bin";
  ASSERT_TRUE(bin::writeProgramFile(dir + "/p.npu", p, error, wo)) << error;
  bin::Program q;
  ASSERT_TRUE(bin::readProgramFile(dir + "/p.npu", q, error)) << error;
  // Patch the file name in the image to "../x.bin" and reseal.
  bin::WeightFile weights;
  std::vector<uint8_t> img = bin::encodeProgram(p, wo, &weights);
  std::string s(img.begin(), img.end());
  size_t at = s.find("w.bin");
  ASSERT_NE(at, std::string::npos);
  // Same length keeps every offset valid: "../xx" (5 bytes).
  s.replace(at, 5, "../xx");
  std::vector<uint8_t> bad(s.begin(), s.end());
  bin::sealImage(bad.data(), bad.size());
  EXPECT_FALSE(bin::decodeProgram(bad.data(), bad.size(), q, error, dir));
  EXPECT_EQ(error, "constant 'w': weight file '../xx' must be a file name in "
                   "the program's directory");
}

TEST(Simulator, InputDTypeMustMatchTheProgram) {
  const target::TargetDesc &dc = preset("dc");
  bin::Program p = copyProgram(dc);
  const bin::IoEntry *in = nullptr;
  for (const bin::IoEntry &e : p.io)
    if (!e.isOutput)
      in = &e;
  ASSERT_NE(in, nullptr);
  DType wrong = in->dtype == DType::F16 ? DType::F32 : DType::F16;
  std::map<std::string, Tensor> inputs{{in->name, Tensor(wrong, in->shape)}},
      outputs;
  sim::Simulator s(dc);
  sim::Stats st;
  std::string error;
  EXPECT_FALSE(s.run(p, inputs, outputs, st, error));
  EXPECT_EQ(error.find("input '" + in->name + "' is " + dtypeName(wrong) +
                       ", the program expects " + dtypeName(in->dtype)),
            0u)
      << error;
  inputs[in->name] = Tensor(in->dtype, in->shape);
  sim::Simulator ok(dc);
  EXPECT_TRUE(ok.run(p, inputs, outputs, st, error)) << error;
}

TEST(Simulator, HostMemoryIsBoundedBeforeAllocation) {
  const target::TargetDesc &dc = preset("dc");
  bin::Program p = copyProgram(dc);
  std::map<std::string, Tensor> inputs, outputs;
  for (const bin::IoEntry &e : p.io)
    if (!e.isOutput)
      inputs[e.name] = Tensor(e.dtype, e.shape);
  sim::SimOptions small;
  small.maxHostGmBytes = 64 << 10; // less than one UB
  sim::Simulator s(dc, small);
  sim::Stats st;
  std::string error;
  EXPECT_FALSE(s.run(p, inputs, outputs, st, error));
  EXPECT_NE(error.find("bytes of host memory (GM, L2 and every running "
                       "core's local memories), more than the simulator's "
                       "limit of 65536"),
            std::string::npos)
      << error;
}

TEST(OnnxChecks, ShortInitializerDataIsCaughtBeforeShapeInference) {
  onnx::TensorProto t;
  t.set_name("starts");
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(3);
  t.add_int64_data(1);
  std::string error;
  EXPECT_FALSE(onnx_import::checkTensorDataSize(t, error));
  EXPECT_EQ(error, "tensor 'starts' declares 3 elements but its int64_data "
                   "holds 1 values");
  t.add_int64_data(2);
  t.add_int64_data(3);
  EXPECT_TRUE(onnx_import::checkTensorDataSize(t, error));
  t.set_raw_data(std::string(16, '\0'));
  EXPECT_FALSE(onnx_import::checkTensorDataSize(t, error));
  EXPECT_NE(error.find("raw_data has 16 bytes"), std::string::npos) << error;
}

TEST(OnnxChecks, LayerNormAxisOutOfRange) {
  onnx::ModelProto m;
  onnx::GraphProto *g = m.mutable_graph();
  onnx::ValueInfoProto *x = g->add_input();
  x->set_name("x");
  auto *tt = x->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int i = 0; i < 3; ++i)
    tt->mutable_shape()->add_dim()->set_dim_value(2);
  onnx::NodeProto *n = g->add_node();
  n->set_name("ln");
  n->set_op_type("LayerNormalization");
  n->add_input("x");
  n->add_input("s");
  n->add_output("y");
  onnx::AttributeProto *a = n->add_attribute();
  a->set_name("axis");
  a->set_type(onnx::AttributeProto::INT);
  std::string error;
  for (int64_t bad : {int64_t(-99), int64_t(3), INT64_MAX}) {
    a->set_i(bad);
    EXPECT_FALSE(onnx_import::checkNormalizationAxes(m, error));
    EXPECT_EQ(error, "node 'ln' (LayerNormalization): axis " +
                         std::to_string(bad) +
                         " is out of range for input 'x' of rank 3");
  }
  for (int64_t good : {-3, -1, 0, 2}) {
    a->set_i(good);
    EXPECT_TRUE(onnx_import::checkNormalizationAxes(m, error)) << error;
  }
}

} // namespace
