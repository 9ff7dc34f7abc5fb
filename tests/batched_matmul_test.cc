// The strided batched matrix product that attention and Dot run on (kernels/onednn.h), on
// hand-computable cases the oracle fixtures do not isolate: heads read in place from a
// [batch, positions, heads, depth] tensor, a transposed operand, a scale, and an empty sum.
// Agreement with Keras is checked through the layers by the oracle fixtures.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/onednn.h"

namespace kerasrt::test {
namespace {

// Runs the product with scratch of the size the prepared state asks for.
std::vector<float> multiply(const StridedMatrices& a, const std::vector<float>& a_values,
                            const StridedMatrices& b, const std::vector<float>& b_values,
                            const StridedMatrices& out, size_t out_size, float scale) {
  const std::shared_ptr<const Prepared> prepared = prepare_batched_matmul(a, b, out, scale);
  std::vector<float> scratch(prepared->scratch_floats + 16);
  std::vector<float> result(out_size, -1.0f);
  run_batched_matmul(*prepared, a_values.data(), b_values.data(), result.data(), scratch.data());
  return result;
}

// Small integers: every order of summation gives the exact same float.
std::vector<float> integers(size_t count, int modulo) {
  std::vector<float> values(count);
  for (size_t i = 0; i < count; ++i) values[i] = static_cast<float>(static_cast<int>(i) % modulo);
  return values;
}

TEST(BatchedMatmul, ReadsHeadsInPlaceAndTransposesTheSecondOperand) {
  // q, k: [outer, positions, heads, depth]; scores[o, h, i, j] = 0.5 * sum_c q[o, i, h, c] *
  // k[o, j, h, c], as attention computes them.
  const int64_t outer = 2, heads = 3, tq = 4, sk = 5, depth = 6, row = heads * depth;
  const std::vector<float> q = integers(outer * tq * row, 7), k = integers(outer * sk * row, 5);
  const std::vector<float> scores =
      multiply({{outer, heads, tq, depth}, {tq * row, depth, row, 1}}, q,
               {{outer, heads, depth, sk}, {sk * row, depth, 1, row}}, k,
               {{outer, heads, tq, sk}, {heads * tq * sk, tq * sk, sk, 1}},
               static_cast<size_t>(outer * heads * tq * sk), 0.5f);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < tq; ++i)
        for (int64_t j = 0; j < sk; ++j) {
          float sum = 0.0f;
          for (int64_t c = 0; c < depth; ++c)
            sum += q[((o * tq + i) * heads + h) * depth + c] *
                   k[((o * sk + j) * heads + h) * depth + c];
          EXPECT_EQ(scores[((o * heads + h) * tq + i) * sk + j], 0.5f * sum)
              << "o " << o << " h " << h << " i " << i << " j " << j;
        }
}

TEST(BatchedMatmul, WritesIntoStridedOutput) {
  // out[o, i, h, c] = sum_j p[o, h, i, j] * v[o, j, h, c]: the weighted sum of values, written
  // back in the [outer, positions, heads, depth] layout.
  const int64_t outer = 2, heads = 2, tq = 3, sk = 4, depth = 5, row = heads * depth;
  const std::vector<float> p = integers(outer * heads * tq * sk, 3),
                           v = integers(outer * sk * row, 11);
  const std::vector<float> out =
      multiply({{outer, heads, tq, sk}, {heads * tq * sk, tq * sk, sk, 1}}, p,
               {{outer, heads, sk, depth}, {sk * row, depth, row, 1}}, v,
               {{outer, heads, tq, depth}, {tq * row, depth, row, 1}},
               static_cast<size_t>(outer * tq * row), 1.0f);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < tq; ++i)
        for (int64_t c = 0; c < depth; ++c) {
          float sum = 0.0f;
          for (int64_t j = 0; j < sk; ++j)
            sum +=
                p[((o * heads + h) * tq + i) * sk + j] * v[((o * sk + j) * heads + h) * depth + c];
          EXPECT_EQ(out[((o * tq + i) * heads + h) * depth + c], sum);
        }
}

TEST(BatchedMatmul, AnEmptySumIsZero) {
  // Attention over zero key positions: the weighted sum of no values.
  const std::vector<float> none;
  const std::vector<float> out = multiply({{2, 3, 0}, {0, 0, 1}}, none, {{2, 0, 4}, {0, 4, 1}},
                                          none, {{2, 3, 4}, {12, 4, 1}}, 24, 1.0f);
  EXPECT_EQ(out, std::vector<float>(24, 0.0f));
}

}  // namespace
}  // namespace kerasrt::test
