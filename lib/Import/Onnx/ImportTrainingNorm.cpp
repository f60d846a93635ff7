//===- ImportTrainingNorm.cpp - Training-mode BatchNormalization ----------===//
//
// BatchNormalization with training_mode=1 (opset 14+) normalizes with the
// batch's own statistics and updates the running ones; all of it is
// deterministic, so it is built from reductions and elementwise ops:
//   saved_mean = mean of x over every axis but 1, saved_var likewise
//   (population variance), y = batch_norm(x, scale, bias, saved_mean,
//   saved_var), running_mean = mean * momentum + saved_mean * (1 - momentum),
//   running_var likewise.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;

namespace tessera::onnx_import {

LogicalResult importBatchNormTraining(NodeImporter &n) {
  for (size_t i = 0; i < 5; ++i)
    if (!n.hasInput(i))
      return n.error("input " + Twine(i) + " is required but missing");
  if (n.opset < 14)
    return n.error("training before opset 14 (statistics as extra outputs) "
                   "is not supported");
  int64_t rank = n.inputRank(0);
  if (rank < 2)
    return n.error("input must be [N, C, ...] (rank >= 2), got rank " +
                   Twine(rank));
  std::optional<DType> dt = graph::toDType(n.inputElementType(0));
  if (!dt || !isFloatDType(*dt))
    return n.error("training mode needs a floating-point input");
  float epsilon = n.attrFloat("epsilon", 1e-5f);
  float momentum = n.attrFloat("momentum", 0.9f);
  SmallVector<int64_t> axes;
  for (int64_t i = 0; i < rank; ++i)
    if (i != 1)
      axes.push_back(i);
  auto reduce = [&](Value v, bool keepdims) -> FailureOr<Value> {
    auto op = n.create<graph::ReduceMeanOp>(
        v, {n.b.getNamedAttr("axes", n.b.getDenseI64ArrayAttr(axes)),
            n.b.getNamedAttr("keepdims", n.b.getBoolAttr(keepdims))});
    if (failed(op))
      return failure();
    return op->getResult();
  };
  FailureOr<Value> meanKept = reduce(n.input(0), true);
  FailureOr<Value> mean = reduce(n.input(0), false);
  if (failed(meanKept) || failed(mean))
    return failure();
  auto diff = n.create<graph::SubOp>(ValueRange{n.input(0), *meanKept});
  if (failed(diff))
    return failure();
  auto sq = n.create<graph::MulOp>(ValueRange{*diff, *diff});
  if (failed(sq))
    return failure();
  FailureOr<Value> var = reduce(sq->getResult(), false);
  if (failed(var))
    return failure();
  auto y = n.create<graph::BatchNormOp>(
      ValueRange{n.input(0), n.input(1), n.input(2), *mean, *var},
      {n.b.getNamedAttr("epsilon", n.b.getF32FloatAttr(epsilon))});
  if (failed(y))
    return failure();
  SmallVector<Value> results{y->getResult()};
  // running = running * momentum + batch * (1 - momentum)
  auto update = [&](Value running, Value batch) -> FailureOr<Value> {
    auto kept = n.create<graph::MulOp>(
        ValueRange{running, n.constant(Tensor::scalarF(*dt, momentum))});
    auto added = n.create<graph::MulOp>(
        ValueRange{batch, n.constant(Tensor::scalarF(*dt, 1.0f - momentum))});
    if (failed(kept) || failed(added))
      return failure();
    auto sum = n.create<graph::AddOp>(ValueRange{*kept, *added});
    if (failed(sum))
      return failure();
    return sum->getResult();
  };
  if (n.wantsOutput(1) || n.wantsOutput(2)) {
    FailureOr<Value> runningMean = update(n.input(3), *mean);
    FailureOr<Value> runningVar = update(n.input(4), *var);
    if (failed(runningMean) || failed(runningVar))
      return failure();
    results.push_back(*runningMean);
    results.push_back(*runningVar);
  }
  n.setResults(results);
  return success();
}

} // namespace tessera::onnx_import
