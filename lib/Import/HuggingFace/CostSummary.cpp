//===- CostSummary.cpp - What an imported LLM costs -----------------------===//

#include "tessera/Import/HuggingFace/CostSummary.h"

#include "Graph/IR/GraphDialect.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace tessera::hf {

CostSummary summarizeCost(ModuleOp module, int64_t tokens) {
  CostSummary s;
  s.tokens = tokens;
  func::FuncOp func;
  module.walk([&](func::FuncOp f) { func = f; });
  if (!func)
    return s;
  // Values computed from weights alone: preparing weights, not per-token
  // work.
  llvm::DenseSet<Value> weightOnly;
  for (Operation &op : func.getBody().front()) {
    ++s.ops;
    if (auto cst = dyn_cast<graph::ConstantOp>(op)) {
      weightOnly.insert(cst.getResult());
      auto location = cst->getAttrOfType<DictionaryAttr>("hf.weight");
      if (!location)
        continue;
      s.weightBytes += cast<IntegerAttr>(location.get("size")).getInt();
      auto name = dyn_cast<NameLoc>(cst.getLoc());
      if (name && name.getName().getValue().ends_with("_scale_inv"))
        continue;
      int64_t n = graph::numElements(cst.getType());
      s.parameters += n;
      if (name && name.getName().getValue() == "model.embed_tokens.weight")
        s.embeddingParameters = n;
      continue;
    }
    bool prep = op.getNumOperands() > 0 &&
                llvm::all_of(op.getOperands(),
                             [&](Value v) { return weightOnly.contains(v); });
    int64_t flops = 0;
    if (auto cost = dyn_cast<graph::CostOpInterface>(op))
      flops = cost.getFlops();
    if (prep) {
      for (Value r : op.getResults())
        weightOnly.insert(r);
      s.weightPreparationFlops += flops;
    } else {
      s.flopsPerToken += flops;
    }
    if (auto moe = dyn_cast<graph::MoEOp>(op)) {
      if (std::optional<ElementsAttr> bias = moe.getScoreCorrectionBias()) {
        auto type = cast<ShapedType>(bias->getType());
        s.parameters += type.getNumElements();
        s.weightBytes += graph::sumTensorBytes(TypeRange{type});
      }
      Shape gate = graph::shapeOf(moe.getGateWeights().getType());
      int64_t perExpert = 3 * gate[1] * gate[2];
      s.activeParameters -= (gate[0] - moe.getTopK()) * perExpert;
    }
  }
  s.activeParameters += s.parameters;
  if (tokens > 0)
    s.flopsPerToken /= tokens;
  // Cache outputs: elements per position.
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto name = func.getResultAttrOfType<StringAttr>(i, "graph.name");
    if (!name || !name.getValue().starts_with("present."))
      continue;
    Shape shape = graph::shapeOf(v.getType());
    // The position axis is the only one equal to neither 1 nor the last.
    int64_t positions =
        name.getValue().ends_with(".key") || name.getValue().ends_with(".value")
            ? shape[2]
            : shape[1];
    s.kvElementsPerToken += graph::numElements(v.getType()) / positions;
  }
  return s;
}

static std::string billions(int64_t n) {
  return llvm::formatv("{0:F3} B", n / 1e9).str();
}

void printCostSummary(llvm::raw_ostream &os, const CostSummary &s) {
  os << "cost summary (" << s.tokens << " token" << (s.tokens == 1 ? "" : "s")
     << " per call, " << s.ops << " ops)\n";
  os << llvm::formatv("  parameters:        {0,15} ({1}; {2} without the "
                      "embedding table)\n",
                      s.parameters, billions(s.parameters),
                      billions(s.parameters - s.embeddingParameters));
  os << llvm::formatv("  active parameters: {0,15} ({1} per token; {2} "
                      "without the embedding table)\n",
                      s.activeParameters, billions(s.activeParameters),
                      billions(s.activeParameters - s.embeddingParameters));
  os << llvm::formatv("  FLOPs per token:   {0,15} ({1:F2} GFLOP)\n",
                      s.flopsPerToken, s.flopsPerToken / 1e9);
  os << llvm::formatv("  weight preparation FLOPs (once, dequantization and "
                      "casts): {0}\n",
                      s.weightPreparationFlops);
  os << llvm::formatv("  KV cache per token: {0} elements = {1} B at bf16, {2} "
                      "B at f32\n",
                      s.kvElementsPerToken, 2 * s.kvElementsPerToken,
                      4 * s.kvElementsPerToken);
  os << llvm::formatv("  weight bytes:      {0,15} ({1:F2} GiB as stored)\n",
                      s.weightBytes, s.weightBytes / double(1 << 30));
}

} // namespace tessera::hf
