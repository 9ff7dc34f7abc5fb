// Discretization: each value becomes the index of its bucket among the sorted bin_boundaries
// (the number of boundaries <= value, as np.digitize and TensorFlow's Bucketize count), then
// output_mode encodes the indices over len(bin_boundaries) + 1 buckets. The boundaries come
// from the config (given, or written there by adapt() in Keras 3).
#include <algorithm>

#include "layers/category_output.h"
#include "layers/config_values.h"

namespace kerasrt {
namespace {

class Discretization final : public Layer {
 public:
  Discretization(std::vector<float> boundaries, CategoryOutputSpec output)
      : boundaries_(std::move(boundaries)), output_(output) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {output_.output_shape(inputs[0])};
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    return output_.ids_scratch_floats(inputs[0]);
  }

  void run(const RunContext& ctx) const override {
    const float* in = ctx.inputs[0].data;
    output_.write_ids(ctx, [&](int64_t i) {
      return static_cast<float>(std::upper_bound(boundaries_.begin(), boundaries_.end(), in[i]) -
                                boundaries_.begin());
    });
  }

 private:
  std::vector<float> boundaries_;
  CategoryOutputSpec output_;
};

}  // namespace

std::unique_ptr<Layer> make_discretization(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  if (!ctx.config.has("bin_boundaries"))
    throw Error(
        "config 'bin_boundaries' is missing: boundaries adapted by tf.keras 2 (kept in the "
        "'summary' weight) are not supported");
  const Array boundaries = config_array(ctx.config, "bin_boundaries");
  if (boundaries.shape.size() != 1)
    throw Error("config 'bin_boundaries' must be a list of numbers");
  if (!std::is_sorted(boundaries.values.begin(), boundaries.values.end()))
    throw Error("config 'bin_boundaries' must be sorted");
  const CategoryOutputSpec output(
      ctx.config, "int", static_cast<int64_t>(boundaries.values.size()) + 1, ctx.keras_major);
  auto layer = std::make_unique<Discretization>(boundaries.values, output);
  layer->output_shapes(ctx.input_shapes);
  return layer;
}

}  // namespace kerasrt
