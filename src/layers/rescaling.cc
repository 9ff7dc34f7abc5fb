// Rescaling: x * scale + offset, each a number or an array broadcast against the input (aligned
// at the right, as NumPy does: a list of C values scales the channels of channels_last data).
#include "kernels/elementwise.h"
#include "layers/config_values.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

class Rescaling final : public Layer {
 public:
  Rescaling(Array scale, Array offset) : scale_(std::move(scale)), offset_(std::move(offset)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    for (const Array* a : {&scale_, &offset_}) {
      bool ok = a->shape.size() < in.size();
      for (size_t i = 0; ok && i < a->shape.size(); ++i) {
        const int64_t dim = a->shape[a->shape.size() - 1 - i];
        const int64_t input_dim = in[in.size() - 1 - i];
        ok = dim == 1 || input_dim == kAnyDim || input_dim == dim;
      }
      if (!ok)
        throw Error("config '" + a->name + "' of shape " + to_string(a->shape) +
                    " does not broadcast over an input of shape " + to_string(in));
    }
    return {in};
  }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    broadcast_binary(BinaryOp::kMultiply, ctx.inputs[0].data, ctx.inputs[0].shape,
                     scale_.values.data(), scale_.shape, out.data, out.shape);
    broadcast_binary(BinaryOp::kAdd, out.data, out.shape, offset_.values.data(), offset_.shape,
                     out.data, out.shape);
  }

 private:
  Array scale_, offset_;
};

}  // namespace

std::unique_ptr<Layer> make_rescaling(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  Array offset;
  if (ctx.config.has("offset")) {
    offset = config_array(ctx.config, "offset");
  } else {
    offset = Array{"offset", {}, {0.0f}};
  }
  auto layer = std::make_unique<Rescaling>(config_array(ctx.config, "scale"), std::move(offset));
  layer->output_shapes(ctx.input_shapes);
  return layer;
}

}  // namespace kerasrt
