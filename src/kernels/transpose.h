// Generic N-d axis permutation of row-major float tensors.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kerasrt {

// The shape of `shape` with its axes reordered: result[i] = shape[perm[i]].
std::vector<int64_t> permuted_shape(std::span<const int64_t> shape, std::span<const int> perm);

// out = in with axis perm[i] of `in` becoming axis i of `out` (numpy.transpose semantics).
// `perm` must be a permutation of 0..rank-1; `in` and `out` must not overlap.
void transpose(const float* in, std::span<const int64_t> in_shape, std::span<const int> perm,
               float* out);

}  // namespace kerasrt
