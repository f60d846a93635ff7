//===- IsaOps.td - Instructions of the virtual NPU ----------*- tablegen -*-===//
//
// The single definition of the instruction set: the ops below are the
// instructions, and tessera-isa-tblgen derives the binary encoding table
// (include/tessera/Binary/Isa.h) and docs/isa.md from the same records.
// Tile operands and integer fields are converted by name in both directions.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_ISA_OPS
#define TESSERA_ISA_OPS

include "Isa/IR/IsaDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributes.td"

class Isa_Op<string mnemonic, list<Trait> traits = []>
    : Op<Isa_Dialect, mnemonic, traits>;

// A scalar register number; prints as `r3`.
def Isa_Reg : ConfinedAttr<I64Attr, [IntNonNegative]>;

def Isa_ProgramOp : Isa_Op<"program", [SingleBlock, NoTerminator,
                                      IsolatedFromAbove]> {
  let summary = "a whole NPU program for one target";
  let arguments = (ins StrAttr:$name, StrAttr:$target, I64Attr:$gm_bytes);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat =
      "$name `target` $target `gm_bytes` $gm_bytes attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def Isa_CoreOp : Isa_Op<"core", [SingleBlock, NoTerminator,
                                HasParent<"ProgramOp">]> {
  let summary = "the instruction stream of one core (or of an AI-CPU: \"aicpu\")";
  let description = [{
    `shares N`: the core runs the code of the program's N-th isa.core (an
    earlier core of the same type with code of its own; SPMD) and its body
    is empty. `args [...]`: the core's launch arguments, read by isa.sarg.
  }];
  let arguments = (ins StrAttr:$type, I64Attr:$index,
                       OptionalAttr<I64Attr>:$shares,
                       OptionalAttr<DenseI64ArrayAttr>:$args);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$type $index (`shares` $shares^)? (`args` $args^)? "
                       "attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def Isa_IoOp : Isa_Op<"io", [HasParent<"ProgramOp">]> {
  let summary = "a program input or output living in GM";
  let arguments = (ins Isa_IoKind:$kind, StrAttr:$name,
                       TypeAttrOf<AnyRankedTensor>:$type, I64Attr:$addr);
  let assemblyFormat = "$kind $name `:` $type `at` $addr attr-dict";
}

def Isa_ConstOp : Isa_Op<"const", [HasParent<"ProgramOp">]> {
  let summary = "constant bytes placed in GM before the program runs";
  let description = [{
    Either inline (`data`: a 1-D tensor of `size` i8, written
    `dense<"0x...">` by hand; the compiler and the disassembler use a
    `dense_resource` blob, so a model's weights are neither copied into the
    context nor uniqued) or a reference into an external weight file
    (`file`, `file_offset`, `checksum`). An external constant without
    `file_offset` has a size but no bytes yet (a program compiled from a
    weight-layout manifest): the writer reserves its room in the file.
  }];
  let arguments = (ins StrAttr:$name, I64Attr:$addr, I64Attr:$size,
                       OptionalAttr<ElementsAttr>:$data,
                       OptionalAttr<StrAttr>:$file,
                       OptionalAttr<I64Attr>:$file_offset,
                       OptionalAttr<I64Attr>:$checksum);
  let assemblyFormat = "$name `at` $addr `size` $size attr-dict";
}

// An instruction. Its encoding comes from here and from its `arguments`:
// tile attributes are its tile operands, a float attribute its float field,
// every other attribute an integer field, in order. tessera-isa-tblgen reads
// the same records to write the MLIR-free instruction table
// (include/tessera/Binary/Isa.h) and docs/isa.md, so a new instruction is one
// def here (plus its semantics in the verifier and the simulator).
//  - opcodeNum: its number in a .npu stream (dense: 0, 1, 2, ...);
//  - cls: its bin::OpClass (what the verifier and the simulator do with it);
//  - pipe: the pipe it runs on, for PipeRule Fixed;
//  - rule: bin::PipeRule, how the pipe is chosen;
//  - cost: the vector cost-table key (target JSON vector.op_cycles).
class Isa_InstrOp<string mnemonic, int opcodeNum, string cls, string pipe,
                  string rule = "Fixed", string cost = "",
                  list<Trait> traits = []>
    : Isa_Op<mnemonic, traits # [HasParent<"CoreOp">]> {
  int opcode = opcodeNum;
  string opClass = cls;
  string fixedPipe = pipe;
  string pipeRule = rule;
  string costKey = cost;
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::verify() {
      return ::tessera::isa::verifyInstrOp(getOperation());
    }
  }];
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

class Isa_CopyOp<string mnemonic, int opc, string pipe, string extra = "">
    : Isa_InstrOp<mnemonic, opc, "Dma", pipe> {
  let summary = "element-wise copy between tiles on pipe " # pipe #
                " (layout conversion ND <-> NZ on the way" # extra # ")";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src);
  let assemblyFormat = "$dst `,` $src attr-dict";
}
def Isa_DmaLdOp : Isa_CopyOp<"dma_ld", 0, "MTE2",
                             "; an i8 source widens to a float dst">;
def Isa_DmaStOp : Isa_CopyOp<"dma_st", 1, "MTE3">;

def Isa_DmaGatherOp : Isa_InstrOp<"dma_gather", 2, "Gather", "MTE2"> {
  let summary = "dst[i, :] = src[index[i], :] (MTE2)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src,
                       Isa_TileAttr:$index);
  let assemblyFormat = "$dst `,` $src `[` $index `]` attr-dict";
}
def Isa_DmaScatterOp : Isa_InstrOp<"dma_scatter", 3, "Gather", "MTE3"> {
  let summary = "dst[index[i], :] = src[i, :] (MTE3)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src,
                       Isa_TileAttr:$index);
  let assemblyFormat = "$dst `[` $index `]` `,` $src attr-dict";
}
def Isa_MvOp : Isa_InstrOp<"mv", 4, "Dma", "MTE1"> {
  let summary = "L1 -> L0A/L0B (MTE1), optionally transposing a 2-D tile";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src,
                       UnitAttr:$transpose);
  let assemblyFormat = "$dst `,` $src (`transpose` $transpose^)? attr-dict";
}

// Dequantizing loads: a weight stored narrow in GM (nn.Linear's [N, K]
// orientation) read row by row and written to local memory as the [K, N]
// tile a matmul's B needs, in the matrix precision (W4A16, FP8 block-scaled;
// tpu-mlir's A16 matmul and Ascend's antiquant do the same on the way in).
// The scale and zero-point tiles cover the blocks the piece touches; the
// phases say where in its first block the piece starts.
def Isa_DmaLdI4Op : Isa_InstrOp<"dma_ld_i4", 79, "Dequant", "MTE2"> {
  let summary = "dst[k, n] = (q[n, k] - zero[n, g]) * scale[n, g], "
                "g = (k + phase) / group: int4 weight rows into a [K, N] "
                "tile (MTE2)";
  let description = [{
    `src` is `[N, K/2]` u8 in GM, two unsigned 4-bit values per byte (the
    low nibble is the even k); `scale` (f32) and `zero` (u8, 0..15) are
    `[N, ceil((phase + K) / group)]` in GM; `dst` is `[K, N]` of a float
    type in L1 or UB (either layout). Each value is rounded to dst's type.
    `group` is even, `phase` in `[0, group)` and even.
  }];
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src,
                       Isa_TileAttr:$scale, Isa_TileAttr:$zero,
                       I64Attr:$group, I64Attr:$phase);
  let assemblyFormat = "$dst `,` $src `,` $scale `,` $zero `group` $group "
                       "`phase` $phase attr-dict";
}
def Isa_DmaLdF8Op : Isa_InstrOp<"dma_ld_f8", 80, "Dequant", "MTE2"> {
  let summary = "dst[k, n] = e4m3(q[n, k]) * scale[(n + phase_n) / block_n, "
                "(k + phase_k) / block_k]: FP8 weight rows into a [K, N] "
                "tile (MTE2)";
  let description = [{
    `src` is `[N, K]` u8 in GM holding e4m3fn codes; `scale` (f32) is
    `[ceil((phase_n + N) / block_n), ceil((phase_k + K) / block_k)]` in GM;
    `dst` is `[K, N]` of a float type in L1 or UB (either layout). Each
    value is rounded to dst's type. Phases lie in `[0, block)`.
  }];
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src,
                       Isa_TileAttr:$scale, I64Attr:$block_n,
                       I64Attr:$block_k, I64Attr:$phase_n, I64Attr:$phase_k);
  let assemblyFormat = "$dst `,` $src `,` $scale `block` `[` $block_n `,` "
                       "$block_k `]` `phase` `[` $phase_n `,` $phase_k `]` "
                       "attr-dict";
}

//===----------------------------------------------------------------------===//
// Matrix engine and fixpipe
//===----------------------------------------------------------------------===//

def Isa_MmadOp : Isa_InstrOp<"mmad", 5, "Mmad", "M"> {
  let summary = "c[m,n] (=|+=) a[m,k] * b[k,n] on fractals (M)";
  let description = [{
    Accumulates in f32 (i32 for i8 operands) in L0C. Without `acc` the
    product initializes `c`.
  }];
  let arguments = (ins Isa_TileAttr:$c, Isa_TileAttr:$a, Isa_TileAttr:$b,
                       UnitAttr:$acc);
  let assemblyFormat = "$c `,` $a `,` $b (`acc` $acc^)? attr-dict";
}

def Isa_FixOp : Isa_InstrOp<"fix", 6, "Fix", "FIX"> {
  let summary = "L0C -> GM/L1/UB with scale, optional ReLU and cast (FIX)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src, UnitAttr:$relu,
                       DefaultValuedAttr<F32Attr, "1.0">:$scale);
  let assemblyFormat = "$dst `,` $src (`relu` $relu^)? attr-dict";
}

//===----------------------------------------------------------------------===//
// Vector unit (all operands in UB)
//===----------------------------------------------------------------------===//

class Isa_VBinaryOp<string mnemonic, int opc, string cost>
    : Isa_InstrOp<mnemonic, opc, "VBinary", "V", "Fixed", cost> {
  let summary = "element-wise binary op with broadcasting (V)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$a, Isa_TileAttr:$b,
                       UnitAttr:$sat);
  let assemblyFormat = "$dst `,` $a `,` $b (`sat` $sat^)? attr-dict";
}
def Isa_VAddOp : Isa_VBinaryOp<"vadd", 7, "add">;
def Isa_VSubOp : Isa_VBinaryOp<"vsub", 8, "sub">;
def Isa_VMulOp : Isa_VBinaryOp<"vmul", 9, "mul">;
def Isa_VDivOp : Isa_VBinaryOp<"vdiv", 10, "div">;
def Isa_VMaxOp : Isa_VBinaryOp<"vmax", 11, "max">;
def Isa_VMinOp : Isa_VBinaryOp<"vmin", 12, "min">;
// Shifts of an integer tile's bit pattern at its width (8, 16 or 32 bits),
// by the amount in b's element; the vector unit has no unsigned 32-bit type,
// and these are what lets the compiler keep u32 data in i32 tiles exactly.
def Isa_VShlOp : Isa_VBinaryOp<"vshl", 75, "shl"> {
  let summary = "dst = a << b on integer tiles (V)";
  let description = [{
    Integer tiles only. Each element of `a` is shifted left by the amount in
    the matching element of `b` (read as unsigned); bits shifted past the
    element's width (8, 16 or 32) are lost, and an amount of the width or
    more gives 0. `sat` is not allowed.
  }];
}
def Isa_VShrOp : Isa_VBinaryOp<"vshr", 76, "shr"> {
  let summary = "dst = a >> b, logical, on integer tiles (V)";
  let description = [{
    Integer tiles only. A logical shift: the element's bit pattern, of its
    width (8, 16 or 32), is shifted right by the amount in the matching
    element of `b` (read as unsigned), zeros coming in at the top, whatever
    the tile's signedness (an i32 tile holding an unsigned 32-bit value
    shifts as that value). An amount of the width or more gives 0. `sat` is
    not allowed.
  }];
}

class Isa_VScalarOp<string mnemonic, int opc, string cost>
    : Isa_InstrOp<mnemonic, opc, "VScalar", "V", "Fixed", cost> {
  let summary = "element-wise op with a scalar (V)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src, F32Attr:$scalar);
  let assemblyFormat = "$dst `,` $src `,` $scalar attr-dict";
}
def Isa_VAddSOp : Isa_VScalarOp<"vadds", 13, "adds">;
def Isa_VMulSOp : Isa_VScalarOp<"vmuls", 14, "muls">;
def Isa_VMaxSOp : Isa_VScalarOp<"vmaxs", 15, "maxs">;
def Isa_VMinSOp : Isa_VScalarOp<"vmins", 16, "mins">;

class Isa_VUnaryOp<string mnemonic, int opc, string cost>
    : Isa_InstrOp<mnemonic, opc, "VUnary", "V", "Fixed", cost> {
  let summary = "element-wise unary or special function (V)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src);
  let assemblyFormat = "$dst `,` $src attr-dict";
}
def Isa_VExpOp : Isa_VUnaryOp<"vexp", 17, "exp">;
def Isa_VLnOp : Isa_VUnaryOp<"vln", 18, "ln">;
def Isa_VSqrtOp : Isa_VUnaryOp<"vsqrt", 19, "sqrt">;
def Isa_VRsqrtOp : Isa_VUnaryOp<"vrsqrt", 20, "rsqrt">;
def Isa_VRecOp : Isa_VUnaryOp<"vrec", 21, "rec">;
def Isa_VAbsOp : Isa_VUnaryOp<"vabs", 22, "abs">;
def Isa_VNegOp : Isa_VUnaryOp<"vneg", 23, "neg">;
def Isa_VReluOp : Isa_VUnaryOp<"vrelu", 24, "relu">;
def Isa_VSigmoidOp : Isa_VUnaryOp<"vsigmoid", 25, "sigmoid">;
def Isa_VSiluOp : Isa_VUnaryOp<"vsilu", 26, "silu">;
def Isa_VGeluOp : Isa_VUnaryOp<"vgelu", 27, "gelu">;
def Isa_VTanhOp : Isa_VUnaryOp<"vtanh", 28, "tanh">;
def Isa_VSinOp : Isa_VUnaryOp<"vsin", 45, "sin">;
def Isa_VCosOp : Isa_VUnaryOp<"vcos", 46, "cos">;
def Isa_VErfOp : Isa_VUnaryOp<"verf", 47, "erf">;
def Isa_VFloorOp : Isa_VUnaryOp<"vfloor", 48, "floor">;
def Isa_VCeilOp : Isa_VUnaryOp<"vceil", 49, "ceil">;
def Isa_VRoundOp : Isa_VUnaryOp<"vround", 50, "round">;

def Isa_VCastOp : Isa_InstrOp<"vcast", 29, "VCast", "V", "Fixed", "cast"> {
  let summary = "dtype conversion (RNE to f16/bf16; ints wrap or saturate)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src, UnitAttr:$sat);
  let assemblyFormat = "$dst `,` $src (`sat` $sat^)? attr-dict";
}
def Isa_VCmpOp : Isa_InstrOp<"vcmp", 30, "VCmp", "V", "Fixed", "cmp"> {
  let summary = "dst = (a pred b) ? 1 : 0";
  let arguments = (ins Isa_CmpKind:$cmp, Isa_TileAttr:$dst, Isa_TileAttr:$a,
                       Isa_TileAttr:$b);
  let assemblyFormat = "$cmp $dst `,` $a `,` $b attr-dict";
}
def Isa_VSelOp : Isa_InstrOp<"vsel", 31, "VSel", "V", "Fixed", "sel"> {
  let summary = "dst = mask != 0 ? a : b";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$mask, Isa_TileAttr:$a,
                       Isa_TileAttr:$b);
  let assemblyFormat = "$dst `,` $mask `,` $a `,` $b attr-dict";
}
def Isa_VMlaOp : Isa_InstrOp<"vmla", 84, "VMulAdd", "V", "Fixed", "mla"> {
  let summary = "dst = a * b + c, fused, with broadcasting (V)";
  let description = [{
    Floating-point tiles of one type. `a`, `b` and `c` broadcast to `dst`
    as a binary op's operands do; the product and sum are rounded once, in
    f32 (a fused multiply-add: Ascend's vector unit has it as `vmla` /
    `MulAddDst`), then to `dst`'s type. An operand of `dst`'s shape may be
    `dst` itself (an accumulation in place).
  }];
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$a, Isa_TileAttr:$b,
                       Isa_TileAttr:$c);
  let assemblyFormat = "$dst `,` $a `,` $b `,` $c attr-dict";
}
def Isa_VDupOp : Isa_InstrOp<"vdup", 32, "VDup", "V", "Fixed", "dup"> {
  let summary = "fill a tile with a scalar";
  let arguments = (ins Isa_TileAttr:$dst, F32Attr:$value);
  let assemblyFormat = "$dst `,` $value attr-dict";
}
class Isa_VReduceOp<string mnemonic, int opc, string cost>
    : Isa_InstrOp<mnemonic, opc, "VReduce", "V", "Fixed", cost> {
  let summary = "reduction along the innermost axis, one result per row";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src);
  let assemblyFormat = "$dst `,` $src attr-dict";
}
def Isa_VRedSumOp : Isa_VReduceOp<"vredsum", 33, "redsum">;
def Isa_VRedMaxOp : Isa_VReduceOp<"vredmax", 34, "redmax">;
def Isa_VRedMinOp : Isa_VReduceOp<"vredmin", 35, "redmin">;
def Isa_VTopKOp : Isa_InstrOp<"vtopk", 36, "VTopK", "V", "Fixed", "topk"> {
  let summary = "the k largest values of each row and their i32 indices";
  let arguments = (ins Isa_TileAttr:$values, Isa_TileAttr:$indices,
                       Isa_TileAttr:$src, I64Attr:$k);
  let assemblyFormat = "$values `,` $indices `,` $src `,` `k` `=` $k attr-dict";
}
def Isa_VTransOp : Isa_InstrOp<"vtrans", 37, "VTrans", "V", "Fixed", "trans"> {
  let summary = "2-D transpose";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src);
  let assemblyFormat = "$dst `,` $src attr-dict";
}

//===----------------------------------------------------------------------===//
// Synchronization
//===----------------------------------------------------------------------===//

def Isa_SetFlagOp : Isa_InstrOp<"set_flag", 38, "Sync", "S", "FromInt0"> {
  let summary = "on src_pipe, once its earlier work completed: set flag id";
  let arguments = (ins Isa_Pipe:$src_pipe, Isa_Pipe:$dst_pipe, I64Attr:$id);
  let assemblyFormat = "$src_pipe `->` $dst_pipe `,` $id attr-dict";
}
def Isa_WaitFlagOp : Isa_InstrOp<"wait_flag", 39, "Sync", "S", "FromInt1"> {
  let summary = "on dst_pipe: wait for flag id, then consume it";
  let arguments = (ins Isa_Pipe:$src_pipe, Isa_Pipe:$dst_pipe, I64Attr:$id);
  let assemblyFormat = "$src_pipe `->` $dst_pipe `,` $id attr-dict";
}
def Isa_BarrierOp : Isa_InstrOp<"barrier", 40, "Sync", "S", "FromInt0"> {
  let summary = "drain one pipe, or (ALL) join every pipe of the core";
  let arguments = (ins Isa_Pipe:$pipe);
  let assemblyFormat = "$pipe attr-dict";
}
def Isa_XSetOp : Isa_InstrOp<"xset", 41, "Sync", "S", "FromInt0"> {
  let summary = "increment cross-core flag id of core `core`";
  let arguments = (ins Isa_Pipe:$pipe, I64Attr:$core, I64Attr:$id);
  let assemblyFormat = "$pipe `,` `core` $core `,` $id attr-dict";
}
def Isa_XWaitOp : Isa_InstrOp<"xwait", 42, "Sync", "S", "FromInt0"> {
  let summary = "wait until this core's cross-core flag id is non-zero, "
                "then decrement it";
  let arguments = (ins Isa_Pipe:$pipe, I64Attr:$id);
  let assemblyFormat = "$pipe `,` $id attr-dict";
}

// The chip's cache engine: a request to read GM lines into the L2 cache,
// the way Ascend's runtime serves a CMO prefetch task (aclrtCmoAsync,
// torch_npu's npu_prefetch) beside the AI cores. The scalar unit hands the
// range over and goes on; the engine reads the lines in request order at
// the target's `l2_cache.prefetch_bytes_per_cycle`, using only the DRAM
// bandwidth the cores leave it. Nothing waits for it: no barrier, no flag;
// a later transfer that reads a line still being filled waits for that
// line. It changes no memory, so it orders nothing.
def Isa_L2PrefetchOp : Isa_InstrOp<"l2_prefetch", 81, "Prefetch", "S"> {
  let summary = "ask the cache engine to read the GM bytes of `src` into "
                "the L2 cache (asynchronous; nothing waits for it)";
  let arguments = (ins Isa_TileAttr:$src);
  let assemblyFormat = "$src attr-dict";
}

// The L2 cache's range invalidate (Ascend's CMO "invalid" task, PTX's
// discard.global.L2): the lines wholly inside `dst` leave the L2 without
// being written to DRAM, and those GM bytes become undefined. The compiler
// drops the dirty lines of scratch nothing will read again, so a stream of
// weights evicting them does not spend DRAM bandwidth writing dead data.
// It takes effect as the scalar unit issues it; the code generator places
// it inside a cross-core barrier, after every core has drained the work
// that read those bytes and before any is released to write them again.
def Isa_L2DiscardOp : Isa_InstrOp<"l2_discard", 82, "Discard", "S"> {
  let summary = "drop the L2 lines wholly inside the GM bytes of `dst` "
                "without writing them back (their contents become "
                "undefined)";
  let arguments = (ins Isa_TileAttr:$dst);
  let assemblyFormat = "$dst attr-dict";
}

// The L2 cache's range clean-and-invalidate (Ascend C's
// DataCacheCleanAndInvalid, a CMO "flush" task): the lines wholly inside
// `src` leave the L2, dirty ones written to DRAM first; memory keeps its
// contents. The compiler drops the weight tiles of a MoE's prefill as soon
// as the one core that reads each has loaded them, so the experts streaming
// through the L2 evict nothing else (the layer's activations stay cached).
// It takes effect as the scalar unit issues it; the code generator makes
// the scalar unit wait for the loads first.
def Isa_L2EvictOp : Isa_InstrOp<"l2_evict", 83, "Discard", "S"> {
  let summary = "write back and drop the L2 lines wholly inside the GM "
                "bytes of `src` (memory unchanged)";
  let arguments = (ins Isa_TileAttr:$src);
  let assemblyFormat = "$src attr-dict";
}

//===----------------------------------------------------------------------===//
// AI-CPU and control
//===----------------------------------------------------------------------===//

def Isa_CpuOp : Isa_InstrOp<"cpu", 43, "Cpu", "AICPU"> {
  let summary = "a function with no tensor-engine kernel, run on the AI-CPU";
  let arguments = (ins Isa_CpuFn:$fn, Isa_TileAttr:$dst, Isa_TileAttr:$src);
  let assemblyFormat = "$fn $dst `,` $src attr-dict";
}

def Isa_EndOp : Isa_InstrOp<"end", 44, "End", "S", "EndPipe"> {
  let summary = "end of a core's instruction stream";
  let arguments = (ins);
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Scalar control (the scalar unit, pipe S)
//
// Each core has `scalar.registers` 64-bit registers (target JSON); r0 always
// reads as zero (writes to it are errors). The scalar unit executes these in
// program order and issues every other instruction to its pipe's queue,
// resolving register-relative tile offsets and extents as it issues.
//===----------------------------------------------------------------------===//

class Isa_SAluOp<string mnemonic, int opc, string what>
    : Isa_InstrOp<mnemonic, opc, "SAlu", "S"> {
  let summary = "rd = ra " # what # " (rb + imm)";
  let arguments = (ins Isa_Reg:$rd, Isa_Reg:$ra, Isa_Reg:$rb, I64Attr:$imm);
  let assemblyFormat = "custom<Reg>($rd) `,` custom<Reg>($ra) `,` "
                       "custom<Src>($rb, $imm) attr-dict";
}
def Isa_SAddOp : Isa_SAluOp<"sadd", 51, "+">;
def Isa_SSubOp : Isa_SAluOp<"ssub", 52, "-">;
def Isa_SMulOp : Isa_SAluOp<"smul", 53, "*">;
def Isa_SDivOp : Isa_SAluOp<"sdiv", 54, "/ (truncating; zero is an error)">;
def Isa_SRemOp : Isa_SAluOp<"srem", 55, "% (sign of ra; zero is an error)">;
def Isa_SMinOp : Isa_SAluOp<"smin", 56, "min">;
def Isa_SMaxOp : Isa_SAluOp<"smax", 57, "max">;
def Isa_SShlOp : Isa_SAluOp<"sshl", 58, "<< (amount 0-63)">;
def Isa_SShrOp : Isa_SAluOp<"sshr", 59, ">> (arithmetic, amount 0-63)">;
def Isa_SAndOp : Isa_SAluOp<"sand", 60, "&">;
def Isa_SOrOp : Isa_SAluOp<"sor", 61, "|">;
def Isa_SXorOp : Isa_SAluOp<"sxor", 62, "^">;
def Isa_SEqOp : Isa_SAluOp<"seq", 63, "== (1 or 0)">;
def Isa_SNeOp : Isa_SAluOp<"sne", 64, "!= (1 or 0)">;
def Isa_SLtOp : Isa_SAluOp<"slt", 65, "< (1 or 0)">;
def Isa_SLeOp : Isa_SAluOp<"sle", 66, "<= (1 or 0)">;
def Isa_SGtOp : Isa_SAluOp<"sgt", 67, "> (1 or 0)">;
def Isa_SGeOp : Isa_SAluOp<"sge", 68, ">= (1 or 0)">;

def Isa_SLdOp : Isa_InstrOp<"sld", 69, "SLoad", "S"> {
  let summary = "rd = the i32 at GM[ra + offset], sign-extended";
  let arguments = (ins Isa_Reg:$rd, Isa_Reg:$ra, I64Attr:$offset);
  let assemblyFormat =
      "custom<Reg>($rd) `,` custom<Addr>($ra, $offset) attr-dict";
}
def Isa_SStOp : Isa_InstrOp<"sst", 70, "SStore", "S"> {
  let summary = "GM[ra + offset] = rs as an i32 (wrapping)";
  let arguments = (ins Isa_Reg:$rs, Isa_Reg:$ra, I64Attr:$offset);
  let assemblyFormat =
      "custom<Addr>($ra, $offset) `,` custom<Reg>($rs) attr-dict";
}

def Isa_SArgOp : Isa_InstrOp<"sarg", 77, "SArg", "S"> {
  let summary = "rd = argument `index` of this stream's launch arguments";
  let description = [{
    Streams that share one body of code (SPMD: the same kernel on several
    cores) differ only in the values their launch arguments give this
    instruction: tile offsets, table addresses and trip counts. The
    arguments are stored with each stream (docs/npu-format.md); reading an
    index the stream does not have is refused by the verifier.
  }];
  let arguments = (ins Isa_Reg:$rd, I64Attr:$index);
  let assemblyFormat = "custom<Reg>($rd) `,` $index attr-dict";
}

def Isa_SkipArgZOp : Isa_InstrOp<"skipaz", 78, "Skip", "S"> {
  let summary = "if launch argument `index` is 0, skip the next n "
                "instructions (forward only; the skipped range must not cut "
                "a loop)";
  let description = [{
    The guard of code that only some of the streams sharing a body run: one
    instruction, no register.
  }];
  let arguments = (ins I64Attr:$index, I64Attr:$n);
  let assemblyFormat = "$index `,` $n attr-dict";
}

def Isa_LoopOp : Isa_InstrOp<"loop", 71, "Loop", "S"> {
  let summary = "run the instructions up to the matching endloop (rc + count) "
                "times, with ri = 0, 1, ... (r0: no index)";
  let description = [{
    The trip count is read once, when the loop starts; zero skips the body,
    a negative count is an error. The index register is written at the start
    of every iteration. Loops nest up to the target's `scalar.max_loop_depth`.
  }];
  let arguments = (ins Isa_Reg:$ri, Isa_Reg:$rc, I64Attr:$count);
  let assemblyFormat = "custom<Reg>($ri) `,` custom<Src>($rc, $count) attr-dict";
}
def Isa_EndLoopOp : Isa_InstrOp<"endloop", 72, "EndLoop", "S"> {
  let summary = "end of the innermost loop's body";
  let arguments = (ins);
  let assemblyFormat = "attr-dict";
}
def Isa_SkipNzOp : Isa_InstrOp<"skipnz", 73, "Skip", "S"> {
  let summary = "if ra != 0, skip the next n instructions (forward only; "
                "the skipped range must not cut a loop)";
  let arguments = (ins Isa_Reg:$ra, I64Attr:$n);
  let assemblyFormat = "custom<Reg>($ra) `,` $n attr-dict";
}
def Isa_SkipZOp : Isa_InstrOp<"skipz", 74, "Skip", "S"> {
  let summary = "if ra == 0, skip the next n instructions (forward only; "
                "the skipped range must not cut a loop)";
  let arguments = (ins Isa_Reg:$ra, I64Attr:$n);
  let assemblyFormat = "custom<Reg>($ra) `,` $n attr-dict";
}

#endif // TESSERA_ISA_OPS
