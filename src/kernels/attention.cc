#include "kernels/attention.h"

#include <algorithm>
#include <cmath>

#include "kernels/gemm.h"

namespace kerasrt {

void dot_scores(const AttentionDims& d, float scale, const float* q, const float* k,
                float* scores) {
  if (d.tq == 0 || d.sk == 0) return;
  for (int64_t o = 0; o < d.outer; ++o)
    for (int64_t h = 0; h < d.heads; ++h) {
      const float* qs = q + (o * d.tq * d.heads + h) * d.dk;
      const float* ks = k + (o * d.sk * d.heads + h) * d.dk;
      float* out = scores + (o * d.heads + h) * d.tq * d.sk;
      sgemm(false, true, d.tq, d.sk, d.dk, scale, qs, d.heads * d.dk, ks, d.heads * d.dk, 0.0f, out,
            d.sk);
    }
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
    const float* keep = mask ? mask + r * cols : nullptr;
    float max = -INFINITY;
    for (int64_t j = 0; j < cols; ++j)
      if (!keep || keep[j] != 0.0f) max = std::max(max, row[j]);
    if (max == -INFINITY) {  // every position masked (or no positions)
      std::fill(row, row + cols, zero_masked_rows ? 0.0f : 1.0f / static_cast<float>(cols));
      continue;
    }
    float sum = 0.0f;
    for (int64_t j = 0; j < cols; ++j) {
      row[j] = keep && keep[j] == 0.0f ? 0.0f : std::exp(row[j] - max);
      sum += row[j];
    }
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < cols; ++j) row[j] *= inv;
  }
}

void weighted_values(const AttentionDims& d, const float* probs, const float* v, float* out) {
  if (d.tq == 0 || d.dv == 0) return;
  for (int64_t o = 0; o < d.outer; ++o)
    for (int64_t h = 0; h < d.heads; ++h) {
      const float* p = probs + (o * d.heads + h) * d.tq * d.sk;
      const float* vs = v + (o * d.sk * d.heads + h) * d.dv;
      float* os = out + (o * d.tq * d.heads + h) * d.dv;
      if (d.sk == 0) {
        for (int64_t i = 0; i < d.tq; ++i)
          std::fill(os + i * d.heads * d.dv, os + i * d.heads * d.dv + d.dv, 0.0f);
        continue;
      }
      sgemm(false, false, d.tq, d.dv, d.sk, 1.0f, p, d.sk, vs, d.heads * d.dv, 0.0f, os,
            d.heads * d.dv);
    }
}

}  // namespace kerasrt
