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

/// A module attribute naming the weight file (e.g. "weights.bin") in which
/// constants without bytes, a weight-layout manifest's, get their room: with
/// it, tessera-npu-to-isa lowers them to external constants that have a
/// size and no bytes yet (ConstBlob::unplaced); without it, such a constant
/// is an error. Set by the generation compile from a manifest.
inline constexpr llvm::StringLiteral kUnplacedWeightsAttr =
    "tessera.unplaced_weights";

/// Builds the Program of an isa.program (which must verify). Errors are
/// emitted at the offending op. Instruction locations that are (or contain)
/// a NameLoc become the debug map. With `borrowConstants`, inline constants
/// held in resource blobs are not copied: the program's ConstBlob::mapped
/// points into the blobs, which live as long as the MLIRContext (use the
/// program, e.g. write it, before the context goes).
llvm::FailureOr<bin::Program> emitProgram(ProgramOp op,
                                          const target::TargetDesc &target,
                                          bool borrowConstants = false);
/// Same, loading the target the program names.
llvm::FailureOr<bin::Program> emitProgram(ProgramOp op,
                                          bool borrowConstants = false);

/// Builds a module holding one isa.program equivalent to `p`. The inline
/// constants' bytes move into dense_resource blobs the module refers to:
/// move a program in when it is not needed any more, and a model's weights
/// are not copied. Constants that point into a loaded file's image keep the
/// image alive; constants that point elsewhere (ConstBlob::mapped without
/// Program::image: memory of `ctx`'s own resource blobs, which outlive any
/// module of `ctx`) are referred to in place.
mlir::OwningOpRef<mlir::ModuleOp>
programToModule(mlir::MLIRContext *ctx, bin::Program p,
                const target::TargetDesc &target);

} // namespace tessera::isa

#endif
