#include "kernels/normalize.h"

#include <algorithm>
#include <cmath>

#include "core/cpu_isa.h"
#include "kernels/simd.h"

namespace kerasrt {
namespace {

// Layer normalisation of one row: two passes in double, the mean, then the mean squared
// deviation from it (what tf.nn.moments computes, without the cancellation of E[x^2] - E[x]^2);
// then y = x * (inv * gamma) + (beta - center * inv * gamma), the form Keras evaluates, also in
// double. The vector bodies keep 8 (AVX-512) or 4 (AVX2) partial sums per pass.

double inverse_deviation(double squares, int64_t n, float epsilon) {
  return 1.0 / std::sqrt(squares / static_cast<double>(n) + epsilon);
}

// The last step for columns [from, n): the scalar form, and the AVX2 body's tail.
void scale_and_shift(const float* x, float* y, int64_t from, int64_t n, const RowNormalization& how,
                     double inv, double center) {
  for (int64_t c = from; c < n; ++c) {
    const double scale = how.gamma ? inv * how.gamma[c] : inv;
    const double shift = (how.beta ? how.beta[c] : 0.0) - center * scale;
    y[c] = static_cast<float>(x[c] * scale + shift);
  }
}

void normalize_row_scalar(const float* x, float* y, int64_t n, const RowNormalization& how) {
  double sum = 0.0;
  for (int64_t c = 0; c < n; ++c) sum += x[c];
  const double mean = sum / static_cast<double>(n);
  double squares = 0.0;
  for (int64_t c = 0; c < n; ++c) squares += (x[c] - mean) * (x[c] - mean);
  scale_and_shift(x, y, 0, n, how, inverse_deviation(squares, n, how.epsilon),
                  how.subtract_mean ? mean : 0.0);
}

KRT_AVX512 inline __m512d load8_as_double(const float* p, __mmask8 m) {
  return _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, p));
}

KRT_AVX512 void normalize_row_avx512(const float* x, float* y, int64_t n,
                                     const RowNormalization& how) {
  const int64_t full = n - n % 8;
  const __mmask8 tail = static_cast<__mmask8>((1u << (n % 8)) - 1u);
  __m512d sum = load8_as_double(x + full, tail);
  for (int64_t c = 0; c < full; c += 8) sum = _mm512_add_pd(sum, load8_as_double(x + c, 0xFF));
  const double mean = _mm512_reduce_add_pd(sum) / static_cast<double>(n);
  const __m512d mean8 = _mm512_set1_pd(mean);
  const __m512d last = _mm512_maskz_sub_pd(tail, load8_as_double(x + full, tail), mean8);
  __m512d squares = _mm512_mul_pd(last, last);
  for (int64_t c = 0; c < full; c += 8) {
    const __m512d d = _mm512_sub_pd(load8_as_double(x + c, 0xFF), mean8);
    squares = _mm512_fmadd_pd(d, d, squares);
  }
  const __m512d inv =
      _mm512_set1_pd(inverse_deviation(_mm512_reduce_add_pd(squares), n, how.epsilon));
  const __m512d center = _mm512_set1_pd(how.subtract_mean ? mean : 0.0);
  for (int64_t c = 0; c < n; c += 8) {
    const __mmask8 m = c < full ? static_cast<__mmask8>(0xFF) : tail;
    const __m512d scale = how.gamma ? _mm512_mul_pd(inv, load8_as_double(how.gamma + c, m)) : inv;
    const __m512d beta = how.beta ? load8_as_double(how.beta + c, m) : _mm512_setzero_pd();
    const __m512d shift = _mm512_fnmadd_pd(center, scale, beta);
    const __m512d out = _mm512_fmadd_pd(load8_as_double(x + c, m), scale, shift);
    _mm256_mask_storeu_ps(y + c, m, _mm512_cvtpd_ps(out));
  }
}

KRT_AVX2 inline __m256d load4_as_double(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }

KRT_AVX2 inline double reduce_add4(__m256d v) {
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

KRT_AVX2 void normalize_row_avx2(const float* x, float* y, int64_t n, const RowNormalization& how) {
  const int64_t full = n - n % 4;
  __m256d sum = _mm256_setzero_pd();
  for (int64_t c = 0; c < full; c += 4) sum = _mm256_add_pd(sum, load4_as_double(x + c));
  double total = reduce_add4(sum);
  for (int64_t c = full; c < n; ++c) total += x[c];
  const double mean = total / static_cast<double>(n);
  const __m256d mean4 = _mm256_set1_pd(mean);
  __m256d squares = _mm256_setzero_pd();
  for (int64_t c = 0; c < full; c += 4) {
    const __m256d d = _mm256_sub_pd(load4_as_double(x + c), mean4);
    squares = _mm256_fmadd_pd(d, d, squares);
  }
  double deviation = reduce_add4(squares);
  for (int64_t c = full; c < n; ++c) deviation += (x[c] - mean) * (x[c] - mean);
  const double inv = inverse_deviation(deviation, n, how.epsilon);
  const double center = how.subtract_mean ? mean : 0.0;
  const __m256d inv4 = _mm256_set1_pd(inv), center4 = _mm256_set1_pd(center);
  for (int64_t c = 0; c < full; c += 4) {
    const __m256d scale = how.gamma ? _mm256_mul_pd(inv4, load4_as_double(how.gamma + c)) : inv4;
    const __m256d beta = how.beta ? load4_as_double(how.beta + c) : _mm256_setzero_pd();
    const __m256d shift = _mm256_fnmadd_pd(center4, scale, beta);
    _mm_storeu_ps(y + c, _mm256_cvtpd_ps(_mm256_fmadd_pd(load4_as_double(x + c), scale, shift)));
  }
  scale_and_shift(x, y, full, n, how, inv, center);
}

}  // namespace

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
  const Isa simd = isa();
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = in + r * cols;
    float* y = out + r * cols;
    switch (simd) {
      case Isa::kAvx512:
        normalize_row_avx512(x, y, cols, how);
        break;
      case Isa::kAvx2:
        normalize_row_avx2(x, y, cols, how);
        break;
      case Isa::kScalar:
        normalize_row_scalar(x, y, cols, how);
        break;
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
