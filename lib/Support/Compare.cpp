//===- Compare.cpp - Accuracy metrics between two tensors -----------------===//

#include "tessera/Support/Compare.h"

#include <cmath>
#include <cstdio>

namespace tessera {

CompareResult compareTensors(const Tensor &actual, const Tensor &expected,
                             double rtol, double atol) {
  CompareResult r;
  r.shapeMatches = actual.shape() == expected.shape();
  r.dtypeMatches = actual.dtype() == expected.dtype();
  if (!r.shapeMatches) {
    r.mismatches = 1;
    r.firstMismatch = 0;
    return r;
  }
  bool exact = !expected.isFloat();
  double dot = 0, na = 0, nb = 0, nd = 0, ns = 0;
  for (int64_t i = 0; i < expected.numElements(); ++i) {
    double a = actual.getD(i), b = expected.getD(i);
    bool ok;
    if (std::isnan(a) || std::isnan(b)) {
      ok = std::isnan(a) && std::isnan(b);
    } else if (std::isinf(a) || std::isinf(b)) {
      ok = a == b;
    } else {
      double diff = std::fabs(a - b);
      r.maxAbsError = std::max(r.maxAbsError, diff);
      if (b != 0)
        r.maxRelError = std::max(r.maxRelError, diff / std::fabs(b));
      ok = exact ? a == b : diff <= atol + rtol * std::fabs(b);
      dot += a * b;
      na += a * a;
      nb += b * b;
      nd += (a - b) * (a - b);
      ns += (a + b) * (a + b) / 4;
    }
    if (!ok) {
      if (r.firstMismatch < 0)
        r.firstMismatch = i;
      ++r.mismatches;
    }
  }
  r.cosine = (na == 0 && nb == 0)   ? 1.0
             : (na == 0 || nb == 0) ? 0.0
                                    : dot / (std::sqrt(na) * std::sqrt(nb));
  r.euclidean =
      ns == 0 ? (nd == 0 ? 1.0 : 0.0) : 1.0 - std::sqrt(nd) / std::sqrt(ns);
  return r;
}

std::string CompareResult::summary() const {
  if (!shapeMatches)
    return "shape mismatch";
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "max_abs=%.3g max_rel=%.3g cosine=%.6f euclid=%.6f "
                "mismatches=%lld",
                maxAbsError, maxRelError, cosine, euclidean,
                (long long)mismatches);
  return buf;
}

} // namespace tessera
