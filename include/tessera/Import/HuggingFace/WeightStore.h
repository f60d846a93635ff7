//===- WeightStore.h - Safetensors checkpoints and weight manifests -*- C++
//-*-===//
//
// The weights of a Hugging Face model directory: one `model.safetensors`, or
// shards listed by `model.safetensors.index.json`. Every file is mmapped and
// its JSON header parsed; a weight is a view of the mapped bytes (never a
// copy) with its dtype, shape, file and offset.
//
// A weight-layout manifest gives the same facts (name, dtype, shape, file,
// offset, size) without the bytes, so that a model can be imported, verified
// and costed without downloading it.
//
// Every error names the file and, where one applies, the tensor and the JSON
// field at fault.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_IMPORT_HUGGINGFACE_WEIGHTSTORE_H
#define TESSERA_IMPORT_HUGGINGFACE_WEIGHTSTORE_H

#include "tessera/Support/Tensor.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::hf {

/// The safetensors dtypes Tessera reads.
enum class WeightDType { F32, F16, BF16, F8E4M3 };

/// "F32", "F16", "BF16", "F8_E4M3" (safetensors' spelling).
std::optional<WeightDType> parseWeightDType(llvm::StringRef name);
const char *weightDTypeName(WeightDType dtype);
int64_t weightDTypeBytes(WeightDType dtype);

/// One tensor of a checkpoint.
struct WeightInfo {
  std::string name;
  WeightDType dtype = WeightDType::F32;
  Shape shape;
  /// File name relative to the model directory.
  std::string file;
  /// Absolute byte offset of the data in `file` and its size.
  int64_t offset = 0, size = 0;
  /// The mapped bytes (null for a manifest's weights).
  const char *data = nullptr;
  /// Keeps the mapping alive while the IR points into it.
  std::shared_ptr<llvm::MemoryBuffer> mapping;
};

class WeightStore {
public:
  /// Opens `dir`/model.safetensors.index.json and its shards if the index
  /// exists, else `dir`/model.safetensors.
  static llvm::Expected<std::unique_ptr<WeightStore>>
  openDirectory(llvm::StringRef dir);
  /// Reads a weight-layout manifest (see docs/user-guide.md): the weights'
  /// layout without their bytes.
  static llvm::Expected<std::unique_ptr<WeightStore>>
  openManifest(llvm::StringRef path);

  /// The same readers on bytes already in memory (the fuzzer's entry
  /// points); `path` names the input in messages. `file` is the name a
  /// safetensors file has in its model directory.
  static llvm::Expected<std::unique_ptr<WeightStore>>
  parseSafetensors(std::shared_ptr<llvm::MemoryBuffer> bytes,
                   llvm::StringRef path, llvm::StringRef file);
  static llvm::Expected<std::unique_ptr<WeightStore>>
  parseManifest(llvm::StringRef text, llvm::StringRef path);

  /// The weight `name`, or null.
  const WeightInfo *find(llvm::StringRef name) const;
  /// Where a missing weight should have been listed (the index or the
  /// single file), for error messages.
  const std::string &source() const { return source_; }
  bool hasData() const { return hasData_; }
  /// All weights in a deterministic (name) order.
  std::vector<const WeightInfo *> all() const;

  /// Writes the layout of every weight as a manifest.
  std::string manifestJson() const;

private:
  llvm::Error addSafetensorsFile(llvm::StringRef dir, llvm::StringRef file);
  llvm::Error addSafetensors(std::shared_ptr<llvm::MemoryBuffer> mapping,
                             llvm::StringRef path, llvm::StringRef file);
  llvm::StringMap<WeightInfo> weights_;
  std::string source_;
  bool hasData_ = true;
};

/// The largest safetensors JSON header read (the safetensors library's own
/// limit).
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

/// Parses a model.safetensors.index.json: its (tensor, shard file) pairs
/// sorted by tensor name, each file directly inside the model directory.
llvm::Expected<std::vector<std::pair<std::string, std::string>>>
parseSafetensorsIndex(llvm::StringRef text, llvm::StringRef path);

} // namespace tessera::hf

#endif // TESSERA_IMPORT_HUGGINGFACE_WEIGHTSTORE_H
