//===- Decompose.cpp - Composite graph ops as primitive graph ops ---------===//
//
// Ops with no kernel of their own are rewritten into graph ops that have
// one, following their ONNX function definitions:
//
//   nll_loss(x[N, C, D...], t[N, D...], w[C]?):
//     ok   = t != ignore_index                (when given)
//     ts   = where(ok, t, 0)
//     l    = -gather_elements(x, ts[N, 1, D...], axis 1) * w[ts] * ok
//     none -> l;  sum -> sum(l);  mean -> sum(l) / sum(w[ts] * ok)
//   softmax_cross_entropy_loss(s, t, w?) = (nll_loss(log_softmax(s, 1), t, w),
//                                           log_softmax(s, 1))
//
//===----------------------------------------------------------------------===//
#include "Graph/IR/GraphDialect.h"
#include "tessera/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace tessera::conversion {
#define GEN_PASS_DEF_GRAPHDECOMPOSE
#include "Npu/Transforms/Passes.h.inc"
} // namespace tessera::conversion

using namespace mlir;
namespace graph = tessera::graph;

namespace {

RankedTensorType tensor(ArrayRef<int64_t> shape, Type elem) {
  return RankedTensorType::get(shape, elem);
}

Value scalarConst(OpBuilder &b, Location loc, Type elem, double v) {
  auto t = tensor({}, elem);
  Attribute a;
  if (isa<FloatType>(elem))
    a = DenseElementsAttr::get(t, b.getFloatAttr(elem, v));
  else if (elem.isInteger(1))
    a = DenseElementsAttr::get(t, v != 0);
  else
    a = DenseElementsAttr::get(t, b.getIntegerAttr(elem, (int64_t)v));
  return graph::ConstantOp::create(b, loc, cast<ElementsAttr>(a)).getResult();
}

/// The NLL loss of log-probabilities `x` against `t`; see the file comment.
Value nllLoss(OpBuilder &b, Location loc, Value x, Value t, Value w,
              StringRef reduction, std::optional<int64_t> ignore,
              RankedTensorType resultType) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto tt = cast<RankedTensorType>(t.getType());
  Type f = xt.getElementType(), it = tt.getElementType();
  ArrayRef<int64_t> ts = tt.getShape();
  Value ok, safe = t;
  if (ignore) {
    Value eq = graph::EqualOp::create(b, loc, tensor(ts, b.getI1Type()), t,
                                      scalarConst(b, loc, it, (double)*ignore));
    ok = graph::NotOp::create(b, loc, eq.getType(), eq);
    safe = graph::WhereOp::create(b, loc, tt, ok, t,
                                  scalarConst(b, loc, it, 0));
  }
  SmallVector<int64_t> idxShape(ts.begin(), ts.end());
  idxShape.insert(idxShape.begin() + 1, 1);
  Value idx = graph::ReshapeOp::create(b, loc, tensor(idxShape, it), safe,
                                       b.getDenseI64ArrayAttr(idxShape));
  Value g = graph::GatherElementsOp::create(b, loc, tensor(idxShape, f), x,
                                            idx, b.getI64IntegerAttr(1));
  Value loss = graph::ReshapeOp::create(b, loc, tensor(ts, f), g,
                                        b.getDenseI64ArrayAttr(ts));
  loss = graph::NegOp::create(b, loc, loss.getType(), loss);
  Value weightOf; // the weight each sample counts with
  if (w) {
    weightOf = graph::GatherOp::create(b, loc, tensor(ts, f), w, safe,
                                       b.getI64IntegerAttr(0));
    loss = graph::MulOp::create(b, loc, loss.getType(), loss, weightOf);
  }
  if (ok) {
    Value okf = graph::CastOp::create(b, loc, tensor(ts, f), ok,
                                      TypeAttr::get(f));
    loss = graph::MulOp::create(b, loc, loss.getType(), loss, okf);
    weightOf = weightOf ? graph::MulOp::create(b, loc, loss.getType(),
                                               weightOf, okf)
                              .getResult()
                        : okf;
  }
  if (reduction == "none")
    return loss;
  SmallVector<int64_t> all;
  for (int64_t i = 0; i < (int64_t)ts.size(); ++i)
    all.push_back(i);
  auto sumOf = [&](Value v) {
    return graph::ReduceSumOp::create(b, loc, resultType, v,
                                      b.getDenseI64ArrayAttr(all),
                                      b.getBoolAttr(false), nullptr)
        .getResult();
  };
  Value total = sumOf(loss);
  if (reduction == "sum")
    return total;
  Value count;
  if (weightOf) {
    count = sumOf(weightOf);
  } else {
    int64_t n = 1;
    for (int64_t d : ts)
      n *= d;
    count = scalarConst(b, loc, f, (double)n);
  }
  return graph::DivOp::create(b, loc, resultType, total, count);
}

struct GraphDecomposePass
    : public tessera::conversion::impl::GraphDecomposeBase<
          GraphDecomposePass> {
  using GraphDecomposeBase::GraphDecomposeBase;

  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<graph::NLLLossOp, graph::SoftmaxCrossEntropyLossOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      if (auto n = dyn_cast<graph::NLLLossOp>(op)) {
        if (n.getReduction() != "none" && n.getReduction() != "sum" &&
            n.getReduction() != "mean") {
          op->emitError("unknown reduction '") << n.getReduction() << "'";
          return signalPassFailure();
        }
        Value r = nllLoss(b, loc, n.getInput(), n.getTarget(), n.getWeight(),
                          n.getReduction(), n.getIgnoreIndex(),
                          cast<RankedTensorType>(n.getType()));
        n.getResult().replaceAllUsesWith(r);
      } else {
        auto s = cast<graph::SoftmaxCrossEntropyLossOp>(op);
        if (s.getReduction() != "none" && s.getReduction() != "sum" &&
            s.getReduction() != "mean") {
          op->emitError("unknown reduction '") << s.getReduction() << "'";
          return signalPassFailure();
        }
        Value lp = graph::LogSoftmaxOp::create(b, loc, s.getScores().getType(),
                                               s.getScores(),
                                               b.getI64IntegerAttr(1));
        Value r = nllLoss(b, loc, lp, s.getLabels(), s.getWeights(),
                          s.getReduction(), s.getIgnoreIndex(),
                          cast<RankedTensorType>(s.getOutput().getType()));
        s.getOutput().replaceAllUsesWith(r);
        s.getLogProb().replaceAllUsesWith(lp);
      }
      op->erase();
    }
  }
};

} // namespace
