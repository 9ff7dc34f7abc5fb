#include "kernels/transpose.h"

#include <algorithm>
#include <cstring>

namespace kerasrt {
namespace {

// Block edge for the cache-friendly 2-d copy: 32 x 32 floats read and written per tile.
constexpr int64_t kTile = 32;

// Calls visit(in_offset, out_offset) for every index of the first `outer_rank` output axes, in
// row-major order; `block` is the number of output elements each index covers.
template <typename Visit>
void for_each_outer(const std::vector<int64_t>& dims, const std::vector<int64_t>& in_strides,
                    size_t outer_rank, int64_t block, Visit visit) {
  std::vector<int64_t> index(outer_rank, 0);
  int64_t in_offset = 0, out_offset = 0;
  while (true) {
    visit(in_offset, out_offset);
    out_offset += block;
    size_t axis = outer_rank;
    while (axis > 0) {
      --axis;
      in_offset += in_strides[axis];
      if (++index[axis] < dims[axis]) break;
      in_offset -= in_strides[axis] * dims[axis];
      index[axis] = 0;
      if (axis == 0) return;
    }
    if (outer_rank == 0) return;
  }
}

}  // namespace

std::vector<int64_t> permuted_shape(std::span<const int64_t> shape, std::span<const int> perm) {
  std::vector<int64_t> out;
  out.reserve(perm.size());
  for (int axis : perm) out.push_back(shape[static_cast<size_t>(axis)]);
  return out;
}

void transpose(const float* in, std::span<const int64_t> in_shape, std::span<const int> perm,
               float* out) {
  const size_t rank = in_shape.size();
  int64_t total = 1;
  for (int64_t d : in_shape) total *= d;
  if (total == 0) return;

  std::vector<int64_t> in_stride(rank, 1);
  for (size_t d = rank; d-- > 1;) in_stride[d - 1] = in_stride[d] * in_shape[d];

  // Output axes with the input stride of each. Size-1 axes do not move data and are dropped;
  // neighbouring output axes that are also neighbours in the input are merged, so e.g. a
  // channels-first to channels-last move of a 4-d tensor becomes a batch of 2-d transposes.
  std::vector<int64_t> dims, strides;
  for (int axis : perm) {
    const int64_t dim = in_shape[static_cast<size_t>(axis)];
    const int64_t stride = in_stride[static_cast<size_t>(axis)];
    if (dim == 1) continue;
    if (!dims.empty() && strides.back() == dim * stride) {
      dims.back() *= dim;
      strides.back() = stride;
    } else {
      dims.push_back(dim);
      strides.push_back(stride);
    }
  }
  if (dims.empty()) {
    out[0] = in[0];
    return;
  }

  const size_t n = dims.size();
  if (strides.back() == 1) {  // whole rows stay contiguous: copy them
    const int64_t row = dims.back();
    for_each_outer(dims, strides, n - 1, row, [&](int64_t from, int64_t to) {
      std::memcpy(out + to, in + from, static_cast<size_t>(row) * sizeof(float));
    });
    return;
  }
  if (n == 1) {  // a strided gather
    for (int64_t i = 0; i < dims[0]; ++i) out[i] = in[i * strides[0]];
    return;
  }
  // The last two output axes form a 2-d strided copy, done in tiles.
  const int64_t rows = dims[n - 2], cols = dims[n - 1];
  const int64_t row_stride = strides[n - 2], col_stride = strides[n - 1];
  for_each_outer(dims, strides, n - 2, rows * cols, [&](int64_t from, int64_t to) {
    for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
      const int64_t r1 = std::min(rows, r0 + kTile);
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t c1 = std::min(cols, c0 + kTile);
        for (int64_t r = r0; r < r1; ++r) {
          const float* src = in + from + r * row_stride;
          float* dst = out + to + r * cols;
          for (int64_t c = c0; c < c1; ++c) dst[c] = src[c * col_stride];
        }
      }
    }
  });
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
