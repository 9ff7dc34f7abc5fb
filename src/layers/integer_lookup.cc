// keras.layers.IntegerLookup (keras/src/layers/preprocessing/integer_lookup.py): integer tokens,
// which arrive as floats, to ids or their encoding; inverted, ids to the integer tokens (as
// floats). Vocabulary tokens beyond 2^24 are refused at load (index_lookup.cc): float32 could
// not hold them exactly.
#include "layers/index_lookup.h"

namespace kerasrt {
namespace {

class IntegerLookup final : public Layer {
 public:
  explicit IntegerLookup(IndexLookup lookup) : lookup_(std::move(lookup)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {lookup_.settings().invert ? inputs[0] : lookup_.output().output_shape(inputs[0])};
  }
  size_t scratch_floats(std::span<const Dims> inputs) const override {
    return lookup_.output().ids_scratch_floats(inputs[0]);
  }

  void run(const RunContext& ctx) const override {
    const float* in = ctx.inputs[0].data;
    if (lookup_.settings().invert) {
      for (int64_t i = 0; i < ctx.inputs[0].size(); ++i)
        ctx.outputs[0].data[i] = static_cast<float>(lookup_.integer_of(lookup_integer_of(in[i])));
      return;
    }
    lookup_.output().write_ids(ctx, [&](int64_t i) {
      return static_cast<float>(lookup_.id_of(lookup_integer_of(in[i])));
    });
  }

 private:
  IndexLookup lookup_;
};

}  // namespace

std::unique_ptr<Layer> make_integer_lookup(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  auto layer = std::make_unique<IntegerLookup>(
      IndexLookup(IndexLookupSettings::from_config(ctx.config, false), ctx));
  layer->output_shapes(ctx.input_shapes);
  return layer;
}

}  // namespace kerasrt
