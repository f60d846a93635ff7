// Debian's stock mlir-opt loads Tessera as a dialect and pass plugin and runs
// its passes and pipeline; the result is what tessera-opt produces. (A pass
// loaded from a plugin is named in --pass-pipeline, as upstream's
// standalone-plugin test does.)
// RUN: mlir-opt-22 %s --load-dialect-plugin=%tessera_lib/libTesseraPlugin.so --load-pass-plugin=%tessera_lib/libTesseraPlugin.so --pass-pipeline="builtin.module(tessera-pipeline{to=npu target=edge})" | FileCheck %s
// RUN: mlir-opt-22 %s --load-dialect-plugin=%tessera_lib/libTesseraPlugin.so --load-pass-plugin=%tessera_lib/libTesseraPlugin.so --pass-pipeline="builtin.module(tessera-pipeline{to=npu target=edge})" -o %t.plugin.mlir
// RUN: tessera-opt %s "--tessera-pipeline=to=npu target=edge" -o %t.opt.mlir
// RUN: diff %t.plugin.mlir %t.opt.mlir
// Single passes too, and the dialects parse and print (round trip).
// RUN: mlir-opt-22 %s --load-dialect-plugin=%tessera_lib/libTesseraPlugin.so --load-pass-plugin=%tessera_lib/libTesseraPlugin.so --pass-pipeline="builtin.module(tessera-attach-target{target=dc},tessera-graph-to-npu)" | mlir-opt-22 --load-dialect-plugin=%tessera_lib/libTesseraPlugin.so | FileCheck %s --check-prefix=PASS
// Without the plugin the dialect is unknown.
// RUN: not mlir-opt-22 %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN

// CHECK: module attributes {tessera.target = "edge"}
// CHECK: npu.dispatch matrix
// PASS: module attributes {tessera.target = "dc"}
// PASS: npu.dispatch
// NOPLUGIN: Dialect `graph' not found
func.func @main(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>) -> tensor<8x32xf32> {
  %0 = graph.matmul %x, %w : (tensor<8x64xf32>, tensor<64x32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}
