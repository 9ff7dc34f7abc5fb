// LayerNormalization: each sample is normalised to zero mean and unit variance over `axis` (an
// int or a list), then scaled by gamma and shifted by beta (weights spanning those axes).
// Keras 3's `rms_scaling` divides by the same standard deviation without subtracting the mean
// and applies gamma only.
#include <algorithm>

#include "kernels/normalize.h"
#include "kernels/transpose.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

// Normalised axes not at the end are moved there (kept in order) and back afterwards.
struct MovedAxes final : Prepared {
  MovedAxes(const Dims& in, std::span<const int> to_rows, std::span<const int> from_rows)
      : to_rows(in, to_rows), from_rows(permuted_shape(in, to_rows), from_rows) {}
  Transposition to_rows, from_rows;
};

class LayerNormalization final : public Layer {
 public:
  // `axes` sorted; `gamma`/`beta` flat over the normalised dims in sorted-axis order (empty when
  // absent).
  LayerNormalization(size_t rank, std::vector<int> axes, Dims axis_dims, float epsilon,
                     bool subtract_mean, std::vector<float> gamma, std::vector<float> beta)
      : rank_(rank),
        axes_(std::move(axes)),
        axis_dims_(std::move(axis_dims)),
        epsilon_(epsilon),
        subtract_mean_(subtract_mean),
        gamma_(std::move(gamma)),
        beta_(std::move(beta)) {
    for (size_t a = 0; a < rank_; ++a)
      if (!std::binary_search(axes_.begin(), axes_.end(), static_cast<int>(a)))
        to_rows_.push_back(static_cast<int>(a));
    to_rows_.insert(to_rows_.end(), axes_.begin(), axes_.end());
    from_rows_.resize(rank_);
    for (size_t i = 0; i < rank_; ++i)
      from_rows_[static_cast<size_t>(to_rows_[i])] = static_cast<int>(i);
    trailing_ = axes_.front() == static_cast<int>(rank_ - axes_.size());
  }

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    bool ok = in.size() == rank_;
    for (size_t i = 0; ok && i < axes_.size(); ++i) {
      const int64_t dim = in[static_cast<size_t>(axes_[i])];
      ok = dim == kAnyDim || dim == axis_dims_[i];
    }
    if (!ok)
      throw Error("expects an input of rank " + std::to_string(rank_) + " with " +
                  to_string(axis_dims_) + " on the normalised axes, got " + to_string(in));
    return {in};
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    return trailing_ ? 0 : static_cast<size_t>(num_elements(inputs[0]));
  }

  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    if (trailing_) return nullptr;
    return std::make_shared<const MovedAxes>(inputs[0], to_rows_, from_rows_);
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const int64_t cols = num_elements(axis_dims_);
    const int64_t rows = cols == 0 ? 0 : in.size() / cols;
    RowNormalization how;
    how.epsilon = epsilon_;
    how.subtract_mean = subtract_mean_;
    how.gamma = gamma_.empty() ? nullptr : gamma_.data();
    how.beta = beta_.empty() ? nullptr : beta_.data();
    if (trailing_) {
      normalize_rows(in.data, ctx.outputs[0].data, rows, cols, how);
      return;
    }
    with_prepared(*this, ctx, static_cast<size_t>(in.size()),
                  [&](const Prepared& prepared, float*) {
                    const auto& moves = static_cast<const MovedAxes&>(prepared);
                    moves.to_rows.run(in.data, ctx.scratch);
                    normalize_rows(ctx.scratch, ctx.scratch, rows, cols, how);
                    moves.from_rows.run(ctx.scratch, ctx.outputs[0].data);
                  });
  }

 private:
  size_t rank_;
  std::vector<int> axes_;
  Dims axis_dims_;  // input dims on axes_
  float epsilon_;
  bool subtract_mean_;
  std::vector<float> gamma_, beta_;
  std::vector<int> to_rows_, from_rows_;  // permutations moving axes_ last and back
  bool trailing_;
};

}  // namespace

std::unique_ptr<Layer> make_layer_normalization(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  const Dims& in = ctx.input_shapes[0];
  const size_t rank = in.size();
  const Json& axis = config.json().value("axis", Json(-1));
  const std::vector<int64_t> given = axis.is_array()
                                         ? config.get_int_list("axis")
                                         : std::vector<int64_t>{config.get_int("axis", -1)};
  if (given.empty()) throw Error("config 'axis' is an empty list");

  // Weights span the axes in the order given; Keras then reshapes (not transposes) them onto
  // the sorted axes, so their flat data is used in sorted-axis order.
  std::vector<int> axes;
  Dims weight_shape;
  for (int64_t a : given) {
    const int resolved = normalize_axis(a, rank);
    if (resolved == 0)
      throw Error("config 'axis' includes the batch axis 0, which is not supported");
    const int64_t dim = in[static_cast<size_t>(resolved)];
    if (dim == kAnyDim)
      throw Error("the input dimension on axis " + std::to_string(resolved) +
                  " must be known, got " + to_string(in));
    axes.push_back(resolved);
    weight_shape.push_back(dim);
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    throw Error("config 'axis' repeats an axis: " + axis.dump());
  Dims axis_dims;
  for (int a : axes) axis_dims.push_back(in[static_cast<size_t>(a)]);

  const double epsilon = config.get_float("epsilon", 1e-3);
  if (!(epsilon >= 0.0)) throw Error("config 'epsilon' must be >= 0");
  const bool rms_scaling = config.get_bool("rms_scaling", false);
  std::vector<float> gamma, beta;
  if (config.get_bool("scale", true) || rms_scaling)
    gamma = ctx.weights.take("gamma", weight_shape);
  if (config.get_bool("center", true) && !rms_scaling)
    beta = ctx.weights.take("beta", weight_shape);
  return std::make_unique<LayerNormalization>(rank, std::move(axes), std::move(axis_dims),
                                              static_cast<float>(epsilon), !rms_scaling,
                                              std::move(gamma), std::move(beta));
}

}  // namespace kerasrt
