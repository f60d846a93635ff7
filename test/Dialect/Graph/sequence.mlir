// RUN: tessera-opt %s | FileCheck %s
// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s -mlir-print-op-generic | tessera-opt | FileCheck %s
// RUN: tessera-run %s --output-dir %t | FileCheck %s --check-prefix=EVAL

// Sequence and optional types and the ops that build and take them apart:
// round trip, then golden evaluation (tessera-run runs @main).

// CHECK-LABEL: func.func @types
// CHECK-SAME: !graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>
// CHECK-SAME: !graph.seq<i64, []>
// CHECK-SAME: !graph.opt<tensor<4xf32>>
// CHECK-SAME: !graph.opt<none, !graph.seq<f32, []>>
func.func @types(%s: !graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>,
                 %e: !graph.seq<i64, []>, %o: !graph.opt<tensor<4xf32>>,
                 %n: !graph.opt<none, !graph.seq<f32, []>>)
    -> (tensor<1x3xf32>, tensor<4xf32>, !graph.opt<!graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>>) {
  // CHECK: graph.seq_at %{{.*}} {index = 1 : i64} : (!graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>) -> tensor<1x3xf32>
  %0 = graph.seq_at %s {index = 1 : i64} : (!graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>) -> tensor<1x3xf32>
  // CHECK: graph.opt_get %{{.*}} : (!graph.opt<tensor<4xf32>>) -> tensor<4xf32>
  %1 = graph.opt_get %o : (!graph.opt<tensor<4xf32>>) -> tensor<4xf32>
  // CHECK: graph.opt_wrap %{{.*}} : (!graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>) -> !graph.opt<!graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>>
  %2 = graph.opt_wrap %s : (!graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>) -> !graph.opt<!graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>>
  return %0, %1, %2 : tensor<1x3xf32>, tensor<4xf32>, !graph.opt<!graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>>
}

// CHECK-LABEL: func.func @main
func.func @main() -> (tensor<3xi64>, tensor<2xi64>, tensor<3xi64>) {
  %a = graph.constant dense<[1, 2, 3]> : tensor<3xi64>
  %b = graph.constant dense<[4, 5]> : tensor<2xi64>
  // CHECK: graph.seq_construct %{{.*}}, %{{.*}} : (tensor<3xi64>, tensor<2xi64>) -> !graph.seq<i64, [tensor<3xi64>, tensor<2xi64>]>
  %s = graph.seq_construct %a, %b : (tensor<3xi64>, tensor<2xi64>) -> !graph.seq<i64, [tensor<3xi64>, tensor<2xi64>]>
  // CHECK: graph.seq_construct : () -> !graph.seq<i64, []>
  %e = graph.seq_construct : () -> !graph.seq<i64, []>
  // CHECK: graph.opt_none : () -> !graph.opt<none, !graph.seq<i64, []>>
  %n = graph.opt_none : () -> !graph.opt<none, !graph.seq<i64, []>>
  %o = graph.opt_wrap %s : (!graph.seq<i64, [tensor<3xi64>, tensor<2xi64>]>) -> !graph.opt<!graph.seq<i64, [tensor<3xi64>, tensor<2xi64>]>>
  %g = graph.opt_get %o : (!graph.opt<!graph.seq<i64, [tensor<3xi64>, tensor<2xi64>]>>) -> !graph.seq<i64, [tensor<3xi64>, tensor<2xi64>]>
  // EVAL: result0: tensor<3xi64> = [1, 2, 3]
  %0 = graph.seq_at %g {index = 0 : i64} : (!graph.seq<i64, [tensor<3xi64>, tensor<2xi64>]>) -> tensor<3xi64>
  // EVAL: result1: tensor<2xi64> = [4, 5]
  %1 = graph.seq_at %s {index = 1 : i64} : (!graph.seq<i64, [tensor<3xi64>, tensor<2xi64>]>) -> tensor<2xi64>
  %w = graph.opt_wrap %a : (tensor<3xi64>) -> !graph.opt<tensor<3xi64>>
  // EVAL: result2: tensor<3xi64> = [1, 2, 3]
  %2 = graph.opt_get %w : (!graph.opt<tensor<3xi64>>) -> tensor<3xi64>
  return %0, %1, %2 : tensor<3xi64>, tensor<2xi64>, tensor<3xi64>
}
