//===- ImportData.cpp - ONNX import of data-movement ops ------------------===//
//
// Shapes are static in Tessera, so every ONNX input that sets a shape,
// start, size or amount (Reshape's shape, Slice's starts, Pad's pads, ...)
// must be a constant by the time its node is imported; the importer's
// folding turns Shape -> Gather -> Concat chains into such constants. Older
// opsets pass some of these as attributes instead of inputs; both forms are
// read here. Shape, Size, Range, ConstantOfShape and EyeLike become
// constants.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "tessera/Golden/DataKernels.h"
#include "tessera/Import/OnnxTensor.h"

#include "onnx/onnx_pb.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

using namespace mlir;

namespace tessera::onnx_import {
namespace graph = tessera::graph;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static NamedAttribute i64Array(NodeImporter &n, StringRef name,
                               ArrayRef<int64_t> values) {
  return n.b.getNamedAttr(name, n.b.getDenseI64ArrayAttr(values));
}

static NamedAttribute i64Attr(NodeImporter &n, StringRef name, int64_t v) {
  return n.b.getNamedAttr(name, n.b.getI64IntegerAttr(v));
}

static NamedAttribute strAttr(NodeImporter &n, StringRef name, StringRef v) {
  return n.b.getNamedAttr(name, n.b.getStringAttr(v));
}

/// Shortest natural form of a double for messages ("-2", "0.5").
static std::string formatDouble(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

static std::string listToString(ArrayRef<int64_t> values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i)
    s += (i ? ", " : "") + std::to_string(values[i]);
  return s + "]";
}

/// Ints from an attribute (opsets before `inputSince`) or from constant
/// input `index` (from `inputSince` on). `present` tells whether either
/// was given.
static FailureOr<std::vector<int64_t>>
intsFromAttrOrInput(NodeImporter &n, StringRef name, size_t index,
                    int64_t inputSince, bool &present) {
  if (n.opset < inputSince) {
    present = n.hasAttr(name);
    return n.attrInts(name);
  }
  present = n.hasInput(index);
  if (!present)
    return std::vector<int64_t>{};
  return n.requireConstantInts(index, name);
}

/// Normalizes a list of axes against `rank`, rejecting duplicates.
static FailureOr<std::vector<int64_t>>
normalizeAxes(NodeImporter &n, ArrayRef<int64_t> axes, int64_t rank) {
  std::vector<int64_t> out;
  std::vector<bool> seen(rank, false);
  for (int64_t a : axes) {
    FailureOr<int64_t> axis = n.normalizeAxis(a, rank);
    if (failed(axis))
      return failure();
    if (seen[*axis]) {
      (void)n.error("axis " + Twine(a) + " appears more than once");
      return failure();
    }
    seen[*axis] = true;
    out.push_back(*axis);
  }
  return out;
}

static LogicalResult emitReshape(NodeImporter &n, ArrayRef<int64_t> shape) {
  return n.emit<graph::ReshapeOp>(n.input(0), {i64Array(n, "shape", shape)});
}

/// A scalar constant input read as a double (Pad's value, OneHot's depth).
static FailureOr<double> scalarInput(NodeImporter &n, size_t index,
                                     StringRef what) {
  FailureOr<Tensor> t = n.requireConstantInput(index, what);
  if (failed(t))
    return failure();
  if (t->numElements() != 1) {
    (void)n.error("input '" + what + "' must be a scalar, got shape " +
                  shapeToString(t->shape()));
    return failure();
  }
  return t->getD(0);
}

//===----------------------------------------------------------------------===//
// Transpose, Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

static LogicalResult importTranspose(NodeImporter &n) {
  std::vector<int64_t> perm = n.attrInts("perm");
  if (!n.hasAttr("perm"))
    for (int64_t i = n.inputRank(0) - 1; i >= 0; --i)
      perm.push_back(i);
  return n.emit<graph::TransposeOp>(n.input(0), {i64Array(n, "perm", perm)});
}

static LogicalResult importReshape(NodeImporter &n) {
  // (Opsets before 5, where the shape was an attribute, are not imported.)
  auto shape = n.requireConstantInts(1, "shape");
  if (failed(shape))
    return failure();
  std::vector<int64_t> target = *shape;
  bool allowZero = n.attrInt("allowzero", 0) != 0;
  Shape in = n.inputShape(0);
  int64_t inferred = -1, known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t &d = target[i];
    if (d == 0 && !allowZero) {
      // 0 copies the input's dimension at the same position.
      if (i >= in.size())
        return n.error("shape " + listToString(target) + " copies dimension " +
                       Twine(i) + " (a 0) but the input has rank " +
                       Twine(in.size()));
      d = in[i];
    }
    if (d == -1) {
      if (inferred >= 0)
        return n.error("shape " + listToString(target) +
                       " has more than one -1");
      inferred = i;
      continue;
    }
    if (d < 0)
      return n.error("shape " + listToString(target) +
                     " has a negative dimension " + Twine(d));
    if (d != 0 && known > INT64_MAX / d)
      return n.error("shape " + listToString(target) +
                     " has more than 2^63 elements");
    known *= d;
  }
  if (inferred >= 0) {
    int64_t total = shapeNumElements(in);
    if (known == 0 || total % known != 0)
      return n.error("cannot infer the -1 in shape " + listToString(target) +
                     " for an input of shape " + shapeToString(in));
    target[inferred] = total / known;
  }
  return emitReshape(n, target);
}

static LogicalResult importFlatten(NodeImporter &n) {
  Shape in = n.inputShape(0);
  int64_t rank = in.size(), axis = n.attrInt("axis", 1);
  // Flatten's axis ranges over [-rank, rank]: axis == rank is allowed.
  if (axis < -rank || axis > rank)
    return n.error("axis " + Twine(axis) + " is out of range for rank " +
                   Twine(rank));
  if (axis < 0)
    axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < axis ? outer : inner) *= in[i];
  return emitReshape(n, {outer, inner});
}

static LogicalResult importSqueeze(NodeImporter &n) {
  bool present;
  auto axes = intsFromAttrOrInput(n, "axes", 1, 13, present);
  if (failed(axes))
    return failure();
  Shape in = n.inputShape(0);
  std::vector<bool> drop(in.size(), false);
  if (!present) {
    // No axes: drop every dimension of size 1.
    for (size_t i = 0; i < in.size(); ++i)
      drop[i] = in[i] == 1;
  } else {
    auto normalized = normalizeAxes(n, *axes, in.size());
    if (failed(normalized))
      return failure();
    for (int64_t a : *normalized) {
      if (in[a] != 1)
        return n.error("cannot squeeze dimension " + Twine(a) + " of size " +
                       Twine(in[a]) + " (only size-1 dimensions)");
      drop[a] = true;
    }
  }
  std::vector<int64_t> out;
  for (size_t i = 0; i < in.size(); ++i)
    if (!drop[i])
      out.push_back(in[i]);
  return emitReshape(n, out);
}

static LogicalResult importUnsqueeze(NodeImporter &n) {
  bool present;
  auto axes = intsFromAttrOrInput(n, "axes", 1, 13, present);
  if (failed(axes))
    return failure();
  if (!present || axes->empty())
    return n.error("needs axes");
  Shape in = n.inputShape(0);
  int64_t outRank = in.size() + axes->size();
  // Axes index the result, so they normalize against its rank.
  auto normalized = normalizeAxes(n, *axes, outRank);
  if (failed(normalized))
    return failure();
  std::vector<bool> inserted(outRank, false);
  for (int64_t a : *normalized)
    inserted[a] = true;
  std::vector<int64_t> out;
  size_t next = 0;
  for (int64_t i = 0; i < outRank; ++i)
    out.push_back(inserted[i] ? 1 : in[next++]);
  return emitReshape(n, out);
}

//===----------------------------------------------------------------------===//
// Concat, Split, Slice, Gather, Identity
//===----------------------------------------------------------------------===//

static LogicalResult importConcat(NodeImporter &n) {
  if (!n.hasAttr("axis"))
    return n.error("needs the 'axis' attribute");
  SmallVector<Value> operands;
  for (size_t i = 0; i < n.numInputs(); ++i)
    if (n.hasInput(i))
      operands.push_back(n.input(i));
  return n.emit<graph::ConcatOp>(operands,
                                 {i64Attr(n, "axis", n.attrInt("axis", 0))});
}

static LogicalResult importSplit(NodeImporter &n) {
  Shape in = n.inputShape(0);
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), in.size());
  if (failed(axis))
    return failure();
  bool present;
  auto sizes = intsFromAttrOrInput(n, "split", 1, 13, present);
  if (failed(sizes))
    return failure();
  if ((!present || sizes->empty()) && n.opset >= 18 &&
      n.hasAttr("num_outputs")) {
    // Opset 18: num_outputs pieces of ceil(dim / num_outputs), the last
    // one smaller when the dimension does not divide.
    int64_t parts = n.attrInt("num_outputs", 0);
    if (parts < 1 || parts != n.node.output_size())
      return n.error("num_outputs " + Twine(parts) + " does not match the " +
                     Twine(n.node.output_size()) + " outputs");
    int64_t dim = in[*axis], chunk = (dim + parts - 1) / parts;
    if (chunk * (parts - 1) >= dim && parts > 1)
      return n.error("a dimension of size " + Twine(dim) +
                     " does not split into " + Twine(parts) +
                     " non-empty pieces of " + Twine(chunk));
    sizes->assign(parts, chunk);
    sizes->back() = dim - chunk * (parts - 1);
  } else if (present && !sizes->empty() && n.hasAttr("num_outputs")) {
    return n.error("'split' and num_outputs cannot both be given");
  } else if (!present || sizes->empty()) {
    if (n.opset >= 18)
      return n.error("needs the 'split' input or the num_outputs attribute");
    auto equal = golden::equalSplitSizes(in[*axis], n.node.output_size());
    if (!equal)
      return n.error(llvm::toString(equal.takeError()));
    *sizes = *equal;
  } else if ((int64_t)sizes->size() != n.node.output_size()) {
    return n.error("'split' has " + Twine(sizes->size()) + " sizes for " +
                   Twine(n.node.output_size()) + " outputs");
  }
  return n.emit<graph::SplitOp>(
      n.input(0), {i64Attr(n, "axis", *axis), i64Array(n, "sizes", *sizes)});
}

static LogicalResult importSlice(NodeImporter &n) {
  Shape in = n.inputShape(0);
  int64_t rank = in.size();
  std::vector<int64_t> starts, ends, axes, steps;
  if (n.opset < 10) {
    starts = n.attrInts("starts");
    ends = n.attrInts("ends");
    axes = n.attrInts("axes");
  } else {
    auto s = n.requireConstantInts(1, "starts");
    if (failed(s))
      return failure();
    auto e = n.requireConstantInts(2, "ends");
    if (failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (n.hasInput(3)) {
      auto a = n.requireConstantInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (n.hasInput(4)) {
      auto st = n.requireConstantInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return n.error("starts, ends, axes and steps differ in length (" +
                   Twine(starts.size()) + ", " + Twine(ends.size()) + ", " +
                   Twine(axes.size()) + ", " + Twine(steps.size()) + ")");
  auto normalizedAxes = normalizeAxes(n, axes, rank);
  if (failed(normalizedAxes))
    return failure();

  // Untouched dimensions are taken whole.
  std::vector<int64_t> outStarts(rank, 0), outEnds(in.begin(), in.end()),
      outSteps(rank, 1);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t a = (*normalizedAxes)[i], dim = in[a], step = steps[i];
    if (step == 0)
      return n.error("slice step for axis " + Twine(axes[i]) + " is 0");
    // Negative values count from the end; then clamp as ONNX specifies:
    // going forward starts and ends lie in [0, dim]; going backward starts
    // lie in [0, dim - 1] and ends in [-1, dim - 1] (-1: past the front).
    auto resolve = [&](int64_t v, bool isEnd) {
      if (v < 0)
        v += dim; // cannot overflow: dim >= 0
      if (step > 0)
        return std::clamp<int64_t>(v, 0, dim);
      return std::clamp<int64_t>(v, isEnd || dim == 0 ? -1 : 0, dim - 1);
    };
    outStarts[a] = resolve(starts[i], /*isEnd=*/false);
    outEnds[a] = resolve(ends[i], /*isEnd=*/true);
    outSteps[a] = step;
  }
  return n.emit<graph::SliceOp>(n.input(0), {i64Array(n, "starts", outStarts),
                                             i64Array(n, "ends", outEnds),
                                             i64Array(n, "steps", outSteps)});
}

static LogicalResult importGather(NodeImporter &n) {
  return n.emit<graph::GatherOp>(ValueRange{n.input(0), n.input(1)},
                                 {i64Attr(n, "axis", n.attrInt("axis", 0))});
}

static LogicalResult importIdentity(NodeImporter &n) {
  if (!n.hasInput(0))
    return n.error("needs an input");
  n.setResult(n.input(0));
  return success();
}

//===----------------------------------------------------------------------===//
// Shape, Size, Range, ConstantOfShape, EyeLike: constants
//===----------------------------------------------------------------------===//

static LogicalResult importShape(NodeImporter &n) {
  Shape in = n.inputShape(0);
  int64_t rank = in.size();
  // Opset 15's start/end: negative counts from the back, then clamp.
  auto clampIndex = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  int64_t start = clampIndex(n.attrInt("start", 0));
  int64_t end = clampIndex(n.attrInt("end", rank));
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i)
    dims.push_back(in[i]);
  int64_t count = dims.size();
  n.setResult(n.constant(Tensor::fromInts(DType::I64, {count}, dims)));
  return success();
}

static LogicalResult importSize(NodeImporter &n) {
  n.setResult(n.constant(
      Tensor::scalarI(DType::I64, shapeNumElements(n.inputShape(0)))));
  return success();
}

static LogicalResult importRange(NodeImporter &n) {
  auto start = n.requireConstantInput(0, "start");
  if (failed(start))
    return failure();
  auto limit = n.requireConstantInput(1, "limit");
  if (failed(limit))
    return failure();
  auto delta = n.requireConstantInput(2, "delta");
  if (failed(delta))
    return failure();
  auto r = golden::range(*start, *limit, *delta);
  if (!r)
    return n.error(llvm::toString(r.takeError()));
  n.setResult(n.constant(*r));
  return success();
}

static LogicalResult importConstantOfShape(NodeImporter &n) {
  auto shape = n.requireConstantInts(0, "input");
  if (failed(shape))
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return n.error("shape " + listToString(*shape) +
                     " has a negative dimension");
  // The fill value defaults to a float 0.
  Tensor value = Tensor::scalarF(DType::F32, 0.0f);
  if (const onnx::AttributeProto *a = n.attr("value")) {
    std::string error;
    if (!tensorFromProto(a->t(), "", value, error))
      return n.error("cannot read 'value': " + error);
    if (value.numElements() != 1)
      return n.error("'value' must hold one element, it holds " +
                     Twine(value.numElements()));
  }
  // The result becomes a constant attribute: bound what is materialized.
  int64_t count = shapeNumElements(Shape(shape->begin(), shape->end()));
  if (count > (int64_t(1) << 28))
    return n.error("the result of " + Twine(count) +
                   " elements is too large to build as a constant");
  Tensor r(value.dtype(), Shape(shape->begin(), shape->end()));
  if (r.isFloat())
    std::fill(r.floats().begin(), r.floats().end(), value.floats()[0]);
  else
    std::fill(r.ints().begin(), r.ints().end(), value.ints()[0]);
  n.setResult(n.constant(r));
  return success();
}

static LogicalResult importEyeLike(NodeImporter &n) {
  Shape in = n.inputShape(0);
  if (in.size() != 2)
    return n.error("needs a 2-D input, got rank " + Twine(in.size()));
  std::optional<DType> dtype = graph::toDType(n.inputElementType(0));
  if (n.hasAttr("dtype")) {
    int64_t onnxType = n.attrInt("dtype", 0);
    dtype = dtypeFromOnnx(onnxType);
    if (!dtype)
      return n.error("unsupported dtype " + Twine(onnxDataTypeName(onnxType)));
  }
  if (!dtype)
    return n.error("unsupported input element type");
  if (shapeNumElements(in) > (int64_t(1) << 28))
    return n.error("the result of " + Twine(shapeNumElements(in)) +
                   " elements is too large to build as a constant");
  n.setResult(
      n.constant(golden::eyeLike(*dtype, in[0], in[1], n.attrInt("k", 0))));
  return success();
}

//===----------------------------------------------------------------------===//
// Expand, Tile, Pad, Trilu
//===----------------------------------------------------------------------===//

static LogicalResult importExpand(NodeImporter &n) {
  auto shape = n.requireConstantInts(1, "shape");
  if (failed(shape))
    return failure();
  return n.emit<graph::ExpandOp>(n.input(0), {i64Array(n, "shape", *shape)});
}

static LogicalResult importTile(NodeImporter &n) {
  auto repeats = n.requireConstantInts(1, "repeats");
  if (failed(repeats))
    return failure();
  return n.emit<graph::TileOp>(n.input(0), {i64Array(n, "repeats", *repeats)});
}

static LogicalResult importPad(NodeImporter &n) {
  std::vector<int64_t> pads;
  double value = 0;
  if (n.opset < 11) {
    if (!n.hasAttr("pads"))
      return n.error("needs the 'pads' attribute");
    pads = n.attrInts("pads");
    value = n.attrFloat("value", 0.0f);
  } else {
    auto p = n.requireConstantInts(1, "pads");
    if (failed(p))
      return failure();
    pads = *p;
    if (n.hasInput(2)) {
      auto v = scalarInput(n, 2, "constant_value");
      if (failed(v))
        return failure();
      value = *v;
    }
    if (n.hasInput(3)) {
      // Opset 18: `pads` covers only the listed axes, [begins..., ends...].
      if (n.opset < 18)
        return n.error("the 'axes' input needs opset 18 or later");
      auto axes = n.requireConstantInts(3, "axes");
      if (failed(axes))
        return failure();
      int64_t rank = n.inputRank(0);
      size_t k = axes->size();
      if (pads.size() != 2 * k)
        return n.error("'pads' has " + Twine(pads.size()) + " values for " +
                       Twine(k) + " axes (needs " + Twine(2 * k) + ")");
      std::vector<int64_t> full(2 * rank, 0);
      std::vector<bool> seen(rank, false);
      for (size_t i = 0; i < k; ++i) {
        auto axis = n.normalizeAxis((*axes)[i], rank);
        if (failed(axis))
          return failure();
        if (seen[*axis])
          return n.error("axis " + Twine((*axes)[i]) + " is listed twice");
        seen[*axis] = true;
        full[*axis] = pads[i];
        full[rank + *axis] = pads[k + i];
      }
      pads = std::move(full);
    }
  }
  std::string mode = n.attrString("mode", "constant");
  if (!golden::parsePadMode(mode) || (mode == "wrap" && n.opset < 19))
    return n.error("unsupported mode '" + mode +
                   "' (expected constant, reflect or edge; wrap from opset "
                   "19)");
  return n.emit<graph::PadOp>(
      n.input(0), {i64Array(n, "pads", pads), strAttr(n, "mode", mode),
                   n.b.getNamedAttr("value", n.b.getF64FloatAttr(value))});
}

static LogicalResult importTrilu(NodeImporter &n) {
  int64_t k = 0;
  if (n.hasInput(1)) {
    auto v = scalarInput(n, 1, "k");
    if (failed(v))
      return failure();
    k = (int64_t)*v;
  }
  return n.emit<graph::TriluOp>(
      n.input(0),
      {i64Attr(n, "k", k),
       n.b.getNamedAttr("upper", n.b.getBoolAttr(n.attrInt("upper", 1)))});
}

//===----------------------------------------------------------------------===//
// Gathers and scatters
//===----------------------------------------------------------------------===//

static LogicalResult importGatherElements(NodeImporter &n) {
  return n.emit<graph::GatherElementsOp>(
      ValueRange{n.input(0), n.input(1)},
      {i64Attr(n, "axis", n.attrInt("axis", 0))});
}

// Also the deprecated Scatter (opsets 9-10), which is ScatterElements.
static LogicalResult importScatterElements(NodeImporter &n) {
  return n.emit<graph::ScatterElementsOp>(
      ValueRange{n.input(0), n.input(1), n.input(2)},
      {i64Attr(n, "axis", n.attrInt("axis", 0)),
       strAttr(n, "reduction", n.attrString("reduction", "none"))});
}

static LogicalResult importGatherND(NodeImporter &n) {
  return n.emit<graph::GatherNDOp>(
      ValueRange{n.input(0), n.input(1)},
      {i64Attr(n, "batch_dims", n.attrInt("batch_dims", 0))});
}

static LogicalResult importScatterND(NodeImporter &n) {
  return n.emit<graph::ScatterNDOp>(
      ValueRange{n.input(0), n.input(1), n.input(2)},
      {strAttr(n, "reduction", n.attrString("reduction", "none"))});
}

//===----------------------------------------------------------------------===//
// OneHot, DepthToSpace, SpaceToDepth, ReverseSequence, Compress
//===----------------------------------------------------------------------===//

static LogicalResult importOneHot(NodeImporter &n) {
  auto depth = scalarInput(n, 1, "depth");
  if (failed(depth))
    return failure();
  // ONNX allows a float depth; it is the number of classes.
  return n.emit<graph::OneHotOp>(ValueRange{n.input(0), n.input(2)},
                                 {i64Attr(n, "depth", (int64_t)*depth),
                                  i64Attr(n, "axis", n.attrInt("axis", -1))});
}

static LogicalResult importDepthToSpace(NodeImporter &n) {
  if (!n.hasAttr("blocksize"))
    return n.error("needs the 'blocksize' attribute");
  return n.emit<graph::DepthToSpaceOp>(
      n.input(0), {i64Attr(n, "blocksize", n.attrInt("blocksize", 1)),
                   strAttr(n, "mode", n.attrString("mode", "DCR"))});
}

static LogicalResult importSpaceToDepth(NodeImporter &n) {
  if (!n.hasAttr("blocksize"))
    return n.error("needs the 'blocksize' attribute");
  return n.emit<graph::SpaceToDepthOp>(
      n.input(0), {i64Attr(n, "blocksize", n.attrInt("blocksize", 1))});
}

static LogicalResult importReverseSequence(NodeImporter &n) {
  return n.emit<graph::ReverseSequenceOp>(
      ValueRange{n.input(0), n.input(1)},
      {i64Attr(n, "batch_axis", n.attrInt("batch_axis", 1)),
       i64Attr(n, "time_axis", n.attrInt("time_axis", 0))});
}

static LogicalResult importCompress(NodeImporter &n) {
  // The result's shape depends on the condition's values.
  auto condition = n.requireConstantInput(1, "condition");
  if (failed(condition))
    return failure();
  if (condition->rank() != 1)
    return n.error("'condition' must be 1-D, got shape " +
                   shapeToString(condition->shape()));
  SmallVector<bool> keep;
  for (int64_t i = 0; i < condition->numElements(); ++i)
    keep.push_back(condition->getD(i) != 0);
  SmallVector<NamedAttribute> attrs = {
      n.b.getNamedAttr("condition", n.b.getDenseBoolArrayAttr(keep))};
  if (n.hasAttr("axis"))
    attrs.push_back(i64Attr(n, "axis", n.attrInt("axis", 0)));
  return n.emit<graph::CompressOp>(n.input(0), attrs);
}

//===----------------------------------------------------------------------===//
// Resize and Upsample
//===----------------------------------------------------------------------===//

/// Builds graph.resize from the input's shape and either `scales` or
/// `sizes` (exactly one non-empty).
static LogicalResult emitResize(NodeImporter &n, const Tensor *scalesT,
                                const Tensor *sizesT, ArrayRef<double> roi,
                                StringRef mode, StringRef transform,
                                StringRef nearestMode,
                                ArrayRef<double> sizesScales = {}) {
  Shape in = n.inputShape(0);
  size_t rank = in.size();
  std::vector<int64_t> sizes;
  std::vector<double> scales;
  if (scalesT) {
    if ((size_t)scalesT->numElements() != rank)
      return n.error("'scales' has " + Twine(scalesT->numElements()) +
                     " values for a rank-" + Twine(rank) + " input");
    for (size_t d = 0; d < rank; ++d) {
      // The reference computes in double from the f32 scale and truncates.
      double s = scalesT->getD(d);
      if (!(s > 0) || !std::isfinite(s))
        return n.error("scale " + formatDouble(s) + " for dimension " +
                       Twine(d) + " must be positive");
      scales.push_back(s);
      sizes.push_back((int64_t)std::floor(s * in[d]));
    }
  } else {
    if ((size_t)sizesT->numElements() != rank)
      return n.error("'sizes' has " + Twine(sizesT->numElements()) +
                     " values for a rank-" + Twine(rank) + " input");
    for (size_t d = 0; d < rank; ++d) {
      int64_t size = sizesT->getI(d);
      if (size < 0)
        return n.error("size " + Twine(size) + " for dimension " + Twine(d) +
                       " is negative");
      sizes.push_back(size);
      // keep_aspect_ratio_policy gives the scale it rounded the sizes from.
      scales.push_back(!sizesScales.empty() ? sizesScales[d]
                       : in[d] > 0         ? (double)size / in[d]
                                           : 1.0);
    }
  }
  SmallVector<NamedAttribute> attrs = {
      i64Array(n, "sizes", sizes),
      n.b.getNamedAttr("scales", n.b.getDenseF64ArrayAttr(scales)),
      strAttr(n, "mode", mode),
      strAttr(n, "coordinate_transformation_mode", transform),
      strAttr(n, "nearest_mode", nearestMode),
      n.b.getNamedAttr("cubic_coeff_a", n.b.getF64FloatAttr(n.attrFloat(
                                            "cubic_coeff_a", -0.75f))),
      n.b.getNamedAttr("exclude_outside",
                       n.b.getBoolAttr(n.attrInt("exclude_outside", 0))),
      n.b.getNamedAttr(
          "extrapolation_value",
          n.b.getF64FloatAttr(n.attrFloat("extrapolation_value", 0.0f)))};
  if (!roi.empty())
    attrs.push_back(n.b.getNamedAttr("roi", n.b.getDenseF64ArrayAttr(roi)));
  return n.emit<graph::ResizeOp>(n.input(0), attrs);
}

/// Resize before opset 11 and Upsample: `scales` only, nearest or linear,
/// asymmetric coordinates. Nearest rounds down where a dimension grows and
/// up where it shrinks (Upsample only grows), as ONNX's opset 10 examples
/// and onnxruntime do.
static LogicalResult importLegacyResize(NodeImporter &n, const Tensor &scales) {
  std::string mode = n.attrString("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    return n.error("unsupported mode '" + mode +
                   "' (expected nearest or linear)");
  return emitResize(n, &scales, nullptr, {}, mode, "asymmetric", "legacy");
}

/// Opset 18's `axes` and `keep_aspect_ratio_policy`: widens `scales` or
/// `sizes`, given for the listed axes only, to every axis (the others keep
/// their size), and for a policy other than "stretch" replaces the sizes by
/// one common scale applied to the listed axes (rounded), returned in
/// `sizesScales` for the coordinate mapping.
static LogicalResult applyResizeAxes(NodeImporter &n,
                                     std::optional<Tensor> &scales,
                                     std::optional<Tensor> &sizes,
                                     std::vector<double> &sizesScales) {
  std::string policy = n.attrString("keep_aspect_ratio_policy", "stretch");
  if (!n.hasAttr("axes") && policy == "stretch")
    return success(); // every axis given: emitResize checks the counts
  Shape in = n.inputShape(0);
  int64_t rank = in.size();
  std::vector<int64_t> axes;
  if (n.hasAttr("axes")) {
    std::vector<bool> seen(rank, false);
    for (int64_t a : n.attrInts("axes")) {
      auto axis = n.normalizeAxis(a, rank);
      if (failed(axis))
        return failure();
      if (seen[*axis])
        return n.error("axis " + Twine(a) + " is listed twice in 'axes'");
      seen[*axis] = true;
      axes.push_back(*axis);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  const Tensor *given = scales ? &*scales : &*sizes;
  if (given->numElements() != (int64_t)axes.size())
    return n.error("'" + Twine(scales ? "scales" : "sizes") + "' has " +
                   Twine(given->numElements()) + " values for " +
                   Twine(axes.size()) + " axes");
  if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
    return n.error("unsupported keep_aspect_ratio_policy '" + policy +
                   "' (expected stretch, not_larger or not_smaller)");
  if (scales) {
    std::vector<float> full(rank, 1.0f);
    for (size_t i = 0; i < axes.size(); ++i)
      full[axes[i]] = (float)scales->getD(i);
    scales = Tensor::fromFloats(DType::F32, {rank}, std::move(full));
    return success();
  }
  std::vector<int64_t> full(in.begin(), in.end());
  for (size_t i = 0; i < axes.size(); ++i)
    full[axes[i]] = sizes->getI(i);
  if (policy != "stretch") {
    double common = policy == "not_larger" ? INFINITY : 0.0;
    for (int64_t a : axes) {
      if (in[a] == 0)
        return n.error("keep_aspect_ratio_policy needs non-empty axes");
      double s = (double)full[a] / in[a];
      common = policy == "not_larger" ? std::min(common, s)
                                      : std::max(common, s);
    }
    sizesScales.assign(rank, 1.0);
    for (int64_t a : axes) {
      full[a] = (int64_t)std::round(common * in[a]);
      sizesScales[a] = common;
    }
  }
  sizes = Tensor::fromInts(DType::I64, {rank}, std::move(full));
  return success();
}

static LogicalResult importResize(NodeImporter &n) {
  if (n.opset < 11) {
    auto scales = n.requireConstantInput(1, "scales");
    if (failed(scales))
      return failure();
    return importLegacyResize(n, *scales);
  }
  // Inputs: X, roi, scales, sizes; an empty tensor counts as absent.
  std::optional<Tensor> scales, sizes;
  for (size_t i : {2, 3}) {
    if (!n.hasInput(i))
      continue;
    auto t = n.requireConstantInput(i, i == 2 ? "scales" : "sizes");
    if (failed(t))
      return failure();
    if (t->numElements() > 0)
      (i == 2 ? scales : sizes) = std::move(*t);
  }
  if (scales && sizes)
    return n.error("give either 'scales' or 'sizes', not both");
  if (!scales && !sizes)
    return n.error("needs 'scales' or 'sizes'");

  std::string mode = n.attrString("mode", "nearest");
  std::string transform =
      n.attrString("coordinate_transformation_mode", "half_pixel");
  std::string nearestMode = n.attrString("nearest_mode", "round_prefer_floor");
  if (!golden::parseResizeMode(mode))
    return n.error("unsupported mode '" + mode +
                   "' (expected nearest, linear or cubic)");
  if (!golden::parseCoordinateTransform(transform))
    return n.error("unsupported coordinate_transformation_mode '" + transform +
                   "'");
  // "legacy" is graph.resize's name for opset 10 rounding, not ONNX's.
  if (!golden::parseNearestMode(nearestMode) || nearestMode == "legacy")
    return n.error("unsupported nearest_mode '" + nearestMode + "'");
  if (n.opset < 18 && (n.hasAttr("antialias") || n.hasAttr("axes") ||
                       n.hasAttr("keep_aspect_ratio_policy")))
    return n.error("antialias, axes and keep_aspect_ratio_policy need opset "
                   "18 or later");
  if (transform == "half_pixel_symmetric" && n.opset < 19)
    return n.error("coordinate_transformation_mode 'half_pixel_symmetric' "
                   "needs opset 19 or later");
  std::vector<double> sizesScales;
  if (failed(applyResizeAxes(n, scales, sizes, sizesScales)))
    return failure();
  if (n.attrInt("antialias", 0) != 0 && mode != "nearest") {
    // Antialiasing widens the filter when downsampling; upsampling is
    // unaffected.
    Shape in = n.inputShape(0);
    for (size_t d = 0; d < in.size(); ++d) {
      double s = scales              ? scales->getD(d)
                 : !sizesScales.empty() ? sizesScales[d]
                 : in[d] > 0         ? (double)sizes->getI(d) / in[d]
                                     : 1.0;
      if (s < 1)
        return n.error("antialias=1 with a downsampling " + Twine(mode) +
                       " resize (scale " + formatDouble(s) + " on axis " +
                       Twine(d) + ") is not supported");
    }
  }

  std::vector<double> roi;
  if (transform == "tf_crop_and_resize") {
    auto r = n.requireConstantInput(1, "roi");
    if (failed(r))
      return failure();
    if ((size_t)r->numElements() != 2 * n.inputShape(0).size())
      return n.error("'roi' has " + Twine(r->numElements()) +
                     " values; tf_crop_and_resize needs 2 per dimension");
    for (int64_t i = 0; i < r->numElements(); ++i)
      roi.push_back(r->getD(i));
  }
  return emitResize(n, scales ? &*scales : nullptr, sizes ? &*sizes : nullptr,
                    roi, mode, transform, nearestMode, sizesScales);
}

static LogicalResult importUpsample(NodeImporter &n) {
  if (n.opset < 9) {
    std::vector<float> values = n.attrFloats("scales");
    if (values.empty())
      return n.error("needs the 'scales' attribute");
    int64_t count = values.size();
    Tensor scales = Tensor::fromFloats(DType::F32, {count}, std::move(values));
    return importLegacyResize(n, scales);
  }
  auto scales = n.requireConstantInput(1, "scales");
  if (failed(scales))
    return failure();
  return importLegacyResize(n, *scales);
}

void registerDataImporters(OpImportRegistry &r) {
  r.add("Transpose", importTranspose);
  r.add("Reshape", importReshape);
  r.add("Flatten", importFlatten);
  r.add("Squeeze", importSqueeze);
  r.add("Unsqueeze", importUnsqueeze);
  r.add("Concat", importConcat);
  r.add("Split", importSplit);
  r.add("Slice", importSlice);
  r.add("Gather", importGather);
  r.add("Identity", importIdentity);
  r.add("Shape", importShape);
  r.add("Size", importSize);
  r.add("Range", importRange);
  r.add("ConstantOfShape", importConstantOfShape);
  r.add("EyeLike", importEyeLike);
  r.add("Expand", importExpand);
  r.add("Tile", importTile);
  r.add("Pad", importPad);
  r.add("Trilu", importTrilu);
  r.add("GatherElements", importGatherElements);
  r.add("ScatterElements", importScatterElements);
  r.add("Scatter", importScatterElements);
  r.add("GatherND", importGatherND);
  r.add("ScatterND", importScatterND);
  r.add("OneHot", importOneHot);
  r.add("DepthToSpace", importDepthToSpace);
  r.add("SpaceToDepth", importSpaceToDepth);
  r.add("ReverseSequence", importReverseSequence);
  r.add("Compress", importCompress);
  r.add("Resize", importResize);
  r.add("Upsample", importUpsample);
}

} // namespace tessera::onnx_import
