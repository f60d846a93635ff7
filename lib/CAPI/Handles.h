//===- Handles.h - The C API's handle registry and error state --*- C++ -*-===//
//
// Every live handle is registered; a call first looks its handle up, so a
// null, destroyed or foreign pointer is an error status, never a
// dereference.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CAPI_HANDLES_H
#define TESSERA_CAPI_HANDLES_H

#include "tessera-c/Tessera.h"

#include "tessera/Binary/Program.h"
#include "tessera/Sim/Profile.h"
#include "tessera/Support/Tensor.h"
#include "tessera/Target/Target.h"

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tessera::capi {

/// Records `message` as this thread's last error and returns `status`.
tessera_status_t fail(tessera_status_t status, const std::string &message);
/// Clears this thread's last error and returns TESSERA_STATUS_OK.
tessera_status_t ok();

/// The set of live handles of one kind, guarded by a mutex.
template <typename T> class Registry {
public:
  void add(T *p) {
    std::lock_guard<std::mutex> lock(mu);
    live.insert(p);
  }
  /// Removes `p`; false if it was not live.
  bool remove(T *p) {
    std::lock_guard<std::mutex> lock(mu);
    return live.erase(p) != 0;
  }
  bool contains(const T *p) {
    std::lock_guard<std::mutex> lock(mu);
    return live.count(const_cast<T *>(p)) != 0;
  }

private:
  std::mutex mu;
  std::set<T *> live;
};

std::optional<DType> toDType(tessera_dtype_t d);
tessera_dtype_t fromDType(DType d);

struct IoInfo {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
};

struct OutputData {
  std::vector<uint8_t> bytes;
  DType dtype = DType::F32;
  Shape shape;
};

/// Evaluates a graph with the golden evaluator (set by sessions; the
/// program library has no MLIR).
using EvaluateFn =
    std::function<bool(const std::map<std::string, Tensor> &,
                       std::map<std::string, Tensor> &, std::string &)>;

} // namespace tessera::capi

/// A program on the simulator, or a module in the golden evaluator.
struct tessera_program_opaque {
  std::string targetName;
  std::vector<tessera::capi::IoInfo> inputs, outputs;
  std::map<std::string, tessera::Tensor> bound;
  std::map<std::string, tessera::capi::OutputData> results;
  std::string statsJson = "{}";
  std::string summaryJson = "{}";
  double cycles = 0;
  // The last simulated run's profile; its JSON and HTML made on request.
  bool profiled = false;
  tessera::sim::Profile profile;
  std::string profileJson, profileHtml;
  // The simulator's program and target (unused by evaluators).
  tessera::bin::Program program;
  tessera::target::TargetDesc target;
  tessera::capi::EvaluateFn evaluate;
};

namespace tessera::capi {
Registry<tessera_program_opaque> &programs();
} // namespace tessera::capi

#endif
