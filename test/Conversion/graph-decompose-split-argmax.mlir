// An argmax or argmin over a long axis (greedy decoding's choice over a
// 102400-token vocabulary) does not fit a vector kernel's local memory in
// one row: graph-decompose splits it into groups of at most 4096 (each
// group's extreme and its first index in the group, the first group holding
// the overall extreme, that group's index), which is the unsplit op's first
// occurrence.
// RUN: tessera-opt %s --tessera-graph-decompose | FileCheck %s
// CHECK-LABEL: func.func @main
// CHECK: %[[X:.*]] = graph.reshape %arg0 {shape = array<i64: 2, 25, 4096>}
// CHECK: %[[M:.*]] = graph.reduce_max %[[X]] {axes = array<i64: 2>, keepdims = false} : (tensor<2x25x4096xf32>) -> tensor<2x25xf32>
// CHECK: %[[I:.*]] = graph.argmax %[[X]] {axis = 2 : i64, keepdims = false} : (tensor<2x25x4096xf32>) -> tensor<2x25xi64>
// CHECK: %[[G:.*]] = graph.argmax %[[M]] {axis = 1 : i64} : (tensor<2x25xf32>) -> tensor<2x1xi64>
// CHECK: %[[W:.*]] = graph.gather_elements %[[I]], %[[G]] {axis = 1 : i64}
// CHECK: %[[S:.*]] = graph.constant dense<4096> : tensor<i64>
// CHECK: %[[B:.*]] = graph.mul %[[G]], %[[S]]
// CHECK: %[[R:.*]] = graph.add %[[B]], %[[W]]
// CHECK: graph.reshape %[[R]] {shape = array<i64: 2>}
// An axis that is not last (given as -2): 40000 rows as 10 groups of 4000.
// CHECK: graph.reshape %arg1 {shape = array<i64: 10, 4000, 3>}
// CHECK: graph.reduce_min {{.*}} {axes = array<i64: 1>, keepdims = false} : (tensor<10x4000x3xf32>) -> tensor<10x3xf32>
// CHECK: graph.argmin {{.*}} {axis = 1 : i64, keepdims = false} : (tensor<10x4000x3xf32>) -> tensor<10x3xi64>
// CHECK: graph.argmin {{.*}} : (tensor<10x3xf32>) -> tensor<1x3xi64>
// select_last_index: the last occurrence within the last group holding it.
// CHECK: graph.argmax %{{.*}} {axis = 2 : i64, keepdims = false, select_last_index = true} : (tensor<2x25x4096xf32>) -> tensor<2x25xi64>
// CHECK: graph.argmax %{{.*}} {axis = 1 : i64, select_last_index = true} : (tensor<2x25xf32>) -> tensor<2x1xi64>
// A short axis stays as it is.
// CHECK: graph.argmax %arg2 {axis = 1 : i64, keepdims = false} : (tensor<2x4096xf32>) -> tensor<2xi64>

// On the NPU (both presets) against the golden evaluator, with ties: row 0
// of the logits has its maximum at 50000, 50001 and 90000 (first: 50000,
// last: 90000), row 1 at 4095, 4096 (either side of a group boundary) and
// 100000; the scores' columns have their minimum at rows 3999 and 4000, at
// 39999 alone, and at 0, 7 and 39999. Unsplit, the program did not compile
// ("a row of 102400 elements does not fit local memory for top-k").
// RUN: %python %S/../Sim/Inputs/npytool.py make %t.x.npy f32 2x102400 \
// RUN:   "9.0 if i in (50000, 50001, 90000) else 9.5 if i in (102400 + 4095, 102400 + 4096, 102400 + 100000) else math.sin(i * 0.37)"
// RUN: %python %S/../Sim/Inputs/npytool.py make %t.y.npy f32 40000x3 \
// RUN:   "-9.0 if i in (3999 * 3, 4000 * 3, 39999 * 3 + 1, 2, 7 * 3 + 2, 39999 * 3 + 2) else math.cos(i * 0.11)"
// RUN: %python %S/../Sim/Inputs/npytool.py make %t.z.npy f32 2x4096 "math.sin(i * 0.7)"
// RUN: for t in dc edge; do \
// RUN:   tessera-compile %s --target=$t -o %t.$t.npu && \
// RUN:   tessera-run %t.$t.npu --input logits=%t.x.npy --input scores=%t.y.npy --input short=%t.z.npy \
// RUN:     --output-dir %t.$t --quiet && \
// RUN:   %python %S/../Sim/Inputs/npytool.py dump %t.$t/next.npy && \
// RUN:   %python %S/../Sim/Inputs/npytool.py dump %t.$t/low.npy && \
// RUN:   %python %S/../Sim/Inputs/npytool.py dump %t.$t/last.npy && \
// RUN:   tessera-run %t.$t.npu --input logits=%t.x.npy --input scores=%t.y.npy --input short=%t.z.npy \
// RUN:     --check | grep -c PASS; done | tr '\n' ' ' | FileCheck %s --check-prefix=NPU
// NPU: dtype i32 shape 2 50000 4095 dtype i32 shape 1x3 3999 39999 0 dtype i32 shape 2 90000 100000 4 dtype i32 shape 2 50000 4095 dtype i32 shape 1x3 3999 39999 0 dtype i32 shape 2 90000 100000 4
func.func @main(%x: tensor<2x102400xf32> {graph.name = "logits"},
                %y: tensor<40000x3xf32> {graph.name = "scores"},
                %z: tensor<2x4096xf32> {graph.name = "short"})
    -> (tensor<2xi64> {graph.name = "next"}, tensor<1x3xi64> {graph.name = "low"},
        tensor<2xi64> {graph.name = "last"}, tensor<2xi64> {graph.name = "small"}) {
  %a = graph.argmax %x {axis = 1 : i64, keepdims = false} : (tensor<2x102400xf32>) -> tensor<2xi64>
  %b = graph.argmin %y {axis = -2 : i64, keepdims = true} : (tensor<40000x3xf32>) -> tensor<1x3xi64>
  %d = graph.argmax %x {axis = 1 : i64, keepdims = false, select_last_index = true} : (tensor<2x102400xf32>) -> tensor<2xi64>
  %c = graph.argmax %z {axis = 1 : i64, keepdims = false} : (tensor<2x4096xf32>) -> tensor<2xi64>
  return %a, %b, %d, %c : tensor<2xi64>, tensor<1x3xi64>, tensor<2xi64>, tensor<2xi64>
}
