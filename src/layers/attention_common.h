// What the attention layers share beyond kernels/attention.h: the call options the config
// reader put in the config (spec/attention_calls.h), and Keras's masks for sequences.
#pragma once

#include <optional>

#include "kernels/attention.h"
#include "layers/layer.h"

namespace kerasrt {

struct AttentionCall {
  bool has_key = false;             // a key tensor follows the value (else key = value)
  bool has_attention_mask = false;  // MultiHeadAttention: an attention_mask tensor follows
  bool use_causal_mask = false;
  bool return_scores = false;  // a second output: the attention weights
};

AttentionCall attention_call(const LayerConfig& config);

// The [batch, tq, sk] mask Keras derives for sequences (batch, time, ...): the query's mask
// broadcast over key positions AND the value's (and key's) mask broadcast over query positions
// AND, when `causal`, j <= i. Null masks count as all ones. Multiplies into `out` (which the
// caller fills first, e.g. with ones or an attention_mask).
void and_sequence_masks(const float* query_mask, const float* value_mask, const float* key_mask,
                        bool causal, int64_t batch, int64_t tq, int64_t sk, float* out);

// Keras's Attention and AdditiveAttention (BaseDenseAttention in tf.keras 2): scores of query
// (batch, Tq, dim) against key (batch, Tv, dim) (key = value unless given), the value's mask
// and the causal mask as -1e9 logits, softmax, weights . value (batch, Tv, dim_v), then rows of
// masked queries set to 0. Inputs: query, value, [key], then (when any has a Keras mask) their
// masks; output 0 keeps the query's mask, output 1 (return_attention_scores) is the weights.
class DenseAttention : public Layer {
 public:
  // `dot_scale`: scores are dot_scale * query . key; without it, scores() computes them.
  DenseAttention(AttentionCall call, bool causal, std::optional<float> dot_scale)
      : call_(call), causal_(causal), dot_scale_(dot_scale) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override;
  size_t scratch_floats(std::span<const Dims> inputs) const override;
  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override;
  void run(const RunContext& ctx) const override;
  bool consumes_masks() const override { return true; }
  MaskRule output_mask(size_t output) const override {
    return output == 0 ? MaskRule::kKeep : MaskRule::kNone;
  }

 protected:
  // scores [batch, tq, sk] of q [batch, tq, dk] and k [batch, sk, dk], when they are not a
  // scaled dot product.
  virtual void scores(const AttentionDims& /*d*/, const float* /*q*/, const float* /*k*/,
                      float* /*out*/) const {}

 private:
  void attend(const RunContext& ctx, const AttentionProducts& products,
              float* products_scratch) const;
  static AttentionDims dims(std::span<const int64_t> query, std::span<const int64_t> value);
  // The weights (unless they are output 1) and the mask.
  size_t own_scratch_floats(const AttentionDims& d) const;

  AttentionCall call_;
  bool causal_;
  std::optional<float> dot_scale_;
};

// The (query, value[, key]) shapes a DenseAttention factory checks: rank 3, known last axes.
void check_dense_attention_inputs(const BuildContext& ctx, const AttentionCall& call);

}  // namespace kerasrt
