#include "layers/attention_common.h"

#include <algorithm>

namespace kerasrt {

AttentionCall attention_call(const LayerConfig& config) {
  AttentionCall call;
  const Json& options = config.json().value("kerasrt_call", Json::object());
  if (!options.is_object()) return call;
  const auto flag = [&](const char* key) {
    auto it = options.find(key);
    return it != options.end() && it->is_boolean() && it->get<bool>();
  };
  call.has_key = flag("has_key");
  call.has_attention_mask = flag("has_attention_mask");
  call.use_causal_mask = flag("use_causal_mask");
  call.return_scores = flag("return_attention_scores");
  return call;
}

void and_sequence_masks(const float* query_mask, const float* value_mask, const float* key_mask,
                        bool causal, int64_t batch, int64_t tq, int64_t sk, float* out) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < tq; ++i) {
      float* row = out + (b * tq + i) * sk;
      const bool query_off = query_mask && query_mask[b * tq + i] == 0.0f;
      for (int64_t j = 0; j < sk; ++j) {
        const bool off = query_off || (value_mask && value_mask[b * sk + j] == 0.0f) ||
                         (key_mask && key_mask[b * sk + j] == 0.0f) || (causal && j > i);
        if (off) row[j] = 0.0f;
      }
    }
}

std::vector<Dims> DenseAttention::output_shapes(std::span<const Dims> inputs) const {
  const size_t n = call_.has_key ? 3 : 2;
  if (inputs.size() != n && inputs.size() != 2 * n)
    throw Error("expects " + std::to_string(n) + " inputs, got " + std::to_string(inputs.size()));
  const Dims &q = inputs[0], &v = inputs[1], &k = call_.has_key ? inputs[2] : inputs[1];
  const auto same = [](int64_t a, int64_t b) { return a == kAnyDim || b == kAnyDim || a == b; };
  if (q.size() != 3 || v.size() != 3 || k.size() != 3 || !same(q[0], v[0]) || !same(q[0], k[0]) ||
      !same(v[1], k[1]) || !same(q[2], k[2]))
    throw Error(
        "expects query (batch, Tq, dim), value (batch, Tv, dim_v) and key (batch, Tv, "
        "dim), got " +
        to_string(q) + ", " + to_string(v) + ", " + to_string(k));
  std::vector<Dims> out{{q[0], q[1], v[2]}};
  if (call_.return_scores) out.push_back({q[0], q[1], v[1]});
  return out;
}

AttentionDims DenseAttention::dims(std::span<const int64_t> query, std::span<const int64_t> value) {
  AttentionDims d;
  d.outer = query[0];
  d.tq = query[1];
  d.sk = value[1];
  d.dk = query[2];
  d.dv = value[2];
  return d;
}

size_t DenseAttention::own_scratch_floats(const AttentionDims& d) const {
  const auto weights = static_cast<size_t>(d.outer * d.tq * d.sk);
  return (call_.return_scores ? 0 : weights) + weights;
}

size_t DenseAttention::scratch_floats(std::span<const Dims> inputs) const {
  return own_scratch_floats(dims(inputs[0], inputs[1]));
}

std::shared_ptr<const Prepared> DenseAttention::prepare(std::span<const Dims> inputs) const {
  return prepare_attention(dims(inputs[0], inputs[1]), dot_scale_.has_value(),
                           dot_scale_.value_or(1.0f));
}

void DenseAttention::run(const RunContext& ctx) const {
  with_prepared(*this, ctx, own_scratch_floats(dims(ctx.inputs[0].shape, ctx.inputs[1].shape)),
                [&](const Prepared& prepared, float* products_scratch) {
                  attend(ctx, static_cast<const AttentionProducts&>(prepared), products_scratch);
                });
}

void DenseAttention::attend(const RunContext& ctx, const AttentionProducts& products,
                            float* products_scratch) const {
  const size_t n = call_.has_key ? 3 : 2;
  const ConstTensor &q = ctx.inputs[0], &v = ctx.inputs[1], &k = ctx.inputs[n - 1];
  const AttentionDims d = dims(q.shape, v.shape);
  const int64_t count = d.outer * d.tq * d.sk;
  float* scratch = ctx.scratch;
  float* weights = call_.return_scores ? ctx.outputs[1].data : scratch;
  if (!call_.return_scores) scratch += count;
  if (dot_scale_)
    dot_scores(products, q.data, k.data, weights, products_scratch);
  else
    scores(d, q.data, k.data, weights);

  const bool with_masks = ctx.inputs.size() == 2 * n;
  const float* query_mask = with_masks ? ctx.inputs[n].data : nullptr;
  float* mask = nullptr;
  if (with_masks || causal_) {
    mask = scratch;
    std::fill(mask, mask + count, 1.0f);
    // Keras applies only the value's mask to the scores (never the key's), the query's to the
    // result.
    and_sequence_masks(nullptr, with_masks ? ctx.inputs[n + 1].data : nullptr, nullptr, causal_,
                       d.outer, d.tq, d.sk, mask);
  }
  masked_softmax_rows(weights, d.outer * d.tq, d.sk, mask, false);
  float* out = ctx.outputs[0].data;
  weighted_values(products, weights, v.data, out, products_scratch);
  if (query_mask)
    for (int64_t r = 0; r < d.outer * d.tq; ++r)
      if (query_mask[r] == 0.0f) std::fill(out + r * d.dv, out + (r + 1) * d.dv, 0.0f);
}

void check_dense_attention_inputs(const BuildContext& ctx, const AttentionCall& call) {
  expect_inputs(ctx, call.has_key ? 3 : 2);
  for (const Dims& shape : ctx.input_shapes)
    if (shape.size() != 3 || shape.back() == kAnyDim)
      throw Error("expects inputs (batch, time, features) with known features, got " +
                  to_string(shape));
}

}  // namespace kerasrt
