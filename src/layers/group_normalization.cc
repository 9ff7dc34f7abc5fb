// GroupNormalization: the channels of `axis` are split into `groups` consecutive groups; each
// sample is normalised to zero mean and unit variance over each group (all its channels and
// every other non-batch position), then scaled by gamma and shifted by beta per channel.
// Keras 3 and tf.keras 2.11+ compute it alike; groups=-1 means one group per channel.
#include <cmath>

#include "layers/layer.h"

namespace kerasrt {
namespace {

class GroupNormalization final : public Layer {
 public:
  GroupNormalization(size_t rank, size_t axis, int64_t channels, int64_t groups, float epsilon,
                     std::vector<float> gamma, std::vector<float> beta)
      : rank_(rank),
        axis_(axis),
        channels_(channels),
        groups_(groups),
        epsilon_(epsilon),
        gamma_(std::move(gamma)),
        beta_(std::move(beta)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (in.size() != rank_ || (in[axis_] != kAnyDim && in[axis_] != channels_))
      throw Error("expects an input of rank " + std::to_string(rank_) + " with " +
                  std::to_string(channels_) + " channels on axis " + std::to_string(axis_) +
                  ", got " + to_string(in));
    return {in};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    float* out = ctx.outputs[0].data;
    const int64_t batch = in.shape[0];
    const int64_t outer = product(in.shape, 1, axis_);
    const int64_t inner = product(in.shape, axis_ + 1, rank_);
    const int64_t per_group = channels_ / groups_;
    const int64_t count = outer * per_group * inner;
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t sample = b * outer * channels_ * inner;
      for (int64_t g = 0; g < groups_; ++g) {
        // The group's values: for each outer position, channels [g * per_group, ...) x inner.
        auto each = [&](auto&& f) {
          for (int64_t o = 0; o < outer; ++o) {
            const int64_t start = sample + (o * channels_ + g * per_group) * inner;
            for (int64_t k = 0; k < per_group * inner; ++k) f(start + k, g * per_group + k / inner);
          }
        };
        double sum = 0.0;
        each([&](int64_t i, int64_t) { sum += in.data[i]; });
        const double mean = count ? sum / static_cast<double>(count) : 0.0;
        double squares = 0.0;
        each([&](int64_t i, int64_t) {
          const double d = in.data[i] - mean;
          squares += d * d;
        });
        const double inv =
            1.0 / std::sqrt((count ? squares / static_cast<double>(count) : 0.0) + epsilon_);
        each([&](int64_t i, int64_t c) {
          const double scale = gamma_.empty() ? inv : inv * gamma_[static_cast<size_t>(c)];
          const double shift = beta_.empty() ? 0.0 : beta_[static_cast<size_t>(c)];
          out[i] = static_cast<float>((in.data[i] - mean) * scale + shift);
        });
      }
    }
  }

 private:
  size_t rank_, axis_;
  int64_t channels_, groups_;
  float epsilon_;
  std::vector<float> gamma_, beta_;
};

}  // namespace

std::unique_ptr<Layer> make_group_normalization(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  const Dims& in = ctx.input_shapes[0];
  if (config.json().value("axis", Json(-1)).is_array())
    throw Error("config 'axis' must be one int (Keras normalises groups along one axis)");
  const int axis = normalize_axis(config.get_int("axis", -1), in.size());
  if (axis == 0) throw Error("config 'axis' is the batch axis 0, which is not supported");
  const int64_t channels = in[static_cast<size_t>(axis)];
  if (channels == kAnyDim)
    throw Error("the input dimension on axis " + std::to_string(axis) + " must be known, got " +
                to_string(in));
  int64_t groups = config.get_int("groups", 32);
  if (groups == -1) groups = channels;
  if (groups <= 0 || groups > channels || channels % groups != 0)
    throw Error("config 'groups' is " + std::to_string(groups) + ", which must divide the " +
                std::to_string(channels) + " channels");
  const double epsilon = config.get_float("epsilon", 1e-3);
  if (!(epsilon >= 0.0)) throw Error("config 'epsilon' must be >= 0");
  std::vector<float> gamma, beta;
  if (config.get_bool("scale", true)) gamma = ctx.weights.take("gamma", {channels});
  if (config.get_bool("center", true)) beta = ctx.weights.take("beta", {channels});
  return std::make_unique<GroupNormalization>(in.size(), static_cast<size_t>(axis), channels,
                                              groups, static_cast<float>(epsilon), std::move(gamma),
                                              std::move(beta));
}

}  // namespace kerasrt
