// Embedding: looks up rows of the embedding matrix by index (indices arrive as float32 and are
// truncated to integers, as Keras casts them).
#include <cmath>

#include "layers/layer.h"

namespace kerasrt {
namespace {

class Embedding final : public Layer {
 public:
  Embedding(int64_t vocabulary, int64_t width, std::vector<float> table)
      : vocabulary_(vocabulary), width_(width), table_(std::move(table)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    Dims out = inputs[0];
    out.push_back(width_);
    return {out};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    float* out = ctx.outputs[0].data;
    const int64_t count = in.size();
    for (int64_t i = 0; i < count; ++i) {
      const float value = in.data[i];
      if (!(value > -1.0f && value < static_cast<float>(vocabulary_)))  // also rejects NaN
        throw Error("index " + std::to_string(value) + " is outside the vocabulary [0, " +
                    std::to_string(vocabulary_) + ")");
      const int64_t row = static_cast<int64_t>(value);  // truncation, like a cast to int
      std::copy_n(table_.data() + row * width_, width_, out + i * width_);
    }
  }

 private:
  int64_t vocabulary_, width_;
  std::vector<float> table_;
};

}  // namespace

std::unique_ptr<Layer> make_embedding(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  if (ctx.config.get_bool("mask_zero", false))
    throw Error("mask_zero=True (masking) is not supported yet");
  const int64_t vocabulary = ctx.config.get_int("input_dim");
  const int64_t width = ctx.config.get_int("output_dim");
  if (vocabulary <= 0 || width <= 0) throw Error("input_dim and output_dim must be positive");
  auto table = ctx.weights.take("embeddings", {vocabulary, width});
  return std::make_unique<Embedding>(vocabulary, width, std::move(table));
}

}  // namespace kerasrt
