#include "kernels/elementwise.h"

#include <algorithm>
#include <string>

#include "core/shape.h"

namespace kerasrt {
namespace {

struct AddOp {
  float operator()(float a, float b) const { return a + b; }
};
struct SubtractOp {
  float operator()(float a, float b) const { return a - b; }
};
struct MultiplyOp {
  float operator()(float a, float b) const { return a * b; }
};
struct MaximumOp {  // NaN in either operand gives NaN, as tf.maximum does
  float operator()(float a, float b) const { return (a > b || a != a) ? a : b; }
};
struct MinimumOp {
  float operator()(float a, float b) const { return (a < b || a != a) ? a : b; }
};

// One operand seen in the output's index space: its element stride along each output axis
// (0 where it is broadcast).
std::vector<int64_t> strides_in(std::span<const int64_t> shape,
                                std::span<const int64_t> out_shape) {
  const size_t rank = out_shape.size(), offset = rank - shape.size();
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] != 1) strides[offset + d] = stride;
    stride *= shape[d];
  }
  return strides;
}

// The inner loop along one axis, specialised for the contiguous and the broadcast operand.
template <typename Op>
void inner(Op op, const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float y = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], y);
  } else if (sa == 0 && sb == 1) {
    const float x = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = op(x, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i * sa], b[i * sb]);
  }
}

template <typename Op>
void run(Op op, const float* a, std::span<const int64_t> a_shape, const float* b,
         std::span<const int64_t> b_shape, float* out, std::span<const int64_t> out_shape) {
  // Operands of the output's shape (a residual connection): one loop, no shape work.
  if (std::ranges::equal(a_shape, out_shape) && std::ranges::equal(b_shape, out_shape))
    return inner(op, a, 1, b, 1, out, num_elements(out_shape));
  const std::vector<int64_t> sa = strides_in(a_shape, out_shape),
                             sb = strides_in(b_shape, out_shape);
  // Drop size-1 axes, then merge neighbouring axes along which both operands are laid out
  // contiguously (or both broadcast), so the inner loop runs as long as possible.
  std::vector<int64_t> dims, a_strides, b_strides;
  for (size_t d = 0; d < out_shape.size(); ++d) {
    const int64_t dim = out_shape[d];
    if (dim == 1) continue;
    if (!dims.empty() && a_strides.back() == sa[d] * dim && b_strides.back() == sb[d] * dim) {
      dims.back() *= dim;
      a_strides.back() = sa[d];
      b_strides.back() = sb[d];
    } else {
      dims.push_back(dim);
      a_strides.push_back(sa[d]);
      b_strides.push_back(sb[d]);
    }
  }
  if (dims.empty()) {
    out[0] = op(a[0], b[0]);
    return;
  }
  const size_t outer_rank = dims.size() - 1;
  const int64_t n = dims.back();
  std::vector<int64_t> index(outer_rank, 0);
  int64_t a_offset = 0, b_offset = 0, out_offset = 0;
  while (true) {
    inner(op, a + a_offset, a_strides.back(), b + b_offset, b_strides.back(), out + out_offset, n);
    out_offset += n;
    size_t axis = outer_rank;
    bool done = true;
    while (axis > 0) {
      --axis;
      a_offset += a_strides[axis];
      b_offset += b_strides[axis];
      if (++index[axis] < dims[axis]) {
        done = false;
        break;
      }
      a_offset -= a_strides[axis] * dims[axis];
      b_offset -= b_strides[axis] * dims[axis];
      index[axis] = 0;
    }
    if (done) return;
  }
}

}  // namespace

std::vector<int64_t> broadcast_shapes(std::span<const int64_t> a, std::span<const int64_t> b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      throw Error("shapes " + to_string(a) + " and " + to_string(b) + " do not broadcast");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

void broadcast_binary(BinaryOp op, const float* a, std::span<const int64_t> a_shape, const float* b,
                      std::span<const int64_t> b_shape, float* out,
                      std::span<const int64_t> out_shape) {
  for (int64_t d : out_shape)
    if (d == 0) return;
  switch (op) {
    case BinaryOp::kAdd:
      return run(AddOp{}, a, a_shape, b, b_shape, out, out_shape);
    case BinaryOp::kSubtract:
      return run(SubtractOp{}, a, a_shape, b, b_shape, out, out_shape);
    case BinaryOp::kMultiply:
      return run(MultiplyOp{}, a, a_shape, b, b_shape, out, out_shape);
    case BinaryOp::kMaximum:
      return run(MaximumOp{}, a, a_shape, b, b_shape, out, out_shape);
    case BinaryOp::kMinimum:
      return run(MinimumOp{}, a, a_shape, b, b_shape, out, out_shape);
  }
}

void divide_by(float* data, int64_t count, float divisor) {
  for (int64_t i = 0; i < count; ++i) data[i] /= divisor;
}

}  // namespace kerasrt
