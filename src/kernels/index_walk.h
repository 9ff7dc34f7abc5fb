// The row-major walk over a tensor's index space that strided copies and broadcasts share: for
// each index of the first `axes` axes of `dims`, in order, visit(offsets) gets, for each of N
// operands, the offset of that index in the operand (the sum of index x stride over the axes).
// Recursive, so that nothing is allocated; the caller's visit usually loops over the axes left.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace kerasrt {

template <size_t N, typename Visit>
void walk_indices(std::span<const int64_t> dims,
                  const std::array<std::span<const int64_t>, N>& strides, size_t axes,
                  Visit&& visit, std::array<int64_t, N> offsets = {}, size_t axis = 0) {
  if (axis == axes) {
    visit(offsets);
    return;
  }
  for (int64_t i = 0; i < dims[axis]; ++i) {
    walk_indices<N>(dims, strides, axes, visit, offsets, axis + 1);
    for (size_t k = 0; k < N; ++k) offsets[k] += strides[k][axis];
  }
}

}  // namespace kerasrt
