#include "kernels/vecmath.h"

#include <algorithm>
#include <cmath>

#include "kernels/simd.h"

namespace kerasrt::vec {
namespace {

// ---------------------------------------------------------------------------------------------
// Constants shared by the vector bodies.
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
// exp(x) is +inf above 88.72..., 0 below -103.97...: clamping to [-104, 89] keeps n = round(x /
// ln 2) within [-150, 129], where the two-step 2^n scaling below over- or underflows exactly
// as the true result does.
constexpr float kExpMin = -104.0f;
constexpr float kExpMax = 89.0f;
// Cephes expf polynomial: exp(r) ~ 1 + r + r^2 (p0 + p1 r + ... + p5 r^5) on |r| <= ln2 / 2.
constexpr float kP0 = 5.0000001201e-1f, kP1 = 1.6666665459e-1f, kP2 = 4.1665795894e-2f,
                kP3 = 8.3334519073e-3f, kP4 = 1.3981999507e-3f, kP5 = 1.9875691500e-4f;
// Cephes tanhf for |x| < 0.625: x + x^3 P(x^2).
constexpr float kTanhSmall = 0.625f;
constexpr float kT0 = -3.33332819422e-1f, kT1 = 1.33314422036e-1f, kT2 = -5.37397155531e-2f,
                kT3 = 2.06390887954e-2f, kT4 = -5.70498872745e-3f;
constexpr float kSqrt2OverPi = 0.7978845608028654f;

// ---------------------------------------------------------------------------------------------
// Scalar reference (also the fallback): the formulas the layers always used.
inline float sigmoid_scalar(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// ---------------------------------------------------------------------------------------------
// AVX-512
KRT_AVX512 inline __m512 exp16(__m512 x) {
  const __m512 xc =
      _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(kExpMin)), _mm512_set1_ps(kExpMax));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), xc);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kP5);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP0));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  const __m512 result = _mm512_scalef_ps(p, n);  // p * 2^n, with IEEE overflow and underflow
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), result, x);
}

KRT_AVX512 inline __m512 sigmoid16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_div_ps(one, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

KRT_AVX512 inline __m512 tanh16(__m512 x) {
  const __m512 sign_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x80000000));
  const __m512 ax = _mm512_andnot_ps(sign_mask, x);
  // |x| >= 0.625: 1 - 2 / (exp(2|x|) + 1), with x's sign.
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 e = exp16(_mm512_add_ps(ax, ax));
  __m512 large = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));
  large = _mm512_or_ps(large, _mm512_and_ps(x, sign_mask));
  // |x| < 0.625: x + x^3 P(x^2).
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 p = _mm512_set1_ps(kT4);
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(kT3));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(kT2));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(kT1));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(kT0));
  const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(ax, _mm512_set1_ps(kTanhSmall), _CMP_LT_OQ), large,
                              small);
}

template <typename F>
KRT_AVX512 inline void map16(const float* in, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, f(_mm512_loadu_ps(in + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(out + i, m, f(_mm512_maskz_loadu_ps(m, in + i)));
  }
}

struct Exp16 {
  KRT_AVX512 __m512 operator()(__m512 x) const { return exp16(x); }
};
struct Sigmoid16 {
  KRT_AVX512 __m512 operator()(__m512 x) const { return sigmoid16(x); }
};
struct Tanh16 {
  KRT_AVX512 __m512 operator()(__m512 x) const { return tanh16(x); }
};
struct Silu16 {
  KRT_AVX512 __m512 operator()(__m512 x) const { return _mm512_mul_ps(x, sigmoid16(x)); }
};
struct GeluTanh16 {
  KRT_AVX512 __m512 operator()(__m512 x) const {
    const __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
    const __m512 inner = _mm512_mul_ps(_mm512_set1_ps(kSqrt2OverPi),
                                       _mm512_fmadd_ps(_mm512_set1_ps(0.044715f), x3, x));
    const __m512 half_x = _mm512_mul_ps(_mm512_set1_ps(0.5f), x);
    return _mm512_mul_ps(half_x, _mm512_add_ps(_mm512_set1_ps(1.0f), tanh16(inner)));
  }
};
struct ReluClip16 {
  float slope, lo, hi;
  KRT_AVX512 __m512 operator()(__m512 x) const {
    const __m512 zero = _mm512_setzero_ps();
    const __mmask16 positive = _mm512_cmp_ps_mask(x, zero, _CMP_GT_OQ);
    // Keras: max(x, 0) - slope * max(-x, 0), then the clip; NaN stays NaN.
    __m512 y = _mm512_mask_blend_ps(positive, _mm512_mul_ps(x, _mm512_set1_ps(slope)), x);
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    y = _mm512_min_ps(_mm512_max_ps(y, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));
    return _mm512_mask_blend_ps(nan, y, x);
  }
};
struct HardSigmoid2_16 {
  KRT_AVX512 __m512 operator()(__m512 x) const {
    const __m512 y = _mm512_fmadd_ps(x, _mm512_set1_ps(0.2f), _mm512_set1_ps(0.5f));
    return _mm512_min_ps(_mm512_max_ps(y, _mm512_setzero_ps()), _mm512_set1_ps(1.0f));
  }
};
struct HardSigmoid3_16 {
  KRT_AVX512 __m512 operator()(__m512 x) const {
    const __m512 y = _mm512_add_ps(x, _mm512_set1_ps(3.0f));
    return _mm512_div_ps(_mm512_min_ps(_mm512_max_ps(y, _mm512_setzero_ps()), _mm512_set1_ps(6.0f)),
                         _mm512_set1_ps(6.0f));
  }
};

KRT_AVX512 void add_bias_rows_avx512(float* data, int64_t rows, int64_t cols, const float* bias) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = data + r * cols;
    int64_t c = 0;
    for (; c + 16 <= cols; c += 16)
      _mm512_storeu_ps(row + c, _mm512_add_ps(_mm512_loadu_ps(row + c), _mm512_loadu_ps(bias + c)));
    if (c < cols) {
      const __mmask16 m = static_cast<__mmask16>((1u << (cols - c)) - 1u);
      _mm512_mask_storeu_ps(
          row + c, m,
          _mm512_add_ps(_mm512_maskz_loadu_ps(m, row + c), _mm512_maskz_loadu_ps(m, bias + c)));
    }
  }
}

KRT_AVX512 void lstm_cell_avx512(float* z, float* c, float* h, int64_t u) {
  for (int64_t j = 0; j < u; j += 16) {
    const __mmask16 m =
        u - j >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (u - j)) - 1u);
    const __m512 i_gate = sigmoid16(_mm512_maskz_loadu_ps(m, z + j));
    const __m512 f_gate = sigmoid16(_mm512_maskz_loadu_ps(m, z + u + j));
    const __m512 g_gate = tanh16(_mm512_maskz_loadu_ps(m, z + 2 * u + j));
    const __m512 o_gate = sigmoid16(_mm512_maskz_loadu_ps(m, z + 3 * u + j));
    // c = f * c + i * g, rounded as the scalar code does (a product, then a fused add would
    // differ).
    const __m512 c_new = _mm512_add_ps(_mm512_mul_ps(f_gate, _mm512_maskz_loadu_ps(m, c + j)),
                                       _mm512_mul_ps(i_gate, g_gate));
    _mm512_mask_storeu_ps(c + j, m, c_new);
    _mm512_mask_storeu_ps(h + j, m, _mm512_mul_ps(tanh16(c_new), o_gate));
  }
}

// Softmax of one row in place, in three passes: the maximum, exp(x - max) with the sum kept in
// 16 lanes, the scaling.
KRT_AVX512 void softmax_avx512(float* x, int64_t n) {
  const __m512 lowest = _mm512_set1_ps(-INFINITY);
  const __mmask16 tail = static_cast<__mmask16>((1u << (n % 16)) - 1u);
  const int64_t full = n - n % 16;
  __m512 max = lowest;
  for (int64_t j = 0; j < full; j += 16) max = _mm512_max_ps(max, _mm512_loadu_ps(x + j));
  max = _mm512_max_ps(max, _mm512_mask_loadu_ps(lowest, tail, x + full));
  const __m512 shift = _mm512_set1_ps(_mm512_reduce_max_ps(max));
  __m512 sum = _mm512_setzero_ps();
  for (int64_t j = 0; j < full; j += 16) {
    const __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(x + j), shift));
    _mm512_storeu_ps(x + j, e);
    sum = _mm512_add_ps(sum, e);
  }
  const __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, x + full), shift));
  _mm512_mask_storeu_ps(x + full, tail, e);
  sum = _mm512_mask_add_ps(sum, tail, sum, e);
  const __m512 scale = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
  for (int64_t j = 0; j < full; j += 16)
    _mm512_storeu_ps(x + j, _mm512_mul_ps(_mm512_loadu_ps(x + j), scale));
  _mm512_mask_storeu_ps(x + full, tail,
                        _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, x + full), scale));
}

// ---------------------------------------------------------------------------------------------
// AVX2 + FMA
KRT_AVX2 inline __m256 exp8(__m256 x) {
  const __m256 xc =
      _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(kExpMin)), _mm256_set1_ps(kExpMax));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), xc);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kP5);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP0));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // 2^n as 2^n1 * 2^n2 with n1 = floor(n / 2): both factors are normal numbers for n in
  // [-150, 129], and the two multiplications over- or underflow like the exact result.
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i n1 = _mm256_srai_epi32(ni, 1);
  const __m256i n2 = _mm256_sub_epi32(ni, n1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  const __m256 result = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  return _mm256_blendv_ps(result, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

KRT_AVX2 inline __m256 sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

KRT_AVX2 inline __m256 tanh8(__m256 x) {
  const __m256 sign_mask = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(0x80000000u)));
  const __m256 ax = _mm256_andnot_ps(sign_mask, x);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 e = exp8(_mm256_add_ps(ax, ax));
  __m256 large = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
  large = _mm256_or_ps(large, _mm256_and_ps(x, sign_mask));
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(kT4);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(kT3));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(kT2));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(kT1));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(kT0));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  return _mm256_blendv_ps(large, small, _mm256_cmp_ps(ax, _mm256_set1_ps(kTanhSmall), _CMP_LT_OQ));
}

// Loads/stores the first `count` (< 8) floats; the rest of the vector is zero.
KRT_AVX2 inline __m256i tail_mask8(int64_t count) {
  alignas(32) static constexpr int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                    0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - count));
}

template <typename F>
KRT_AVX2 inline void map8(const float* in, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, f(_mm256_loadu_ps(in + i)));
  if (i < n) {
    const __m256i m = tail_mask8(n - i);
    _mm256_maskstore_ps(out + i, m, f(_mm256_maskload_ps(in + i, m)));
  }
}

struct Exp8 {
  KRT_AVX2 __m256 operator()(__m256 x) const { return exp8(x); }
};
struct Sigmoid8 {
  KRT_AVX2 __m256 operator()(__m256 x) const { return sigmoid8(x); }
};
struct Tanh8 {
  KRT_AVX2 __m256 operator()(__m256 x) const { return tanh8(x); }
};
struct Silu8 {
  KRT_AVX2 __m256 operator()(__m256 x) const { return _mm256_mul_ps(x, sigmoid8(x)); }
};
struct GeluTanh8 {
  KRT_AVX2 __m256 operator()(__m256 x) const {
    const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    const __m256 inner = _mm256_mul_ps(_mm256_set1_ps(kSqrt2OverPi),
                                       _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), x3, x));
    const __m256 half_x = _mm256_mul_ps(_mm256_set1_ps(0.5f), x);
    return _mm256_mul_ps(half_x, _mm256_add_ps(_mm256_set1_ps(1.0f), tanh8(inner)));
  }
};
struct ReluClip8 {
  float slope, lo, hi;
  KRT_AVX2 __m256 operator()(__m256 x) const {
    const __m256 positive = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ);
    __m256 y = _mm256_blendv_ps(_mm256_mul_ps(x, _mm256_set1_ps(slope)), x, positive);
    y = _mm256_min_ps(_mm256_max_ps(y, _mm256_set1_ps(lo)), _mm256_set1_ps(hi));
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  }
};
struct HardSigmoid2_8 {
  KRT_AVX2 __m256 operator()(__m256 x) const {
    const __m256 y = _mm256_fmadd_ps(x, _mm256_set1_ps(0.2f), _mm256_set1_ps(0.5f));
    return _mm256_min_ps(_mm256_max_ps(y, _mm256_setzero_ps()), _mm256_set1_ps(1.0f));
  }
};
struct HardSigmoid3_8 {
  KRT_AVX2 __m256 operator()(__m256 x) const {
    const __m256 y = _mm256_add_ps(x, _mm256_set1_ps(3.0f));
    return _mm256_div_ps(_mm256_min_ps(_mm256_max_ps(y, _mm256_setzero_ps()), _mm256_set1_ps(6.0f)),
                         _mm256_set1_ps(6.0f));
  }
};

KRT_AVX2 void add_bias_rows_avx2(float* data, int64_t rows, int64_t cols, const float* bias) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = data + r * cols;
    int64_t c = 0;
    for (; c + 8 <= cols; c += 8)
      _mm256_storeu_ps(row + c, _mm256_add_ps(_mm256_loadu_ps(row + c), _mm256_loadu_ps(bias + c)));
    for (; c < cols; ++c) row[c] += bias[c];
  }
}

KRT_AVX2 void lstm_cell_avx2(float* z, float* c, float* h, int64_t u) {
  int64_t j = 0;
  for (; j + 8 <= u; j += 8) {
    const __m256 i_gate = sigmoid8(_mm256_loadu_ps(z + j));
    const __m256 f_gate = sigmoid8(_mm256_loadu_ps(z + u + j));
    const __m256 g_gate = tanh8(_mm256_loadu_ps(z + 2 * u + j));
    const __m256 o_gate = sigmoid8(_mm256_loadu_ps(z + 3 * u + j));
    const __m256 c_new =
        _mm256_add_ps(_mm256_mul_ps(f_gate, _mm256_loadu_ps(c + j)), _mm256_mul_ps(i_gate, g_gate));
    _mm256_storeu_ps(c + j, c_new);
    _mm256_storeu_ps(h + j, _mm256_mul_ps(tanh8(c_new), o_gate));
  }
  if (j < u) {
    const __m256i m = tail_mask8(u - j);
    const __m256 i_gate = sigmoid8(_mm256_maskload_ps(z + j, m));
    const __m256 f_gate = sigmoid8(_mm256_maskload_ps(z + u + j, m));
    const __m256 g_gate = tanh8(_mm256_maskload_ps(z + 2 * u + j, m));
    const __m256 o_gate = sigmoid8(_mm256_maskload_ps(z + 3 * u + j, m));
    const __m256 c_new = _mm256_add_ps(_mm256_mul_ps(f_gate, _mm256_maskload_ps(c + j, m)),
                                       _mm256_mul_ps(i_gate, g_gate));
    _mm256_maskstore_ps(c + j, m, c_new);
    _mm256_maskstore_ps(h + j, m, _mm256_mul_ps(tanh8(c_new), o_gate));
  }
}

KRT_AVX2 inline float reduce_max8(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
}

KRT_AVX2 inline float reduce_add8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// As softmax_avx512, in 8 lanes.
KRT_AVX2 void softmax_avx2(float* x, int64_t n) {
  const __m256 lowest = _mm256_set1_ps(-INFINITY);
  const int64_t full = n - n % 8;
  const __m256i tail = tail_mask8(n % 8);
  __m256 max = lowest;
  for (int64_t j = 0; j < full; j += 8) max = _mm256_max_ps(max, _mm256_loadu_ps(x + j));
  max = _mm256_max_ps(
      max, _mm256_blendv_ps(lowest, _mm256_maskload_ps(x + full, tail), _mm256_castsi256_ps(tail)));
  const __m256 shift = _mm256_set1_ps(reduce_max8(max));
  __m256 sum = _mm256_setzero_ps();
  for (int64_t j = 0; j < full; j += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), shift));
    _mm256_storeu_ps(x + j, e);
    sum = _mm256_add_ps(sum, e);
  }
  const __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(_mm256_maskload_ps(x + full, tail), shift)),
                                 _mm256_castsi256_ps(tail));
  _mm256_maskstore_ps(x + full, tail, e);
  sum = _mm256_add_ps(sum, e);
  const __m256 scale = _mm256_set1_ps(1.0f / reduce_add8(sum));
  for (int64_t j = 0; j < full; j += 8)
    _mm256_storeu_ps(x + j, _mm256_mul_ps(_mm256_loadu_ps(x + j), scale));
  _mm256_maskstore_ps(x + full, tail, _mm256_mul_ps(_mm256_maskload_ps(x + full, tail), scale));
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

template <typename F512, typename F256, typename FScalar>
void dispatch_map(const float* in, float* out, int64_t n, F512 f512, F256 f256, FScalar scalar) {
  switch (isa()) {
    case Isa::kAvx512:
      return map16(in, out, n, f512);
    case Isa::kAvx2:
      return map8(in, out, n, f256);
    case Isa::kScalar:
      break;
  }
  for (int64_t i = 0; i < n; ++i) out[i] = scalar(in[i]);
}

}  // namespace

void exp(const float* in, float* out, int64_t n) {
  dispatch_map(in, out, n, Exp16{}, Exp8{}, [](float v) { return std::exp(v); });
}

void sigmoid(const float* in, float* out, int64_t n) {
  dispatch_map(in, out, n, Sigmoid16{}, Sigmoid8{}, sigmoid_scalar);
}

void tanh(const float* in, float* out, int64_t n) {
  dispatch_map(in, out, n, Tanh16{}, Tanh8{}, [](float v) { return std::tanh(v); });
}

void silu(const float* in, float* out, int64_t n) {
  dispatch_map(in, out, n, Silu16{}, Silu8{}, [](float v) { return v * sigmoid_scalar(v); });
}

void gelu_tanh(const float* in, float* out, int64_t n) {
  dispatch_map(in, out, n, GeluTanh16{}, GeluTanh8{}, [](float v) {
    return 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
  });
}

void relu_clip(const float* in, float* out, int64_t n, float slope, float lo, float hi) {
  dispatch_map(in, out, n, ReluClip16{slope, lo, hi}, ReluClip8{slope, lo, hi}, [=](float v) {
    if (v != v) return v;
    const float y = v > 0.0f ? v : slope * v;
    return std::min(std::max(y, lo), hi);
  });
}

void hard_sigmoid2(const float* in, float* out, int64_t n) {
  dispatch_map(in, out, n, HardSigmoid2_16{}, HardSigmoid2_8{},
               [](float v) { return std::clamp(0.2f * v + 0.5f, 0.0f, 1.0f); });
}

void hard_sigmoid3(const float* in, float* out, int64_t n) {
  dispatch_map(in, out, n, HardSigmoid3_16{}, HardSigmoid3_8{},
               [](float v) { return std::clamp(v + 3.0f, 0.0f, 6.0f) / 6.0f; });
}

void add_bias_rows(float* data, int64_t rows, int64_t cols, const float* bias) {
  switch (isa()) {
    case Isa::kAvx512:
      return add_bias_rows_avx512(data, rows, cols, bias);
    case Isa::kAvx2:
      return add_bias_rows_avx2(data, rows, cols, bias);
    case Isa::kScalar:
      break;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) data[r * cols + c] += bias[c];
}

void softmax(float* x, int64_t n) {
  if (n == 0) return;
  switch (isa()) {
    case Isa::kAvx512:
      return softmax_avx512(x, n);
    case Isa::kAvx2:
      return softmax_avx2(x, n);
    case Isa::kScalar:
      break;
  }
  float max = -INFINITY;
  for (int64_t j = 0; j < n; ++j) max = std::max(max, x[j]);
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    x[j] = std::exp(x[j] - max);
    sum += x[j];
  }
  const float scale = 1.0f / sum;
  for (int64_t j = 0; j < n; ++j) x[j] *= scale;
}

void lstm_cell_sigmoid_tanh(float* z, float* c, float* h, int64_t u) {
  switch (isa()) {
    case Isa::kAvx512:
      return lstm_cell_avx512(z, c, h, u);
    case Isa::kAvx2:
      return lstm_cell_avx2(z, c, h, u);
    case Isa::kScalar:
      break;
  }
  for (int64_t j = 0; j < u; ++j) {
    const float i_gate = sigmoid_scalar(z[j]);
    const float f_gate = sigmoid_scalar(z[u + j]);
    const float g_gate = std::tanh(z[2 * u + j]);
    const float o_gate = sigmoid_scalar(z[3 * u + j]);
    c[j] = f_gate * c[j] + i_gate * g_gate;
    h[j] = std::tanh(c[j]) * o_gate;
  }
}

}  // namespace kerasrt::vec
