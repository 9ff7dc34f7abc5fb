// Normalization (the preprocessing layer): (x - mean) / max(sqrt(variance), 1e-7), or with
// invert=True mean + x * max(sqrt(variance), 1e-7). `axis` (an int, a list, or null for one
// scalar) names the axes with their own mean and variance. These come from the config when it
// gives them (broadcast over the kept axes, aligned at the right), else from the weights that
// adapt() filled: mean, variance and count (unused). Keras 3 and tf.keras 2 agree.
#include <algorithm>
#include <cmath>

#include "kernels/elementwise.h"
#include "layers/config_values.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

constexpr float kKerasEpsilon = 1e-7f;  // keras.backend.epsilon()

class Normalization final : public Layer {
 public:
  // `param_shape`: the input's rank, kept dims and 1 elsewhere; `mean` and `deviation` (the
  // clamped square root of the variance) one value per element of it.
  Normalization(Dims param_shape, std::vector<float> mean, std::vector<float> deviation,
                bool invert)
      : param_shape_(std::move(param_shape)),
        mean_(std::move(mean)),
        deviation_(std::move(deviation)),
        invert_(invert) {
    for (float d : deviation_) inverse_.push_back(1.0f / d);
  }

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    bool ok = in.size() == param_shape_.size();
    for (size_t a = 1; ok && a < in.size(); ++a)
      ok = param_shape_[a] == 1 || in[a] == kAnyDim || in[a] == param_shape_[a];
    if (!ok)
      throw Error("expects an input of rank " + std::to_string(param_shape_.size()) +
                  " matching the normalised dims " + to_string(param_shape_) + ", got " +
                  to_string(in));
    return {in};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const MutTensor& out = ctx.outputs[0];
    if (invert_) {
      broadcast_binary(BinaryOp::kMultiply, in.data, in.shape, deviation_.data(), param_shape_,
                       out.data, out.shape);
      broadcast_binary(BinaryOp::kAdd, out.data, out.shape, mean_.data(), param_shape_, out.data,
                       out.shape);
    } else {
      broadcast_binary(BinaryOp::kSubtract, in.data, in.shape, mean_.data(), param_shape_, out.data,
                       out.shape);
      broadcast_binary(BinaryOp::kMultiply, out.data, out.shape, inverse_.data(), param_shape_,
                       out.data, out.shape);
    }
  }

 private:
  Dims param_shape_;
  std::vector<float> mean_, deviation_, inverse_;
  bool invert_;
};

}  // namespace

std::unique_ptr<Layer> make_normalization(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  const Dims& in = ctx.input_shapes[0];
  const size_t rank = in.size();
  std::vector<int64_t> given;
  if (config.has("axis"))
    given = config.json().at("axis").is_array() ? config.get_int_list("axis")
                                                : std::vector<int64_t>{config.get_int("axis")};
  else if (!config.json().contains("axis"))
    given = {-1};
  std::vector<int> kept;
  for (int64_t a : given) kept.push_back(normalize_axis(a, rank));
  std::sort(kept.begin(), kept.end());
  if (std::adjacent_find(kept.begin(), kept.end()) != kept.end())
    throw Error("config 'axis' repeats an axis");
  if (!kept.empty() && kept.front() == 0)
    throw Error("config 'axis' includes the batch axis 0, which is not supported");
  Dims param_shape(rank, 1), kept_shape;
  for (int axis : kept) {
    const int64_t dim = in[static_cast<size_t>(axis)];
    if (dim == kAnyDim)
      throw Error("the input dimension on kept axis " + std::to_string(axis) +
                  " must be known, got " + to_string(in));
    param_shape[static_cast<size_t>(axis)] = dim;
    kept_shape.push_back(dim);
  }

  std::vector<float> mean, variance;
  if (config.has("mean") || config.has("variance")) {
    if (!config.has("mean") || !config.has("variance"))
      throw Error("config gives only one of 'mean' and 'variance'");
    mean = broadcast_to(config_array(config, "mean"), kept_shape, "config 'mean'");
    variance = broadcast_to(config_array(config, "variance"), kept_shape, "config 'variance'");
  } else {
    mean = ctx.weights.take("mean", kept_shape, false);
    variance = ctx.weights.take("variance", kept_shape, false);
    ctx.weights.take("count", {}, false);
  }
  std::vector<float> deviation(variance.size());
  for (size_t i = 0; i < variance.size(); ++i) {
    if (!(variance[i] >= 0.0f))
      throw Error("variance " + std::to_string(variance[i]) + " is negative");
    deviation[i] = std::max(std::sqrt(variance[i]), kKerasEpsilon);
  }
  return std::make_unique<Normalization>(std::move(param_shape), std::move(mean),
                                         std::move(deviation), config.get_bool("invert", false));
}

}  // namespace kerasrt
