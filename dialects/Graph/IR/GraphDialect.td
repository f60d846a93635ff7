//===- GraphDialect.td - The graph dialect -----------------*- tablegen -*-===//
//
// Framework-neutral tensor ops with value semantics. Every op infers its
// result type, reports its cost and can evaluate itself on the host: that
// evaluation is the golden reference for everything downstream.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_DIALECT
#define TESSERA_GRAPH_DIALECT

include "mlir/IR/OpBase.td"

def Graph_Dialect : Dialect {
  let name = "graph";
  let cppNamespace = "::tessera::graph";
  let summary = "Framework-neutral tensor graph ops with golden host evaluation";
  let description = [{
    The `graph` dialect is Tessera's entry level: ONNX and DeepSeek models are
    imported into it. Ops have value semantics on statically shaped ranked
    tensors, follow ONNX's broadcasting rules, and implement
    `EvaluableOpInterface` (host evaluation in f32 and integer/bool types) and
    `CostOpInterface` (FLOPs, bytes read and written).
  }];
  let hasConstantMaterializer = 1;
  // Sequence and optional types (GraphTypes.td, GraphSequence.cpp).
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerTypes();
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

#endif // TESSERA_GRAPH_DIALECT
