//===- Npy.cpp - NumPy .npy reader and writer -----------------------------===//

#include "tessera/Support/Npy.h"
#include "tessera/Support/FileIO.h"

#include <cstring>

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

namespace {
/// The three fields of a .npy header.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  Shape shape;
};

/// A strict parser for the header's Python dict literal, accepting what
/// numpy.load accepts: exactly the keys 'descr' (a string), 'fortran_order'
/// (True or False) and 'shape' (a tuple of non-negative integers), each once.
class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : s(text) {}

  bool parse(NpyHeader &h, std::string &error) {
    bool sawDescr = false, sawOrder = false, sawShape = false;
    skipSpace();
    if (!eat('{'))
      return fail("expected '{'", error);
    for (;;) {
      skipSpace();
      if (eat('}'))
        break;
      std::string key;
      if (!quoted(key))
        return fail("expected a quoted key", error);
      skipSpace();
      if (!eat(':'))
        return fail("expected ':' after '" + key + "'", error);
      skipSpace();
      if (key == "descr" && !sawDescr) {
        sawDescr = true;
        if (!quoted(h.descr))
          return fail("'descr' must be a string", error);
      } else if (key == "fortran_order" && !sawOrder) {
        sawOrder = true;
        if (word("True"))
          h.fortranOrder = true;
        else if (word("False"))
          h.fortranOrder = false;
        else
          return fail("'fortran_order' must be True or False", error);
      } else if (key == "shape" && !sawShape) {
        sawShape = true;
        if (!shape(h.shape, error))
          return false;
      } else {
        return fail("unexpected or repeated key '" + key + "'", error);
      }
      skipSpace();
      if (eat(','))
        continue;
      skipSpace();
      if (!eat('}'))
        return fail("expected ',' or '}'", error);
      break;
    }
    skipSpace();
    if (pos != s.size())
      return fail("unexpected text after the dict", error);
    if (!sawDescr || !sawOrder || !sawShape)
      return fail("the dict needs the keys 'descr', 'fortran_order' and "
                  "'shape'",
                  error);
    return true;
  }

private:
  bool fail(const std::string &what, std::string &error) {
    error = "malformed .npy header at column " + std::to_string(pos) + ": " +
            what + " in " + s;
    return false;
  }
  void skipSpace() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' ||
                              s[pos] == '\n' || s[pos] == '\r'))
      ++pos;
  }
  bool eat(char c) {
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool word(const char *w) {
    size_t n = std::strlen(w);
    if (s.compare(pos, n, w) != 0)
      return false;
    pos += n;
    return true;
  }
  bool quoted(std::string &out) {
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"'))
      return false;
    char q = s[pos];
    size_t end = s.find(q, pos + 1);
    if (end == std::string::npos)
      return false;
    out = s.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    return true;
  }
  bool shape(Shape &out, std::string &error) {
    if (!eat('('))
      return fail("'shape' must be a tuple", error);
    size_t items = 0;
    bool trailingComma = false;
    for (;;) {
      skipSpace();
      if (eat(')'))
        break;
      size_t b = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
        ++pos;
      if (b == pos || pos - b > 13)
        return fail("shape entries must be non-negative integers", error);
      long long d = std::stoll(s.substr(b, pos - b));
      if (d > (1LL << 40))
        return fail("shape entry " + std::to_string(d) + " is too large",
                    error);
      out.push_back(d);
      ++items;
      skipSpace();
      trailingComma = eat(',');
      if (!trailingComma) {
        skipSpace();
        if (!eat(')'))
          return fail("expected ',' or ')' in the shape", error);
        break;
      }
    }
    // Python spells a 1-tuple "(n,)"; "(n)" is an integer, not a tuple.
    if (items == 1 && !trailingComma)
      return fail("a 1-D shape is written (n,)", error);
    return true;
  }

  const std::string &s;
  size_t pos = 0;
};
} // namespace

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
  NpyHeader h;
  if (!HeaderParser(header).parse(h, error))
    return false;
  DType dtype;
  if (!descrToDType(h.descr, dtype)) {
    error = "unsupported .npy dtype '" + h.descr + "'";
    return false;
  }
  if (h.fortranOrder) {
    error = "Fortran-ordered .npy arrays are not supported";
    return false;
  }
  Shape shape = h.shape;
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

bool readNpyFile(const std::string &path, Tensor &out, std::string &error) {
  std::string bytes;
  if (!readFileBounded(path, kMaxNpyFileBytes, ".npy file", bytes, error))
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
  return writeFileAtomically(path, serializeNpy(t), error);
}

} // namespace tessera
