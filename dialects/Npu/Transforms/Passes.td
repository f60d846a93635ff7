//===- Passes.td - The graph -> npu -> isa passes -----------*- tablegen -*-===//
#ifndef TESSERA_CONVERSION_PASSES
#define TESSERA_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def AttachTarget : Pass<"tessera-attach-target", "mlir::ModuleOp"> {
  let summary = "Resolve the target once and attach it to the module";
  let description = [{
    Loads the target (a preset name or a JSON file), checks it, and records
    it as the module's `tessera.target` attribute (a preset name, or the
    absolute path of the JSON file). Every later pass reads the target from
    that attribute, so the target is named once per compilation and travels
    with the IR (as IREE's executable targets and TOSA's target attachment
    do). A module that already carries a different target is an error: it
    was lowered for another chip. Passes run on a module without the
    attribute use the `dc` preset.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"dc\"",
           "Target preset name or JSON file">,
  ];
}

def GraphDecompose : Pass<"tessera-graph-decompose", "mlir::ModuleOp"> {
  let summary = "Rewrite composite graph ops into primitive ones";
  let description = [{
    Ops with no NPU kernel of their own become graph ops that have one:
    `graph.nll_loss` (a GatherElements of the target class, the class
    weights by Gather, `ignore_index` masking, the reduction) and
    `graph.softmax_cross_entropy_loss` (LogSoftmax over axis 1, then the NLL
    loss), as in their ONNX function definitions; `graph.conv_transpose`
    (zero insertion between the input elements, padding, and a convolution
    with the weight's channel roles swapped and its spatial axes reversed);
    `graph.one_hot` (a compare with a constant iota along the new axis and a
    select);
    `graph.resize` of floats (one matmul per resized axis by a constant
    interpolation matrix whose columns are the golden 1-D resize of unit
    vectors). A reduction over more than 16384 elements, which a vector
    kernel could not hold as one row, becomes a reduction of groups of at
    most 4096 elements followed by a reduction of the partial results
    (the reduced axes moved last by a transpose when they are not).
  }];
}

def GraphPipelineMlp : Pass<"tessera-graph-pipeline-mlp", "mlir::ModuleOp"> {
  let summary = "Cut long SwiGLU MLPs into row chunks on chips with separate "
                "vector cores";
  let description = [{
    On a target whose vector cores are apart from its matrix cores (`dc`),
    `swiglu(gemm(x, Wg), gemm(x, Wu))` over at least `min-rows` rows of x
    becomes two row chunks (the first three quarters, in whole 128-row
    tiles, then the rest), each `swiglu(gemm(x_i, Wg), gemm(x_i, Wu))`,
    joined by a concat along the rows (placed in place, so the chunks write
    their rows of one buffer). The activation of chunk 0 reads only chunk
    0's products, so code generation runs it on the vector cores beside the
    matrix cores' products of chunk 1 instead of after all of them; only
    the last chunk's activation waits. Every output element is the same dot
    product in the same order: the results are bit-identical. The gate and
    up products must be single-use, untransposed in x, with no bias or a
    row-broadcast one. Where the down product is the SwiGLU's only use and
    two row ranges of it, the first within chunk 0, each make whole rounds
    of jobs on the matrix cores (128 x 256 output tiles), it is cut there
    too, the first part issued before chunk 1's activation, so that
    activation also runs beside products.
  }];
  let options = [
    Option<"minRows", "min-rows", "int64_t", "512",
           "The fewest rows of x worth cutting">,
  ];
}

def GraphToNpu : Pass<"tessera-graph-to-npu", "mlir::ModuleOp"> {
  let summary = "Wrap every graph op into an npu.dispatch with storage types";
  let description = [{
    Chooses each op's engine (matrix, vector, gather, top-k, or a free view)
    and the storage dtype of every tensor in GM: `--precision` for floats
    inside the program (model inputs and outputs stay f32), i32 for int64,
    ui8 for bool. Constants are converted to their storage type. Matrix
    operands get the precision's dtype (a cast kernel is inserted where
    needed). Ops no tensor engine computes (asin, acos, atan) go to the
    target's AI-CPU if it has one. An op with no lowering is an error naming
    its ONNX node.
  }];
  let options = [
    Option<"precision", "precision", "std::string", "\"f32\"",
           "Floating-point storage and matrix precision: f32, bf16 or f16">,
  ];
  let dependentDialects = ["tessera::npu::NpuDialect"];
}

def NpuFuse : Pass<"tessera-npu-fuse", "mlir::ModuleOp"> {
  let summary = "Group vector dispatches into layer groups; fuse matmul epilogues";
  let description = [{
    Merges a vector dispatch into the vector dispatch that consumes it when
    their iteration spaces agree, so chains of elementwise, normalization
    and activation ops run from local memory without a GM round trip.
    Reductions over the same rows (same input shape and axes, all but the
    last keeping the reduced dims) share a kernel too, the last one
    dropping its axes or not: a split argmax's second stage is one kernel.
    A scalar multiply/divide and a ReLU after a matmul become its FIX-pipe
    epilogue. On a target whose matrix accumulator shares local memory with
    the vector unit (`edge`), any elementwise group after a linear layer
    becomes the matmul's epilogue, run on each output tile in local memory.
  }];
}

def NpuTile : Pass<"tessera-npu-tile", "mlir::ModuleOp"> {
  let summary = "Choose tile sizes and the core split of every dispatch";
  let description = [{
    Sets `tiling`, `cores` and `layout` from the target description so each
    kernel's working set fits its local memories with double buffering.
    Large one-row matmuls (decode) on a chip with separate vector cores also
    offer jobs to the vector cores (GEMV; the 6th matrix `tiling` entry).
  }];
}

def NpuPlanMemory : Pass<"tessera-npu-plan-memory", "mlir::ModuleOp"> {
  let summary = "Assign GM addresses to inputs, outputs, weights and activations";
  let description = [{
    Inputs, outputs and constants get fixed places; intermediate buffers are
    allocated by liveness (first fit over the dispatch order), views alias
    their source (a contiguous slice at its first element's offset), and a
    concat whose slots are contiguous runs of its result has its operands
    written in place (`npu.concat_in_place`: no kernel). Records `addrs` on each dispatch and the totals on the
    function (`npu.gm_bytes`, `npu.gm_activation_peak`). A model that does
    not fit the target's GM is an error with the numbers.
  }];
  let options = [
    Option<"probes", "probes", "bool", "false",
           "Keep every dispatch result alive to the end (for probes)">,
  ];
}

def NpuToIsa : Pass<"tessera-npu-to-isa", "mlir::ModuleOp"> {
  let summary = "Generate per-core instruction streams (an isa.program)";
  let description = [{
    Runs the code generator over the planned dispatches: tiles, local
    memory allocated by liveness in two halves (double buffering), work split
    across cores, cross-core barriers between dependent kernels. Pipe flags
    are left to tessera-isa-insert-sync.
  }];
  let options = [
    Option<"probes", "probes", "bool", "false",
           "Export every dispatch result as a program output named "
           "probe:NODE#i (for tessera-run --check-all)">,
    Option<"l2Prefetch", "l2-prefetch", "bool", "true",
           "Let idle vector cores read the weights of matmuls that read B "
           "once into L2 ahead of them (chips with an L2 and separate "
           "vector cores)">,
    Option<"l2Discard", "l2-discard", "bool", "true",
           "Discard the L2 lines of GM buffers nothing reads again (at the "
           "next cross-core barrier) instead of writing them to DRAM "
           "(chips with a write-back L2)">,
    Option<"sync", "sync", "bool", "false",
           "Also do tessera-isa-insert-sync's work (flags, then loops "
           "unless loops=false) on the generated streams before they become "
           "isa ops, so the straight-line streams are never built as IR; "
           "tessera-isa-insert-sync then leaves the program alone. The "
           "pipeline sets it">,
    Option<"loops", "loops", "bool", "true",
           "With sync=true: fold repeated instruction sequences into loops">,
    Option<"spmd", "spmd", "bool", "true",
           "With sync=true and loops: streams with the same code up to "
           "offsets and trip counts share one body">,
  ];
  let dependentDialects = ["tessera::isa::IsaDialect"];
}

def IsaInsertSync : Pass<"tessera-isa-insert-sync", "mlir::ModuleOp"> {
  let summary = "Insert set_flag/wait_flag from a dependency analysis, "
                "then fold repetitions into loops";
  let description = [{
    For each core, orders every pair of conflicting memory accesses on
    different pipes with a flag, unless earlier flags, barriers or program
    order already imply the order. Then (unless `loops=false`) folds every
    run of repetitions of an instruction sequence into a hardware loop with
    register-relative offsets (lib/CodeGen/Reroll.cpp): every pipe executes
    the same instructions and flags as before. A program that
    `tessera-npu-to-isa{sync=true}` already synchronized (it carries
    `npu.sync_flag_pairs`) is left as it is.
  }];
  let options = [
    Option<"loops", "loops", "bool", "true",
           "Fold repeated instruction sequences into loops">,
    Option<"spmd", "spmd", "bool", "true",
           "With loops: streams with the same code up to offsets and trip "
           "counts share one body (lib/CodeGen/Spmd.cpp)">,
  ];
}

#endif
