//===- GraphBase.td - Type constraints and op base classes -*- tablegen -*-===//
#ifndef TESSERA_GRAPH_BASE
#define TESSERA_GRAPH_BASE

include "Graph/IR/GraphDialect.td"
include "Graph/IR/GraphInterfaces.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Types: statically shaped ranked tensors of the element types ONNX needs.
// Signless integers are signed; `ui*` are unsigned; `i1` is bool.
//===----------------------------------------------------------------------===//

def Graph_FloatElement : AnyTypeOf<[F16, BF16, F32, F64]>;
def Graph_IntElement : AnyTypeOf<[I8, I16, I32, I64, UI8, UI16, UI32, UI64]>;
def Graph_Element : AnyTypeOf<[F16, BF16, F32, F64, I1, I8, I16, I32, I64,
                               UI8, UI16, UI32, UI64]>;

def Graph_Tensor : StaticShapeTensorOf<[Graph_Element]>;
def Graph_FloatTensor : StaticShapeTensorOf<[Graph_FloatElement]>;
def Graph_NumericTensor : StaticShapeTensorOf<[Graph_FloatElement, Graph_IntElement]>;
def Graph_IntTensor : StaticShapeTensorOf<[Graph_IntElement]>;
def Graph_IndexTensor : StaticShapeTensorOf<[I32, I64]>;
def Graph_BoolTensor : StaticShapeTensorOf<[I1]>;

//===----------------------------------------------------------------------===//
// Op base classes
//===----------------------------------------------------------------------===//

// Every graph op: pure, infers its result types from operands and attributes
// (`inferReturnTypes` with the op's adaptor), evaluates on the host and
// reports its cost. `costMethods` lists the cost methods the op overrides.
class Graph_Op<string mnemonic, list<Trait> traits = [],
               list<string> costMethods = []>
    : Op<Graph_Dialect, mnemonic,
         !listconcat([Pure, InferTypeOpAdaptor,
                      DeclareOpInterfaceMethods<Graph_EvaluableOpInterface>,
                      DeclareOpInterfaceMethods<Graph_CostOpInterface,
                                                costMethods>],
                     traits)> {
  // One uniform textual form: operands, attributes, then the function type.
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

// Elementwise op on one tensor: the result has the operand's type. `expr` is a
// C++ expression over `x` (a float or int64_t) computing one element; the
// optional `prelude` runs once before the loop (e.g. to read attributes).
class Graph_UnaryOp<string mnemonic, TypeConstraint operandType,
                    string floatExpr, string intExpr = "",
                    int flopsPerElement = 1, string prelude = "",
                    list<Trait> traits = []>
    : Graph_Op<mnemonic, traits, ["getFlops"]> {
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$output);
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *,
        std::optional<::mlir::Location>, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      types.push_back(adaptor.getInput().getType());
      return ::mlir::success();
    }
    int64_t $cppClass::getFlops() {
      return }] # flopsPerElement # [{ * ::tessera::graph::numElements(getType());
    }
    ::llvm::LogicalResult $cppClass::evaluate(
        ::llvm::ArrayRef<::tessera::Tensor> in,
        ::llvm::SmallVectorImpl<::tessera::Tensor> &out) {
      }] # prelude # [{
      out.push_back(::tessera::golden::mapUnary(in[0],
          [&](float x) -> float { return }] # floatExpr # [{; },
          }] # !if(!empty(intExpr), "nullptr",
                   "[&](int64_t x) -> int64_t { return " # intExpr # "; }") # [{));
      return ::mlir::success();
    }
  }];
}

// Elementwise op on two tensors with ONNX (numpy) broadcasting. Both operands
// have the same element type; the result has it too. The integer expression
// sees int64 `a`, `b` and `isUnsigned` (uint64 travels as its bit pattern).
class Graph_BinaryOp<string mnemonic, TypeConstraint operandType,
                     string floatExpr, string intExpr, list<Trait> traits = []>
    : Graph_Op<mnemonic, !listconcat([SameOperandsElementType,
                                      SameOperandsAndResultElementType],
                                     traits)> {
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs operandType:$output);
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *,
        std::optional<::mlir::Location> loc, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::tessera::graph::inferBroadcastType(loc, adaptor.getLhs().getType(),
          adaptor.getRhs().getType(), nullptr, types);
    }
    ::llvm::LogicalResult $cppClass::evaluate(
        ::llvm::ArrayRef<::tessera::Tensor> in,
        ::llvm::SmallVectorImpl<::tessera::Tensor> &out) {
      // uint64 values are stored as their int64 bit pattern: expressions
      // that order or divide check `isUnsigned`.
      [[maybe_unused]] bool isUnsigned =
          ::tessera::isUnsignedDType(in[0].dtype());
      return ::tessera::graph::wrapEval(getOperation(), out,
          ::tessera::golden::mapBinary(in[0], in[1], in[0].dtype(),
              [&](float a, float b) -> float { return }] # floatExpr # [{; },
              }] # !if(!empty(intExpr), "nullptr",
                   "[&](int64_t a, int64_t b) -> int64_t { return " # intExpr # "; }") # [{));
    }
  }];
}

// Comparison with broadcasting: operands of one element type, an i1 result.
// `expr` compares `a` and `b`: as doubles for floats, as int64 for integers.
class Graph_CompareOp<string mnemonic, string expr>
    : Graph_Op<mnemonic, [SameOperandsElementType]> {
  let arguments = (ins Graph_Tensor:$lhs, Graph_Tensor:$rhs);
  let results = (outs Graph_BoolTensor:$output);
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(::mlir::MLIRContext *ctx,
        std::optional<::mlir::Location> loc, Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::tessera::graph::inferBroadcastType(loc, adaptor.getLhs().getType(),
          adaptor.getRhs().getType(), ::mlir::IntegerType::get(ctx, 1), types);
    }
    ::llvm::LogicalResult $cppClass::evaluate(
        ::llvm::ArrayRef<::tessera::Tensor> in,
        ::llvm::SmallVectorImpl<::tessera::Tensor> &out) {
      return ::tessera::graph::wrapEval(getOperation(), out,
          ::tessera::golden::compareBinary(in[0], in[1],
              [](double a, double b) -> bool { return }] # expr # [{; },
              [](int64_t a, int64_t b) -> bool { return }] # expr # [{; }));
    }
  }];
}

#endif // TESSERA_GRAPH_BASE
