// Cropping1D/2D/3D: removes positions from the start and the end of each spatial axis.
#include "kernels/conv_resample.h"
#include "layers/conv_common.h"

namespace kerasrt {
namespace {

class Cropping final : public Layer {
 public:
  Cropping(SpatialLayout layout, Spatial before, Spatial after)
      : layout_(layout), before_(before), after_(after) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    Spatial size = layout_.spatial(in);
    for (int a = 0; a < kMaxSpatialRank; ++a) {
      if (size[a] == kAnyDim) continue;
      if (before_[a] + after_[a] >= size[a])
        throw Error("cropping " + std::to_string(before_[a]) + " + " + std::to_string(after_[a]) +
                    " leaves nothing of an axis of length " + std::to_string(size[a]) + " in " +
                    to_string(in));
      size[a] -= before_[a] + after_[a];
    }
    return {layout_.with_spatial(in, size)};
  }

  void run(const RunContext& ctx) const override {
    const Volume in = layout_.per_channel_volume(ctx.inputs[0].shape);
    shifted_copy(in, layout_.spatial(ctx.outputs[0].shape), before_, ctx.inputs[0].data,
                 ctx.outputs[0].data);
  }

 private:
  SpatialLayout layout_;
  Spatial before_, after_;
};

std::unique_ptr<Layer> make_cropping(const BuildContext& ctx, int rank) {
  expect_inputs(ctx, 1);
  refuse_keras1_config(ctx.config);
  const SpatialLayout layout = SpatialLayout::from_config(ctx.config, rank);
  layout.check(ctx.input_shapes[0]);
  const auto [before, after] = before_after_config(ctx.config, "cropping", rank);
  return std::make_unique<Cropping>(layout, before, after);
}

}  // namespace

std::unique_ptr<Layer> make_cropping1d(const BuildContext& ctx) { return make_cropping(ctx, 1); }
std::unique_ptr<Layer> make_cropping2d(const BuildContext& ctx) { return make_cropping(ctx, 2); }
std::unique_ptr<Layer> make_cropping3d(const BuildContext& ctx) { return make_cropping(ctx, 3); }

}  // namespace kerasrt
