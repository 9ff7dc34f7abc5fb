// The vectorised softmax (kernels/vecmath.h) against the formula evaluated in double, on every
// row length up to a few vectors (the AVX-512 and AVX2 bodies each have a tail), with masked
// (-inf) and non-finite values. CI runs this file under each instruction set (KERASRT_ISA).
#include "kernels/vecmath.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace kerasrt {
namespace {

// x - max rounded to float, as Keras computes it in float32 (that rounding alone moves a weight
// by up to 2e-6 for logits of size 30); then exp, the sum and the division in double.
std::vector<double> softmax_in_double(const std::vector<float>& x) {
  float max = -std::numeric_limits<float>::infinity();
  for (float v : x) max = std::max(max, v);
  std::vector<double> out(x.size());
  double sum = 0.0;
  for (size_t i = 0; i < x.size(); ++i) sum += out[i] = std::exp(static_cast<double>(x[i] - max));
  for (double& v : out) v /= sum;
  return out;
}

TEST(VecSoftmax, MatchesTheFormulaInDoubleForEveryLengthAndTail) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> logits(-30.0f, 30.0f);
  for (int64_t n = 1; n <= 70; ++n) {
    std::vector<float> x(static_cast<size_t>(n));
    for (float& v : x) v = logits(rng);
    if (n > 2) x[1] = -std::numeric_limits<float>::infinity();  // a masked position
    const std::vector<double> want = softmax_in_double(x);
    vec::softmax(x.data(), n);
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double w = want[static_cast<size_t>(i)];
      // float32 exp within 2 ulp, a float sum and one scaling: a few ulp of each weight.
      EXPECT_NEAR(x[static_cast<size_t>(i)], w, 1e-6 * w + 1e-38) << "n=" << n << " i=" << i;
      total += x[static_cast<size_t>(i)];
    }
    EXPECT_NEAR(total, 1.0, 1e-5) << "n=" << n;
    if (n > 2) {
      EXPECT_EQ(x[1], 0.0f) << "a masked position weighs exactly zero, n=" << n;
    }
  }
}

TEST(VecSoftmax, ANaNOrPlusInfinityMakesTheRowNaNAsInKeras) {
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    for (int64_t n : {1, 5, 16, 19, 40}) {
      std::vector<float> x(static_cast<size_t>(n), 0.5f);
      x[static_cast<size_t>(n - 1)] = bad;
      vec::softmax(x.data(), n);
      for (float v : x) EXPECT_TRUE(std::isnan(v)) << "n=" << n;
    }
  }
}

TEST(VecSoftmax, EqualLogitsGiveEqualWeightsAndAnEmptyRowIsLeftAlone) {
  std::vector<float> x(23, 3.25f);
  vec::softmax(x.data(), 23);
  for (float v : x) EXPECT_FLOAT_EQ(v, 1.0f / 23.0f);
  vec::softmax(nullptr, 0);
}

}  // namespace
}  // namespace kerasrt
