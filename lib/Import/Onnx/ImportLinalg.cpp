//===- ImportLinalg.cpp - ONNX import of MatMul and Gemm ------------------===//

#include "NodeImporter.h"

using namespace mlir;

namespace tessera::onnx_import {
namespace graph = tessera::graph;

static LogicalResult importGemm(NodeImporter &n) {
  SmallVector<Value> operands{n.input(0), n.input(1)};
  if (n.hasInput(2))
    operands.push_back(n.input(2));
  return n.emit<graph::GemmOp>(
      operands,
      {n.b.getNamedAttr("alpha", n.b.getF32FloatAttr(n.attrFloat("alpha", 1))),
       n.b.getNamedAttr("beta", n.b.getF32FloatAttr(n.attrFloat("beta", 1))),
       n.b.getNamedAttr("trans_a", n.b.getBoolAttr(n.attrInt("transA", 0))),
       n.b.getNamedAttr("trans_b", n.b.getBoolAttr(n.attrInt("transB", 0)))});
}

void registerLinalgImporters(OpImportRegistry &r) {
  r.add("MatMul", [](NodeImporter &n) {
    return n.emit<graph::MatMulOp>(ValueRange{n.input(0), n.input(1)});
  });
  r.add("Gemm", importGemm);
  r.add("Det", simpleOp<graph::DetOp>);
}

} // namespace tessera::onnx_import
