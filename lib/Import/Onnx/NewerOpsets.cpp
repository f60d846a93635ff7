//===- NewerOpsets.cpp - Opsets 18-21 beside ONNX 1.12's schemas ----------===//
//
// See NewerOpsets.h. The table lists, per op, each signature introduced after
// opset 17, from ONNX's operator changelog (docs/Changelog.md of ONNX 1.13
// to 1.16). A change that only widened the accepted types is not listed.
//
//===----------------------------------------------------------------------===//

#include "NewerOpsets.h"

#include "onnx/onnx_pb.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"

#include <climits>

namespace tessera::onnx_import {

namespace {

constexpr int kMany = INT_MAX;

constexpr const char *kReduceAttrs = "keepdims:i,noop_with_empty_axes:i";
constexpr const char *kResizeAttrs =
    "antialias:i,axes:ints,coordinate_transformation_mode:s,"
    "cubic_coeff_a:f,exclude_outside:i,extrapolation_value:f,"
    "keep_aspect_ratio_policy:s,mode:s,nearest_mode:s";

const NewerOpSignature kSignatures[] = {
    // Opset 18: the reductions take `axes` as an optional input.
    {"ReduceL1", 18, 1, 2, 1, 1, kReduceAttrs},
    {"ReduceL2", 18, 1, 2, 1, 1, kReduceAttrs},
    {"ReduceLogSum", 18, 1, 2, 1, 1, kReduceAttrs},
    {"ReduceLogSumExp", 18, 1, 2, 1, 1, kReduceAttrs},
    {"ReduceMax", 18, 1, 2, 1, 1, kReduceAttrs},
    {"ReduceMean", 18, 1, 2, 1, 1, kReduceAttrs},
    {"ReduceMin", 18, 1, 2, 1, 1, kReduceAttrs},
    {"ReduceProd", 18, 1, 2, 1, 1, kReduceAttrs},
    {"ReduceSumSquare", 18, 1, 2, 1, 1, kReduceAttrs},
    // Opset 18: other signature changes.
    {"Split", 18, 1, 2, 1, kMany, "axis:i,num_outputs:i"},
    {"Pad", 18, 2, 4, 1, 1, "mode:s"},
    {"Resize", 18, 1, 4, 1, 1, kResizeAttrs},
    {"LpPool", 18, 1, 1, 1, 1,
     "auto_pad:s,ceil_mode:i,dilations:ints,kernel_shape:ints,p:i,pads:ints,"
     "strides:ints"},
    {"OptionalHasElement", 18, 0, 1, 1, 1, ""},
    {"OptionalGetElement", 18, 1, 1, 1, 1, ""},
    // Opset 18: new ops.
    {"BitwiseAnd", 18, 2, 2, 1, 1, ""},
    {"BitwiseOr", 18, 2, 2, 1, 1, ""},
    {"BitwiseXor", 18, 2, 2, 1, 1, ""},
    {"BitwiseNot", 18, 1, 1, 1, 1, ""},
    {"CenterCropPad", 18, 2, 2, 1, 1, "axes:ints"},
    {"Col2Im", 18, 3, 3, 1, 1, "dilations:ints,pads:ints,strides:ints"},
    {"GroupNormalization", 18, 3, 3, 1, 1, "epsilon:f,num_groups:i"},
    {"Mish", 18, 1, 1, 1, 1, ""},
    // Opset 19.
    {"AveragePool", 19, 1, 1, 1, 1,
     "auto_pad:s,ceil_mode:i,count_include_pad:i,dilations:ints,"
     "kernel_shape:ints,pads:ints,strides:ints"},
    {"Cast", 19, 1, 1, 1, 1, "saturate:i,to:i"},
    {"CastLike", 19, 2, 2, 1, 1, "saturate:i"},
    {"DeformConv", 19, 3, 5, 1, 1,
     "dilations:ints,group:i,kernel_shape:ints,offset_group:i,pads:ints,"
     "strides:ints"},
    {"QuantizeLinear", 19, 2, 3, 1, 1, "axis:i,saturate:i"},
    // Opset 20.
    {"AffineGrid", 20, 2, 2, 1, 1, "align_corners:i"},
    {"DFT", 20, 1, 3, 1, 1, "inverse:i,onesided:i"},
    {"Gelu", 20, 1, 1, 1, 1, "approximate:s"},
    {"ImageDecoder", 20, 1, 1, 1, 1, "pixel_format:s"},
    {"RegexFullMatch", 20, 1, 1, 1, 1, "pattern:s"},
    {"StringConcat", 20, 2, 2, 1, 1, ""},
    {"StringSplit", 20, 1, 1, 2, 2, "delimiter:s,maxsplit:i"},
    // Opset 21.
    {"DequantizeLinear", 21, 2, 3, 1, 1, "axis:i,block_size:i"},
    {"GroupNormalization", 21, 3, 3, 1, 1, "epsilon:f,num_groups:i,stash_type:i"},
    {"QuantizeLinear", 21, 2, 3, 1, 1,
     "axis:i,block_size:i,output_dtype:i,saturate:i"},
};

/// The domain the clamped copy moves newer nodes to; ONNX 1.12's checker
/// and shape inference skip nodes of domains they have no schemas for.
constexpr const char *kUncheckedDomain = "tessera.newer_opset";

bool attributeHasType(const onnx::AttributeProto &a, llvm::StringRef type) {
  using A = onnx::AttributeProto;
  if (type == "i")
    return a.type() == A::INT;
  if (type == "f")
    return a.type() == A::FLOAT;
  if (type == "s")
    return a.type() == A::STRING;
  if (type == "ints")
    return a.type() == A::INTS;
  if (type == "floats")
    return a.type() == A::FLOATS;
  if (type == "tensor")
    return a.type() == A::TENSOR;
  return a.type() == A::GRAPH;
}

void clampGraph(onnx::GraphProto &graph, int64_t opset) {
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    if ((node.domain().empty() || node.domain() == "ai.onnx") &&
        findNewerSignature(node.op_type(), opset))
      node.set_domain(kUncheckedDomain);
    for (onnx::AttributeProto &a : *node.mutable_attribute()) {
      if (a.has_g())
        clampGraph(*a.mutable_g(), opset);
      for (onnx::GraphProto &g : *a.mutable_graphs())
        clampGraph(g, opset);
    }
  }
}

} // namespace

const NewerOpSignature *findNewerSignature(llvm::StringRef opType,
                                           int64_t opset) {
  const NewerOpSignature *best = nullptr;
  for (const NewerOpSignature &s : kSignatures)
    if (opType == s.opType && s.since <= opset &&
        (!best || s.since > best->since))
      best = &s;
  return best;
}

std::string checkNewerSignature(const onnx::NodeProto &node,
                                const NewerOpSignature &signature) {
  auto count = [](int n, int lo, int hi, const char *what) -> std::string {
    if (n >= lo && n <= hi)
      return "";
    std::string range = lo == hi       ? std::to_string(lo)
                        : hi == kMany ? "at least " + std::to_string(lo)
                                      : std::to_string(lo) + " to " +
                                            std::to_string(hi);
    return "has " + std::to_string(n) + " " + what + ", opset " +
           "expects " + range;
  };
  std::string problem = count(node.input_size(), signature.minInputs,
                              signature.maxInputs, "inputs");
  if (problem.empty())
    problem = count(node.output_size(), signature.minOutputs,
                    signature.maxOutputs, "outputs");
  if (!problem.empty())
    return problem;
  llvm::SmallVector<llvm::StringRef> specs;
  llvm::StringRef(signature.attributes).split(specs, ',', -1, false);
  for (const onnx::AttributeProto &a : node.attribute()) {
    auto spec = llvm::find_if(specs, [&](llvm::StringRef s) {
      return s.split(':').first == a.name();
    });
    if (spec == specs.end())
      return "attribute '" + a.name() + "' is not defined for " +
             node.op_type() + "-" + std::to_string(signature.since);
    llvm::StringRef type = spec->split(':').second;
    if (!attributeHasType(a, type))
      return "attribute '" + a.name() + "' must be of type " + type.str();
  }
  return "";
}

void clampForOnnxLibrary(onnx::ModelProto &copy, int64_t opset) {
  if (copy.ir_version() > kOnnxLibraryMaxIrVersion)
    copy.set_ir_version(kOnnxLibraryMaxIrVersion);
  if (opset <= kOnnxLibraryMaxOpset)
    return;
  for (onnx::OperatorSetIdProto &imp : *copy.mutable_opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      imp.set_version(kOnnxLibraryMaxOpset);
  onnx::OperatorSetIdProto *own = copy.add_opset_import();
  own->set_domain(kUncheckedDomain);
  own->set_version(1);
  clampGraph(*copy.mutable_graph(), opset);
}

} // namespace tessera::onnx_import
