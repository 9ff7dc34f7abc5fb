// Shapes and overflow-checked shape arithmetic.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kerasrt/kerasrt.h"

namespace kerasrt {

// Dimensions, batch first. kAnyDim marks a dimension unknown until predict time.
using Dims = std::vector<int64_t>;

// Largest element count of any one tensor; keeps every size_t byte computation far from
// overflow and turns absurd dimensions from hostile files into a clear error.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 40;

bool is_known(std::span<const int64_t> dims);

// Whether a concrete shape `got` fits `want`: the same rank, every dim of `got` known, and equal
// to `want`'s wherever that one is not kAnyDim.
bool fits(std::span<const int64_t> got, std::span<const int64_t> want);

// Product of all dims; throws Error if a dim is unknown/negative or the product is too big.
int64_t num_elements(std::span<const int64_t> dims);

// Product of dims[begin, end); same checks.
int64_t product(std::span<const int64_t> dims, size_t begin, size_t end);

// a * b, a + b for dims that may be kAnyDim (the result is then kAnyDim); throws on overflow.
int64_t mul_dim(int64_t a, int64_t b);
int64_t add_dim(int64_t a, int64_t b);

// a / b rounded up, for positive a and b: how many blocks of b cover a.
constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Resolves a negative axis against a rank; throws Error naming the axis when out of range.
int normalize_axis(int64_t axis, size_t rank);

}  // namespace kerasrt
