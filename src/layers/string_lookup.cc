// keras.layers.StringLookup (keras/src/layers/preprocessing/string_lookup.py). Forward, it reads
// a string model input before the graph (StringEncoder) and gives ids or their encoding as
// floats; inverted, it turns the float ids reaching a model output into strings after the graph
// (StringDecoder). Either way run() is never called: the runtime calls encode() or decode().
#include "layers/index_lookup.h"

namespace kerasrt {

namespace {

class StringLookup final : public Layer, public StringEncoder, public StringDecoder {
 public:
  explicit StringLookup(IndexLookup lookup) : lookup_(std::move(lookup)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {encoded_shape(inputs[0])};
  }
  void run(const RunContext&) const override {
    throw Error("StringLookup runs on strings at the model's edge only");
  }
  const StringEncoder* string_encoder() const override {
    return lookup_.settings().invert ? nullptr : this;
  }
  const StringDecoder* string_decoder() const override {
    return lookup_.settings().invert ? this : nullptr;
  }

  Dims encoded_shape(const Dims& input) const override {
    return lookup_.settings().invert ? input : lookup_.output().output_shape(input);
  }

  Tensor encode(std::span<const std::string> strings,
                std::span<const int64_t> shape) const override {
    const CategoryOutputSpec& output = lookup_.output();
    std::vector<float> ids(strings.size());
    for (size_t i = 0; i < strings.size(); ++i)
      ids[i] = static_cast<float>(lookup_.id_of(std::string_view(strings[i])));
    const Dims in(shape.begin(), shape.end());
    Tensor out(output.output_shape(in));
    output.encode(ids.data(), shape, out.data());
    return out;
  }

  void decode(std::span<const float> ids, std::span<std::string> out) const override {
    for (size_t i = 0; i < ids.size(); ++i) out[i] = lookup_.string_of(lookup_integer_of(ids[i]));
  }

 private:
  IndexLookup lookup_;
};

}  // namespace

std::unique_ptr<Layer> make_string_lookup(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  auto layer = std::make_unique<StringLookup>(
      IndexLookup(IndexLookupSettings::from_config(ctx.config, true), ctx));
  layer->output_shapes(ctx.input_shapes);
  return layer;
}

}  // namespace kerasrt
