//===- AttachTarget.cpp - Resolve the target once, record it on the IR ----===//
#include "tessera/Conversion/ModuleTarget.h"
#include "tessera/Conversion/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace tessera::conversion {
#define GEN_PASS_DEF_ATTACHTARGET
#include "Npu/Transforms/Passes.h.inc"
} // namespace tessera::conversion

using namespace mlir;

namespace tessera::conversion {

const target::TargetDesc *getModuleTarget(Operation *op) {
  auto module = dyn_cast<ModuleOp>(op);
  if (!module)
    module = op->getParentOfType<ModuleOp>();
  std::string name = kDefaultTarget.str();
  if (module)
    if (auto attr = module->getAttrOfType<StringAttr>(kTargetAttrName))
      name = attr.str();
  std::string error;
  if (const target::TargetDesc *t = target::getPresetCached(name, error))
    return t;
  (module ? module.getOperation() : op)->emitError("target '")
      << name << "': " << error;
  return nullptr;
}

LogicalResult attachTarget(ModuleOp module, StringRef nameOrPath) {
  // A JSON file is recorded by absolute path so the IR keeps naming the same
  // file when a later tool runs it from another directory.
  SmallString<256> name(nameOrPath);
  std::string error;
  std::vector<std::string> presets = target::presetNames();
  if (!llvm::is_contained(presets, name.str().str()))
    llvm::sys::fs::make_absolute(name);
  if (!target::getPresetCached(name.str().str(), error))
    return module.emitError("target '") << nameOrPath << "': " << error;
  auto attr = StringAttr::get(module.getContext(), name);
  if (auto existing = module->getAttrOfType<StringAttr>(kTargetAttrName)) {
    if (existing == attr)
      return success();
    return module.emitError("the module was lowered for target '")
           << existing.getValue() << "', not '" << nameOrPath << "'";
  }
  module->setAttr(kTargetAttrName, attr);
  return success();
}

namespace {
struct AttachTargetPass : public impl::AttachTargetBase<AttachTargetPass> {
  using AttachTargetBase::AttachTargetBase;
  void runOnOperation() override {
    if (failed(attachTarget(getOperation(), target)))
      signalPassFailure();
  }
};
} // namespace

} // namespace tessera::conversion
