//===- IsaOps.td - Instructions of the virtual NPU ----------*- tablegen -*-===//
//
// Field names match the instruction table in include/tessera/Binary/Isa.h:
// tile operands and integer fields are converted by name in both directions.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_ISA_OPS
#define TESSERA_ISA_OPS

include "Isa/IR/IsaDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributes.td"

class Isa_Op<string mnemonic, list<Trait> traits = []>
    : Op<Isa_Dialect, mnemonic, traits>;

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
  let arguments = (ins StrAttr:$type, I64Attr:$index);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$type $index attr-dict-with-keyword $body";
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
    Either inline (`data` = hex string) or a reference into an external
    weight file (`file`, `file_offset`, `checksum`).
  }];
  let arguments = (ins StrAttr:$name, I64Attr:$addr, I64Attr:$size,
                       OptionalAttr<StrAttr>:$data, OptionalAttr<StrAttr>:$file,
                       OptionalAttr<I64Attr>:$file_offset,
                       OptionalAttr<I64Attr>:$checksum);
  let assemblyFormat = "$name `at` $addr `size` $size attr-dict";
}

class Isa_InstrOp<string mnemonic, list<Trait> traits = []>
    : Isa_Op<mnemonic, traits # [HasParent<"CoreOp">]> {
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

class Isa_CopyOp<string mnemonic, string pipe>
    : Isa_InstrOp<mnemonic> {
  let summary = "element-wise copy between tiles on pipe " # pipe #
                " (layout conversion ND <-> NZ on the way)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src);
  let assemblyFormat = "$dst `,` $src attr-dict";
}
def Isa_DmaLdOp : Isa_CopyOp<"dma_ld", "MTE2">;
def Isa_DmaStOp : Isa_CopyOp<"dma_st", "MTE3">;

def Isa_DmaGatherOp : Isa_InstrOp<"dma_gather"> {
  let summary = "dst[i, :] = src[index[i], :] (MTE2)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src,
                       Isa_TileAttr:$index);
  let assemblyFormat = "$dst `,` $src `[` $index `]` attr-dict";
}
def Isa_DmaScatterOp : Isa_InstrOp<"dma_scatter"> {
  let summary = "dst[index[i], :] = src[i, :] (MTE3)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src,
                       Isa_TileAttr:$index);
  let assemblyFormat = "$dst `[` $index `]` `,` $src attr-dict";
}
def Isa_MvOp : Isa_InstrOp<"mv"> {
  let summary = "L1 -> L0A/L0B (MTE1), optionally transposing a 2-D tile";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src,
                       UnitAttr:$transpose);
  let assemblyFormat = "$dst `,` $src (`transpose` $transpose^)? attr-dict";
}

//===----------------------------------------------------------------------===//
// Matrix engine and fixpipe
//===----------------------------------------------------------------------===//

def Isa_MmadOp : Isa_InstrOp<"mmad"> {
  let summary = "c[m,n] (=|+=) a[m,k] * b[k,n] on fractals (M)";
  let description = [{
    Accumulates in f32 (i32 for i8 operands) in L0C. Without `acc` the
    product initializes `c`.
  }];
  let arguments = (ins Isa_TileAttr:$c, Isa_TileAttr:$a, Isa_TileAttr:$b,
                       UnitAttr:$acc);
  let assemblyFormat = "$c `,` $a `,` $b (`acc` $acc^)? attr-dict";
}

def Isa_FixOp : Isa_InstrOp<"fix"> {
  let summary = "L0C -> GM/L1/UB with scale, optional ReLU and cast (FIX)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src, UnitAttr:$relu,
                       DefaultValuedAttr<F32Attr, "1.0">:$scale);
  let assemblyFormat = "$dst `,` $src (`relu` $relu^)? attr-dict";
}

//===----------------------------------------------------------------------===//
// Vector unit (all operands in UB)
//===----------------------------------------------------------------------===//

class Isa_VBinaryOp<string mnemonic> : Isa_InstrOp<mnemonic> {
  let summary = "element-wise binary op with broadcasting (V)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$a, Isa_TileAttr:$b,
                       UnitAttr:$sat);
  let assemblyFormat = "$dst `,` $a `,` $b (`sat` $sat^)? attr-dict";
}
def Isa_VAddOp : Isa_VBinaryOp<"vadd">;
def Isa_VSubOp : Isa_VBinaryOp<"vsub">;
def Isa_VMulOp : Isa_VBinaryOp<"vmul">;
def Isa_VDivOp : Isa_VBinaryOp<"vdiv">;
def Isa_VMaxOp : Isa_VBinaryOp<"vmax">;
def Isa_VMinOp : Isa_VBinaryOp<"vmin">;

class Isa_VScalarOp<string mnemonic> : Isa_InstrOp<mnemonic> {
  let summary = "element-wise op with a scalar (V)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src, F32Attr:$scalar);
  let assemblyFormat = "$dst `,` $src `,` $scalar attr-dict";
}
def Isa_VAddSOp : Isa_VScalarOp<"vadds">;
def Isa_VMulSOp : Isa_VScalarOp<"vmuls">;
def Isa_VMaxSOp : Isa_VScalarOp<"vmaxs">;
def Isa_VMinSOp : Isa_VScalarOp<"vmins">;

class Isa_VUnaryOp<string mnemonic> : Isa_InstrOp<mnemonic> {
  let summary = "element-wise unary or special function (V)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src);
  let assemblyFormat = "$dst `,` $src attr-dict";
}
def Isa_VExpOp : Isa_VUnaryOp<"vexp">;
def Isa_VLnOp : Isa_VUnaryOp<"vln">;
def Isa_VSqrtOp : Isa_VUnaryOp<"vsqrt">;
def Isa_VRsqrtOp : Isa_VUnaryOp<"vrsqrt">;
def Isa_VRecOp : Isa_VUnaryOp<"vrec">;
def Isa_VAbsOp : Isa_VUnaryOp<"vabs">;
def Isa_VNegOp : Isa_VUnaryOp<"vneg">;
def Isa_VReluOp : Isa_VUnaryOp<"vrelu">;
def Isa_VSigmoidOp : Isa_VUnaryOp<"vsigmoid">;
def Isa_VSiluOp : Isa_VUnaryOp<"vsilu">;
def Isa_VGeluOp : Isa_VUnaryOp<"vgelu">;
def Isa_VTanhOp : Isa_VUnaryOp<"vtanh">;
def Isa_VSinOp : Isa_VUnaryOp<"vsin">;
def Isa_VCosOp : Isa_VUnaryOp<"vcos">;
def Isa_VErfOp : Isa_VUnaryOp<"verf">;
def Isa_VFloorOp : Isa_VUnaryOp<"vfloor">;
def Isa_VCeilOp : Isa_VUnaryOp<"vceil">;
def Isa_VRoundOp : Isa_VUnaryOp<"vround">;

def Isa_VCastOp : Isa_InstrOp<"vcast"> {
  let summary = "dtype conversion (RNE to f16/bf16; ints wrap or saturate)";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src, UnitAttr:$sat);
  let assemblyFormat = "$dst `,` $src (`sat` $sat^)? attr-dict";
}
def Isa_VCmpOp : Isa_InstrOp<"vcmp"> {
  let summary = "dst = (a pred b) ? 1 : 0";
  let arguments = (ins Isa_CmpKind:$cmp, Isa_TileAttr:$dst, Isa_TileAttr:$a,
                       Isa_TileAttr:$b);
  let assemblyFormat = "$cmp $dst `,` $a `,` $b attr-dict";
}
def Isa_VSelOp : Isa_InstrOp<"vsel"> {
  let summary = "dst = mask != 0 ? a : b";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$mask, Isa_TileAttr:$a,
                       Isa_TileAttr:$b);
  let assemblyFormat = "$dst `,` $mask `,` $a `,` $b attr-dict";
}
def Isa_VDupOp : Isa_InstrOp<"vdup"> {
  let summary = "fill a tile with a scalar";
  let arguments = (ins Isa_TileAttr:$dst, F32Attr:$value);
  let assemblyFormat = "$dst `,` $value attr-dict";
}
class Isa_VReduceOp<string mnemonic> : Isa_InstrOp<mnemonic> {
  let summary = "reduction along the innermost axis, one result per row";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src);
  let assemblyFormat = "$dst `,` $src attr-dict";
}
def Isa_VRedSumOp : Isa_VReduceOp<"vredsum">;
def Isa_VRedMaxOp : Isa_VReduceOp<"vredmax">;
def Isa_VRedMinOp : Isa_VReduceOp<"vredmin">;
def Isa_VTopKOp : Isa_InstrOp<"vtopk"> {
  let summary = "the k largest values of each row and their i32 indices";
  let arguments = (ins Isa_TileAttr:$values, Isa_TileAttr:$indices,
                       Isa_TileAttr:$src, I64Attr:$k);
  let assemblyFormat = "$values `,` $indices `,` $src `,` `k` `=` $k attr-dict";
}
def Isa_VTransOp : Isa_InstrOp<"vtrans"> {
  let summary = "2-D transpose";
  let arguments = (ins Isa_TileAttr:$dst, Isa_TileAttr:$src);
  let assemblyFormat = "$dst `,` $src attr-dict";
}

//===----------------------------------------------------------------------===//
// Synchronization
//===----------------------------------------------------------------------===//

def Isa_SetFlagOp : Isa_InstrOp<"set_flag"> {
  let summary = "on src_pipe, once its earlier work completed: set flag id";
  let arguments = (ins Isa_Pipe:$src_pipe, Isa_Pipe:$dst_pipe, I64Attr:$id);
  let assemblyFormat = "$src_pipe `->` $dst_pipe `,` $id attr-dict";
}
def Isa_WaitFlagOp : Isa_InstrOp<"wait_flag"> {
  let summary = "on dst_pipe: wait for flag id, then consume it";
  let arguments = (ins Isa_Pipe:$src_pipe, Isa_Pipe:$dst_pipe, I64Attr:$id);
  let assemblyFormat = "$src_pipe `->` $dst_pipe `,` $id attr-dict";
}
def Isa_BarrierOp : Isa_InstrOp<"barrier"> {
  let summary = "drain one pipe, or (ALL) join every pipe of the core";
  let arguments = (ins Isa_Pipe:$pipe);
  let assemblyFormat = "$pipe attr-dict";
}
def Isa_XSetOp : Isa_InstrOp<"xset"> {
  let summary = "increment cross-core flag id of core `core`";
  let arguments = (ins Isa_Pipe:$pipe, I64Attr:$core, I64Attr:$id);
  let assemblyFormat = "$pipe `,` `core` $core `,` $id attr-dict";
}
def Isa_XWaitOp : Isa_InstrOp<"xwait"> {
  let summary = "wait until this core's cross-core flag id is non-zero, "
                "then decrement it";
  let arguments = (ins Isa_Pipe:$pipe, I64Attr:$id);
  let assemblyFormat = "$pipe `,` $id attr-dict";
}

//===----------------------------------------------------------------------===//
// AI-CPU and control
//===----------------------------------------------------------------------===//

def Isa_CpuOp : Isa_InstrOp<"cpu"> {
  let summary = "a function with no tensor-engine kernel, run on the AI-CPU";
  let arguments = (ins Isa_CpuFn:$fn, Isa_TileAttr:$dst, Isa_TileAttr:$src);
  let assemblyFormat = "$fn $dst `,` $src attr-dict";
}

def Isa_EndOp : Isa_InstrOp<"end"> {
  let summary = "end of a core's instruction stream";
  let arguments = (ins);
  let assemblyFormat = "attr-dict";
}

#endif // TESSERA_ISA_OPS
