//===- Progress.cpp - Show a long compile's progress on a terminal --------===//
#include "tessera/Pipeline/Progress.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/Format.h"

using namespace mlir;

namespace {
/// The clock starts when the instrumentation is made (just before the pass
/// manager runs); the line is erased when the pass manager lets it go.
class ProgressInstrumentation : public PassInstrumentation {
public:
  ProgressInstrumentation(llvm::raw_ostream &os, double afterSeconds)
      : os(os), afterSeconds(afterSeconds), start(Clock::now()) {}

  ~ProgressInstrumentation() override {
    if (!shown)
      return;
    os << "\r\033[K";
    os.flush();
  }

  void runBeforePass(Pass *pass, Operation *op) override {
    if (!isa<ModuleOp>(op))
      return; // only the pipeline's own (module) passes
    ++index;
    double elapsed =
        std::chrono::duration<double>(Clock::now() - start).count();
    if (elapsed < afterSeconds)
      return;
    os << "\r\033[K[tessera] " << llvm::format("%.1f", elapsed) << " s  pass "
       << index << ": " << pass->getArgument();
    os.flush();
    shown = true;
  }

private:
  using Clock = std::chrono::steady_clock;
  llvm::raw_ostream &os;
  double afterSeconds;
  Clock::time_point start;
  unsigned index = 0;
  bool shown = false;
};
} // namespace

std::unique_ptr<PassInstrumentation>
tessera::pipeline::createProgressInstrumentation(llvm::raw_ostream &os,
                                                 double afterSeconds) {
  return std::make_unique<ProgressInstrumentation>(os, afterSeconds);
}
