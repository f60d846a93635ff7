//===- Compile.cpp - Load a model, run the pipeline, get a program --------===//
#include "tessera/Pipeline/Compile.h"
#include "tessera/Support/BoundedInputFile.h"

#include "Isa/IR/IsaConversion.h"
#include "Isa/IR/IsaDialect.h"
#include "Npu/IR/NpuDialect.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"

using namespace mlir;

namespace tessera::pipeline {

void loadAllDialects(MLIRContext &context) {
  registerImportDialects(context);
  context.loadDialect<npu::NpuDialect, isa::IsaDialect>();
}

OwningOpRef<ModuleOp> loadModelFile(StringRef path, MLIRContext &context,
                                    llvm::SourceMgr &sourceMgr,
                                    const OnnxImportOptions &importOptions) {
  if (path.ends_with(".onnx"))
    return importOnnxFile(path.str(), &context, importOptions);
  std::string error;
  auto file = tessera::openBoundedInputFile(path.str(), &error);
  if (!file) {
    emitError(UnknownLoc::get(&context)) << error;
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, &context);
}

OwningOpRef<ModuleOp> parseModule(StringRef text, StringRef name,
                                  MLIRContext &context) {
  ParserConfig config(&context);
  return parseSourceString<ModuleOp>(text, config, name);
}

LogicalResult
runPipeline(ModuleOp module, const PipelineOptions &options, Stage from,
            Stage to,
            const std::function<LogicalResult(PassManager &)> &configure) {
  PassManager pm(module.getContext());
  if (configure && failed(configure(pm)))
    return failure();
  buildPipeline(pm, options, from, to);
  return pm.run(module);
}

FailureOr<bin::Program> programOf(ModuleOp module, bool borrowConstants) {
  for (auto p : module.getOps<isa::ProgramOp>())
    return isa::emitProgram(p, borrowConstants);
  module.emitError("no isa.program in the module");
  return failure();
}

FailureOr<bin::Program> compileToProgram(ModuleOp module,
                                         const PipelineOptions &options) {
  if (failed(runPipeline(module, options, Stage::Import, Stage::Isa)))
    return failure();
  return programOf(module);
}

void printModule(ModuleOp module, llvm::raw_ostream &os, OpPrintingFlags flags,
                 bool assemblyOnly) {
  if (assemblyOnly) {
    for (Operation &op : module.getBody()->getOperations())
      op.print(os, flags);
  } else {
    module->print(os, flags);
  }
  os << "\n";
}

} // namespace tessera::pipeline
