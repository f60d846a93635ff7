//===- GraphCacheOps.cpp - KV-cache ops -----------------------------------===//
//
// Type inference, verification and evaluation of graph.cache_update (the
// write of a decoding step's keys and values into a KV cache at a run-time
// position).
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"

using namespace mlir;

namespace tessera::graph {

LogicalResult CacheUpdateOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  auto cache = cast<RankedTensorType>(adaptor.getCache().getType());
  auto update = cast<RankedTensorType>(adaptor.getUpdate().getType());
  auto position = cast<RankedTensorType>(adaptor.getPosition().getType());
  int64_t rank = cache.getRank();
  int64_t axis = (int64_t)adaptor.getAxis();
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, "cache_update: axis ", axis,
                             " is outside the cache's rank ", rank);
  if (update.getRank() != rank ||
      update.getElementType() != cache.getElementType())
    return emitOptionalError(loc, "cache_update: the update ", update,
                             " must have the cache's rank and element type (",
                             cache, ")");
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis && update.getDimSize(d) != cache.getDimSize(d))
      return emitOptionalError(
          loc, "cache_update: the update ", update, " differs from the cache ",
          cache, " in dimension ", d, " (only axis ", axis, " may differ)");
  if (update.getDimSize(axis) > cache.getDimSize(axis))
    return emitOptionalError(loc, "cache_update: ", update.getDimSize(axis),
                             " new entries do not fit a cache of ",
                             cache.getDimSize(axis));
  if (position.getNumElements() != 1)
    return emitOptionalError(loc, "cache_update: the position ", position,
                             " must hold one element");
  types.push_back(cache);
  return success();
}

LogicalResult CacheUpdateOp::evaluate(ArrayRef<Tensor> in,
                                      SmallVectorImpl<Tensor> &out) {
  const Tensor &cache = in[0], &update = in[1];
  int64_t axis = (int64_t)getAxis();
  int64_t capacity = cache.shape()[axis], n = update.shape()[axis];
  int64_t p = in[2].getI(0);
  if (p < 0 || p + n > capacity)
    return emitOpError() << "writes " << n << " entr" << (n == 1 ? "y" : "ies")
                         << " at position " << p << " of a cache of capacity "
                         << capacity << " (they would overflow it)";
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= cache.shape()[d];
  for (size_t d = axis + 1; d < cache.shape().size(); ++d)
    inner *= cache.shape()[d];
  Tensor result = cache;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t to = ((o * capacity) + p + j) * inner + i,
                from = (o * n + j) * inner + i;
        if (update.isFloat())
          result.setF(to, update.getF(from));
        else
          result.setI(to, update.getI(from));
      }
  out.push_back(std::move(result));
  return success();
}

} // namespace tessera::graph
