// Axis permutations of row-major float tensors: generic N-d, and the channels_first /
// channels_last layout changes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kerasrt {

// The shape of `shape` with its axes reordered: result[i] = shape[perm[i]].
std::vector<int64_t> permuted_shape(std::span<const int64_t> shape, std::span<const int> perm);

// out = in with axis perm[i] of `in` becoming axis i of `out` (numpy.transpose semantics), for
// one input shape, worked out once (a layer's prepare) and run any number of times, concurrently,
// without allocating. `perm` must be a permutation of 0..rank-1; `in` and `out` must not overlap.
class Transposition {
 public:
  Transposition() = default;
  Transposition(std::span<const int64_t> in_shape, std::span<const int> perm);
  void run(const float* in, float* out) const;

 private:
  // The output's axes as moves of the input: size-1 axes dropped, and output neighbours that are
  // neighbours in the input too merged (a channels-first to channels-last move of a 4-d tensor
  // is a batch of 2-d transposes). dims_ empty: one element, or none (empty_).
  std::vector<int64_t> dims_, in_strides_;
  bool empty_ = false;
};

// The same, worked out for one call (load-time re-layouts, tests).
void transpose(const float* in, std::span<const int64_t> in_shape, std::span<const int> perm,
               float* out);

// out[batch, columns, rows] = in[batch, rows, columns] transposed matrix by matrix.
void swap_inner_axes(const float* in, int64_t batch, int64_t rows, int64_t columns, float* out);

// Layout changes between [batch, channels, positions] and [batch, positions, channels].
inline void channels_first_to_last(const float* in, int64_t batch, int64_t channels,
                                   int64_t positions, float* out) {
  swap_inner_axes(in, batch, channels, positions, out);
}
inline void channels_last_to_first(const float* in, int64_t batch, int64_t channels,
                                   int64_t positions, float* out) {
  swap_inner_axes(in, batch, positions, channels, out);
}

}  // namespace kerasrt
