//===- Progress.h - Show a long compile's progress on a terminal -*- C++ -*-=//
#ifndef TESSERA_PIPELINE_PROGRESS_H
#define TESSERA_PIPELINE_PROGRESS_H

#include "mlir/Pass/PassInstrumentation.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <memory>

namespace tessera::pipeline {

/// Prints "[tessera] 5.2 s  pass 4: tessera-npu-tile" on one rewritten line
/// of `os` before each module pass once `afterSeconds` have passed since the
/// instrumentation was made (make it just before running), and erases the
/// line when the pass manager drops it. Quick compiles print nothing.
std::unique_ptr<mlir::PassInstrumentation>
createProgressInstrumentation(llvm::raw_ostream &os, double afterSeconds = 3);

} // namespace tessera::pipeline

#endif
