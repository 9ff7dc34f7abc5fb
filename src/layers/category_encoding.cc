// CategoryEncoding: integer ids in [0, num_tokens) (arriving as float32, truncated like a cast
// to int) encoded one_hot, multi_hot (the default) or as counts. An id outside the range is an
// error, as tf.keras's range check makes it. count_weights (a second input) is not supported.
#include "layers/category_output.h"

namespace kerasrt {
namespace {

class CategoryEncoding final : public Layer {
 public:
  CategoryEncoding(int64_t tokens, CategoryOutputSpec output) : tokens_(tokens), output_(output) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {output_.output_shape(inputs[0])};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    for (int64_t i = 0; i < in.size(); ++i)
      if (!(in.data[i] > -1.0f && in.data[i] < static_cast<float>(tokens_)))  // also NaN
        throw Error("id " + std::to_string(in.data[i]) + " is outside [0, " +
                    std::to_string(tokens_) + ")");
    output_.encode(in.data, in.shape, ctx.outputs[0].data);
  }

 private:
  int64_t tokens_;
  CategoryOutputSpec output_;
};

}  // namespace

std::unique_ptr<Layer> make_category_encoding(const BuildContext& ctx) {
  if (ctx.input_shapes.size() != 1)
    throw Error("takes 1 input (count_weights are not supported), got " +
                std::to_string(ctx.input_shapes.size()));
  const int64_t tokens = ctx.config.get_int("num_tokens");
  if (tokens <= 0 || tokens > kMaxTensorElements)
    throw Error("config 'num_tokens' must be positive, got " + std::to_string(tokens));
  if (ctx.config.get_string("output_mode", "multi_hot") == "int")
    throw Error("config 'output_mode' must be one_hot, multi_hot or count");
  const CategoryOutputSpec output(ctx.config, "multi_hot", tokens, ctx.keras_major);
  auto layer = std::make_unique<CategoryEncoding>(tokens, output);
  layer->output_shapes(ctx.input_shapes);
  return layer;
}

}  // namespace kerasrt
