//===- IsaDialect.td - The isa dialect ----------------------*- tablegen -*-===//
//
// One op per NPU instruction. A program is an `isa.program` holding one
// `isa.core` per core (or AI-CPU) with that core's instructions in program
// order; every instruction names its pipe through its opcode (or its pipe
// field for sync ops). The printed form of these ops is the assembly
// language; it serializes 1:1 to the .npu binary (lib/Binary).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_ISA_DIALECT
#define TESSERA_ISA_DIALECT

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Isa_Dialect : Dialect {
  let name = "isa";
  let cppNamespace = "::tessera::isa";
  let summary = "NPU instructions: one op per instruction, one stream per core";
  let description = [{
    The `isa` dialect is the last IR level: its ops are the instructions of
    the virtual NPU (see docs/simulator.md and docs/npu-format.md). Operands
    are tile descriptors `<SPACE[offset], SHAPExDTYPE[, strides [..]][, nz]>`.
    The verifier checks every instruction against the target named by the
    enclosing `isa.program`: legal spaces for the pipe, alignment, capacity,
    dtype support.
  }];
  let useDefaultAttributePrinterParser = 1;
}

def Isa_Pipe : I32EnumAttr<"Pipe", "an NPU pipe", [
    I32EnumAttrCase<"S", 0>, I32EnumAttrCase<"MTE2", 1>,
    I32EnumAttrCase<"MTE1", 2>, I32EnumAttrCase<"M", 3>,
    I32EnumAttrCase<"FIX", 4>, I32EnumAttrCase<"V", 5>,
    I32EnumAttrCase<"MTE3", 6>, I32EnumAttrCase<"AICPU", 7>,
    I32EnumAttrCase<"ALL", 8>]> {
  let cppNamespace = "::tessera::isa";
}

def Isa_CmpKind : I32EnumAttr<"CmpKind", "a vcmp predicate", [
    I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>,
    I32EnumAttrCase<"lt", 2>, I32EnumAttrCase<"le", 3>,
    I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>]> {
  let cppNamespace = "::tessera::isa";
}

def Isa_CpuFn : I32EnumAttr<"CpuFn", "an AI-CPU function", [
    I32EnumAttrCase<"copy", 0>, I32EnumAttrCase<"exp", 1>,
    I32EnumAttrCase<"erf", 2>, I32EnumAttrCase<"cumsum", 3>,
    I32EnumAttrCase<"sort_desc", 4>, I32EnumAttrCase<"argmax", 5>,
    I32EnumAttrCase<"asin", 6>, I32EnumAttrCase<"acos", 7>,
    I32EnumAttrCase<"atan", 8>]> {
  let cppNamespace = "::tessera::isa";
}

def Isa_IoKind : I32EnumAttr<"IoKind", "program input or output", [
    I32EnumAttrCase<"input", 0>, I32EnumAttrCase<"output", 1>]> {
  let cppNamespace = "::tessera::isa";
}

def Isa_TileAttr : AttrDef<Isa_Dialect, "Tile"> {
  let mnemonic = "tile";
  let summary = "a tile descriptor: space, byte offset, shape, dtype, strides, layout";
  let description = [{
    `<UB[256], 16x16xbf16>` is a contiguous row-major 16x16 bf16 tile at byte
    256 of UB. `, strides [2048, 1]` gives element strides explicitly (printed
    only when not row-major); `, nz` selects the fractal NZ layout.

    Register-relative tiles: `<GM[1024 + r3 * 512 + r4 * 64], ...>` adds
    register x byte-stride terms to the offset, and `, extent 0 = r5` takes
    dimension 0's size from r5 at run time (the static size is its maximum).
    `terms` holds (register, stride) pairs; `extentDim` is -1 when every
    extent is static.
  }];
  let parameters = (ins "uint8_t":$space, "uint8_t":$dtype, "uint8_t":$layout,
                        "uint64_t":$offset,
                        ArrayRefParameter<"int64_t">:$shape,
                        ArrayRefParameter<"int64_t">:$strides,
                        ArrayRefParameter<"int64_t">:$terms,
                        "int64_t":$extentDim, "int64_t":$extentReg);
  let hasCustomAssemblyFormat = 1;
}

#endif // TESSERA_ISA_DIALECT
