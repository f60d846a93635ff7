//===- GraphMatrixOps.cpp - Det -------------------------------------------===//
//
// Type inference and evaluation of graph.det; the shape rule and kernel are
// golden::detShape and golden::det.
//
//===----------------------------------------------------------------------===//

#include "Graph/IR/GraphDialect.h"
#include "tessera/Golden/Kernels.h"

using namespace mlir;

namespace tessera::graph {

LogicalResult DetOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return pushShape(loc, golden::detShape(shapeOf(input)), elementOf(input),
                   types);
}

LogicalResult DetOp::evaluate(ArrayRef<Tensor> in,
                              SmallVectorImpl<Tensor> &out) {
  return wrapEval(*this, out, golden::det(in[0]));
}

} // namespace tessera::graph
