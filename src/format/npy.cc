// NumPy .npy reader and writer
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
#include "kerasrt/npy.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <fstream>

#include "core/shape.h"
#include "core/utf8.h"
#include "format/readers.h"

namespace kerasrt {
namespace {

constexpr size_t kMaxHeaderBytes = 1 << 20;

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal half -> normal float
    int shift = 0;
    while (!(mantissa & 0x400u)) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

template <typename T>
T load(const std::byte* p, bool swap) {
  std::array<std::byte, sizeof(T)> raw;
  std::memcpy(raw.data(), p, sizeof(T));
  if (swap) std::reverse(raw.begin(), raw.end());
  return std::bit_cast<T>(raw);
}

// Column-major (Fortran order) elements in row-major order.
template <typename T>
std::vector<T> to_row_major(const std::vector<T>& values, const Dims& shape) {
  std::vector<T> row_major(values.size());
  std::vector<int64_t> index(shape.size(), 0);
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t f = 0;
    for (size_t d = shape.size(); d-- > 0;) f = f * shape[d] + index[d];
    row_major[i] = values[static_cast<size_t>(f)];
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return row_major;
}

}  // namespace

Tensor parse_npy(std::span<const std::byte> bytes) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    throw Error("not a .npy file (bad magic)");
  const int major = static_cast<int>(bytes[6]);
  size_t header_length, header_start;
  if (major == 1) {
    header_length = static_cast<size_t>(bytes[8]) | static_cast<size_t>(bytes[9]) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw Error("truncated .npy header");
    header_length = 0;
    for (int i = 3; i >= 0; --i)
      header_length = header_length << 8 | static_cast<size_t>(bytes[8 + static_cast<size_t>(i)]);
    header_start = 12;
  } else {
    throw Error(".npy format version " + std::to_string(major) + " is not supported");
  }
  if (header_length > kMaxHeaderBytes || header_start + header_length > bytes.size())
    throw Error("truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(bytes.data() + header_start),
                           header_length);

  // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3),
  // }
  const auto value_after = [&](const std::string& key) {
    const size_t at = header.find("'" + key + "'");
    if (at == std::string::npos) throw Error(".npy header has no '" + key + "': " + header);
    size_t colon = header.find(':', at);
    if (colon == std::string::npos) throw Error(".npy header is malformed: " + header);
    ++colon;
    while (colon < header.size() && header[colon] == ' ') ++colon;
    return colon;
  };
  size_t at = value_after("descr");
  const size_t close = header.find('\'', at + 1);
  if (header[at] != '\'' || close == std::string::npos)
    throw Error(".npy 'descr' is malformed: " + header);
  const std::string descr = header.substr(at + 1, close - at - 1);  // e.g. <f4, <U12, |S5
  if (descr.size() < 3 || descr.size() > 9 ||
      descr.find_first_not_of("0123456789", 2) != std::string::npos ||
      std::string("<>|=").find(descr[0]) == std::string::npos)
    throw Error(".npy dtype '" + descr + "' is not supported");
  const char order = descr[0];
  const char kind = descr[1];
  const bool text = kind == 'U' || kind == 'S';
  const size_t chars = std::stoul(descr.substr(2));  // per element: a width, or a text length
  const size_t width = kind == 'U' ? 4 * chars : chars;
  if (width == 0 || (width > 8 && !text))
    throw Error(".npy dtype '" + descr + "' is not supported");
  const bool swap = (order == '>') != (std::endian::native == std::endian::big) &&
                    (width > 1 || kind == 'U') && order != '|';
  const bool fortran = header.compare(value_after("fortran_order"), 4, "True") == 0;
  at = value_after("shape");
  const size_t end = header.find(')', at);
  if (header[at] != '(' || end == std::string::npos)
    throw Error(".npy 'shape' is malformed: " + header);
  Dims shape;
  for (size_t i = at + 1; i < end;) {
    if (!std::isdigit(static_cast<unsigned char>(header[i]))) {
      if (header[i] != ',' && header[i] != ' ') throw Error(".npy 'shape' is malformed: " + header);
      ++i;
      continue;
    }
    size_t j = i;
    while (j < end && std::isdigit(static_cast<unsigned char>(header[j]))) ++j;
    if (j - i > 15) throw Error(".npy dimension " + header.substr(i, j - i) + " is too large");
    shape.push_back(std::stoll(header.substr(i, j - i)));
    i = j;
  }
  const int64_t count = num_elements(shape);
  const size_t data_start = header_start + header_length;
  if ((bytes.size() - data_start) / width < static_cast<size_t>(count))
    throw Error(".npy data is truncated: expected " + std::to_string(count) + " values of " +
                std::to_string(width) + " bytes");

  const std::byte* data = bytes.data() + data_start;
  if (text) {
    // Each element is `chars` UTF-32 code units (U) or bytes (S), zero-padded at the end.
    std::vector<std::string> strings(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i)
      strings[static_cast<size_t>(i)] =
          fixed_width_text(data + static_cast<size_t>(i) * width, width, kind, swap);
    if (fortran && shape.size() > 1) strings = to_row_major(strings, shape);
    return Tensor::of_strings(shape, std::move(strings));
  }

  std::vector<float> values(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const std::byte* p = data + static_cast<size_t>(i) * width;
    float v;
    if (kind == 'f' && width == 4)
      v = load<float>(p, swap);
    else if (kind == 'f' && width == 8)
      v = static_cast<float>(load<double>(p, swap));
    else if (kind == 'f' && width == 2)
      v = half_to_float(load<uint16_t>(p, swap));
    else if (kind == 'i' && width == 1)
      v = static_cast<float>(load<int8_t>(p, false));
    else if (kind == 'i' && width == 2)
      v = static_cast<float>(load<int16_t>(p, swap));
    else if (kind == 'i' && width == 4)
      v = static_cast<float>(load<int32_t>(p, swap));
    else if (kind == 'i' && width == 8)
      v = static_cast<float>(load<int64_t>(p, swap));
    else if ((kind == 'u' || kind == 'b') && width == 1)
      v = static_cast<float>(load<uint8_t>(p, false));
    else if (kind == 'u' && width == 2)
      v = static_cast<float>(load<uint16_t>(p, swap));
    else if (kind == 'u' && width == 4)
      v = static_cast<float>(load<uint32_t>(p, swap));
    else if (kind == 'u' && width == 8)
      v = static_cast<float>(load<uint64_t>(p, swap));
    else
      throw Error(".npy dtype '" + std::string(1, kind) + std::to_string(width) +
                  "' is not supported");
    values[static_cast<size_t>(i)] = v;
  }
  if (fortran && shape.size() > 1) values = to_row_major(values, shape);
  return Tensor(shape, std::move(values));
}

Tensor read_npy(const std::string& path) {
  try {
    return parse_npy(read_binary_file(path));
  } catch (const Error& e) {
    throw e.in_file(path);
  }
}

std::string encode_npy(const Tensor& tensor) {
  std::string shape;
  for (int64_t d : tensor.shape()) shape += std::to_string(d) + ", ";
  if (tensor.shape().size() > 1) shape.erase(shape.size() - 2);
  // A string tensor becomes UTF-32 `<U<longest>` elements, zero-padded.
  std::vector<std::vector<uint32_t>> texts;
  size_t chars = 1;
  for (const std::string& s : tensor.strings()) {
    texts.push_back(utf8_code_points(s));
    chars = std::max(chars, texts.back().size());
  }
  const std::string descr =
      tensor.dtype() == DType::kString ? "<U" + std::to_string(chars) : std::string("<f4");
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  static_assert(std::endian::native == std::endian::little,
                "write_npy assumes a little-endian host");
  if (tensor.dtype() == DType::kString) {
    for (const std::vector<uint32_t>& text : texts) {
      const size_t at = out.size();
      out.append(4 * chars, '\0');
      if (!text.empty()) std::memcpy(out.data() + at, text.data(), 4 * text.size());
    }
    return out;
  }
  out.append(reinterpret_cast<const char*>(tensor.data()),
             static_cast<size_t>(tensor.size()) * sizeof(float));
  return out;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  std::ofstream out(path, std::ios::binary);
  const std::string bytes = encode_npy(tensor);
  if (!out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw Error("cannot write the file", "", path);
}

}  // namespace kerasrt
