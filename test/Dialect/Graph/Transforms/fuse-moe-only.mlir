// RUN: tessera-opt --tessera-graph-fuse-llm=ops=moe %s | FileCheck %s

// With the moe family alone (the NPU pipeline's set), a SwiGLU that no MoE
// takes is fused for the MoE matcher and then written back as primitives:
// graph.swiglu has no NPU lowering.
// CHECK-LABEL: func.func @dense_mlp
// CHECK-NOT: graph.swiglu
// CHECK: %[[S:.*]] = graph.sigmoid %arg0
// CHECK: %[[T:.*]] = graph.mul %arg0, %[[S]]
// CHECK: %[[H:.*]] = graph.mul %[[T]], %arg1
// CHECK: return %[[H]]
func.func @dense_mlp(%g: tensor<4x8xf32>, %u: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = graph.sigmoid %g : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %t = graph.mul %g, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %h = graph.mul %t, %u : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %h : tensor<4x8xf32>
}
