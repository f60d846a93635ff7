//===- Interpreter.h - Golden evaluation of a graph function ----*- C++ -*-===//
//
// Runs a func.func of graph ops on host tensors by calling every op's
// EvaluableOpInterface in order. This is the golden reference that compiled
// programs are checked against. Intermediate tensors are freed after their
// last use, so evaluating a large model needs about its live working set.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_EVAL_INTERPRETER_H
#define TESSERA_EVAL_INTERPRETER_H

#include "tessera/Support/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <string>
#include <vector>

namespace tessera {

/// The function's ONNX-level names for arguments and results (the importer's
/// `graph.name` attributes, or arg<N>/result<N>).
std::vector<std::string> getArgumentNames(mlir::func::FuncOp func);
std::vector<std::string> getResultNames(mlir::func::FuncOp func);

/// Finds the function to run: `main` if present, else the only function.
mlir::func::FuncOp findEntryFunction(mlir::ModuleOp module, std::string &error);

/// Called after each op with its results (for probes and --check-all).
using OpResultCallback =
    std::function<void(mlir::Operation *, llvm::ArrayRef<Tensor>)>;

/// Evaluates `func` on `inputs` (in argument order). Input shapes and element
/// types must match the signature; mismatches and evaluation errors are
/// emitted as diagnostics and return failure. A sequence or optional
/// argument or result stands for its flattened tensors
/// (graph::flattenTypes): a sequence's elements in order, an optional's
/// value if it holds one.
mlir::FailureOr<std::vector<Tensor>>
evaluateFunction(mlir::func::FuncOp func, llvm::ArrayRef<Tensor> inputs,
                 const OpResultCallback &onOp = nullptr);

} // namespace tessera

#endif // TESSERA_EVAL_INTERPRETER_H
