// Conv1DTranspose, Conv2DTranspose, Conv3DTranspose: the transpose of a convolution (each input
// position spreads its value over a kernel-sized output window), plus bias, then the
// activation. The kernel is (kernel..., filters, in_channels). Output sizes follow Keras's
// rules for padding and output_padding, and "same" padding is placed as TensorFlow does.
// Runs on kernels/conv_transpose.h with the kernel packed at load; a following
// BatchNormalization, activation and (channels_last) Add are fused in at load.
#include "kernels/conv_transpose.h"

#include "kernels/activation.h"
#include "layers/conv_common.h"
#include "layers/fused.h"

namespace kerasrt {
namespace {

class ConvTranspose final : public Layer {
 public:
  // `after`: an activation the kernel does not apply itself (softmax over an axis).
  ConvTranspose(WindowSpec spec, Spatial output_padding, ConvTransposeKernel kernel,
                Activation after, Dims typical_input)
      : spec_(spec),
        output_padding_(output_padding),
        kernel_(std::move(kernel)),
        after_(after),
        typical_input_(std::move(typical_input)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    check_channels(spec_.layout, in, kernel_.in_channels());
    Dims out =
        spec_.layout.with_spatial(in, output_size(spec_.layout.spatial(in)), kernel_.filters());
    if (kernel_.post().sum) check_addend(inputs, out);
    return {out};
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    const Window window = transpose_window(inputs[0]);
    return channels_last_scratch_floats(spec_.layout, input_volume(window), window.in);
  }

  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    return kernel_.prepare(transpose_window(inputs[0]));
  }

  int inplace_input() const override { return kernel_.post().sum ? 1 : -1; }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    const Window window = transpose_window(ctx.inputs[0].shape);
    if (kernel_.post().sum) load_addend(ctx);
    const size_t layout_floats =
        channels_last_scratch_floats(spec_.layout, input_volume(window), window.in);
    with_prepared(*this, ctx, layout_floats, [&](const Prepared& prepared, float* scratch) {
      run_channels_last(spec_.layout, input_volume(window), window.in, ctx.inputs[0].data, out.data,
                        ctx.scratch, [&](const float* in, float* result, float*) {
                          kernel_.run(prepared, window, in, result, scratch);
                        });
    });
    apply_activation(after_, out.data, out.shape);
  }

  std::shared_ptr<const Layer> fuse(const FusibleOp& op) const override {
    const bool on_channels = op.rank == static_cast<size_t>(spec_.layout.rank()) + 2 &&
                             static_cast<size_t>(op.axis) == spec_.layout.channel_axis();
    auto fused = kernel_fusing(kernel_, after_, op, on_channels, kernel_.filters());
    return fused ? with(std::move(*fused)) : nullptr;
  }

  std::shared_ptr<const Layer> fuse_add() const override {
    // channels_first results are transposed out of scratch, over where the addend would be.
    if (spec_.layout.channels_first()) return nullptr;
    auto fused = kernel_adding(kernel_, after_);
    return fused ? with(std::move(*fused)) : nullptr;
  }

  size_t packed_floats() const override { return kernel_.weight_count(); }

  std::shared_ptr<const Layer> packed(WeightArena& arena) const override {
    if (kernel_.packed()) return nullptr;
    if (!is_known(typical_input_))
      return kernel_.in_file() ? with(kernel_.detached(&arena)) : nullptr;
    return with(kernel_.packed_for(transpose_window(typical_input_), &arena));
  }

 private:
  std::shared_ptr<const Layer> with(ConvTransposeKernel kernel) const {
    return std::make_shared<ConvTranspose>(spec_, output_padding_, std::move(kernel), after_,
                                           typical_input_);
  }

  Spatial output_size(const Spatial& in) const {
    Spatial out;
    for (int a = 0; a < kMaxSpatialRank; ++a)
      out[a] = transpose_output_length(in[a], spec_.kernel[a], spec_.stride[a], spec_.dilation[a],
                                       spec_.padding, output_padding_[a]);
    return out;
  }
  Window transpose_window(std::span<const int64_t> in_shape) const {
    const Volume in = spec_.layout.volume(in_shape);
    const Volume out{in.batch, output_size(in.size), kernel_.filters()};
    return make_transpose_window(out, in.size, spec_.kernel, spec_.stride, spec_.dilation,
                                 spec_.padding);
  }
  Volume input_volume(const Window& window) const {
    return {window.in.batch, window.out, kernel_.in_channels()};
  }

  WindowSpec spec_;
  Spatial output_padding_;  // per axis, -1 for Keras's None
  ConvTransposeKernel kernel_;
  Activation after_;
  Dims typical_input_;  // the static input shape with batch 1: what weights are packed for
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
  SharedFloats kernel = take_kernel(ctx, "kernel", kernel_shape);
  std::vector<float> bias;
  if (config.get_bool("use_bias", true)) bias = ctx.weights.take("bias", {filters});
  const int64_t taps = spec.kernel[0] * spec.kernel[1] * spec.kernel[2];
  const ConvTransposeKernel transposed(in_channels, filters, taps, std::move(kernel),
                                       std::move(bias));
  PostOps post;
  if (act.is_pointwise()) post.activation = act;
  return std::make_unique<ConvTranspose>(spec, output_padding, transposed.with_post(post),
                                         act.is_pointwise() ? Activation{} : act,
                                         typical_input(ctx.input_shapes[0]));
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
