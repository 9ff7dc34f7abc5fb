#include "kernels/normalize.h"

#include <algorithm>
#include <cmath>

namespace kerasrt {

void channel_affine(const float* in, float* out, int64_t outer, int64_t channels, int64_t inner,
                    const float* scale, const float* shift) {
  if (inner == 1) {  // channels last: vectorise across the channels of each position
    for (int64_t o = 0; o < outer; ++o) {
      const float* x = in + o * channels;
      float* y = out + o * channels;
      for (int64_t c = 0; c < channels; ++c) y[c] = x[c] * scale[c] + shift[c];
    }
    return;
  }
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t base = (o * channels + c) * inner;
      const float s = scale[c], t = shift[c];
      for (int64_t i = 0; i < inner; ++i) out[base + i] = in[base + i] * s + t;
    }
  }
}

void normalize_rows(const float* in, float* out, int64_t rows, int64_t cols,
                    const RowNormalization& how) {
  if (cols == 0) return;
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = in + r * cols;
    float* y = out + r * cols;
    // Two passes in double: the mean, then the mean squared deviation from it (what
    // tf.nn.moments computes), without the cancellation of E[x^2] - E[x]^2.
    double sum = 0.0;
    for (int64_t c = 0; c < cols; ++c) sum += x[c];
    const double mean = sum / static_cast<double>(cols);
    double squares = 0.0;
    for (int64_t c = 0; c < cols; ++c) squares += (x[c] - mean) * (x[c] - mean);
    const double variance = squares / static_cast<double>(cols);
    const double inv = 1.0 / std::sqrt(variance + how.epsilon);
    const double center = how.subtract_mean ? mean : 0.0;
    // y = x * (inv * gamma) + (beta - center * inv * gamma), the form Keras evaluates.
    for (int64_t c = 0; c < cols; ++c) {
      const double scale = how.gamma ? inv * how.gamma[c] : inv;
      const double shift = (how.beta ? how.beta[c] : 0.0) - center * scale;
      y[c] = static_cast<float>(x[c] * scale + shift);
    }
  }
}

void l2_normalize_rows(const float* in, float* out, int64_t rows, int64_t cols, double min_norm) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = in + r * cols;
    float* y = out + r * cols;
    double squares = 0.0;
    for (int64_t c = 0; c < cols; ++c) squares += static_cast<double>(x[c]) * x[c];
    const double inv = 1.0 / std::max(std::sqrt(squares), min_norm);
    for (int64_t c = 0; c < cols; ++c) y[c] = static_cast<float>(x[c] * inv);
  }
}

}  // namespace kerasrt
