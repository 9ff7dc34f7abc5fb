// DepthwiseConv1D, DepthwiseConv2D: each input channel c is convolved with its own
// `depth_multiplier` kernels depthwise_kernel[..., c, m], giving output channel
// c * depth_multiplier + m; plus bias, then the activation. Runs as a oneDNN grouped
// convolution (one group per input channel, kernels/onednn.h); a following BatchNormalization,
// Add and ReLU-family activation can be fused in at load.
#include "kernels/activation.h"
#include "kernels/onednn.h"
#include "layers/conv_common.h"
#include "layers/fused.h"

namespace kerasrt {
namespace {

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
  SharedFloats kernel = take_kernel(ctx, "depthwise_kernel", kernel_shape);
  std::vector<float> bias;
  if (config.get_bool("use_bias", true))
    bias = ctx.weights.take("bias", {in_channels * multiplier});
  // A grouped convolution: group c has one input channel and `multiplier` filters, which is
  // exactly the Keras kernel's layout (taps..., channels, multiplier).
  ConvKernel conv({rank, spec.layout.channels_first(), in_channels, in_channels * multiplier,
                   in_channels, spec.kernel},
                  std::move(kernel), std::move(bias));
  PostOps post;
  if (act.is_pointwise()) post.activation = act;
  return make_convolution_layer(spec, conv.with_post(post), act.is_pointwise() ? Activation{} : act,
                                typical_input(ctx.input_shapes[0]));
}

}  // namespace

std::unique_ptr<Layer> make_depthwise_conv1d(const BuildContext& ctx) {
  return make_depthwise_conv(ctx, 1);
}
std::unique_ptr<Layer> make_depthwise_conv2d(const BuildContext& ctx) {
  return make_depthwise_conv(ctx, 2);
}

}  // namespace kerasrt
