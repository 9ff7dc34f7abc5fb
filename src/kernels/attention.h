// Attention math shared by MultiHeadAttention, Attention and AdditiveAttention: score
// products, a masked softmax, and the weighted sum of values. Tensors are row-major and viewed
// as [outer, positions, heads, depth]: the layout of a projected (batch, time, heads, depth)
// tensor, so heads are read in place by strided batched products and never transposed.
#pragma once

#include <cstdint>
#include <memory>

#include "layers/layer.h"

namespace kerasrt {

struct AttentionDims {
  int64_t outer = 1;  // independent groups (batch, and any axis attention does not cover)
  int64_t heads = 1;
  int64_t tq = 1, sk = 1;  // query and key positions
  int64_t dk = 1, dv = 1;  // query/key and value depth per head
};

// The matrix products of attention for one geometry, made once per shape (Layer::prepare): the
// dot-product scores (when asked for) and the weighted sum of values. Its scratch_floats is
// what either product needs.
struct AttentionProducts final : Prepared {
  std::shared_ptr<const Prepared> scores, values;
};
std::shared_ptr<const AttentionProducts> prepare_attention(const AttentionDims& d,
                                                           bool dot_product_scores,
                                                           float scale = 1.0f);

// scores[o, h, i, j] = scale * sum_c q[o, i, h, c] * k[o, j, h, c]
// (q: [outer, tq, heads, dk], k: [outer, sk, heads, dk], scores: [outer, heads, tq, sk]), with
// the scale `products` were prepared with.
void dot_scores(const AttentionProducts& products, const float* q, const float* k, float* scores,
                float* scratch);

// scores[b, i, j] = weight * sum_c scale[c] * tanh(inner * (q[b, i, c] + k[b, j, c])) (scale
// null: all 1), for q: [outer, tq, dk], k: [outer, sk, dk], scores: [outer, tq, sk] (heads and
// dv unused).
void additive_scores(const AttentionDims& d, float weight, const float* scale, float inner,
                     const float* q, const float* k, float* scores);

// Softmax of each of `rows` rows of `cols` values, in place. mask (same layout, or null): 0
// marks a position that gets no weight, as Keras's large negative logit gives it. A row masked
// everywhere becomes uniform (what adding -1e9 to every logit gives in float32) or, when
// `zero_masked_rows`, all zero (Keras 3.10+ Softmax multiplies by the mask).
void masked_softmax_rows(float* data, int64_t rows, int64_t cols, const float* mask,
                         bool zero_masked_rows);

// out[o, i, h, c] = sum_j probs[o, h, i, j] * v[o, j, h, c]
// (probs: [outer, heads, tq, sk], v: [outer, sk, heads, dv], out: [outer, tq, heads, dv]).
void weighted_values(const AttentionProducts& products, const float* probs, const float* v,
                     float* out, float* scratch);

}  // namespace kerasrt
