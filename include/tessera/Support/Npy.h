//===- Npy.h - NumPy .npy reader and writer ----------------------*- C++
//-*-===//
//
// Reads and writes NumPy's .npy format (version 1.0/2.0/3.0 headers, little
// endian, C order). Errors name the file and what is wrong with it.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SUPPORT_NPY_H
#define TESSERA_SUPPORT_NPY_H

#include "tessera/Support/Tensor.h"

#include <string>

namespace tessera {

/// Parses an in-memory .npy image. On failure returns false and sets `error`.
bool parseNpy(const std::string &bytes, Tensor &out, std::string &error);
bool readNpyFile(const std::string &path, Tensor &out, std::string &error);

std::string serializeNpy(const Tensor &t);
bool writeNpyFile(const std::string &path, const Tensor &t, std::string &error);

/// numpy's descr string for a dtype ("<f4", "|b1", ...).
const char *npyDescr(DType t);

} // namespace tessera

#endif // TESSERA_SUPPORT_NPY_H
