//===- Generate.cpp - Token generation on the simulator -------------------===//
//
// The roofline bound of a generation run counts what any schedule must do:
// the matrix and vector work at peak (the simulator's compute bound), and the
// bytes that must cross DRAM: the weights the run needs once, the filled
// part of each cache read once (decode; prefill computes its keys and values
// from the prompt), the new cache rows written once, and the small I/O. The
// simulator's own bound counts every input and constant whole, which for a
// cache of capacity C at position p would credit reading C rows where p are
// needed, and for a sparse MoE layer every expert where the router chose k
// (a decode step of DeepSeek-V2-Lite reads 6 of 64), and the whole embedding
// table for one row. The weights a run needs are the constant bytes it read
// (Stats::constantBytesRead: each byte once, in whole DRAM lines): all of a
// dense weight, the rows and experts selected at run time. A schedule that
// read a weight it did not need would have it counted here; the MoE
// kernels' reads are checked against the selected experts separately
// (test/e2e/npu_moe_stats.test, bench/generate).
//
//===----------------------------------------------------------------------===//
#include "tessera/Sim/Generate.h"

#include "tessera/Support/Compare.h"
#include "tessera/Support/FileIO.h"
#include "tessera/Support/Npy.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace tessera::sim {

namespace {

constexpr const char *kPast = "past.", *kPresent = "present.";

bool startsWith(const std::string &s, const char *prefix) {
  return s.rfind(prefix, 0) == 0;
}

const bin::IoEntry *findIo(const bin::Program &p, const std::string &name,
                           bool output) {
  for (const bin::IoEntry &e : p.io)
    if (e.name == name && e.isOutput == output)
      return &e;
  return nullptr;
}

std::string describe(DType d, const Shape &s) {
  return std::string(dtypeName(d)) + " " + shapeToString(s);
}

/// The part of `name` after '@' (the fingerprint in a program's name).
std::string fingerprintOf(const std::string &name) {
  size_t at = name.find('@');
  return at == std::string::npos ? "" : name.substr(at + 1);
}

} // namespace

//===----------------------------------------------------------------------===//
// DeviceSession
//===----------------------------------------------------------------------===//

void DeviceSession::allocateCaches(const bin::Program &prog) {
  caches_.clear();
  for (const bin::IoEntry &e : prog.io)
    if (!e.isOutput && startsWith(e.name, kPast))
      caches_[e.name] = Tensor(e.dtype, e.shape);
}

bool DeviceSession::checkBinding(const bin::Program &prog,
                                 const std::string &programName,
                                 std::string &error) const {
  size_t bound = 0;
  for (const bin::IoEntry &e : prog.io) {
    if (e.isOutput || !startsWith(e.name, kPast))
      continue;
    auto it = caches_.find(e.name);
    if (it == caches_.end()) {
      error = programName + " takes a cache '" + e.name +
              "' that the device does not hold (its caches come from "
              "another model's program)";
      return false;
    }
    if (it->second.dtype() != e.dtype || it->second.shape() != e.shape) {
      error = programName + " takes cache '" + e.name + "' as " +
              describe(e.dtype, e.shape) + " but the device holds " +
              describe(it->second.dtype(), it->second.shape()) +
              " (the caches come from another model's or another "
              "capacity's program)";
      return false;
    }
    std::string out = kPresent + e.name.substr(strlen(kPast));
    const bin::IoEntry *o = findIo(prog, out, true);
    if (!o || o->gmAddr != e.gmAddr || o->byteSize() != e.byteSize()) {
      error = programName + " does not update cache '" + e.name +
              "' in place (no output '" + out + "' at its address)";
      return false;
    }
    ++bound;
  }
  if (bound != caches_.size()) {
    error = programName + " takes " + std::to_string(bound) +
            " of the device's " + std::to_string(caches_.size()) +
            " caches (they come from another model's program)";
    return false;
  }
  return true;
}

bool DeviceSession::run(const bin::Program &prog,
                        const std::map<std::string, Tensor> &in,
                        std::map<std::string, Tensor> &outputs, Stats &stats,
                        std::string &error) {
  std::map<std::string, Tensor> inputs = in;
  for (auto &[name, t] : caches_)
    inputs[name] = std::move(t);
  std::map<std::string, Tensor> all;
  bool ok = sim_.run(prog, inputs, all, stats, error);
  // The caches stay resident whatever happened: the updated ones from the
  // outputs, else as they were.
  for (auto &[name, t] : caches_) {
    auto it = all.find(kPresent + name.substr(strlen(kPast)));
    t = it != all.end() ? std::move(it->second) : std::move(inputs[name]);
  }
  if (!ok)
    return false;
  outputs.clear();
  for (auto &[name, t] : all)
    if (!startsWith(name, kPresent))
      outputs[name] = std::move(t);
  return true;
}

//===----------------------------------------------------------------------===//
// The plan
//===----------------------------------------------------------------------===//

bool isGenerationDirectory(const std::string &path) {
  struct stat st;
  return ::stat((path + "/generate.json").c_str(), &st) == 0 &&
         S_ISREG(st.st_mode);
}

bool loadGenerationPlan(const std::string &dir, GenerationPlan &plan,
                        std::string &error) {
  plan.dir = dir;
  while (plan.dir.size() > 1 && plan.dir.back() == '/')
    plan.dir.pop_back();
  std::string path = plan.dir + "/generate.json";
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  using Json = nlohmann::json;
  Json j = Json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  auto field = [&](const char *name, Json::value_t type) -> const Json * {
    if (!j.is_object() || !j.contains(name) || j[name].type() != type)
      return nullptr;
    return &j[name];
  };
  auto str = [&](const char *name, std::string &out) {
    const Json *v = field(name, Json::value_t::string);
    if (v)
      out = v->get<std::string>();
    return v != nullptr;
  };
  auto num = [&](const char *name, int64_t &out) {
    if (!j.is_object() || !j.contains(name) || !j[name].is_number_integer())
      return false;
    out = j[name].get<int64_t>();
    return true;
  };
  std::string format, prefillFile, decodeFile;
  if (j.is_discarded() || !str("format", format) ||
      format != "tessera-generation") {
    error = path + ": not a generation description (tessera-compile "
                   "MODEL_DIR -o OUT/ writes one)";
    return false;
  }
  for (auto [name, out] :
       {std::pair<const char *, std::string *>{"model", &plan.model},
        {"architecture", &plan.architecture},
        {"fingerprint", &plan.fingerprint},
        {"precision", &plan.precision},
        {"prefill", &prefillFile},
        {"decode", &decodeFile}})
    if (!str(name, *out)) {
      error = path + ": field '" + name + "' is missing or not a string";
      return false;
    }
  for (auto [name, out] :
       {std::pair<const char *, int64_t *>{"vocab_size", &plan.vocab},
        {"seq", &plan.seq},
        {"cache_capacity", &plan.capacity}})
    if (!num(name, *out) || *out < 1) {
      error = path + ": field '" + name +
              "' is missing or not a positive "
              "integer";
      return false;
    }
  if (j.contains("weight_quant") && !str("weight_quant", plan.weightQuant)) {
    error = path + ": field 'weight_quant' is not a string";
    return false;
  }
  // Compiled from a weight-layout manifest: complete programs, no weights.
  if (j.contains("weights_written") && j["weights_written"] == false) {
    error = path +
            ": the programs were compiled from a weight-layout manifest and "
            "have no weights (weights.layout.json gives each weight's place "
            "in weights.bin): compile the model directory with its "
            "safetensors to run them";
    return false;
  }
  for (const std::string *file : {&prefillFile, &decodeFile})
    if (file->find('/') != std::string::npos) {
      error = path + ": program '" + *file +
              "' must be a file name in the directory";
      return false;
    }
  struct Entry {
    const char *phase;
    std::string file;
    bin::Program *prog;
  };
  for (Entry e : {Entry{"prefill", prefillFile, &plan.prefill},
                  Entry{"decode", decodeFile, &plan.decode}}) {
    std::string p = plan.dir + "/" + e.file;
    if (!bin::readProgramFile(p, *e.prog, error))
      return false;
    std::string want = std::string(e.phase) + "@" + plan.fingerprint;
    if (e.prog->name != want) {
      std::string fp = fingerprintOf(e.prog->name);
      error = p + ": the program is '" + e.prog->name + "', not the " +
              e.phase + " program of this model (" +
              (fp.empty() ? std::string("no model fingerprint")
                          : "model fingerprint " + fp) +
              "; generate.json says " + plan.fingerprint +
              "): compile the model again into one directory";
      return false;
    }
  }
  if (!bin::resolveProgramTarget(plan.prefill, plan.dir + "/" + prefillFile, "",
                                 plan.target, error))
    return false;
  if (plan.decode.targetHash != plan.prefill.targetHash) {
    error = dir +
            ": prefill and decode programs were built for different "
            "targets ('" +
            plan.prefill.targetName + "', '" + plan.decode.targetName + "')";
    return false;
  }
  for (const bin::Program *p : {&plan.prefill, &plan.decode})
    if (!bin::verifyProgram(*p, plan.target, error))
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Generation
//===----------------------------------------------------------------------===//

/// The roofline bound of one run (see the file comment); `filled` is the
/// number of cache entries valid after the run, `written` the entries it
/// wrote, `readsCache` whether it attends over the cache.
static double runBound(const bin::Program &prog, const Stats &st,
                       int64_t capacity, int64_t filled, int64_t written,
                       bool readsCache) {
  double bytes = (double)st.constantBytesRead;
  for (const bin::IoEntry &e : prog.io) {
    if (startsWith(e.name, kPresent))
      continue;
    if (startsWith(e.name, kPast)) {
      double row = (double)e.byteSize() / (double)capacity;
      bytes += row * (double)written + (readsCache ? row * filled : 0);
      continue;
    }
    bytes += (double)e.byteSize();
  }
  double dram = st.dramBytesPerSec > 0 ? bytes / st.dramBytesPerSec : 0;
  return std::max(st.boundComputeSeconds, dram);
}

bool generateOnDevice(const GenerationPlan &plan,
                      const std::vector<int64_t> &prompt, int64_t maxNewTokens,
                      std::vector<GenerationStep> &steps, std::string &error) {
  int64_t n = (int64_t)prompt.size();
  if (n == 0 || maxNewTokens < 1) {
    error = "--generate needs --prompt-ids and --max-new-tokens >= 1";
    return false;
  }
  if (n > plan.seq) {
    error = "the prompt has " + std::to_string(n) +
            " tokens but the prefill program takes at most " +
            std::to_string(plan.seq) +
            " (compiled with --seq=" + std::to_string(plan.seq) + ")";
    return false;
  }
  for (size_t i = 0; i < prompt.size(); ++i)
    if (prompt[i] < 0 || prompt[i] >= plan.vocab) {
      error = "prompt token id " + std::to_string(prompt[i]) + " (position " +
              std::to_string(i) + ") is outside the vocabulary of " +
              std::to_string(plan.vocab) + " tokens";
      return false;
    }
  int64_t needed = n + maxNewTokens - 1;
  if (needed > plan.capacity) {
    error = "a " + std::to_string(n) + "-token prompt and " +
            std::to_string(maxNewTokens) + " new tokens need " +
            std::to_string(needed) +
            " cache entries but the programs were compiled with "
            "--cache-capacity=" +
            std::to_string(plan.capacity);
    return false;
  }

  SimOptions so;
  DeviceSession session(plan.target, so);
  session.allocateCaches(plan.prefill);
  if (!session.checkBinding(plan.prefill, "prefill.npu", error) ||
      !session.checkBinding(plan.decode, "decode.npu", error))
    return false;

  auto step = [&](const bin::Program &prog, const char *what,
                  std::map<std::string, Tensor> inputs, int64_t filled,
                  int64_t written, bool readsCache) {
    std::map<std::string, Tensor> out;
    GenerationStep s;
    if (!session.run(prog, inputs, out, s.stats, error)) {
      error = std::string(what) + ": " + error;
      return false;
    }
    auto tok = out.find("next_token"), logits = out.find("logits");
    if (tok == out.end() || logits == out.end() ||
        tok->second.numElements() != 1) {
      error = std::string(what) +
              ": the program has no 'next_token' and 'logits' outputs";
      return false;
    }
    s.token = tok->second.getI(0);
    s.logits = logits->second.castTo(DType::F32);
    s.boundSeconds =
        runBound(prog, s.stats, plan.capacity, filled, written, readsCache);
    steps.push_back(std::move(s));
    return true;
  };

  steps.clear();
  std::vector<int64_t> ids(plan.seq, 0);
  std::copy(prompt.begin(), prompt.end(), ids.begin());
  if (!step(plan.prefill, "prefill.npu",
            {{"input_ids", Tensor::fromInts(DType::I64, {1, plan.seq}, ids)},
             {"length", Tensor::fromInts(DType::I64, {1}, {n})}},
            n, plan.seq, false))
    return false;
  for (int64_t i = 1; i < maxNewTokens; ++i) {
    int64_t position = n + i - 1;
    if (!step(plan.decode,
              ("decode.npu (token " + std::to_string(i) + ")").c_str(),
              {{"input_ids",
                Tensor::fromInts(DType::I64, {1, 1}, {steps.back().token})},
               {"position", Tensor::fromInts(DType::I64, {1}, {position})}},
              position + 1, 1, true))
      return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// tessera-run OUT/ --generate
//===----------------------------------------------------------------------===//

int runGenerateMain(const GenerateRunOptions &o) {
  auto die = [](const std::string &msg) {
    std::fprintf(stderr, "tessera-run: error: %s\n", msg.c_str());
    return 1;
  };
  GenerationPlan plan;
  std::string error;
  if (!loadGenerationPlan(o.dir, plan, error))
    return die(error);
  std::vector<GenerationStep> steps;
  if (!generateOnDevice(plan, o.prompt, o.maxNewTokens, steps, error))
    return die(error);

  std::printf("tokens:");
  for (const GenerationStep &s : steps)
    std::printf(" %lld", (long long)s.token);
  std::printf("\n");

  if (!o.outputDir.empty()) {
    AtomicFileSet files;
    std::vector<int64_t> toks;
    for (const GenerationStep &s : steps)
      toks.push_back(s.token);
    // Create the directory and its parents.
    for (size_t at = 1; at <= o.outputDir.size(); ++at)
      if (at == o.outputDir.size() || o.outputDir[at] == '/')
        ::mkdir(o.outputDir.substr(0, at).c_str(), 0777);
    if (!files.add(o.outputDir + "/tokens.npy",
                   serializeNpy(Tensor::fromInts(DType::I64,
                                                 {(int64_t)toks.size()}, toks)),
                   error))
      return die(error);
    if (o.saveLogits)
      for (size_t i = 0; i < steps.size(); ++i)
        if (!files.add(o.outputDir + "/logits_" + std::to_string(i) + ".npy",
                       serializeNpy(steps[i].logits), error))
          return die(error);
    if (!files.commit(error))
      return die(error);
  }

  if (o.stats) {
    const GenerationStep &pre = steps.front();
    std::printf("prefill           %lld tokens (program: %lld) in %.3f us, "
                "%.2fx its roofline bound (%.3f us)\n",
                (long long)o.prompt.size(), (long long)plan.seq,
                pre.stats.seconds * 1e6, pre.stats.seconds / pre.boundSeconds,
                pre.boundSeconds * 1e6);
    double decodeSec = 0, boundSec = 0;
    for (size_t i = 1; i < steps.size(); ++i) {
      const GenerationStep &s = steps[i];
      std::printf("decode token %-4zu %.3f us, %.2fx its roofline bound "
                  "(%.3f us), DRAM %llu B\n",
                  i, s.stats.seconds * 1e6, s.stats.seconds / s.boundSeconds,
                  s.boundSeconds * 1e6,
                  (unsigned long long)s.stats.dramBytes());
      decodeSec += s.stats.seconds;
      boundSec += s.boundSeconds;
    }
    if (steps.size() > 1) {
      size_t k = steps.size() - 1;
      std::printf("decode            %zu tokens, %.3f us/token, %.1f "
                  "tokens/s, %.2fx the roofline bound\n",
                  k, decodeSec / k * 1e6, k / decodeSec, decodeSec / boundSec);
    }
    double total = decodeSec + pre.stats.seconds;
    std::printf("generation        %zu tokens in %.3f us (prefill "
                "included): %.1f tokens/s\n",
                steps.size(), total * 1e6, steps.size() / total);
  }

  if (o.check) {
    std::vector<int64_t> toks;
    for (const GenerationStep &s : steps)
      toks.push_back(s.token);
    std::vector<Tensor> golden;
    if (!o.golden || !o.golden(plan, toks, golden, error))
      return die("--check: " + (error.empty() ? "no golden reference" : error));
    if (golden.size() != steps.size())
      return die("--check: the golden generation gave " +
                 std::to_string(golden.size()) + " steps, the device " +
                 std::to_string(steps.size()));
    bool f32 = plan.precision == "f32";
    bool pass = true;
    double worstCos = 1, worstAbs = 0;
    for (size_t i = 0; i < steps.size(); ++i) {
      CompareResult c = compareTensors(steps[i].logits, golden[i], 1e-3, 1e-3);
      worstCos = std::min(worstCos, c.cosine);
      worstAbs = std::max(worstAbs, c.maxAbsError);
      // The golden step's own choice, with the device's history.
      int64_t best = 0;
      for (int64_t v = 1; v < golden[i].numElements(); ++v)
        if (golden[i].getF(v) > golden[i].getF(best))
          best = v;
      bool ok =
          f32 ? c.mismatches == 0 && !(c.cosine < 0.999) : !(c.cosine < 0.999);
      if (f32 && best != steps[i].token)
        ok = false;
      if (!ok || best != steps[i].token)
        std::printf("step %zu: device token %lld, golden %lld; logits %s\n", i,
                    (long long)steps[i].token, (long long)best,
                    c.summary().c_str());
      pass &= ok;
    }
    std::printf("check: %zu steps against the golden evaluator (%s): worst "
                "cosine %.6f, max abs logit error %.3g: %s\n",
                steps.size(),
                f32 ? "f32: every logit within 1e-3 + 1e-3 |golden|, same "
                      "tokens"
                    : "cosine >= 0.999",
                worstCos, worstAbs, pass ? "PASS" : "FAIL");
    if (!pass)
      return 1;
  }
  return 0;
}

} // namespace tessera::sim
