// UTF-8 <-> code points, for text that crosses a boundary in another encoding (NumPy's UTF-32
// `<U` arrays, Python's str).
#pragma once

#include <cstdint>
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
