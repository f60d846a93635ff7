//===- NpuDialect.h - The npu dialect ---------------------------*- C++ -*-===//
#ifndef TESSERA_NPU_IR_NPUDIALECT_H
#define TESSERA_NPU_IR_NPUDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "Npu/IR/NpuDialect.h.inc"
#include "Npu/IR/NpuEnums.h.inc"

#define GET_OP_CLASSES
#include "Npu/IR/NpuOps.h.inc"

#endif
