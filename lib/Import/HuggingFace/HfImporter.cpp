//===- HfImporter.cpp - Hugging Face model directory -> graph IR ----------===//
//
// The decoder is written out op by op from the model code it mirrors (HF's
// modeling_llama / modeling_qwen2 / modeling_deepseek and DeepSeek-V3's own
// inference/model.py). Activations are [tokens, hidden] between layers and
// [1, heads, tokens, head_dim] inside attention. Every weight's dtype and
// shape is checked against what the config implies before it is used, so
// op construction never sees inconsistent shapes.
//
// MLA: prefill computes keys and values from the latent with kv_b_proj, as
// HF does; decode uses the absorbed form of DeepSeek's reference code, so
// its cache holds only the normalised latent and the rotated rope key.
//
//===----------------------------------------------------------------------===//

#include "tessera/Import/HuggingFace/HfImporter.h"
#include "tessera/Golden/QuantKernels.h"
#include "tessera/Support/Limits.h"

#include "Graph/IR/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace tessera::hf {

bool isHfModelDirectory(llvm::StringRef path) {
  // Any directory: one without config.json gets that error, not a parse
  // error about a file that is not IR.
  return llvm::sys::fs::is_directory(path);
}

int64_t cachePositionAxis(const ModelConfig &config) {
  return config.isDeepseek() ? 1 : 2;
}

bool parseLayerRange(llvm::StringRef spec, int64_t &begin, int64_t &end,
                     std::string &error) {
  auto [a, b] = spec.split(':');
  if (!spec.contains(':')) {
    error = "expected A:B, got '" + spec.str() + "'";
    return false;
  }
  begin = 0;
  end = -1;
  if ((!a.empty() && a.getAsInteger(10, begin)) ||
      (!b.empty() && b.getAsInteger(10, end)) || begin < 0 ||
      (!b.empty() && end <= begin)) {
    error = "expected A:B with 0 <= A < B, got '" + spec.str() + "'";
    return false;
  }
  return true;
}

llvm::Expected<HfModel> openHfModel(llvm::StringRef dir,
                                    llvm::StringRef manifest) {
  HfModel model;
  model.dir = dir.str();
  llvm::SmallString<256> configPath(dir);
  llvm::sys::path::append(configPath, "config.json");
  if (!llvm::sys::fs::exists(configPath))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   configPath + ": missing (a Hugging Face "
                                                "model directory needs one)");
  llvm::Expected<ModelConfig> config = readModelConfig(configPath);
  if (!config)
    return config.takeError();
  model.config = std::move(*config);
  llvm::Expected<std::unique_ptr<WeightStore>> store =
      manifest.empty() ? WeightStore::openDirectory(dir)
                       : WeightStore::openManifest(manifest);
  if (!store)
    return store.takeError();
  model.weights = std::move(*store);
  return std::move(model);
}

std::optional<WeightQuantMode> parseWeightQuant(llvm::StringRef value) {
  WeightQuantMode m;
  if (value == "int8")
    return m;
  if (value == "fp8") {
    m.kind = WeightQuantMode::Fp8;
    return m;
  }
  m.kind = WeightQuantMode::Int4;
  if (value == "int4" || value == "int4-g128")
    return m;
  if (value == "int4-g64") {
    m.group = 64;
    return m;
  }
  return std::nullopt;
}

namespace {

/// e4m3fn to float, for all 256 bytes.
Tensor e4m3Table() {
  Tensor t(DType::F32, {256});
  for (int bits = 0; bits < 256; ++bits)
    t.setF(bits, decodeE4M3((uint8_t)bits));
  return t;
}

class ModelBuilder {
public:
  ModelBuilder(const HfModel &model, MLIRContext *ctx,
               const HfImportOptions &options)
      : model(model), c(model.config), ctx(ctx), options(options), b(ctx),
        loc(FileLineColLoc::get(ctx, c.path, 0, 0)) {}

  OwningOpRef<ModuleOp> build();

private:
  // Errors: the first one is reported, then everything unwinds.
  Value fail(const Twine &message) {
    if (!failed)
      emitError(loc) << message;
    failed = true;
    return nullptr;
  }

  /// Creates a graph op with inferred result types (what the ONNX
  /// importer's NodeImporter::create does, without a node to blame).
  template <typename OpT>
  Value make(ValueRange operands, ArrayRef<NamedAttribute> attrs = {}) {
    if (failed || llvm::any_of(operands, [](Value v) { return !v; }))
      return nullptr;
    OperationState state(loc, OpT::getOperationName());
    state.addOperands(operands);
    DictionaryAttr dict = b.getDictionaryAttr(attrs);
    using Props = typename OpT::Properties;
    if constexpr (!std::is_same_v<Props, EmptyProperties>) {
      Props &props = state.getOrAddProperties<Props>();
      if (mlir::failed(OpT::setPropertiesFromAttr(
              props, dict, [&] { return emitError(loc); })))
        return fail("internal error: bad attributes for " +
                    OpT::getOperationName());
      OpT::populateDefaultProperties(state.name, props);
      if constexpr (std::is_same_v<OpT, graph::AttentionOp>)
        OpT::setOperandSegments(props, operands);
    } else {
      state.addAttributes(attrs);
    }
    SmallVector<Type> types;
    if (mlir::failed(OpT::inferReturnTypes(ctx, loc, state.operands, dict,
                                           state.getRawProperties(),
                                           state.regions, types)))
      return fail("internal error: cannot build " + OpT::getOperationName());
    state.addTypes(types);
    return b.create(state)->getResult(0);
  }

  NamedAttribute attr(StringRef name, Attribute value) {
    return b.getNamedAttr(name, value);
  }
  NamedAttribute i64Attr(StringRef name, int64_t v) {
    return attr(name, b.getI64IntegerAttr(v));
  }
  Value constant(const Tensor &t) {
    return graph::ConstantOp::create(b, loc, graph::tensorToElements(ctx, t));
  }
  Value scalarF32(float v) {
    return constant(Tensor::fromFloats(DType::F32, {}, {v}));
  }
  Value reshape(Value x, const Shape &shape) {
    return make<graph::ReshapeOp>(
        x, {attr("shape", b.getDenseI64ArrayAttr(shape))});
  }
  Value transpose(Value x, ArrayRef<int64_t> perm) {
    return make<graph::TransposeOp>(
        x, {attr("perm", b.getDenseI64ArrayAttr(perm))});
  }
  /// x[..., begin:end, ...] along `axis`.
  Value slice(Value x, int64_t axis, int64_t begin, int64_t end) {
    if (!x)
      return nullptr;
    Shape shape = graph::shapeOf(x.getType());
    SmallVector<int64_t> starts(shape.size(), 0),
        ends(shape.begin(), shape.end()), steps(shape.size(), 1);
    starts[axis] = begin;
    ends[axis] = end;
    return make<graph::SliceOp>(x,
                                {attr("starts", b.getDenseI64ArrayAttr(starts)),
                                 attr("ends", b.getDenseI64ArrayAttr(ends)),
                                 attr("steps", b.getDenseI64ArrayAttr(steps))});
  }
  Value concat(ValueRange xs, int64_t axis) {
    return make<graph::ConcatOp>(xs, {i64Attr("axis", axis)});
  }
  Value expand(Value x, const Shape &shape) {
    return make<graph::ExpandOp>(
        x, {attr("shape", b.getDenseI64ArrayAttr(shape))});
  }
  Value castTo(Value x, Type element) {
    return make<graph::CastOp>(x, {attr("to", TypeAttr::get(element))});
  }

  // Weights.
  /// The weight `name`, checked to have `shape`; `why` says which config
  /// fields imply the shape. Converted to f32 (FP8: dequantized).
  Value weight(const std::string &name, const Shape &shape, const Twine &why);
  /// The expert weights `names` stacked into [experts, rows, cols].
  Value stackedWeight(ArrayRef<std::string> names, const Shape &perExpert,
                      const Twine &why);
  const WeightInfo *lookup(const std::string &name, const Shape &shape,
                           const Twine &why);
  /// The stored bytes as a constant of the stored dtype (FP8 as ui8).
  Value rawConstant(const WeightInfo &w);
  const WeightInfo *scaleOf(const WeightInfo &w);
  Value dequantize(Value raw, Value scale, const Shape &shape);
  Value toF32(Value raw, const WeightInfo &w);
  /// --weight-quant=int8: x times the weight `name` [out, in] quantized to
  /// int8 per output channel.
  Value quantizedLinear(Value x, const std::string &name, int64_t out,
                        int64_t in, const Twine &why);

  // Layers.
  Value linear(Value x, const std::string &prefix, int64_t out, int64_t in,
               bool bias, const Twine &why);
  Value rmsNorm(Value x, const std::string &name, int64_t dim,
                const Twine &why);
  Value mlp(Value x, const std::string &prefix, int64_t inter, bool bias);
  Value moe(Value x, const std::string &prefix);
  Value attentionGqa(Value x, int64_t layer);
  Value attentionMla(Value x, int64_t layer);
  /// [1, heads, S, dim] -> [S, heads * dim].
  Value mergeHeads(Value x);
  /// [S, heads * dim] -> [1, heads, S, dim].
  Value splitHeads(Value x, int64_t heads, int64_t dim);
  /// Writes `update` into `cache` at the new tokens' positions along
  /// `axis`.
  Value updateCache(Value cache, Value update, int64_t axis);
  /// Generation on the NPU: the cache `past.NAME` with `entries` written at
  /// `position`, returned as `present.NAME`.
  Value cacheState(Value entries, Type cacheType, const std::string &name,
                   int64_t axis);
  void setupPositions();
  Value addInput(Type type, const std::string &name);
  void addOutput(Value v, const std::string &name);

  const HfModel &model;
  const ModelConfig &c;
  MLIRContext *ctx;
  const HfImportOptions &options;
  OpBuilder b;
  Location loc;
  bool failed = false;

  /// Names the ops built while it lives after a block of the model
  /// (`model.layers.3.self_attn`, `lm_head`) or a module inside one
  /// (`model.layers.3.self_attn.q_b_proj`; linear() and rmsNorm() name
  /// theirs): error messages name it, and `tessera-run --profile` reports
  /// one row per name (what a block does besides its named modules, such
  /// as the attention itself, keeps the block's name).
  struct NamedScope {
    NamedScope(ModelBuilder &builder, const std::string &name)
        : builder(builder), saved(builder.loc) {
      builder.loc = NameLoc::get(builder.b.getStringAttr(name), saved);
    }
    ~NamedScope() { builder.loc = saved; }
    ModelBuilder &builder;
    Location saved;
  };
  bool decode = false;
  int64_t seq = 1, capacity = 0;

  func::FuncOp func;
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  SmallVector<Value> results;
  SmallVector<std::string> resultNames;

  Value position;         ///< decode: [1] i64
  Value length;           ///< device prefill: [1] i64 real tokens
  Value ropeCos, ropeSin; ///< [seq, rope dim]
  Value kvLength;         ///< decode: [1] i64 filled cache entries
  Value cacheIndex;       ///< decode: [seq] i64 positions of the new tokens
  Value e4m3;             ///< the FP8 decoding table, once
  Type f32;
};

} // namespace

const WeightInfo *ModelBuilder::lookup(const std::string &name,
                                       const Shape &shape, const Twine &why) {
  if (failed)
    return nullptr;
  const WeightInfo *w = model.weights->find(name);
  if (!w) {
    fail(model.weights->source() + ": weight '" + name + "' is missing (" +
         c.path + " implies it: " + why + ")");
    return nullptr;
  }
  if (w->shape != shape) {
    fail(model.weights->source() + ": tensor '" + name + "' in '" + w->file +
         "' has shape " + shapeToString(w->shape) + " but " + c.path +
         " implies " + shapeToString(shape) + " (" + why + ")");
    return nullptr;
  }
  if (w->dtype == WeightDType::F8E4M3 && !c.fp8) {
    fail(model.weights->source() + ": tensor '" + name + "' in '" + w->file +
         "' is F8_E4M3 but " + c.path +
         " has no quantization_config (field 'quantization_config')");
    return nullptr;
  }
  return w;
}

Value ModelBuilder::rawConstant(const WeightInfo &w) {
  Type element;
  switch (w.dtype) {
  case WeightDType::F32:
    element = b.getF32Type();
    break;
  case WeightDType::F16:
    element = b.getF16Type();
    break;
  case WeightDType::BF16:
    element = b.getBF16Type();
    break;
  case WeightDType::F8E4M3:
    element = b.getIntegerType(8, /*isSigned=*/false);
    break;
  }
  auto type = RankedTensorType::get(w.shape, element);
  DenseResourceElementsAttr value;
  if (w.data) {
    std::shared_ptr<llvm::MemoryBuffer> keepAlive = w.mapping;
    AsmResourceBlob blob = UnmanagedAsmResourceBlob::allocateWithAlign(
        ArrayRef<char>(w.data, w.size), 1,
        [keepAlive](void *, size_t, size_t) mutable { keepAlive.reset(); });
    value = DenseResourceElementsAttr::get(type, w.name, std::move(blob));
  } else {
    // Compile without weights: a resource handle with no bytes.
    auto handle =
        DenseResourceElementsHandle::getManagerInterface(ctx).insert(w.name);
    value = DenseResourceElementsAttr::get(type, handle);
  }
  auto op = graph::ConstantOp::create(
      b, NameLoc::get(b.getStringAttr(w.name), loc), value);
  // Where the bytes live, for tools that place or stream weights.
  op->setAttr("hf.weight",
              b.getDictionaryAttr({attr("file", b.getStringAttr(w.file)),
                                   i64Attr("offset", w.offset),
                                   i64Attr("size", w.size)}));
  return op;
}

const WeightInfo *ModelBuilder::scaleOf(const WeightInfo &w) {
  std::string name = w.name + "_scale_inv";
  Shape shape{(w.shape[0] + c.fp8BlockRows - 1) / c.fp8BlockRows,
              (w.shape[1] + c.fp8BlockCols - 1) / c.fp8BlockCols};
  const WeightInfo *s = lookup(
      name, shape, "one scale per weight_block_size block of '" + w.name + "'");
  if (s && s->dtype != WeightDType::F32 && s->dtype != WeightDType::BF16) {
    fail(model.weights->source() + ": tensor '" + name + "' has dtype " +
         weightDTypeName(s->dtype) + "; block scales must be F32 or BF16");
    return nullptr;
  }
  return s;
}

Value ModelBuilder::dequantize(Value raw, Value scale, const Shape &shape) {
  // Decode the e4m3 bytes through a 256-entry table, then multiply each
  // weight_block_size block by its scale (partial blocks at the edges).
  if (!e4m3) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&func.getBody().front());
    e4m3 = constant(e4m3Table());
  }
  Value index = castTo(raw, b.getI32Type());
  Value values =
      make<graph::GatherOp>(ValueRange{e4m3, index}, {i64Attr("axis", 0)});
  Shape scaleShape = graph::shapeOf(scale.getType());
  int64_t rb = scaleShape[0], cb = scaleShape[1];
  Value s = castTo(scale, f32);
  s = reshape(s, {rb, 1, cb, 1});
  s = expand(s, {rb, c.fp8BlockRows, cb, c.fp8BlockCols});
  s = reshape(s, {rb * c.fp8BlockRows, cb * c.fp8BlockCols});
  if (rb * c.fp8BlockRows != shape[0])
    s = slice(s, 0, 0, shape[0]);
  if (cb * c.fp8BlockCols != shape[1])
    s = slice(s, 1, 0, shape[1]);
  return make<graph::MulOp>(ValueRange{values, s});
}

Value ModelBuilder::toF32(Value raw, const WeightInfo &w) {
  if (w.dtype == WeightDType::F32)
    return raw;
  if (w.dtype != WeightDType::F8E4M3)
    return castTo(raw, f32);
  if (w.shape.size() != 2)
    return fail(model.weights->source() + ": FP8 tensor '" + w.name +
                "' must be 2-D to have block scales");
  const WeightInfo *s = scaleOf(w);
  if (!s)
    return nullptr;
  return dequantize(raw, rawConstant(*s), w.shape);
}

Value ModelBuilder::weight(const std::string &name, const Shape &shape,
                           const Twine &why) {
  const WeightInfo *w = lookup(name, shape, why);
  if (!w)
    return nullptr;
  return toF32(rawConstant(*w), *w);
}

Value ModelBuilder::stackedWeight(ArrayRef<std::string> names,
                                  const Shape &perExpert, const Twine &why) {
  SmallVector<const WeightInfo *> infos;
  for (const std::string &name : names) {
    const WeightInfo *w = lookup(name, perExpert, why);
    if (!w)
      return nullptr;
    infos.push_back(w);
  }
  if (infos.empty())
    return fail(model.weights->source() + ": no expert weights to stack for " +
                why.str());
  for (const WeightInfo *w : infos)
    if (w->dtype != infos.front()->dtype)
      return fail(model.weights->source() + ": expert weight '" + w->name +
                  "' is " + weightDTypeName(w->dtype) + " but '" +
                  infos.front()->name + "' is " +
                  weightDTypeName(infos.front()->dtype));
  int64_t experts = names.size(), rows = perExpert[0], cols = perExpert[1];
  Value stacked;
  bool fp8 = infos.front()->dtype == WeightDType::F8E4M3;
  if (fp8 && rows % c.fp8BlockRows != 0) {
    // Blocks straddle experts once stacked: dequantize one by one.
    SmallVector<Value> parts;
    for (const WeightInfo *w : infos)
      parts.push_back(toF32(rawConstant(*w), *w));
    stacked = concat(parts, 0);
  } else {
    SmallVector<Value> raws, scales;
    for (const WeightInfo *w : infos) {
      raws.push_back(rawConstant(*w));
      if (fp8) {
        const WeightInfo *s = scaleOf(*w);
        if (!s)
          return nullptr;
        scales.push_back(rawConstant(*s));
      }
    }
    Value raw = concat(raws, 0);
    if (fp8)
      stacked = dequantize(raw, concat(scales, 0), {experts * rows, cols});
    else if (infos.front()->dtype == WeightDType::F32)
      stacked = raw;
    else
      stacked = castTo(raw, f32);
  }
  return reshape(stacked, {experts, rows, cols});
}

Value ModelBuilder::quantizedLinear(Value x, const std::string &name,
                                    int64_t out, int64_t in, const Twine &why) {
  const WeightInfo *w = lookup(name, {out, in}, why);
  if (!w)
    return nullptr;
  WeightQuantMode mode = *parseWeightQuant(options.weightQuant);
  Location wloc = NameLoc::get(b.getStringAttr(name), loc);
  auto blockQuant = [&](golden::BlockQuantFormat f, int64_t bn, int64_t bk) {
    return SmallVector<NamedAttribute>{
        attr("format", b.getStringAttr(golden::blockQuantFormatName(f))),
        i64Attr("block_n", bn), i64Attr("block_k", bk)};
  };
  // An FP8 checkpoint under --weight-quant=fp8: its bytes and block scales
  // as stored (no bytes needed at import: a manifest works too).
  if (mode.kind == WeightQuantMode::Fp8 && w->dtype == WeightDType::F8E4M3) {
    const WeightInfo *s = scaleOf(*w);
    if (!s)
      return nullptr;
    Value sv = rawConstant(*s);
    if (s->dtype != WeightDType::F32)
      sv = castTo(sv, f32);
    return make<graph::DequantMatMulOp>(
        ValueRange{x, rawConstant(*w), sv},
        blockQuant(golden::BlockQuantFormat::Fp8E4M3, c.fp8BlockRows,
                   c.fp8BlockCols));
  }
  if (!w->data)
    return fail("--weight-quant=" + options.weightQuant +
                " quantizes the weights' values: '" + name +
                "' has no bytes (a manifest describes only the layout)");
  DType dt;
  switch (w->dtype) {
  case WeightDType::F32:
    dt = DType::F32;
    break;
  case WeightDType::BF16:
    dt = DType::BF16;
    break;
  case WeightDType::F16:
    dt = DType::F16;
    break;
  default:
    return fail("--weight-quant=" + options.weightQuant + ": tensor '" + name +
                "' is " + weightDTypeName(w->dtype) +
                ", already quantized (only F32, BF16 and F16 weights are "
                "quantized at import; FP8 weights are kept as stored by "
                "--weight-quant=fp8)");
  }
  if (mode.kind == WeightQuantMode::Int4 && in % 2 != 0)
    return fail("--weight-quant=" + options.weightQuant + ": tensor '" + name +
                "' has " + Twine(in) +
                " input features; int4 packs two per "
                "byte and needs an even count");
  Tensor values =
      Tensor::fromBytes(dt, w->shape, (const uint8_t *)w->data, (size_t)w->size)
          .castTo(DType::F32);
  auto constantNamed = [&](const Tensor &t, const std::string &suffix) {
    return graph::ConstantOp::create(
        b, NameLoc::get(b.getStringAttr(name + suffix), loc),
        graph::tensorToElements(ctx, t));
  };
  if (mode.kind == WeightQuantMode::Int4) {
    golden::QuantizedWeight q = golden::quantizeInt4Grouped(values, mode.group);
    Value qv =
        graph::ConstantOp::create(b, wloc, graph::tensorToElements(ctx, q.q));
    return make<graph::DequantMatMulOp>(
        ValueRange{x, qv, constantNamed(q.scale, ".scale"),
                   constantNamed(q.zero, ".zero_point")},
        blockQuant(golden::BlockQuantFormat::Int4, 1, mode.group));
  }
  if (mode.kind == WeightQuantMode::Fp8) {
    golden::QuantizedWeight q = golden::quantizeFp8Blocks(
        values, WeightQuantMode::kFp8Block, WeightQuantMode::kFp8Block);
    Value qv =
        graph::ConstantOp::create(b, wloc, graph::tensorToElements(ctx, q.q));
    return make<graph::DequantMatMulOp>(
        ValueRange{x, qv, constantNamed(q.scale, "_scale_inv")},
        blockQuant(golden::BlockQuantFormat::Fp8E4M3,
                   WeightQuantMode::kFp8Block, WeightQuantMode::kFp8Block));
  }
  auto [q, scale] = golden::quantizeInt8PerChannel(values);
  Value qv =
      graph::ConstantOp::create(b, wloc, graph::tensorToElements(ctx, q));
  return make<graph::WeightQuantMatMulOp>(
      ValueRange{x, qv, constantNamed(scale, ".scale")});
}

Value ModelBuilder::linear(Value x, const std::string &prefix, int64_t out,
                           int64_t in, bool bias, const Twine &why) {
  // Each projection is named after its module (model.layers.0.self_attn.
  // q_a_proj): a profile gives it a row of its own, inside its block's.
  NamedScope scope(*this, prefix);
  if (!options.weightQuant.empty()) {
    Value y = quantizedLinear(x, prefix + ".weight", out, in, why);
    if (!bias)
      return y;
    return make<graph::AddOp>(
        ValueRange{y, weight(prefix + ".bias", {out}, why)});
  }
  Value w = weight(prefix + ".weight", {out, in}, why);
  SmallVector<Value> operands{x, w};
  if (bias)
    operands.push_back(weight(prefix + ".bias", {out}, why));
  return make<graph::GemmOp>(operands, {attr("trans_b", b.getBoolAttr(true))});
}

Value ModelBuilder::rmsNorm(Value x, const std::string &name, int64_t dim,
                            const Twine &why) {
  // Named after its module, as projections are (the weight's name without
  // ".weight"): MLA's q_a_layernorm and kv_a_layernorm sit inside self_attn.
  StringRef module(name);
  module.consume_back(".weight");
  NamedScope scope(*this, module.str());
  Value scale = weight(name, {dim}, why);
  return make<graph::RMSNormOp>(
      ValueRange{x, scale},
      {i64Attr("axis", -1),
       attr("epsilon", b.getF32FloatAttr((float)c.rmsNormEps))});
}

Value ModelBuilder::mlp(Value x, const std::string &prefix, int64_t inter,
                        bool bias) {
  int64_t h = c.hiddenSize;
  std::string inOut = "intermediate_size x hidden_size";
  Value gate = linear(x, prefix + ".gate_proj", inter, h, bias, inOut);
  Value up = linear(x, prefix + ".up_proj", inter, h, bias, inOut);
  Value act = make<graph::SwiGLUOp>(ValueRange{gate, up});
  return linear(act, prefix + ".down_proj", h, inter, bias,
                "hidden_size x intermediate_size");
}

Value ModelBuilder::moe(Value x, const std::string &prefix) {
  int64_t h = c.hiddenSize, e = c.nRoutedExperts, inter = c.moeIntermediateSize;
  Value router =
      weight(prefix + ".gate.weight", {e, h}, "n_routed_experts x hidden_size");
  SmallVector<std::string> gates, ups, downs;
  for (int64_t i = 0; i < e; ++i) {
    std::string p = prefix + ".experts." + std::to_string(i);
    gates.push_back(p + ".gate_proj.weight");
    ups.push_back(p + ".up_proj.weight");
    downs.push_back(p + ".down_proj.weight");
  }
  std::string why = "n_routed_experts experts of moe_intermediate_size x "
                    "hidden_size";
  Value gate = stackedWeight(gates, {inter, h}, why);
  Value up = stackedWeight(ups, {inter, h}, why);
  Value down = stackedWeight(downs, {h, inter}, why);
  SmallVector<Value> operands{x, router, gate, up, down};
  if (c.nSharedExperts > 0) {
    int64_t shared = c.nSharedExperts * inter;
    std::string sp = prefix + ".shared_experts";
    std::string swhy = "n_shared_experts x moe_intermediate_size";
    operands.push_back(weight(sp + ".gate_proj.weight", {shared, h}, swhy));
    operands.push_back(weight(sp + ".up_proj.weight", {shared, h}, swhy));
    operands.push_back(weight(sp + ".down_proj.weight", {h, shared}, swhy));
  }
  // HF's routing rules per architecture: V2 scales only weights it does
  // not normalise; V3 normalises (with top_k > 1) and always scales.
  bool normalize = c.normTopkProb && c.numExpertsPerTok > 1;
  double scale = c.routedScalingFactor;
  if (c.arch == Architecture::DeepseekV2 && normalize)
    scale = 1.0;
  int64_t nGroup = c.topkMethod == TopkMethod::Greedy ? 1 : c.nGroup;
  int64_t topkGroup = c.topkMethod == TopkMethod::Greedy ? 1 : c.topkGroup;
  SmallVector<NamedAttribute> attrs{
      i64Attr("top_k", c.numExpertsPerTok),
      attr("norm_topk_prob", b.getBoolAttr(normalize)),
      attr("routed_scaling_factor", b.getF32FloatAttr((float)scale)),
      i64Attr("n_group", nGroup),
      i64Attr("topk_group", topkGroup),
      attr("scoring_func",
           b.getStringAttr(c.sigmoidScoring ? "sigmoid" : "softmax")),
      attr("group_scoring",
           b.getStringAttr(c.topkMethod == TopkMethod::NoauxTc ? "top2_sum"
                                                               : "max"))};
  if (c.topkMethod == TopkMethod::NoauxTc) {
    const WeightInfo *bias =
        lookup(prefix + ".gate.e_score_correction_bias", {e},
               "topk_method noaux_tc needs one correction bias per expert");
    if (!bias)
      return nullptr;
    if (bias->dtype != WeightDType::F32 && bias->dtype != WeightDType::BF16 &&
        bias->dtype != WeightDType::F16)
      return fail(model.weights->source() + ": tensor '" + bias->name +
                  "' must be a float tensor");
    auto cst = cast<graph::ConstantOp>(rawConstant(*bias).getDefiningOp());
    attrs.push_back(attr("score_correction_bias", cst.getValue()));
    cst->erase();
  }
  return make<graph::MoEOp>(operands, attrs);
}

Value ModelBuilder::splitHeads(Value x, int64_t heads, int64_t dim) {
  return transpose(reshape(x, {1, seq, heads, dim}), {0, 2, 1, 3});
}

Value ModelBuilder::mergeHeads(Value x) {
  if (!x)
    return nullptr;
  Shape s = graph::shapeOf(x.getType());
  return reshape(transpose(x, {0, 2, 1, 3}), {seq, s[1] * s[3]});
}

Value ModelBuilder::updateCache(Value cache, Value update, int64_t axis) {
  // The new tokens' entries go to [position, position + seq).
  return make<graph::CacheUpdateOp>(ValueRange{cache, update, position},
                                    {i64Attr("axis", axis)});
}

Value ModelBuilder::cacheState(Value entries, Type cacheType,
                               const std::string &name, int64_t axis) {
  Value cache = updateCache(addInput(cacheType, "past." + name), entries, axis);
  addOutput(cache, "present." + name);
  return cache;
}

Value ModelBuilder::attentionGqa(Value x, int64_t layer) {
  std::string p = "model.layers." + std::to_string(layer) + ".self_attn";
  int64_t h = c.hiddenSize, d = c.headDim, hq = c.numHeads, hkv = c.numKVHeads;
  Value q = linear(x, p + ".q_proj", hq * d, h, c.qkvBias,
                   "num_attention_heads x head_dim, hidden_size");
  Value k = linear(x, p + ".k_proj", hkv * d, h, c.qkvBias,
                   "num_key_value_heads x head_dim, hidden_size");
  Value v = linear(x, p + ".v_proj", hkv * d, h, c.qkvBias,
                   "num_key_value_heads x head_dim, hidden_size");
  NamedAttribute style = attr("style", b.getStringAttr("rotate_half"));
  q = make<graph::RopeOp>(ValueRange{splitHeads(q, hq, d), ropeCos, ropeSin},
                          {style});
  k = make<graph::RopeOp>(ValueRange{splitHeads(k, hkv, d), ropeCos, ropeSin},
                          {style});
  v = splitHeads(v, hkv, d);
  std::string l = std::to_string(layer);
  NamedAttribute scale =
      attr("scale", b.getF32FloatAttr((float)c.attentionScale()));
  Value o;
  if (!decode) {
    if (options.device) {
      Type cacheType = RankedTensorType::get({1, hkv, capacity, d}, f32);
      cacheState(k, cacheType, l + ".key", 2);
      cacheState(v, cacheType, l + ".value", 2);
    } else {
      addOutput(k, "present." + l + ".key");
      addOutput(v, "present." + l + ".value");
    }
    o = make<graph::AttentionOp>(ValueRange{q, k, v},
                                 {attr("causal", b.getBoolAttr(true)), scale});
  } else {
    Type cacheType = RankedTensorType::get({1, hkv, capacity, d}, f32);
    Value keys = updateCache(addInput(cacheType, "past." + l + ".key"), k, 2);
    Value values =
        updateCache(addInput(cacheType, "past." + l + ".value"), v, 2);
    addOutput(keys, "present." + l + ".key");
    addOutput(values, "present." + l + ".value");
    o = make<graph::AttentionOp>(ValueRange{q, keys, values, kvLength},
                                 {attr("causal", b.getBoolAttr(true)), scale});
  }
  return linear(mergeHeads(o), p + ".o_proj", h, hq * d, c.oBias,
                "hidden_size, num_attention_heads x head_dim");
}

Value ModelBuilder::attentionMla(Value x, int64_t layer) {
  std::string p = "model.layers." + std::to_string(layer) + ".self_attn";
  std::string l = std::to_string(layer);
  int64_t h = c.hiddenSize, heads = c.numHeads, nope = c.qkNopeHeadDim,
          rope = c.qkRopeHeadDim, vd = c.vHeadDim, lora = c.kvLoraRank;
  int64_t qd = nope + rope;
  // Both projections of x come first, side by side: nothing between them
  // depends on either, so at one token the two products run as one batch
  // of jobs instead of each waiting out the other's tail (and the query's
  // RoPE and W_UK product in between).
  Value q, kv;
  if (c.qLoraRank > 0) {
    Value qa = linear(x, p + ".q_a_proj", c.qLoraRank, h, false,
                      "q_lora_rank x hidden_size");
    kv = linear(x, p + ".kv_a_proj_with_mqa", lora + rope, h, false,
                "kv_lora_rank + qk_rope_head_dim, hidden_size");
    qa = rmsNorm(qa, p + ".q_a_layernorm.weight", c.qLoraRank, "q_lora_rank");
    q = linear(qa, p + ".q_b_proj", heads * qd, c.qLoraRank, false,
               "num_attention_heads x (qk_nope_head_dim + qk_rope_head_dim), "
               "q_lora_rank");
  } else {
    q = linear(x, p + ".q_proj", heads * qd, h, false,
               "num_attention_heads x (qk_nope_head_dim + qk_rope_head_dim), "
               "hidden_size (q_lora_rank is null)");
    kv = linear(x, p + ".kv_a_proj_with_mqa", lora + rope, h, false,
                "kv_lora_rank + qk_rope_head_dim, hidden_size");
  }
  q = splitHeads(q, heads, qd);
  Value qNope = slice(q, 3, 0, nope);
  NamedAttribute style = attr("style", b.getStringAttr("deinterleaved"));
  Value qPe = make<graph::RopeOp>(
      ValueRange{slice(q, 3, nope, qd), ropeCos, ropeSin}, {style});

  Value latent = rmsNorm(slice(kv, 1, 0, lora), p + ".kv_a_layernorm.weight",
                         lora, "kv_lora_rank");
  Value kPe = make<graph::RopeOp>(
      ValueRange{reshape(slice(kv, 1, lora, lora + rope), {1, 1, seq, rope}),
                 ropeCos, ropeSin},
      {style});
  Value kvB = weight(p + ".kv_b_proj.weight", {heads * (nope + vd), lora},
                     "num_attention_heads x (qk_nope_head_dim + v_head_dim), "
                     "kv_lora_rank");
  NamedAttribute scale =
      attr("scale", b.getF32FloatAttr((float)c.attentionScale()));
  Value latentRows = reshape(latent, {1, seq, lora});
  Value pe = reshape(kPe, {1, seq, rope});
  Value o;
  if (!decode) {
    if (options.device) {
      // One cache per layer: each entry is the latent then the rope key
      // (576 values for DeepSeek-V2/V3), FlashMLA's layout.
      cacheState(concat({latentRows, pe}, 2),
                 RankedTensorType::get({1, capacity, lora + rope}, f32),
                 l + ".latent_rope", 1);
    } else {
      addOutput(latentRows, "present." + l + ".latent");
      addOutput(pe, "present." + l + ".rope_key");
    }
    // Keys and values per head from the latent (HF's form).
    Value kvh = make<graph::GemmOp>(ValueRange{latent, kvB},
                                    {attr("trans_b", b.getBoolAttr(true))});
    kvh = splitHeads(kvh, heads, nope + vd);
    Value key =
        concat({slice(kvh, 3, 0, nope), expand(kPe, {1, heads, seq, rope})}, 3);
    Value value = slice(kvh, 3, nope, nope + vd);
    Value query = concat({qNope, qPe}, 3);
    o = make<graph::AttentionOp>(ValueRange{query, key, value},
                                 {attr("causal", b.getBoolAttr(true)), scale});
  } else {
    // Absorbed form: attend over the latent cache directly.
    Value perHead = reshape(kvB, {heads, nope + vd, lora});
    Value wUK = slice(perHead, 1, 0, nope);         // [heads, nope, lora]
    Value wUV = slice(perHead, 1, nope, nope + vd); // [heads, vd, lora]
    Value qLatent = make<graph::MatMulOp>(ValueRange{qNope, wUK});
    if (options.device) {
      // The combined cache is both the keys (576-d) and the values: the
      // first `lora` columns of the output are P times the latents, and no
      // key tensor is assembled from two caches per step. Its write comes
      // between W_UK's product and the query's concat: it needs neither,
      // so at one token it runs on a vector core beside the product instead
      // of after it (no barrier between them).
      Value cache =
          cacheState(concat({latentRows, pe}, 2),
                     RankedTensorType::get({1, capacity, lora + rope}, f32),
                     l + ".latent_rope", 1);
      Value query = concat({qLatent, qPe}, 3);
      Value kv = reshape(cache, {1, 1, capacity, lora + rope});
      Value ol = make<graph::AttentionOp>(
          ValueRange{query, kv, kv, kvLength},
          {attr("causal", b.getBoolAttr(true)), scale});
      o = make<graph::MatMulOp>(
          ValueRange{slice(ol, 3, 0, lora), transpose(wUV, {0, 2, 1})});
      return linear(mergeHeads(o), p + ".o_proj", h, heads * vd, false,
                    "hidden_size, num_attention_heads x v_head_dim");
    }
    Value latents =
        updateCache(addInput(RankedTensorType::get({1, capacity, lora}, f32),
                             "past." + l + ".latent"),
                    latentRows, 1);
    Value pes =
        updateCache(addInput(RankedTensorType::get({1, capacity, rope}, f32),
                             "past." + l + ".rope_key"),
                    pe, 1);
    addOutput(latents, "present." + l + ".latent");
    addOutput(pes, "present." + l + ".rope_key");
    Value query = concat({qLatent, qPe}, 3);
    Value key =
        reshape(concat({latents, pes}, 2), {1, 1, capacity, lora + rope});
    Value value = reshape(latents, {1, 1, capacity, lora});
    Value ol =
        make<graph::AttentionOp>(ValueRange{query, key, value, kvLength},
                                 {attr("causal", b.getBoolAttr(true)), scale});
    o = make<graph::MatMulOp>(ValueRange{ol, transpose(wUV, {0, 2, 1})});
  }
  return linear(mergeHeads(o), p + ".o_proj", h, heads * vd, false,
                "hidden_size, num_attention_heads x v_head_dim");
}

Value ModelBuilder::addInput(Type type, const std::string &name) {
  argTypes.push_back(type);
  argNames.push_back(name);
  return func.getBody().front().addArgument(type, loc);
}

void ModelBuilder::addOutput(Value v, const std::string &name) {
  results.push_back(v);
  resultNames.push_back(name);
}

void ModelBuilder::setupPositions() {
  if (failed)
    return;
  int64_t dim = c.ropeDim(), half = dim / 2;
  int64_t rows = decode ? capacity : seq;
  // Both factors are bounded (positions by the options, the dimension by
  // the config reader), so the product does not overflow.
  if (rows * dim > kMaxHostTensorElements) {
    fail("the rotary tables would hold " + Twine(rows) + " positions x " +
         Twine(dim) + " dimensions, above the host limit of " +
         Twine(kMaxHostTensorElements) +
         " elements (lower --seq or --cache-capacity)");
    return;
  }
  std::vector<double> inv = c.ropeInverseFrequencies();
  float tableScale = (float)c.ropeTableScale();
  Tensor cosT(DType::F32, {rows, dim}), sinT(DType::F32, {rows, dim});
  for (int64_t pos = 0; pos < rows; ++pos)
    for (int64_t i = 0; i < half; ++i) {
      // f32 like HF's tables: t * inv_freq in f32, then cos/sin.
      float angle = (float)pos * (float)inv[i];
      float co = std::cos(angle) * tableScale,
            si = std::sin(angle) * tableScale;
      // rotate_half pairs (i, i + half); DeepSeek's rope, imported
      // de-interleaved, rotates the same pairs of its reordered input.
      for (int64_t j : {i, i + half}) {
        cosT.setF(pos * dim + j, co);
        sinT.setF(pos * dim + j, si);
      }
    }
  Value cosTable = constant(cosT), sinTable = constant(sinT);
  if (!decode) {
    ropeCos = cosTable;
    ropeSin = sinTable;
    if (options.device) {
      // The prompt's entries start the caches; `length` of the `seq` tokens
      // are real (the rest is padding, which causal attention keeps from
      // the real tokens and decoding overwrites).
      position = constant(Tensor::fromInts(DType::I64, {1}, {0}));
      length = addInput(RankedTensorType::get({1}, b.getI64Type()), "length");
    }
    return;
  }
  // Positions of the new tokens: position + [0, seq).
  position = addInput(RankedTensorType::get({1}, b.getI64Type()), "position");
  Tensor offsets(DType::I64, {seq});
  for (int64_t i = 0; i < seq; ++i)
    offsets.setI(i, i);
  cacheIndex = make<graph::AddOp>(ValueRange{position, constant(offsets)});
  ropeCos = make<graph::GatherOp>(ValueRange{cosTable, cacheIndex},
                                  {i64Attr("axis", 0)});
  ropeSin = make<graph::GatherOp>(ValueRange{sinTable, cacheIndex},
                                  {i64Attr("axis", 0)});
  // The cache holds position + seq entries once the new ones are written;
  // causal attention aligned to that length lets token i see entries
  // j <= position + i (graph.attention's run-time kv_length).
  kvLength = make<graph::AddOp>(
      ValueRange{position, constant(Tensor::fromInts(DType::I64, {1}, {seq}))});
}

OwningOpRef<ModuleOp> ModelBuilder::build() {
  f32 = b.getF32Type();
  decode = options.phase == Phase::Decode;
  seq = options.seq;
  capacity = options.cacheCapacity;
  int64_t begin = options.layerBegin;
  int64_t end = options.layerEnd < 0 ? c.numLayers : options.layerEnd;
  if (seq < 1)
    return (fail("--seq must be at least 1"), nullptr);
  if (end > c.numLayers || begin >= end)
    return (fail("--layers=" + Twine(begin) + ":" + Twine(end) +
                 " is outside the model's " + Twine(c.numLayers) +
                 " layers (num_hidden_layers)"),
            nullptr);
  // The rope tables hold one row per position on the host.
  if (std::max(seq, capacity) > (int64_t(1) << 24))
    return (fail("--seq and --cache-capacity must be at most 16777216"),
            nullptr);
  if (options.device && capacity < seq)
    return (fail("generation programs need --cache-capacity of at least the "
                 "prompt length --seq (" +
                 Twine(seq) + "), got " + Twine(capacity)),
            nullptr);
  if (decode && capacity < seq)
    return (fail("--phase=decode needs --cache-capacity of at least --seq (" +
                 Twine(seq) + ")"),
            nullptr);
  if (!options.weightQuant.empty() && !parseWeightQuant(options.weightQuant))
    return (fail("--weight-quant must be int8 (one scale per output "
                 "channel), int4 / int4-g64 / int4-g128 (groups of 128 or 64 "
                 "along K with zero points) or fp8 (e4m3, 128x128 blocks), "
                 "got '" +
                 options.weightQuant + "'"),
            nullptr);

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  func = func::FuncOp::create(b, loc, "main", b.getFunctionType({}, {}));
  func.addEntryBlock();
  b.setInsertionPointToEnd(&func.getBody().front());

  Value hidden;
  if (begin == 0) {
    Value ids =
        addInput(RankedTensorType::get({1, seq}, b.getI64Type()), "input_ids");
    NamedScope scope(*this, "model.embed_tokens");
    Value table =
        weight("model.embed_tokens.weight", {c.vocabSize, c.hiddenSize},
               "vocab_size x hidden_size");
    hidden = make<graph::GatherOp>(ValueRange{table, reshape(ids, {seq})},
                                   {i64Attr("axis", 0)});
  } else {
    hidden =
        reshape(addInput(RankedTensorType::get({1, seq, c.hiddenSize}, f32),
                         "hidden_states"),
                {seq, c.hiddenSize});
  }
  {
    NamedScope scope(*this, "model.rotary_emb");
    setupPositions();
  }

  for (int64_t layer = begin; layer < end && !failed; ++layer) {
    std::string p = "model.layers." + std::to_string(layer);
    Value normed;
    {
      NamedScope scope(*this, p + ".input_layernorm");
      normed = rmsNorm(hidden, p + ".input_layernorm.weight", c.hiddenSize,
                       "hidden_size");
    }
    {
      NamedScope scope(*this, p + ".self_attn");
      Value attn = c.isDeepseek() ? attentionMla(normed, layer)
                                  : attentionGqa(normed, layer);
      hidden = make<graph::AddOp>(ValueRange{hidden, attn});
    }
    {
      NamedScope scope(*this, p + ".post_attention_layernorm");
      normed = rmsNorm(hidden, p + ".post_attention_layernorm.weight",
                       c.hiddenSize, "hidden_size");
    }
    NamedScope scope(*this, p + ".mlp");
    Value ffn = c.isMoELayer(layer)
                    ? moe(normed, p + ".mlp")
                    : mlp(normed, p + ".mlp", c.intermediateSize, c.mlpBias);
    hidden = make<graph::AddOp>(ValueRange{hidden, ffn});
  }
  if (end == c.numLayers) {
    Value normed;
    {
      NamedScope scope(*this, "model.norm");
      if (options.device && !decode) {
        // Only the last real token's logits: its row, before the head.
        Value last = make<graph::SubOp>(ValueRange{
            length, constant(Tensor::fromInts(DType::I64, {1}, {1}))});
        hidden = make<graph::GatherOp>(ValueRange{hidden, last},
                                       {i64Attr("axis", 0)});
      }
      normed =
          rmsNorm(hidden, "model.norm.weight", c.hiddenSize, "hidden_size");
    }
    NamedScope scope(*this, "lm_head");
    std::string head =
        c.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight";
    Value w = weight(head, {c.vocabSize, c.hiddenSize},
                     c.tieWordEmbeddings
                         ? "vocab_size x hidden_size (tie_word_embeddings)"
                         : "vocab_size x hidden_size");
    Value logits = make<graph::GemmOp>(ValueRange{normed, w},
                                       {attr("trans_b", b.getBoolAttr(true))});
    if (options.device) {
      // [1, vocab] and the greedy choice, both first.
      Value next = make<graph::ArgMaxOp>(
          logits, {i64Attr("axis", 1), attr("keepdims", b.getBoolAttr(false))});
      results.insert(results.begin(), {logits, next});
      resultNames.insert(resultNames.begin(), {"logits", "next_token"});
    } else {
      // Logits come first in the results.
      results.insert(results.begin(), reshape(logits, {1, seq, c.vocabSize}));
      resultNames.insert(resultNames.begin(), "logits");
    }
  } else {
    results.insert(results.begin(), reshape(hidden, {1, seq, c.hiddenSize}));
    resultNames.insert(resultNames.begin(), "hidden_states");
  }
  if (failed)
    return nullptr;
  func::ReturnOp::create(b, loc, results);
  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  func.setType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, name] : llvm::enumerate(argNames))
    func.setArgAttr(i, "graph.name", b.getStringAttr(name));
  for (auto [i, name] : llvm::enumerate(resultNames))
    func.setResultAttr(i, "graph.name", b.getStringAttr(name));
  module->getOperation()->setAttr("hf.architecture",
                                  b.getStringAttr(architectureName(c.arch)));
  if (mlir::failed(verify(*module)))
    return (fail("the imported module does not verify"), nullptr);
  return module;
}

OwningOpRef<ModuleOp> buildHfModule(const HfModel &model, MLIRContext *context,
                                    const HfImportOptions &options) {
  context->loadDialect<graph::GraphDialect, func::FuncDialect>();
  ModelBuilder builder(model, context, options);
  return builder.build();
}

OwningOpRef<ModuleOp> importHuggingFace(llvm::StringRef dir,
                                        MLIRContext *context,
                                        const HfImportOptions &options) {
  llvm::Expected<HfModel> model = openHfModel(dir, options.manifest);
  if (!model) {
    emitError(UnknownLoc::get(context)) << llvm::toString(model.takeError());
    return nullptr;
  }
  return buildHfModule(*model, context, options);
}

} // namespace tessera::hf
