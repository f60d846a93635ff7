//===- GraphTypes.td - Sequence and optional types ---------*- tablegen -*-===//
//
// ONNX's non-tensor values. Tessera compiles static shapes, so what ONNX
// leaves to run time is part of the type here: a sequence's length and each
// element's shape, and whether an optional holds a value. The importer
// learns them from constants, unrolled loops or the values given for the
// model's inputs.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_TYPES
#define TESSERA_GRAPH_TYPES

include "Graph/IR/GraphDialect.td"
include "mlir/IR/AttrTypeBase.td"

class Graph_Type<string name, string typeMnemonic> : TypeDef<Graph_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def Graph_SequenceType : Graph_Type<"Sequence", "seq"> {
  let summary = "a sequence of tensors of one element type";
  let description = [{
    `!graph.seq<f32, [tensor<2xf32>, tensor<1x3xf32>]>`: the element type
    shared by all elements (needed for an empty sequence), then the type of
    each element in order. Elements may differ in shape, not in element
    type.
  }];
  let parameters = (ins "::mlir::Type":$elementType,
                        ArrayRefParameter<"::mlir::Type">:$elements);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    size_t size() const { return getElements().size(); }
    /// The same sequence with `elements` instead.
    SequenceType withElements(::llvm::ArrayRef<::mlir::Type> elements) const {
      return get(getContext(), getElementType(), elements);
    }
  }];
}

def Graph_OptionalType : Graph_Type<"Optional", "opt"> {
  let summary = "a tensor or sequence that may be absent";
  let description = [{
    `!graph.opt<tensor<4xf32>>` holds a value; `!graph.opt<none,
    tensor<4xf32>>` is empty (its value type is still known, as in ONNX).
  }];
  let parameters = (ins "::mlir::Type":$valueType, "bool":$present);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Graph_TensorOrSequence : AnyTypeOf<[StaticShapeTensorOf<[AnyType]>,
                                        Graph_SequenceType]>;

#endif // TESSERA_GRAPH_TYPES
