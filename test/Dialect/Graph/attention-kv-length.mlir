// Golden evaluation of graph.attention's run-time kv_length: only the first
// L keys/values of the capacity exist (the rest hold garbage that must not
// count), and causal attention is aligned to the end of the filled part.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/../../Sim/Inputs/npytool.py make %t/l3.npy i32 1 "3"
// RUN: tessera-run %s --input len=%t/l3.npy --output-dir %t/o3 | FileCheck %s --check-prefix=L3
// RUN: %python %S/../../Sim/Inputs/npytool.py make %t/l4.npy i32 1 "4"
// RUN: tessera-run %s --input len=%t/l4.npy --output-dir %t/o4 | FileCheck %s --check-prefix=L4
//
// A length outside [Sq, capacity] (causal) is an error naming it.
// RUN: %python %S/../../Sim/Inputs/npytool.py make %t/l5.npy i32 1 "5"
// RUN: not tessera-run %s --input len=%t/l5.npy --output-dir %t/o5 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: %python %S/../../Sim/Inputs/npytool.py make %t/l1.npy i32 1 "1"
// RUN: not tessera-run %s --input len=%t/l1.npy --output-dir %t/o1 2>&1 | FileCheck %s --check-prefix=SHORT

// Keys q.k = [0, 0, 0, 0] (equal weights); values 10, 20, 30 and a garbage
// 1000 in the last slot of the capacity.
func.func @main(%len: tensor<1xi32> {graph.name = "len"})
    -> (tensor<1x1x2x1xf32> {graph.name = "causal"},
        tensor<1x1x2x1xf32> {graph.name = "full"}) {
  %q = graph.constant dense<0.0> : tensor<1x1x2x1xf32>
  %k = graph.constant dense<0.0> : tensor<1x1x4x1xf32>
  %v = graph.constant dense<[[[[10.0], [20.0], [30.0], [1000.0]]]]> : tensor<1x1x4x1xf32>
  %a = graph.attention %q, %k, %v, %len {causal = true} : (tensor<1x1x2x1xf32>, tensor<1x1x4x1xf32>, tensor<1x1x4x1xf32>, tensor<1xi32>) -> tensor<1x1x2x1xf32>
  %b = graph.attention %q, %k, %v, %len : (tensor<1x1x2x1xf32>, tensor<1x1x4x1xf32>, tensor<1x1x4x1xf32>, tensor<1xi32>) -> tensor<1x1x2x1xf32>
  return %a, %b : tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>
}

// With L = 3: query 0 sees keys 0..1 (mean 15), query 1 keys 0..2 (20).
// L3: causal: tensor<1x1x2x1xf32> = [15, 20]
// L3: full: tensor<1x1x2x1xf32> = [20, 20]
// L4: causal: tensor<1x1x2x1xf32> = [20, 265]
// L4: full: tensor<1x1x2x1xf32> = [265, 265]
// BAD: attention kv_length 5 is outside [2, 4] (the queries, the key/value capacity)
// SHORT: attention kv_length 1 is outside [2, 4] (the queries, the key/value capacity)
