//===- GraphToNpu.cpp - graph ops -> npu.dispatch, and layer grouping -----===//
#include "DispatchKernels.h"

#include "Graph/IR/GraphDialect.h"
#include "Npu/IR/NpuDialect.h"
#include "tessera/Conversion/ModuleTarget.h"
#include "tessera/Conversion/Passes.h"
#include "tessera/Target/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/StringExtras.h"

#include <cstring>

namespace tessera::conversion {
#define GEN_PASS_DEF_GRAPHTONPU
#define GEN_PASS_DEF_NPUFUSE
#include "Npu/Transforms/Passes.h.inc"
} // namespace tessera::conversion

using namespace mlir;
using namespace tessera;
using namespace tessera::conversion;

/// A dispatch with none of the attributes later passes set (tiling, cores,
/// layout, addresses, scratch, dead ranges).
static npu::DispatchOp newDispatch(OpBuilder &b, Location loc, TypeRange types,
                                   npu::Engine engine, ValueRange inputs) {
  return npu::DispatchOp::create(b, loc, types, engine, inputs, nullptr,
                                 nullptr, nullptr, nullptr, nullptr, nullptr);
}

static RankedTensorType withElement(Type t, DType d) {
  auto rt = cast<RankedTensorType>(t);
  return RankedTensorType::get(rt.getShape(),
                               graph::toMlirType(rt.getContext(), d));
}

static bool isSplatConstant(Value v) {
  auto c = v.getDefiningOp<graph::ConstantOp>();
  auto a = c ? dyn_cast<DenseElementsAttr>(c.getValue()) : nullptr;
  return a && a.isSplat();
}

/// Constant gather/scatter indices are checked at compile time: the NPU
/// kernels do not bounds-check them, and an index outside the data would
/// read or write GM the tensor does not own.
static LogicalResult checkConstantIndices(Operation *op,
                                          const std::string &node) {
  auto shapeOf = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  };
  auto constantOf = [](Value v) -> std::optional<Tensor> {
    auto c = v.getDefiningOp<graph::ConstantOp>();
    if (!c)
      return std::nullopt;
    FailureOr<Tensor> t = graph::elementsToTensor(c.getValue());
    return succeeded(t) ? std::optional<Tensor>(std::move(*t)) : std::nullopt;
  };
  Value data, indices;
  int64_t axis = 0;
  bool nd = false;
  if (auto g = dyn_cast<graph::GatherOp>(op)) {
    data = g.getInput(), indices = g.getIndices(), axis = (int64_t)g.getAxis();
  } else if (auto g = dyn_cast<graph::GatherElementsOp>(op)) {
    data = g.getInput(), indices = g.getIndices(), axis = (int64_t)g.getAxis();
  } else if (auto s = dyn_cast<graph::ScatterElementsOp>(op)) {
    data = s.getData(), indices = s.getIndices(), axis = (int64_t)s.getAxis();
  } else if (auto g = dyn_cast<graph::GatherNDOp>(op)) {
    if (g.getBatchDims() != 0)
      return success(); // batched: the golden evaluator checks at run time
    data = g.getData(), indices = g.getIndices(), nd = true;
  } else if (auto s = dyn_cast<graph::ScatterNDOp>(op)) {
    data = s.getData(), indices = s.getIndices(), nd = true;
  } else {
    return success();
  }
  std::optional<Tensor> idx = constantOf(indices);
  if (!idx || idx->numElements() == 0)
    return success();
  ArrayRef<int64_t> dataShape = shapeOf(data);
  int64_t rank = (int64_t)dataShape.size();
  int64_t tuple = nd ? (idx->rank() ? idx->shape().back() : 0) : 1;
  if (!nd && axis < 0)
    axis += rank;
  if (tuple <= 0 || (nd && tuple > rank) || (!nd && (axis < 0 || axis >= rank)))
    return success(); // malformed shapes are the verifier's to report
  for (int64_t i = 0; i < idx->numElements(); ++i) {
    int64_t d = nd ? dataShape[i % tuple] : dataShape[axis];
    int64_t v = idx->getI(i);
    if (v < -d || v >= d)
      return op->emitError("node '")
             << node << "' (" << op->getName() << "): constant index " << v
             << " (element " << i << " of the indices) is out of range for "
             << (nd ? "dimension " : "axis ") << (nd ? i % tuple : axis)
             << " of size " << d;
  }
  return success();
}

namespace {

struct GraphToNpuPass
    : public conversion::impl::GraphToNpuBase<GraphToNpuPass> {
  using GraphToNpuBase::GraphToNpuBase;

  DType precisionType = DType::F32;
  bool aicpuAvailable = false;

  /// Storage type of a model tensor type.
  FailureOr<RankedTensorType> storage(Location loc, Type t, bool io,
                                      StringRef what) {
    auto rt = cast<RankedTensorType>(t);
    auto d = storageDType(rt.getElementType(), precisionType, io);
    if (!d) {
      emitError(loc) << what << ": element type " << rt.getElementType()
                     << " has no storage type on the NPU";
      return failure();
    }
    return withElement(t, *d);
  }

  LogicalResult convertFunc(func::FuncOp func);

  void runOnOperation() override {
    if (precision == "f32")
      precisionType = DType::F32;
    else if (precision == "bf16")
      precisionType = DType::BF16;
    else if (precision == "f16")
      precisionType = DType::F16;
    else {
      emitError(getOperation().getLoc())
          << "--precision must be f32, bf16 or f16 (got '" << precision << "')";
      return signalPassFailure();
    }
    const target::TargetDesc *t = getModuleTarget(getOperation());
    if (!t)
      return signalPassFailure();
    aicpuAvailable = t->aicpu.present && t->crossCoreFlags > 0;
    for (auto func :
         llvm::make_early_inc_range(getOperation().getOps<func::FuncOp>()))
      if (failed(convertFunc(func)))
        return signalPassFailure();
  }
};

} // namespace

/// The raw bytes of a constant in its own element type, or an empty array
/// (a splat, or a type whose bytes are not its elements one after another).
static ArrayRef<char> rawBytesOf(graph::ConstantOp c) {
  auto type = cast<RankedTensorType>(c.getType());
  std::optional<DType> d = graph::toDType(type.getElementType());
  if (!d || *d == DType::Bool)
    return {};
  size_t size = (size_t)type.getNumElements() * dtypeByteSize(*d);
  ArrayRef<char> raw;
  if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getValue())) {
    if (AsmResourceBlob *blob = res.getRawHandle().getBlob())
      raw = blob->getData();
  } else if (auto dense = dyn_cast<DenseElementsAttr>(c.getValue())) {
    if (!dense.isSplat())
      raw = dense.getRawData();
  }
  return raw.size() == size ? raw : ArrayRef<char>();
}

/// `concat` of constants of one element type as a new constant whose blob
/// holds each source's rows in turn; null when the sources differ in type
/// or a source's bytes are not plainly readable (the caller evaluates the
/// op instead).
static graph::ConstantOp concatenateBytes(OpBuilder &b, graph::ConcatOp concat,
                                          ArrayRef<graph::ConstantOp> sources) {
  auto type = cast<RankedTensorType>(concat.getType());
  graph::ConstantOp first = sources.front();
  Type element = cast<RankedTensorType>(first.getType()).getElementType();
  SmallVector<ArrayRef<char>> raws;
  for (graph::ConstantOp c : sources) {
    if (cast<RankedTensorType>(c.getType()).getElementType() != element)
      return nullptr;
    raws.push_back(rawBytesOf(c));
    if (raws.back().empty())
      return nullptr;
  }
  int64_t rank = type.getRank();
  int64_t axis = (int64_t)concat.getAxis(); // I64Attr: signed in storage
  if (axis < 0)
    axis += rank;
  // Rows of the result: the dimensions before `axis`; each source adds its
  // slab of bytes (its `axis` and later dimensions) to every row.
  int64_t rows = 1;
  for (int64_t d = 0; d < axis; ++d)
    rows *= type.getDimSize(d);
  size_t total = 0;
  for (ArrayRef<char> raw : raws)
    total += raw.size();
  // The rows, each source's slab in turn, as `visit(offset, bytes)`.
  auto forEachSlab = [&](auto visit) {
    size_t at = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (ArrayRef<char> raw : raws) {
        size_t slab = raw.size() / (size_t)rows;
        if (!visit(at, raw.data() + r * slab, slab))
          return false;
        at += slab;
      }
    return true;
  };
  // Stacked already by the other program of a generation compile (a MoE
  // layer's experts: 1.1 GB for each of DeepSeek-V2-Lite's layers): the
  // same key and the same bytes take its blob, not a second copy.
  std::string key = nodeName(concat) + ".folded";
  if (std::optional<DenseResourceElementsHandle> done =
          graph::findResourceBlob(b.getContext(), key, total)) {
    const char *have = done->getBlob()->getData().data();
    if (forEachSlab([&](size_t at, const char *src, size_t n) {
          return std::memcmp(have + at, src, n) == 0;
        }))
      return graph::ConstantOp::create(
          b, concat.getLoc(),
          cast<ElementsAttr>(
              DenseResourceElementsAttr::get(type.clone(element), *done)));
  }
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocate(total, alignof(uint64_t), false);
  char *out = blob.getMutableData().data();
  forEachSlab([&](size_t at, const char *src, size_t n) {
    std::memcpy(out + at, src, n);
    return true;
  });
  auto attr =
      DenseResourceElementsAttr::get(type.clone(element), key, std::move(blob));
  return graph::ConstantOp::create(b, concat.getLoc(),
                                   cast<ElementsAttr>(attr));
}

LogicalResult GraphToNpuPass::convertFunc(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  Block &entry = func.getBody().front();
  OpBuilder b(ctx);
  IRMapping map; // model value -> storage value

  // Sequences and optionals have no NPU form (the golden evaluator runs
  // them): say which value or node holds one.
  for (BlockArgument arg : entry.getArguments())
    if (graph::isAggregateType(arg.getType())) {
      auto name =
          func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "graph.name");
      return func.emitError("input '")
             << (name ? name.str() : "#" + std::to_string(arg.getArgNumber()))
             << "' is a " << arg.getType()
             << "; sequences and optionals run on the golden path only";
    }
  for (Operation &op : entry)
    if (isa<graph::SeqConstructOp, graph::SeqAtOp, graph::OptWrapOp,
            graph::OptNoneOp, graph::OptGetOp>(op))
      return op.emitError("no NPU lowering for node '")
             << nodeName(&op) << "' (" << op.getName()
             << "): sequences and optionals run on the golden path only";

  // Inputs: device types at the program boundary. A KV cache (an input
  // that a cache update writes in place) stays on the device between calls
  // and is stored at the working precision, as DeepSeek's and vLLM's bf16
  // caches are: an f32 cache would double the bytes every decode step reads
  // and make each reader convert the whole cache first. Other float inputs
  // and outputs keep their model type.
  auto isCacheState = [](Value v) {
    return v.hasOneUse() && isInPlaceOp(*v.getUsers().begin()) &&
           v.getUses().begin()->getOperandNumber() == 0;
  };
  SmallVector<Type> argTypes;
  for (BlockArgument arg : entry.getArguments()) {
    auto st = storage(func.getLoc(), arg.getType(), /*io=*/!isCacheState(arg),
                      "input #" + std::to_string(arg.getArgNumber()));
    if (failed(st))
      return failure();
    argTypes.push_back(*st);
  }
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  llvm::DenseSet<Value> returned(ret.getOperands().begin(),
                                 ret.getOperands().end());
  // New arguments hold the storage types; the old ones map onto them.
  SmallVector<BlockArgument> oldArgs(entry.getArguments().begin(),
                                     entry.getArguments().end());
  for (auto [arg, t] : llvm::zip(oldArgs, argTypes)) {
    BlockArgument na = entry.addArgument(t, arg.getLoc());
    map.map(arg, na);
  }

  // A weight-layout manifest's constants have a type and no bytes: what is
  // derived from them at compile time (a storage conversion, a slice, a
  // transpose, a concatenation) is a constant of the derived type without
  // bytes too, so a compile from a manifest lays out the constants a
  // compile from the weights would (NpuToIsa gives them room by size).
  auto hasBytes = [](graph::ConstantOp c) {
    auto res = dyn_cast<DenseResourceElementsAttr>(c.getValue());
    return !res || res.getRawHandle().getBlob();
  };
  // Such a constant is known by name alone (the prefill and decode
  // programs of one weight file share a name's room), so the name says
  // what it is derived from and how: `what` (the storage type, the folded
  // op and its attributes) and the sources' names.
  auto withoutBytes = [&](OpBuilder &at, Location loc, Type type,
                          StringRef what, ArrayRef<graph::ConstantOp> sources) {
    std::string key = what.str();
    for (graph::ConstantOp c : sources)
      key += "|" + nodeName(c);
    std::string name = nodeName(sources.front()) + ":" +
                       llvm::utohexstr(target::fnv1a64(key.data(), key.size()));
    auto handle =
        DenseResourceElementsHandle::getManagerInterface(ctx).insert(name);
    return graph::ConstantOp::create(
        at, NameLoc::get(StringAttr::get(ctx, name), loc),
        DenseResourceElementsAttr::get(cast<ShapedType>(type), handle));
  };

  // Constants converted to a storage type, cached.
  std::map<std::pair<Operation *, const void *>, Value> constCache;
  auto constantAs = [&](graph::ConstantOp c, Type t) -> FailureOr<Value> {
    auto key = std::make_pair(c.getOperation(), t.getAsOpaquePointer());
    if (auto it = constCache.find(key); it != constCache.end())
      return it->second;
    OpBuilder cb(c);
    Value v;
    auto d = graph::toDType(cast<RankedTensorType>(t).getElementType());
    FailureOr<ElementsAttr> half = failure();
    if (c.getType() != t && d)
      half = graph::castResourceToHalf(c.getValue(), *d);
    if (c.getType() == t) {
      v = c.getResult();
    } else if (!hasBytes(c)) {
      std::string what;
      llvm::raw_string_ostream(what) << t;
      v = withoutBytes(cb, c.getLoc(), t, what, {c}).getResult();
    } else if (succeeded(half)) { // an imported weight, f32 to bf16/f16
      v = graph::ConstantOp::create(cb, c.getLoc(), *half).getResult();
    } else {
      FailureOr<Tensor> host = graph::elementsToTensor(c.getValue());
      if (failed(host) || !d)
        return c.emitError("cannot read constant for conversion"), failure();
      Tensor conv = host->castTo(*d);
      // uint32 keeps its bit pattern in i32 storage; every other integer
      // (uint64 included: its values must lie in [0, 2^31)) must fit.
      if (!host->isFloat() && *d == DType::I32 && host->dtype() != DType::U32)
        for (int64_t i = 0; i < host->numElements(); ++i)
          if (host->getI(i) != conv.getI(i) ||
              (host->dtype() == DType::U64 && host->getI(i) < 0))
            return c.emitError("constant value ")
                       << host->getI(i)
                       << " does not fit the NPU's 32-bit integers",
                   failure();
      auto attr = graph::tensorToElements(ctx, conv);
      v = graph::ConstantOp::create(cb, c.getLoc(), cast<ElementsAttr>(attr))
              .getResult();
    }
    constCache[key] = v;
    return v;
  };

  // A copy/cast kernel: yields its argument in another storage type.
  auto castDispatch = [&](Location loc, Value from, Type modelType,
                          Type to) -> Value {
    auto d = newDispatch(b, loc, TypeRange{to}, npu::Engine::vector,
                         ValueRange{from});
    Block *blk = new Block();
    d.getBody().push_back(blk);
    BlockArgument a = blk->addArgument(modelType, loc);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToEnd(blk);
    npu::YieldOp::create(b, loc, ValueRange{a});
    return d.getResult(0);
  };

  // Values known at compile time are not work for every call: a weight
  // cast to the model's f32 (a bf16 checkpoint's tensors are imported as
  // bf16 constants and a cast), and the slices, transposes, reshapes and
  // concatenations of weights an import leaves (MLA's kv_b_proj split into
  // W_UK and W_UV per head) would otherwise be copy kernels reading and
  // writing whole weights at every decode step. `folded` maps such a model
  // value to a constant holding it in the constant's own element type (a
  // bf16 weight stays bf16 behind an f32 cast; constantAs converts it to
  // the storage type once, if at all).
  llvm::DenseMap<Value, graph::ConstantOp> folded;
  auto constantFor = [&](Value v) -> graph::ConstantOp {
    if (auto c = v.getDefiningOp<graph::ConstantOp>())
      return c;
    return folded.lookup(v);
  };
  auto elementOf = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getElementType();
  };
  auto isFloat = [](Type t) {
    return isa<FloatType>(cast<RankedTensorType>(t).getElementType());
  };
  // Folds `op` when its operands are compile-time values; false leaves it
  // to a kernel.
  auto foldAtCompileTime = [&](Operation &op) -> FailureOr<bool> {
    if (op.getNumResults() != 1 || op.getNumOperands() == 0)
      return false;
    SmallVector<graph::ConstantOp> sources;
    for (Value v : op.getOperands()) {
      graph::ConstantOp c = constantFor(v);
      if (!c)
        return false;
      sources.push_back(c);
    }
    Value result = op.getResult(0);
    graph::ConstantOp src = sources.front();
    if (auto cast = dyn_cast<graph::CastOp>(op)) {
      // Float to float only: integer casts change values the kernels index
      // with, and a narrowing cast must round where the model says.
      if (!isFloat(cast.getInput().getType()) || !isFloat(result.getType()) ||
          elementOf(cast.getInput()).getIntOrFloatBitWidth() >
              elementOf(result).getIntOrFloatBitWidth())
        return false;
      // Folded when the weight's own type is what the result is stored
      // as (a bf16 weight of a bf16 program: no conversion at all) or the
      // storage is f32 (exact, once at compile time). An f16 weight of a
      // bf16 program keeps its cast, fused into the kernel that reads it:
      // rounding the weight to bf16 would lose bits the model keeps.
      DType stored = *storageDType(elementOf(result), precisionType, false);
      DType own = *graph::toDType(elementOf(src.getResult()));
      if (stored != own && stored != DType::F32)
        return false;
      folded[result] = src;
      return true;
    }
    if (auto reshape = dyn_cast<graph::ReshapeOp>(op)) {
      // The same bytes under another shape (no copy, bytes or not).
      auto type = cast<RankedTensorType>(result.getType())
                      .clone(elementOf(src.getResult()));
      ElementsAttr value;
      if (auto res = dyn_cast<DenseResourceElementsAttr>(src.getValue()))
        value = DenseResourceElementsAttr::get(type, res.getRawHandle());
      else if (auto dense = dyn_cast<DenseElementsAttr>(src.getValue()))
        value = dense.reshape(type);
      else
        return false;
      // (Without bytes, a constant is known by its name: the reshaped one
      // keeps its source's, as it keeps its bytes.)
      folded[result] = graph::ConstantOp::create(
          b, hasBytes(src) ? op.getLoc() : src.getLoc(), value);
      return true;
    }
    if (!isa<graph::SliceOp, graph::TransposeOp, graph::ConcatOp>(op))
      return false;
    // Every operand's values came from the first source's element type (a
    // concatenation of one weight's pieces, a slice of one weight): stored
    // in it, they are the same values in fewer bytes.
    bool sameSource = llvm::all_of(sources, [&](graph::ConstantOp c) {
      return elementOf(c.getResult()) == elementOf(src.getResult());
    });
    if (!llvm::all_of(sources, hasBytes)) {
      auto type = cast<RankedTensorType>(result.getType());
      std::string what;
      llvm::raw_string_ostream os(what);
      os << op.getName() << op.getAttrDictionary() << result.getType();
      folded[result] = withoutBytes(
          b, op.getLoc(),
          sameSource ? type.clone(elementOf(src.getResult())) : type, what,
          sources);
      return true;
    }
    // A concatenation of weights of one element type (a MoE layer's experts
    // stacked, 1.1 GB for DeepSeek-V2-Lite) copies each source's bytes once
    // into the result, without host tensors in between.
    if (auto concat = dyn_cast<graph::ConcatOp>(op))
      if (graph::ConstantOp joined = concatenateBytes(b, concat, sources)) {
        folded[result] = joined;
        return true;
      }
    auto eval = dyn_cast<graph::EvaluableOpInterface>(op);
    if (!eval)
      return false;
    SmallVector<Tensor> operands, results;
    for (auto [v, c] : llvm::zip(op.getOperands(), sources)) {
      FailureOr<Tensor> t = graph::elementsToTensor(c.getValue());
      if (failed(t))
        return op.emitError("cannot read constant operand of node '")
               << nodeName(&op) << "'";
      operands.push_back(t->castTo(*graph::toDType(elementOf(v))));
    }
    if (failed(eval.evaluate(operands, results)))
      return failure();
    DType stored = *graph::toDType(elementOf(src.getResult()));
    Tensor value = sameSource ? results.front().castTo(stored)
                              : std::move(results.front());
    Value c = graph::createTensorConstant(b, op.getLoc(),
                                          nodeName(&op) + ".folded", value);
    folded[result] = c.getDefiningOp<graph::ConstantOp>();
    return true;
  };

  SmallVector<Operation *> toErase;
  for (Operation &op : llvm::make_early_inc_range(entry.without_terminator())) {
    if (isa<graph::ConstantOp>(&op))
      continue;
    if (op.getDialect() == nullptr ||
        op.getDialect()->getNamespace() != "graph") {
      return op.emitError("'") << op.getName()
                               << "' is not a graph op; tessera-graph-to-npu "
                                  "lowers graph dialect functions";
    }
    std::string name = nodeName(&op);
    if (failed(checkConstantIndices(&op, name)))
      return failure();
    b.setInsertionPoint(&op);
    FailureOr<bool> foldedNow = foldAtCompileTime(op);
    if (failed(foldedNow))
      return failure();
    if (*foldedNow) {
      toErase.push_back(&op);
      continue;
    }
    npu::Engine engine;
    std::string why;
    if (!engineFor(&op, engine, why, aicpuAvailable))
      return op.emitError("no NPU lowering for node '")
             << name << "' (" << op.getName() << "): " << why;
    // A cache update writes into its cache's buffer: nothing may read the
    // cache before the update after it, nor the buffer a view of it
    // (a reshape or a contiguous slice, which alias their operand) reads.
    auto ownsBuffer = [&](Value v) {
      for (;;) {
        if (!v.hasOneUse())
          return false;
        Operation *def = v.getDefiningOp();
        npu::Engine e;
        std::string ignored;
        if (!def || def->getNumOperands() == 0 ||
            !engineFor(def, e, ignored, aicpuAvailable) ||
            e != npu::Engine::view)
          return true;
        v = def->getOperand(0);
      }
    };
    if (isInPlaceOp(&op) && !ownsBuffer(op.getOperand(0)))
      return op.emitError("node '")
             << name << "' (" << op.getName()
             << "): the cache is updated in place on the NPU, so it must "
                "have no other user";
    b.setInsertionPoint(&op);
    // Operands: splat constants of vector work are cloned into the body.
    SmallVector<Value> inputs;
    SmallVector<Value> bodyOperands; // per op operand: block arg or clone
    SmallVector<std::pair<unsigned, graph::ConstantOp>> inlined;
    for (auto [i, v] : llvm::enumerate(op.getOperands())) {
      graph::ConstantOp c = constantFor(v);
      // (A quantized product's scales and zero points are operands of its
      // loads and epilogue, splat or not.)
      if (c && isSplatConstant(v) && !isLLMOp(&op) &&
          (engine == npu::Engine::vector || engine == npu::Engine::matrix) &&
          !(engine == npu::Engine::matrix && i < 2) &&
          !isa<graph::DequantMatMulOp, graph::WeightQuantMatMulOp>(op)) {
        inlined.push_back({(unsigned)i, c});
        continue;
      }
      Value sv;
      if (c) {
        bool matrixOperand = engine == npu::Engine::matrix && i < 2;
        // The MoE router's weight keeps its f32 (the router runs in f32),
        // and so do a block-quantized weight's scales (the dequantizing
        // load reads them as f32).
        bool router = isa<graph::MoEOp>(op) && i == 1;
        bool keep = router || (isa<graph::DequantMatMulOp>(op) && i == 2);
        // A router weight the checkpoint holds in the precision's own type
        // (a bf16 checkpoint compiled for bf16) stays in it: widening is
        // exact, and the cube's products of bf16 values accumulated in f32
        // are the f32 router's (HF widens both operands), at half the bytes.
        Type stored = v.getType();
        if (router && graph::toDType(elementOf(c.getResult())) == precisionType)
          stored = c.getType();
        auto st = storage(op.getLoc(), stored, /*io=*/keep, name);
        if (failed(st))
          return failure();
        Type t = *st;
        if (matrixOperand && isa<FloatType>(st->getElementType()))
          t = withElement(v.getType(), precisionType);
        auto cv = constantAs(c, t);
        if (failed(cv))
          return failure();
        sv = *cv;
      } else {
        sv = map.lookupOrNull(v);
        if (!sv)
          return op.emitError("operand #")
                 << i << " of node '" << name << "' has no NPU value";
      }
      if (engine == npu::Engine::matrix && i < 2) {
        auto et = cast<RankedTensorType>(sv.getType()).getElementType();
        Type want = withElement(sv.getType(), precisionType);
        if (isa<FloatType>(et) && sv.getType() != want)
          sv = castDispatch(op.getLoc(), sv, v.getType(), want);
      }
      if (engine == npu::Engine::gather && i == (isInPlaceOp(&op) ? 2u : 1u) &&
          !cast<RankedTensorType>(sv.getType()).getElementType().isInteger(32))
        return op.emitError("no NPU lowering for node '")
               << name << "' (" << op.getName()
               << "): gather indices must be 32- or 64-bit integers";
      if (isa<graph::DequantMatMulOp>(op) && i == 2 &&
          !cast<RankedTensorType>(sv.getType()).getElementType().isF32())
        sv = castDispatch(op.getLoc(), sv, v.getType(),
                          withElement(v.getType(), DType::F32));
      // The rows written into a cache take the cache's storage type.
      if (isInPlaceOp(&op) && i == 1 &&
          dtypeOfValue(sv) != dtypeOfValue(inputs[0]))
        sv = castDispatch(op.getLoc(), sv, v.getType(),
                          withElement(v.getType(), dtypeOfValue(inputs[0])));
      inputs.push_back(sv);
    }
    // Constants and scratch the lowering needs (index bases, masks, ...).
    LoweringNeeds needs;
    int64_t eb = 4;
    if (!inputs.empty())
      if (auto d0 = graph::toDType(
              cast<RankedTensorType>(inputs[0].getType()).getElementType()))
        eb = dtypeByteSize(*d0);
    if (!loweringNeeds(&op, eb, needs, why))
      return op.emitError("no NPU lowering for node '")
             << name << "' (" << op.getName() << "): " << why;
    SmallVector<Value> auxValues;
    for (auto [t, matrix] : llvm::zip(needs.aux, needs.auxIsMatrixOperand)) {
      DType st = matrix ? precisionType : t.dtype();
      auto attr = graph::tensorToElements(ctx, t.castTo(st));
      auxValues.push_back(
          graph::ConstantOp::create(b, op.getLoc(), cast<ElementsAttr>(attr))
              .getResult());
      inputs.push_back(auxValues.back());
    }
    // Views and gathers move data without converting it: a float result is
    // stored in its source's storage type (an f32 program input stays f32
    // through a Reshape or a Gather; a bf16 activation stays bf16), and a
    // scatter's updates are converted to its data's type first.
    Type movedElement;
    if ((engine == npu::Engine::view || engine == npu::Engine::gather) &&
        !inputs.empty()) {
      Type e0 = cast<RankedTensorType>(inputs[0].getType()).getElementType();
      if (isa<FloatType>(e0))
        movedElement = e0;
    }
    if (movedElement && isa<graph::ScatterElementsOp>(&op)) {
      auto ut = cast<RankedTensorType>(inputs[2].getType());
      if (isa<FloatType>(ut.getElementType()) &&
          ut.getElementType() != movedElement)
        inputs[2] = castDispatch(op.getLoc(), inputs[2],
                                 op.getOperand(2).getType(),
                                 ut.clone(movedElement));
    }
    SmallVector<Type> resultTypes;
    for (Value r : op.getResults()) {
      bool io = llvm::any_of(
          r.getUsers(), [&](Operation *u) { return isa<func::ReturnOp>(u); });
      auto st = storage(op.getLoc(), r.getType(), io, name);
      if (failed(st))
        return failure();
      if (movedElement && isa<FloatType>(st->getElementType()))
        resultTypes.push_back(st->clone(movedElement));
      else
        resultTypes.push_back(*st);
    }
    if (isInPlaceOp(&op)) // the result is the cache's buffer
      resultTypes[0] = inputs[0].getType();
    auto d = newDispatch(b, op.getLoc(), resultTypes, engine, inputs);
    Block *blk = new Block();
    d.getBody().push_back(blk);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToEnd(blk);
      IRMapping inner;
      unsigned argNo = 0;
      for (auto [i, v] : llvm::enumerate(op.getOperands())) {
        unsigned operand = (unsigned)i; // (a lambda cannot capture i)
        auto it =
            llvm::find_if(inlined, [&](auto &p) { return p.first == operand; });
        if (it != inlined.end()) {
          Operation *clone = b.clone(*it->second);
          inner.map(v, clone->getResult(0));
          continue;
        }
        (void)argNo;
        inner.map(v, blk->addArgument(v.getType(), v.getLoc()));
      }
      for (Value a : auxValues)
        blk->addArgument(a.getType(), op.getLoc());
      Operation *clone = b.clone(op, inner);
      npu::YieldOp::create(b, op.getLoc(), clone->getResults());
    }
    // The same translation the code generator runs, with placeholder
    // addresses: an op it cannot lower fails here, at its ONNX node.
    if (!needs.scratchBytes.empty())
      d.setScratchAttr(b.getDenseI64ArrayAttr(needs.scratchBytes));
    std::vector<Kernel> kernels;
    SmallVector<int64_t> addrs(d.getInputs().size() + d.getNumResults() +
                                   needs.scratchBytes.size(),
                               0);
    if (!translateDispatch(d, addrs, kernels, why))
      return op.emitError("no NPU lowering for node '")
             << name << "' (" << op.getName() << "): " << why;
    for (auto [o, n] : llvm::zip(op.getResults(), d.getResults()))
      map.map(o, n);
    toErase.push_back(&op);
  }

  // Results: each must be a buffer of its own written by a kernel.
  b.setInsertionPoint(ret);
  SmallVector<Value> results;
  llvm::DenseSet<Value> seen;
  for (Value v : ret.getOperands()) {
    Value sv = map.lookupOrNull(v);
    if (!sv) {
      if (graph::ConstantOp c = constantFor(v)) {
        auto st = storage(c.getLoc(), v.getType(), true, "output");
        if (failed(st))
          return failure();
        auto cv = constantAs(c, *st);
        if (failed(cv))
          return failure();
        sv = *cv;
        b.setInsertionPoint(ret);
      } else {
        return ret.emitError("an output has no NPU value");
      }
    }
    auto d = sv.getDefiningOp<npu::DispatchOp>();
    // An updated cache is returned in its input's (storage) type.
    Operation *def = v.getDefiningOp();
    bool cacheOut = def && isInPlaceOp(def) &&
                    isa<BlockArgument>(def->getOperand(0)) &&
                    isCacheState(def->getOperand(0));
    auto st = storage(ret.getLoc(), v.getType(), /*io=*/!cacheOut, "output");
    if (failed(st))
      return failure();
    bool own = d && d.getEngine() != npu::Engine::view && !seen.count(sv) &&
               sv.getType() == *st;
    if (!own)
      sv = castDispatch(ret.getLoc(), sv, v.getType(), *st);
    seen.insert(sv);
    results.push_back(sv);
  }
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  for (Operation *op : llvm::reverse(toErase))
    op->erase();
  // Drop the old arguments and dead constants.
  entry.eraseArguments(0, oldArgs.size());
  SmallVector<Operation *> dead;
  for (Operation &op : entry.without_terminator())
    if (isa<graph::ConstantOp>(&op) && op.use_empty())
      dead.push_back(&op);
  for (Operation *op : dead)
    op->erase();
  SmallVector<Type> resTypes;
  for (Value v : results)
    resTypes.push_back(v.getType());
  func.setType(FunctionType::get(ctx, argTypes, resTypes));
  return success();
}

//===----------------------------------------------------------------------===//
// Fusion
//===----------------------------------------------------------------------===//

namespace {

bool hasDataOrRowOp(npu::DispatchOp d, bool &row, bool &trailingKeep) {
  row = false;
  trailingKeep = true;
  // Kernels with scratch or extra constant operands stay on their own.
  if (d.getScratch() || llvm::any_of(d.getBody().front(), [](Operation &o) {
        return numAuxOperands(&o) > 0;
      }))
    return true;
  for (Operation &o : d.getBody().front().without_terminator()) {
    if (isa<graph::TransposeOp, graph::SliceOp, graph::ExpandOp, graph::TileOp,
            graph::ConcatOp, graph::SplitOp, graph::PadOp>(&o) ||
        isNNOp(&o) || isLLMOp(&o))
      return true;
    if (isa<graph::ReduceSumOp, graph::ReduceMeanOp, graph::ReduceMaxOp,
            graph::ReduceMinOp, graph::ReduceSumSquareOp, graph::ReduceLogSumOp,
            graph::ReduceLogSumExpOp, graph::SoftmaxOp, graph::LogSoftmaxOp,
            graph::LayerNormOp, graph::RMSNormOp, graph::LpNormOp,
            graph::InstanceNormOp, graph::MeanVarianceNormOp,
            graph::BatchNormOp>(&o)) {
      row = true;
      // Reductions that keep rank over trailing axes only.
      auto in = cast<RankedTensorType>(o.getOperand(0).getType());
      auto out = cast<RankedTensorType>(o.getResult(0).getType());
      if (in.getRank() != out.getRank())
        trailingKeep = false;
      for (int64_t i = 0; trailingKeep && i < in.getRank(); ++i)
        if (in.getDimSize(i) != out.getDimSize(i) && out.getDimSize(i) == 1) {
          for (int64_t j = i; j < in.getRank(); ++j)
            if (out.getDimSize(j) != 1 && in.getDimSize(j) != 1)
              trailingKeep = false;
          break;
        }
      if (isa<graph::SoftmaxOp, graph::LogSoftmaxOp, graph::LpNormOp>(&o)) {
        int64_t axis = o.getAttrOfType<IntegerAttr>("axis").getInt();
        if (axis < 0)
          axis += in.getRank();
        if (axis != in.getRank() - 1)
          trailingKeep = false;
      }
      if (isa<graph::InstanceNormOp, graph::BatchNormOp,
              graph::MeanVarianceNormOp>(&o))
        trailingKeep = false;
    }
  }
  return false;
}

/// The rows a vector dispatch's reductions reduce: every reduction's input
/// shape and axes, when they all agree (else `agree` is false), and whether
/// all but the last keep the reduced dims. A kernel computes several
/// reductions when they agree (DispatchKernels.cpp).
struct Rows {
  bool agree = true;
  bool allKeep = true;   // every reduction keeps its reduced dims
  bool innerKeep = true; // every one but the last does
  bool trailing = true;  // the reduced axes are the last ones
  std::vector<int64_t> shape, axes;
};

Rows rowsOf(npu::DispatchOp d) {
  Rows rows;
  bool first = true;
  for (Operation &o : d.getBody().front().without_terminator()) {
    // Norms and softmax (batch norm included, which isRowOp leaves to the
    // elementwise path) keep the rules of hasDataOrRowOp.
    if (isa<graph::SoftmaxOp, graph::LogSoftmaxOp, graph::LayerNormOp,
            graph::RMSNormOp, graph::LpNormOp, graph::InstanceNormOp,
            graph::MeanVarianceNormOp, graph::BatchNormOp>(&o)) {
      rows.agree = false;
      return rows;
    }
    if (!isRowOp(&o))
      continue;
    std::vector<int64_t> axes;
    bool keep;
    std::string why;
    if (!isa<graph::ReduceSumOp, graph::ReduceMeanOp, graph::ReduceMaxOp,
             graph::ReduceMinOp>(&o) ||
        !rowAxes(&o, axes, keep, why) || axes.empty()) {
      rows.agree = false;
      return rows;
    }
    std::vector<int64_t> shape = shapeOfValue(o.getOperand(0));
    if (first) {
      rows.shape = shape;
      rows.axes = axes;
      for (auto [i, a] : llvm::enumerate(llvm::reverse(axes)))
        if (a != (int64_t)(shape.size() - 1 - i))
          rows.trailing = false;
    } else if (shape != rows.shape || axes != rows.axes) {
      rows.agree = false;
    }
    if (!rows.allKeep)
      rows.innerKeep = false; // a dropping reduction was not the last
    rows.allKeep = rows.allKeep && keep;
    first = false;
  }
  if (first) // no reduction
    rows.agree = false;
  return rows;
}

/// The widest model shape in a dispatch (its iteration space when there is
/// no row op).
SmallVector<int64_t> widest(npu::DispatchOp d) {
  SmallVector<int64_t> best;
  int64_t bestN = -1;
  auto consider = [&](Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() > (int64_t)best.size() ||
        (t.getRank() == (int64_t)best.size() && t.getNumElements() > bestN)) {
      best.assign(t.getShape().begin(), t.getShape().end());
      bestN = t.getNumElements();
    }
  };
  for (BlockArgument a : d.getBody().front().getArguments())
    consider(a);
  for (Operation &o : d.getBody().front())
    for (Value r : o.getResults())
      consider(r);
  return best;
}

bool broadcastsInto(ArrayRef<int64_t> s, ArrayRef<int64_t> space) {
  if (s.size() > space.size())
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    int64_t a = s[s.size() - 1 - i], b = space[space.size() - 1 - i];
    if (a != b && a != 1)
      return false;
  }
  return true;
}

struct NpuFusePass : public conversion::impl::NpuFuseBase<NpuFusePass> {
  using NpuFuseBase::NpuFuseBase;

  /// Merges producer `p` into consumer `c` (placed at c). Returns the new op.
  npu::DispatchOp merge(npu::DispatchOp p, npu::DispatchOp c, bool keepPResults,
                        npu::Engine engine) {
    OpBuilder b(c);
    SmallVector<Value> inputs;
    for (Value v : p.getInputs())
      if (!llvm::is_contained(inputs, v))
        inputs.push_back(v);
    for (Value v : c.getInputs())
      if (v.getDefiningOp() != p.getOperation() &&
          !llvm::is_contained(inputs, v))
        inputs.push_back(v);
    SmallVector<Value> extraP;
    if (keepPResults)
      for (Value r : p.getResults())
        if (llvm::any_of(r.getUsers(),
                         [&](Operation *u) { return u != c.getOperation(); }))
          extraP.push_back(r);
    SmallVector<Type> types(c.getResultTypes());
    for (Value r : extraP)
      types.push_back(r.getType());
    auto m = newDispatch(b, c.getLoc(), types, engine, inputs);
    Block *blk = new Block();
    m.getBody().push_back(blk);
    IRMapping pm, cm;
    Block &pb = p.getBody().front(), &cb = c.getBody().front();
    for (Value v : inputs) {
      // The model type comes from whichever body had this operand.
      Type t;
      Location loc = v.getLoc();
      for (auto [i, pv] : llvm::enumerate(p.getInputs()))
        if (pv == v)
          t = pb.getArgument(i).getType();
      for (auto [i, cv] : llvm::enumerate(c.getInputs()))
        if (cv == v && !t)
          t = cb.getArgument(i).getType();
      BlockArgument a = blk->addArgument(t, loc);
      for (auto [i, pv] : llvm::enumerate(p.getInputs()))
        if (pv == v)
          pm.map(pb.getArgument(i), a);
      for (auto [i, cv] : llvm::enumerate(c.getInputs()))
        if (cv == v)
          cm.map(cb.getArgument(i), a);
    }
    OpBuilder ib = OpBuilder::atBlockEnd(blk);
    for (Operation &o : pb.without_terminator())
      ib.clone(o, pm);
    auto pYield = cast<npu::YieldOp>(pb.getTerminator());
    for (auto [i, cv] : llvm::enumerate(c.getInputs()))
      if (cv.getDefiningOp() == p.getOperation()) {
        unsigned ri = cast<OpResult>(cv).getResultNumber();
        cm.map(cb.getArgument(i), pm.lookup(pYield.getValues()[ri]));
      }
    for (Operation &o : cb.without_terminator())
      ib.clone(o, cm);
    SmallVector<Value> yields;
    for (Value v : cast<npu::YieldOp>(cb.getTerminator()).getValues())
      yields.push_back(cm.lookupOrDefault(v));
    for (Value r : extraP)
      yields.push_back(
          pm.lookup(pYield.getValues()[cast<OpResult>(r).getResultNumber()]));
    npu::YieldOp::create(ib, c.getLoc(), yields);
    for (auto [i, r] : llvm::enumerate(c.getResults()))
      r.replaceAllUsesWith(m.getResult(i));
    for (auto [i, r] : llvm::enumerate(extraP))
      r.replaceAllUsesWith(m.getResult(c.getNumResults() + i));
    c.erase();
    p.erase();
    return m;
  }

  bool tryVector(npu::DispatchOp c) {
    if (c.getEngine() != npu::Engine::vector)
      return false;
    bool cRow, cTrail;
    if (hasDataOrRowOp(c, cRow, cTrail))
      return false;
    // A consumer whose reductions agree over trailing axes takes producers
    // even when its last reduction drops them (the argmax's least index).
    Rows cRows = cRow ? rowsOf(c) : Rows();
    bool cDropsLast = cRows.agree && cRows.trailing && cRows.innerKeep;
    if (cRow && !cTrail && !cDropsLast)
      return false;
    for (Value in : c.getInputs()) {
      auto p = in.getDefiningOp<npu::DispatchOp>();
      if (!p || p.getEngine() != npu::Engine::vector ||
          p->getBlock() != c->getBlock())
        continue;
      bool pRow, pTrail;
      if (hasDataOrRowOp(p, pRow, pTrail))
        continue;
      if (pRow && !pTrail)
        continue;
      // Reductions on both sides: one kernel when they reduce the same rows
      // and the producer's keep their dims.
      if (pRow && cRow) {
        Rows pRows = rowsOf(p);
        if (!pRows.agree || !pRows.allKeep || !cRows.agree ||
            !cRows.innerKeep || pRows.shape != cRows.shape ||
            pRows.axes != cRows.axes)
          continue;
      }
      // Same iteration space: the producer's values fit the consumer's
      // space (or, with a row op in the producer, the consumer's fit its).
      SmallVector<int64_t> ps = widest(p), cs = widest(c);
      if (pRow ? !(broadcastsInto(cs, ps) && cs.size() == ps.size())
               : !broadcastsInto(ps, cs))
        continue;
      // Extra uses of p's results must come after c.
      bool ok = true;
      for (Value r : p.getResults())
        for (Operation *u : r.getUsers())
          if (u != c.getOperation() &&
              (u->getBlock() != c->getBlock() || u->isBeforeInBlock(c) ||
               isa<func::ReturnOp>(u)))
            ok = false;
      if (!ok)
        continue;
      merge(p, c, true, npu::Engine::vector);
      return true;
    }
    return false;
  }

  /// The op of a vector dispatch whose body is that op alone, else null.
  template <typename OpT> static OpT soleOp(npu::DispatchOp d) {
    Block &body = d.getBody().front();
    auto op = dyn_cast<OpT>(&body.front());
    if (d.getEngine() != npu::Engine::vector || !op ||
        op->getNextNode() != body.getTerminator())
      return nullptr;
    return op;
  }

  /// The vector dispatch making `v` alone (its only use), else null.
  static npu::DispatchOp soleProducer(Value v, npu::DispatchOp c) {
    auto p = v.getDefiningOp<npu::DispatchOp>();
    if (!p || p.getEngine() != npu::Engine::vector || !p->hasOneUse() ||
        p->getBlock() != c->getBlock() || p.getNumResults() != 1)
      return nullptr;
    return p;
  }

  /// The head merge (transpose [0, 2, 1, 3]) of an attention's result,
  /// its only use: one dispatch, the attention writing each query head's
  /// rows straight into the merged [batch, seq, heads, head_dim] layout
  /// (AttentionKernels.cpp). The merge was a copy of its own and a barrier
  /// before the output projection.
  bool tryHeadMergedAttention(npu::DispatchOp c) {
    auto headMerge = soleOp<graph::TransposeOp>(c);
    if (!isHeadTranspose(headMerge) || c.getInputs().size() != 1 ||
        !isa<BlockArgument>(headMerge.getInput()))
      return false;
    npu::DispatchOp p = soleProducer(c.getInputs()[0], c);
    Operation *attention = p ? attentionOfBody(p.getBody().front()) : nullptr;
    if (!attention || isHeadMergedAttention(attention))
      return false;
    std::optional<ArrayRef<int64_t>> scratch = p.getScratch();
    SmallVector<int64_t> keep;
    if (scratch)
      keep.assign(scratch->begin(), scratch->end());
    Location attentionLoc = p.getLoc();
    npu::DispatchOp m = merge(p, c, false, npu::Engine::vector);
    // Named (profiled) after the attention, as before; its scratch kept.
    m->setLoc(attentionLoc);
    if (scratch)
      m.setScratchAttr(OpBuilder(m).getDenseI64ArrayAttr(keep));
    return true;
  }

  /// The op of dispatch `c` that reads operands through layout views (an
  /// attention, a rotation), else null; `views`: how many of its first
  /// operands may be views.
  static Operation *viewReader(npu::DispatchOp c, unsigned &views) {
    Block &body = c.getBody().front();
    if (Operation *a = attentionOfBody(body)) {
      views = 3;
      return a;
    }
    if (Operation *r = ropeOfBody(body)) {
      views = 1;
      return r;
    }
    return nullptr;
  }

  /// Whether `c`'s reader may read its input `i` through `layout`, the op
  /// of the dispatch making it: the value reaches only the reader's view
  /// operands, through view layout ops (a reshape only adding or dropping
  /// unit dims once it reads a view), a concat only as an attention's query
  /// or key itself.
  static bool readsThrough(npu::DispatchOp c, unsigned i, Operation *layout) {
    unsigned views = 0;
    Operation *reader = viewReader(c, views);
    bool isConcat = isa<graph::ConcatOp>(layout);
    if (!reader || (isConcat && !isa<graph::AttentionOp>(reader)) ||
        llvm::count(c.getInputs(), c.getInputs()[i]) != 1)
      return false;
    auto reaches = [&](auto &self, Value v, bool afterConcat) -> bool {
      for (OpOperand &use : v.getUses()) {
        Operation *u = use.getOwner();
        if (u == reader) {
          if (use.getOperandNumber() >= (afterConcat ? 2u : views))
            return false;
          continue;
        }
        bool concat = isa<graph::ConcatOp>(u);
        if (afterConcat ||
            !(isViewLayoutOp(u) || (concat && isa<graph::AttentionOp>(reader) &&
                                    isAttentionLayoutOp(u))) ||
            (isa<graph::ReshapeOp>(u) && !reshapesUnitDims(u)) ||
            !self(self, u->getResult(0), concat))
          return false;
      }
      return true;
    };
    return reaches(reaches, c.getBody().front().getArgument(i), isConcat);
  }

  /// An attention or a rotation reading its operands through the layout
  /// changes that made them (view layout ops; for an attention's query and
  /// key also the concat of two parts): each dispatch making such an
  /// operand by one layout op, without converting its type, joins the
  /// reader's dispatch, and the kernel reads the buffer under it through a
  /// strided view (AttentionKernels.cpp, LLMKernels.cpp). One that feeds
  /// several readers joins each. DeepSeek's MLA prefill made its query and
  /// key by head splits, slices, the rotated key part expanded over the
  /// heads and two concats, and its value by a slice: a copy kernel each.
  bool tryLayoutViews(npu::DispatchOp c) {
    unsigned views;
    if (!viewReader(c, views))
      return false;
    for (auto [i, in] : llvm::enumerate(c.getInputs())) {
      auto p = in.getDefiningOp<npu::DispatchOp>();
      if (!p || p->getBlock() != c->getBlock() || p.getNumResults() != 1 ||
          p.getScratch() ||
          (p.getEngine() != npu::Engine::vector &&
           p.getEngine() != npu::Engine::view))
        continue;
      Block &pb = p.getBody().front();
      Operation *layout = &pb.front();
      if (layout->getNextNode() != pb.getTerminator() ||
          pb.getTerminator()->getOperand(0) != layout->getResult(0) ||
          !isAttentionLayoutOp(layout) ||
          llvm::any_of(layout->getOperands(),
                       [](Value v) { return !isa<BlockArgument>(v); }))
        continue;
      // A copy that converts (an f32 input's head split into a bf16
      // program's buffer) stays: a view reads the type under it.
      DType dt = dtypeOfValue(in);
      if (llvm::any_of(p.getInputs(),
                       [&](Value v) { return dtypeOfValue(v) != dt; }))
        continue;
      // A concat's second piece lands at its column offset in the local
      // tile: an aligned one (DeepSeek's 128 unrotated bf16 columns).
      if (isa<graph::ConcatOp>(layout)) {
        int64_t cols = cast<RankedTensorType>(layout->getOperand(0).getType())
                           .getShape()
                           .back();
        if ((uint64_t)(cols * dtypeByteSize(dt)) % attentionLocalAlign != 0)
          continue;
      }
      // Every reader of the value takes it as a view.
      bool everyReader = true;
      for (OpOperand &use : in.getUses()) {
        auto u = dyn_cast<npu::DispatchOp>(use.getOwner());
        everyReader &= u && u->getBlock() == c->getBlock() &&
                       readsThrough(u, use.getOperandNumber(), layout);
      }
      if (!everyReader)
        continue;
      // Another reader keeps p; this one takes a copy of it.
      npu::DispatchOp own = p;
      if (!in.hasOneUse()) {
        OpBuilder b(p);
        own = cast<npu::DispatchOp>(b.clone(*p));
        c->replaceUsesOfWith(in, own.getResult(0));
      }
      std::optional<ArrayRef<int64_t>> scratch = c.getScratch();
      SmallVector<int64_t> keep;
      if (scratch)
        keep.assign(scratch->begin(), scratch->end());
      Location loc = c.getLoc();
      npu::DispatchOp m = merge(own, c, false, c.getEngine());
      m->setLoc(loc);
      if (scratch)
        m.setScratchAttr(OpBuilder(m).getDenseI64ArrayAttr(keep));
      return true;
    }
    return false;
  }

  bool tryEpilogue(npu::DispatchOp c) {
    // c = single mul/div by a scalar or relu, fed by a matrix dispatch.
    if (c.getEngine() != npu::Engine::vector || c.getInputs().size() != 1)
      return false;
    auto p = c.getInputs()[0].getDefiningOp<npu::DispatchOp>();
    if (!p || p.getEngine() != npu::Engine::matrix || !p->hasOneUse() ||
        p.getResultTypes() != c.getResultTypes())
      return false;
    Block &cb = c.getBody().front();
    int computeOps = 0;
    for (Operation &o : cb.without_terminator()) {
      if (isa<graph::ConstantOp>(&o))
        continue;
      ++computeOps;
      bool scalarRhs = false;
      if (isa<graph::MulOp, graph::DivOp>(&o)) {
        auto cst = o.getOperand(1).getDefiningOp<graph::ConstantOp>();
        auto a = cst ? dyn_cast<DenseElementsAttr>(cst.getValue()) : nullptr;
        scalarRhs = a && a.isSplat() && isa<FloatType>(a.getElementType()) &&
                    isa<BlockArgument>(o.getOperand(0));
      }
      if (!scalarRhs &&
          !(isa<graph::ReluOp>(&o) && isa<BlockArgument>(o.getOperand(0))))
        return false;
    }
    if (computeOps != 1)
      return false;
    // Matmuls with a Gemm bias apply the bias after FIX: keep them apart.
    // Convolutions and other matrix-engine NN ops lower through their own
    // kernel sequence (im2col into scratch, matmul, bias) with no epilogue
    // slot, and merging would drop their scratch buffers.
    if (p.getScratch())
      return false;
    for (Operation &o : p.getBody().front()) {
      if (auto g = dyn_cast<graph::GemmOp>(&o); g && g.getC())
        return false;
      // Its per-channel scale is already the kernel's epilogue; a
      // block-quantized product keeps its kernel plain (not fused yet).
      if (isa<graph::WeightQuantMatMulOp, graph::DequantMatMulOp>(&o))
        return false;
      if (isNNOp(&o))
        return false;
    }
    merge(p, c, false, npu::Engine::matrix);
    return true;
  }

  /// c = an elementwise group fed by a linear layer (matmul with a 2-D
  /// weight), on a chip whose accumulator the vector unit can read.
  bool tryMatrixEpilogue(npu::DispatchOp c) {
    if (!unifiedLocal || c.getEngine() != npu::Engine::vector)
      return false;
    bool row, trail;
    if (hasDataOrRowOp(c, row, trail) || row)
      return false;
    for (Value in : c.getInputs()) {
      auto p = in.getDefiningOp<npu::DispatchOp>();
      if (!p || p.getEngine() != npu::Engine::matrix ||
          p.getNumResults() != 1 || !p->hasOneUse() ||
          p->getBlock() != c->getBlock())
        continue;
      graph::MatMulOp mm;
      for (Operation &o : p.getBody().front())
        if (auto m = dyn_cast<graph::MatMulOp>(&o))
          mm = m;
      if (!mm || cast<RankedTensorType>(mm.getRhs().getType()).getRank() != 2 ||
          cast<RankedTensorType>(mm.getLhs().getType()).getRank() < 2)
        continue;
      auto pt = cast<RankedTensorType>(p.getResult(0).getType());
      // The product is stored at the result's address in the result's type
      // and the epilogue reads it back: an epilogue that ends in another
      // element type (a cast to an integer, say) stays a kernel of its own.
      bool fits = c.getNumResults() == 1 &&
                  cast<RankedTensorType>(c.getResult(0).getType()) == pt;
      for (Value v : c.getInputs())
        fits = fits &&
               broadcastsInto(cast<RankedTensorType>(v.getType()).getShape(),
                              pt.getShape());
      if (!fits)
        continue;
      merge(p, c, false, npu::Engine::matrix);
      return true;
    }
    return false;
  }

  bool unifiedLocal = false;
  /// The strictest alignment of the local spaces an attention loads its
  /// query and key tiles into (a concat's second piece lands at a column
  /// offset there).
  uint64_t attentionLocalAlign = 1;

  void runOnOperation() override {
    const tessera::target::TargetDesc *target = getModuleTarget(getOperation());
    if (!target)
      return signalPassFailure();
    const tessera::target::TargetDesc &t = *target;
    // Does one local space serve both the accumulator and the vector unit?
    unifiedLocal = false;
    for (const auto &ct : t.coreTypes)
      if (ct.hasPipe(tessera::target::Pipe::M) &&
          ct.hasPipe(tessera::target::Pipe::V))
        for (auto sp : ct.spaces)
          if (t.spaceServes(sp, tessera::target::Space::L0C) &&
              t.spaceServes(sp, tessera::target::Space::UB))
            unifiedLocal = true;
    attentionLocalAlign = 1;
    for (auto sp : {tessera::target::Space::L1, tessera::target::Space::UB,
                    tessera::target::Space::LMEM})
      if (t.space(sp).present)
        attentionLocalAlign =
            std::max<uint64_t>(attentionLocalAlign, t.space(sp).align);
    bool changed = true;
    while (changed) {
      changed = false;
      SmallVector<npu::DispatchOp> ds;
      getOperation().walk([&](npu::DispatchOp d) { ds.push_back(d); });
      for (npu::DispatchOp d : ds)
        if (tryEpilogue(d) || tryMatrixEpilogue(d) || tryVector(d) ||
            tryLayoutViews(d) || tryHeadMergedAttention(d)) {
          changed = true;
          break;
        }
    }
  }
};

} // namespace
