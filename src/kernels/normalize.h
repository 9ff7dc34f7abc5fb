// Normalisation kernels on row-major float tensors: per-channel affine maps (folded batch
// normalisation), moment normalisation of rows (layer normalisation) and L2 normalisation.
#pragma once

#include <cstdint>

namespace kerasrt {

// out = in * scale[c] + shift[c] on a [outer, channels, inner] view. `out` may equal `in`.
void channel_affine(const float* in, float* out, int64_t outer, int64_t channels, int64_t inner,
                    const float* scale, const float* shift);

// How normalize_rows treats each row after computing its mean and (biased) variance.
struct RowNormalization {
  float epsilon = 1e-3f;
  // false: out = x * rsqrt(var + epsilon) without subtracting the mean (Keras
  // LayerNormalization's rms_scaling, which despite its name divides by the variance).
  bool subtract_mean = true;
  const float* gamma = nullptr;  // per column, or null for 1
  const float* beta = nullptr;   // per column, or null for 0
};

// Normalises each of `rows` rows of `cols` values to zero mean and unit variance, then scales
// and shifts per column. `out` may equal `in`.
void normalize_rows(const float* in, float* out, int64_t rows, int64_t cols,
                    const RowNormalization& how);

// out = x / max(||x||_2, min_norm) for each row of `cols` values. `out` may equal `in`.
void l2_normalize_rows(const float* in, float* out, int64_t rows, int64_t cols, double min_norm);

}  // namespace kerasrt
