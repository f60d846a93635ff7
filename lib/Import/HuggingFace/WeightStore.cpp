//===- WeightStore.cpp - Safetensors checkpoints and weight manifests -----===//
//
// A safetensors file is an 8-byte little-endian header length, a JSON header
// mapping tensor names to {dtype, shape, data_offsets} (offsets relative to
// the end of the header), then the data. Files are mapped with
// llvm::MemoryBuffer (mmap for large files) and never read eagerly.
//
//===----------------------------------------------------------------------===//

#include "tessera/Import/HuggingFace/WeightStore.h"
#include "tessera/Support/FileIO.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <limits>
#include <tuple>

namespace tessera::hf {

using llvm::Twine;

static llvm::Error err(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::optional<WeightDType> parseWeightDType(llvm::StringRef name) {
  if (name == "F32")
    return WeightDType::F32;
  if (name == "F16")
    return WeightDType::F16;
  if (name == "BF16")
    return WeightDType::BF16;
  if (name == "F8_E4M3")
    return WeightDType::F8E4M3;
  return std::nullopt;
}

const char *weightDTypeName(WeightDType dtype) {
  switch (dtype) {
  case WeightDType::F32:
    return "F32";
  case WeightDType::F16:
    return "F16";
  case WeightDType::BF16:
    return "BF16";
  case WeightDType::F8E4M3:
    return "F8_E4M3";
  }
  return "?";
}

int64_t weightDTypeBytes(WeightDType dtype) {
  switch (dtype) {
  case WeightDType::F32:
    return 4;
  case WeightDType::F16:
  case WeightDType::BF16:
    return 2;
  case WeightDType::F8E4M3:
    return 1;
  }
  return 1;
}

/// A file name from an index or manifest must name a file directly inside
/// the model directory.
static bool staysInDirectory(llvm::StringRef file) {
  return !file.empty() && !llvm::sys::path::is_absolute(file) &&
         !file.contains('/') && !file.contains('\\') && file != "." &&
         file != "..";
}

/// Reads dtype and shape of `name` from a header or manifest entry;
/// `where` prefixes errors.
static llvm::Error readDTypeAndShape(const llvm::json::Object &entry,
                                     const Twine &where, WeightInfo &info) {
  std::optional<llvm::StringRef> dtype = entry.getString("dtype");
  if (!dtype)
    return err(where + ": field 'dtype' is missing or not a string");
  std::optional<WeightDType> parsed = parseWeightDType(*dtype);
  if (!parsed)
    return err(where + ": field 'dtype' is '" + *dtype +
               "'; Tessera reads F32, F16, BF16 and F8_E4M3");
  info.dtype = *parsed;
  const llvm::json::Array *shape = entry.getArray("shape");
  if (!shape)
    return err(where + ": field 'shape' is missing or not an array");
  int64_t count = 1;
  for (const llvm::json::Value &d : *shape) {
    std::optional<int64_t> dim = d.getAsInteger();
    if (!dim || *dim < 0 || (*dim > 0 && count > (int64_t(1) << 40) / *dim))
      return err(where + ": field 'shape' holds a dimension that is not a "
                         "non-negative integer (or the tensor is too large)");
    info.shape.push_back(*dim);
    count *= *dim;
  }
  return llvm::Error::success();
}

/// Reads a JSON input of at most `maxBytes` (config, index, manifest).
static llvm::Expected<std::string>
readJsonFile(llvm::StringRef path, uint64_t maxBytes, const char *what) {
  std::string text, error;
  if (!readFileBounded(path.str(), maxBytes, what, text, error))
    return err(error);
  return text;
}

llvm::Error WeightStore::addSafetensorsFile(llvm::StringRef dir,
                                            llvm::StringRef file) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, file);
  // Mapped, not read: only a regular file can be (a pipe or /dev/zero would
  // be read to its end).
  if (llvm::sys::fs::is_directory(path) || !isRegularFile(path.str().str()))
    return err(path + ": is not a regular file");
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return err(path + ": cannot open: " + buffer.getError().message());
  return addSafetensors(std::shared_ptr<llvm::MemoryBuffer>(std::move(*buffer)),
                        path, file);
}

llvm::Error
WeightStore::addSafetensors(std::shared_ptr<llvm::MemoryBuffer> mapping,
                            llvm::StringRef path, llvm::StringRef file) {
  int64_t fileSize = (int64_t)mapping->getBufferSize();
  if (fileSize < 8)
    return err(path + ": too short for a safetensors header (" +
               Twine(fileSize) + " bytes)");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = headerSize << 8 | (uint8_t)mapping->getBufferStart()[i];
  if (headerSize > (uint64_t)fileSize - 8)
    return err(path + ": header length " + Twine(headerSize) +
               " runs past the end of the file (" + Twine(fileSize) +
               " bytes)");
  if (headerSize > kMaxSafetensorsHeaderBytes)
    return err(path + ": header length " + Twine(headerSize) +
               " is above the safetensors limit of " +
               Twine(kMaxSafetensorsHeaderBytes) + " bytes");
  llvm::StringRef headerText(mapping->getBufferStart() + 8, headerSize);
  llvm::Expected<llvm::json::Value> header = llvm::json::parse(headerText);
  if (!header)
    return err(path + ": safetensors header is not JSON: " +
               llvm::toString(header.takeError()));
  const llvm::json::Object *tensors = header->getAsObject();
  if (!tensors)
    return err(path + ": safetensors header is not a JSON object");
  int64_t dataStart = 8 + (int64_t)headerSize;
  int64_t dataSize = fileSize - dataStart;
  // Each tensor's [begin, end) of the data, to check the layout once all
  // are read.
  struct Extent {
    int64_t begin, end;
    std::string name;
  };
  std::vector<Extent> extents;
  std::vector<WeightInfo> read;
  for (const auto &[key, value] : *tensors) {
    if (key == "__metadata__") {
      // A map of strings (safetensors' format).
      const llvm::json::Object *meta = value.getAsObject();
      if (!meta || llvm::any_of(*meta, [](const auto &kv) {
            return !kv.second.getAsString();
          }))
        return err(path + ": '__metadata__' must be an object of strings");
      continue;
    }
    std::string where = (path + ": tensor '" + key.str() + "'").str();
    const llvm::json::Object *entry = value.getAsObject();
    if (!entry)
      return err(where + ": header entry is not an object");
    WeightInfo info;
    info.name = key.str();
    info.file = file.str();
    if (llvm::Error e = readDTypeAndShape(*entry, where, info))
      return e;
    const llvm::json::Array *offsets = entry->getArray("data_offsets");
    std::optional<int64_t> begin, end;
    if (offsets && offsets->size() == 2) {
      begin = (*offsets)[0].getAsInteger();
      end = (*offsets)[1].getAsInteger();
    }
    if (!begin || !end)
      return err(where + ": field 'data_offsets' must be [begin, end]");
    int64_t bytes = shapeNumElements(info.shape) * weightDTypeBytes(info.dtype);
    if (*begin < 0 || *end < *begin || *end > dataSize)
      return err(where + ": field 'data_offsets' [" + Twine(*begin) + ", " +
                 Twine(*end) + "] lies outside the file's " + Twine(dataSize) +
                 " data bytes");
    if (*end - *begin != bytes)
      return err(where + ": field 'data_offsets' spans " +
                 Twine(*end - *begin) + " bytes but dtype " +
                 weightDTypeName(info.dtype) + " and shape " +
                 shapeToString(info.shape) + " need " + Twine(bytes));
    info.offset = dataStart + *begin;
    info.size = bytes;
    info.data = mapping->getBufferStart() + info.offset;
    info.mapping = mapping;
    if (weights_.count(info.name))
      return err(where + ": defined twice (also in '" +
                 weights_[info.name].file + "')");
    extents.push_back({*begin, *end, info.name});
    read.push_back(std::move(info));
  }
  // The tensors tile the data exactly, as the safetensors library requires:
  // no byte belongs to two tensors, none to no tensor.
  llvm::sort(extents, [](const Extent &a, const Extent &b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  int64_t covered = 0;
  for (size_t i = 0; i < extents.size(); ++i) {
    const Extent &x = extents[i];
    if (x.begin < covered)
      return err(path + ": tensor '" + x.name + "': field 'data_offsets' [" +
                 Twine(x.begin) + ", " + Twine(x.end) + "] overlaps tensor '" +
                 extents[i - 1].name + "' [" + Twine(extents[i - 1].begin) +
                 ", " + Twine(extents[i - 1].end) + "]");
    if (x.begin > covered)
      return err(path + ": data bytes [" + Twine(covered) + ", " +
                 Twine(x.begin) + ") belong to no tensor (tensor '" + x.name +
                 "' starts at " + Twine(x.begin) + ")");
    covered = x.end;
  }
  if (covered != dataSize)
    return err(path + ": data bytes [" + Twine(covered) + ", " +
               Twine(dataSize) + ") at the end of the file belong to no " +
               "tensor");
  for (WeightInfo &info : read) {
    std::string name = info.name;
    weights_[name] = std::move(info);
  }
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<WeightStore>>
WeightStore::parseSafetensors(std::shared_ptr<llvm::MemoryBuffer> bytes,
                              llvm::StringRef path, llvm::StringRef file) {
  auto store = std::make_unique<WeightStore>();
  store->source_ = path.str();
  if (llvm::Error e = store->addSafetensors(std::move(bytes), path, file))
    return std::move(e);
  return store;
}

llvm::Expected<std::vector<std::pair<std::string, std::string>>>
parseSafetensorsIndex(llvm::StringRef text, llvm::StringRef indexPath) {
  llvm::Expected<llvm::json::Value> index = llvm::json::parse(text);
  if (!index)
    return err(indexPath + ": not JSON: " + llvm::toString(index.takeError()));
  const llvm::json::Object *root = index->getAsObject();
  const llvm::json::Object *map =
      root ? root->getObject("weight_map") : nullptr;
  if (!map)
    return err(indexPath + ": field 'weight_map' is missing or not an object");
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto &[name, file] : *map) {
    std::optional<llvm::StringRef> f = file.getAsString();
    if (!f)
      return err(indexPath + ": field 'weight_map' entry for tensor '" +
                 name.str() + "' is not a file name");
    if (!staysInDirectory(*f))
      return err(indexPath + ": tensor '" + name.str() + "' names file '" + *f +
                 "' outside the model directory");
    entries.emplace_back(name.str(), f->str());
  }
  // Shards in a deterministic order.
  llvm::sort(entries);
  return entries;
}

llvm::Expected<std::unique_ptr<WeightStore>>
WeightStore::openDirectory(llvm::StringRef dir) {
  auto store = std::make_unique<WeightStore>();
  llvm::SmallString<256> indexPath(dir);
  llvm::sys::path::append(indexPath, "model.safetensors.index.json");
  if (!llvm::sys::fs::exists(indexPath)) {
    llvm::SmallString<256> single(dir);
    llvm::sys::path::append(single, "model.safetensors");
    if (!llvm::sys::fs::exists(single))
      return err(Twine(dir) + ": no model.safetensors or "
                              "model.safetensors.index.json");
    store->source_ = std::string(single);
    if (llvm::Error e = store->addSafetensorsFile(dir, "model.safetensors"))
      return std::move(e);
    return store;
  }
  store->source_ = std::string(indexPath);
  llvm::Expected<std::string> text =
      readJsonFile(indexPath, kMaxHfWeightListBytes, "safetensors index");
  if (!text)
    return text.takeError();
  auto entries = parseSafetensorsIndex(*text, indexPath);
  if (!entries)
    return entries.takeError();
  // Each shard opened once.
  std::vector<std::string> shards;
  for (auto &[name, file] : *entries)
    if (!llvm::is_contained(shards, file)) {
      llvm::SmallString<256> shardPath(dir);
      llvm::sys::path::append(shardPath, file);
      if (!llvm::sys::fs::exists(shardPath))
        return err(indexPath + ": missing shard '" + file +
                   "' (it holds tensor '" + name + "')");
      shards.push_back(file);
      if (llvm::Error e = store->addSafetensorsFile(dir, file))
        return std::move(e);
    }
  llvm::StringMap<WeightInfo> listed;
  for (auto &[name, file] : *entries) {
    auto it = store->weights_.find(name);
    if (it == store->weights_.end() || it->second.file != file)
      return err(indexPath + ": tensor '" + name + "' is mapped to '" + file +
                 "' but that file's header does not define it");
    listed[name] = std::move(it->second);
  }
  // The index is the table of contents: a tensor it does not list is not
  // part of the model even if a shard holds it.
  store->weights_ = std::move(listed);
  return store;
}

llvm::Expected<std::unique_ptr<WeightStore>>
WeightStore::openManifest(llvm::StringRef path) {
  llvm::Expected<std::string> text =
      readJsonFile(path, kMaxHfWeightListBytes, "weight manifest");
  if (!text)
    return text.takeError();
  return parseManifest(*text, path);
}

llvm::Expected<std::unique_ptr<WeightStore>>
WeightStore::parseManifest(llvm::StringRef text, llvm::StringRef path) {
  auto store = std::make_unique<WeightStore>();
  store->source_ = path.str();
  store->hasData_ = false;
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json)
    return err(path + ": not JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  const llvm::json::Array *tensors = root ? root->getArray("tensors") : nullptr;
  if (!tensors)
    return err(path + ": field 'tensors' is missing or not an array");
  for (const llvm::json::Value &v : *tensors) {
    const llvm::json::Object *entry = v.getAsObject();
    std::optional<llvm::StringRef> name =
        entry ? entry->getString("name") : std::nullopt;
    if (!name)
      return err(path + ": a 'tensors' entry has no string field 'name'");
    std::string where = (path + ": tensor '" + *name + "'").str();
    WeightInfo info;
    info.name = name->str();
    if (llvm::Error e = readDTypeAndShape(*entry, where, info))
      return std::move(e);
    std::optional<llvm::StringRef> file = entry->getString("file");
    if (!file || !staysInDirectory(*file))
      return err(where + ": field 'file' must name a file inside the model "
                         "directory");
    info.file = file->str();
    std::optional<int64_t> offset = entry->getInteger("offset");
    std::optional<int64_t> size = entry->getInteger("size");
    int64_t bytes = shapeNumElements(info.shape) * weightDTypeBytes(info.dtype);
    if (!offset || *offset < 0 ||
        *offset > std::numeric_limits<int64_t>::max() - bytes)
      return err(where + ": field 'offset' must be a non-negative integer "
                         "(and offset + size must fit in 64 bits)");
    if (!size || *size != bytes)
      return err(where + ": field 'size' must be " + Twine(bytes) + " (dtype " +
                 weightDTypeName(info.dtype) + ", shape " +
                 shapeToString(info.shape) + ")");
    info.offset = *offset;
    info.size = *size;
    if (store->weights_.count(info.name))
      return err(where + ": listed twice");
    store->weights_[info.name] = std::move(info);
  }
  return store;
}

const WeightInfo *WeightStore::find(llvm::StringRef name) const {
  auto it = weights_.find(name);
  return it == weights_.end() ? nullptr : &it->second;
}

std::vector<const WeightInfo *> WeightStore::all() const {
  std::vector<const WeightInfo *> out;
  for (const auto &entry : weights_)
    out.push_back(&entry.second);
  llvm::sort(out, [](const WeightInfo *a, const WeightInfo *b) {
    return a->name < b->name;
  });
  return out;
}

std::string WeightStore::manifestJson() const {
  llvm::json::Array tensors;
  for (const WeightInfo *w : all())
    tensors.push_back(llvm::json::Object{{"name", w->name},
                                         {"dtype", weightDTypeName(w->dtype)},
                                         {"shape", llvm::json::Array(w->shape)},
                                         {"file", w->file},
                                         {"offset", w->offset},
                                         {"size", w->size}});
  llvm::json::Object root{{"format", "tessera-weight-manifest"},
                          {"tensors", std::move(tensors)}};
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::formatv("{0:1}", llvm::json::Value(std::move(root))) << "\n";
  return out;
}

} // namespace tessera::hf
