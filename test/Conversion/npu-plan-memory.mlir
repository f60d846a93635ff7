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

// A slice that selects one contiguous run of its operand is a view at a
// byte offset into the operand's buffer (DeepSeek's decode splits one
// projected row [1, 576] into the latent and the rope key this way): the
// rope-key view of the exp's buffer (6144) starts 512 floats (2048 bytes)
// in. A slice whose rows are strided ([2, 8] of [2, 12]) is a copy kernel.
// CHECK-LABEL: func.func @slices
// CHECK: npu.dispatch vector{{.*}}addrs = array<i64: 0, [[EXP:[0-9]+]]>
// CHECK: npu.dispatch view{{.*}}addrs = array<i64: [[EXP]], [[EXP]]>
// CHECK: npu.dispatch view{{.*}}addrs = array<i64: [[EXP]], 8192>
// CHECK: npu.dispatch vector(%{{.*}} : tensor<2x12xf32>) -> tensor<2x8xf32>
func.func @slices(%x: tensor<1x576xf32>, %y: tensor<2x12xf32>) -> (tensor<1x512xf32>, tensor<1x64xf32>, tensor<2x8xf32>) {
  %e = graph.exp %x : (tensor<1x576xf32>) -> tensor<1x576xf32>
  %l = graph.slice %e {starts = array<i64: 0, 0>, ends = array<i64: 1, 512>, steps = array<i64: 1, 1>} : (tensor<1x576xf32>) -> tensor<1x512xf32>
  %k = graph.slice %e {starts = array<i64: 0, 512>, ends = array<i64: 1, 576>, steps = array<i64: 1, 1>} : (tensor<1x576xf32>) -> tensor<1x64xf32>
  %ln = graph.neg %l : (tensor<1x512xf32>) -> tensor<1x512xf32>
  %kn = graph.neg %k : (tensor<1x64xf32>) -> tensor<1x64xf32>
  %s = graph.slice %y {starts = array<i64: 0, 2>, ends = array<i64: 2, 10>, steps = array<i64: 1, 1>} : (tensor<2x12xf32>) -> tensor<2x8xf32>
  return %ln, %kn, %s : tensor<1x512xf32>, tensor<1x64xf32>, tensor<2x8xf32>
}

// TOOBIG: error: the model needs 16896 bytes of GM (inputs 4096, outputs 4096, weights 512, activations at peak 8192) but target 'tiny' has 16384
