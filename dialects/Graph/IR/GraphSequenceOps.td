//===- GraphSequenceOps.td - Sequences and optionals -------*- tablegen -*-===//
//
// The few ops that build and take apart sequences and optionals. The
// importer lowers ONNX's sequence ops (SequenceInsert, SequenceAt, ...) to
// them with static positions, so after import sequences only cross the
// function's boundary; the golden evaluator runs these ops directly
// (lib/Eval/Interpreter.cpp), the NPU path rejects them. Verifiers live in
// GraphSequence.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_SEQUENCE_OPS
#define TESSERA_GRAPH_SEQUENCE_OPS

include "Graph/IR/GraphTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Graph_AggregateOp<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, !listconcat([Pure], traits)> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_SeqConstructOp : Graph_AggregateOp<"seq_construct"> {
  let summary = "a sequence of the given tensors (none: an empty sequence)";
  let arguments = (ins Variadic<StaticShapeTensorOf<[AnyType]>>:$inputs);
  let results = (outs Graph_SequenceType:$output);
}

def Graph_SeqAtOp : Graph_AggregateOp<"seq_at"> {
  let summary = "the element at a static position of a sequence";
  let arguments = (ins Graph_SequenceType:$sequence,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$index);
  let results = (outs StaticShapeTensorOf<[AnyType]>:$output);
}

def Graph_OptWrapOp : Graph_AggregateOp<"opt_wrap"> {
  let summary = "an optional holding the given tensor or sequence";
  let arguments = (ins Graph_TensorOrSequence:$input);
  let results = (outs Graph_OptionalType:$output);
}

def Graph_OptNoneOp : Graph_AggregateOp<"opt_none"> {
  let summary = "an empty optional (of the result's value type)";
  let arguments = (ins);
  let results = (outs Graph_OptionalType:$output);
}

def Graph_OptGetOp : Graph_AggregateOp<"opt_get"> {
  let summary = "the value an optional holds (it must hold one)";
  let arguments = (ins Graph_OptionalType:$input);
  let results = (outs Graph_TensorOrSequence:$output);
}

#endif // TESSERA_GRAPH_SEQUENCE_OPS
