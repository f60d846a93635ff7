//===- OnnxImporter.cpp - ONNX model -> graph dialect ---------------------===//
//
// The import driver: parse and validate the model, create the function
// signature from the graph inputs, turn initializers into resource-backed
// constants, then import the nodes in topological order through the op
// registry, folding every node whose inputs are all constant.
//
//===----------------------------------------------------------------------===//

#include "tessera/Import/OnnxImporter.h"
#include "tessera/Import/OnnxTensor.h"
#include "tessera/Support/FileIO.h"
#include "tessera/Support/Npy.h"

#include "ModelChecks.h"
#include "NewerOpsets.h"
#include "NodeImporter.h"
#include "OnnxImporterImpl.h"
#include "SequenceValues.h"

#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>

#include <deque>
#include <memory>

using namespace mlir;

namespace tessera {

void registerImportDialects(MLIRContext &context) {
  context.loadDialect<graph::GraphDialect, func::FuncDialect>();
}

bool parseInputShapeSpec(const std::string &spec, OnnxImportOptions &options,
                         std::string &error) {
  size_t eq = spec.rfind('=');
  if (eq == std::string::npos || eq == 0) {
    error = "expected NAME=DIMS (e.g. input_ids=1x128), got '" + spec + "'";
    return false;
  }
  std::vector<int64_t> dims;
  StringRef text = StringRef(spec).substr(eq + 1);
  if (!text.empty()) {
    SmallVector<StringRef> parts;
    text.split(parts, 'x');
    for (StringRef p : parts) {
      int64_t d;
      if (p.getAsInteger(10, d) || d < 0) {
        error = "bad dimension '" + p.str() + "' in '" + spec + "'";
        return false;
      }
      dims.push_back(d);
    }
  }
  options.inputShapes[spec.substr(0, eq)] = dims;
  return true;
}

bool parseBindSpec(const std::string &spec, OnnxImportOptions &options,
                   std::string &error) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
    error = "expected NAME=FILE (.npy or .pb), got '" + spec + "'";
    return false;
  }
  std::string name = spec.substr(0, eq), path = spec.substr(eq + 1);
  Tensor t;
  std::string protoName;
  if (!(StringRef(path).ends_with(".pb")
            ? readTensorProtoFile(path, t, protoName, error)
            : readNpyFile(path, t, error)))
    return false;
  options.inputShapes.emplace(name, t.shape());
  options.boundInputs[name] = std::move(t);
  return true;
}

namespace {

using onnx_import::NodeImporter;

/// Largest element count Tessera accepts for one tensor (2^40).
constexpr int64_t kMaxElements = int64_t(1) << 40;
/// Tensors up to this many elements are stored as readable dense attributes;
/// larger ones as resource blobs that point at the model's own storage.
constexpr int64_t kDenseConstantLimit = 64;

} // namespace

FailureOr<RankedTensorType>
OnnxImporter::valueInfoType(const onnx::ValueInfoProto &info) {
  const std::string &name = info.name();
  if (!info.type().has_tensor_type())
    return fail("input '" + name +
                "' is not a tensor (sequences, maps and optionals are not "
                "supported)");
  const auto &tt = info.type().tensor_type();
  std::optional<DType> dtype = dtypeFromOnnx(tt.elem_type());
  if (!dtype)
    return fail("input '" + name + "' has unsupported element type " +
                onnxDataTypeName(tt.elem_type()));
  auto override = options.inputShapes.find(name);
  SmallVector<int64_t> shape;
  if (override != options.inputShapes.end()) {
    if (tt.has_shape() && tt.shape().dim_size() != (int)
                                                       override->second.size())
      return fail("--input-shape gives " + Twine(override->second.size()) +
                  " dimensions for input '" + name + "' of rank " +
                  Twine(tt.shape().dim_size()));
    shape.assign(override->second.begin(), override->second.end());
    // A given shape fixes dynamic dimensions only.
    for (int i = 0; tt.has_shape() && i < tt.shape().dim_size(); ++i)
      if (tt.shape().dim(i).has_dim_value() &&
          tt.shape().dim(i).dim_value() != shape[i])
        return fail("input '" + name + "' dimension " + Twine(i) + " is " +
                    Twine(tt.shape().dim(i).dim_value()) +
                    " in the model but the given shape has " + Twine(shape[i]));
  } else {
    if (!tt.has_shape())
      return fail("input '" + name +
                  "' has no shape; set it with --input-shape " + name +
                  "=DIMS");
    // A value given for the input (tessera-run, the conformance harness)
    // fixes its dynamic dimensions.
    auto given = options.inputValues.find(name);
    const Shape *givenShape =
        given != options.inputValues.end() &&
                (int)given->second.shape().size() == tt.shape().dim_size()
            ? &given->second.shape()
            : nullptr;
    for (int i = 0; i < tt.shape().dim_size(); ++i) {
      const auto &dim = tt.shape().dim(i);
      if (!dim.has_dim_value() && givenShape) {
        shape.push_back((*givenShape)[i]);
        continue;
      }
      if (!dim.has_dim_value()) {
        std::string param =
            dim.has_dim_param() ? " ('" + dim.dim_param() + "')" : "";
        return fail("input '" + name + "' dimension " + Twine(i) + param +
                    " is dynamic; set it with --input-shape " + name +
                    "=DIMS, e.g. " + name + "=1x128");
      }
      if (dim.dim_value() < 0)
        return fail("input '" + name + "' dimension " + Twine(i) +
                    " is negative (" + Twine(dim.dim_value()) + ")");
      shape.push_back(dim.dim_value());
    }
  }
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d > 0 && count > kMaxElements / d)
      return fail("input '" + name + "' of shape " +
                  shapeToString(Shape(shape.begin(), shape.end())) +
                  " is too large (more than 2^40 elements)");
    count *= d;
  }
  return RankedTensorType::get(shape, graph::toMlirType(context, *dtype));
}

FailureOr<ElementsAttr>
OnnxImporter::constantFromProto(onnx::TensorProto &proto) {
  std::optional<DType> dtype = dtypeFromOnnx(proto.data_type());
  if (!dtype)
    return fail("initializer '" + proto.name() + "' has unsupported type " +
                onnxDataTypeName(proto.data_type()));
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0 || (d > 0 && count > kMaxElements / d))
      return fail("tensor '" + proto.name() +
                  "' has an invalid or huge dimension " + Twine(d));
    shape.push_back(d);
    count *= d;
  }
  auto type = RankedTensorType::get(shape, graph::toMlirType(context, *dtype));
  int64_t bytes = count * dtypeByteSize(*dtype);
  std::string blobName = proto.name().empty() ? "tensor" : proto.name();

  // Large raw data: point a resource blob at the bytes without copying them.
  bool external = proto.data_location() == onnx::TensorProto::EXTERNAL;
  if (count > kDenseConstantLimit && *dtype != DType::Bool &&
      (external || proto.has_raw_data())) {
    if (!external) {
      if ((int64_t)proto.raw_data().size() != bytes)
        return fail("tensor '" + proto.name() + "' needs " + Twine(bytes) +
                    " bytes but has " + Twine(proto.raw_data().size()));
      // Take the string out of the protobuf; the blob owns it from now on.
      auto *owned = new std::string(std::move(*proto.mutable_raw_data()));
      AsmResourceBlob blob = UnmanagedAsmResourceBlob::allocateWithAlign(
          ArrayRef<char>(owned->data(), owned->size()), 1,
          [owned](void *, size_t, size_t) { delete owned; });
      return ElementsAttr(
          DenseResourceElementsAttr::get(type, blobName, std::move(blob)));
    }
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto &kv : proto.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset" &&
               StringRef(kv.value()).getAsInteger(10, offset))
        return fail("tensor '" + proto.name() +
                    "' has a bad external offset '" + kv.value() + "'");
      else if (kv.key() == "length" &&
               StringRef(kv.value()).getAsInteger(10, length))
        return fail("tensor '" + proto.name() +
                    "' has a bad external length '" + kv.value() + "'");
    }
    if (location.empty())
      return fail("external data of tensor '" + proto.name() +
                  "' has no location");
    if (llvm::sys::path::is_absolute(location) ||
        llvm::is_contained(llvm::make_range(llvm::sys::path::begin(location),
                                            llvm::sys::path::end(location)),
                           ".."))
      return fail("external data location '" + location + "' of tensor '" +
                  proto.name() + "' must stay inside the model's directory");
    SmallString<256> path(baseDir);
    llvm::sys::path::append(path, location);
    auto &file = externalFiles[path];
    if (!file) {
      auto buffer =
          llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
      if (!buffer)
        return fail("cannot open external data file '" + path.str() +
                    "' of tensor '" + proto.name() +
                    "': " + buffer.getError().message());
      file = std::shared_ptr<llvm::MemoryBuffer>(std::move(*buffer));
    }
    if (length < 0)
      length = bytes;
    int64_t fileSize = (int64_t)file->getBufferSize();
    if (length != bytes || offset < 0 || offset > fileSize ||
        length > fileSize - offset)
      return fail("external data of tensor '" + proto.name() + "' (offset " +
                  Twine(offset) + ", length " + Twine(length) + ", needs " +
                  Twine(bytes) + " bytes) does not fit '" + path.str() + "' (" +
                  Twine(file->getBufferSize()) + " bytes)");
    std::shared_ptr<llvm::MemoryBuffer> keepAlive = file;
    AsmResourceBlob blob = UnmanagedAsmResourceBlob::allocateWithAlign(
        ArrayRef<char>(file->getBufferStart() + offset, length), 1,
        [keepAlive](void *, size_t, size_t) mutable { keepAlive.reset(); });
    return ElementsAttr(
        DenseResourceElementsAttr::get(type, blobName, std::move(blob)));
  }

  Tensor t;
  std::string error;
  if (!tensorFromProto(proto, baseDir, t, error))
    return fail(error);
  return ElementsAttr(graph::tensorToElements(context, t));
}

/// Adds to `refs` the names a node's subgraphs read without defining them
/// (values of enclosing scopes).
static void collectOuterReferences(const onnx::NodeProto &node,
                                   llvm::StringSet<> &refs) {
  for (const onnx::AttributeProto &a : node.attribute()) {
    std::vector<const onnx::GraphProto *> graphs;
    if (a.has_g())
      graphs.push_back(&a.g());
    for (const onnx::GraphProto &g : a.graphs())
      graphs.push_back(&g);
    for (const onnx::GraphProto *g : graphs) {
      llvm::StringSet<> defined, inner;
      for (const auto &i : g->input())
        defined.insert(i.name());
      for (const auto &i : g->initializer())
        defined.insert(i.name());
      for (const onnx::NodeProto &n : g->node()) {
        for (const std::string &o : n.output())
          defined.insert(o);
        for (const std::string &in : n.input())
          inner.insert(in);
        collectOuterReferences(n, inner);
      }
      for (const auto &o : g->output())
        inner.insert(o.name());
      for (const auto &e : inner)
        if (!defined.contains(e.getKey()) && !e.getKey().empty())
          refs.insert(e.getKey());
    }
  }
}

FailureOr<std::vector<const onnx::NodeProto *>>
OnnxImporter::sortNodes(const onnx::GraphProto &graph) {
  // Kahn's algorithm over value names, keeping the file's order among ready
  // nodes. ONNX requires sorted graphs; sorting anyway accepts the unsorted
  // ones exporters sometimes write, and finds cycles.
  llvm::StringMap<int> producer;
  int n = graph.node_size();
  for (int i = 0; i < n; ++i)
    for (const std::string &out : graph.node(i).output())
      if (!out.empty())
        producer[out] = i;
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> users(n);
  for (int i = 0; i < n; ++i) {
    // A node with subgraphs (If's branches) also depends on the outer
    // values its subgraphs read.
    llvm::StringSet<> deps;
    for (const std::string &in : graph.node(i).input())
      deps.insert(in);
    collectOuterReferences(graph.node(i), deps);
    for (const auto &entry : deps) {
      StringRef in = entry.getKey();
      auto it = producer.find(in);
      if (!in.empty() && it != producer.end() && !values.count(in) &&
          it->second != i) {
        ++pending[i];
        users[it->second].push_back(i);
      }
    }
  }
  std::vector<const onnx::NodeProto *> order;
  std::deque<int> ready;
  for (int i = 0; i < n; ++i)
    if (!pending[i])
      ready.push_back(i);
  while (!ready.empty()) {
    int i = ready.front();
    ready.pop_front();
    order.push_back(&graph.node(i));
    for (int u : users[i])
      if (--pending[u] == 0)
        ready.push_back(u);
  }
  if ((int)order.size() != n) {
    for (int i = 0; i < n; ++i)
      if (pending[i])
        return fail("the graph has a cycle through node '" +
                    graph.node(i).name() + "' (" + graph.node(i).op_type() +
                    ")");
  }
  return order;
}

LogicalResult OnnxImporter::importConstantNode(const onnx::NodeProto &node,
                                               Location loc) {
  if (node.attribute_size() != 1)
    return emitError(loc) << "node '" << node.name()
                          << "' (Constant): expected exactly one attribute";
  const onnx::AttributeProto &a = node.attribute(0);
  Tensor t;
  std::string error;
  ElementsAttr value;
  if (a.name() == "value") {
    // The model is ours and mutable (nodes reach here through the sorted,
    // const view): move the tensor's bytes into the blob instead of copying.
    onnx::TensorProto &proto =
        *const_cast<onnx::AttributeProto &>(a).mutable_t();
    if (proto.name().empty())
      proto.set_name(node.output(0));
    FailureOr<ElementsAttr> attr = constantFromProto(proto);
    if (failed(attr))
      return failure();
    value = *attr;
  } else if (a.name() == "value_float") {
    t = Tensor::scalarF(DType::F32, a.f());
  } else if (a.name() == "value_floats") {
    t = Tensor::fromFloats(
        DType::F32, {(int64_t)a.floats_size()},
        std::vector<float>(a.floats().begin(), a.floats().end()));
  } else if (a.name() == "value_int") {
    t = Tensor::scalarI(DType::I64, a.i());
  } else if (a.name() == "value_ints") {
    t = Tensor::fromInts(
        DType::I64, {(int64_t)a.ints_size()},
        std::vector<int64_t>(a.ints().begin(), a.ints().end()));
  } else {
    return emitError(loc)
           << "node '" << node.name() << "' (Constant): unsupported attribute '"
           << a.name() << "' (sparse and string constants are not supported)";
  }
  if (!value)
    value = graph::tensorToElements(context, t);
  values[node.output(0)] = graph::ConstantOp::create(builder, loc, value);
  return success();
}

llvm::DenseMap<Value, Value> OnnxImporter::foldNewOps(Block::iterator begin,
                                                      Block::iterator end) {
  llvm::DenseMap<Value, Value> replaced;
  Block *block = builder.getInsertionBlock();
  if (end == Block::iterator())
    end = block->end();
  for (Operation &op :
       llvm::make_early_inc_range(llvm::make_range(begin, end))) {
    if (isa<graph::ConstantOp>(op))
      continue;
    auto evaluable = dyn_cast<graph::EvaluableOpInterface>(op);
    if (!evaluable || op.getNumOperands() == 0)
      continue;
    if (!llvm::all_of(op.getOperands(), [](Value v) {
          return v.getDefiningOp<graph::ConstantOp>();
        }))
      continue;
    int64_t elements = 0;
    for (Type t : op.getResultTypes())
      elements += graph::numElements(t);
    if (elements > options.foldElementLimit)
      continue;
    SmallVector<Tensor> inputs, results;
    bool ok = true;
    for (Value v : op.getOperands()) {
      FailureOr<Tensor> t = graph::elementsToTensor(
          v.getDefiningOp<graph::ConstantOp>().getValue());
      if (failed(t)) {
        ok = false;
        break;
      }
      inputs.push_back(std::move(*t));
    }
    if (!ok)
      continue;
    // Evaluation errors here (an out-of-range index, say) are real errors in
    // the model; leave the op in place and let evaluation report them.
    ScopedDiagnosticHandler silence(context,
                                    [](Diagnostic &) { return success(); });
    if (failed(evaluable.evaluate(inputs, results)) ||
        results.size() != op.getNumResults())
      continue;
    SmallVector<DenseElementsAttr> folded;
    for (auto [result, value] : llvm::zip(op.getResults(), results))
      folded.push_back(graph::tensorToElements(context, value));
    if (!llvm::all_of(llvm::zip(op.getResults(), folded), [](auto pair) {
          return std::get<0>(pair).getType() == std::get<1>(pair).getType();
        }))
      continue; // an evaluator disagreeing with type inference: do not fold
    OpBuilder b(&op);
    for (auto [result, value] : llvm::zip(op.getResults(), folded)) {
      auto cst = graph::ConstantOp::create(b, op.getLoc(), value);
      result.replaceAllUsesWith(cst.getResult());
      replaced[result] = cst.getResult();
    }
    op.erase();
  }
  return replaced;
}

LogicalResult OnnxImporter::importNode(const onnx::NodeProto &node) {
  std::string nodeName =
      node.name().empty() ? node.op_type() + "(" +
                                (node.output_size() ? node.output(0) : "") + ")"
                          : node.name();
  Location loc = NameLoc::get(StringAttr::get(context, nodeName), fileLoc());
  const std::string &domain = node.domain();
  if (!domain.empty() && domain != "ai.onnx")
    return emitError(loc) << "node '" << nodeName << "' (" << node.op_type()
                          << "): unsupported domain '" << domain << "'";
  // ONNX's schema knows each op's input/output counts and attribute types;
  // checking here keeps malformed nodes (possible with --skip-onnx-checker)
  // away from the op importers. Signatures newer than ONNX 1.12's are
  // checked against Tessera's own table.
  if (const onnx_import::NewerOpSignature *newer =
          onnx_import::findNewerSignature(node.op_type(), opset)) {
    std::string problem = onnx_import::checkNewerSignature(node, *newer);
    if (!problem.empty())
      return emitError(loc) << "node '" << nodeName << "' (" << node.op_type()
                            << ", opset " << opset << "): " << problem;
  } else if (const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
                 node.op_type(),
                 (int)std::min(opset, onnx_import::kOnnxLibraryMaxOpset),
                 node.domain())) {
    try {
      schema->Verify(node);
    } catch (const std::exception &e) {
      return emitError(loc) << "node '" << nodeName << "' (" << node.op_type()
                            << ", opset " << opset << "): " << e.what();
    }
  }
  if (node.op_type() == "Constant")
    return importConstantNode(node, loc);
  if (node.op_type() == "If")
    return importIfNode(node, loc, nodeName);
  if (node.op_type() == "Loop")
    return importLoopNode(node, loc, nodeName);
  if (node.op_type() == "Scan")
    return importScanNode(node, loc, nodeName);
  if (node.op_type() == "SequenceMap")
    return importSequenceMapNode(node, loc, nodeName);

  FailureOr<SmallVector<Value>> resolved = nodeInputs(node, loc, nodeName);
  if (failed(resolved))
    return failure();
  // Op importers read their inputs as tensors; ONNX's checker lets a
  // sequence reach a tensor input only with --skip-onnx-checker.
  if (!onnx_import::takesAggregateInputs(node.op_type()))
    for (auto [in, value] : llvm::zip(node.input(), *resolved))
      if (value && graph::isAggregateType(value.getType()))
        return emitError(loc) << "node '" << nodeName << "' (" << node.op_type()
                              << "): input '" << in << "' is a "
                              << value.getType() << ", the op takes tensors";
  std::vector<Value> inputs(resolved->begin(), resolved->end());
  Block *block = builder.getInsertionBlock();
  bool wasEmpty = block->empty();
  Operation *last = wasEmpty ? nullptr : &block->back();
  NodeImporter importer(node, opset, builder, loc, std::move(inputs), fileName);
  importer.specializeInput = [this, &last, &importer](Value v) {
    return isa<BlockArgument>(v) ? specialize(v)
                                 : specializeThroughCasts(v, last, importer);
  };
  const onnx_import::OpImportFn *fn =
      onnx_import::getOpImportRegistry().lookup(node.op_type());
  if (!fn)
    return importer.error("unsupported op type '" + node.op_type() + "'");

  if (failed((*fn)(importer)))
    return failure();
  ArrayRef<Value> results = importer.results();
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    if (i >= (int)results.size() || !results[i])
      continue; // an optional output the op does not produce; uses will fail
    values[node.output(i)] = results[i];
  }
  Block::iterator begin =
      last ? std::next(Block::iterator(last)) : block->begin();
  llvm::DenseMap<Value, Value> replaced = foldNewOps(begin);
  // Folding erased ops: point this node's outputs at their constants.
  for (int i = 0; i < node.output_size() && i < (int)results.size(); ++i) {
    auto it = replaced.find(results[i]);
    if (it != replaced.end() && !node.output(i).empty())
      values[node.output(i)] = it->second;
  }
  return success();
}

FailureOr<SmallVector<Value>>
OnnxImporter::importSubgraph(const onnx::GraphProto &graph,
                             ArrayRef<Value> arguments) {
  if (graph.input_size() != (int)arguments.size())
    return fail("subgraph '" + graph.name() + "' takes " +
                Twine(graph.input_size()) + " inputs, the node gives " +
                Twine(arguments.size()));
  // A body imported once per iteration redefines its values: forget the
  // previous iteration's, so that node ordering sees them as undefined.
  for (const onnx::NodeProto &n : graph.node())
    for (const std::string &out : n.output())
      values.erase(out);
  for (auto [info, value] : llvm::zip(graph.input(), arguments))
    values[info.name()] = value;
  for (const onnx::TensorProto &init : graph.initializer()) {
    onnx::TensorProto copy = init;
    FailureOr<ElementsAttr> attr = constantFromProto(copy);
    if (failed(attr))
      return failure();
    Location loc = NameLoc::get(builder.getStringAttr(init.name()), fileLoc());
    values[init.name()] = graph::ConstantOp::create(builder, loc, *attr);
  }
  if (failed(importNodes(graph)))
    return failure();
  SmallVector<Value> outputs;
  for (const onnx::ValueInfoProto &out : graph.output()) {
    auto it = values.find(out.name());
    if (it == values.end())
      return fail("subgraph '" + graph.name() + "' output '" + out.name() +
                  "' is not produced by any node");
    outputs.push_back(it->second);
  }
  return outputs;
}

LogicalResult OnnxImporter::importIfNode(const onnx::NodeProto &node,
                                         Location loc,
                                         const std::string &nodeName) {
  auto error = [&]() {
    return emitError(loc) << "node '" << nodeName << "' (If, opset " << opset
                          << "): ";
  };
  const onnx::GraphProto *thenGraph = nullptr, *elseGraph = nullptr;
  for (const onnx::AttributeProto &a : node.attribute()) {
    if (a.name() == "then_branch")
      thenGraph = &a.g();
    if (a.name() == "else_branch")
      elseGraph = &a.g();
  }
  if (!thenGraph || !elseGraph || node.input_size() != 1)
    return error() << "expects a condition and both branches";
  auto it = values.find(node.input(0));
  if (it == values.end())
    return error() << "condition '" << node.input(0)
                   << "' is not a graph input, an initializer or the output "
                      "of any node";
  Value cond = it->second;
  if (graph::numElements(cond.getType()) != 1)
    return error() << "the condition must hold one element";
  if (!cond.getDefiningOp<graph::ConstantOp>())
    cond = specializeCondition(cond);

  auto bind = [&](ArrayRef<Value> outputs) -> LogicalResult {
    if ((int)outputs.size() < node.output_size())
      return error() << "the branch has " << outputs.size()
                     << " outputs, the node " << node.output_size();
    for (int i = 0; i < node.output_size(); ++i)
      if (!node.output(i).empty())
        values[node.output(i)] = outputs[i];
    return success();
  };
  // Most exported Ifs branch on a shape, a sample rate or an attribute:
  // constant once the inputs' shapes (or bound values) are known. Only the
  // taken branch is imported; the other may not even be valid for these
  // shapes.
  if (auto cst = cond.getDefiningOp<graph::ConstantOp>()) {
    FailureOr<Tensor> t = graph::elementsToTensor(cst.getValue());
    if (failed(t))
      return error() << "cannot read the constant condition";
    FailureOr<SmallVector<Value>> outs =
        importSubgraph(t->getD(0) != 0 ? *thenGraph : *elseGraph);
    if (failed(outs))
      return failure();
    return bind(*outs);
  }
  // A condition known only at run time: both branches are side-effect free,
  // so both are computed and each output selected (if-conversion). That
  // needs outputs of one type from both branches.
  FailureOr<SmallVector<Value>> thenOuts = importSubgraph(*thenGraph);
  if (failed(thenOuts))
    return failure();
  FailureOr<SmallVector<Value>> elseOuts = importSubgraph(*elseGraph);
  if (failed(elseOuts))
    return failure();
  if (thenOuts->size() != elseOuts->size())
    return error() << "the branches have different numbers of outputs";
  auto condType = cast<RankedTensorType>(cond.getType());
  if (!condType.getElementType().isInteger(1))
    return error() << "the condition must be a bool tensor";
  SmallVector<Value> selected;
  for (auto [a, b] : llvm::zip(*thenOuts, *elseOuts)) {
    if (!a || !b || !isa<RankedTensorType>(a.getType()))
      return error() << "the condition is known only at run time and a "
                        "branch output is not a tensor (choosing between "
                        "sequences or optionals at run time is not "
                        "supported)";
    if (a.getType() != b.getType())
      return error() << "the condition is known only at run time and the "
                        "branches' outputs differ in type ("
                     << a.getType() << " and " << b.getType()
                     << "); fix the inputs it depends on with --bind or "
                        "--input-shape";
    auto where = graph::WhereOp::create(builder, loc, a.getType(),
                                        ValueRange{cond, a, b});
    selected.push_back(where.getResult());
  }
  return bind(selected);
}

/// Inputs of at most this many elements that an If's condition depends on
/// are specialized to their given values (a sample rate, a flag, a length).
/// A condition on bigger data (a score computed from the model's features)
/// is the model's own run-time decision: the If stays a select, so that the
/// golden evaluator computes what the NPU program computes instead of
/// folding the whole model at import.
static constexpr int64_t kMaxSpecializedConditionInput = 64;

Value OnnxImporter::specializeCondition(Value cond) {
  // Walk the condition's operands back to constants and graph inputs; if
  // every input among them is small and has a value the user gave (e.g. a
  // sample rate), specialize them and fold the chain.
  SmallVector<BlockArgument> args;
  SmallVector<Value> work = {cond};
  llvm::DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      auto name = argumentNames.find(v);
      auto given = name == argumentNames.end()
                       ? options.inputValues.end()
                       : options.inputValues.find(name->second);
      if (given == options.inputValues.end() ||
          given->second.numElements() > kMaxSpecializedConditionInput)
        return cond;
      args.push_back(arg);
      continue;
    }
    Operation *op = v.getDefiningOp();
    if (isa<graph::ConstantOp>(op))
      continue;
    if (!isa<graph::EvaluableOpInterface>(op) || seen.size() > 256)
      return cond;
    for (Value operand : op->getOperands())
      work.push_back(operand);
  }
  if (args.empty())
    return cond;
  // The condition may be one of the arguments itself (an If on a graph
  // input): it is then its specialized constant, not the argument, which is
  // removed from the signature once the import ends.
  Value specializedCond;
  for (BlockArgument arg : args) {
    Value cst = specialize(arg);
    if (!cst)
      return cond;
    if (arg == cond)
      specializedCond = cst;
  }
  if (specializedCond)
    return specializedCond;
  Block &entry = func.getBody().front();
  llvm::DenseMap<Value, Value> replaced = foldNewOps(entry.begin());
  for (auto &entryValue : values)
    if (Value r = replaced.lookup(entryValue.second))
      entryValue.second = r;
  for (auto [from, to] : replaced)
    foldedValues[from] = to;
  Value r = replaced.lookup(cond);
  return r ? r : cond;
}

Value OnnxImporter::specializeThroughCasts(Value v, Operation *&nodeStart,
                                           NodeImporter &importer) {
  // Function expansions (HannWindow's, say) cast a size input to float
  // before it reaches Range: the cast's result is as much a shape as the
  // input itself.
  Value root = v;
  while (auto cast = root.getDefiningOp<graph::CastOp>())
    root = cast.getInput();
  if (root == v || !nodeStart || !specialize(root))
    return Value();
  // Fold only what precedes this node: its importer may hold values of the
  // ops it has created so far.
  // `nodeStart` itself may fold away: the node's ops start after `next`.
  Block *block = nodeStart->getBlock();
  Operation *next = nodeStart->getNextNode();
  llvm::DenseMap<Value, Value> replaced =
      foldNewOps(block->begin(), std::next(Block::iterator(nodeStart)));
  nodeStart = next ? next->getPrevNode() : &block->back();
  for (auto &entry : values)
    if (Value r = replaced.lookup(entry.second))
      entry.second = r;
  importer.replaceInputs(replaced);
  return replaced.lookup(v);
}

Value OnnxImporter::specialize(Value argument) {
  auto arg = dyn_cast<BlockArgument>(argument);
  if (!arg || arg.getOwner() != &func.getBody().front())
    return Value();
  auto name = argumentNames.find(argument);
  if (name == argumentNames.end())
    return Value();
  auto given = options.inputValues.find(name->second);
  if (given == options.inputValues.end())
    return Value();
  auto type = dyn_cast<RankedTensorType>(arg.getType());
  if (!type)
    return Value();
  const Tensor &t = given->second;
  if (Shape(type.getShape().begin(), type.getShape().end()) != t.shape() ||
      graph::toMlirType(context, t.dtype()) != type.getElementType())
    return Value();
  OpBuilder b(context);
  b.setInsertionPointToStart(arg.getOwner());
  Value cst = graph::ConstantOp::create(
      b, NameLoc::get(b.getStringAttr(name->second), fileLoc()),
      graph::tensorToElements(context, t));
  arg.replaceAllUsesWith(cst);
  values[name->second] = cst;
  specializedArgs.set(arg.getArgNumber());
  return cst;
}

LogicalResult OnnxImporter::importNodes(const onnx::GraphProto &graph) {
  FailureOr<std::vector<const onnx::NodeProto *>> order = sortNodes(graph);
  if (failed(order))
    return failure();
  for (const onnx::NodeProto *node : *order)
    if (failed(importNode(*node)))
      return failure();
  return success();
}

OwningOpRef<ModuleOp> OnnxImporter::importModel(onnx::ModelProto &model) {
  for (const auto &imp : model.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      opset = imp.version();
  if (opset == 0)
    return fail("the model imports no default-domain opset");
  // Opsets 1-6 differ from 7 only in legacy attributes (binary ops' explicit
  // `broadcast`/`axis`), which the op importers reject where they matter.
  if (opset < 1 || opset > onnx_import::kMaxOpset)
    return fail("opset " + Twine(opset) +
                " is not supported (Tessera handles opsets 1 to " +
                Twine(onnx_import::kMaxOpset) + ")");

  onnx::GraphProto &graph = *model.mutable_graph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc());
  builder.setInsertionPointToEnd(module->getBody());

  llvm::StringSet<> initializerNames;
  for (const auto &init : graph.initializer())
    initializerNames.insert(init.name());

  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const auto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue; // IR < 4 lists initializers as inputs too
    FailureOr<Type> type = input.type().has_tensor_type()
                               ? FailureOr<Type>(valueInfoType(input))
                               : aggregateInputType(input);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    argNames.push_back(input.name());
  }
  func = func::FuncOp::create(builder, fileLoc(), options.functionName,
                              builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  specializedArgs.resize(argNames.size());
  for (auto [i, name] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "graph.name", builder.getStringAttr(name));
    values[name] = entry->getArgument(i);
    argumentNames[entry->getArgument(i)] = name;
  }
  builder.setInsertionPointToEnd(entry);
  for (const auto &[name, t] : options.boundInputs) {
    auto it = llvm::find(argNames, name);
    if (it == argNames.end())
      return fail("--bind: the model has no input named '" + name + "'");
    BlockArgument arg = entry->getArgument(it - argNames.begin());
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!type)
      return fail("--bind: input '" + name +
                  "' is a sequence or optional, not a tensor");
    std::optional<DType> want = graph::toDType(type.getElementType());
    if (!want || *want != t.dtype())
      return fail("--bind: input '" + name + "' is " +
                  (want ? dtypeName(*want) : "of another type") +
                  " but the file holds " + dtypeName(t.dtype()));
    Value cst = graph::ConstantOp::create(
        builder, NameLoc::get(builder.getStringAttr(name), fileLoc()),
        graph::tensorToElements(context, t));
    arg.replaceAllUsesWith(cst);
    values[name] = cst;
    specializedArgs.set(arg.getArgNumber());
  }

  for (auto &init : *graph.mutable_initializer()) {
    FailureOr<ElementsAttr> attr = constantFromProto(init);
    if (failed(attr))
      return nullptr;
    Location loc = NameLoc::get(builder.getStringAttr(init.name()), fileLoc());
    values[init.name()] = graph::ConstantOp::create(builder, loc, *attr);
  }

  if (failed(importNodes(graph)))
    return nullptr;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const auto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end())
      return fail("graph output '" + output.name() +
                  "' is not produced by any node");
    results.push_back(it->second);
    resultTypes.push_back(it->second.getType());
  }
  func::ReturnOp::create(builder, fileLoc(), results);
  onnx_import::eraseDeadAggregateOps(*entry);
  func.setType(builder.getFunctionType(argTypes, resultTypes));
  if (specializedArgs.any()) {
    SmallVector<Attribute> names;
    for (unsigned i : specializedArgs.set_bits())
      names.push_back(builder.getStringAttr(argNames[i]));
    func->setAttr("graph.specialized_inputs", builder.getArrayAttr(names));
    if (failed(func.eraseArguments(specializedArgs)))
      return fail("cannot remove specialized inputs");
  }
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "graph.name", builder.getStringAttr(output.name()));

  if (failed(verify(*module)))
    return fail("the imported module does not verify");
  return module;
}

/// Puts the main graph's nodes in topological order (Kahn's algorithm, file
/// order among ready nodes). ONNX requires sorted graphs and its checker
/// rejects unsorted ones, which some exporters write and ONNX Runtime runs.
/// A graph with a cycle is left as it is for the checker (or the importer's
/// own sort) to report.
static void sortGraphNodes(onnx::GraphProto &graph) {
  int n = graph.node_size();
  llvm::StringMap<int> producer;
  for (int i = 0; i < n; ++i)
    for (const std::string &out : graph.node(i).output())
      if (!out.empty())
        producer[out] = i;
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> users(n);
  for (int i = 0; i < n; ++i) {
    llvm::StringSet<> deps;
    for (const std::string &in : graph.node(i).input())
      deps.insert(in);
    collectOuterReferences(graph.node(i), deps);
    for (const auto &entry : deps) {
      auto it = producer.find(entry.getKey());
      if (!entry.getKey().empty() && it != producer.end() && it->second != i) {
        ++pending[i];
        users[it->second].push_back(i);
      }
    }
  }
  std::vector<int> order;
  std::deque<int> ready;
  for (int i = 0; i < n; ++i)
    if (!pending[i])
      ready.push_back(i);
  bool sorted = true;
  while (!ready.empty()) {
    int i = ready.front();
    ready.pop_front();
    sorted = sorted && i == (int)order.size();
    order.push_back(i);
    for (int u : users[i])
      if (--pending[u] == 0)
        ready.push_back(u);
  }
  if ((int)order.size() != n || sorted)
    return;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  nodes.Swap(graph.mutable_node());
  for (int i : order)
    *graph.add_node() = std::move(*nodes.Mutable(i));
}

static bool hasExternalData(const onnx::ModelProto &model) {
  for (const auto &init : model.graph().initializer())
    if (init.data_location() == onnx::TensorProto::EXTERNAL)
      return true;
  return false;
}

/// ONNX's shape inference divides by some attributes without checking them
/// (a zero stride crashes it), so they are checked first.
static LogicalResult checkDivisorAttributes(const onnx::GraphProto &graph,
                                            Location loc) {
  static const char *const positiveLists[] = {"strides", "dilations",
                                              "kernel_shape"};
  static const char *const positiveInts[] = {"group", "blocksize"};
  for (const onnx::NodeProto &node : graph.node()) {
    for (const onnx::AttributeProto &a : node.attribute()) {
      for (const char *name : positiveLists)
        if (a.name() == name)
          for (int64_t v : a.ints())
            if (v <= 0)
              return emitError(loc) << "node '" << node.name() << "' ("
                                    << node.op_type() << "): attribute '"
                                    << name << "' must be positive, got " << v;
      for (const char *name : positiveInts)
        if (a.name() == name && a.has_i() && a.i() <= 0)
          return emitError(loc) << "node '" << node.name() << "' ("
                                << node.op_type() << "): attribute '" << name
                                << "' must be positive, got " << a.i();
    }
  }
  return success();
}

/// The model's version of the default ONNX domain (0 when it imports none).
static int64_t defaultOpset(const onnx::ModelProto &model) {
  int64_t opset = 0;
  for (const auto &imp : model.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      opset = imp.version();
  return opset;
}

static OwningOpRef<ModuleOp>
importParsed(onnx::ModelProto &model, const std::string &filePath,
             const std::string &displayName, const std::string &baseDir,
             MLIRContext *context, const OnnxImportOptions &options) {
  registerImportDialects(*context);
  Location loc = FileLineColLoc::get(context, displayName, 0, 0);
  sortGraphNodes(*model.mutable_graph());
  if (model.ir_version() > onnx_import::kMaxIrVersion) {
    emitError(loc) << "IR version " << model.ir_version()
                   << " is not supported (Tessera reads IR versions up to "
                   << onnx_import::kMaxIrVersion << ")";
    return nullptr;
  }
  // ONNX 1.12's checker and shape inference stop at IR 8 and opset 17: newer
  // models go to them as a clamped copy whose newer nodes they skip (the
  // importer checks those against their own signatures).
  int64_t opset = defaultOpset(model);
  bool newer = model.ir_version() > onnx_import::kOnnxLibraryMaxIrVersion ||
               opset > onnx_import::kOnnxLibraryMaxOpset;
  onnx::ModelProto clamped;
  if (newer) {
    clamped = model;
    onnx_import::clampForOnnxLibrary(clamped, opset);
  }
  onnx::ModelProto &forLibrary = newer ? clamped : model;
  if (options.runChecker) {
    try {
      // The checker resolves external data against the model's directory,
      // which only its path-taking overload knows (it reads the file, so a
      // newer model's external data is checked by the importer instead).
      if (!filePath.empty() && hasExternalData(model) && !newer)
        onnx::checker::check_model(filePath);
      else
        onnx::checker::check_model(forLibrary);
    } catch (const std::exception &e) {
      emitError(loc) << "the ONNX checker rejects the model: " << e.what();
      return nullptr;
    }
  }
  if (failed(checkDivisorAttributes(model.graph(), loc)))
    return nullptr;
  // Shape inference reads initializer data and axes without checking them.
  std::string checkError;
  if (!onnx_import::checkInlineTensors(model, checkError) ||
      !onnx_import::checkNormalizationAxes(forLibrary, checkError) ||
      !onnx_import::checkInputRanks(forLibrary, checkError)) {
    emitError(loc) << checkError;
    return nullptr;
  }
  try {
    onnx::ShapeInferenceOptions siOptions(/*check_type=*/false,
                                          /*strict_mode=*/0);
    onnx::shape_inference::InferShapes(
        forLibrary, onnx::OpSchemaRegistry::Instance(), siOptions);
  } catch (const std::exception &e) {
    emitError(loc) << "ONNX shape inference failed: " << e.what();
    return nullptr;
  }
  OnnxImporter importer(context, options, displayName, baseDir);
  return importer.importModel(model);
}

static OwningOpRef<ModuleOp>
importFromBuffer(StringRef bytes, const std::string &displayName,
                 const std::string &baseDir, MLIRContext *context,
                 const OnnxImportOptions &options,
                 std::function<void()> release, const std::string &filePath) {
  registerImportDialects(*context);
  if (bytes.size() > (size_t)INT_MAX) {
    emitError(FileLineColLoc::get(context, displayName, 0, 0))
        << "the model file is " << bytes.size()
        << " bytes; protobuf files over 2 GiB cannot be parsed, store the "
           "weights as external data";
    return nullptr;
  }
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream stream(
      reinterpret_cast<const uint8_t *>(bytes.data()), (int)bytes.size());
  stream.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    emitError(FileLineColLoc::get(context, displayName, 0, 0))
        << "not a valid ONNX model: protobuf parsing failed "
        << "near byte offset " << stream.CurrentPosition() << " of "
        << bytes.size() << " (truncated or corrupt file?)";
    return nullptr;
  }
  // The parsed model owns its data now; drop the file image.
  if (release)
    release();
  if (!model.has_graph()) {
    emitError(FileLineColLoc::get(context, displayName, 0, 0))
        << "not an ONNX model (no graph)";
    return nullptr;
  }
  return importParsed(model, filePath, displayName, baseDir, context, options);
}

OwningOpRef<ModuleOp> importOnnxBytes(const std::string &bytes,
                                      const std::string &displayName,
                                      const std::string &baseDir,
                                      MLIRContext *context,
                                      const OnnxImportOptions &options) {
  return importFromBuffer(bytes, displayName, baseDir, context, options,
                          nullptr, "");
}

bool listOnnxInputs(const std::string &path, std::vector<std::string> &names,
                    std::string &error) {
  std::string bytes;
  if (!readFileBounded(path, kMaxModelFileBytes, "protobuf ONNX model", bytes,
                       error))
    return false;
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream stream(
      reinterpret_cast<const uint8_t *>(bytes.data()), (int)bytes.size());
  stream.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&stream)) {
    error = path + ": not a valid ONNX model";
    return false;
  }
  llvm::StringSet<> initializers;
  for (const auto &init : model.graph().initializer())
    initializers.insert(init.name());
  names.clear();
  for (const auto &input : model.graph().input())
    if (!initializers.contains(input.name()))
      names.push_back(input.name());
  return true;
}

OwningOpRef<ModuleOp> importOnnxFile(const std::string &path,
                                     MLIRContext *context,
                                     const OnnxImportOptions &options) {
  registerImportDialects(*context);
  StringRef dir = llvm::sys::path::parent_path(path);
  std::string baseDir = dir.empty() ? "." : dir.str();
  // A model file within the limit is mapped, not read: its weights are
  // copied once, by the protobuf parser, instead of the page cache being
  // copied into a freshly zeroed string first (a fifth of the compile time
  // of a 330 MB decoder layer). Anything else takes the bounded read below,
  // which also names every error.
  uint64_t size = 0;
  if (isRegularFile(path) && !llvm::sys::fs::file_size(path, size) &&
      size <= kMaxModelFileBytes) {
    auto mapped = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (mapped)
      return importFromBuffer((*mapped)->getBuffer(), path, baseDir, context,
                              options, [&] { mapped->reset(); }, path);
  }
  auto bytes = std::make_unique<std::string>();
  std::string error;
  if (!readFileBounded(path, kMaxModelFileBytes,
                       "protobuf ONNX model (store weights as external data)",
                       *bytes, error)) {
    emitError(FileLineColLoc::get(context, path, 0, 0)) << error;
    return nullptr;
  }
  return importFromBuffer(
      *bytes, path, baseDir, context, options, [&] { bytes.reset(); }, path);
}

} // namespace tessera
