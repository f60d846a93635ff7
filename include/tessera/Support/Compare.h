//===- Compare.h - Accuracy metrics between two tensors ----------*- C++
//-*-===//
//
// The metrics every check in Tessera reports: max absolute and relative
// error, cosine similarity and Euclidean similarity
// 1 - ||a-b|| / ||(a+b)/2||, plus ONNX's allclose test.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SUPPORT_COMPARE_H
#define TESSERA_SUPPORT_COMPARE_H

#include "tessera/Support/Tensor.h"

#include <string>

namespace tessera {

struct CompareResult {
  bool shapeMatches = true;
  bool dtypeMatches = true;
  double maxAbsError = 0;
  double maxRelError = 0;
  double cosine = 1;
  double euclidean = 1;
  /// Elements failing |a-b| <= atol + rtol*|expected| (NaN matches NaN).
  int64_t mismatches = 0;
  int64_t firstMismatch = -1;
  std::string summary() const;
};

/// Compares `actual` with `expected`. Integer and bool tensors must match
/// exactly; float tensors use the allclose tolerances.
CompareResult compareTensors(const Tensor &actual, const Tensor &expected,
                             double rtol = 1e-3, double atol = 1e-7);

} // namespace tessera

#endif // TESSERA_SUPPORT_COMPARE_H
