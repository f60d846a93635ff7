//===- IsaConversion.h - isa dialect <-> .npu Program -----------*- C++ -*-===//
//
// The isa -> binary emitter and its inverse (used by tessera-objdump). Both
// go through the instruction table of tessera/Binary/Isa.h, field by name.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_ISA_IR_ISACONVERSION_H
#define TESSERA_ISA_IR_ISACONVERSION_H

#include "Isa/IR/IsaDialect.h"
#include "tessera/Binary/Program.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace tessera::isa {

/// Builds the Program of an isa.program (which must verify). Errors are
/// emitted at the offending op. Instruction locations that are (or contain)
/// a NameLoc become the debug map.
llvm::FailureOr<bin::Program> emitProgram(ProgramOp op,
                                          const target::TargetDesc &target);
/// Same, loading the target the program names.
llvm::FailureOr<bin::Program> emitProgram(ProgramOp op);

/// Builds a module holding one isa.program equivalent to `p`. The inline
/// constants' bytes move into dense_resource blobs the module refers to:
/// move a program in when it is not needed any more, and a model's weights
/// are not copied.
mlir::OwningOpRef<mlir::ModuleOp>
programToModule(mlir::MLIRContext *ctx, bin::Program p,
                const target::TargetDesc &target);

} // namespace tessera::isa

#endif
