//===- ControlFlow.cpp - Loop, Scan and SequenceMap -----------------------===//
//
// Tessera compiles static shapes, and a loop body's shapes may change from
// one iteration to the next (a sequence grows, a slice lengthens), so loops
// are unrolled at import time: the body is imported once per iteration with
// its inputs bound to the previous iteration's values, as If imports its
// taken branch. That needs the trip count and every iteration's condition
// at import time: constants, or computed from graph inputs whose values were
// given (tessera-compile --bind, the conformance harness). A loop whose
// condition depends on run-time data is an error naming the node.
//
// Also here: the types of sequence- and optional-typed graph inputs, which
// come from the values given for them.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "OnnxImporterImpl.h"
#include "SequenceValues.h"

#include "tessera/Import/OnnxTensor.h"

#include "llvm/Support/ScopedPrinter.h"

#include <limits>

using namespace mlir;

namespace tessera {

using onnx_import::NodeImporter;

/// Unrolling beyond this many iterations (in all) would make programs and
/// import times absurd; such loops are rejected.
static constexpr int64_t kMaxUnrolledIterations = 4096;

static const onnx::GraphProto *graphAttr(const onnx::NodeProto &node,
                                         StringRef name) {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name && a.has_g())
      return &a.g();
  return nullptr;
}

FailureOr<SmallVector<Value>>
OnnxImporter::nodeInputs(const onnx::NodeProto &node, Location loc,
                         const std::string &nodeName) {
  SmallVector<Value> inputs;
  for (const std::string &in : node.input()) {
    if (in.empty()) {
      inputs.push_back(Value());
      continue;
    }
    auto it = values.find(in);
    if (it == values.end())
      return emitError(loc) << "node '" << nodeName << "' (" << node.op_type()
                            << "): input '" << in
                            << "' is not a graph input, an initializer or "
                               "the output of any node",
             failure();
    inputs.push_back(it->second);
  }
  return inputs;
}

std::optional<Tensor>
OnnxImporter::importTimeValue(Value v,
                              ArrayRef<SmallVectorImpl<Value> *> keep) {
  if (!v || !isa<RankedTensorType>(v.getType()))
    return std::nullopt;
  if (!v.getDefiningOp<graph::ConstantOp>()) {
    // Specializing folds the whole function: values the caller holds may be
    // replaced by constants (and their ops erased).
    foldedValues.clear();
    v = specializeCondition(v);
    for (SmallVectorImpl<Value> *list : keep)
      for (Value &held : *list) {
        if (Value r = foldedValues.lookup(held)) {
          held = r;
          continue;
        }
        // A graph input that was specialized: its argument leaves the
        // signature when the import ends, so hold its constant instead.
        auto arg = dyn_cast<BlockArgument>(held);
        if (!arg || arg.getOwner() != &func.getBody().front() ||
            !specializedArgs.test(arg.getArgNumber()))
          continue;
        auto name = argumentNames.find(arg);
        if (name != argumentNames.end())
          if (Value cst = values.lookup(name->second))
            held = cst;
      }
    foldedValues.clear();
  }
  auto cst = v.getDefiningOp<graph::ConstantOp>();
  if (!cst)
    return std::nullopt;
  FailureOr<Tensor> t = graph::elementsToTensor(cst.getValue());
  if (failed(t))
    return std::nullopt;
  return std::move(*t);
}

/// `v` with a unit dimension inserted at `axis`.
static FailureOr<Value> insertUnitDim(NodeImporter &n, Value v, int64_t axis) {
  Shape shape = graph::shapeOf(v.getType());
  std::vector<int64_t> dims(shape.begin(), shape.end());
  dims.insert(dims.begin() + axis, 1);
  auto op = n.create<graph::ReshapeOp>(
      v, {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(dims))});
  if (failed(op))
    return failure();
  return op->getResult();
}

/// `v`'s slice at `index` along `axis`, without that axis.
static FailureOr<Value> sliceAt(NodeImporter &n, Value v, int64_t axis,
                                int64_t index) {
  Shape shape = graph::shapeOf(v.getType());
  std::vector<int64_t> starts(shape.size(), 0),
      ends(shape.begin(), shape.end()), steps(shape.size(), 1);
  starts[axis] = index;
  ends[axis] = index + 1;
  auto slice = n.create<graph::SliceOp>(
      v, {n.b.getNamedAttr("starts", n.b.getDenseI64ArrayAttr(starts)),
          n.b.getNamedAttr("ends", n.b.getDenseI64ArrayAttr(ends)),
          n.b.getNamedAttr("steps", n.b.getDenseI64ArrayAttr(steps))});
  if (failed(slice))
    return failure();
  std::vector<int64_t> dims(shape.begin(), shape.end());
  dims.erase(dims.begin() + axis);
  auto reshaped = n.create<graph::ReshapeOp>(
      slice->getResult(),
      {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(dims))});
  if (failed(reshaped))
    return failure();
  return reshaped->getResult();
}

/// The tensors `parts` (one shape) stacked along a new `axis`.
static FailureOr<Value> stack(NodeImporter &n, ArrayRef<Value> parts,
                              int64_t axis, StringRef what) {
  SmallVector<Value> expanded;
  for (Value v : parts) {
    if (!isa<RankedTensorType>(v.getType())) {
      (void)n.error(what + " is not a tensor");
      return failure();
    }
    if (v.getType() != parts.front().getType()) {
      (void)n.error(what + " changes type between iterations (" +
                    llvm::to_string(parts.front().getType()) + " then " +
                    llvm::to_string(v.getType()) + ")");
      return failure();
    }
    FailureOr<Value> e = insertUnitDim(n, v, axis);
    if (failed(e))
      return failure();
    expanded.push_back(*e);
  }
  auto concat = n.create<graph::ConcatOp>(
      expanded, {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(axis))});
  if (failed(concat))
    return failure();
  return concat->getResult();
}

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

LogicalResult OnnxImporter::importLoopNode(const onnx::NodeProto &node,
                                           Location loc,
                                           const std::string &nodeName) {
  FailureOr<SmallVector<Value>> ins = nodeInputs(node, loc, nodeName);
  if (failed(ins))
    return failure();
  NodeImporter n(node, opset, builder, loc,
                 std::vector<Value>(ins->begin(), ins->end()), fileName);
  const onnx::GraphProto *body = graphAttr(node, "body");
  if (!body)
    return n.error("has no body");
  if (ins->size() < 2)
    return n.error("expects a trip count and a condition (either may be "
                   "empty)");
  size_t numCarried = ins->size() - 2;
  if (body->input_size() != (int)numCarried + 2 ||
      body->output_size() < (int)numCarried + 1)
    return n.error(
        "the body takes " + Twine(body->input_size()) + " inputs and gives " +
        Twine(body->output_size()) + " outputs; with " + Twine(numCarried) +
        " loop-carried values it needs " + Twine(numCarried + 2) +
        " inputs and at least " + Twine(numCarried + 1) + " outputs");
  size_t numScans = body->output_size() - 1 - numCarried;
  const char *unrollNote = "; Tessera unrolls loops at compile time, so it "
                           "must be a constant or computed from inputs whose "
                           "values are given (tessera-compile --bind)";
  int64_t tripCount = std::numeric_limits<int64_t>::max();
  if (n.hasInput(0)) {
    std::optional<Tensor> t = importTimeValue((*ins)[0], {&*ins});
    if (!t || t->numElements() != 1)
      return n.error("the trip count '" + node.input(0) +
                     "' is known only at run time" + unrollNote);
    tripCount = t->getI(0);
  }
  bool keepGoing = true;
  if (n.hasInput(1)) {
    std::optional<Tensor> t = importTimeValue((*ins)[1], {&*ins});
    if (!t || t->numElements() != 1)
      return n.error("the condition '" + node.input(1) +
                     "' is known only at run time" + unrollNote);
    keepGoing = t->getI(0) != 0;
  }
  if (!n.hasInput(0) && !n.hasInput(1))
    return n.error("has neither a trip count nor a condition input (an "
                   "endless loop)");

  SmallVector<Value> carried(ins->begin() + 2, ins->end());
  std::vector<SmallVector<Value>> scans(numScans);
  for (int64_t i = 0; i < tripCount && keepGoing; ++i) {
    if (i == kMaxUnrolledIterations)
      return n.error("runs more than " + Twine(kMaxUnrolledIterations) +
                     " iterations; Tessera unrolls loops at compile time");
    SmallVector<Value> args = {n.constant(Tensor::scalarI(DType::I64, i)),
                               n.constant(Tensor::scalarI(DType::Bool, 1))};
    // A body input declared optional takes a plain value wrapped (opset 16:
    // a loop-carried optional that the body turns into a sequence).
    for (auto [k, v] : llvm::enumerate(carried)) {
      if (body->input(2 + k).type().has_optional_type() &&
          !isa<graph::OptionalType>(v.getType()))
        v = graph::OptWrapOp::create(
                builder, loc,
                graph::OptionalType::get(context, v.getType(), true), v)
                .getResult();
      args.push_back(v);
    }
    FailureOr<SmallVector<Value>> outs = importSubgraph(*body, args);
    if (failed(outs))
      return failure();
    SmallVector<SmallVectorImpl<Value> *> held = {&*outs, &carried};
    for (SmallVector<Value> &scan : scans)
      held.push_back(&scan);
    std::optional<Tensor> cond = importTimeValue((*outs)[0], held);
    if (!cond || cond->numElements() != 1)
      return n.error("the condition the body computes ('" +
                     body->output(0).name() + "') depends on run-time data" +
                     unrollNote);
    keepGoing = cond->getI(0) != 0;
    carried.assign(outs->begin() + 1, outs->begin() + 1 + numCarried);
    for (size_t k = 0; k < numScans; ++k)
      scans[k].push_back((*outs)[1 + numCarried + k]);
  }

  SmallVector<Value> results(carried);
  for (size_t k = 0; k < numScans; ++k) {
    if (scans[k].empty())
      return n.error("runs no iteration, so scan output '" +
                     body->output(1 + numCarried + k).name() +
                     "' would have an unknown shape");
    FailureOr<Value> stacked =
        stack(n, scans[k], 0,
              "scan output '" + body->output(1 + numCarried + k).name() + "'");
    if (failed(stacked))
      return failure();
    results.push_back(*stacked);
  }
  for (int i = 0; i < node.output_size() && i < (int)results.size(); ++i)
    if (!node.output(i).empty())
      values[node.output(i)] = results[i];
  return success();
}

//===----------------------------------------------------------------------===//
// Scan
//===----------------------------------------------------------------------===//

namespace {
/// One Scan over `scanInputs` (no batch axis): the final states, then the
/// scan outputs.
struct ScanSpec {
  std::vector<int64_t> inputAxes, inputDirections, outputAxes, outputDirections;
};
} // namespace

/// Reads a per-input attribute list, defaulting to zeros.
static FailureOr<std::vector<int64_t>> perInput(NodeImporter &n, StringRef name,
                                                size_t count) {
  std::vector<int64_t> v = n.attrInts(name);
  if (v.empty())
    v.assign(count, 0);
  if (v.size() != count) {
    (void)n.error("'" + name + "' has " + Twine(v.size()) +
                  " entries, expected " + Twine(count));
    return failure();
  }
  return v;
}

LogicalResult OnnxImporter::importScanNode(const onnx::NodeProto &node,
                                           Location loc,
                                           const std::string &nodeName) {
  FailureOr<SmallVector<Value>> ins = nodeInputs(node, loc, nodeName);
  if (failed(ins))
    return failure();
  NodeImporter n(node, opset, builder, loc,
                 std::vector<Value>(ins->begin(), ins->end()), fileName);
  const onnx::GraphProto *body = graphAttr(node, "body");
  if (!body || !n.hasAttr("num_scan_inputs"))
    return n.error("needs 'body' and 'num_scan_inputs'");
  int64_t numScanInputs = n.attrInt("num_scan_inputs", 0);
  // Opset 8 has a leading sequence_lens input and a batch axis 0 on every
  // input and output; the scanned axis is then 1.
  bool batched = opset < 9;
  size_t first = batched ? 1 : 0;
  if (numScanInputs < 1 ||
      (int64_t)ins->size() - (int64_t)first < numScanInputs)
    return n.error("'num_scan_inputs' is " + Twine(numScanInputs) +
                   " but the node has " + Twine(ins->size() - first) +
                   " state and scan inputs");
  size_t numStates = ins->size() - first - numScanInputs;
  if (body->input_size() != (int)(numStates + numScanInputs) ||
      body->output_size() < (int)numStates)
    return n.error("the body's inputs and outputs do not match the node's " +
                   Twine(numStates) + " states and " + Twine(numScanInputs) +
                   " scan inputs");
  size_t numScanOutputs = body->output_size() - numStates;
  for (size_t i = first; i < ins->size(); ++i)
    if (!(*ins)[i] || !isa<RankedTensorType>((*ins)[i].getType()))
      return n.error("input " + Twine(i) + " must be a tensor");

  ScanSpec spec;
  if (batched) {
    if (n.hasInput(0)) {
      // Only full-length sequences are supported: check they are.
      std::optional<Tensor> lens = importTimeValue((*ins)[0], {&*ins});
      int64_t full = graph::shapeOf((*ins)[first + numStates].getType())[1];
      bool allFull = lens.has_value();
      for (int64_t i = 0; lens && i < lens->numElements(); ++i)
        allFull = allFull && lens->getI(i) == full;
      if (!allFull)
        return n.error("'sequence_lens' must be known at import time and "
                       "equal to the scanned length (" +
                       Twine(full) + ") for every batch entry");
    }
    FailureOr<std::vector<int64_t>> dirs =
        perInput(n, "directions", numScanInputs);
    if (failed(dirs))
      return failure();
    spec.inputAxes.assign(numScanInputs, 0);
    spec.inputDirections = *dirs;
    spec.outputAxes.assign(numScanOutputs, 0);
    spec.outputDirections.assign(numScanOutputs, 0);
  } else {
    auto inAxes = perInput(n, "scan_input_axes", numScanInputs);
    auto inDirs = perInput(n, "scan_input_directions", numScanInputs);
    auto outAxes = perInput(n, "scan_output_axes", numScanOutputs);
    auto outDirs = perInput(n, "scan_output_directions", numScanOutputs);
    if (failed(inAxes) || failed(inDirs) || failed(outAxes) || failed(outDirs))
      return failure();
    spec = {*inAxes, *inDirs, *outAxes, *outDirs};
  }

  // Runs the scan on unbatched states and scan inputs.
  auto runScan =
      [&](SmallVector<Value> states,
          ArrayRef<Value> scanInputs) -> FailureOr<SmallVector<Value>> {
    int64_t length = -1;
    SmallVector<int64_t> axes;
    for (auto [j, v] : llvm::enumerate(scanInputs)) {
      int64_t rank = graph::shapeOf(v.getType()).size();
      FailureOr<int64_t> axis = n.normalizeAxis(spec.inputAxes[j], rank);
      if (failed(axis))
        return failure();
      int64_t len = graph::shapeOf(v.getType())[*axis];
      if (length >= 0 && len != length) {
        (void)n.error("scan inputs have different lengths (" + Twine(length) +
                      " and " + Twine(len) + ")");
        return failure();
      }
      length = len;
      axes.push_back(*axis);
    }
    if (length == 0) {
      (void)n.error("scans an empty axis, so its outputs would have "
                    "unknown shapes");
      return failure();
    }
    if (length > kMaxUnrolledIterations) {
      (void)n.error("scans " + Twine(length) + " steps, more than " +
                    Twine(kMaxUnrolledIterations) +
                    "; Tessera unrolls loops at compile time");
      return failure();
    }
    std::vector<SmallVector<Value>> outs(numScanOutputs);
    for (int64_t t = 0; t < length; ++t) {
      SmallVector<Value> args(states);
      for (auto [j, v] : llvm::enumerate(scanInputs)) {
        int64_t index = spec.inputDirections[j] ? length - 1 - t : t;
        FailureOr<Value> s = sliceAt(n, v, axes[j], index);
        if (failed(s))
          return failure();
        args.push_back(*s);
      }
      FailureOr<SmallVector<Value>> step = importSubgraph(*body, args);
      if (failed(step))
        return failure();
      states.assign(step->begin(), step->begin() + numStates);
      for (size_t k = 0; k < numScanOutputs; ++k)
        outs[k].push_back((*step)[numStates + k]);
    }
    SmallVector<Value> results(states);
    for (size_t k = 0; k < numScanOutputs; ++k) {
      if (spec.outputDirections[k])
        std::reverse(outs[k].begin(), outs[k].end());
      std::string what =
          "scan output '" + body->output(numStates + k).name() + "'";
      if (!isa<RankedTensorType>(outs[k].front().getType())) {
        (void)n.error(what + " is not a tensor");
        return failure();
      }
      int64_t rank = graph::shapeOf(outs[k].front().getType()).size();
      FailureOr<int64_t> axis = n.normalizeAxis(spec.outputAxes[k], rank + 1);
      if (failed(axis))
        return failure();
      FailureOr<Value> stacked = stack(n, outs[k], *axis, what);
      if (failed(stacked))
        return failure();
      results.push_back(*stacked);
    }
    return results;
  };

  SmallVector<Value> states(ins->begin() + first,
                            ins->begin() + first + numStates);
  SmallVector<Value> scanInputs(ins->begin() + first + numStates, ins->end());
  SmallVector<Value> results;
  if (!batched) {
    FailureOr<SmallVector<Value>> r = runScan(states, scanInputs);
    if (failed(r))
      return failure();
    results = std::move(*r);
  } else {
    // Opset 8: one scan per batch entry, results stacked along axis 0.
    int64_t batch = graph::shapeOf(scanInputs.front().getType())[0];
    for (Value v : llvm::concat<Value>(states, scanInputs))
      if (graph::shapeOf(v.getType()).empty() ||
          graph::shapeOf(v.getType())[0] != batch)
        return n.error("every state and scan input needs the batch size " +
                       Twine(batch) + " as its first dimension");
    std::vector<SmallVector<Value>> perBatch(numStates + numScanOutputs);
    for (int64_t b = 0; b < batch; ++b) {
      SmallVector<Value> s, x;
      for (Value v : states) {
        FailureOr<Value> e = sliceAt(n, v, 0, b);
        if (failed(e))
          return failure();
        s.push_back(*e);
      }
      for (Value v : scanInputs) {
        FailureOr<Value> e = sliceAt(n, v, 0, b);
        if (failed(e))
          return failure();
        x.push_back(*e);
      }
      FailureOr<SmallVector<Value>> r = runScan(s, x);
      if (failed(r))
        return failure();
      for (auto [k, v] : llvm::enumerate(*r))
        perBatch[k].push_back(v);
    }
    for (auto [k, parts] : llvm::enumerate(perBatch)) {
      FailureOr<Value> stacked =
          stack(n, parts, 0, "output " + std::to_string(k));
      if (failed(stacked))
        return failure();
      results.push_back(*stacked);
    }
  }
  for (int i = 0; i < node.output_size() && i < (int)results.size(); ++i)
    if (!node.output(i).empty())
      values[node.output(i)] = results[i];
  return success();
}

//===----------------------------------------------------------------------===//
// SequenceMap
//===----------------------------------------------------------------------===//

LogicalResult OnnxImporter::importSequenceMapNode(const onnx::NodeProto &node,
                                                  Location loc,
                                                  const std::string &nodeName) {
  FailureOr<SmallVector<Value>> ins = nodeInputs(node, loc, nodeName);
  if (failed(ins))
    return failure();
  NodeImporter n(node, opset, builder, loc,
                 std::vector<Value>(ins->begin(), ins->end()), fileName);
  const onnx::GraphProto *body = graphAttr(node, "body");
  if (!body)
    return n.error("has no body");
  if (ins->empty() || !(*ins)[0] ||
      !isa<graph::SequenceType>((*ins)[0].getType()))
    return n.error("input 0 must be a sequence");
  size_t length = cast<graph::SequenceType>((*ins)[0].getType()).size();
  std::vector<SmallVector<Value>> elements(ins->size());
  for (auto [i, v] : llvm::enumerate(*ins)) {
    if (!v)
      return n.error("input " + Twine(i) + " is missing");
    if (auto seq = dyn_cast<graph::SequenceType>(v.getType())) {
      if (seq.size() != length)
        return n.error("input " + Twine(i) + " is a sequence of " +
                       Twine(seq.size()) + " elements, input 0 of " +
                       Twine(length));
      elements[i] = onnx_import::sequenceElements(builder, loc, v);
    }
  }
  if (length > (size_t)kMaxUnrolledIterations)
    return n.error("maps over " + Twine(length) + " elements, more than " +
                   Twine(kMaxUnrolledIterations));
  size_t numOutputs = body->output_size();
  std::vector<SmallVector<Value>> outs(numOutputs);
  for (size_t e = 0; e < length; ++e) {
    SmallVector<Value> args;
    for (auto [i, v] : llvm::enumerate(*ins))
      args.push_back(elements[i].empty() ? v : elements[i][e]);
    FailureOr<SmallVector<Value>> step = importSubgraph(*body, args);
    if (failed(step))
      return failure();
    for (size_t k = 0; k < numOutputs; ++k) {
      if (!isa<RankedTensorType>((*step)[k].getType()))
        return n.error("body output '" + body->output(k).name() +
                       "' is not a tensor");
      outs[k].push_back((*step)[k]);
    }
  }
  for (size_t k = 0; k < numOutputs && k < (size_t)node.output_size(); ++k) {
    // The element type of an empty result comes from the body's declared
    // output type.
    Type elementType;
    if (!outs[k].empty()) {
      elementType =
          cast<RankedTensorType>(outs[k][0].getType()).getElementType();
    } else {
      std::optional<DType> dt =
          dtypeFromOnnx(body->output(k).type().tensor_type().elem_type());
      if (!dt)
        return n.error("body output '" + body->output(k).name() +
                       "' has no supported element type");
      elementType = graph::toMlirType(context, *dt);
    }
    for (auto [e, v] : llvm::enumerate(outs[k]))
      if (cast<RankedTensorType>(v.getType()).getElementType() != elementType)
        return n.error("body output '" + body->output(k).name() +
                       "' changes element type between elements");
    if (!node.output(k).empty())
      values[node.output(k)] =
          onnx_import::buildSequence(builder, loc, elementType, outs[k]);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Sequence and optional graph inputs
//===----------------------------------------------------------------------===//

FailureOr<Type>
OnnxImporter::aggregateInputType(const onnx::ValueInfoProto &info) {
  const std::string &name = info.name();
  const onnx::TypeProto &tp = info.type();
  bool isSequence = tp.has_sequence_type();
  if (!isSequence && !tp.has_optional_type())
    return fail("input '" + name +
                "' is not a tensor, sequence or optional (maps and sparse "
                "tensors are not supported)");
  auto given = options.aggregateInputs.find(name);
  if (given == options.aggregateInputs.end() ||
      (given->second.kind == OnnxAggregateValue::Kind::Sequence) != isSequence)
    return fail("input '" + name + "' is " +
                (isSequence ? "a sequence" : "an optional") +
                "; Tessera compiles static shapes and needs its value at "
                "import time (" +
                (isSequence ? "its length and its elements' shapes"
                            : "whether it holds a value, and its shape") +
                ")");
  const OnnxAggregateValue &value = given->second;
  // The tensor or sequence type the value has, checked against the model's
  // element type.
  auto typeOfValue = [&](const onnx::TypeProto &declared,
                         bool sequence) -> FailureOr<Type> {
    const onnx::TypeProto &tensorType =
        sequence ? declared.sequence_type().elem_type() : declared;
    if (!tensorType.has_tensor_type())
      return fail("input '" + name +
                  "': only tensors and sequences of tensors are supported");
    std::optional<DType> dt =
        dtypeFromOnnx(tensorType.tensor_type().elem_type());
    if (!dt)
      return fail("input '" + name + "' has unsupported element type " +
                  onnxDataTypeName(tensorType.tensor_type().elem_type()));
    Type element = graph::toMlirType(context, *dt);
    SmallVector<Type> types;
    for (const Tensor &t : value.tensors) {
      if (t.dtype() != *dt)
        return fail("input '" + name + "' is declared with elements of " +
                    dtypeName(*dt) + " but the value given holds " +
                    dtypeName(t.dtype()));
      types.push_back(RankedTensorType::get(
          SmallVector<int64_t>(t.shape().begin(), t.shape().end()), element));
    }
    if (sequence)
      return Type(graph::SequenceType::get(context, element, types));
    if (types.size() != 1)
      return fail("input '" + name + "' needs one tensor");
    return types.front();
  };
  if (isSequence)
    return typeOfValue(tp, true);
  const onnx::TypeProto &inner = tp.optional_type().elem_type();
  if (!value.present) {
    std::string error;
    Type t = onnx_import::typeFromProto(context, inner, error);
    if (!t)
      return fail("input '" + name + "' (an empty optional): " + error);
    return Type(graph::OptionalType::get(context, t, false));
  }
  if (inner.has_sequence_type() != value.holdsSequence)
    return fail("input '" + name + "' is declared as an optional " +
                (inner.has_sequence_type() ? "sequence" : "tensor") +
                " but the value given holds a " +
                (value.holdsSequence ? "sequence" : "tensor"));
  FailureOr<Type> t = typeOfValue(inner, value.holdsSequence);
  if (failed(t))
    return failure();
  return Type(graph::OptionalType::get(context, *t, true));
}

} // namespace tessera
