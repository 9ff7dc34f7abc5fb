// DepthwiseConv1D, DepthwiseConv2D: each input channel c is convolved with its own
// `depth_multiplier` kernels depthwise_kernel[..., c, m], giving output channel
// c * depth_multiplier + m; plus bias, then the activation.
#include "kernels/activation.h"
#include "kernels/conv.h"
#include "layers/conv_common.h"

namespace kerasrt {
namespace {

class DepthwiseConv final : public Layer {
 public:
  DepthwiseConv(WindowSpec spec, int64_t in_channels, int64_t multiplier, std::vector<float> kernel,
                std::vector<float> bias, Activation act)
      : spec_(spec),
        in_channels_(in_channels),
        multiplier_(multiplier),
        kernel_(std::move(kernel)),
        bias_(std::move(bias)),
        act_(act) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    check_channels(spec_.layout, in, in_channels_);
    return {spec_.layout.with_spatial(in, spec_.output_size(spec_.layout.spatial(in)),
                                      in_channels_ * multiplier_)};
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    const Window window = spec_.window(spec_.layout.volume(inputs[0]));
    return channels_last_scratch_floats(spec_.layout, window.in, output_volume(window));
  }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    const Window window = spec_.window(spec_.layout.volume(ctx.inputs[0].shape));
    run_channels_last(spec_.layout, window.in, output_volume(window), ctx.inputs[0].data, out.data,
                      ctx.scratch, [&](const float* in, float* result, float*) {
                        depthwise_conv_forward(window, multiplier_, in, kernel_.data(),
                                               bias_.empty() ? nullptr : bias_.data(), result);
                      });
    apply_activation(act_, out.data, out.shape);
  }

 private:
  Volume output_volume(const Window& window) const {
    return {window.in.batch, window.out, in_channels_ * multiplier_};
  }

  WindowSpec spec_;
  int64_t in_channels_, multiplier_;
  std::vector<float> kernel_, bias_;
  Activation act_;
};

std::unique_ptr<Layer> make_depthwise_conv(const BuildContext& ctx, int rank) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  refuse_keras1_config(config);
  // tf.keras writes the Conv2D base's `groups` into DepthwiseConv2D configs; only 1 makes sense.
  if (config.get_int("groups", 1) != 1)
    throw Error("config 'groups' must be 1 for a depthwise convolution");
  const WindowSpec spec = conv_window_config(config, rank, /*allow_causal=*/rank == 1);
  const int64_t in_channels = known_channels(spec.layout, ctx.input_shapes[0]);
  const int64_t multiplier = config.get_int("depth_multiplier", 1);
  if (multiplier <= 0)
    throw Error("depth_multiplier must be positive, got " + std::to_string(multiplier));
  const Activation act =
      parse_activation(config.json().value("activation", Json()), ctx.keras_major);

  Dims kernel_shape = spec.kernel_dims();
  kernel_shape.push_back(in_channels);
  kernel_shape.push_back(multiplier);
  auto kernel = ctx.weights.take("depthwise_kernel", kernel_shape);
  std::vector<float> bias;
  if (config.get_bool("use_bias", true))
    bias = ctx.weights.take("bias", {in_channels * multiplier});
  return std::make_unique<DepthwiseConv>(spec, in_channels, multiplier, std::move(kernel),
                                         std::move(bias), act);
}

}  // namespace

std::unique_ptr<Layer> make_depthwise_conv1d(const BuildContext& ctx) {
  return make_depthwise_conv(ctx, 1);
}
std::unique_ptr<Layer> make_depthwise_conv2d(const BuildContext& ctx) {
  return make_depthwise_conv(ctx, 2);
}

}  // namespace kerasrt
