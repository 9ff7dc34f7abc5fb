// Attention (Luong-style, keras/src/layers/attention/attention.py; tf.keras 2's is the same):
// score_mode "dot" scores = scale * query . key; "concat" scores = concat_score_weight *
// sum(tanh(scale * (query + key))). `scale` and `concat_score_weight` are scalar weights (1
// when absent). Masks, causal mask and outputs: see DenseAttention (attention_common.h).
#include "layers/attention_common.h"

namespace kerasrt {
namespace {

class Attention final : public DenseAttention {
 public:
  Attention(AttentionCall call, bool causal, bool concat, float scale, float weight)
      : DenseAttention(call, causal, concat ? std::nullopt : std::optional<float>(scale)),
        scale_(scale),
        weight_(weight) {}

 protected:
  void scores(const AttentionDims& d, const float* q, const float* k, float* out) const override {
    additive_scores(d, weight_, nullptr, scale_, q, k, out);  // score_mode "concat"
  }

 private:
  float scale_, weight_;
};

}  // namespace

std::unique_ptr<Layer> make_attention(const BuildContext& ctx) {
  const AttentionCall call = attention_call(ctx.config);
  check_dense_attention_inputs(ctx, call);
  const bool concat = ctx.config.get_choice("score_mode", {"dot", "concat"}, "dot") == "concat";
  float scale = 1.0f, weight = 1.0f;
  if (ctx.config.get_bool("use_scale", false)) scale = ctx.weights.take("scale", {})[0];
  if (concat) weight = ctx.weights.take("concat_score_weight", {})[0];
  // tf.keras 2.4-2.9 configured causality on the layer; later versions per call.
  const bool causal = call.use_causal_mask || ctx.config.get_bool("causal", false);
  return std::make_unique<Attention>(call, causal, concat, scale, weight);
}

}  // namespace kerasrt
