//===- GraphTypeInference.cpp - Result type inference ---------------------===//
//
// Every graph op computes its result type from its operands and attributes;
// the builders use this, and the verifier checks printed types against it.
// Shape rules that the golden kernels also need (broadcasting, matmul) are
// shared with them.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/Kernels.h"

using namespace mlir;

namespace tessera::graph {

static LogicalResult fail(std::optional<Location> loc, const Twine &message) {
  return emitOptionalError(loc, message);
}

Shape shapeOf(Type t) {
  auto s = cast<ShapedType>(t).getShape();
  return Shape(s.begin(), s.end());
}

Type elementOf(Type t) { return cast<ShapedType>(t).getElementType(); }

Type tensorOf(const Shape &shape, Type elementType) {
  return RankedTensorType::get(shape, elementType);
}

LogicalResult pushShape(std::optional<Location> loc,
                        llvm::Expected<Shape> shape, Type elementType,
                        SmallVectorImpl<Type> &types) {
  if (!shape)
    return emitOptionalError(loc, llvm::toString(shape.takeError()));
  types.push_back(tensorOf(*shape, elementType));
  return success();
}

LogicalResult inferBroadcastType(std::optional<Location> loc, Type lhs,
                                 Type rhs, Type resultElementType,
                                 SmallVectorImpl<Type> &types) {
  auto shape = golden::broadcastShapes(shapeOf(lhs), shapeOf(rhs));
  if (!shape)
    return fail(loc, llvm::toString(shape.takeError()));
  types.push_back(
      tensorOf(*shape, resultElementType ? resultElementType : elementOf(lhs)));
  return success();
}

LogicalResult inferReduceType(std::optional<Location> loc, Type input,
                              ArrayRef<int64_t> axes, bool keepdims,
                              bool noopWithEmptyAxes,
                              SmallVectorImpl<Type> &types) {
  Shape shape = shapeOf(input);
  auto normalized = golden::normalizeAxes(axes, shape.size());
  if (!normalized)
    return fail(loc, llvm::toString(normalized.takeError()));
  std::vector<bool> reduced(shape.size(), axes.empty() && !noopWithEmptyAxes);
  for (int64_t a : *normalized)
    reduced[a] = true;
  Shape out;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (!reduced[i])
      out.push_back(shape[i]);
    else if (keepdims)
      out.push_back(1);
  }
  types.push_back(tensorOf(out, elementOf(input)));
  return success();
}

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location>,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getValue().getType());
  return success();
}

LogicalResult PowOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  return inferBroadcastType(loc, adaptor.getLhs().getType(),
                            adaptor.getRhs().getType(), nullptr, types);
}

LogicalResult ModOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  return inferBroadcastType(loc, adaptor.getLhs().getType(),
                            adaptor.getRhs().getType(), nullptr, types);
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  Type x = adaptor.getX().getType(), y = adaptor.getY().getType();
  if (elementOf(x) != elementOf(y))
    return fail(loc, "'x' and 'y' must have the same element type");
  auto xy = golden::broadcastShapes(shapeOf(x), shapeOf(y));
  if (!xy)
    return fail(loc, llvm::toString(xy.takeError()));
  auto all =
      golden::broadcastShapes(shapeOf(adaptor.getCondition().getType()), *xy);
  if (!all)
    return fail(loc, llvm::toString(all.takeError()));
  types.push_back(tensorOf(*all, elementOf(x)));
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  types.push_back(
      tensorOf(shapeOf(adaptor.getInput().getType()), adaptor.getTo()));
  return success();
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  Type lhs = adaptor.getLhs().getType();
  auto shape =
      golden::matmulShape(shapeOf(lhs), shapeOf(adaptor.getRhs().getType()));
  if (!shape)
    return fail(loc, llvm::toString(shape.takeError()));
  types.push_back(tensorOf(*shape, elementOf(lhs)));
  return success();
}

LogicalResult GemmOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  Shape a = shapeOf(adaptor.getA().getType());
  Shape b = shapeOf(adaptor.getB().getType());
  if (a.size() != 2 || b.size() != 2)
    return fail(loc, "gemm expects 2-D A and B");
  int64_t m = adaptor.getTransA() ? a[1] : a[0];
  int64_t ka = adaptor.getTransA() ? a[0] : a[1];
  int64_t kb = adaptor.getTransB() ? b[1] : b[0];
  int64_t n = adaptor.getTransB() ? b[0] : b[1];
  if (ka != kb)
    return fail(loc, "gemm inner dimensions differ: " + Twine(ka) + " vs " +
                         Twine(kb));
  if (Value c = adaptor.getC()) {
    auto bc = golden::broadcastShapes(shapeOf(c.getType()), {m, n});
    if (!bc || *bc != Shape{m, n})
      return fail(loc, "gemm C of shape " +
                           shapeToString(shapeOf(c.getType())) +
                           " does not broadcast to " + shapeToString({m, n}));
  }
  types.push_back(tensorOf({m, n}, elementOf(adaptor.getA().getType())));
  return success();
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location>,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location>,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult RMSNormOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location>,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  Shape in = shapeOf(input);
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (perm.size() != in.size())
    return fail(loc, "permutation has " + Twine(perm.size()) +
                         " entries for a rank-" + Twine(in.size()) + " input");
  std::vector<bool> seen(in.size(), false);
  Shape out;
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)in.size() || seen[p])
      return fail(loc, "invalid permutation entry " + Twine(p));
    seen[p] = true;
    out.push_back(in[p]);
  }
  types.push_back(tensorOf(out, elementOf(input)));
  return success();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  Shape out(adaptor.getShape().begin(), adaptor.getShape().end());
  for (int64_t d : out)
    if (d < 0)
      return fail(loc, "reshape target dimension " + Twine(d) +
                           " is negative (the importer resolves -1 and 0)");
  if (shapeNumElements(out) != numElements(input))
    return fail(loc, "cannot reshape " + Twine(numElements(input)) +
                         " elements into " + shapeToString(out));
  types.push_back(tensorOf(out, elementOf(input)));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  if (adaptor.getInputs().empty())
    return fail(loc, "concat needs at least one input");
  Type first = adaptor.getInputs().front().getType();
  Shape out = shapeOf(first);
  int64_t rank = out.size();
  int64_t axis = adaptor.getAxis();
  if (axis < -rank || axis >= rank)
    return fail(loc, "concat axis " + Twine(axis) + " out of range for rank " +
                         Twine(rank));
  if (axis < 0)
    axis += rank;
  out[axis] = 0;
  for (Value v : adaptor.getInputs()) {
    Shape s = shapeOf(v.getType());
    if ((int64_t)s.size() != rank || elementOf(v.getType()) != elementOf(first))
      return fail(loc, "concat inputs differ in rank or element type");
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis && s[i] != out[i])
        return fail(loc, "concat inputs differ in dimension " + Twine(i));
    out[axis] += s[axis];
  }
  types.push_back(tensorOf(out, elementOf(first)));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  Shape in = shapeOf(input);
  ArrayRef<int64_t> starts = adaptor.getStarts(), ends = adaptor.getEnds(),
                    steps = adaptor.getSteps();
  if (starts.size() != in.size() || ends.size() != in.size() ||
      steps.size() != in.size())
    return fail(loc, "slice needs one start, end and step per dimension");
  Shape out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (steps[i] == 0)
      return fail(loc, "slice step must not be 0");
    // Normalized form: 0 <= start <= dim for positive steps,
    // -1 <= start <= dim - 1 for negative ones (ends likewise).
    int64_t lo = steps[i] > 0 ? 0 : -1, hi = steps[i] > 0 ? in[i] : in[i] - 1;
    if (starts[i] < lo || starts[i] > hi || ends[i] < lo || ends[i] > hi)
      return fail(loc, "slice bounds of dimension " + Twine(i) +
                           " are not normalized");
    out.push_back(golden::sliceLength(starts[i], ends[i], steps[i]));
  }
  types.push_back(tensorOf(out, elementOf(input)));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  Shape in = shapeOf(input), idx = shapeOf(adaptor.getIndices().getType());
  int64_t rank = in.size(), axis = adaptor.getAxis();
  if (axis < -rank || axis >= rank)
    return fail(loc, "gather axis " + Twine(axis) + " out of range for rank " +
                         Twine(rank));
  if (axis < 0)
    axis += rank;
  Shape out(in.begin(), in.begin() + axis);
  out.insert(out.end(), idx.begin(), idx.end());
  out.insert(out.end(), in.begin() + axis + 1, in.end());
  types.push_back(tensorOf(out, elementOf(input)));
  return success();
}

} // namespace tessera::graph
