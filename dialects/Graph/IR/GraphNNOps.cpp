//===- GraphNNOps.cpp - Type inference, evaluation and cost of NN ops -----===//
//
// The ops of GraphNNOps.td. Type inference delegates to the golden shape
// rules (NNKernels.h), which check every attribute too: the verifier, the
// importer (through inferReturnTypes) and the evaluator all reject the same
// malformed ops with the same messages, so no op needs a separate verifier.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/Kernels.h"
#include "tessera/Golden/NNKernels.h"

using namespace mlir;

namespace tessera::graph {

static LogicalResult report(std::optional<Location> loc, llvm::Error err) {
  if (err)
    return emitOptionalError(loc, llvm::toString(std::move(err)));
  return success();
}

static std::vector<int64_t> vec(ArrayRef<int64_t> v) {
  return std::vector<int64_t>(v.begin(), v.end());
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

template <typename OpOrAdaptor>
static golden::ConvParams convParams(OpOrAdaptor op) {
  golden::ConvParams p;
  p.strides = vec(op.getStrides());
  p.pads = vec(op.getPads());
  p.dilations = vec(op.getDilations());
  p.group = op.getGroup();
  return p;
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  Shape bias;
  if (Value b = adaptor.getBias())
    bias = shapeOf(b.getType());
  return pushShape(loc,
                   golden::convShape(shapeOf(input),
                                     shapeOf(adaptor.getWeight().getType()),
                                     adaptor.getBias() ? &bias : nullptr,
                                     convParams(adaptor)),
                   elementOf(input), types);
}

LogicalResult ConvOp::evaluate(ArrayRef<Tensor> in,
                               SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out,
                  golden::conv(in[0], in[1], in.size() > 2 ? &in[2] : nullptr,
                               convParams(*this)));
}

int64_t ConvOp::getFlops() {
  return golden::convFlops(shapeOf(getType()), shapeOf(getWeight().getType()));
}

template <typename OpOrAdaptor>
static golden::ConvParams convTransposeParams(OpOrAdaptor op) {
  golden::ConvParams p = convParams(op);
  p.outputPadding = vec(op.getOutputPadding());
  return p;
}

LogicalResult ConvTransposeOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  Shape bias;
  if (Value b = adaptor.getBias())
    bias = shapeOf(b.getType());
  return pushShape(loc,
                   golden::convTransposeShape(
                       shapeOf(input), shapeOf(adaptor.getWeight().getType()),
                       adaptor.getBias() ? &bias : nullptr,
                       convTransposeParams(adaptor)),
                   elementOf(input), types);
}

LogicalResult ConvTransposeOp::evaluate(ArrayRef<Tensor> in,
                                        SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out,
                  golden::convTranspose(in[0], in[1],
                                        in.size() > 2 ? &in[2] : nullptr,
                                        convTransposeParams(*this)));
}

int64_t ConvTransposeOp::getFlops() {
  return golden::convTransposeFlops(shapeOf(getInput().getType()),
                                    shapeOf(getWeight().getType()));
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

template <typename OpOrAdaptor>
static golden::PoolParams poolParams(OpOrAdaptor op, golden::PoolKind kind) {
  golden::PoolParams p;
  p.kind = kind;
  p.kernel = vec(op.getKernelShape());
  p.strides = vec(op.getStrides());
  p.pads = vec(op.getPads());
  p.dilations = vec(op.getDilations());
  p.ceilMode = op.getCeilMode();
  return p;
}

template <typename OpOrAdaptor>
static golden::PoolParams avgPoolParams(OpOrAdaptor op) {
  golden::PoolParams p = poolParams(op, golden::PoolKind::Average);
  p.countIncludePad = op.getCountIncludePad();
  return p;
}

template <typename OpOrAdaptor>
static golden::PoolParams lpPoolParams(OpOrAdaptor op) {
  golden::PoolParams p = poolParams(op, golden::PoolKind::Lp);
  p.p = op.getP();
  return p;
}

static LogicalResult inferPool(std::optional<Location> loc, Type input,
                               const golden::PoolParams &p,
                               SmallVectorImpl<Type> &types) {
  return pushShape(loc, golden::poolShape(shapeOf(input), p), elementOf(input),
                   types);
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return inferPool(loc, adaptor.getInput().getType(),
                   poolParams(adaptor, golden::PoolKind::Max), types);
}
LogicalResult MaxPoolOp::evaluate(ArrayRef<Tensor> in,
                                  SmallVectorImpl<Tensor> &out) {
  return wrapEval(
      *this, out,
      golden::pool(in[0], poolParams(*this, golden::PoolKind::Max)));
}
int64_t MaxPoolOp::getFlops() {
  return golden::poolFlops(shapeOf(getType()), getKernelShape(),
                           golden::PoolKind::Max);
}

LogicalResult MaxPoolWithIndicesOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  int64_t order = adaptor.getStorageOrder();
  if (order != 0 && order != 1)
    return emitOptionalError(loc, "storage_order must be 0 (row-major) or 1 "
                                  "(column-major), got " +
                                      Twine(order));
  if (failed(inferPool(loc, adaptor.getInput().getType(),
                       poolParams(adaptor, golden::PoolKind::Max), types)))
    return failure();
  types.push_back(RankedTensorType::get(
      cast<ShapedType>(types.back()).getShape(), IntegerType::get(ctx, 64)));
  return success();
}
LogicalResult MaxPoolWithIndicesOp::evaluate(ArrayRef<Tensor> in,
                                             SmallVectorImpl<Tensor> &out) {
  auto r = golden::maxPoolWithIndices(
      in[0], poolParams(*this, golden::PoolKind::Max), getStorageOrder() == 1);
  if (!r)
    return emitOpError() << llvm::toString(r.takeError());
  out.push_back(std::move(r->first));
  out.push_back(std::move(r->second));
  return success();
}
int64_t MaxPoolWithIndicesOp::getFlops() {
  return golden::poolFlops(shapeOf(getOutput().getType()), getKernelShape(),
                           golden::PoolKind::Max);
}

LogicalResult AvgPoolOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return inferPool(loc, adaptor.getInput().getType(), avgPoolParams(adaptor),
                   types);
}
LogicalResult AvgPoolOp::evaluate(ArrayRef<Tensor> in,
                                  SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::pool(in[0], avgPoolParams(*this)));
}
int64_t AvgPoolOp::getFlops() {
  return golden::poolFlops(shapeOf(getType()), getKernelShape(),
                           golden::PoolKind::Average);
}

LogicalResult LpPoolOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return inferPool(loc, adaptor.getInput().getType(), lpPoolParams(adaptor),
                   types);
}
LogicalResult LpPoolOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::pool(in[0], lpPoolParams(*this)));
}
int64_t LpPoolOp::getFlops() {
  return golden::poolFlops(shapeOf(getType()), getKernelShape(),
                           golden::PoolKind::Lp);
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  Shape s = shapeOf(adaptor.getScale().getType()),
        b = shapeOf(adaptor.getBias().getType()),
        m = shapeOf(adaptor.getMean().getType()),
        v = shapeOf(adaptor.getVar().getType());
  if (failed(report(
          loc, golden::checkChannelParams(shapeOf(input), {&s, &b, &m, &v}))))
    return failure();
  types.push_back(input);
  return success();
}
LogicalResult BatchNormOp::evaluate(ArrayRef<Tensor> in,
                                    SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out,
                  golden::batchNorm(in[0], in[1], in[2], in[3], in[4],
                                    getEpsilon().convertToFloat()));
}
// With the per-channel parameters folded into one scale and one shift (as
// any backend does), a multiply-add per element.
int64_t BatchNormOp::getFlops() { return 2 * numElements(getType()); }

LogicalResult InstanceNormOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  Shape s = shapeOf(adaptor.getScale().getType()),
        b = shapeOf(adaptor.getBias().getType());
  if (failed(report(loc, golden::checkChannelParams(shapeOf(input), {&s, &b}))))
    return failure();
  types.push_back(input);
  return success();
}
LogicalResult InstanceNormOp::evaluate(ArrayRef<Tensor> in,
                                       SmallVectorImpl<Tensor> &out) {
  return wrapEval(
      *this, out,
      golden::instanceNorm(in[0], in[1], in[2], getEpsilon().convertToFloat()));
}
// mean (1), variance (2), normalize (2), scale and shift (2), as layer_norm.
int64_t InstanceNormOp::getFlops() { return 8 * numElements(getType()); }

LogicalResult LRNOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  if (failed(report(loc, golden::checkLrn(shapeOf(input), adaptor.getSize()))))
    return failure();
  types.push_back(input);
  return success();
}
LogicalResult LRNOp::evaluate(ArrayRef<Tensor> in,
                              SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out,
                  golden::lrn(in[0], getSize(), getAlpha().convertToFloat(),
                              getBeta().convertToFloat(),
                              getBias().convertToFloat()));
}
// A multiply-add per channel in the window, then scale, shift, pow (~4) and
// divide.
int64_t LRNOp::getFlops() {
  return (2 * getSize() + 7) * numElements(getType());
}

LogicalResult
MeanVarianceNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                     Adaptor adaptor,
                                     SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  auto axes = golden::normalizeAxes(adaptor.getAxes(),
                                    cast<ShapedType>(input).getRank());
  if (!axes)
    return report(loc, axes.takeError());
  types.push_back(input);
  return success();
}
LogicalResult MeanVarianceNormOp::evaluate(ArrayRef<Tensor> in,
                                           SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::meanVarianceNorm(in[0], getAxes()));
}
// Sums of x and x^2 (3), then subtract and divide (2) per element.
int64_t MeanVarianceNormOp::getFlops() { return 5 * numElements(getType()); }

LogicalResult LpNormOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  if (failed(report(loc, golden::checkLpNorm(shapeOf(input), adaptor.getAxis(),
                                             adaptor.getP()))))
    return failure();
  types.push_back(input);
  return success();
}
LogicalResult LpNormOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::lpNorm(in[0], getAxis(), getP()));
}
// Accumulate |x| or x^2 (2) and divide (1) per element.
int64_t LpNormOp::getFlops() { return 3 * numElements(getType()); }

//===----------------------------------------------------------------------===//
// Selection and scans
//===----------------------------------------------------------------------===//

static LogicalResult inferArgReduce(MLIRContext *ctx,
                                    std::optional<Location> loc, Type input,
                                    int64_t axis, bool keepdims,
                                    SmallVectorImpl<Type> &types) {
  return pushShape(loc, golden::argReduceShape(shapeOf(input), axis, keepdims),
                   IntegerType::get(ctx, 64), types);
}

LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return inferArgReduce(ctx, loc, adaptor.getInput().getType(),
                        adaptor.getAxis(), adaptor.getKeepdims(), types);
}
LogicalResult ArgMaxOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out,
                  golden::argReduce(in[0], getAxis(), getKeepdims(),
                                    getSelectLastIndex(), /*isMax=*/true));
}
// One comparison per input element.
int64_t ArgMaxOp::getFlops() { return numElements(getInput().getType()); }

LogicalResult ArgMinOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return inferArgReduce(ctx, loc, adaptor.getInput().getType(),
                        adaptor.getAxis(), adaptor.getKeepdims(), types);
}
LogicalResult ArgMinOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out,
                  golden::argReduce(in[0], getAxis(), getKeepdims(),
                                    getSelectLastIndex(), /*isMax=*/false));
}
int64_t ArgMinOp::getFlops() { return numElements(getInput().getType()); }

LogicalResult TopKOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  auto shape =
      golden::topKShape(shapeOf(input), adaptor.getK(), adaptor.getAxis());
  if (!shape)
    return report(loc, shape.takeError());
  types.push_back(RankedTensorType::get(*shape, elementOf(input)));
  types.push_back(RankedTensorType::get(*shape, IntegerType::get(ctx, 64)));
  return success();
}
LogicalResult TopKOp::evaluate(ArrayRef<Tensor> in,
                               SmallVectorImpl<Tensor> &out) {
  auto r = golden::topK(in[0], getK(), getAxis(), getLargest());
  if (!r)
    return emitOpError() << llvm::toString(r.takeError());
  out.push_back(std::move(r->first));
  out.push_back(std::move(r->second));
  return success();
}
// A selection needs about log2(k) comparisons per input element.
int64_t TopKOp::getFlops() {
  int64_t k = std::max<int64_t>(getK(), 2);
  return numElements(getInput().getType()) * (int64_t)llvm::Log2_64_Ceil(k);
}

LogicalResult CumSumOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  if (failed(report(loc, golden::checkAxis(shapeOf(input), adaptor.getAxis()))))
    return failure();
  types.push_back(input);
  return success();
}
LogicalResult CumSumOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(
      *this, out,
      golden::cumSum(in[0], getAxis(), getExclusive(), getReverse()));
}

LogicalResult HardmaxOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  if (failed(report(loc, golden::checkAxis(shapeOf(input), adaptor.getAxis()))))
    return failure();
  types.push_back(input);
  return success();
}
LogicalResult HardmaxOp::evaluate(ArrayRef<Tensor> in,
                                  SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::hardmax(in[0], getAxis()));
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

static LogicalResult inferLoss(std::optional<Location> loc, Type input,
                               Type target, Value weight, StringRef reduction,
                               SmallVectorImpl<Type> &types) {
  auto kind = golden::parseLossReduction(reduction);
  if (!kind)
    return report(loc, kind.takeError());
  Shape w;
  if (weight) {
    w = shapeOf(weight.getType());
    if (elementOf(weight.getType()) != elementOf(input))
      return emitOptionalError(loc, "loss weight element type must match the "
                                    "input's");
  }
  return pushShape(loc,
                   golden::lossShape(shapeOf(input), shapeOf(target),
                                     weight ? &w : nullptr, *kind),
                   elementOf(input), types);
}

static std::optional<int64_t> ignoreIndexOf(std::optional<uint64_t> v) {
  if (!v)
    return std::nullopt;
  return (int64_t)*v;
}

LogicalResult NLLLossOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return inferLoss(loc, adaptor.getInput().getType(),
                   adaptor.getTarget().getType(), adaptor.getWeight(),
                   adaptor.getReduction(), types);
}
LogicalResult NLLLossOp::evaluate(ArrayRef<Tensor> in,
                                  SmallVectorImpl<Tensor> &out) {
  auto kind = golden::parseLossReduction(getReduction());
  if (!kind)
    return emitOpError() << llvm::toString(kind.takeError());
  return wrapEval(*this, out,
                  golden::nllLoss(in[0], in[1],
                                  in.size() > 2 ? &in[2] : nullptr, *kind,
                                  ignoreIndexOf(getIgnoreIndex())));
}
// A multiply by the weight and an add per sample.
int64_t NLLLossOp::getFlops() { return 2 * numElements(getTarget().getType()); }

LogicalResult SoftmaxCrossEntropyLossOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  Type scores = adaptor.getScores().getType();
  if (failed(inferLoss(loc, scores, adaptor.getLabels().getType(),
                       adaptor.getWeights(), adaptor.getReduction(), types)))
    return failure();
  types.push_back(scores);
  return success();
}
LogicalResult
SoftmaxCrossEntropyLossOp::evaluate(ArrayRef<Tensor> in,
                                    SmallVectorImpl<Tensor> &out) {
  auto kind = golden::parseLossReduction(getReduction());
  if (!kind)
    return emitOpError() << llvm::toString(kind.takeError());
  auto r = golden::softmaxCrossEntropyLoss(
      in[0], in[1], in.size() > 2 ? &in[2] : nullptr, *kind,
      ignoreIndexOf(getIgnoreIndex()));
  if (!r)
    return emitOpError() << llvm::toString(r.takeError());
  out.push_back(std::move(r->first));
  out.push_back(std::move(r->second));
  return success();
}
// log_softmax over the scores (as graph.log_softmax: 8 per element), then
// the NLL part per sample.
int64_t SoftmaxCrossEntropyLossOp::getFlops() {
  return 8 * numElements(getScores().getType()) +
         2 * numElements(getLabels().getType());
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

static std::vector<Shape> shapesOf(ValueRange values) {
  std::vector<Shape> shapes;
  for (Value v : values)
    shapes.push_back(shapeOf(v.getType()));
  return shapes;
}

LogicalResult EinsumOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  if (adaptor.getInputs().empty())
    return emitOptionalError(loc, "einsum needs at least one input");
  return pushShape(
      loc,
      golden::einsumShape(adaptor.getEquation(), shapesOf(adaptor.getInputs())),
      elementOf(adaptor.getInputs().front().getType()), types);
}
LogicalResult EinsumOp::evaluate(ArrayRef<Tensor> in,
                                 SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::einsum(getEquation(), in));
}
// A multiply per extra operand and an add, for every label combination.
int64_t EinsumOp::getFlops() {
  auto n = golden::einsumIterations(getEquation(), shapesOf(getInputs()));
  if (!n) {
    llvm::consumeError(n.takeError());
    return 0;
  }
  return *n * (int64_t)getInputs().size();
}

} // namespace tessera::graph
