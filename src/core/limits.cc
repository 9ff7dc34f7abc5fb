#include "core/limits.h"

#include <algorithm>
#include <cmath>

#include "core/shape.h"

namespace kerasrt {

void throw_over_limit(const std::string& what, uint64_t value, const char* unit, const char* limit,
                      uint64_t max) {
  std::string message = what + " is " + std::to_string(value);
  if (unit && *unit) message.append(" ").append(unit);
  throw Error(message + ", over the limit Limits::" + limit + " = " + std::to_string(max));
}

int64_t check_tensor_elements(std::span<const int64_t> dims, const Limits& limits,
                              const std::string& what) {
  const int64_t max =
      std::max<int64_t>(0, std::min(limits.max_tensor_elements, kMaxTensorElements));
  int64_t total = 1;
  for (int64_t d : dims) {
    if (d == kAnyDim) continue;
    if (d < 0) throw Error(what + " has a negative dimension: " + to_string(dims));
    if (d != 0 && total > max / d) {
      // Report the whole product (saturated) rather than overflow computing it.
      long double product = 1;
      for (int64_t e : dims)
        if (e > 0) product *= static_cast<long double>(e);
      throw_over_limit(what + " of shape " + to_string(dims),
                       product > 1.8e19L ? UINT64_MAX : static_cast<uint64_t>(product), "elements",
                       "max_tensor_elements", static_cast<uint64_t>(max));
    }
    total *= d;
  }
  if (total > max)
    throw_over_limit(what + " of shape " + to_string(dims), static_cast<uint64_t>(total),
                     "elements", "max_tensor_elements", static_cast<uint64_t>(max));
  return total;
}

void check_finite(std::span<const float> values, const std::string& what) {
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      throw Error(what + " holds " + (std::isnan(values[i]) ? "NaN" : "Inf") + " at flat index " +
                  std::to_string(i) +
                  " (refused because LoadOptions::reject_non_finite_weights is set)");
}

}  // namespace kerasrt
