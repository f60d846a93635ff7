//===- NpuOps.td - npu dialect ops --------------------------*- tablegen -*-===//
#ifndef TESSERA_NPU_OPS
#define TESSERA_NPU_OPS

include "Npu/IR/NpuDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Npu_Op<string mnemonic, list<Trait> traits = []>
    : Op<Npu_Dialect, mnemonic, traits>;

def Npu_DispatchOp : Npu_Op<"dispatch", [IsolatedFromAbove,
    SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "one NPU kernel: a fused group of graph ops on one engine";
  let description = [{
    Operands and results are GM tensors in their storage types; the body's
    block arguments have the same shapes with the model's element types.
    The engine decides the code generator: `matrix` (matmul on the matrix
    engine, with a fused scale/ReLU epilogue in FIX), `vector` (a fused
    elementwise/reduction graph on the vector unit, data movement included:
    transposes, slices and broadcasts are strided DMA), `gather`
    (DMA gather with an index tile), `topk`, `view` (a reshape of a
    contiguous buffer, a transpose that moves only unit dimensions, or a
    slice that selects one contiguous run: no code, the result aliases the
    operand, a slice at its first element's offset), and
    `aicpu` (no tensor-engine kernel exists: the target's AI-CPU runs it,
    charged at its cost and counted apart in every report).

    Attributes set by later passes:
    - `tiling`: vector `[split_dim, block]`, matrix
      `[tm, tn, ck, step, split_k]` plus, when vector cores take GEMV jobs
      of a one-row product beside the matrix cores, `vector_cores`;
    - `cores`: how many cores share the work (of both kinds, for GEMV);
    - `layout`: `"nz"` when the matrix tiles are fractal NZ in L1, else `"nd"`;
    - `addrs`: GM byte address of each operand, then of each result, then
      of each scratch buffer;
    - `scratch`: bytes of GM scratch the kernel needs while it runs (a padded
      input, an im2col matrix), set by tessera-graph-to-npu.
    - `dead`: `[address, bytes]` pairs of the GM buffers (dispatch results,
      scratch) that no dispatch from this one on reads: the GM plan frees
      them here, and code generation discards their lines from a
      write-back L2 (`l2_discard`) rather than write dead data to DRAM.

    Example:
    ```mlir
    %r = npu.dispatch vector (%x : tensor<8x32xf32>) -> tensor<8x32xf32> {
    ^bb0(%a: tensor<8x32xf32>):
      %e = graph.exp %a : (tensor<8x32xf32>) -> tensor<8x32xf32>
      npu.yield %e : tensor<8x32xf32>
    }
    ```
  }];
  let arguments = (ins Npu_Engine:$engine,
                       Variadic<AnyRankedTensor>:$inputs,
                       OptionalAttr<DenseI64ArrayAttr>:$tiling,
                       OptionalAttr<I64Attr>:$cores,
                       OptionalAttr<StrAttr>:$layout,
                       OptionalAttr<DenseI64ArrayAttr>:$addrs,
                       OptionalAttr<DenseI64ArrayAttr>:$scratch,
                       OptionalAttr<DenseI64ArrayAttr>:$dead);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $engine (`(` $inputs^ `:` type($inputs) `)`)? `->` type($results)
    attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
}

def Npu_YieldOp : Npu_Op<"yield", [Pure, Terminator,
                                   HasParent<"DispatchOp">]> {
  let summary = "the values a dispatch produces";
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, {}); }]>];
}

#endif
