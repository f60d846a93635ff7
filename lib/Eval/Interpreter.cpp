//===- Interpreter.cpp - Golden evaluation of a graph function ------------===//

#include "tessera/Eval/Interpreter.h"
#include "tessera/Support/Limits.h"

#include "Aggregates.h"

#include "Graph/IR/GraphDialect.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace tessera {

static std::vector<std::string> namesFrom(ArrayAttr attrs, unsigned count,
                                          StringRef prefix) {
  std::vector<std::string> names;
  for (unsigned i = 0; i < count; ++i) {
    std::string name;
    if (attrs && i < attrs.size())
      if (auto dict = dyn_cast_or_null<DictionaryAttr>(attrs[i]))
        if (auto s = dict.getAs<StringAttr>("graph.name"))
          name = s.str();
    names.push_back(name.empty() ? (prefix + Twine(i)).str() : name);
  }
  return names;
}

std::vector<std::string> getArgumentNames(func::FuncOp func) {
  return namesFrom(func.getArgAttrsAttr(), func.getNumArguments(), "arg");
}

std::vector<std::string> getResultNames(func::FuncOp func) {
  return namesFrom(func.getResAttrsAttr(), func.getNumResults(), "result");
}

func::FuncOp findEntryFunction(ModuleOp module, std::string &error) {
  func::FuncOp only;
  int count = 0;
  for (auto f : module.getOps<func::FuncOp>()) {
    if (f.getName() == "main")
      return f;
    only = f;
    ++count;
  }
  if (count == 1)
    return only;
  error = count == 0 ? "the module has no function"
                     : "the module has several functions and none is 'main'";
  return nullptr;
}

FailureOr<std::vector<Tensor>> evaluateFunction(func::FuncOp func,
                                                ArrayRef<Tensor> inputs,
                                                const OpResultCallback &onOp) {
  if (func.isExternal())
    return func.emitError("cannot evaluate a function declaration"), failure();
  std::vector<std::string> argNames = getArgumentNames(func);
  Block &body = func.getBody().front();
  llvm::DenseMap<Value, Tensor> env;
  // Sequence and optional values, as their flattened tensors.
  AggregateValues aggregates;
  size_t next = 0;
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    SmallVector<Type> flat;
    graph::flattenTypes(arg.getType(), flat);
    if (next + flat.size() > inputs.size())
      return func.emitError() << "too few inputs for '" << argNames[i]
                              << "' of type " << arg.getType(),
             failure();
    for (auto [k, t] : llvm::enumerate(flat)) {
      auto type = cast<RankedTensorType>(t);
      const Tensor &in = inputs[next + k];
      std::optional<DType> dt = graph::toDType(type.getElementType());
      Shape shape(type.getShape().begin(), type.getShape().end());
      if (in.shape() != shape || !dt || in.dtype() != *dt)
        return func.emitError() << "input '" << argNames[i] << "'"
                                << (graph::isAggregateType(arg.getType())
                                        ? " element " + std::to_string(k)
                                        : std::string())
                                << " is " << in.describe()
                                << " but the model expects " << type,
               failure();
    }
    if (graph::isAggregateType(arg.getType()))
      aggregates[arg].assign(inputs.begin() + next,
                             inputs.begin() + next + flat.size());
    else
      env[arg] = inputs[next];
    next += flat.size();
  }
  if (next != inputs.size())
    return func.emitError() << "expected " << next << " input tensors, got "
                            << inputs.size(),
           failure();

  // Last use of every value, so tensors can be freed as soon as possible.
  llvm::DenseMap<Value, Operation *> lastUse;
  for (Operation &op : body)
    for (Value v : op.getOperands())
      lastUse[v] = &op;

  // Constants (weights) are materialized at their first use and freed after
  // their last, so only the weights in flight are held as host tensors.
  auto materialize = [&](Value v) -> LogicalResult {
    if (env.count(v))
      return success();
    auto cst = v.getDefiningOp<graph::ConstantOp>();
    if (!cst)
      return failure();
    SmallVector<Tensor> results;
    if (failed(cast<graph::EvaluableOpInterface>(cst.getOperation())
                   .evaluate({}, results)))
      return failure();
    env[v] = std::move(results.front());
    return success();
  };

  for (Operation &op : body) {
    if (isa<graph::ConstantOp>(op))
      continue;
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      std::vector<Tensor> outputs;
      for (Value v : ret.getOperands()) {
        if (graph::isAggregateType(v.getType())) {
          const std::vector<Tensor> &flat = aggregates[v];
          outputs.insert(outputs.end(), flat.begin(), flat.end());
          continue;
        }
        if (failed(materialize(v)))
          return failure();
        outputs.push_back(env.lookup(v));
      }
      return outputs;
    }
    if (isAggregateOp(&op)) {
      auto tensorOf = [&](Value v) -> FailureOr<Tensor> {
        if (failed(materialize(v)) && !env.count(v))
          return op.emitOpError("uses a value that was not computed"),
                 failure();
        return env.lookup(v);
      };
      if (failed(evaluateAggregateOp(&op, tensorOf, env, aggregates)))
        return failure();
      continue;
    }
    auto evaluable = dyn_cast<graph::EvaluableOpInterface>(op);
    if (!evaluable)
      return op.emitOpError("has no golden evaluation"), failure();
    // Refuse results the host cannot hold before computing them.
    for (Type t : op.getResultTypes())
      if (auto rt = dyn_cast<RankedTensorType>(t))
        if (rt.hasStaticShape() &&
            rt.getNumElements() > tessera::kMaxHostTensorElements)
          return op.emitOpError("result ")
                     << rt << " has " << rt.getNumElements()
                     << " elements, more than the evaluator's limit of "
                     << tessera::kMaxHostTensorElements,
                 failure();
    SmallVector<Tensor> operands, results;
    for (auto [index, v] : llvm::enumerate(op.getOperands())) {
      if (!env.count(v) && v.getDefiningOp<graph::ConstantOp>() &&
          failed(materialize(v)))
        return failure();
      auto it = env.find(v);
      if (it == env.end())
        return op.emitOpError("uses a value that was not computed"), failure();
      // A value's last use takes it instead of copying it (unless this op
      // reads it again through a later operand).
      bool readAgain =
          llvm::is_contained(op.getOperands().drop_front(index + 1), v);
      if (lastUse.lookup(v) == &op && !readAgain)
        operands.push_back(std::move(it->second));
      else
        operands.push_back(it->second);
    }
    if (failed(evaluable.evaluate(operands, results)))
      return failure();
    if (results.size() != op.getNumResults())
      return op.emitOpError("evaluation produced ")
                 << results.size() << " results, expected "
                 << op.getNumResults(),
             failure();
    if (onOp)
      onOp(&op, results);
    for (auto [value, tensor] : llvm::zip(op.getResults(), results))
      env[value] = std::move(tensor);
    for (Value v : op.getOperands())
      if (lastUse.lookup(v) == &op && !isa<BlockArgument>(v))
        env.erase(v);
  }
  return func.emitError("function has no return"), failure();
}

} // namespace tessera
