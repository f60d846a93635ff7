//===- NNKernels.h - Golden kernels of the NN-specific ops ------*- C++ -*-===//
//
// Convolution, pooling, the NN normalizations, arg/top-k selection, cumulative
// sum, hardmax, the two classification losses and einsum, with ONNX
// semantics (opsets 7-17). Like Kernels.h: plain C++ on tessera::Tensor,
// floating-point work in f32 with f64 accumulators, and every error a user's
// model can cause returned as llvm::Error.
//
// Each op's shape rule is a separate function so that the graph dialect's
// type inference and the kernel check exactly the same things.
//
// Spatial parameters follow ONNX: the input is [N, C, D1, ..., Dn]; `pads`
// holds n begin paddings then n end paddings; `strides` and `dilations` hold
// n values each. The graph ops always carry explicit values (the importer
// resolves auto_pad and the defaults).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_GOLDEN_NNKERNELS_H
#define TESSERA_GOLDEN_NNKERNELS_H

#include "tessera/Support/Tensor.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace tessera::golden {

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

struct ConvParams {
  std::vector<int64_t> strides;
  std::vector<int64_t> pads;
  std::vector<int64_t> dilations;
  int64_t group = 1;
  /// ConvTranspose only: extra output elements at the end of each axis.
  std::vector<int64_t> outputPadding;
};

/// Y = conv(X, W) + B with X [N, C, D...], W [M, C/group, K...], B [M].
llvm::Expected<Shape> convShape(const Shape &x, const Shape &w,
                                const Shape *bias, const ConvParams &p);
llvm::Expected<Tensor> conv(const Tensor &x, const Tensor &w,
                            const Tensor *bias, const ConvParams &p);

/// The transpose (gradient) of conv with X [N, C, D...], W [C, M/group, K...]
/// and B [M]: out = stride * (in - 1) + output_padding +
/// (K - 1) * dilation + 1 - pad_begin - pad_end.
llvm::Expected<Shape> convTransposeShape(const Shape &x, const Shape &w,
                                         const Shape *bias,
                                         const ConvParams &p);
llvm::Expected<Tensor> convTranspose(const Tensor &x, const Tensor &w,
                                     const Tensor *bias, const ConvParams &p);

/// A multiply-add per output element, input channel of its group and kernel
/// position: 2 * N * M * prod(O) * (C / group) * prod(K).
int64_t convFlops(const Shape &output, const Shape &weight);
/// Every input element meets the kernel weights of its group's output
/// channels: 2 * N * C * prod(D) * (M / group) * prod(K).
int64_t convTransposeFlops(const Shape &input, const Shape &weight);

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

enum class PoolKind { Max, Average, Lp };

struct PoolParams {
  PoolKind kind = PoolKind::Max;
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> pads;
  std::vector<int64_t> dilations;
  bool ceilMode = false;
  /// Average: divide by the whole window (padding included) rather than by
  /// the number of input elements it covers.
  bool countIncludePad = false;
  /// Lp: the norm's order.
  int64_t p = 2;
};

/// Output spatial extent of one window axis; errors when the window does not
/// fit or a parameter is out of range. `ceilMode` drops a last window that
/// would start in the end padding (as PyTorch and ONNX's reference do).
llvm::Expected<int64_t> windowOutputSize(int64_t in, int64_t kernel,
                                         int64_t stride, int64_t padBegin,
                                         int64_t padEnd, int64_t dilation,
                                         bool ceilMode);

llvm::Expected<Shape> poolShape(const Shape &x, const PoolParams &p);
llvm::Expected<Tensor> pool(const Tensor &x, const PoolParams &p);
/// Max: a comparison per window position; average: an add per position and
/// a divide per output; Lp: |x|^p and an add per position and a root.
int64_t poolFlops(const Shape &output, llvm::ArrayRef<int64_t> kernel,
                  PoolKind kind);
/// Max pooling that also returns, per output, the int64 flat index of the
/// (first) maximum in the input (ONNX MaxPool's Indices): row-major over the
/// whole tensor, or with `columnMajor` (storage_order 1) column-major over
/// the spatial axes (the N and C offsets stay row-major).
llvm::Expected<std::pair<Tensor, Tensor>>
maxPoolWithIndices(const Tensor &x, const PoolParams &p, bool columnMajor);

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

/// Inference-mode batch normalization over channel axis 1: scale, bias, mean
/// and var are [C].
llvm::Expected<Tensor> batchNorm(const Tensor &x, const Tensor &scale,
                                 const Tensor &bias, const Tensor &mean,
                                 const Tensor &var, float epsilon);
/// Checks the [C] parameter shapes of batch and instance normalization.
llvm::Error checkChannelParams(const Shape &x,
                               llvm::ArrayRef<const Shape *> params);
/// Normalizes each (n, c) instance over its spatial elements.
llvm::Expected<Tensor> instanceNorm(const Tensor &x, const Tensor &scale,
                                    const Tensor &bias, float epsilon);
/// Local response normalization across channels.
llvm::Error checkLrn(const Shape &x, int64_t size);
llvm::Expected<Tensor> lrn(const Tensor &x, int64_t size, float alpha,
                           float beta, float bias);
/// ONNX's MeanVarianceNormalization function body:
/// (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9) over `axes`.
llvm::Expected<Tensor> meanVarianceNorm(const Tensor &x,
                                        llvm::ArrayRef<int64_t> axes);
/// x / ||x||_p along `axis`, p in {1, 2}.
llvm::Error checkLpNorm(const Shape &x, int64_t axis, int64_t p);
llvm::Expected<Tensor> lpNorm(const Tensor &x, int64_t axis, int64_t p);

//===----------------------------------------------------------------------===//
// Selection and scans
//===----------------------------------------------------------------------===//

/// ArgMax/ArgMin result shape (int64 indices).
llvm::Expected<Shape> argReduceShape(const Shape &x, int64_t axis,
                                     bool keepdims);
llvm::Expected<Tensor> argReduce(const Tensor &x, int64_t axis, bool keepdims,
                                 bool selectLastIndex, bool isMax);

llvm::Expected<Shape> topKShape(const Shape &x, int64_t k, int64_t axis);
/// Returns (values, int64 indices). Equal values keep their input order, so
/// the lower index comes first; the result is always sorted.
llvm::Expected<std::pair<Tensor, Tensor>> topK(const Tensor &x, int64_t k,
                                               int64_t axis, bool largest);

llvm::Error checkAxis(const Shape &x, int64_t axis);
llvm::Expected<Tensor> cumSum(const Tensor &x, int64_t axis, bool exclusive,
                              bool reverse);
/// 1 at the first maximum along `axis`, 0 elsewhere.
llvm::Expected<Tensor> hardmax(const Tensor &x, int64_t axis);

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

enum class LossReduction { None, Sum, Mean };
/// "none" / "sum" / "mean".
llvm::Expected<LossReduction> parseLossReduction(llvm::StringRef s);

/// Loss shape: [N, D...] for reduction none, a scalar otherwise. Checks that
/// input is [N, C, D...], target [N, D...] and weight [C].
llvm::Expected<Shape> lossShape(const Shape &input, const Shape &target,
                                const Shape *weight, LossReduction reduction);

/// NegativeLogLikelihoodLoss on log-probabilities `input`.
llvm::Expected<Tensor> nllLoss(const Tensor &input, const Tensor &target,
                               const Tensor *weight, LossReduction reduction,
                               std::optional<int64_t> ignoreIndex);
/// SoftmaxCrossEntropyLoss: returns (loss, log_prob) with log_prob the log
/// softmax of `scores` over axis 1.
llvm::Expected<std::pair<Tensor, Tensor>>
softmaxCrossEntropyLoss(const Tensor &scores, const Tensor &labels,
                        const Tensor *weights, LossReduction reduction,
                        std::optional<int64_t> ignoreIndex);

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// A parsed einsum equation. Labels are letters; the dimensions an ellipsis
/// stands for get labels 256, 257, ... (right-aligned, so that ellipses of
/// different lengths broadcast like numpy).
struct EinsumSpec {
  std::vector<std::vector<int>> inputs; // per input, one label per dim
  std::vector<int> output;
  std::map<int, int64_t> sizes; // label -> extent
};
/// Parses `equation` against the input shapes (the NPU lowering rewrites
/// einsum from the same labels the golden kernel uses).
llvm::Expected<EinsumSpec> parseEinsum(llvm::StringRef equation,
                                       llvm::ArrayRef<Shape> shapes);
llvm::Expected<Shape> einsumShape(llvm::StringRef equation,
                                  llvm::ArrayRef<Shape> inputs);
llvm::Expected<Tensor> einsum(llvm::StringRef equation,
                              llvm::ArrayRef<Tensor> inputs);
/// Number of multiply-accumulate steps einsum performs: the product of the
/// extents of every distinct label (for its cost).
llvm::Expected<int64_t> einsumIterations(llvm::StringRef equation,
                                         llvm::ArrayRef<Shape> inputs);

} // namespace tessera::golden

#endif // TESSERA_GOLDEN_NNKERNELS_H
