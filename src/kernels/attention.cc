#include "kernels/attention.h"

#include <algorithm>
#include <cmath>

#include "kernels/onednn.h"
#include "kernels/vecmath.h"

namespace kerasrt {

std::shared_ptr<const AttentionProducts> prepare_attention(const AttentionDims& d,
                                                           bool dot_product_scores, float scale) {
  // Per (outer, head): a head's rows are `heads * depth` floats apart in q, k, v and the result.
  const int64_t qk_row = d.heads * d.dk, v_row = d.heads * d.dv;
  auto products = std::make_shared<AttentionProducts>();
  if (dot_product_scores)
    products->scores = prepare_batched_matmul(
        {{d.outer, d.heads, d.tq, d.dk}, {d.tq * qk_row, d.dk, qk_row, 1}},
        {{d.outer, d.heads, d.dk, d.sk}, {d.sk * qk_row, d.dk, 1, qk_row}},
        {{d.outer, d.heads, d.tq, d.sk}, {d.heads * d.tq * d.sk, d.tq * d.sk, d.sk, 1}}, scale);
  products->values = prepare_batched_matmul(
      {{d.outer, d.heads, d.tq, d.sk}, {d.heads * d.tq * d.sk, d.tq * d.sk, d.sk, 1}},
      {{d.outer, d.heads, d.sk, d.dv}, {d.sk * v_row, d.dv, v_row, 1}},
      {{d.outer, d.heads, d.tq, d.dv}, {d.tq * v_row, d.dv, v_row, 1}}, 1.0f);
  for (const auto& p : {products->scores, products->values})
    if (p) products->scratch_floats = std::max(products->scratch_floats, p->scratch_floats);
  return products;
}

void dot_scores(const AttentionProducts& products, const float* q, const float* k, float* scores,
                float* scratch) {
  run_batched_matmul(*products.scores, q, k, scores, scratch);
}

void additive_scores(const AttentionDims& d, float weight, const float* scale, float inner,
                     const float* q, const float* k, float* scores) {
  for (int64_t o = 0; o < d.outer; ++o)
    for (int64_t i = 0; i < d.tq; ++i) {
      const float* qi = q + (o * d.tq + i) * d.dk;
      float* row = scores + (o * d.tq + i) * d.sk;
      for (int64_t j = 0; j < d.sk; ++j) {
        const float* kj = k + (o * d.sk + j) * d.dk;
        float sum = 0.0f;
        for (int64_t c = 0; c < d.dk; ++c)
          sum += (scale ? scale[c] : 1.0f) * std::tanh(inner * (qi[c] + kj[c]));
        row[j] = weight * sum;
      }
    }
}

void masked_softmax_rows(float* data, int64_t rows, int64_t cols, const float* mask,
                         bool zero_masked_rows) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = data + r * cols;
    if (!mask) {  // Keras's plain softmax (all NaN for a row of -inf scores)
      vec::softmax(row, cols);
      continue;
    }
    const float* keep = mask + r * cols;
    float max = -INFINITY;
    for (int64_t j = 0; j < cols; ++j)
      if (keep[j] != 0.0f) max = std::max(max, row[j]);
    if (max == -INFINITY) {  // every position masked (or no positions)
      std::fill(row, row + cols, zero_masked_rows ? 0.0f : 1.0f / static_cast<float>(cols));
      continue;
    }
    // A masked position's weight is exactly zero: exp(-inf - max).
    for (int64_t j = 0; j < cols; ++j)
      if (keep[j] == 0.0f) row[j] = -INFINITY;
    vec::softmax(row, cols);
  }
}

void weighted_values(const AttentionProducts& products, const float* probs, const float* v,
                     float* out, float* scratch) {
  run_batched_matmul(*products.values, probs, v, out, scratch);
}

}  // namespace kerasrt
