// Dense on oneDNN's matmul primitive: hand-computable cases for what the oracle fixtures do not
// reach: no input features, weights packed for one row count and run with others, and a
// fused activation oneDNN does not run itself. Numerical agreement with Keras is checked by the
// oracle fixtures and the real Keras files.
#include <algorithm>
#include <cmath>

#include "layer_test_util.h"

namespace kerasrt::test {
namespace {

// kernel[i][u] = i + 10 * u over 3 inputs and 2 units; bias (0.5, -100).
std::unique_ptr<Layer> dense(const Json& activation, const Dims& input) {
  return build_layer("Dense", {{"units", 2}, {"activation", activation}}, {input},
                     {{"kernel", {3, 2}, {0, 10, 1, 11, 2, 12}}, {"bias", {2}, {0.5f, -100}}});
}

// Row r of the input is (r, r + 1, r + 2). Every value is a small integer (or half of one), so
// any order of summation gives these exactly.
std::vector<float> expected(int64_t rows, bool relu) {
  std::vector<float> out;
  for (int64_t r = 0; r < rows; ++r) {
    const float x0 = static_cast<float>(r), x1 = x0 + 1, x2 = x0 + 2;
    const float a = x1 + 2 * x2 + 0.5f, b = 10 * x0 + 11 * x1 + 12 * x2 - 100;
    out.push_back(relu ? std::max(a, 0.0f) : a);
    out.push_back(relu ? std::max(b, 0.0f) : b);
  }
  return out;
}

std::vector<float> rows_input(int64_t rows) {
  std::vector<float> in;
  for (int64_t r = 0; r < rows; ++r)
    for (int c = 0; c < 3; ++c) in.push_back(static_cast<float>(r + c));
  return in;
}

TEST(Dense, PackedWeightsServeEveryRowCount) {
  // Packed for batch 1 at load, then run with 1, 5 and 64 rows, and over a rank-3 input.
  const auto layer = dense("relu", {kAnyDim, 3});
  WeightArena arena;
  const auto packed = layer->packed(arena);
  ASSERT_NE(packed, nullptr);
  for (const Layer* l : {static_cast<const Layer*>(layer.get()), packed.get()})
    for (int64_t rows : {1, 5, 64})
      EXPECT_EQ(run_layer(*l, {rows, 3}, rows_input(rows)), expected(rows, true))
          << rows << " rows";
  EXPECT_EQ(run_layer(*packed, {2, 4, 3}, rows_input(8)), expected(8, true));
}

TEST(Dense, WideProductsRunOnPackedWeights) {
  // 64 x 128 packs without padding, so the packed layout is used (narrow ones keep Keras's).
  // Small integers: every order of summation gives the same floats.
  const int64_t k = 64, n = 128, rows = 9;
  std::vector<float> kernel, input;
  for (int64_t i = 0; i < k * n; ++i) kernel.push_back(static_cast<float>((i * 7) % 11 - 5));
  for (int64_t i = 0; i < rows * k; ++i) input.push_back(static_cast<float>((i * 5) % 9 - 4));
  std::vector<float> want(static_cast<size_t>(rows * n), 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t u = 0; u < n; ++u)
      for (int64_t i = 0; i < k; ++i)
        want[static_cast<size_t>(r * n + u)] +=
            input[static_cast<size_t>(r * k + i)] * kernel[static_cast<size_t>(i * n + u)];
  const auto layer = build_layer("Dense", {{"units", n}, {"use_bias", false}}, {{kAnyDim, k}},
                                 {{"kernel", {k, n}, kernel}});
  WeightArena arena;
  const auto packed = layer->packed(arena);
  for (const Layer* l : {static_cast<const Layer*>(layer.get()), packed.get()})
    EXPECT_EQ(run_layer(*l, {rows, k}, input), want);
}

TEST(Dense, ARowsResultDoesNotDependOnTheBatchItIsIn) {
  // The server merges requests into one batch (server/batcher.h) only when a row comes out the
  // same, bit for bit, whatever rows share its call. Without AVX-512, oneDNN's own product does
  // not give that (CI runs this suite again with ONEDNN_MAX_CPU_ISA=AVX2). Values with long
  // mantissas, so that a different order of summation shows; a wide and a narrow layer.
  const int64_t k = 300, rows = 40;
  std::vector<float> input;
  for (int64_t i = 0; i < rows * k; ++i) input.push_back(static_cast<float>((i * 29) % 61) / 7.3f);
  for (const int64_t n : {200, 10}) {
    std::vector<float> kernel;
    for (int64_t i = 0; i < k * n; ++i)
      kernel.push_back(static_cast<float>((i * 37) % 101 - 50) / 97.1f);
    const auto layer = build_layer("Dense", {{"units", n}, {"activation", "relu"}}, {{kAnyDim, k}},
                                   {{"kernel", {k, n}, kernel}, {"bias", {n}, kernel}});
    WeightArena arena;
    const auto packed = layer->packed(arena);
    const std::vector<float> all = run_layer(*packed, {rows, k}, input);
    // From 2 rows: oneDNN's AVX-512 product of one row sums in another order (the server
    // predicts a lone row as two, BatchMode::kPadSingle).
    for (int64_t b = 2; b < rows; ++b) {
      const std::vector<float> some(input.begin(), input.begin() + b * k);
      const std::vector<float> out = run_layer(*packed, {b, k}, some);
      EXPECT_TRUE(std::equal(out.begin(), out.end(), all.begin()))
          << n << " units, " << b << " rows";
    }
  }
}

TEST(Dense, ActivationOneDnnDoesNotRunIsAppliedAfter) {
  const auto layer = dense("sigmoid", {kAnyDim, 3});
  const std::vector<float> linear = expected(4, false);
  WeightArena arena;
  const std::vector<float> out = run_layer(*layer->packed(arena), {4, 3}, rows_input(4));
  ASSERT_EQ(out.size(), linear.size());
  for (size_t i = 0; i < out.size(); ++i)
    EXPECT_NEAR(out[i], 1.0f / (1.0f + std::exp(-linear[i])), 1e-6f) << i;
}

TEST(Dense, NoInputFeaturesGiveTheActivatedBias) {
  // oneDNN takes no product over zero features: the layer writes activation(bias) itself.
  const auto layer = build_layer("Dense", {{"units", 2}, {"activation", "relu"}}, {{kAnyDim, 0}},
                                 {{"kernel", {0, 2}, {}}, {"bias", {2}, {0.5f, -3}}});
  WeightArena arena;
  const auto packed = layer->packed(arena);
  for (const Layer* l : {static_cast<const Layer*>(layer.get()), packed.get()})
    EXPECT_EQ(run_layer(*l, {3, 0}, {}), (std::vector<float>{0.5f, 0, 0.5f, 0, 0.5f, 0}));
}

}  // namespace
}  // namespace kerasrt::test
