//===- GraphTextOps.cpp - TfIdfVectorizer ---------------------------------===//
//
// Type inference, evaluation and cost of the op in GraphTextOps.td; the
// shape rule (shared with the golden kernel) checks the pool layout.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/TextKernels.h"

using namespace mlir;

namespace tessera::graph {

template <typename AdaptorT>
static golden::TfIdfOptions tfIdfOptions(AdaptorT adaptor) {
  golden::TfIdfOptions opts;
  opts.minGramLength = adaptor.getMinGramLength();
  opts.maxGramLength = adaptor.getMaxGramLength();
  opts.maxSkipCount = adaptor.getMaxSkipCount();
  opts.mode = adaptor.getMode().str();
  auto counts = adaptor.getNgramCounts();
  auto indexes = adaptor.getNgramIndexes();
  auto pool = adaptor.getPool();
  auto weights = adaptor.getWeights();
  opts.ngramCounts.assign(counts.begin(), counts.end());
  opts.ngramIndexes.assign(indexes.begin(), indexes.end());
  opts.pool.assign(pool.begin(), pool.end());
  opts.weights.assign(weights.begin(), weights.end());
  return opts;
}

LogicalResult TfIdfVectorizerOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  return pushShape(loc,
                   golden::tfIdfShape(shapeOf(adaptor.getInput().getType()),
                                      tfIdfOptions(adaptor)),
                   Float32Type::get(ctx), types);
}

LogicalResult TfIdfVectorizerOp::evaluate(ArrayRef<Tensor> in,
                                          SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::tfIdf(in[0], tfIdfOptions(*this)));
}

// A pool lookup per start position, skip distance and gram length.
int64_t TfIdfVectorizerOp::getFlops() {
  return numElements(getInput().getType()) * (getMaxSkipCount() + 1) *
         getMaxGramLength();
}

} // namespace tessera::graph
