//===- GraphNormOps.td - Softmax and normalization ---------*- tablegen -*-===//
#ifndef TESSERA_GRAPH_NORM_OPS
#define TESSERA_GRAPH_NORM_OPS

include "Graph/IR/GraphBase.td"

class Graph_SoftmaxBase<string mnemonic>
    : Graph_Op<mnemonic, [], ["getFlops"]> {
  let arguments = (ins Graph_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Graph_FloatTensor:$output);
  let hasVerifier = 1;
}

def Graph_SoftmaxOp : Graph_SoftmaxBase<"softmax"> {
  let summary = "exp(x - max) / sum(exp(x - max)) along one axis";
}
def Graph_LogSoftmaxOp : Graph_SoftmaxBase<"log_softmax"> {
  let summary = "log of softmax along one axis";
}

def Graph_LayerNormOp : Graph_Op<"layer_norm", [], ["getFlops"]> {
  let summary = "layer normalization over the dimensions from `axis` on";
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                       Optional<Graph_FloatTensor>:$bias,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs Graph_FloatTensor:$output);
  let hasVerifier = 1;
}

def Graph_RMSNormOp : Graph_Op<"rms_norm", [], ["getFlops"]> {
  let summary = "x / sqrt(mean(x^2) + epsilon) * scale over the dimensions from `axis` on";
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<F32Attr, "1e-6">:$epsilon);
  let results = (outs Graph_FloatTensor:$output);
  let hasVerifier = 1;
}

#endif // TESSERA_GRAPH_NORM_OPS
