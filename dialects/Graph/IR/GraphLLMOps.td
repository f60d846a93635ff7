//===- GraphLLMOps.td - Fused LLM ops ----------------------*- tablegen -*-===//
//
// Fused transformer ops. The importer does not produce them directly from
// ONNX; a fusion pass does (later). They are defined here with their golden
// evaluation so that fusion can be checked against the unfused graph.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GRAPH_LLM_OPS
#define TESSERA_GRAPH_LLM_OPS

include "Graph/IR/GraphBase.td"

#endif // TESSERA_GRAPH_LLM_OPS
