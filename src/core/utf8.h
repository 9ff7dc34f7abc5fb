// UTF-8 <-> code points, for text that crosses a boundary in another encoding (NumPy's UTF-32
// `<U` arrays, Python's str).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "kerasrt/kerasrt.h"

namespace kerasrt {

// Appends `code` as UTF-8; throws Error for a value that is not a Unicode scalar value.
inline void append_utf8(std::string& out, uint32_t code) {
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
    throw Error("invalid Unicode code point " + std::to_string(code));
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | code >> 6);
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xe0 | code >> 12);
    out += static_cast<char>(0x80 | (code >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | code >> 18);
    out += static_cast<char>(0x80 | (code >> 12 & 0x3f));
    out += static_cast<char>(0x80 | (code >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
}

// One element of a NumPy fixed-width text array, `width` bytes at `p`, zero-padded at the end
// (NumPy drops trailing NULs the same way): kind 'S' is bytes, taken as they are; kind 'U' is
// UTF-32 code units in the host's byte order, or the other one when `swapped`, made UTF-8.
// Throws Error for a 'U' unit that is not a Unicode scalar value.
inline std::string fixed_width_text(const std::byte* p, size_t width, char kind,
                                    bool swapped = false) {
  std::string out;
  if (kind == 'S') {
    while (width > 0 && p[width - 1] == std::byte{0}) --width;
    out.assign(reinterpret_cast<const char*>(p), width);
    return out;
  }
  const auto unit = [&](size_t c) {
    uint32_t code;
    std::memcpy(&code, p + 4 * c, 4);
    return swapped ? (code >> 24) | (code >> 8 & 0xff00) | (code << 8 & 0xff0000) | code << 24
                   : code;
  };
  size_t units = width / 4;
  while (units > 0 && unit(units - 1) == 0) --units;
  for (size_t c = 0; c < units; ++c) append_utf8(out, unit(c));
  return out;
}

// The code points of UTF-8 `text`; throws Error for malformed UTF-8 (overlong forms and
// surrogates included).
inline std::vector<uint32_t> utf8_code_points(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    const int extra = lead < 0x80         ? 0
                      : (lead >> 5) == 6  ? 1
                      : (lead >> 4) == 14 ? 2
                      : (lead >> 3) == 30 ? 3
                                          : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= text.size())
      throw Error("malformed UTF-8 at byte " + std::to_string(i));
    uint32_t code = extra == 0 ? lead : lead & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) {
      if ((byte(i + static_cast<size_t>(k)) & 0xc0) != 0x80)
        throw Error("malformed UTF-8 at byte " + std::to_string(i));
      code = code << 6 | (byte(i + static_cast<size_t>(k)) & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMin[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      throw Error("malformed UTF-8 at byte " + std::to_string(i));
    out.push_back(code);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

}  // namespace kerasrt
