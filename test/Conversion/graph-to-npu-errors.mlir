// Ops and types with no NPU lowering are errors at the ONNX node.
// RUN: not tessera-opt %s --split-input-file --tessera-attach-target=target=edge --tessera-graph-to-npu 2>&1 | FileCheck %s
// RUN: not tessera-opt %s --split-input-file --tessera-graph-to-npu=precision=f8 2>&1 | FileCheck %s --check-prefix=PREC

// On edge (no AI-CPU reachable by flags) an op no tensor engine computes
// has no lowering; on dc it runs on the AI-CPU (graph-to-npu.mlir).
// CHECK: error: {{.*}}no NPU lowering for node 'MyAsin' (graph.asin): no vector instruction computes it and the target has no AI-CPU to fall back on
// PREC: error: --precision must be f32, bf16 or f16 (got 'f8')
func.func @asin(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = graph.asin %x : (tensor<4xf32>) -> tensor<4xf32> loc("MyAsin")
  return %0 : tensor<4xf32>
}

// -----

// uint32 is stored as its bit pattern in i32; ops whose i32 instructions
// would not give the unsigned result and that have no unsigned expansion
// are errors.
// CHECK: error: {{.*}}no NPU lowering for node 'U32Abs' (graph.abs): 'graph.abs' on uint32 has no vector lowering (the vector unit has no u32)
func.func @u32(%x: tensor<4xui32>) -> tensor<4xui32> {
  %0 = graph.abs %x : (tensor<4xui32>) -> tensor<4xui32> loc("U32Abs")
  return %0 : tensor<4xui32>
}

// -----

// uint64 is stored like int64: its values must fit in [0, 2^31).
// CHECK: error: constant value 2147483648 does not fit the NPU's 32-bit integers
func.func @u64(%x: tensor<2xui64>) -> tensor<2xui64> {
  %c = graph.constant dense<[1, 2147483648]> : tensor<2xui64>
  %0 = graph.add %x, %c : (tensor<2xui64>, tensor<2xui64>) -> tensor<2xui64>
  return %0 : tensor<2xui64>
}

// -----

// CHECK: error: {{.*}}no NPU lowering for node 'IntMatMul' (graph.matmul): the matrix engine multiplies floating-point operands of one dtype (got i32 and i32)
func.func @imm(%a: tensor<2x3xi32>, %b: tensor<3x2xi32>) -> tensor<2x2xi32> {
  %0 = graph.matmul %a, %b : (tensor<2x3xi32>, tensor<3x2xi32>) -> tensor<2x2xi32> loc("IntMatMul")
  return %0 : tensor<2x2xi32>
}

// -----

// CHECK: error: {{.*}}no NPU lowering for node 'Reflect' (graph.pad): Pad mode 'reflect' (only constant padding is a DMA pattern)
func.func @reflect(%x: tensor<4xf32>) -> tensor<6xf32> {
  %0 = graph.pad %x {pads = array<i64: 1, 1>, mode = "reflect"} : (tensor<4xf32>) -> tensor<6xf32> loc("Reflect")
  return %0 : tensor<6xf32>
}
