//===- Limits.h - Resource limits of the host-side evaluators ---*- C++ -*-===//
#ifndef TESSERA_SUPPORT_LIMITS_H
#define TESSERA_SUPPORT_LIMITS_H

#include <cstdint>

namespace tessera {

/// The largest tensor the host-side evaluator materializes (2^32 elements,
/// 16 GiB of f32): larger results are errors with the numbers, not an
/// out-of-memory kill.
constexpr int64_t kMaxHostTensorElements = int64_t(1) << 32;

} // namespace tessera

#endif // TESSERA_SUPPORT_LIMITS_H
