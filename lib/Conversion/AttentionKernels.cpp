//===- AttentionKernels.cpp - graph.attention -> flash-attention kernel ---===//
//
// Describes an attention dispatch as a codegen::AttentionKernel: GM views of
// query, key, value, the optional mask (broadcast to [B, Hq, Sq, Skv]) and
// result, the run-time kv_length's address, and the iota constant the
// dispatch carries as its last operand (loweringNeeds).
//
//===----------------------------------------------------------------------===//
#include "DispatchKernels.h"

#include "Graph/IR/GraphDialect.h"
#include "tessera/CodeGen/AttentionKernel.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::codegen;

namespace tessera::conversion {

bool isHeadMergedAttention(Operation *op) {
  auto a = dyn_cast<graph::AttentionOp>(op);
  if (!a || !a->hasOneUse())
    return false;
  Operation *t = *a->getUsers().begin();
  return isHeadTranspose(t) && t->getBlock() == a->getBlock() &&
         t->getNextNode() == t->getBlock()->getTerminator() &&
         t->getBlock()->getTerminator()->getOperand(0) == t->getResult(0);
}

bool isAttentionLayoutOp(Operation *op) {
  if (auto c = dyn_cast<graph::ConcatOp>(op)) {
    auto t = cast<RankedTensorType>(c.getResult().getType());
    return c.getInputs().size() == 2 &&
           normalizedAxis((int64_t)c.getAxis(), t.getRank()) == t.getRank() - 1;
  }
  return isViewLayoutOp(op);
}

Operation *attentionOfBody(Block &body) {
  Operation *attention = nullptr;
  for (Operation &o : body.without_terminator()) {
    if (isa<graph::AttentionOp>(&o) && !attention)
      attention = &o;
    else if (attention ? !isHeadMergedAttention(attention) ||
                             o.getOperand(0) != attention->getResult(0)
                       : !isAttentionLayoutOp(&o))
      return nullptr;
  }
  // Yielded itself, or through its head merge.
  if (attention && !isHeadMergedAttention(attention) &&
      body.getTerminator()->getOperand(0) != attention->getResult(0))
    return nullptr;
  return attention;
}

/// The view of a query or key, and its tail (the second piece of a concat
/// along the last axis) if it has one.
static bool operandViews(Value v, npu::DispatchOp d, ArrayRef<int64_t> addrs,
                         GmView &head, GmView &tail) {
  auto c = v.getDefiningOp<graph::ConcatOp>();
  if (!c)
    return layoutView(v, d, addrs, head);
  if (!layoutView(c.getInputs()[0], d, addrs, head) ||
      !layoutView(c.getInputs()[1], d, addrs, tail))
    return false;
  head.shape[3] += tail.shape[3];
  return true;
}

bool translateAttention(npu::DispatchOp d, Operation *op,
                        ArrayRef<int64_t> addrs, std::vector<Kernel> &kernels,
                        std::string &why) {
  auto a = cast<graph::AttentionOp>(op);
  unsigned nIn = d.getInputs().size();
  AttentionKernel k;
  k.name = nodeName(d);
  if (!operandViews(a.getQuery(), d, addrs, k.q, k.qTail) ||
      !operandViews(a.getKey(), d, addrs, k.k, k.kTail) ||
      !layoutView(a.getValue(), d, addrs, k.v)) {
    why = "internal error: an attention's operands must be views of its "
          "dispatch's inputs";
    return false;
  }
  // The dispatch's own operand of a mask or length (never through a view).
  auto inputOf = [&](Value v) -> int {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg ? (int)arg.getArgNumber() : -1;
  };
  Value out = d.getResults()[0];
  k.out = GmView::contiguous((uint64_t)addrs[nIn], dtypeOfValue(out),
                             shapeOfValue(out));
  if (isHeadMergedAttention(op)) {
    // The dispatch's result is the heads merged, [B, Sq, Hq, Dv]: the
    // kernel writes it there, seen as [B, Hq, Sq, Dv].
    std::swap(k.out.shape[1], k.out.shape[2]);
    std::swap(k.out.strides[1], k.out.strides[2]);
  }
  k.causal = a.getCausal();
  k.scale = a.getScaleValue();
  k.iotaAddr = (uint64_t)addrs[nIn - 1];
  // Scratch: flash decoding's partial results (decode), then the GM
  // workspace of an attention split over cube and vector cores.
  if (d.getScratch() && !d.getScratch()->empty()) {
    ArrayRef<int64_t> sizes = *d.getScratch();
    unsigned i = 0;
    if (AttentionKernel::splits(k.q.shape[2], k.k.shape[2]))
      k.scratchAddr = (uint64_t)addrs[nIn + 1 + i++];
    if (i < sizes.size()) {
      k.workspaceAddr = (uint64_t)addrs[nIn + 1 + i];
      k.workspaceBytes = (uint64_t)sizes[i];
    }
  }
  std::vector<int64_t> scores = {k.q.shape[0], k.q.shape[1], k.q.shape[2],
                                 k.k.shape[2]};
  if (a.getMask()) {
    int next = inputOf(a.getMask());
    if (next < 0) {
      why = "internal error: an attention's mask must be its dispatch's input";
      return false;
    }
    Value m = d.getInputs()[next];
    std::vector<int64_t> ms = shapeOfValue(m);
    std::vector<int64_t> own = contiguousStrides(ms);
    k.hasMask = true;
    k.mask.addr = (uint64_t)addrs[next];
    k.mask.dtype = dtypeOfValue(m);
    k.mask.shape = scores;
    k.mask.strides.assign(4, 0);
    size_t off = 4 - ms.size();
    for (size_t i = 0; i < ms.size(); ++i)
      k.mask.strides[off + i] = ms[i] == 1 ? 0 : own[i];
  }
  if (a.getKvLength()) {
    int next = inputOf(a.getKvLength());
    if (next < 0) {
      why = "internal error: an attention's length must be its dispatch's "
            "input";
      return false;
    }
    Value l = d.getInputs()[next];
    if (dtypeOfValue(l) != DType::I32) {
      why = "kv_length must be stored as i32";
      return false;
    }
    k.hasKvLength = true;
    k.kvLengthAddr = (uint64_t)addrs[next];
  }
  kernels.push_back(std::move(k));
  return true;
}

} // namespace tessera::conversion
