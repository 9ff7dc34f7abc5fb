// AdditiveAttention (Bahdanau-style, keras/src/layers/attention/additive_attention.py;
// tf.keras 2's is the same): scores = sum(scale * tanh(query + key)) over the features, with
// `scale` a (dim,) weight when use_scale (else 1). Masks, causal mask and outputs: see
// DenseAttention (attention_common.h).
#include "layers/attention_common.h"

namespace kerasrt {
namespace {

class AdditiveAttention final : public DenseAttention {
 public:
  AdditiveAttention(AttentionCall call, bool causal, std::vector<float> scale)
      : DenseAttention(call, causal, std::nullopt), scale_(std::move(scale)) {}

 protected:
  void scores(const AttentionDims& d, const float* q, const float* k, float* out) const override {
    additive_scores(d, 1.0f, scale_.empty() ? nullptr : scale_.data(), 1.0f, q, k, out);
  }

 private:
  std::vector<float> scale_;
};

}  // namespace

std::unique_ptr<Layer> make_additive_attention(const BuildContext& ctx) {
  const AttentionCall call = attention_call(ctx.config);
  check_dense_attention_inputs(ctx, call);
  std::vector<float> scale;
  if (ctx.config.get_bool("use_scale", true))
    scale = ctx.weights.take("scale", {ctx.input_shapes[0].back()});
  const bool causal = call.use_causal_mask || ctx.config.get_bool("causal", false);
  return std::make_unique<AdditiveAttention>(call, causal, std::move(scale));
}

}  // namespace kerasrt
