//===- CacheUpdateKernel.cpp - graph.cache_update on the NPU --------------===//
//
// A decoding step's KV-cache write: the result shares the cache's GM buffer
// (tessera-npu-plan-memory aliases it, as it does a view), so the kernel
// moves only the new rows. It is a scatter DMA whose row index is computed
// at run time: each of the n rows goes to `position + j` (the position read
// from GM, broadcast; j from a constant iota), which the gather unit checks
// against the cache's capacity when the DMA issues.
//
//===----------------------------------------------------------------------===//
#include "DispatchKernels.h"

#include "Graph/IR/GraphDialect.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::codegen;

namespace tessera::conversion {

bool isInPlaceOp(Operation *op) { return isa<graph::CacheUpdateOp>(op); }

bool isInPlaceDispatch(npu::DispatchOp d) {
  Block &body = d.getBody().front();
  return !body.empty() && isInPlaceOp(&body.front());
}

Tensor cacheUpdateIota(int64_t n) {
  Tensor t(DType::I32, {n});
  for (int64_t j = 0; j < n; ++j)
    t.setI(j, j);
  return t;
}

bool translateCacheUpdate(npu::DispatchOp d, ArrayRef<int64_t> addrs,
                          std::vector<Kernel> &kernels, std::string &why) {
  auto op = cast<graph::CacheUpdateOp>(&d.getBody().front().front());
  // Operands: cache, update, position, iota (aux); then the result.
  if (d.getInputs().size() != 4) {
    why = "internal error: cache_update dispatch without its iota";
    return false;
  }
  std::vector<int64_t> cs = shapeOfValue(d.getInputs()[0]);
  std::vector<int64_t> us = shapeOfValue(d.getInputs()[1]);
  int64_t axis = (int64_t)op.getAxis();
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= cs[i];
  for (size_t i = axis + 1; i < cs.size(); ++i)
    inner *= cs[i];
  int64_t n = us[axis];
  if (dtypeOfValue(d.getInputs()[2]) != DType::I32) {
    why = "the cache position must be stored as i32";
    return false;
  }
  DType cacheType = dtypeOfValue(d.getResults()[0]);
  if (dtypeOfValue(d.getInputs()[1]) != cacheType ||
      dtypeOfValue(d.getInputs()[0]) != cacheType) {
    why = "the cache and its update must be stored alike";
    return false;
  }
  uint64_t result = (uint64_t)addrs[4];
  if (result != (uint64_t)addrs[0]) {
    why = "internal error: the updated cache does not share the cache's "
          "buffer";
    return false;
  }
  GatherKernel k;
  k.name = nodeName(d);
  k.scatter = true;
  k.distinctRows = true; // position + j
  k.table = GmView::contiguous(result, cacheType, {outer, cs[axis], inner});
  // Every row reads the one position (stride 0) and adds its j.
  k.index = GmView::contiguous((uint64_t)addrs[2], DType::I32, {n});
  k.index.strides = {0};
  k.hasBase = true;
  k.base = GmView::contiguous((uint64_t)addrs[3], DType::I32, {n});
  k.out = GmView::contiguous((uint64_t)addrs[1], cacheType, {outer, n, inner});
  kernels.push_back(k);
  return true;
}

} // namespace tessera::conversion
