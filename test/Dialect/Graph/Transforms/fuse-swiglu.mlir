// RUN: tessera-opt --tessera-graph-fuse-llm=ops=swiglu --split-input-file %s | FileCheck %s

// SiLU(gate) * up as torch exports it (Sigmoid, Mul, Mul), in both operand
// orders.
// CHECK-LABEL: func.func @swiglu
// CHECK-NEXT: %[[A:.*]] = graph.swiglu %arg0, %arg1 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT: %[[B:.*]] = graph.swiglu %arg1, %arg0 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT: return %[[A]], %[[B]]
func.func @swiglu(%g: tensor<4x16xf32>, %u: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = graph.sigmoid %g : (tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = graph.mul %g, %0 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %2 = graph.mul %1, %u : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %3 = graph.sigmoid %u : (tensor<4x16xf32>) -> tensor<4x16xf32>
  %4 = graph.mul %3, %u : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %5 = graph.mul %g, %4 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %2, %5 : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// Near misses: the sigmoid of another value; SiLU used twice; an up
// projection that broadcasts.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: graph.swiglu
func.func @near_misses(%g: tensor<4x16xf32>, %h: tensor<4x16xf32>, %u: tensor<4x16xf32>, %b: tensor<1x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = graph.sigmoid %h : (tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = graph.mul %g, %0 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %2 = graph.mul %1, %u : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %3 = graph.sigmoid %g : (tensor<4x16xf32>) -> tensor<4x16xf32>
  %4 = graph.mul %g, %3 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %5 = graph.mul %4, %u : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %6 = graph.sigmoid %u : (tensor<4x16xf32>) -> tensor<4x16xf32>
  %7 = graph.mul %u, %6 : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %8 = graph.mul %7, %b : (tensor<4x16xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %2, %5, %4, %8 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}
