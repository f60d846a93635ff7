// An argmax or argmin over a long axis (greedy decoding's choice over a
// 102400-token vocabulary) does not fit a vector kernel's local memory in
// one row: graph-decompose splits it into groups of at most 4096 (each
// group's extreme and its first index in the group, offset to an index in
// the row), then takes, of the groups holding the overall extreme, the least
// such index: the unsplit op's first occurrence. The second stage is a
// compare, a select and a min over the groups' few values, not an argmax
// over the groups followed by a gather (an indexed DMA), a product and a
// sum.
// RUN: tessera-opt %s --tessera-graph-decompose | FileCheck %s
// CHECK-LABEL: func.func @main
// CHECK: %[[X:.*]] = graph.reshape %arg0 {shape = array<i64: 2, 25, 4096>}
// Each group's maximum and its first index in one top-1 (equal values keep
// index order), which reads the group once.
// CHECK: %[[V:.*]], %[[J:.*]] = graph.top_k %[[X]] {axis = 2 : i64, k = 1 : i64} : (tensor<2x25x4096xf32>) -> (tensor<2x25x1xf32>, tensor<2x25x1xi64>)
// CHECK: %[[M:.*]] = graph.reshape %[[V]] {shape = array<i64: 2, 25>}
// CHECK: %[[I:.*]] = graph.reshape %[[J]] {shape = array<i64: 2, 25>}
// CHECK: %[[O:.*]] = graph.constant dense<{{\[\[}}0, 4096, 8192, {{.*}}, 98304]]> : tensor<1x25xi64>
// CHECK: %[[C:.*]] = graph.add %[[I]], %[[O]] : (tensor<2x25xi64>, tensor<1x25xi64>) -> tensor<2x25xi64>
// CHECK: %[[E:.*]] = graph.reduce_max %[[M]] {axes = array<i64: 1>} : (tensor<2x25xf32>) -> tensor<2x1xf32>
// CHECK: %[[H:.*]] = graph.equal %[[M]], %[[E]]
// No group equal to the extreme (a NaN): the last index of the row.
// CHECK: %[[N:.*]] = graph.constant dense<102399> : tensor<i64>
// CHECK: %[[P:.*]] = graph.where %[[H]], %[[C]], %[[N]]
// The argmax drops its axis (keepdims = 0), and so does the least index:
// the reduction writes the result, with no reshape (a copy when the result
// is a program output).
// CHECK: %[[R:.*]] = graph.reduce_min %[[P]] {axes = array<i64: 1>, keepdims = false} : (tensor<2x25xi64>) -> tensor<2xi64>
// CHECK-NOT: graph.reshape %[[R]]
// CHECK-NOT: graph.gather_elements
// An axis that is not last (given as -2): 40000 rows as 10 groups of 4000.
// CHECK: graph.reshape %arg1 {shape = array<i64: 10, 4000, 3>}
// (A group along a middle axis: a reduction and an argmin, as the top-k
// kernel takes the last axis only.)
// CHECK: graph.reduce_min {{.*}} {axes = array<i64: 1>, keepdims = false} : (tensor<10x4000x3xf32>) -> tensor<10x3xf32>
// CHECK: graph.argmin {{.*}} {axis = 1 : i64, keepdims = false} : (tensor<10x4000x3xf32>) -> tensor<10x3xi64>
// CHECK: graph.constant dense<{{\[\[}}0], [4000], {{.*}}, [36000]]> : tensor<10x1xi64>
// CHECK: graph.reduce_min {{.*}} {axes = array<i64: 0>} : (tensor<10x3xf32>) -> tensor<1x3xf32>
// CHECK: graph.constant dense<39999> : tensor<i64>
// CHECK: graph.reduce_min {{.*}} {axes = array<i64: 0>} : (tensor<10x3xi64>) -> tensor<1x3xi64>
// select_last_index: the last index in each group (a top-1 gives the
// first), then the greatest of those in the groups holding the extreme (0
// where none does).
// CHECK: graph.reduce_max {{.*}} {axes = array<i64: 2>, keepdims = false} : (tensor<2x25x4096xf32>) -> tensor<2x25xf32>
// CHECK: graph.argmax %{{.*}} {axis = 2 : i64, keepdims = false, select_last_index = true} : (tensor<2x25x4096xf32>) -> tensor<2x25xi64>
// CHECK: graph.constant dense<0> : tensor<i64>
// CHECK: graph.reduce_max {{.*}} {axes = array<i64: 1>, keepdims = false} : (tensor<2x25xi64>) -> tensor<2xi64>
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
