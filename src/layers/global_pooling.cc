// GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D: the max or mean over all spatial
// positions of each channel; (batch, channels), or with keepdims the input's rank with spatial
// sizes of 1.
#include "kernels/pool.h"
#include "layers/conv_common.h"

namespace kerasrt {
namespace {

class GlobalPooling final : public Layer {
 public:
  GlobalPooling(PoolOp op, SpatialLayout layout, bool keepdims)
      : op_(op), layout_(layout), keepdims_(keepdims) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (keepdims_) return {layout_.with_spatial(in, {1, 1, 1})};
    layout_.check(in);
    return {Dims{in[0], in[layout_.channel_axis()]}};
  }

  void run(const RunContext& ctx) const override {
    const Volume in = layout_.per_channel_volume(ctx.inputs[0].shape);
    global_pool_forward(op_, ctx.inputs[0].data, in.batch, in.positions(), in.channels,
                        ctx.outputs[0].data);
  }

 private:
  PoolOp op_;
  SpatialLayout layout_;
  bool keepdims_;
};

std::unique_ptr<Layer> make_global_pooling(const BuildContext& ctx, PoolOp op, int rank) {
  expect_inputs(ctx, 1);
  refuse_keras1_config(ctx.config);
  const SpatialLayout layout = SpatialLayout::from_config(ctx.config, rank);
  layout.check(ctx.input_shapes[0]);
  return std::make_unique<GlobalPooling>(op, layout, ctx.config.get_bool("keepdims", false));
}

}  // namespace

std::unique_ptr<Layer> make_global_max_pooling1d(const BuildContext& ctx) {
  return make_global_pooling(ctx, PoolOp::kMax, 1);
}
std::unique_ptr<Layer> make_global_max_pooling2d(const BuildContext& ctx) {
  return make_global_pooling(ctx, PoolOp::kMax, 2);
}
std::unique_ptr<Layer> make_global_max_pooling3d(const BuildContext& ctx) {
  return make_global_pooling(ctx, PoolOp::kMax, 3);
}
std::unique_ptr<Layer> make_global_average_pooling1d(const BuildContext& ctx) {
  return make_global_pooling(ctx, PoolOp::kAverage, 1);
}
std::unique_ptr<Layer> make_global_average_pooling2d(const BuildContext& ctx) {
  return make_global_pooling(ctx, PoolOp::kAverage, 2);
}
std::unique_ptr<Layer> make_global_average_pooling3d(const BuildContext& ctx) {
  return make_global_pooling(ctx, PoolOp::kAverage, 3);
}

}  // namespace kerasrt
