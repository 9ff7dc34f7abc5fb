// Conv1D, Conv2D, Conv3D: activation(cross-correlation of the input with `kernel` + bias).
// The kernel is (kernel..., in_channels / groups, filters); input channels and filters are split
// into `groups` groups, group g of the filters seeing only group g of the input channels.
// Runs as a oneDNN convolution primitive (kernels/onednn.h) on the layout the model uses, or
// for 3x3 stride-1 windows over large enough images by Winograd's F(2x2, 3x3)
// (kernels/winograd.h); a following BatchNormalization, Add and ReLU-family activation can be
// fused in at load.
#include "kernels/activation.h"
#include "kernels/onednn.h"
#include "kernels/winograd.h"
#include "layers/conv_common.h"
#include "layers/fused.h"

namespace kerasrt {
namespace {

// A convolution on a given kernel, with a fused zero padding: what every convolution layer
// runs, whether its kernel is oneDNN's (ConvKernel) or our Winograd one.
template <class Kernel>
class ConvOn : public Layer {
 public:
  // `after`: an activation the kernel cannot apply itself (softmax over an axis). `pad_before`,
  // `pad_after`: zeros around the input (a ZeroPadding fused in), on top of the padding mode.
  ConvOn(WindowSpec spec, Kernel kernel, Activation after, Dims typical_input,
         Spatial pad_before = {0, 0, 0}, Spatial pad_after = {0, 0, 0})
      : spec_(spec),
        kernel_(std::move(kernel)),
        after_(after),
        typical_input_(std::move(typical_input)),
        pad_before_(pad_before),
        pad_after_(pad_after) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    check_channels(spec_.layout, in, kernel_.config().in_channels);
    Dims out =
        spec_.layout.with_spatial(in, spec_.output_size(padded_size(in)), kernel_.config().filters);
    if (kernel_.post().sum) check_addend(inputs, out);
    return {out};
  }

  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    return kernel_.prepare(window(inputs[0]));
  }

  int inplace_input() const override { return kernel_.post().sum ? 1 : -1; }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    const Window window = this->window(ctx.inputs[0].shape);
    if (kernel_.post().sum) load_addend(ctx);
    with_prepared(*this, ctx, [&](const Prepared& prepared, float* scratch) {
      kernel_.run(prepared, window, ctx.inputs[0].data, out.data, scratch);
    });
    apply_activation(after_, out.data, out.shape);
  }

 protected:
  // The spatial sizes of `in` with the fused zero padding (kAnyDim stays unknown).
  Spatial padded_size(std::span<const int64_t> in) const {
    Spatial size = spec_.layout.spatial(in);
    for (int a = 0; a < kMaxSpatialRank; ++a)
      size[a] = add_dim(size[a], pad_before_[a] + pad_after_[a]);
    return size;
  }

  // The window over the padded input, expressed on the unpadded one: the fused zeros become
  // padding before the first and after the last input position.
  Window window(std::span<const int64_t> in) const {
    Volume volume = spec_.layout.volume(in);
    const Spatial original = volume.size;
    volume.size = padded_size(in);
    Window w = spec_.window(volume);
    w.in.size = original;
    for (int a = 0; a < kMaxSpatialRank; ++a) w.pad_before[a] += pad_before_[a];
    return w;
  }

  WindowSpec spec_;
  Kernel kernel_;
  Activation after_;
  Dims typical_input_;  // the static input shape with batch 1: what weights are packed for
  Spatial pad_before_, pad_after_;
};

// A convolution layer (Conv, and DepthwiseConv as a grouped convolution) as built: it takes the
// load-time fusions, then is packed, becoming a WinogradKernel one when that is faster for the
// typical input.
class Conv final : public ConvOn<ConvKernel> {
 public:
  using ConvOn::ConvOn;

  std::shared_ptr<const Layer> fuse(const FusibleOp& op) const override {
    const bool on_channels = op.rank == static_cast<size_t>(spec_.layout.rank()) + 2 &&
                             static_cast<size_t>(op.axis) == spec_.layout.channel_axis();
    auto fused = kernel_fusing(kernel_, after_, op, on_channels, kernel_.config().filters);
    return fused ? with(std::move(*fused)) : nullptr;
  }

  std::shared_ptr<const Layer> fuse_add() const override {
    auto fused = kernel_adding(kernel_, after_);
    return fused ? with(std::move(*fused)) : nullptr;
  }

  std::shared_ptr<const Layer> fuse_input(const FusibleOp& op) const override {
    if (op.kind != FusibleOp::Kind::kZeroPadding ||
        op.rank != static_cast<size_t>(spec_.layout.rank()) + 2 ||
        op.channels_first != spec_.layout.channels_first() || pad_before_ != Spatial{0, 0, 0} ||
        pad_after_ != Spatial{0, 0, 0})
      return nullptr;
    // The typical input is now the unpadded one.
    Dims typical = typical_input_;
    for (int i = 0; i < spec_.layout.rank(); ++i) {
      int64_t& d = typical[spec_.layout.spatial_axis(i)];
      const size_t slot = spatial_slot(spec_.layout.rank(), i);
      if (d != kAnyDim) d -= op.pad_before[slot] + op.pad_after[slot];
    }
    return std::make_shared<Conv>(spec_, kernel_, after_, std::move(typical), op.pad_before,
                                  op.pad_after);
  }

  size_t packed_floats() const override { return kernel_.weight_count(); }

  std::shared_ptr<const Layer> packed(WeightArena& arena) const override {
    if (kernel_.packed()) return nullptr;
    if (!is_known(typical_input_))
      return kernel_.in_file() ? with(kernel_.detached(&arena)) : nullptr;
    const Window typical = window(typical_input_);
    if (WinogradKernel::suits(kernel_.config(), typical))
      return std::make_shared<ConvOn<WinogradKernel>>(spec_, WinogradKernel(kernel_, arena), after_,
                                                      typical_input_, pad_before_, pad_after_);
    return with(kernel_.packed_for(typical, &arena));
  }

 private:
  std::shared_ptr<const Layer> with(ConvKernel kernel) const {
    return std::make_shared<Conv>(spec_, std::move(kernel), after_, typical_input_, pad_before_,
                                  pad_after_);
  }
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
  SharedFloats kernel = take_kernel(ctx, "kernel", kernel_shape);
  std::vector<float> bias;
  if (config.get_bool("use_bias", true)) bias = ctx.weights.take("bias", {filters});
  ConvKernel conv({rank, spec.layout.channels_first(), in_channels, filters, groups, spec.kernel},
                  std::move(kernel), std::move(bias));
  PostOps post;
  if (act.is_pointwise()) post.activation = act;
  return make_convolution_layer(spec, conv.with_post(post), act.is_pointwise() ? Activation{} : act,
                                typical_input(ctx.input_shapes[0]));
}

}  // namespace

std::unique_ptr<Layer> make_convolution_layer(const WindowSpec& spec, ConvKernel kernel,
                                              const Activation& after, Dims typical_input) {
  return std::make_unique<Conv>(spec, std::move(kernel), after, std::move(typical_input));
}

std::unique_ptr<Layer> make_conv1d(const BuildContext& ctx) { return make_conv(ctx, 1); }
std::unique_ptr<Layer> make_conv2d(const BuildContext& ctx) { return make_conv(ctx, 2); }
std::unique_ptr<Layer> make_conv3d(const BuildContext& ctx) { return make_conv(ctx, 3); }

}  // namespace kerasrt
