// LayerScale (keras.applications.convnext, a layer Keras ships though not in keras.layers):
// x * gamma, one learned gamma per element of the last axis, which must be `projection_dim`
// long. `init_values` only initialises gamma for training, so inference ignores it. tf.keras 2
// names the weight `gamma` (add_weight) or, before that change, `Variable` (a bare tf.Variable);
// weights are taken in order, so both load.
#include "kernels/normalize.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

class LayerScale final : public Layer {
 public:
  LayerScale(size_t rank, std::vector<float> gamma)
      : rank_(rank), gamma_(std::move(gamma)), zeros_(gamma_.size(), 0.0f) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    const int64_t dim = static_cast<int64_t>(gamma_.size());
    if (in.size() != rank_ || (in.back() != kAnyDim && in.back() != dim))
      throw Error("expects an input of rank " + std::to_string(rank_) + " whose last axis is " +
                  std::to_string(dim) + " long (projection_dim), got " + to_string(in));
    return {in};
  }

  // A per-channel scale on the last axis: a Dense or convolution before it folds gamma into its
  // kernel and bias (graph/optimize.cc), as ConvNeXt's pointwise_conv_2 -> layer_scale allows.
  FusibleOp fusible() const override {
    FusibleOp op;
    op.kind = FusibleOp::Kind::kChannelAffine;
    op.axis = static_cast<int>(rank_) - 1;
    op.rank = rank_;
    op.scale = gamma_;
    op.shift = zeros_;
    return op;
  }

  int inplace_input() const override { return 0; }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const int64_t channels = static_cast<int64_t>(gamma_.size());
    channel_affine(in.data, ctx.outputs[0].data, in.size() / channels, channels, 1, gamma_.data(),
                   zeros_.data());
  }

 private:
  size_t rank_;
  std::vector<float> gamma_, zeros_;
};

}  // namespace

std::unique_ptr<Layer> make_layer_scale(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  const Dims& in = ctx.input_shapes[0];
  if (!config.json().contains("projection_dim")) throw Error("config has no 'projection_dim'");
  const int64_t dim = config.get_int("projection_dim");
  if (dim <= 0) throw Error("config 'projection_dim' must be positive, got " + std::to_string(dim));
  if (config.has("init_values") && !config.json().at("init_values").is_number())
    throw Error("config 'init_values' must be a number, got " +
                config.json().at("init_values").dump());
  if (in.size() < 2) throw Error("needs an input of rank >= 2, got " + to_string(in));
  if (in.back() != kAnyDim && in.back() != dim)
    throw Error("config 'projection_dim' is " + std::to_string(dim) +
                " but the input's last axis is " + std::to_string(in.back()) + " long");
  std::vector<float> gamma = ctx.weights.take("gamma", {dim});
  auto layer = std::make_unique<LayerScale>(in.size(), std::move(gamma));
  layer->output_shapes(ctx.input_shapes);
  return layer;
}

}  // namespace kerasrt
