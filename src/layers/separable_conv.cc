// SeparableConv1D, SeparableConv2D: a depthwise convolution (depthwise_kernel (kernel...,
// channels, depth_multiplier), strides, padding and dilation apply here) followed by a
// pointwise (1x1) convolution to `filters` (pointwise_kernel (1..., channels * multiplier,
// filters)); plus bias, then the activation. Two oneDNN convolutions (kernels/onednn.h), the
// intermediate in scratch; a following BatchNormalization, Add and ReLU-family activation can
// be fused into the pointwise one at load.
#include <algorithm>

#include "kernels/activation.h"
#include "kernels/onednn.h"
#include "layers/conv_common.h"
#include "layers/fused.h"

namespace kerasrt {
namespace {

struct SeparablePrepared final : Prepared {
  std::shared_ptr<const Prepared> depthwise, pointwise;
  int64_t middle_floats = 0;  // the depthwise result, at the start of the scratch
};

class SeparableConv final : public Layer {
 public:
  SeparableConv(WindowSpec spec, ConvKernel depthwise, ConvKernel pointwise, Activation after,
                Dims typical_input)
      : spec_(spec),
        depthwise_(std::move(depthwise)),
        pointwise_(std::move(pointwise)),
        after_(after),
        typical_input_(std::move(typical_input)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    check_channels(spec_.layout, in, depthwise_.config().in_channels);
    Dims out = spec_.layout.with_spatial(in, spec_.output_size(spec_.layout.spatial(in)),
                                         pointwise_.config().filters);
    if (pointwise_.post().sum) check_addend(inputs, out);
    return {out};
  }

  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    const Window window = spec_.window(spec_.layout.volume(inputs[0]));
    auto state = std::make_shared<SeparablePrepared>();
    state->depthwise = depthwise_.prepare(window);
    state->pointwise = pointwise_.prepare(pointwise_window(window));
    state->middle_floats =
        aligned_floats(window.in.batch * window.out_positions() * depthwise_.config().filters);
    state->scratch_floats =
        static_cast<size_t>(state->middle_floats) +
        std::max(state->depthwise->scratch_floats, state->pointwise->scratch_floats);
    return state;
  }

  int inplace_input() const override { return pointwise_.post().sum ? 1 : -1; }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    const Window window = spec_.window(spec_.layout.volume(ctx.inputs[0].shape));
    if (pointwise_.post().sum) load_addend(ctx);
    with_prepared(*this, ctx, [&](const Prepared& prepared, float* scratch) {
      const auto& state = static_cast<const SeparablePrepared&>(prepared);
      float* middle = scratch;
      float* rest = scratch + state.middle_floats;
      depthwise_.run(*state.depthwise, window, ctx.inputs[0].data, middle, rest);
      pointwise_.run(*state.pointwise, pointwise_window(window), middle, out.data, rest);
    });
    apply_activation(after_, out.data, out.shape);
  }

  std::shared_ptr<const Layer> fuse(const FusibleOp& op) const override {
    const bool on_channels = op.rank == static_cast<size_t>(spec_.layout.rank()) + 2 &&
                             static_cast<size_t>(op.axis) == spec_.layout.channel_axis();
    auto fused = kernel_fusing(pointwise_, after_, op, on_channels, pointwise_.config().filters);
    return fused ? with(depthwise_, std::move(*fused)) : nullptr;
  }

  std::shared_ptr<const Layer> fuse_add() const override {
    auto fused = kernel_adding(pointwise_, after_);
    return fused ? with(depthwise_, std::move(*fused)) : nullptr;
  }

  size_t packed_floats() const override {
    return depthwise_.weight_count() + pointwise_.weight_count();
  }

  std::shared_ptr<const Layer> packed(WeightArena& arena) const override {
    if (pointwise_.packed() || !is_known(typical_input_)) return nullptr;
    const Window window = spec_.window(spec_.layout.volume(typical_input_));
    return with(depthwise_.packed_for(window, &arena),
                pointwise_.packed_for(pointwise_window(window), &arena));
  }

 private:
  // The 1x1 window over the depthwise result.
  Window pointwise_window(const Window& window) const {
    const Volume middle{window.in.batch, window.out, depthwise_.config().filters};
    return make_window(middle, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, Padding::kValid);
  }

  std::shared_ptr<const Layer> with(ConvKernel depthwise, ConvKernel pointwise) const {
    return std::make_shared<SeparableConv>(spec_, std::move(depthwise), std::move(pointwise),
                                           after_, typical_input_);
  }

  WindowSpec spec_;
  ConvKernel depthwise_, pointwise_;
  Activation after_;  // an activation the kernels cannot apply themselves (softmax over an axis)
  Dims typical_input_;
};

std::unique_ptr<Layer> make_separable_conv(const BuildContext& ctx, int rank) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  refuse_keras1_config(config);
  if (config.get_int("groups", 1) != 1)
    throw Error("config 'groups' must be 1 for a separable convolution");
  const WindowSpec spec = conv_window_config(config, rank, /*allow_causal=*/rank == 1);
  const int64_t in_channels = known_channels(spec.layout, ctx.input_shapes[0]);
  const int64_t multiplier = config.get_int("depth_multiplier", 1);
  const int64_t filters = config.get_int("filters");
  if (multiplier <= 0)
    throw Error("depth_multiplier must be positive, got " + std::to_string(multiplier));
  if (filters <= 0) throw Error("filters must be positive, got " + std::to_string(filters));
  const Activation act =
      parse_activation(config.json().value("activation", Json()), ctx.keras_major);

  Dims depthwise_shape = spec.kernel_dims();
  depthwise_shape.push_back(in_channels);
  depthwise_shape.push_back(multiplier);
  Dims pointwise_shape(static_cast<size_t>(rank), 1);
  pointwise_shape.push_back(in_channels * multiplier);
  pointwise_shape.push_back(filters);
  auto depthwise = ctx.weights.take("depthwise_kernel", depthwise_shape);
  auto pointwise = ctx.weights.take("pointwise_kernel", pointwise_shape);
  std::vector<float> bias;
  if (config.get_bool("use_bias", true)) bias = ctx.weights.take("bias", {filters});
  const bool channels_first = spec.layout.channels_first();
  ConvKernel depthwise_kernel(
      {rank, channels_first, in_channels, in_channels * multiplier, in_channels, spec.kernel},
      std::move(depthwise), {});
  ConvKernel pointwise_kernel(
      {rank, channels_first, in_channels * multiplier, filters, 1, {1, 1, 1}}, std::move(pointwise),
      std::move(bias));
  PostOps post;
  if (act.is_pointwise()) post.activation = act;
  return std::make_unique<SeparableConv>(
      spec, std::move(depthwise_kernel), pointwise_kernel.with_post(post),
      act.is_pointwise() ? Activation{} : act, typical_input(ctx.input_shapes[0]));
}

}  // namespace

std::unique_ptr<Layer> make_separable_conv1d(const BuildContext& ctx) {
  return make_separable_conv(ctx, 1);
}
std::unique_ptr<Layer> make_separable_conv2d(const BuildContext& ctx) {
  return make_separable_conv(ctx, 2);
}

}  // namespace kerasrt
