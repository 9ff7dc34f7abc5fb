// Conv1D, Conv2D, Conv3D: activation(cross-correlation of the input with `kernel` + bias).
// The kernel is (kernel..., in_channels / groups, filters); input channels and filters are split
// into `groups` groups, group g of the filters seeing only group g of the input channels.
#include "kernels/conv.h"

#include "kernels/activation.h"
#include "layers/conv_common.h"

namespace kerasrt {
namespace {

class Conv final : public Layer {
 public:
  Conv(WindowSpec spec, int64_t in_channels, int64_t filters, int64_t groups,
       std::vector<float> kernel, std::vector<float> bias, Activation act)
      : spec_(spec),
        in_channels_(in_channels),
        filters_(filters),
        groups_(groups),
        kernel_(std::move(kernel)),
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
           conv_scratch_floats(window, groups_);
  }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    const Window window = spec_.window(spec_.layout.volume(ctx.inputs[0].shape));
    run_channels_last(spec_.layout, window.in, output_volume(window), ctx.inputs[0].data, out.data,
                      ctx.scratch, [&](const float* in, float* result, float* scratch) {
                        conv_forward(window, groups_, filters_, in, kernel_.data(),
                                     bias_.empty() ? nullptr : bias_.data(), result, scratch);
                      });
    apply_activation(act_, out.data, out.shape);
  }

 private:
  Volume output_volume(const Window& window) const {
    return {window.in.batch, window.out, filters_};
  }

  WindowSpec spec_;
  int64_t in_channels_, filters_, groups_;
  std::vector<float> kernel_, bias_;
  Activation act_;
};

std::unique_ptr<Layer> make_conv(const BuildContext& ctx, int rank) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  refuse_keras1_config(config);
  for (const char* key : {"lora_rank", "dora_rank"})
    if (config.get_int(key, 0) != 0)
      throw Error(std::string("config '") + key + "' (low-rank adaptation) is not supported yet");
  const WindowSpec spec = conv_window_config(config, rank, /*allow_causal=*/rank == 1);
  const int64_t in_channels = known_channels(spec.layout, ctx.input_shapes[0]);
  const int64_t filters = config.get_int("filters");
  const int64_t groups = config.get_int("groups", 1);
  if (filters <= 0) throw Error("filters must be positive, got " + std::to_string(filters));
  if (groups <= 0 || filters % groups != 0 || in_channels % groups != 0)
    throw Error("groups = " + std::to_string(groups) + " must divide both the filters (" +
                std::to_string(filters) + ") and the input channels (" +
                std::to_string(in_channels) + ")");
  const Activation act =
      parse_activation(config.json().value("activation", Json()), ctx.keras_major);

  Dims kernel_shape = spec.kernel_dims();
  kernel_shape.push_back(in_channels / groups);
  kernel_shape.push_back(filters);
  auto kernel = ctx.weights.take("kernel", kernel_shape);
  std::vector<float> bias;
  if (config.get_bool("use_bias", true)) bias = ctx.weights.take("bias", {filters});
  return std::make_unique<Conv>(spec, in_channels, filters, groups, std::move(kernel),
                                std::move(bias), act);
}

}  // namespace

std::unique_ptr<Layer> make_conv1d(const BuildContext& ctx) { return make_conv(ctx, 1); }
std::unique_ptr<Layer> make_conv2d(const BuildContext& ctx) { return make_conv(ctx, 2); }
std::unique_ptr<Layer> make_conv3d(const BuildContext& ctx) { return make_conv(ctx, 3); }

}  // namespace kerasrt
