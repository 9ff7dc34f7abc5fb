// Checks against `Limits` (include/kerasrt/kerasrt.h), worded in one place so that every
// exceeded limit names itself:
//   "config.json is 70000000 bytes, over the limit Limits::max_json_bytes = 67108864"
// Callers check *before* they allocate or walk what a file describes.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string>

#include "kerasrt/kerasrt.h"

namespace kerasrt {

// Throws Error("<what> is <value> <unit>, over the limit Limits::<limit> = <max>").
[[noreturn]] void throw_over_limit(const std::string& what, uint64_t value, const char* unit,
                                   const char* limit, uint64_t max);

// Throws the error above when value > max (a negative value is never over).
template <std::integral V, std::integral M>
void check_limit(V value, M max, const char* limit, const std::string& what,
                 const char* unit = "") {
  if (value < 0 || max < 0) {
    if (value >= 0 && max < 0) throw_over_limit(what, static_cast<uint64_t>(value), unit, limit, 0);
    return;
  }
  if (static_cast<uint64_t>(value) > static_cast<uint64_t>(max))
    throw_over_limit(what, static_cast<uint64_t>(value), unit, limit, static_cast<uint64_t>(max));
}

// The product of the known dimensions of `dims` (kAnyDim counts as 1), checked against
// Limits::max_tensor_elements without overflowing. Negative dimensions other than kAnyDim are
// refused. Returns the product.
int64_t check_tensor_elements(std::span<const int64_t> dims, const Limits& limits,
                              const std::string& what);

// Throws unless every value is finite; `what` names the weight.
void check_finite(std::span<const float> values, const std::string& what);

}  // namespace kerasrt
