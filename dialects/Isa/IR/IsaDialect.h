//===- IsaDialect.h - The isa dialect ---------------------------*- C++ -*-===//
#ifndef TESSERA_ISA_IR_ISADIALECT_H
#define TESSERA_ISA_IR_ISADIALECT_H

#include "tessera/Binary/Isa.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"

namespace tessera::isa {
/// Checks an instruction op against the target of its enclosing program
/// (the shared rules of bin::verifyInstr), reporting at the op.
llvm::LogicalResult verifyInstrOp(mlir::Operation *op);

// Custom assembly of scalar operands: a register `r3`, an operand
// "register + immediate" (`r3`, `4`, `r3 + 4`) and an address `[r3 + 16]`.
mlir::ParseResult parseReg(mlir::OpAsmParser &p, mlir::IntegerAttr &reg);
void printReg(mlir::OpAsmPrinter &p, mlir::Operation *op,
              mlir::IntegerAttr reg);
mlir::ParseResult parseSrc(mlir::OpAsmParser &p, mlir::IntegerAttr &reg,
                           mlir::IntegerAttr &imm);
void printSrc(mlir::OpAsmPrinter &p, mlir::Operation *op, mlir::IntegerAttr reg,
              mlir::IntegerAttr imm);
mlir::ParseResult parseAddr(mlir::OpAsmParser &p, mlir::IntegerAttr &reg,
                            mlir::IntegerAttr &offset);
void printAddr(mlir::OpAsmPrinter &p, mlir::Operation *op,
               mlir::IntegerAttr reg, mlir::IntegerAttr offset);
} // namespace tessera::isa

#include "Isa/IR/IsaDialect.h.inc"
#include "Isa/IR/IsaEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "Isa/IR/IsaAttrs.h.inc"

#define GET_OP_CLASSES
#include "Isa/IR/IsaOps.h.inc"

namespace tessera::isa {
/// Tile descriptor <-> attribute.
TileAttr tileToAttr(mlir::MLIRContext *ctx, const bin::Tile &t);
bin::Tile attrToTile(TileAttr a);
/// Reads an instruction op into the shared instruction struct (fields by
/// name through the table in tessera/Binary/Isa.h).
bool opToInstr(mlir::Operation *op, bool onAiCpu, bin::Instr &out,
               std::string &error);
/// MLIR element type <-> DType (i8 is signless i8, u8 is ui8, bool is i1).
mlir::Type dtypeToType(mlir::MLIRContext *ctx, DType d);
std::optional<DType> typeToDType(mlir::Type t);
} // namespace tessera::isa

#endif // TESSERA_ISA_IR_ISADIALECT_H
