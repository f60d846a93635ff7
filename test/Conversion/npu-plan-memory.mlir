// RUN: tessera-opt %s --tessera-graph-to-npu --tessera-attach-target=target=dc --tessera-npu-plan-memory | FileCheck %s
// RUN: not tessera-opt %s --tessera-graph-to-npu --tessera-attach-target=target=%S/Inputs/tiny-gm.json --tessera-npu-plan-memory 2>&1 | FileCheck %s --check-prefix=TOOBIG

// Inputs first, then outputs, then weights, then activations by liveness
// (512-byte aligned). The add's result (4 KiB at 8704) dies once exp has
// read it, so the neg reuses its bytes; the reshape is a view of exp's
// buffer (12800), which stays live until the neg has read it.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: npu.addr = 0 : i64
// CHECK-SAME: npu.addr = 4096 : i64
// CHECK-SAME: attributes {npu.gm_activation_peak = 8192 : i64, npu.gm_bytes = 16896 : i64}
// CHECK: graph.constant {npu.addr = 8192 : i64}
// CHECK: npu.dispatch vector{{.*}}addrs = array<i64: 0, 8192, 8704>
// CHECK: npu.dispatch vector{{.*}}addrs = array<i64: 8704, 12800>
// CHECK: npu.dispatch view{{.*}}addrs = array<i64: 12800, 12800>
// CHECK: npu.dispatch vector{{.*}}addrs = array<i64: 12800, 8704>
// CHECK: npu.dispatch vector{{.*}}addrs = array<i64: 8704, 4096>
func.func @chain(%x: tensor<256x4xf32>) -> tensor<1024xf32> {
  %w = graph.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = graph.add %x, %w : (tensor<256x4xf32>, tensor<4xf32>) -> tensor<256x4xf32>
  %1 = graph.exp %0 : (tensor<256x4xf32>) -> tensor<256x4xf32>
  %2 = graph.reshape %1 {shape = array<i64: 1024>} : (tensor<256x4xf32>) -> tensor<1024xf32>
  %3 = graph.neg %2 : (tensor<1024xf32>) -> tensor<1024xf32>
  %4 = graph.abs %3 : (tensor<1024xf32>) -> tensor<1024xf32>
  return %4 : tensor<1024xf32>
}

// TOOBIG: error: the model needs 16896 bytes of GM (inputs 4096, outputs 4096, weights 512, activations at peak 8192) but target 'tiny' has 16384
