// Element-wise binary operations with NumPy broadcasting on row-major float tensors.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kerasrt {

enum class BinaryOp { kAdd, kSubtract, kMultiply, kMaximum, kMinimum };

// NumPy broadcasting of two concrete shapes (aligned at the right; each pair of dims equal or
// one of them 1). Throws Error when they do not broadcast.
std::vector<int64_t> broadcast_shapes(std::span<const int64_t> a, std::span<const int64_t> b);

// out = op(a, b), with `a` and `b` broadcast to `out_shape` (their shapes aligned at the right,
// every dim equal to out's or 1). `out` may be the same buffer as `a` or `b` when that operand
// already has shape `out_shape`; otherwise no overlap. Maximum and minimum propagate NaN.
void broadcast_binary(BinaryOp op, const float* a, std::span<const int64_t> a_shape, const float* b,
                      std::span<const int64_t> b_shape, float* out,
                      std::span<const int64_t> out_shape);

// data[i] /= divisor for `count` values.
void divide_by(float* data, int64_t count, float divisor);

}  // namespace kerasrt
