// BatchNormalization at inference: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon)
// + beta along `axis` (an int, or a list of axes in tf.keras), folded into one per-channel
// scale and shift at build time.
#include <algorithm>
#include <cmath>

#include "kernels/elementwise.h"
#include "kernels/normalize.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

// TensorFlow's fused batch norm silently raises epsilon to this (a cuDNN requirement).
constexpr double kFusedMinEpsilon = 1.001e-5;

class BatchNormalization final : public Layer {
 public:
  // `axes`: sorted normalised axes; `param_shape`: the input's rank with the axis dims kept and 1
  // elsewhere; `scale`/`shift`: one value per element of param_shape.
  BatchNormalization(std::vector<int> axes, Dims param_shape, std::vector<float> scale,
                     std::vector<float> shift)
      : axes_(std::move(axes)),
        param_shape_(std::move(param_shape)),
        scale_(std::move(scale)),
        shift_(std::move(shift)),
        contiguous_(axes_.back() - axes_.front() + 1 == static_cast<int>(axes_.size())) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    bool ok = in.size() == param_shape_.size();
    for (int axis : axes_) {
      const size_t a = static_cast<size_t>(axis);
      ok = ok && (in[a] == kAnyDim || in[a] == param_shape_[a]);
    }
    if (!ok)
      throw Error("expects an input of rank " + std::to_string(param_shape_.size()) +
                  " matching the normalised dims " + to_string(param_shape_) + ", got " +
                  to_string(in));
    return {in};
  }

  // One normalised axis: a per-channel scale and shift that a convolution or Dense before it
  // can fold into its weights (graph/optimize.cc).
  FusibleOp fusible() const override {
    if (axes_.size() != 1) return {};
    FusibleOp op;
    op.kind = FusibleOp::Kind::kChannelAffine;
    op.axis = axes_.front();
    op.rank = param_shape_.size();
    op.scale = scale_;
    op.shift = shift_;
    return op;
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const MutTensor& out = ctx.outputs[0];
    if (contiguous_) {
      const size_t first = static_cast<size_t>(axes_.front());
      const size_t last = static_cast<size_t>(axes_.back());
      channel_affine(in.data, out.data, product(in.shape, 0, first),
                     product(in.shape, first, last + 1),
                     product(in.shape, last + 1, in.shape.size()), scale_.data(), shift_.data());
    } else {  // axes with gaps (tf.keras axis=[1, 3]): broadcast the parameters instead
      broadcast_binary(BinaryOp::kMultiply, in.data, in.shape, scale_.data(), param_shape_,
                       out.data, out.shape);
      broadcast_binary(BinaryOp::kAdd, out.data, out.shape, shift_.data(), param_shape_, out.data,
                       out.shape);
    }
  }

 private:
  std::vector<int> axes_;
  Dims param_shape_;
  std::vector<float> scale_, shift_;
  bool contiguous_;
};

std::vector<int> normalised_axes(const BuildContext& ctx, size_t rank) {
  const Json& axis = ctx.config.json().value("axis", Json(-1));
  const std::vector<int64_t> given = axis.is_array()
                                         ? ctx.config.get_int_list("axis")
                                         : std::vector<int64_t>{ctx.config.get_int("axis", -1)};
  if (given.empty()) throw Error("config 'axis' is an empty list");
  std::vector<int> axes;
  for (int64_t a : given) axes.push_back(normalize_axis(a, rank));
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    throw Error("config 'axis' repeats an axis: " + axis.dump());
  if (axes.front() == 0)
    throw Error("config 'axis' includes the batch axis 0, which is not supported");
  return axes;
}

// True when tf.keras would run this layer through TensorFlow's fused batch norm kernel, which
// applies epsilon >= 1.001e-5 whatever the config says.
bool runs_fused_in_tf_keras(const BuildContext& ctx, const std::vector<int>& axes, size_t rank,
                            bool renorm, bool virtual_batches) {
  if (ctx.keras_major != 2 || renorm || virtual_batches || axes.size() != 1) return false;
  if (ctx.config.has("fused") && !ctx.config.get_bool("fused", true)) return false;
  const int axis = axes.front(), last = static_cast<int>(rank) - 1;
  return (rank == 4 || rank == 5) && (axis == 1 || axis == last);
}

}  // namespace

std::unique_ptr<Layer> make_batch_normalization(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  if (config.has("mode") && config.get_int("mode") != 0)
    throw Error(
        "config 'mode' is " + std::to_string(config.get_int("mode")) +
        " (Keras 1 sample-wise or batch-statistics normalisation); only mode 0 is supported");
  const Dims& in = ctx.input_shapes[0];
  const size_t rank = in.size();
  if (rank < 2) throw Error("needs an input of rank >= 2, got " + to_string(in));
  const std::vector<int> axes = normalised_axes(ctx, rank);

  Dims param_shape(rank, 1);
  for (int axis : axes) {
    const int64_t dim = in[static_cast<size_t>(axis)];
    if (dim == kAnyDim)
      throw Error("the input dimension on axis " + std::to_string(axis) + " must be known, got " +
                  to_string(in));
    param_shape[static_cast<size_t>(axis)] = dim;
  }
  const int64_t channels = num_elements(param_shape);

  // Keras weight shapes: (C,) for one axis; tf.keras keeps the input's rank (1 off the axes) for
  // several axes, and adds a leading 1 for virtual (ghost) batches.
  const bool virtual_batches = config.has("virtual_batch_size");
  if (virtual_batches && config.get_int("virtual_batch_size") <= 0)
    throw Error("config 'virtual_batch_size' must be positive");
  Dims weight_shape{channels};
  if (axes.size() > 1 || virtual_batches) {
    weight_shape = param_shape;
    if (virtual_batches) weight_shape.insert(weight_shape.begin() + 1, 1);
  }

  const bool renorm = config.get_bool("renorm", false);
  double epsilon = config.get_float("epsilon", 1e-3);
  if (!(epsilon >= 0.0)) throw Error("config 'epsilon' must be >= 0");
  if (runs_fused_in_tf_keras(ctx, axes, rank, renorm, virtual_batches))
    epsilon = std::max(epsilon, kFusedMinEpsilon);

  // Keras 1 has neither option and always both weights (gamma, beta, running_mean, running_std,
  // the last being a variance despite its name).
  std::vector<float> gamma, beta;
  if (config.get_bool("scale", true)) gamma = ctx.weights.take("gamma", weight_shape);
  if (config.get_bool("center", true)) beta = ctx.weights.take("beta", weight_shape);
  const std::vector<float> mean = ctx.weights.take("moving_mean", weight_shape, false);
  const std::vector<float> variance = ctx.weights.take("moving_variance", weight_shape, false);
  if (renorm) {  // training-only statistics (tf.keras >= 2.2 layout); inference ignores them
    for (const char* name : {"moving_stddev", "renorm_mean", "renorm_stddev"})
      ctx.weights.take(name, weight_shape, false);
  }

  std::vector<float> scale(static_cast<size_t>(channels)), shift(static_cast<size_t>(channels));
  for (size_t c = 0; c < scale.size(); ++c) {
    const double s = (gamma.empty() ? 1.0 : gamma[c]) / std::sqrt(variance[c] + epsilon);
    scale[c] = static_cast<float>(s);
    shift[c] = static_cast<float>((beta.empty() ? 0.0 : beta[c]) - mean[c] * s);
  }
  return std::make_unique<BatchNormalization>(axes, param_shape, std::move(scale),
                                              std::move(shift));
}

}  // namespace kerasrt
