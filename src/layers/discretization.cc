// Discretization: each value becomes the index of its bucket among the sorted bin_boundaries
// (the number of boundaries <= value, as np.digitize and TensorFlow's Bucketize count), then
// output_mode encodes the indices over len(bin_boundaries) + 1 buckets. The boundaries come
// from the config (given, or written there by adapt() in Keras 3).
#include <algorithm>

#include "layers/category_output.h"
#include "layers/config_values.h"

namespace kerasrt {
namespace {

class Discretization final : public IdPerElementLayer {
 public:
  Discretization(std::vector<float> boundaries, CategoryOutputSpec output)
      : IdPerElementLayer(std::move(output)), boundaries_(std::move(boundaries)) {}

 private:
  float id_of(float value) const override {
    return static_cast<float>(std::upper_bound(boundaries_.begin(), boundaries_.end(), value) -
                              boundaries_.begin());
  }

  std::vector<float> boundaries_;
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
