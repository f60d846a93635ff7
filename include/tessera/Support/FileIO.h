//===- FileIO.h - Bounded reads and all-or-nothing writes -------*- C++ -*-===//
//
// Every reader of a user file goes through readFileBounded: a directory is an
// error, and a file (or a device or pipe such as /dev/zero) larger than the
// reader's limit is refused with both numbers before memory is spent.
//
// Every writer of an output goes through AtomicFileSet: each file is written
// to a temporary in its own directory and renamed into place only when all of
// them were written, so a failure midway (a full disk, a crash) leaves no
// partial file and does not clobber an earlier good one.
//
// POSIX only, no LLVM or MLIR, so every layer can use it.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_SUPPORT_FILEIO_H
#define TESSERA_SUPPORT_FILEIO_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tessera {

/// Size limits per kind of input (bytes). A protobuf message cannot exceed
/// 2 GiB; the others are far above any real file of their kind.
constexpr uint64_t kMaxModelFileBytes = (1ull << 31) - 1;
constexpr uint64_t kMaxTensorProtoBytes = (1ull << 31) - 1;
constexpr uint64_t kMaxProgramFileBytes = 16ull << 30;
constexpr uint64_t kMaxNpyFileBytes = 16ull << 30;
constexpr uint64_t kMaxTargetFileBytes = 16ull << 20;
constexpr uint64_t kMaxTextIrFileBytes = 4ull << 30;
/// A Hugging Face config.json, and a safetensors index or weight manifest
/// (DeepSeek-V3's, about 92,000 tensors, is under 16 MiB).
constexpr uint64_t kMaxHfConfigFileBytes = 16ull << 20;
constexpr uint64_t kMaxHfWeightListBytes = 256ull << 20;
/// Any input that is not a regular file (a pipe, a device) is read up to
/// this many bytes: larger inputs must be files.
constexpr uint64_t kMaxStreamBytes = 256ull << 20;

/// Reads the whole of `path` into `out`. Fails, with a message naming the
/// file, when it cannot be opened, is a directory, or holds more than
/// `maxBytes` bytes (`what` names the kind of file in that message).
bool readFileBounded(const std::string &path, uint64_t maxBytes,
                     const char *what, std::string &out, std::string &error);

/// A whole file's bytes, read-only: a regular file is memory-mapped (its
/// pages are the page cache's, nothing is zeroed or copied up front), any
/// other input is read as readFileBounded reads it. The file must not be
/// truncated while mapped; Tessera's writers replace files by renaming a new
/// one into place (AtomicFileSet), which leaves a mapped old file intact.
class FileBytes {
public:
  /// The bytes of `path`, or null with `error` set as readFileBounded sets
  /// it.
  static std::shared_ptr<const FileBytes> load(const std::string &path,
                                               uint64_t maxBytes,
                                               const char *what,
                                               std::string &error);
  FileBytes(const FileBytes &) = delete;
  FileBytes &operator=(const FileBytes &) = delete;
  ~FileBytes();

  const uint8_t *data() const {
    return map ? (const uint8_t *)map : (const uint8_t *)copy.data();
  }
  size_t size() const { return map ? mapBytes : copy.size(); }

private:
  FileBytes() = default;
  void *map = nullptr;
  size_t mapBytes = 0;
  std::string copy;
};

/// Is `path` an existing regular file (not a directory or device)?
bool isRegularFile(const std::string &path);

/// One piece of a file written from several buffers.
struct FilePiece {
  const void *data;
  size_t size;
};

/// A group of output files committed together. add() writes each one to a
/// temporary file beside its destination; commit() renames them all into
/// place. Destroying the set without a successful commit() removes the
/// temporaries, leaving every destination as it was.
class AtomicFileSet {
public:
  AtomicFileSet() = default;
  AtomicFileSet(const AtomicFileSet &) = delete;
  AtomicFileSet &operator=(const AtomicFileSet &) = delete;
  ~AtomicFileSet();

  bool add(const std::string &path, const void *data, size_t size,
           std::string &error) {
    return add(path, std::vector<FilePiece>{{data, size}}, error);
  }
  /// Writes the concatenation of `pieces` (no copy of them is made).
  bool add(const std::string &path, const std::vector<FilePiece> &pieces,
           std::string &error);
  bool add(const std::string &path, const std::string &bytes,
           std::string &error) {
    return add(path, bytes.data(), bytes.size(), error);
  }
  bool commit(std::string &error);

private:
  struct Entry {
    std::string temp, path;
  };
  std::vector<Entry> pending;
};

/// Writes one file all-or-nothing (an AtomicFileSet of one).
bool writeFileAtomically(const std::string &path, const void *data, size_t size,
                         std::string &error);
inline bool writeFileAtomically(const std::string &path,
                                const std::string &bytes, std::string &error) {
  return writeFileAtomically(path, bytes.data(), bytes.size(), error);
}

} // namespace tessera

#endif // TESSERA_SUPPORT_FILEIO_H
