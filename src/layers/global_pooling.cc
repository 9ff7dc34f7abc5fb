// GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D: the max or mean over all spatial
// positions of each channel; (batch, channels), or with keepdims the input's rank with spatial
// sizes of 1.
// Masks: GlobalAveragePooling1D averages the unmasked steps only (mask (batch, steps), as
// Keras 3 does with ops.where: masked values are left out, not multiplied by 0; a sample with
// every step masked gives 0/0 = NaN, as in Keras). Its output has no mask. The other global
// poolings drop masks.
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
    if (inputs.size() > 1) {
      layout_.check(in);
      const Dims steps_last{in[0], in[layout_.spatial_axis(0)], in[layout_.channel_axis()]};
      check_mask_shape(inputs[1], steps_last, "the input");
    }
    if (keepdims_) return {layout_.with_spatial(in, {1, 1, 1})};
    layout_.check(in);
    return {Dims{in[0], in[layout_.channel_axis()]}};
  }

  bool consumes_masks() const override { return op_ == PoolOp::kAverage && layout_.rank() == 1; }
  MaskRule output_mask(size_t) const override { return MaskRule::kNone; }

  void run(const RunContext& ctx) const override {
    if (ctx.inputs.size() > 1) return masked_average(ctx);
    const Volume in = layout_.per_channel_volume(ctx.inputs[0].shape);
    global_pool_forward(op_, ctx.inputs[0].data, in.batch, in.positions(), in.channels,
                        ctx.outputs[0].data);
  }

 private:
  // out[b, c] = sum of x[b, t, c] over the unmasked steps t / their count.
  void masked_average(const RunContext& ctx) const {
    const ConstTensor& in = ctx.inputs[0];
    const float* mask = ctx.inputs[1].data;
    const int64_t batch = in.shape[0];
    const int64_t steps = in.shape[layout_.spatial_axis(0)];
    const int64_t channels = in.shape[layout_.channel_axis()];
    // Strides of a step and of a channel within one sample.
    const int64_t step_stride = layout_.channels_first() ? 1 : channels;
    const int64_t channel_stride = layout_.channels_first() ? steps : 1;
    for (int64_t b = 0; b < batch; ++b) {
      const float* x = in.data + b * steps * channels;
      const float* m = mask + b * steps;
      float count = 0.0f;
      for (int64_t t = 0; t < steps; ++t) count += m[t];
      for (int64_t c = 0; c < channels; ++c) {
        float sum = 0.0f;
        for (int64_t t = 0; t < steps; ++t)
          if (m[t] != 0.0f) sum += x[t * step_stride + c * channel_stride];
        ctx.outputs[0].data[b * channels + c] = sum / count;
      }
    }
  }

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
