//===- ModelChecks.cpp - Checks that must run before ONNX shape inference -===//
#include "ModelChecks.h"

#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

#include <map>

namespace tessera::onnx_import {

using onnx::TensorProto;

bool checkTensorDataSize(const TensorProto &t, std::string &error) {
  if (t.data_location() == TensorProto::EXTERNAL)
    return true;
  int64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d)) {
      error = "tensor '" + t.name() + "' has an invalid or huge dimension " +
              std::to_string(d);
      return false;
    }
    count *= d;
  }
  int64_t have = -1, per = 1;
  const char *field = "raw_data";
  if (t.has_raw_data()) {
    int64_t es = 0;
    switch (t.data_type()) {
    case TensorProto::FLOAT:
    case TensorProto::INT32:
    case TensorProto::UINT32:
      es = 4;
      break;
    case TensorProto::DOUBLE:
    case TensorProto::INT64:
    case TensorProto::UINT64:
    case TensorProto::COMPLEX64:
      es = 8;
      break;
    case TensorProto::COMPLEX128:
      es = 16;
      break;
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
    case TensorProto::INT16:
    case TensorProto::UINT16:
      es = 2;
      break;
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      es = 1;
      break;
    default:
      return true; // strings, undefined: reported by the importer
    }
    if ((int64_t)t.raw_data().size() == count * es)
      return true;
    error = "tensor '" + t.name() + "' declares " + std::to_string(count) +
            " elements (" + std::to_string(count * es) + " bytes) but its " +
            "raw_data has " + std::to_string(t.raw_data().size()) + " bytes";
    return false;
  }
  switch (t.data_type()) {
  case TensorProto::FLOAT:
    have = t.float_data_size(), field = "float_data";
    break;
  case TensorProto::COMPLEX64:
    have = t.float_data_size(), per = 2, field = "float_data";
    break;
  case TensorProto::DOUBLE:
    have = t.double_data_size(), field = "double_data";
    break;
  case TensorProto::COMPLEX128:
    have = t.double_data_size(), per = 2, field = "double_data";
    break;
  case TensorProto::INT64:
    have = t.int64_data_size(), field = "int64_data";
    break;
  case TensorProto::UINT32:
  case TensorProto::UINT64:
    have = t.uint64_data_size(), field = "uint64_data";
    break;
  case TensorProto::STRING:
    have = t.string_data_size(), field = "string_data";
    break;
  case TensorProto::INT32:
  case TensorProto::INT16:
  case TensorProto::INT8:
  case TensorProto::UINT16:
  case TensorProto::UINT8:
  case TensorProto::BOOL:
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
    have = t.int32_data_size(), field = "int32_data";
    break;
  default:
    return true;
  }
  if (have == count * per)
    return true;
  error = "tensor '" + t.name() + "' declares " + std::to_string(count) +
          " elements but its " + field + " holds " + std::to_string(have) +
          " values";
  return false;
}

static bool checkGraphTensors(const onnx::GraphProto &g, std::string &error) {
  for (const TensorProto &t : g.initializer())
    if (!checkTensorDataSize(t, error)) {
      error = "initializer: " + error;
      return false;
    }
  for (const onnx::NodeProto &n : g.node())
    for (const onnx::AttributeProto &a : n.attribute()) {
      auto where = [&] {
        error = "node '" + n.name() + "' (" + n.op_type() + "), attribute '" +
                a.name() + "': " + error;
        return false;
      };
      if (a.has_t() && !checkTensorDataSize(a.t(), error))
        return where();
      for (const TensorProto &t : a.tensors())
        if (!checkTensorDataSize(t, error))
          return where();
      if (a.has_g() && !checkGraphTensors(a.g(), error))
        return false;
      for (const onnx::GraphProto &sub : a.graphs())
        if (!checkGraphTensors(sub, error))
          return false;
    }
  return true;
}

bool checkInlineTensors(const onnx::ModelProto &model, std::string &error) {
  return checkGraphTensors(model.graph(), error);
}

static void collectRanks(const onnx::GraphProto &g,
                         std::map<std::string, int64_t> &ranks) {
  auto add = [&](const onnx::ValueInfoProto &v) {
    if (v.type().has_tensor_type() && v.type().tensor_type().has_shape())
      ranks[v.name()] = v.type().tensor_type().shape().dim_size();
  };
  for (const auto &v : g.input())
    add(v);
  for (const auto &v : g.value_info())
    add(v);
  for (const auto &v : g.output())
    add(v);
  for (const TensorProto &t : g.initializer())
    ranks[t.name()] = t.dims_size();
}

/// Adds the ranks shape inference gives `copy` (a copy of the model with the
/// nodes under check made harmless) to `ranks`.
static void inferRanks(onnx::ModelProto &copy,
                       std::map<std::string, int64_t> &ranks) {
  try {
    onnx::ShapeInferenceOptions options(/*check_type=*/false,
                                        /*strict_mode=*/0);
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(),
                                       options);
  } catch (const std::exception &) {
    // Reported by the real inference run; ranks stay unknown.
  }
  collectRanks(copy.graph(), ranks);
}

static onnx::AttributeProto *axisAttr(onnx::NodeProto &n) {
  for (onnx::AttributeProto &a : *n.mutable_attribute())
    if (a.name() == "axis")
      return &a;
  return nullptr;
}

bool checkNormalizationAxes(const onnx::ModelProto &model, std::string &error) {
  std::map<std::string, int64_t> ranks;
  collectRanks(model.graph(), ranks);
  // Nodes whose axis is not trivially valid (-1 and 0 are, for any rank >= 1)
  // and whose input rank the declared types do not give.
  std::vector<int> unknown;
  const auto &nodes = model.graph().node();
  for (int i = 0; i < nodes.size(); ++i) {
    const onnx::NodeProto &n = nodes[i];
    if (n.op_type() != "LayerNormalization" || n.input_size() == 0)
      continue;
    auto *a = axisAttr(const_cast<onnx::NodeProto &>(n));
    if (a && (a->i() < -1 || a->i() > 0) && !ranks.count(n.input(0)))
      unknown.push_back(i);
  }
  if (!unknown.empty()) {
    onnx::ModelProto copy = model;
    for (int i : unknown)
      axisAttr(*copy.mutable_graph()->mutable_node(i))->set_i(-1);
    inferRanks(copy, ranks);
  }
  for (const onnx::NodeProto &n : nodes) {
    if (n.op_type() != "LayerNormalization" || n.input_size() == 0)
      continue;
    auto *a = axisAttr(const_cast<onnx::NodeProto &>(n));
    if (!a)
      continue;
    int64_t axis = a->i();
    auto it = ranks.find(n.input(0));
    bool ok = it == ranks.end() ? axis == -1 || axis == 0
                                : axis >= -it->second && axis < it->second;
    if (!ok) {
      error = "node '" + n.name() + "' (LayerNormalization): axis " +
              std::to_string(axis) + " is out of range for input '" +
              n.input(0) + "'" +
              (it == ranks.end() ? std::string(" of unknown rank")
                                 : " of rank " + std::to_string(it->second));
      return false;
    }
  }
  return true;
}

namespace {
/// Two inputs of one rank (at least 3: [N, C, D1, ...]) whose ranks ONNX
/// 1.12's shape inference reads without comparing them: a convolution's
/// data and weight (convPoolShapeInference), MaxUnpool's X and indices
/// (maxUnpoolShapeInference reads the indices' dimension 1).
struct ConvInputs {
  const char *op;
  int data, weight;
  const char *dataName, *weightName;
};
} // namespace

static const ConvInputs kConvOps[] = {{"Conv", 0, 1, "data", "weight"},
                                      {"ConvInteger", 0, 1, "data", "weight"},
                                      {"ConvTranspose", 0, 1, "data", "weight"},
                                      {"QLinearConv", 0, 3, "data", "weight"},
                                      {"MaxUnpool", 0, 1, "X", "indices"}};

static bool isDefaultDomain(const onnx::NodeProto &n) {
  return n.domain().empty() || n.domain() == "ai.onnx";
}

static const ConvInputs *convInputsOf(const onnx::NodeProto &n) {
  if (!isDefaultDomain(n))
    return nullptr;
  for (const ConvInputs &c : kConvOps)
    if (n.op_type() == c.op)
      return &c;
  return nullptr;
}

static bool isStft(const onnx::NodeProto &n) {
  return isDefaultDomain(n) && n.op_type() == "STFT";
}

/// The inputs of `n` whose ranks checkInputRanks needs.
static std::vector<int> rankedInputs(const onnx::NodeProto &n) {
  if (isStft(n))
    return {0, 1, 2, 3};
  if (const ConvInputs *c = convInputsOf(n))
    return {c->data, c->weight};
  return {};
}

static std::string nodeLabel(const onnx::NodeProto &n, int index) {
  return (n.name().empty() ? "node #" + std::to_string(index)
                           : "node '" + n.name() + "'") +
         " (" + n.op_type() + ")";
}

bool checkInputRanks(const onnx::ModelProto &model, std::string &error) {
  const auto &nodes = model.graph().node();
  std::map<std::string, int64_t> ranks;
  collectRanks(model.graph(), ranks);
  auto has = [](const onnx::NodeProto &n, int i) {
    return i < n.input_size() && !n.input(i).empty();
  };
  bool unknown = false;
  for (const onnx::NodeProto &n : nodes)
    for (int i : rankedInputs(n))
      unknown |= has(n, i) && !ranks.count(n.input(i));
  if (unknown) {
    // Ranks of computed values, from shape inference on a copy in which the
    // checked nodes are in an unknown domain (so their inference is skipped).
    onnx::ModelProto copy = model;
    for (onnx::NodeProto &n : *copy.mutable_graph()->mutable_node())
      if (!rankedInputs(n).empty())
        n.set_domain("tessera.unchecked");
    inferRanks(copy, ranks);
  }
  auto rankOf = [&](const onnx::NodeProto &n, int i) -> int64_t {
    if (!has(n, i))
      return -1;
    auto it = ranks.find(n.input(i));
    return it == ranks.end() ? -1 : it->second;
  };
  // STFT's inputs: (index, name, rank).
  static const struct {
    int index;
    const char *name;
    int64_t rank;
  } kStftInputs[] = {{0, "signal", 3},
                     {1, "frame_step", 0},
                     {2, "window", 1},
                     {3, "frame_length", 0}};
  for (int k = 0; k < nodes.size(); ++k) {
    const onnx::NodeProto &n = nodes[k];
    if (isStft(n)) {
      for (const auto &in : kStftInputs) {
        int64_t rank = rankOf(n, in.index);
        if (rank < 0 || rank == in.rank)
          continue;
        error = nodeLabel(n, k) + ": input " + std::to_string(in.index) +
                " ('" + n.input(in.index) + "', the " + in.name +
                ") has rank " + std::to_string(rank) + "; STFT takes rank " +
                std::to_string(in.rank) +
                (in.index == 0 ? " ([batch, length, 1 or 2])" : "");
        return false;
      }
      continue;
    }
    const ConvInputs *c = convInputsOf(n);
    if (!c)
      continue;
    int64_t data = rankOf(n, c->data), weight = rankOf(n, c->weight);
    for (auto [index, rank] :
         {std::pair(c->data, data), std::pair(c->weight, weight)})
      if (rank >= 0 && rank < 3) {
        error = nodeLabel(n, k) + ": input " + std::to_string(index) + " ('" +
                n.input(index) + "', the " +
                (index == c->data ? c->dataName : c->weightName) +
                ") has rank " + std::to_string(rank) + "; the " + c->dataName +
                " and the " + c->weightName +
                " need rank >= 3 (two leading axes and a spatial one)";
        return false;
      }
    if (data >= 0 && weight >= 0 && data != weight) {
      error = nodeLabel(n, k) + ": the " + c->dataName + " ('" +
              n.input(c->data) + "') has rank " + std::to_string(data) +
              " but the " + c->weightName + " ('" + n.input(c->weight) +
              "') has rank " + std::to_string(weight) +
              "; they must have the same rank";
      return false;
    }
  }
  return true;
}

} // namespace tessera::onnx_import
