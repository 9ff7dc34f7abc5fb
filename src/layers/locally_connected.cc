// LocallyConnected1D, LocallyConnected2D (tf.keras 2.x; Keras 3 dropped them): a convolution
// whose filters differ at every output position, so the input's spatial sizes are fixed at load.
// tf.keras stores the kernel in one of three layouts (`implementation`, see
// keras/layers/locally_connected/): 1 per output position (positions, patch, filters); 2 a dense
// (input, output) matrix of which only the window entries count; 3 the window entries alone,
// sorted by (output index, input index). All three become layout 1 at load.
// The bias (output spatial..., filters) is added as Keras's backend.bias_add does for a bias of
// that rank: reshaped, not transposed, to the output's layout, i.e. added to each sample's output
// memory element by element, channels_first included.
#include "kernels/activation.h"
#include "layers/conv_common.h"

namespace kerasrt {
namespace {

// Where patch element j of output position p lies in a sample's input: origin[p] + offset[j],
// and where output (p, filter) lies in a sample's output: p * position_step + f * filter_step.
struct LocalGeometry {
  Spatial in_size{1, 1, 1}, out_size{1, 1, 1};
  int64_t in_channels = 0, filters = 0;
  std::vector<int64_t> origin, offset;
  int64_t position_step = 0, filter_step = 0;

  int64_t positions() const { return static_cast<int64_t>(origin.size()); }
  int64_t patch() const { return static_cast<int64_t>(offset.size()); }
  int64_t in_elements() const { return in_size[0] * in_size[1] * in_size[2] * in_channels; }
  int64_t out_elements() const { return positions() * filters; }
};

LocalGeometry local_geometry(const WindowSpec& spec, const Spatial& in_size, int64_t in_channels,
                             int64_t filters) {
  LocalGeometry g;
  g.in_size = in_size;
  g.out_size = spec.output_size(in_size);
  g.in_channels = in_channels;
  g.filters = filters;
  const bool first = spec.layout.channels_first();
  const int64_t in_positions = in_size[0] * in_size[1] * in_size[2];
  // A spatial index's distance in a sample's memory: channels_last interleaves the channels.
  const int64_t spatial_step = first ? 1 : in_channels;
  const auto flat = [&](int64_t d, int64_t h, int64_t w) {
    return ((d * in_size[1] + h) * in_size[2] + w) * spatial_step;
  };
  for (int64_t d = 0; d < g.out_size[0]; ++d)
    for (int64_t h = 0; h < g.out_size[1]; ++h)
      for (int64_t w = 0; w < g.out_size[2]; ++w)
        g.origin.push_back(flat(d * spec.stride[0], h * spec.stride[1], w * spec.stride[2]));
  // The patch order of keras.backend.local_conv: the input slice flattened in memory order.
  const int64_t channel_step = first ? in_positions : 1;
  for (int64_t c = 0; c < (first ? in_channels : 1); ++c)
    for (int64_t d = 0; d < spec.kernel[0]; ++d)
      for (int64_t h = 0; h < spec.kernel[1]; ++h)
        for (int64_t w = 0; w < spec.kernel[2]; ++w)
          for (int64_t k = 0; k < (first ? 1 : in_channels); ++k)
            g.offset.push_back(flat(d, h, w) + (c + k) * channel_step);
  g.position_step = first ? 1 : filters;
  g.filter_step = first ? g.positions() : 1;
  return g;
}

class LocallyConnected final : public Layer {
 public:
  LocallyConnected(SpatialLayout layout, LocalGeometry geometry, std::vector<float> kernel,
                   std::vector<float> bias, Activation act, Activation after)
      : layout_(layout),
        g_(std::move(geometry)),
        kernel_(std::move(kernel)),
        bias_(std::move(bias)),
        act_(act),
        after_(after) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    check_channels(layout_, in, g_.in_channels);
    const Spatial size = layout_.spatial(in);
    for (size_t i = 0; i < size.size(); ++i)
      if (size[i] != g_.in_size[i])
        throw Error("its weights are for input " + to_string(expected_input(in[0])) + ", got " +
                    to_string(in));
    return {layout_.with_spatial(in, g_.out_size, g_.filters)};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const MutTensor& out = ctx.outputs[0];
    const int64_t batch = in.shape[0];
    const int64_t patch = g_.patch(), filters = g_.filters;
    for (int64_t b = 0; b < batch; ++b) {
      const float* x = in.data + b * g_.in_elements();
      float* y = out.data + b * g_.out_elements();
      if (bias_.empty())
        std::fill(y, y + g_.out_elements(), 0.0f);
      else
        std::copy(bias_.begin(), bias_.end(), y);
      for (int64_t p = 0; p < g_.positions(); ++p) {
        const float* w = kernel_.data() + p * patch * filters;
        float* yp = y + p * g_.position_step;
        for (int64_t j = 0; j < patch; ++j) {
          const float v = x[g_.origin[static_cast<size_t>(p)] + g_.offset[static_cast<size_t>(j)]];
          const float* wj = w + j * filters;
          for (int64_t f = 0; f < filters; ++f) yp[f * g_.filter_step] += v * wj[f];
        }
      }
    }
    apply_pointwise(act_, out.data, out.size());
    apply_activation(after_, out.data, out.shape);
  }

 private:
  Dims expected_input(int64_t batch) const {
    Dims shape{batch};
    for (int i = 0; i < layout_.rank(); ++i) shape.push_back(0);
    shape.push_back(0);
    return layout_.with_spatial(shape, g_.in_size, g_.in_channels);
  }

  SpatialLayout layout_;
  LocalGeometry g_;
  std::vector<float> kernel_;  // (positions, patch, filters)
  std::vector<float> bias_;    // one sample's output, or empty
  Activation act_, after_;
};

// The kernel of `implementation` 2 or 3 in layout 1. Both index the input and the output by
// their flat position in a sample's memory.
std::vector<float> to_layout1(const LocalGeometry& g, int implementation,
                              const std::vector<float>& stored) {
  const int64_t patch = g.patch(), filters = g.filters;
  std::vector<float> kernel(static_cast<size_t>(g.positions() * patch * filters));
  for (int64_t p = 0; p < g.positions(); ++p)
    for (int64_t j = 0; j < patch; ++j)
      for (int64_t f = 0; f < filters; ++f) {
        const int64_t out_index = p * g.position_step + f * g.filter_step;
        // Layout 3: every output has `patch` inputs, in input order, which is patch order.
        const int64_t source =
            implementation == 2
                ? (g.origin[static_cast<size_t>(p)] + g.offset[static_cast<size_t>(j)]) *
                          g.out_elements() +
                      out_index
                : out_index * patch + j;
        kernel[static_cast<size_t>((p * patch + j) * filters + f)] =
            stored[static_cast<size_t>(source)];
      }
  return kernel;
}

std::unique_ptr<Layer> make_locally_connected(const BuildContext& ctx, int rank) {
  expect_inputs(ctx, 1);
  refuse_keras1_config(ctx.config);
  const WindowSpec spec = conv_window_config(ctx.config, rank, /*allow_causal=*/false);
  if (spec.padding != Padding::kValid)
    throw Error("only padding 'valid' is supported (tf.keras implementation 1 has no other)");
  const int implementation = static_cast<int>(ctx.config.get_int("implementation", 1));
  if (implementation < 1 || implementation > 3)
    throw Error("config 'implementation' must be 1, 2 or 3, got " + std::to_string(implementation));
  const Dims& in = ctx.input_shapes[0];
  spec.layout.check(in);
  const int64_t channels = known_channels(spec.layout, in);
  const Spatial in_size = spec.layout.spatial(in);
  for (int64_t size : in_size)
    if (size == kAnyDim)
      throw Error(
          "needs an input with known spatial sizes (the weights differ per position), got " +
          to_string(in));
  const int64_t filters = ctx.config.get_int("filters");
  if (filters <= 0) throw Error("filters must be positive, got " + std::to_string(filters));
  const LocalGeometry g = local_geometry(spec, in_size, channels, filters);
  if (g.positions() <= 0)
    throw Error("the kernel is larger than the input " + to_string(in) + ": no output position");

  Dims in_dims, out_dims;  // spatial sizes as Keras lists them
  for (int i = 0; i < rank; ++i) {
    in_dims.push_back(in_size[spatial_slot(rank, i)]);
    out_dims.push_back(g.out_size[spatial_slot(rank, i)]);
  }
  std::vector<float> kernel;
  if (implementation == 1) {
    kernel = ctx.weights.take("kernel", {g.positions(), g.patch(), filters});
  } else if (implementation == 2) {
    Dims shape;
    const auto append = [&shape](const Dims& d) { shape.insert(shape.end(), d.begin(), d.end()); };
    if (spec.layout.channels_first()) {
      shape.push_back(channels);
      append(in_dims);
      shape.push_back(filters);
      append(out_dims);
    } else {
      append(in_dims);
      shape.push_back(channels);
      append(out_dims);
      shape.push_back(filters);
    }
    kernel = to_layout1(g, 2, ctx.weights.take("kernel", shape));
  } else {
    kernel = to_layout1(g, 3, ctx.weights.take("kernel", {g.out_elements() * g.patch()}));
  }
  std::vector<float> bias;
  if (ctx.config.get_bool("use_bias", true)) {
    Dims shape = out_dims;
    shape.push_back(filters);
    bias = ctx.weights.take("bias", shape);
  }
  const Activation act =
      parse_activation(ctx.config.json().value("activation", Json()), ctx.keras_major);
  return std::make_unique<LocallyConnected>(spec.layout, g, std::move(kernel), std::move(bias),
                                            act.is_pointwise() ? act : Activation{},
                                            act.is_pointwise() ? Activation{} : act);
}

}  // namespace

std::unique_ptr<Layer> make_locally_connected1d(const BuildContext& ctx) {
  return make_locally_connected(ctx, 1);
}

std::unique_ptr<Layer> make_locally_connected2d(const BuildContext& ctx) {
  return make_locally_connected(ctx, 2);
}

}  // namespace kerasrt
