#include "kernels/transpose.h"

#include <algorithm>
#include <cstring>

#include "kernels/index_walk.h"

namespace kerasrt {
namespace {

// Block edge for the cache-friendly 2-d copy: 32 x 32 floats read and written per tile.
constexpr int64_t kTile = 32;

}  // namespace

std::vector<int64_t> permuted_shape(std::span<const int64_t> shape, std::span<const int> perm) {
  std::vector<int64_t> out;
  out.reserve(perm.size());
  for (int axis : perm) out.push_back(shape[static_cast<size_t>(axis)]);
  return out;
}

Transposition::Transposition(std::span<const int64_t> in_shape, std::span<const int> perm) {
  const size_t rank = in_shape.size();
  int64_t total = 1;
  for (int64_t d : in_shape) total *= d;
  empty_ = total == 0;
  if (empty_) return;

  std::vector<int64_t> in_stride(rank, 1);
  for (size_t d = rank; d-- > 1;) in_stride[d - 1] = in_stride[d] * in_shape[d];
  for (int axis : perm) {
    const int64_t dim = in_shape[static_cast<size_t>(axis)];
    const int64_t stride = in_stride[static_cast<size_t>(axis)];
    if (dim == 1) continue;
    if (!dims_.empty() && in_strides_.back() == dim * stride) {
      dims_.back() *= dim;
      in_strides_.back() = stride;
    } else {
      dims_.push_back(dim);
      in_strides_.push_back(stride);
    }
  }
}

void Transposition::run(const float* in, float* out) const {
  if (empty_) return;
  if (dims_.empty()) {
    out[0] = in[0];
    return;
  }
  const size_t n = dims_.size();
  const std::array<std::span<const int64_t>, 1> strides{in_strides_};
  if (in_strides_.back() == 1) {  // whole rows stay contiguous: copy them
    const int64_t row = dims_.back();
    walk_indices<1>(dims_, strides, n - 1, [&](std::array<int64_t, 1> from) {
      std::memcpy(out, in + from[0], static_cast<size_t>(row) * sizeof(float));
      out += row;
    });
    return;
  }
  if (n == 1) {  // a strided gather
    for (int64_t i = 0; i < dims_[0]; ++i) out[i] = in[i * in_strides_[0]];
    return;
  }
  // The last two output axes form a 2-d strided copy, done in tiles.
  const int64_t rows = dims_[n - 2], cols = dims_[n - 1];
  const int64_t row_stride = in_strides_[n - 2], col_stride = in_strides_[n - 1];
  walk_indices<1>(dims_, strides, n - 2, [&](std::array<int64_t, 1> at) {
    const float* from = in + at[0];
    for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
      const int64_t r1 = std::min(rows, r0 + kTile);
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t c1 = std::min(cols, c0 + kTile);
        for (int64_t r = r0; r < r1; ++r) {
          const float* src = from + r * row_stride;
          float* dst = out + r * cols;
          for (int64_t c = c0; c < c1; ++c) dst[c] = src[c * col_stride];
        }
      }
    }
    out += rows * cols;
  });
}

void transpose(const float* in, std::span<const int64_t> in_shape, std::span<const int> perm,
               float* out) {
  Transposition(in_shape, perm).run(in, out);
}

void swap_inner_axes(const float* in, int64_t batch, int64_t rows, int64_t columns, float* out) {
  for (int64_t n = 0; n < batch; ++n) {
    const float* src = in + n * rows * columns;
    float* dst = out + n * rows * columns;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < columns; ++c) dst[c * rows + r] = src[r * columns + c];
  }
}

}  // namespace kerasrt
