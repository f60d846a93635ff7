//===- BoundedInputFile.h - mlir::openInputFile with a size limit -*- C++
//-*-===//
//
// The tools' text inputs (graph or isa assembly .mlir) go through this rather
// than mlir::openInputFile, which reads a device such as /dev/zero until
// memory runs out. "-" reads standard input, under the same limit.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SUPPORT_BOUNDEDINPUTFILE_H
#define TESSERA_SUPPORT_BOUNDEDINPUTFILE_H

#include "tessera/Support/FileIO.h"

#include "llvm/Support/MemoryBuffer.h"

#include <memory>

namespace tessera {

inline std::unique_ptr<llvm::MemoryBuffer>
openBoundedInputFile(const std::string &path, std::string *error,
                     uint64_t maxBytes = kMaxTextIrFileBytes) {
  std::string bytes;
  if (!readFileBounded(path == "-" ? "/dev/stdin" : path, maxBytes,
                       "text IR file", bytes, *error))
    return nullptr;
  return llvm::MemoryBuffer::getMemBufferCopy(bytes, path);
}

} // namespace tessera

#endif // TESSERA_SUPPORT_BOUNDEDINPUTFILE_H
