// Layer normalisation of rows (kernels/normalize.h) against the formula in long double, on
// every row length up to a few vectors (the AVX-512 body works in 8 doubles, the AVX2 one in 4),
// with and without gamma, beta and the mean, in place and not. CI runs this file under each
// instruction set (KERASRT_ISA).
#include "kernels/normalize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace kerasrt {
namespace {

std::vector<double> normalized(const float* x, int64_t n, const RowNormalization& how) {
  long double sum = 0;
  for (int64_t c = 0; c < n; ++c) sum += x[c];
  const long double mean = sum / n;
  long double squares = 0;
  for (int64_t c = 0; c < n; ++c) squares += (x[c] - mean) * (x[c] - mean);
  const long double inv = 1 / std::sqrt(squares / n + how.epsilon);
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t c = 0; c < n; ++c) {
    const long double centered = how.subtract_mean ? x[c] - mean : x[c];
    out[static_cast<size_t>(c)] = static_cast<double>(
        centered * inv * (how.gamma ? how.gamma[c] : 1) + (how.beta ? how.beta[c] : 0));
  }
  return out;
}

TEST(NormalizeRows, MatchesTheFormulaForEveryLengthAndTail) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> values(-4.0f, 6.0f);
  for (int64_t n = 1; n <= 40; ++n) {
    const int64_t rows = 3;
    std::vector<float> x(static_cast<size_t>(rows * n)), gamma(static_cast<size_t>(n)),
        beta(static_cast<size_t>(n));
    for (float& v : x) v = values(rng);
    for (float& v : gamma) v = values(rng);
    for (float& v : beta) v = values(rng);
    for (int variant = 0; variant < 4; ++variant) {
      RowNormalization how;
      how.epsilon = 1e-3f;
      how.subtract_mean = variant != 3;
      how.gamma = variant >= 1 ? gamma.data() : nullptr;
      how.beta = variant >= 2 ? beta.data() : nullptr;
      std::vector<float> out(x.size());
      normalize_rows(x.data(), out.data(), rows, n, how);
      std::vector<float> in_place = x;
      normalize_rows(in_place.data(), in_place.data(), rows, n, how);
      for (int64_t r = 0; r < rows; ++r) {
        const std::vector<double> want = normalized(x.data() + r * n, n, how);
        for (int64_t c = 0; c < n; ++c) {
          const size_t at = static_cast<size_t>(r * n + c);
          const double w = want[static_cast<size_t>(c)];
          // Computed in double, rounded once to float: within an ulp of float.
          EXPECT_NEAR(out[at], w, 1.2e-7 * std::fabs(w) + 1e-12)
              << "n=" << n << " variant=" << variant << " c=" << c;
          EXPECT_EQ(in_place[at], out[at]) << "n=" << n << " variant=" << variant;
        }
      }
    }
  }
}

}  // namespace
}  // namespace kerasrt
