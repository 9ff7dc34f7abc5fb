// MaxPooling1D/2D/3D and AveragePooling1D/2D/3D: the max or mean of each `pool_size` window,
// moved by `strides` (default: pool_size). With "same" padding the padded positions take no
// part: the max ignores them and the average divides by the number of real elements.
#include "kernels/pool.h"
#include "layers/conv_common.h"

namespace kerasrt {
namespace {

class Pooling final : public Layer {
 public:
  Pooling(PoolOp op, WindowSpec spec) : op_(op), spec_(spec) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    return {spec_.layout.with_spatial(in, spec_.output_size(spec_.layout.spatial(in)))};
  }

  void run(const RunContext& ctx) const override {
    const Window window = spec_.window(spec_.layout.per_channel_volume(ctx.inputs[0].shape));
    pool_forward(op_, window, ctx.inputs[0].data, ctx.outputs[0].data);
  }

 private:
  PoolOp op_;
  WindowSpec spec_;
};

std::unique_ptr<Layer> make_pooling(const BuildContext& ctx, PoolOp op, int rank) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  refuse_keras1_config(config);
  WindowSpec spec{SpatialLayout::from_config(config, rank)};
  spec.kernel = spatial_config(config, "pool_size", rank, 2);
  spec.stride =
      config.has("strides") ? spatial_config(config, "strides", rank, std::nullopt) : spec.kernel;
  spec.padding = padding_config(config, /*allow_causal=*/false);
  spec.layout.check(ctx.input_shapes[0]);
  return std::make_unique<Pooling>(op, spec);
}

}  // namespace

std::unique_ptr<Layer> make_max_pooling1d(const BuildContext& ctx) {
  return make_pooling(ctx, PoolOp::kMax, 1);
}
std::unique_ptr<Layer> make_max_pooling2d(const BuildContext& ctx) {
  return make_pooling(ctx, PoolOp::kMax, 2);
}
std::unique_ptr<Layer> make_max_pooling3d(const BuildContext& ctx) {
  return make_pooling(ctx, PoolOp::kMax, 3);
}
std::unique_ptr<Layer> make_average_pooling1d(const BuildContext& ctx) {
  return make_pooling(ctx, PoolOp::kAverage, 1);
}
std::unique_ptr<Layer> make_average_pooling2d(const BuildContext& ctx) {
  return make_pooling(ctx, PoolOp::kAverage, 2);
}
std::unique_ptr<Layer> make_average_pooling3d(const BuildContext& ctx) {
  return make_pooling(ctx, PoolOp::kAverage, 3);
}

}  // namespace kerasrt
