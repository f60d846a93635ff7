//===- SplitReductions.cpp - Long reductions in two stages ----------------===//

#include "SplitReductions.h"

#include "Graph/IR/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <type_traits>

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

/// Splits an argmax or argmin over a long axis (the greedy choice over a
/// 102400-token vocabulary): the row as [groups, group], each group's
/// extreme value and its first index in the group, offset to an index in
/// the row (g x group + index); then, of the groups holding the extreme of
/// those values, the least such index. The first occurrence overall is the
/// first occurrence within the first group that holds the extreme, so the
/// result is the unsplit op's (with select_last_index, the greatest index
/// of the last occurrences). The second stage is elementwise work and two
/// reductions over the groups' few values; picking the group with an
/// argmax first and then its index with a GatherElements (an indexed DMA
/// that waits for the group's index), a Mul and an Add made a chain of
/// dependent round trips through GM on one core at the end of every
/// decode step. With the top-1 below, an argmax over 102400 logits alone
/// takes 3886 cycles on dc and 11731 on edge, against 5532 and 21132.
/// Should no group compare equal to the extreme of the extremes,
/// the result is still an index in the row: the last (the first with
/// select_last_index). Pushes the second stage's reductions to `work`.
template <typename ArgOp>
static void splitArgReduce(ArgOp op, SmallVectorImpl<Operation *> &work) {
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  if (!inType.hasStaticShape())
    return;
  int64_t rank = inType.getRank();
  int64_t axis = (int64_t)op.getAxis(); // I64Attr: signed in storage
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return; // the verifier reports it
  int64_t count = inType.getDimSize(axis);
  // The top-k kernel that finds an extreme holds the row with its indices
  // and temporaries: 4096 elements fit every preset, 16384 do not.
  constexpr int64_t kMaxArgReduceRow = 4096;
  if (count <= kMaxArgReduceRow)
    return;
  int64_t group = largestDivisorAtMost(count, kMaxArgReduceRow);
  if (group < 64)
    return;
  constexpr bool isMax = std::is_same_v<ArgOp, graph::ArgMaxOp>;

  OpBuilder b(op);
  Location loc = op.getLoc();
  Type elem = inType.getElementType();
  Type i64 = b.getI64Type();
  // [..., count, ...] -> [..., groups, group, ...]: the group axis is
  // axis + 1 and the groups' axis is `axis`.
  SmallVector<int64_t> split(inType.getShape());
  split[axis] = count / group;
  split.insert(split.begin() + axis + 1, group);
  Value x =
      graph::ReshapeOp::create(b, loc, RankedTensorType::get(split, elem),
                               op.getInput(), b.getDenseI64ArrayAttr(split));
  SmallVector<int64_t> partial(split);
  partial.erase(partial.begin() + axis + 1);
  SmallVector<int64_t> one(partial);
  one[axis] = 1;
  auto axisAttr = [&](int64_t a) { return b.getI64IntegerAttr(a); };
  // Per group: its extreme and the extreme's first index in the group, by
  // one top-1 (equal values keep index order), which reads the group once;
  // the last index (select_last_index), a group along a middle axis (which
  // the top-k kernel does not take) or integers, by a reduction and an
  // argmax.
  bool selectLast = op.getSelectLastIndex();
  Value extreme, inGroup;
  auto partialType = RankedTensorType::get(partial, elem);
  auto partialI64 = RankedTensorType::get(partial, i64);
  if (!selectLast && axis == rank - 1 && isa<FloatType>(elem)) {
    SmallVector<int64_t> top(split);
    top[axis + 1] = 1;
    auto topK = graph::TopKOp::create(b, loc, RankedTensorType::get(top, elem),
                                      RankedTensorType::get(top, i64), x,
                                      b.getI64IntegerAttr(1),
                                      axisAttr(axis + 1), b.getBoolAttr(isMax));
    auto flat = [&](Value v, RankedTensorType type) -> Value {
      return graph::ReshapeOp::create(b, loc, type, v,
                                      b.getDenseI64ArrayAttr(partial));
    };
    extreme = flat(topK.getValues(), partialType);
    inGroup = flat(topK.getIndices(), partialI64);
  } else {
    auto reduceAttrs = SmallVector<NamedAttribute>{
        b.getNamedAttr("axes", b.getDenseI64ArrayAttr({axis + 1})),
        b.getNamedAttr("keepdims", b.getBoolAttr(false))};
    if constexpr (isMax)
      extreme = graph::ReduceMaxOp::create(b, loc, TypeRange{partialType},
                                           ValueRange{x}, reduceAttrs);
    else
      extreme = graph::ReduceMinOp::create(b, loc, TypeRange{partialType},
                                           ValueRange{x}, reduceAttrs);
    inGroup = ArgOp::create(b, loc, partialI64, x, axisAttr(axis + 1),
                            b.getBoolAttr(false), b.getBoolAttr(selectLast));
  }
  // Each group's index in the row: g x group + its index in the group.
  int64_t groups = count / group;
  SmallVector<int64_t> offsetShape(partial.size(), 1);
  offsetShape[axis] = groups;
  SmallVector<APInt> offsets;
  for (int64_t g = 0; g < groups; ++g)
    offsets.push_back(APInt(64, (uint64_t)(g * group)));
  Value offset = graph::ConstantOp::create(
      b, loc,
      cast<ElementsAttr>(DenseElementsAttr::get(
          RankedTensorType::get(offsetShape, i64), offsets)));
  Value candidate = graph::AddOp::create(b, loc, partialI64, inGroup, offset);
  // The groups holding the extreme of the extremes, and of their indices
  // the least (the greatest with select_last_index).
  auto keep = [&] {
    return SmallVector<NamedAttribute>{
        b.getNamedAttr("axes", b.getDenseI64ArrayAttr({axis})),
        b.getNamedAttr("keepdims", b.getBoolAttr(true))};
  };
  Operation *overall;
  if constexpr (isMax)
    overall = graph::ReduceMaxOp::create(
        b, loc, TypeRange{RankedTensorType::get(one, elem)},
        ValueRange{extreme}, keep());
  else
    overall = graph::ReduceMinOp::create(
        b, loc, TypeRange{RankedTensorType::get(one, elem)},
        ValueRange{extreme}, keep());
  Value holds = graph::EqualOp::create(
      b, loc, RankedTensorType::get(partial, b.getI1Type()), extreme,
      overall->getResult(0));
  auto none =
      DenseElementsAttr::get(RankedTensorType::get({}, i64),
                             b.getI64IntegerAttr(selectLast ? 0 : count - 1));
  Value picked = graph::WhereOp::create(
      b, loc, partialI64, holds, candidate,
      graph::ConstantOp::create(b, loc, cast<ElementsAttr>(none)));
  // The index drops the groups' axis when the op's result does (keepdims =
  // 0, as the greedy token's argmax): the reduction then writes the result
  // itself, where a reshape of a program output is a copy of its own.
  auto outType = cast<RankedTensorType>(op.getType());
  SmallVector<int64_t> dropped(partial);
  dropped.erase(dropped.begin() + axis);
  bool dropAxis = outType.getShape() == ArrayRef<int64_t>(dropped);
  auto indexType = RankedTensorType::get(dropAxis ? dropped : one, i64);
  auto indexAttrs = keep();
  if (dropAxis)
    indexAttrs[1] = b.getNamedAttr("keepdims", b.getBoolAttr(false));
  Operation *index;
  if (selectLast)
    index = graph::ReduceMaxOp::create(b, loc, TypeRange{indexType},
                                       ValueRange{picked}, indexAttrs);
  else
    index = graph::ReduceMinOp::create(b, loc, TypeRange{indexType},
                                       ValueRange{picked}, indexAttrs);
  Value result = index->getResult(0);
  if (outType.getShape() != indexType.getShape())
    result = graph::ReshapeOp::create(
        b, loc, outType, result, b.getDenseI64ArrayAttr(outType.getShape()));
  op.getResult().replaceAllUsesWith(result);
  op.erase();
  // A second stage longer than a reduction row is split in turn.
  work.push_back(overall);
  work.push_back(index);
}

void splitLongReductions(Operation *root) {
  SmallVector<Operation *> work;
  root->walk([&](Operation *op) {
    if ((op->getName().getStringRef().starts_with("graph.reduce_") &&
         op->getNumOperands() == 1) ||
        isa<graph::ArgMaxOp, graph::ArgMinOp>(op))
      work.push_back(op);
  });
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (auto am = dyn_cast<graph::ArgMaxOp>(op)) {
      splitArgReduce(am, work);
      continue;
    }
    if (auto am = dyn_cast<graph::ArgMinOp>(op)) {
      splitArgReduce(am, work);
      continue;
    }
    if (Operation *again = splitReduction(op))
      work.push_back(again);
  }
}

} // namespace tessera::conversion
