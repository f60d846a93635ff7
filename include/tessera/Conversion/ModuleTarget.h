//===- ModuleTarget.h - The target a module is compiled for -----*- C++ -*-===//
//
// The target is resolved once (tessera-attach-target) and recorded on the
// module as `tessera.target`; every pass after it reads it from there.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_CONVERSION_MODULETARGET_H
#define TESSERA_CONVERSION_MODULETARGET_H

#include "tessera/Target/Target.h"

#include "mlir/IR/BuiltinOps.h"

namespace tessera::conversion {

/// The module attribute naming the target: a preset name or the absolute path
/// of a target JSON file.
constexpr llvm::StringLiteral kTargetAttrName = "tessera.target";
/// The target of modules that carry no `tessera.target`.
constexpr llvm::StringLiteral kDefaultTarget = "dc";

/// The target recorded on `op`'s module (the default preset when none is).
/// Emits an error at the module and returns null if it cannot be loaded.
/// Descriptions are cached for the process; the cache is thread-safe.
const target::TargetDesc *getModuleTarget(mlir::Operation *op);

/// Resolves `nameOrPath` (a preset or a JSON file) and records it on
/// `module`; fails with an error if the module already records another
/// target.
mlir::LogicalResult attachTarget(mlir::ModuleOp module,
                                 llvm::StringRef nameOrPath);

} // namespace tessera::conversion

#endif
