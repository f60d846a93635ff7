// RUN: not tessera-opt --tessera-graph-fuse-llm=ops=rmsnorm %s 2>&1 | FileCheck %s

// A misspelt family is an error naming it, not a silent no-op.
// CHECK: error: tessera-graph-fuse-llm: unknown fusion family 'rmsnorm' (expected rms_norm, swiglu, rope, attention or moe)
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
