//===- ImportRecurrent.cpp - LSTM, GRU and RNN ----------------------------===//
//
// Recurrent layers are unrolled over their (static) time steps into graph
// ops at import: one matmul of the whole input sequence with W per
// direction, then per step a matmul of the hidden state with R, the gate
// activations and the state update. The golden evaluator and the NPU both
// run the unrolled graph (matrix + vector kernels), so no op of the graph
// dialect needs a loop. Sequence lengths (constant or given at run time)
// mask the steps past each batch entry's length: the state holds and Y is
// zero there, as ONNX defines.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "Graph/IR/GraphDialect.h"

#include "onnx/onnx_pb.h"

#include <cmath>

using namespace mlir;
using namespace tessera;
using onnx_import::NodeImporter;

namespace {

enum class Cell { LSTM, GRU, RNN };

/// Builds graph ops for one recurrent node; every helper reports failure as
/// the node's error.
class Recurrence {
public:
  Recurrence(NodeImporter &n, Cell cell) : n(n), cell(cell) {}

  LogicalResult run();

private:
  NodeImporter &n;
  Cell cell;
  int64_t seq = 0, batch = 0, inputSize = 0, hidden = 0, dirs = 1;
  int64_t gates = 1;
  Type elemType;
  std::vector<std::string> activations;
  std::vector<float> alphas, betas;
  std::optional<float> clip;
  bool ok = true;

  // One op, or a null Value after reporting an error.
  template <typename OpT>
  Value op(ValueRange operands, ArrayRef<NamedAttribute> attrs = {}) {
    if (!ok)
      return Value();
    for (Value v : operands)
      if (!v) {
        ok = false;
        return Value();
      }
    auto r = n.create<OpT>(operands, attrs);
    if (failed(r)) {
      ok = false;
      return Value();
    }
    return (*r)->getResult(0);
  }
  NamedAttribute attr(StringRef name, ArrayRef<int64_t> v) {
    return n.b.getNamedAttr(name, n.b.getDenseI64ArrayAttr(v));
  }
  Value reshape(Value v, ArrayRef<int64_t> shape) {
    return op<graph::ReshapeOp>(v, {attr("shape", shape)});
  }
  Value transpose(Value v, ArrayRef<int64_t> perm) {
    return op<graph::TransposeOp>(v, {attr("perm", perm)});
  }
  /// v[.., lo:hi, ..] along `axis`.
  Value slice(Value v, int64_t axis, int64_t lo, int64_t hi) {
    if (!v)
      return Value();
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> starts(t.getRank(), 0), steps(t.getRank(), 1);
    SmallVector<int64_t> ends(t.getShape().begin(), t.getShape().end());
    starts[axis] = lo;
    ends[axis] = hi;
    return op<graph::SliceOp>(v, {attr("starts", starts), attr("ends", ends),
                                  attr("steps", steps)});
  }
  Value concat(ValueRange vs, int64_t axis) {
    if (vs.size() == 1)
      return vs[0];
    return op<graph::ConcatOp>(
        vs, {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(axis))});
  }
  Value scalar(float x) {
    auto dt = graph::toDType(elemType);
    return n.constant(Tensor::scalarF(*dt, x));
  }
  Value zeros(ArrayRef<int64_t> shape) {
    auto dt = graph::toDType(elemType);
    Tensor t(*dt, Shape(shape.begin(), shape.end()));
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.setD(i, 0.0);
    return n.constant(t);
  }
  /// The k-th activation (f, g, h of the ONNX spec) applied to v.
  Value activate(unsigned k, Value v);
  Value step(unsigned dir, Value xw, Value h, Value c, Value r, Value rb,
             Value p, Value &cOut);
};

Value Recurrence::activate(unsigned k, Value v) {
  const std::string &name = activations[k];
  float alpha = k < alphas.size() ? alphas[k] : NAN;
  float beta = k < betas.size() ? betas[k] : NAN;
  auto alphaAttr = [&](float dflt) {
    return n.b.getNamedAttr("alpha",
                            n.b.getF32FloatAttr(std::isnan(alpha) ? dflt
                                                                  : alpha));
  };
  if (name == "Sigmoid")
    return op<graph::SigmoidOp>(v);
  if (name == "Tanh")
    return op<graph::TanhOp>(v);
  if (name == "Relu")
    return op<graph::ReluOp>(v);
  if (name == "LeakyRelu")
    return op<graph::LeakyReluOp>(v, {alphaAttr(0.01f)});
  if (name == "ThresholdedRelu")
    return op<graph::ThresholdedReluOp>(v, {alphaAttr(1.0f)});
  if (name == "Elu")
    return op<graph::EluOp>(v, {alphaAttr(1.0f)});
  if (name == "Softsign")
    return op<graph::SoftsignOp>(v);
  if (name == "Softplus")
    return op<graph::SoftplusOp>(v);
  if (name == "HardSigmoid")
    return op<graph::HardSigmoidOp>(
        v, {alphaAttr(0.2f),
            n.b.getNamedAttr("beta", n.b.getF32FloatAttr(
                                         std::isnan(beta) ? 0.5f : beta))});
  if (name == "ScaledTanh" || name == "Affine") {
    // ScaledTanh: alpha * tanh(beta * x); Affine: alpha * x + beta.
    float a = std::isnan(alpha) ? 1.0f : alpha;
    float b = std::isnan(beta) ? (name == "Affine" ? 0.0f : 1.0f) : beta;
    if (name == "Affine")
      return op<graph::AddOp>(
          ValueRange{op<graph::MulOp>(ValueRange{v, scalar(a)}), scalar(b)});
    return op<graph::MulOp>(ValueRange{
        op<graph::TanhOp>(op<graph::MulOp>(ValueRange{v, scalar(b)})),
        scalar(a)});
  }
  (void)n.error("unsupported activation '" + name + "'");
  ok = false;
  return Value();
}

/// One time step of one direction. `xw` is this step's X * W^T + biases
/// ([batch, gates*H]); returns the new H (and C for LSTM in `cOut`).
Value Recurrence::step(unsigned dir, Value xw, Value h, Value c, Value r,
                       Value rb, Value p, Value &cOut) {
  unsigned base = dir * (cell == Cell::LSTM ? 3 : cell == Cell::GRU ? 2 : 1);
  auto clipped = [&](Value v) {
    if (!clip || !v)
      return v;
    return op<graph::ClipOp>(
        v, {n.b.getNamedAttr("min", n.b.getF64FloatAttr(-*clip)),
            n.b.getNamedAttr("max", n.b.getF64FloatAttr(*clip))});
  };
  auto gate = [&](Value v, int64_t k) {
    return slice(v, 1, k * hidden, (k + 1) * hidden);
  };
  if (cell == Cell::GRU) {
    // z, r, h gate order. linear_before_reset selects where r applies.
    bool lbr = n.attrInt("linear_before_reset", 0) != 0;
    Value hr = op<graph::MatMulOp>(ValueRange{h, r}); // [batch, 3H]
    if (rb)
      hr = op<graph::AddOp>(ValueRange{hr, rb});
    Value z = activate(base, clipped(op<graph::AddOp>(
                                 ValueRange{gate(xw, 0), gate(hr, 0)})));
    Value rg = activate(base, clipped(op<graph::AddOp>(
                                  ValueRange{gate(xw, 1), gate(hr, 1)})));
    Value hh;
    if (lbr) {
      hh = op<graph::MulOp>(ValueRange{rg, gate(hr, 2)});
    } else {
      // (r (.) H) * Rh^T + Rbh.
      Value rh = slice(r, 1, 2 * hidden, 3 * hidden);
      hh = op<graph::MatMulOp>(
          ValueRange{op<graph::MulOp>(ValueRange{rg, h}), rh});
      if (rb)
        hh = op<graph::AddOp>(ValueRange{hh, gate(rb, 2)});
    }
    Value ht = activate(base + 1,
                        clipped(op<graph::AddOp>(ValueRange{gate(xw, 2), hh})));
    // H = (1 - z) (.) ht + z (.) H
    Value oneMinusZ = op<graph::SubOp>(ValueRange{scalar(1.0f), z});
    return op<graph::AddOp>(
        ValueRange{op<graph::MulOp>(ValueRange{oneMinusZ, ht}),
                   op<graph::MulOp>(ValueRange{z, h})});
  }
  Value g = op<graph::AddOp>(
      ValueRange{xw, op<graph::MatMulOp>(ValueRange{h, r})});
  if (rb)
    g = op<graph::AddOp>(ValueRange{g, rb});
  if (cell == Cell::RNN)
    return activate(base, clipped(g));
  // LSTM: i, o, f, c gate order; peepholes P = [Pi, Po, Pf].
  auto peep = [&](Value v, int64_t k, Value state) {
    if (!p)
      return v;
    return op<graph::AddOp>(ValueRange{
        v, op<graph::MulOp>(ValueRange{gate(p, k), state})});
  };
  Value i = activate(base, clipped(peep(gate(g, 0), 0, c)));
  Value f;
  if (n.attrInt("input_forget", 0))
    f = op<graph::SubOp>(ValueRange{scalar(1.0f), i});
  else
    f = activate(base, clipped(peep(gate(g, 2), 2, c)));
  Value ct = activate(base + 1, clipped(gate(g, 3)));
  cOut = op<graph::AddOp>(ValueRange{op<graph::MulOp>(ValueRange{f, c}),
                                     op<graph::MulOp>(ValueRange{i, ct})});
  Value o = activate(base, clipped(peep(gate(g, 1), 1, cOut)));
  return op<graph::MulOp>(ValueRange{o, activate(base + 2, cOut)});
}

LogicalResult Recurrence::run() {
  gates = cell == Cell::LSTM ? 4 : cell == Cell::GRU ? 3 : 1;
  std::string direction = n.attrString("direction", "forward");
  if (direction == "bidirectional")
    dirs = 2;
  else if (direction != "forward" && direction != "reverse")
    return n.error("unknown direction '" + direction + "'");
  bool reverse = direction == "reverse";
  int64_t layout = n.attrInt("layout", 0);
  hidden = n.attrInt("hidden_size", 0);
  if (!n.hasInput(0) || !n.hasInput(1) || !n.hasInput(2))
    return n.error("expects inputs X, W and R");
  Shape xs = n.inputShape(0), ws = n.inputShape(1);
  if (xs.size() != 3 || ws.size() != 3)
    return n.error("X and W must have rank 3 (they have rank " +
                   Twine(xs.size()) + " and " + Twine(ws.size()) + ")");
  elemType = n.inputElementType(0);
  if (!isa<FloatType>(elemType))
    return n.error("X must be floating-point");
  seq = layout ? xs[1] : xs[0];
  batch = layout ? xs[0] : xs[1];
  inputSize = xs[2];
  if (hidden <= 0)
    hidden = ws[1] / gates;
  if (ws[0] != dirs || ws[1] != gates * hidden || ws[2] != inputSize)
    return n.error("W has shape [" + Twine(ws[0]) + ", " + Twine(ws[1]) +
                   ", " + Twine(ws[2]) + "], expected [" + Twine(dirs) + ", " +
                   Twine(gates * hidden) + ", " + Twine(inputSize) + "]");
  if (seq <= 0)
    return n.error("an empty sequence is not supported");
  if (seq > 4096)
    return n.error("sequences longer than 4096 steps are not unrolled");

  // Activations: f, g, h for LSTM; f, g for GRU; f for RNN; per direction.
  std::vector<std::string> dflt =
      cell == Cell::LSTM  ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
      : cell == Cell::GRU ? std::vector<std::string>{"Sigmoid", "Tanh"}
                          : std::vector<std::string>{"Tanh"};
  if (n.hasAttr("activations")) {
    const onnx::AttributeProto *a = n.attr("activations");
    for (const std::string &s : a->strings())
      activations.push_back(s);
  }
  if (activations.empty())
    for (int64_t d = 0; d < dirs; ++d)
      activations.insert(activations.end(), dflt.begin(), dflt.end());
  if (activations.size() == dflt.size() && dirs == 2)
    activations.insert(activations.end(), activations.begin(),
                       activations.end());
  if (activations.size() != dflt.size() * dirs)
    return n.error("expects " + Twine(dflt.size() * dirs) +
                   " activations, got " + Twine(activations.size()));
  alphas = n.attrFloats("activation_alpha");
  betas = n.attrFloats("activation_beta");
  if (n.hasAttr("clip"))
    clip = n.attrFloat("clip", 0);

  // X as [seq, batch, input].
  Value x = n.input(0);
  if (layout)
    x = transpose(x, {1, 0, 2});
  // Sequence lengths: a per-step mask [batch, 1] (true while t < length).
  Value lens = n.hasInput(4) ? n.input(4) : Value();
  if (lens) {
    std::optional<Tensor> t = n.constantInput(4);
    bool full = t.has_value();
    for (int64_t b = 0; t && b < t->numElements(); ++b)
      full = full && t->getD(b) == (double)seq;
    if (full)
      lens = Value();
    else
      lens = reshape(lens, {batch, 1});
  }
  auto idxType = lens ? cast<RankedTensorType>(lens.getType()).getElementType()
                      : Type();

  int64_t stateInput = 5, cellInput = 6, peepInput = 7;
  SmallVector<Value> ys(dirs), hLast(dirs), cLast(dirs);
  for (int64_t d = 0; d < dirs; ++d) {
    Value w = reshape(slice(n.input(1), 0, d, d + 1), {gates * hidden,
                                                        inputSize});
    Value r = reshape(slice(n.input(2), 0, d, d + 1), {gates * hidden,
                                                        hidden});
    Value wT = transpose(w, {1, 0}), rT = transpose(r, {1, 0});
    // X * W^T for every step at once: [seq, batch, gates*H].
    Value xw = op<graph::MatMulOp>(ValueRange{x, wT});
    Value rb;
    if (n.hasInput(3)) {
      Value bias = reshape(slice(n.input(3), 0, d, d + 1),
                           {2 * gates * hidden});
      Value wb = slice(bias, 0, 0, gates * hidden);
      rb = slice(bias, 0, gates * hidden, 2 * gates * hidden);
      if (cell == Cell::GRU) {
        // GRU's Rbh sits inside the reset product (linear_before_reset=0)
        // or beside it: keep Rb apart; add Wb to X * W^T.
        xw = op<graph::AddOp>(ValueRange{xw, wb});
      } else {
        xw = op<graph::AddOp>(
            ValueRange{xw, op<graph::AddOp>(ValueRange{wb, rb})});
        rb = Value();
      }
    }
    Value h = n.hasInput(stateInput)
                  ? reshape(slice(n.input(stateInput), 0, d, d + 1),
                            {batch, hidden})
                  : zeros({batch, hidden});
    Value c;
    if (cell == Cell::LSTM)
      c = n.hasInput(cellInput)
              ? reshape(slice(n.input(cellInput), 0, d, d + 1),
                        {batch, hidden})
              : zeros({batch, hidden});
    Value p;
    if (cell == Cell::LSTM && n.hasInput(peepInput))
      p = reshape(slice(n.input(peepInput), 0, d, d + 1), {3 * hidden});
    bool backward = reverse || d == 1;
    SmallVector<Value> steps(seq);
    for (int64_t s = 0; s < seq && ok; ++s) {
      int64_t t = backward ? seq - 1 - s : s;
      Value xt = reshape(slice(xw, 0, t, t + 1),
                         {batch, (cell == Cell::GRU ? 3 : gates) * hidden});
      Value cNew;
      Value hNew = step(d, xt, h, c, rT, rb, p, cNew);
      if (lens) {
        Tensor tt(graph::toDType(idxType).value_or(DType::I32), {});
        tt.setI(0, t);
        Value live = op<graph::LessOp>(ValueRange{n.constant(tt), lens});
        steps[t] = op<graph::WhereOp>(
            ValueRange{live, hNew, zeros({batch, hidden})});
        hNew = op<graph::WhereOp>(ValueRange{live, hNew, h});
        if (cell == Cell::LSTM)
          cNew = op<graph::WhereOp>(ValueRange{live, cNew, c});
      } else {
        steps[t] = hNew;
      }
      h = hNew;
      c = cNew;
    }
    SmallVector<Value> rows;
    for (Value v : steps)
      rows.push_back(reshape(v, {1, 1, batch, hidden}));
    if (!ok)
      return failure();
    ys[d] = concat(rows, 0); // [seq, 1, batch, H]
    hLast[d] = reshape(h, {1, batch, hidden});
    if (cell == Cell::LSTM)
      cLast[d] = reshape(c, {1, batch, hidden});
  }
  Value y = concat(ys, 1);
  Value yh = concat(hLast, 0);
  Value yc = cell == Cell::LSTM ? concat(cLast, 0) : Value();
  if (layout) {
    y = transpose(y, {2, 0, 1, 3});
    yh = transpose(yh, {1, 0, 2});
    if (yc)
      yc = transpose(yc, {1, 0, 2});
  }
  if (!ok)
    return failure();
  SmallVector<Value> results = {y, yh};
  if (yc)
    results.push_back(yc);
  n.setResults(results);
  return success();
}

} // namespace

namespace tessera::onnx_import {

void registerRecurrentImporters(OpImportRegistry &r) {
  r.add("LSTM", [](NodeImporter &n) { return Recurrence(n, Cell::LSTM).run(); });
  r.add("GRU", [](NodeImporter &n) { return Recurrence(n, Cell::GRU).run(); });
  r.add("RNN", [](NodeImporter &n) { return Recurrence(n, Cell::RNN).run(); });
}

} // namespace tessera::onnx_import
