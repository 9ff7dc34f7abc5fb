// Conv1DTranspose, Conv2DTranspose, Conv3DTranspose: the transpose of a convolution (each input
// position spreads its value over a kernel-sized output window), plus bias, then the
// activation. The kernel is (kernel..., filters, in_channels). Output sizes follow Keras's
// rules for padding and output_padding, and "same" padding is placed as TensorFlow does.
#include "kernels/activation.h"
#include "kernels/conv.h"
#include "layers/conv_common.h"

namespace kerasrt {
namespace {

class ConvTranspose final : public Layer {
 public:
  ConvTranspose(WindowSpec spec, Spatial output_padding, int64_t in_channels, int64_t filters,
                std::vector<float> packed_kernel, std::vector<float> bias, Activation act)
      : spec_(spec),
        output_padding_(output_padding),
        in_channels_(in_channels),
        filters_(filters),
        packed_kernel_(std::move(packed_kernel)),
        bias_(std::move(bias)),
        act_(act) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    check_channels(spec_.layout, in, in_channels_);
    return {spec_.layout.with_spatial(in, output_size(spec_.layout.spatial(in)), filters_)};
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    const Window window = transpose_window(inputs[0]);
    return channels_last_scratch_floats(spec_.layout, input_volume(window), window.in) +
           conv_transpose_scratch_floats(window, filters_);
  }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    const Window window = transpose_window(ctx.inputs[0].shape);
    run_channels_last(spec_.layout, input_volume(window), window.in, ctx.inputs[0].data, out.data,
                      ctx.scratch, [&](const float* in, float* result, float* scratch) {
                        conv_transpose_forward(
                            window, in_channels_, filters_, in, packed_kernel_.data(),
                            bias_.empty() ? nullptr : bias_.data(), result, scratch);
                      });
    apply_activation(act_, out.data, out.shape);
  }

 private:
  Spatial output_size(const Spatial& in) const {
    Spatial out;
    for (int a = 0; a < kMaxSpatialRank; ++a)
      out[a] = transpose_output_length(in[a], spec_.kernel[a], spec_.stride[a], spec_.dilation[a],
                                       spec_.padding, output_padding_[a]);
    return out;
  }
  Window transpose_window(std::span<const int64_t> in_shape) const {
    const Volume in = spec_.layout.volume(in_shape);
    const Volume out{in.batch, output_size(in.size), filters_};
    return make_transpose_window(out, in.size, spec_.kernel, spec_.stride, spec_.dilation,
                                 spec_.padding);
  }
  Volume input_volume(const Window& window) const {
    return {window.in.batch, window.out, in_channels_};
  }

  WindowSpec spec_;
  Spatial output_padding_;  // per axis, -1 for Keras's None
  int64_t in_channels_, filters_;
  std::vector<float> packed_kernel_, bias_;
  Activation act_;
};

std::unique_ptr<Layer> make_conv_transpose(const BuildContext& ctx, int rank) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  refuse_keras1_config(config);
  if (config.get_int("groups", 1) != 1)
    throw Error("config 'groups' must be 1 for a transposed convolution");
  const WindowSpec spec = conv_window_config(config, rank, /*allow_causal=*/false);
  Spatial output_padding{-1, -1, -1};
  if (config.has("output_padding")) {
    const std::vector<int64_t> values =
        config.get_ints("output_padding", static_cast<size_t>(rank));
    for (int i = 0; i < rank; ++i) {
      const size_t a = spatial_slot(rank, i);
      if (values[static_cast<size_t>(i)] < 0 || values[static_cast<size_t>(i)] >= spec.stride[a])
        throw Error("config 'output_padding' must be at least 0 and less than the strides, got " +
                    config.json()["output_padding"].dump());
      output_padding[a] = values[static_cast<size_t>(i)];
    }
  }
  const int64_t in_channels = known_channels(spec.layout, ctx.input_shapes[0]);
  const int64_t filters = config.get_int("filters");
  if (filters <= 0) throw Error("filters must be positive, got " + std::to_string(filters));
  const Activation act =
      parse_activation(config.json().value("activation", Json()), ctx.keras_major);

  Dims kernel_shape = spec.kernel_dims();
  kernel_shape.push_back(filters);
  kernel_shape.push_back(in_channels);
  const auto kernel = ctx.weights.take("kernel", kernel_shape);
  std::vector<float> bias;
  if (config.get_bool("use_bias", true)) bias = ctx.weights.take("bias", {filters});
  const int64_t taps = spec.kernel[0] * spec.kernel[1] * spec.kernel[2];
  return std::make_unique<ConvTranspose>(
      spec, output_padding, in_channels, filters,
      pack_conv_transpose_kernel(kernel, taps, filters, in_channels), std::move(bias), act);
}

}  // namespace

std::unique_ptr<Layer> make_conv1d_transpose(const BuildContext& ctx) {
  return make_conv_transpose(ctx, 1);
}
std::unique_ptr<Layer> make_conv2d_transpose(const BuildContext& ctx) {
  return make_conv_transpose(ctx, 2);
}
std::unique_ptr<Layer> make_conv3d_transpose(const BuildContext& ctx) {
  return make_conv_transpose(ctx, 3);
}

}  // namespace kerasrt
