//===- SplitReductions.cpp - Long reductions in two stages ----------------===//

#include "SplitReductions.h"

#include "Graph/IR/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace tessera::conversion {

namespace {
/// How a reduction combines partial results: the op that reduces a group
/// and the op that reduces the partials (by mnemonic).
struct Stages {
  StringRef first, second;
};
} // namespace

/// The two stages of a reduction kind, or nothing when partials do not
/// combine exactly (an integer mean truncates each group).
static std::optional<Stages> stagesOf(Operation *op) {
  bool isFloat = isa<FloatType>(
      cast<RankedTensorType>(op->getOperand(0).getType()).getElementType());
  StringRef name = op->getName().getStringRef();
  if (name == "graph.reduce_sum" || name == "graph.reduce_max" ||
      name == "graph.reduce_min" || name == "graph.reduce_prod" ||
      name == "graph.reduce_l2" || name == "graph.reduce_log_sum_exp")
    return Stages{name, name};                // the kind composes with itself
  if (name == "graph.reduce_mean" && isFloat) // groups are of equal size
    return Stages{name, name};
  if (name == "graph.reduce_sum_square" || name == "graph.reduce_l1")
    return Stages{name, "graph.reduce_sum"};
  if (name == "graph.reduce_log_sum")
    return Stages{"graph.reduce_sum", name};
  return std::nullopt;
}

/// The largest divisor of n that is at most `limit`.
static int64_t largestDivisorAtMost(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// Splits one reduction; returns the second stage when it is still long.
static Operation *splitReduction(Operation *op) {
  std::optional<Stages> stages = stagesOf(op);
  if (!stages)
    return nullptr;
  Value input = op->getOperand(0);
  auto inType = cast<RankedTensorType>(input.getType());
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!inType.hasStaticShape() || !outType.hasStaticShape())
    return nullptr;
  int64_t rank = inType.getRank();
  auto axesAttr = op->getAttrOfType<DenseI64ArrayAttr>("axes");
  auto noop = op->getAttrOfType<BoolAttr>("noop_with_empty_axes");
  SmallVector<bool> reduced(rank, false);
  if (!axesAttr || axesAttr.empty()) {
    if (noop && noop.getValue())
      return nullptr;
    reduced.assign(rank, true);
  } else {
    for (int64_t a : axesAttr.asArrayRef()) {
      int64_t axis = a < 0 ? a + rank : a;
      if (axis < 0 || axis >= rank)
        return nullptr; // the verifier reports it
      reduced[axis] = true;
    }
  }
  SmallVector<int64_t> perm, kept;
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d)
    if (!reduced[d]) {
      perm.push_back(d);
      kept.push_back(inType.getDimSize(d));
    }
  for (int64_t d = 0; d < rank; ++d)
    if (reduced[d]) {
      perm.push_back(d);
      count *= inType.getDimSize(d);
    }
  if (count <= kMaxReductionRow)
    return nullptr;
  // Groups of at most 4096 elements fit any preset's local memory with a
  // kernel's temporaries; a count with no useful divisor stays as it is.
  int64_t group = largestDivisorAtMost(count, 4096);
  if (group < 64)
    return nullptr;

  OpBuilder b(op);
  Location loc = op->getLoc();
  Type elem = inType.getElementType();
  auto tensorOf = [&](ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, elem);
  };
  Value x = input;
  if (!llvm::equal(perm, llvm::seq<int64_t>(0, rank))) {
    SmallVector<int64_t> shape;
    for (int64_t d : perm)
      shape.push_back(inType.getDimSize(d));
    x = graph::TransposeOp::create(b, loc, tensorOf(shape), x,
                                   b.getDenseI64ArrayAttr(perm));
  }
  SmallVector<int64_t> split(kept);
  split.push_back(count / group);
  split.push_back(group);
  x = graph::ReshapeOp::create(b, loc, tensorOf(split), x,
                               b.getDenseI64ArrayAttr(split));
  auto reduceLast = [&](StringRef name, Value v,
                        ArrayRef<int64_t> shape) -> Operation * {
    int64_t last = cast<RankedTensorType>(v.getType()).getRank() - 1;
    SmallVector<NamedAttribute> attrs = {
        b.getNamedAttr("axes", b.getDenseI64ArrayAttr({last})),
        b.getNamedAttr("keepdims", b.getBoolAttr(false))};
    return b.create(loc, b.getStringAttr(name), ValueRange{v},
                    TypeRange{tensorOf(shape)}, attrs);
  };
  SmallVector<int64_t> partialShape(kept);
  partialShape.push_back(count / group);
  Operation *first = reduceLast(stages->first, x, partialShape);
  Operation *second = reduceLast(stages->second, first->getResult(0), kept);
  Value result = second->getResult(0);
  if (outType.getShape() != ArrayRef<int64_t>(kept))
    result = graph::ReshapeOp::create(
        b, loc, outType, result, b.getDenseI64ArrayAttr(outType.getShape()));
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
  return count / group > kMaxReductionRow ? second : nullptr;
}

void splitLongReductions(Operation *root) {
  SmallVector<Operation *> work;
  root->walk([&](Operation *op) {
    if (op->getName().getStringRef().starts_with("graph.reduce_") &&
        op->getNumOperands() == 1)
      work.push_back(op);
  });
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (Operation *again = splitReduction(op))
      work.push_back(again);
  }
}

} // namespace tessera::conversion
