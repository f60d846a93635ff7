//===- GraphDialect.cpp - Graph dialect registration and helpers ----------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/Kernels.h"
#include "tessera/Support/MlirTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Threading.h"

using namespace mlir;

namespace tessera::graph {

int64_t numElements(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    if (shaped.hasStaticShape())
      return shaped.getNumElements();
  return 0;
}

static int64_t elementBytes(Type elementType) {
  if (elementType.isInteger(1))
    return 1;
  return std::max<int64_t>(1, elementType.getIntOrFloatBitWidth() / 8);
}

int64_t sumTensorBytes(TypeRange types) {
  int64_t total = 0;
  for (Type t : types)
    if (auto shaped = dyn_cast<ShapedType>(t))
      if (shaped.hasStaticShape())
        total +=
            shaped.getNumElements() * elementBytes(shaped.getElementType());
  return total;
}

int64_t defaultFlops(Operation *op) {
  // Data movement and constants do no arithmetic; everything else defaults
  // to one operation per result element.
  if (op->hasTrait<DataMovement>() || op->getNumOperands() == 0)
    return 0;
  int64_t n = 0;
  for (Type t : op->getResultTypes())
    n += numElements(t);
  return n;
}

LogicalResult wrapEval(Operation *op, SmallVectorImpl<Tensor> &out,
                       llvm::Expected<Tensor> result) {
  if (!result)
    return op->emitOpError() << llvm::toString(result.takeError());
  out.push_back(std::move(*result));
  return success();
}

// The mapping itself is shared with the isa dialect (Support/MlirTypes).
std::optional<DType> toDType(Type t) { return dtypeFromMlirType(t); }

Type toMlirType(MLIRContext *ctx, DType d) { return dtypeToMlirType(ctx, d); }

FailureOr<Tensor> elementsToTensor(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  std::optional<DType> dtype = toDType(type.getElementType());
  if (!dtype)
    return failure();
  Shape shape(type.getShape().begin(), type.getShape().end());
  int64_t n = type.getNumElements();

  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return failure();
    ArrayRef<char> data = blob->getData();
    if ((int64_t)data.size() < n * dtypeByteSize(*dtype))
      return failure();
    return Tensor::fromBytes(*dtype, shape, (const uint8_t *)data.data(),
                             data.size());
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return failure();
  // A non-splat float constant's raw buffer holds every element in its
  // storage type: decode it in one pass (an APFloat per element was a
  // sixth of compiling a DeepSeek-V2-Lite layer's 81M weights).
  if (!dense.isSplat() && isFloatDType(*dtype)) {
    ArrayRef<char> raw = dense.getRawData();
    if ((int64_t)raw.size() == n * dtypeByteSize(*dtype))
      return Tensor::fromBytes(*dtype, shape, (const uint8_t *)raw.data(),
                               raw.size());
  }
  Tensor t(*dtype, shape);
  if (dense.isSplat() && n > 0) { // one value: convert it once, then fill
    if (t.isFloat()) {
      APFloat v = dense.getSplatValue<APFloat>();
      bool lost;
      v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      std::fill(t.floats().begin(), t.floats().end(), v.convertToFloat());
    } else {
      APInt v = dense.getSplatValue<APInt>();
      std::fill(t.ints().begin(), t.ints().end(),
                isUnsignedDType(*dtype) ? (int64_t)v.getZExtValue()
                                        : v.getSExtValue());
    }
    return t;
  }
  if (t.isFloat()) {
    int64_t i = 0;
    for (APFloat v : dense.getValues<APFloat>()) {
      bool lost;
      v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      t.floats()[i++] = v.convertToFloat();
    }
  } else {
    int64_t i = 0;
    bool isUnsigned = isUnsignedDType(*dtype);
    for (APInt v : dense.getValues<APInt>())
      t.ints()[i++] = isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue();
  }
  return t;
}

std::optional<DenseResourceElementsHandle>
findResourceBlob(MLIRContext *ctx, StringRef key, size_t size) {
  auto &manager = DenseResourceElementsHandle::getManagerInterface(ctx);
  DialectResourceBlobManager::BlobEntry *entry =
      manager.getBlobManager().lookup(key);
  if (!entry || !entry->getBlob() || entry->getBlob()->getData().size() != size)
    return std::nullopt;
  return DenseResourceElementsHandle(entry,
                                     ctx->getLoadedDialect<BuiltinDialect>());
}

FailureOr<ElementsAttr> castResourceToHalf(ElementsAttr attr, DType to) {
  auto res = dyn_cast<DenseResourceElementsAttr>(attr);
  auto type = cast<ShapedType>(attr.getType());
  if (!res || !type.getElementType().isF32() ||
      (to != DType::BF16 && to != DType::F16))
    return failure();
  AsmResourceBlob *src = res.getRawHandle().getBlob();
  int64_t n = type.getNumElements();
  if (!src || (int64_t)src->getData().size() != n * 4)
    return failure();
  auto resultType =
      RankedTensorType::get(type.getShape(), toMlirType(attr.getContext(), to));
  std::string name = (res.getRawHandle().getKey() + "." + dtypeName(to)).str();
  // Converted already (by the other program of a generation compile): a
  // resource key names one blob in the context, so the same source gives
  // the same bytes.
  if (std::optional<DenseResourceElementsHandle> done =
          findResourceBlob(attr.getContext(), name, (size_t)n * 2))
    return ElementsAttr(DenseResourceElementsAttr::get(resultType, *done));
  // A model's weights are most of what a compile touches: no f32 Tensor in
  // between, and the result is a blob, not a uniqued DenseElementsAttr
  // (which would hash and copy it into the context).
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocate(n * 2, alignof(uint16_t));
  const char *in = src->getData().data();
  auto *out = reinterpret_cast<uint16_t *>(blob.getMutableData().data());
  bool bf16 = to == DType::BF16;
  // In chunks over the context's threads: most of the time goes to the
  // kernel zeroing the result's fresh pages, which two cores do in half the
  // time. Each element is converted on its own, so the result is the same.
  constexpr int64_t kChunk = int64_t(1) << 20;
  int64_t chunks = (n + kChunk - 1) / kChunk;
  mlir::parallelFor(attr.getContext(), 0, (size_t)chunks, [&](size_t c) {
    int64_t lo = (int64_t)c * kChunk, hi = std::min(n, lo + kChunk);
    if (bf16) {
      floatsToBF16Bits(in + 4 * lo, out + lo, (size_t)(hi - lo));
      return;
    }
    for (int64_t i = lo; i < hi; ++i) {
      float v;
      std::memcpy(&v, in + 4 * i, 4);
      out[i] = floatToF16Bits(v);
    }
  });
  return ElementsAttr(
      DenseResourceElementsAttr::get(resultType, name, std::move(blob)));
}

DenseElementsAttr tensorToElements(MLIRContext *ctx, const Tensor &t) {
  Type elementType = toMlirType(ctx, t.dtype());
  auto type = RankedTensorType::get(t.shape(), elementType);
  if (t.dtype() == DType::Bool) {
    SmallVector<bool> values(t.ints().begin(), t.ints().end());
    return DenseElementsAttr::get(type, values);
  }
  std::vector<uint8_t> bytes = t.toBytes();
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>((const char *)bytes.data(), bytes.size()));
}

} // namespace tessera::graph

#include "Graph/IR/GraphDialect.cpp.inc"
#include "Graph/IR/GraphInterfaces.cpp.inc"

namespace tessera::graph {

void GraphDialect::initialize() {
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "Graph/IR/GraphOps.cpp.inc"
      >();
}

Value createTensorConstant(OpBuilder &builder, Location loc, StringRef name,
                           const Tensor &t) {
  std::vector<uint8_t> bytes = t.toBytes();
  Type elementType = toMlirType(builder.getContext(), t.dtype());
  auto type = RankedTensorType::get(t.shape(), elementType);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>((const char *)bytes.data(), bytes.size()),
      alignof(uint64_t));
  auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  return ConstantOp::create(builder, loc, cast<ElementsAttr>(attr));
}

Operation *GraphDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

} // namespace tessera::graph
