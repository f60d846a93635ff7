//===- NpuDialect.td - The npu dialect ----------------------*- tablegen -*-===//
//
// Target-aware kernels. An `npu.dispatch` is one kernel: the graph ops it
// holds (a fused group), the engine that runs it, the storage dtype of its
// operands and results in GM (the op's types), the layout of its matrix
// tiles, its tiling and core split, and its GM addresses once memory is
// planned. Dispatches are what the npu -> isa code generator turns into
// per-core instruction streams.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_NPU_DIALECT
#define TESSERA_NPU_DIALECT

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

def Npu_Dialect : Dialect {
  let name = "npu";
  let cppNamespace = "::tessera::npu";
  let summary = "target-aware NPU kernels (dispatches) over GM buffers";
  let description = [{
    The middle level of the compiler. `graph` ops are grouped into
    `npu.dispatch` kernels, each bound to an engine (the matrix engine, the
    vector unit, the DMA engines, or the AI-CPU) and annotated by the passes
    that follow: `tiling`, `cores` and `layout` (tessera-npu-tile), and GM
    addresses (tessera-npu-plan-memory). Tensor types on dispatch operands
    and results are the storage types in GM (`bf16` under
    `--precision=bf16`, `i32` for ONNX int64, `ui8` for bool); the graph ops
    inside keep the model's types and are computed in f32 (i32 for integers)
    on the vector unit.
  }];
}

def Npu_Engine : I32EnumAttr<"Engine", "the unit that runs a dispatch", [
  I32EnumAttrCase<"vector", 0>, I32EnumAttrCase<"matrix", 1>,
  I32EnumAttrCase<"gather", 2>, I32EnumAttrCase<"topk", 3>,
  I32EnumAttrCase<"view", 4>, I32EnumAttrCase<"aicpu", 5>
]> {
  let cppNamespace = "::tessera::npu";
}

#endif
