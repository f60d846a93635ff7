//===- Npy.cpp - NumPy .npy reader and writer -----------------------------===//

#include "tessera/Support/Npy.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace tessera {

const char *npyDescr(DType t) {
  switch (t) {
  case DType::F16:
    return "<f2";
  case DType::BF16:
    return "<V2"; // numpy has no bf16; stored as raw 2-byte values
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  case DType::I8:
    return "|i1";
  case DType::I16:
    return "<i2";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  case DType::U8:
    return "|u1";
  case DType::U16:
    return "<u2";
  case DType::U32:
    return "<u4";
  case DType::U64:
    return "<u8";
  case DType::Bool:
    return "|b1";
  }
  return "<f4";
}

static bool descrToDType(std::string d, DType &out) {
  // numpy writes '=' or '<' for native little endian and '|' for 1-byte types.
  if (d.size() == 3 && (d[0] == '=' || d[0] == '|'))
    d[0] = '<';
  static const std::pair<const char *, DType> table[] = {
      {"<f2", DType::F16}, {"<V2", DType::BF16}, {"<f4", DType::F32},
      {"<f8", DType::F64}, {"<i1", DType::I8},   {"<i2", DType::I16},
      {"<i4", DType::I32}, {"<i8", DType::I64},  {"<u1", DType::U8},
      {"<u2", DType::U16}, {"<u4", DType::U32},  {"<u8", DType::U64},
      {"<b1", DType::Bool}};
  for (auto &[name, dt] : table)
    if (d == name) {
      out = dt;
      return true;
    }
  return false;
}

// Extracts the value following `'key':` in numpy's header dict.
static bool findHeaderValue(const std::string &header, const std::string &key,
                            std::string &value) {
  size_t pos = header.find("'" + key + "'");
  if (pos == std::string::npos)
    return false;
  pos = header.find(':', pos);
  if (pos == std::string::npos)
    return false;
  ++pos;
  while (pos < header.size() && header[pos] == ' ')
    ++pos;
  if (pos >= header.size())
    return false;
  size_t end;
  if (header[pos] == '\'') {
    end = header.find('\'', pos + 1);
    if (end == std::string::npos)
      return false;
    value = header.substr(pos + 1, end - pos - 1);
  } else if (header[pos] == '(') {
    end = header.find(')', pos);
    if (end == std::string::npos)
      return false;
    value = header.substr(pos + 1, end - pos - 1);
  } else {
    end = header.find_first_of(",}", pos);
    if (end == std::string::npos)
      return false;
    value = header.substr(pos, end - pos);
  }
  return true;
}

bool parseNpy(const std::string &bytes, Tensor &out, std::string &error) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) {
    error = "not a .npy file (bad magic at offset 0)";
    return false;
  }
  int major = (uint8_t)bytes[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = (uint8_t)bytes[8] | ((size_t)(uint8_t)bytes[9] << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      error = "truncated .npy header at offset 8";
      return false;
    }
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= (size_t)(uint8_t)bytes[8 + i] << (8 * i);
    headerStart = 12;
  } else {
    error = "unsupported .npy format version " + std::to_string(major);
    return false;
  }
  if (headerStart + headerLen > bytes.size()) {
    error = "truncated .npy header: needs " +
            std::to_string(headerStart + headerLen) + " bytes, file has " +
            std::to_string(bytes.size());
    return false;
  }
  std::string header = bytes.substr(headerStart, headerLen);
  std::string descr, order, shapeText;
  if (!findHeaderValue(header, "descr", descr) ||
      !findHeaderValue(header, "fortran_order", order) ||
      !findHeaderValue(header, "shape", shapeText)) {
    error = "malformed .npy header: " + header;
    return false;
  }
  DType dtype;
  if (!descrToDType(descr, dtype)) {
    error = "unsupported .npy dtype '" + descr + "'";
    return false;
  }
  if (order.find("True") != std::string::npos) {
    error = "Fortran-ordered .npy arrays are not supported";
    return false;
  }
  Shape shape;
  std::stringstream ss(shapeText);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(" ");
    if (b == std::string::npos)
      continue;
    char *end = nullptr;
    long long d = std::strtoll(item.c_str() + b, &end, 10);
    if (d < 0 || end == item.c_str() + b || d > (1LL << 40)) {
      error = "bad dimension '" + item + "' in .npy shape";
      return false;
    }
    shape.push_back(d);
  }
  size_t dataStart = headerStart + headerLen;
  // Guard against overflow before multiplying by the element size.
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d != 0 && count > (int64_t(1) << 40) / d) {
      error = "shape in .npy header is too large";
      return false;
    }
    count *= d;
  }
  size_t need = (size_t)count * dtypeByteSize(dtype);
  if (bytes.size() - dataStart < need) {
    error = "truncated .npy data: expected " + std::to_string(need) +
            " bytes at offset " + std::to_string(dataStart) + ", found " +
            std::to_string(bytes.size() - dataStart);
    return false;
  }
  out = Tensor::fromBytes(dtype, shape,
                          (const uint8_t *)bytes.data() + dataStart, need);
  return true;
}

static bool readWholeFile(const std::string &path, std::string &bytes,
                          std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  bytes = ss.str();
  return true;
}

bool readNpyFile(const std::string &path, Tensor &out, std::string &error) {
  std::string bytes;
  if (!readWholeFile(path, bytes, error))
    return false;
  if (!parseNpy(bytes, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

std::string serializeNpy(const Tensor &t) {
  std::string header = "{'descr': '";
  header += npyDescr(t.dtype());
  header += "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < t.shape().size(); ++i) {
    header += std::to_string(t.shape()[i]);
    header += (t.shape().size() == 1 || i + 1 < t.shape().size()) ? "," : "";
    if (i + 1 < t.shape().size())
      header += " ";
  }
  header += "), }";
  // Pad so that the data starts at a multiple of 64 bytes.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += (char)1;
  out += (char)0;
  out += (char)(header.size() & 0xff);
  out += (char)(header.size() >> 8);
  out += header;
  std::vector<uint8_t> data = t.toBytes();
  out.append((const char *)data.data(), data.size());
  return out;
}

bool writeNpyFile(const std::string &path, const Tensor &t,
                  std::string &error) {
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::string bytes = serializeNpy(t);
  out.write(bytes.data(), bytes.size());
  if (!out) {
    error = "error while writing '" + path + "'";
    return false;
  }
  return true;
}

} // namespace tessera
