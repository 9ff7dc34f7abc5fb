// UpSampling1D/2D/3D: repeats each position `size` times along each spatial axis. UpSampling2D
// may instead interpolate: bilinearly here, with the other tf.image.resize methods (bicubic,
// area, lanczos3/5, gaussian, mitchellcubic) through the image resizer of Resizing.
//
// Keras 3 and tf.keras (TensorFlow 2) resize bilinearly with tf.image.resize, which uses
// half-pixel centers. Standalone Keras 2.2.3-2.3.x and TensorFlow 1 tf.keras used
// tf.image.resize_bilinear without them, as does TensorFlow.js; a layer cannot tell those
// files apart from the Keras major version alone, so it follows TensorFlow 2.
#include "kernels/conv_resample.h"
#include "layers/conv_common.h"
#include "layers/image_resize.h"

namespace kerasrt {
namespace {

class UpSampling final : public Layer {
 public:
  UpSampling(SpatialLayout layout, Spatial factor, bool bilinear)
      : layout_(layout), factor_(factor), bilinear_(bilinear) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    Spatial size = layout_.spatial(in);
    for (int a = 0; a < kMaxSpatialRank; ++a) size[a] = mul_dim(size[a], factor_[a]);
    return {layout_.with_spatial(in, size)};
  }

  void run(const RunContext& ctx) const override {
    const Volume in = layout_.per_channel_volume(ctx.inputs[0].shape);
    if (bilinear_)
      upsample_bilinear(in, factor_[1], factor_[2], /*half_pixel_centers=*/true, ctx.inputs[0].data,
                        ctx.outputs[0].data);
    else
      upsample_nearest(in, factor_, ctx.inputs[0].data, ctx.outputs[0].data);
  }

 private:
  SpatialLayout layout_;
  Spatial factor_;
  bool bilinear_;
};

std::unique_ptr<Layer> make_up_sampling(const BuildContext& ctx, int rank) {
  expect_inputs(ctx, 1);
  refuse_keras1_config(ctx.config);
  const SpatialLayout layout = SpatialLayout::from_config(ctx.config, rank);
  layout.check(ctx.input_shapes[0]);
  const Spatial factor = spatial_config(ctx.config, "size", rank, 2);
  const std::string interpolation = ctx.config.get_string("interpolation", "nearest");
  if (interpolation == "nearest" || (rank == 2 && interpolation == "bilinear"))
    return std::make_unique<UpSampling>(layout, factor, interpolation == "bilinear");
  const std::optional<ResizeMethod> method = resize_method(interpolation);
  if (rank != 2 || !method)
    throw Error("config 'interpolation' is '" + interpolation + "'; " +
                (rank == 2 ? "supported: nearest, bilinear, bicubic, area, lanczos3, lanczos5, "
                             "gaussian, mitchellcubic"
                           : "this layer repeats values ('nearest') only"));
  return make_scaled_image_resize(layout.channels_first(), factor[1], factor[2], *method);
}

}  // namespace

std::unique_ptr<Layer> make_up_sampling1d(const BuildContext& ctx) {
  return make_up_sampling(ctx, 1);
}
std::unique_ptr<Layer> make_up_sampling2d(const BuildContext& ctx) {
  return make_up_sampling(ctx, 2);
}
std::unique_ptr<Layer> make_up_sampling3d(const BuildContext& ctx) {
  return make_up_sampling(ctx, 3);
}

}  // namespace kerasrt
