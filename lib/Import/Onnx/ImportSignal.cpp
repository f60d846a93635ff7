//===- ImportSignal.cpp - ONNX import of the signal-processing ops --------===//
//
// HannWindow, HammingWindow, BlackmanWindow and MelWeightMatrix depend only
// on sizes and rates, so they become constants at import (the inputs must be
// constant or bound: they fix the output's shape). DFT and STFT are linear
// in their signal: they become a matrix product against a constant DFT
// matrix (twiddle factors, inverse scaling, dft_length's zero padding or
// truncation folded in), which the NPU runs on its matrix engine; STFT first
// gathers the frames and multiplies them by the window.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "tessera/Import/OnnxTensor.h"

#include <cmath>
#include <cstdio>

using namespace mlir;

namespace tessera::onnx_import {
namespace graph = tessera::graph;

/// Largest constant (in elements) a signal op builds at import.
constexpr int64_t kMaxSignalConstant = int64_t(1) << 26;

/// The element type an op's `output_datatype` attribute names (default f32).
static FailureOr<DType> outputDataType(NodeImporter &n) {
  int64_t code = n.attrInt("output_datatype", 1);
  std::optional<DType> t = dtypeFromOnnx((int)code);
  if (!t || t == DType::Bool)
    return n.error("unsupported output_datatype " + Twine(code) + " (" +
                   onnxDataTypeName((int)code) + ")");
  return *t;
}

/// The single integer of a constant (scalar or one-element) input.
static FailureOr<int64_t> constantScalarInt(NodeImporter &n, size_t i,
                                            StringRef what) {
  auto values = n.requireConstantInts(i, what);
  if (failed(values))
    return failure();
  if (values->size() != 1)
    return n.error("input '" + what + "' must hold one value, it holds " +
                   Twine(values->size()));
  return (*values)[0];
}

static FailureOr<double> constantScalarFloat(NodeImporter &n, size_t i,
                                             StringRef what) {
  auto t = n.requireConstantInput(i, what);
  if (failed(t))
    return failure();
  if (t->numElements() != 1)
    return n.error("input '" + what + "' must hold one value, it holds " +
                   Twine(t->numElements()));
  return t->getD(0);
}

//===----------------------------------------------------------------------===//
// Windows
//===----------------------------------------------------------------------===//

/// w[i] = a0 - a1 cos(2 pi i / d) + a2 cos(4 pi i / d), d = size (periodic)
/// or size - 1 (symmetric).
static LogicalResult importCosineWindow(NodeImporter &n, double a0, double a1,
                                        double a2) {
  auto size = constantScalarInt(n, 0, "size");
  if (failed(size))
    return failure();
  if (*size < 0 || *size > kMaxSignalConstant)
    return n.error("window size " + Twine(*size) + " must be in [0, " +
                   Twine(kMaxSignalConstant) + "]");
  auto dtype = outputDataType(n);
  if (failed(dtype))
    return failure();
  bool periodic = n.attrInt("periodic", 1) != 0;
  double denom = periodic ? (double)*size : (double)(*size - 1);
  Tensor w(*dtype, {*size});
  for (int64_t i = 0; i < *size; ++i) {
    // A one-sample symmetric window divides by zero; it is 1 (as in numpy).
    double phase = denom > 0 ? 2.0 * M_PI * (double)i / denom : 0.0;
    w.setD(i, denom > 0 ? a0 - a1 * std::cos(phase) + a2 * std::cos(2 * phase)
                        : 1.0);
  }
  n.setResult(n.constant(w));
  return success();
}

static std::string formatHertz(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

/// ONNX's reference MelWeightMatrix: num_mel_bins + 2 points equally spaced
/// on the mel scale between the edges, mapped to DFT bins, and a triangle
/// per mel bin between its neighbours.
static LogicalResult importMelWeightMatrix(NodeImporter &n) {
  auto melBins = constantScalarInt(n, 0, "num_mel_bins");
  if (failed(melBins))
    return failure();
  auto dftLength = constantScalarInt(n, 1, "dft_length");
  if (failed(dftLength))
    return failure();
  auto sampleRate = constantScalarInt(n, 2, "sample_rate");
  if (failed(sampleRate))
    return failure();
  auto lower = constantScalarFloat(n, 3, "lower_edge_hertz");
  if (failed(lower))
    return failure();
  auto upper = constantScalarFloat(n, 4, "upper_edge_hertz");
  if (failed(upper))
    return failure();
  auto dtype = outputDataType(n);
  if (failed(dtype))
    return failure();
  if (*melBins <= 0 || *dftLength <= 0 || *sampleRate <= 0)
    return n.error("num_mel_bins (" + Twine(*melBins) + "), dft_length (" +
                   Twine(*dftLength) + ") and sample_rate (" +
                   Twine(*sampleRate) + ") must be positive");
  if (!(*lower >= 0 && *lower <= *upper))
    return n.error("the edges must satisfy 0 <= lower_edge_hertz (" +
                   formatHertz(*lower) + ") <= upper_edge_hertz (" +
                   formatHertz(*upper) + ")");
  int64_t specBins = *dftLength / 2 + 1;
  if (*melBins > kMaxSignalConstant / specBins)
    return n.error("the " + Twine(specBins) + "x" + Twine(*melBins) +
                   " matrix is too large to build as a constant");
  auto toMel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  double lowMel = toMel(*lower), highMel = toMel(*upper);
  double step = (highMel - lowMel) / (double)(*melBins + 2);
  std::vector<int64_t> bins(*melBins + 2);
  for (int64_t i = 0; i < *melBins + 2; ++i) {
    double hz =
        700.0 * (std::pow(10.0, ((double)i * step + lowMel) / 2595.0) - 1.0);
    bins[i] = (int64_t)std::floor((double)(*dftLength + 1) * hz /
                                  (double)*sampleRate);
    if (bins[i] < 0 || bins[i] >= specBins)
      return n.error("upper_edge_hertz " + formatHertz(*upper) +
                     " maps past the last DFT bin (" + Twine(specBins - 1) +
                     ") at sample_rate " + Twine(*sampleRate) +
                     "; it must not exceed sample_rate / 2");
  }
  Tensor out(*dtype, {specBins, *melBins});
  for (int64_t i = 0; i < *melBins; ++i) {
    int64_t left = bins[i], center = bins[i + 1], right = bins[i + 2];
    if (center == left) {
      out.setD(center * *melBins + i, 1.0);
    } else {
      for (int64_t j = left; j <= center; ++j)
        out.setD(j * *melBins + i,
                 (double)(j - left) / (double)(center - left));
    }
    for (int64_t j = center; j < right; ++j)
      out.setD(j * *melBins + i,
               (double)(right - j) / (double)(right - center));
  }
  n.setResult(n.constant(out));
  return success();
}

//===----------------------------------------------------------------------===//
// DFT and STFT
//===----------------------------------------------------------------------===//

/// cos and sin of 2 pi j / n, exact at the quarter turns (so bins whose
/// twiddles are 0 or +-1 get exact zeros, as an FFT does).
static std::pair<double, double> twiddle(int64_t j, int64_t n) {
  j %= n;
  if (j == 0)
    return {1.0, 0.0};
  if (4 * j == n)
    return {0.0, 1.0};
  if (2 * j == n)
    return {-1.0, 0.0};
  if (4 * j == 3 * n)
    return {0.0, -1.0};
  double a = 2.0 * M_PI * (double)j / (double)n;
  return {std::cos(a), std::sin(a)};
}

/// The [rows * channels, 2 * bins] matrix that maps `rows` samples of
/// `channels` components (1: real, 2: real and imaginary), flattened, to
/// `bins` complex outputs (real, imaginary) of a length-`length` DFT: rows
/// past `length` are zero (truncation), missing rows are zero padding.
static Tensor dftMatrix(DType dtype, int64_t rows, int64_t channels,
                        int64_t bins, int64_t length, bool inverse) {
  Tensor w(dtype, {rows * channels, 2 * bins});
  // e^{sign i theta}: forward sign -1, inverse +1 with a 1/length scale.
  double sign = inverse ? 1.0 : -1.0;
  double scale = inverse ? 1.0 / (double)length : 1.0;
  for (int64_t r = 0; r < std::min(rows, length); ++r) {
    for (int64_t k = 0; k < bins; ++k) {
      auto [c, s] = twiddle(r * k, length);
      // (xr + i xi)(c + sign i s) = xr c - sign xi s + i (sign xr s + xi c)
      int64_t re = r * channels * 2 * bins + 2 * k;
      w.setD(re, scale * c);
      w.setD(re + 1, scale * sign * s);
      if (channels == 2) {
        w.setD(re + 2 * bins, -scale * sign * s);
        w.setD(re + 2 * bins + 1, scale * c);
      }
    }
  }
  return w;
}

static FailureOr<Value> reshape(NodeImporter &n, Value v, ArrayRef<int64_t> s) {
  auto op = n.create<graph::ReshapeOp>(
      v, {n.b.getNamedAttr("shape", n.b.getDenseI64ArrayAttr(s))});
  if (failed(op))
    return failure();
  return op->getResult();
}

static FailureOr<Value> transpose(NodeImporter &n, Value v,
                                  ArrayRef<int64_t> perm) {
  auto op = n.create<graph::TransposeOp>(
      v, {n.b.getNamedAttr("perm", n.b.getDenseI64ArrayAttr(perm))});
  if (failed(op))
    return failure();
  return op->getResult();
}

/// `x` [..., rows, channels] times the DFT matrix: [..., bins, 2].
static FailureOr<Value> applyDft(NodeImporter &n, Value x, int64_t bins,
                                 int64_t length, bool inverse) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  int64_t rows = shape[shape.size() - 2], channels = shape.back();
  std::optional<DType> dtype = graph::toDType(type.getElementType());
  if (!dtype)
    return n.error("unsupported element type");
  if (rows * channels > kMaxSignalConstant / (2 * bins))
    return n.error("the DFT matrix (" + Twine(rows * channels) + "x" +
                   Twine(2 * bins) + ") is too large to build as a constant");
  SmallVector<int64_t> flat(shape.begin(), shape.end() - 2);
  flat.push_back(rows * channels);
  auto flatX = reshape(n, x, flat);
  if (failed(flatX))
    return failure();
  Value matrix =
      n.constant(dftMatrix(*dtype, rows, channels, bins, length, inverse));
  auto product = n.create<graph::MatMulOp>(ValueRange{*flatX, matrix});
  if (failed(product))
    return failure();
  SmallVector<int64_t> outShape(shape.begin(), shape.end() - 2);
  outShape.append({bins, 2});
  return reshape(n, product->getResult(), outShape);
}

/// The last dimension of a signal holds 1 (real) or 2 (complex) components.
static LogicalResult checkComponents(NodeImporter &n, int64_t last,
                                     StringRef what) {
  if (last != 1 && last != 2)
    return n.error("the last dimension of '" + what + "' is " + Twine(last) +
                   "; it must be 1 (real) or 2 (complex)");
  return success();
}

static LogicalResult importDFT(NodeImporter &n) {
  Shape shape = n.inputShape(0);
  int64_t rank = (int64_t)shape.size();
  if (rank < 2)
    return n.error("the input has rank " + Twine(rank) +
                   "; it must be [..., signal, 1 or 2]");
  if (failed(checkComponents(n, shape.back(), "input")))
    return failure();
  if (!isa<FloatType>(n.inputElementType(0)))
    return n.error("the input must be a float tensor");
  int64_t axis = n.attrInt("axis", 1);
  // The last dimension holds the components: it is not a signal axis.
  if (axis < -rank || axis >= rank - 1 || axis == -1)
    return n.error("axis " + Twine(axis) + " is out of range for rank " +
                   Twine(rank) + " (the last dimension holds the components)");
  if (axis < 0)
    axis += rank;
  bool inverse = n.attrInt("inverse", 0) != 0;
  bool onesided = n.attrInt("onesided", 0) != 0;
  int64_t rows = shape[axis];
  int64_t length = rows;
  if (n.hasInput(1)) {
    auto given = constantScalarInt(n, 1, "dft_length");
    if (failed(given))
      return failure();
    if (*given <= 0)
      return n.error("dft_length " + Twine(*given) + " must be positive");
    length = *given;
  }
  if (onesided && (inverse || shape.back() == 2))
    return n.error("onesided is only supported for a forward DFT of a real "
                   "signal");
  if (length == 0 || rows == 0)
    return n.error("the signal along axis " + Twine(axis) + " is empty");
  int64_t bins = onesided ? length / 2 + 1 : length;

  // Move the signal axis next to the components: [..., rows, channels].
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank - 1; ++d)
    if (d != axis)
      perm.push_back(d);
  perm.append({axis, rank - 1});
  bool moved = axis != rank - 2;
  Value x = n.input(0);
  if (moved) {
    auto t = transpose(n, x, perm);
    if (failed(t))
      return failure();
    x = *t;
  }
  auto y = applyDft(n, x, bins, length, inverse);
  if (failed(y))
    return failure();
  if (!moved) {
    n.setResult(*y);
    return success();
  }
  SmallVector<int64_t> back(rank);
  for (int64_t d = 0; d < rank; ++d)
    back[perm[d]] = d;
  auto result = transpose(n, *y, back);
  if (failed(result))
    return failure();
  n.setResult(*result);
  return success();
}

static LogicalResult importSTFT(NodeImporter &n) {
  Shape shape = n.inputShape(0);
  if (shape.size() != 3)
    return n.error("the signal has shape " + shapeToString(shape) +
                   "; it must be [batch, length, 1 or 2]");
  if (failed(checkComponents(n, shape[2], "signal")))
    return failure();
  if (!isa<FloatType>(n.inputElementType(0)))
    return n.error("the signal must be a float tensor");
  auto step = constantScalarInt(n, 1, "frame_step");
  if (failed(step))
    return failure();
  if (*step <= 0)
    return n.error("frame_step " + Twine(*step) + " must be positive");
  int64_t frameLength = -1;
  if (n.hasInput(2)) {
    Shape w = n.inputShape(2);
    if (w.size() != 1)
      return n.error("the window has shape " + shapeToString(w) +
                     "; it must be 1-D");
    if (n.inputElementType(2) != n.inputElementType(0))
      return n.error("the window's element type differs from the signal's");
    frameLength = w[0];
  }
  if (n.hasInput(3)) {
    auto given = constantScalarInt(n, 3, "frame_length");
    if (failed(given))
      return failure();
    if (frameLength >= 0 && *given != frameLength)
      return n.error("frame_length " + Twine(*given) +
                     " differs from the window's length " + Twine(frameLength));
    frameLength = *given;
  }
  if (frameLength < 0)
    return n.error("needs a window or a frame_length");
  if (frameLength == 0 || frameLength > shape[1])
    return n.error("frame length " + Twine(frameLength) +
                   " must be in [1, signal length " + Twine(shape[1]) + "]");
  bool onesided = n.attrInt("onesided", 1) != 0;
  if (onesided && shape[2] == 2)
    return n.error("onesided is only supported for a real signal (set "
                   "onesided=0 for a complex one)");
  int64_t frames = (shape[1] - frameLength) / *step + 1;
  int64_t bins = onesided ? frameLength / 2 + 1 : frameLength;
  if (frames > kMaxSignalConstant / frameLength)
    return n.error("too many frames (" + Twine(frames) + ")");

  // [batch, frames, frameLength, channels] by a gather along the signal.
  Tensor indices(DType::I64, {frames, frameLength});
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t i = 0; i < frameLength; ++i)
      indices.setI(f * frameLength + i, f * *step + i);
  auto framed = n.create<graph::GatherOp>(
      ValueRange{n.input(0), n.constant(indices)},
      {n.b.getNamedAttr("axis", n.b.getI64IntegerAttr(1))});
  if (failed(framed))
    return failure();
  Value x = framed->getResult();
  if (n.hasInput(2)) {
    auto window = reshape(n, n.input(2), {frameLength, 1});
    if (failed(window))
      return failure();
    auto windowed = n.create<graph::MulOp>(ValueRange{x, *window});
    if (failed(windowed))
      return failure();
    x = windowed->getResult();
  }
  auto y = applyDft(n, x, bins, frameLength, /*inverse=*/false);
  if (failed(y))
    return failure();
  n.setResult(*y);
  return success();
}

void registerSignalImporters(OpImportRegistry &r) {
  r.add("HannWindow",
        [](NodeImporter &n) { return importCosineWindow(n, 0.5, 0.5, 0.0); });
  // ONNX's Hamming coefficients: a0 = 25/46, a1 = 21/46.
  r.add("HammingWindow", [](NodeImporter &n) {
    return importCosineWindow(n, 25.0 / 46.0, 21.0 / 46.0, 0.0);
  });
  r.add("BlackmanWindow",
        [](NodeImporter &n) { return importCosineWindow(n, 0.42, 0.5, 0.08); });
  r.add("MelWeightMatrix", importMelWeightMatrix);
  r.add("DFT", importDFT);
  r.add("STFT", importSTFT);
}

} // namespace tessera::onnx_import
