// SeparableConv1D, SeparableConv2D: a depthwise convolution (depthwise_kernel (kernel...,
// channels, depth_multiplier), strides, padding and dilation apply here) followed by a
// pointwise (1x1) convolution to `filters` (pointwise_kernel (1..., channels * multiplier,
// filters)); plus bias, then the activation.
#include "kernels/activation.h"
#include "kernels/conv.h"
#include "kernels/gemm.h"
#include "layers/conv_common.h"

namespace kerasrt {
namespace {

class SeparableConv final : public Layer {
 public:
  SeparableConv(WindowSpec spec, int64_t in_channels, int64_t multiplier, int64_t filters,
                std::vector<float> depthwise, std::vector<float> pointwise, std::vector<float> bias,
                Activation act)
      : spec_(spec),
        in_channels_(in_channels),
        multiplier_(multiplier),
        filters_(filters),
        depthwise_(std::move(depthwise)),
        pointwise_(std::move(pointwise)),
        bias_(std::move(bias)),
        act_(act) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    check_channels(spec_.layout, in, in_channels_);
    return {spec_.layout.with_spatial(in, spec_.output_size(spec_.layout.spatial(in)), filters_)};
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    const Window window = spec_.window(spec_.layout.volume(inputs[0]));
    return channels_last_scratch_floats(spec_.layout, window.in, output_volume(window)) +
           static_cast<size_t>(depthwise_volume(window).elements());
  }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    const Window window = spec_.window(spec_.layout.volume(ctx.inputs[0].shape));
    const Volume middle = depthwise_volume(window);
    run_channels_last(
        spec_.layout, window.in, output_volume(window), ctx.inputs[0].data, out.data, ctx.scratch,
        [&](const float* in, float* result, float* scratch) {
          depthwise_conv_forward(window, multiplier_, in, depthwise_.data(), nullptr, scratch);
          matmul_bias(scratch, middle.batch * middle.positions(), middle.channels,
                      pointwise_.data(), filters_, bias_.empty() ? nullptr : bias_.data(), result);
        });
    apply_activation(act_, out.data, out.shape);
  }

 private:
  Volume depthwise_volume(const Window& window) const {
    return {window.in.batch, window.out, in_channels_ * multiplier_};
  }
  Volume output_volume(const Window& window) const {
    return {window.in.batch, window.out, filters_};
  }

  WindowSpec spec_;
  int64_t in_channels_, multiplier_, filters_;
  std::vector<float> depthwise_, pointwise_, bias_;
  Activation act_;
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
  return std::make_unique<SeparableConv>(spec, in_channels, multiplier, filters,
                                         std::move(depthwise), std::move(pointwise),
                                         std::move(bias), act);
}

}  // namespace

std::unique_ptr<Layer> make_separable_conv1d(const BuildContext& ctx) {
  return make_separable_conv(ctx, 1);
}
std::unique_ptr<Layer> make_separable_conv2d(const BuildContext& ctx) {
  return make_separable_conv(ctx, 2);
}

}  // namespace kerasrt
