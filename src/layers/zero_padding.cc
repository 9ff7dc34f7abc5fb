// ZeroPadding1D/2D/3D: adds rows of zeros before and after each spatial axis.
#include "kernels/conv_resample.h"
#include "layers/conv_common.h"

namespace kerasrt {
namespace {

class ZeroPadding final : public Layer {
 public:
  ZeroPadding(SpatialLayout layout, Spatial before, Spatial after)
      : layout_(layout), before_(before), after_(after) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    Spatial size = layout_.spatial(in);
    for (int a = 0; a < kMaxSpatialRank; ++a) size[a] = add_dim(size[a], before_[a] + after_[a]);
    return {layout_.with_spatial(in, size)};
  }

  // A convolution reading this padding can pad by itself (graph/optimize.cc).
  FusibleOp fusible() const override {
    FusibleOp op;
    op.kind = FusibleOp::Kind::kZeroPadding;
    op.rank = static_cast<size_t>(layout_.rank()) + 2;
    op.channels_first = layout_.channels_first();
    op.pad_before = before_;
    op.pad_after = after_;
    return op;
  }

  void run(const RunContext& ctx) const override {
    const Volume in = layout_.per_channel_volume(ctx.inputs[0].shape);
    const Spatial out_size = layout_.spatial(ctx.outputs[0].shape);
    const Spatial offset{-before_[0], -before_[1], -before_[2]};
    shifted_copy(in, out_size, offset, ctx.inputs[0].data, ctx.outputs[0].data);
  }

 private:
  SpatialLayout layout_;
  Spatial before_, after_;
};

std::unique_ptr<Layer> make_zero_padding(const BuildContext& ctx, int rank) {
  expect_inputs(ctx, 1);
  refuse_keras1_config(ctx.config);
  const SpatialLayout layout = SpatialLayout::from_config(ctx.config, rank);
  layout.check(ctx.input_shapes[0]);
  const auto [before, after] = before_after_config(ctx.config, "padding", rank);
  return std::make_unique<ZeroPadding>(layout, before, after);
}

}  // namespace

std::unique_ptr<Layer> make_zero_padding1d(const BuildContext& ctx) {
  return make_zero_padding(ctx, 1);
}
std::unique_ptr<Layer> make_zero_padding2d(const BuildContext& ctx) {
  return make_zero_padding(ctx, 2);
}
std::unique_ptr<Layer> make_zero_padding3d(const BuildContext& ctx) {
  return make_zero_padding(ctx, 3);
}

}  // namespace kerasrt
