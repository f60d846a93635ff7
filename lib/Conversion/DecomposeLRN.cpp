//===- DecomposeLRN.cpp - LRN as primitive graph ops ----------------------===//
//
//   lrn(x[N, C, D...]) = x / (bias + alpha / size * s) ^ beta,
//   s[n, c] = sum of x[n, j]^2 over j in [c - floor((size-1)/2),
//                                         c + ceil((size-1)/2)] within [0, C)
//
// becomes sq = x * x, p = pad(sq) with floor((size-1)/2) zero channels before
// and ceil((size-1)/2) after, s = the sum of the `size` slices p[:, k : k+C]
// (k = 0, 1, ...: the channels of the window in ascending order, as the
// golden sums them), then the scale, bias, power and division. The pad and
// the slices are data movement (DMA copies); the rest fuses into one vector
// kernel.
//
//===----------------------------------------------------------------------===//
#include "Decompositions.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace tessera::conversion {

LogicalResult decomposeLRN(graph::LRNOp op) {
  auto xt = cast<RankedTensorType>(op.getInput().getType());
  int64_t size = op.getSize();
  if (xt.getRank() < 3)
    return op.emitError("LRN needs an input of rank 3 or more (N, C, D...), "
                        "got rank ")
           << xt.getRank();
  if (size < 1)
    return op.emitError("LRN size must be positive, got ") << size;
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type elem = xt.getElementType();
  int64_t rank = xt.getRank(), channels = xt.getDimSize(1);
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  auto scalar = [&](double v) -> Value {
    auto t = RankedTensorType::get({}, elem);
    return graph::ConstantOp::create(b, loc,
                                     cast<ElementsAttr>(DenseElementsAttr::get(
                                         t, b.getFloatAttr(elem, v))))
        .getResult();
  };

  Value x = op.getInput();
  Value sq = graph::MulOp::create(b, loc, xt, x, x);
  SmallVector<int64_t> pads(2 * rank, 0);
  pads[1] = before;
  pads[rank + 1] = after;
  SmallVector<int64_t> padded(xt.getShape().begin(), xt.getShape().end());
  padded[1] += before + after;
  Value p = sq;
  if (before || after)
    p = graph::PadOp::create(b, loc, RankedTensorType::get(padded, elem), sq,
                             b.getDenseI64ArrayAttr(pads),
                             b.getStringAttr("constant"),
                             b.getF64FloatAttr(0.0));
  Value sum;
  for (int64_t k = 0; k < size; ++k) {
    SmallVector<int64_t> starts(rank, 0), ends(padded), steps(rank, 1);
    starts[1] = k;
    ends[1] = k + channels;
    Value s = p;
    if (p != sq)
      s = graph::SliceOp::create(b, loc, xt, p, b.getDenseI64ArrayAttr(starts),
                                 b.getDenseI64ArrayAttr(ends),
                                 b.getDenseI64ArrayAttr(steps));
    sum = sum ? graph::AddOp::create(b, loc, xt, sum, s).getResult() : s;
  }
  double alpha = op.getAlpha().convertToDouble();
  Value scaled =
      graph::MulOp::create(b, loc, xt, sum, scalar(alpha / (double)size));
  Value base = graph::AddOp::create(b, loc, xt, scaled,
                                    scalar(op.getBias().convertToDouble()));
  Value den = graph::PowOp::create(b, loc, xt, base,
                                   scalar(op.getBeta().convertToDouble()));
  Value y = graph::DivOp::create(b, loc, xt, x, den);
  op.getResult().replaceAllUsesWith(y);
  op.erase();
  return success();
}

} // namespace tessera::conversion
