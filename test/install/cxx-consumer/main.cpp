// Registers Tessera's dialects into its own registry, builds stage ranges of
// the pipeline into its own PassManager, serializes the program, runs it on
// the simulator and checks it against the golden evaluator.
#include "tessera/Check/GoldenCheck.h"
#include "tessera/Pipeline/Compile.h"
#include "tessera/Target/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <cstdio>

using namespace tessera;

static const char *kGraph = R"(
func.func @main(%x: tensor<16x32xf32> {graph.name = "x"}, %w: tensor<32x16xf32> {graph.name = "w"}) -> (tensor<16x16xf32> {graph.name = "y"}) {
  %0 = graph.matmul %x, %w : (tensor<16x32xf32>, tensor<32x16xf32>) -> tensor<16x16xf32>
  %1 = graph.relu %0 : (tensor<16x16xf32>) -> tensor<16x16xf32>
  return %1 : tensor<16x16xf32>
}
)";

static int fail(const char *what) {
  std::fprintf(stderr, "cxx-consumer: %s\n", what);
  return 1;
}

int main() {
  mlir::DialectRegistry registry;
  pipeline::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      pipeline::parseModule(kGraph, "consumer", context);
  if (!module)
    return fail("parse");
  mlir::OwningOpRef<mlir::ModuleOp> source = module->clone();

  pipeline::PipelineOptions options;
  options.target = "edge";
  // Two stage ranges in the caller's own pass managers.
  mlir::PassManager toNpu(&context);
  pipeline::buildPipeline(toNpu, options, pipeline::Stage::Import,
                          pipeline::Stage::Npu);
  if (mlir::failed(toNpu.run(*module)))
    return fail("import -> npu");
  int dispatches = 0;
  module->walk([&](mlir::Operation *op) {
    dispatches += op->getName().getStringRef() == "npu.dispatch";
  });
  if (dispatches == 0)
    return fail("no npu.dispatch after the npu stage");
  mlir::PassManager toIsa(&context);
  pipeline::buildPipeline(toIsa, options, pipeline::Stage::Npu,
                          pipeline::Stage::Isa);
  if (mlir::failed(toIsa.run(*module)))
    return fail("npu -> isa");
  mlir::FailureOr<bin::Program> prog = pipeline::programOf(*module);
  if (mlir::failed(prog))
    return fail("no program");

  std::string error;
  target::TargetDesc edge;
  if (!target::loadTarget("edge", edge, error) ||
      !bin::verifyProgram(*prog, edge, error))
    return fail(error.c_str());
  check::CheckReport report;
  auto main = source->lookupSymbol<mlir::func::FuncOp>("main");
  if (!check::checkProgram(*prog, edge, main, {}, {}, report, error))
    return fail(error.c_str());
  report.printComparisons(llvm::outs());
  report.printVerdict(llvm::outs());
  std::printf("cxx-consumer: %d dispatches, %.0f cycles, tessera %s\n",
              dispatches, report.stats.cycles, pipeline::versionString());
  return report.passed() && report.stats.cycles > 0 ? 0 : 1;
}
