// Embedding: looks up rows of the embedding matrix by index (indices arrive as float32 and are
// truncated to integers, as Keras casts them). With mask_zero=True the output also carries a
// mask, index != 0, computed like Keras on the raw input value (so 0.5 is not masked although
// it looks up row 0); the input's own mask, if any, is replaced.
#include <cmath>

#include "layers/layer.h"

namespace kerasrt {
namespace {

class Embedding final : public Layer {
 public:
  Embedding(int64_t vocabulary, int64_t width, bool mask_zero, std::vector<float> table)
      : vocabulary_(vocabulary), width_(width), mask_zero_(mask_zero), table_(std::move(table)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    Dims out = inputs[0];
    out.push_back(width_);
    if (mask_zero_) return {out, inputs[0]};
    return {out};
  }

  // Keras 3 sets supports_masking = mask_zero: without it an incoming mask is dropped.
  MaskRule output_mask(size_t) const override {
    return mask_zero_ ? MaskRule::kProduce : MaskRule::kNone;
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
    if (mask_zero_) {
      float* mask = ctx.outputs[1].data;
      for (int64_t i = 0; i < count; ++i) mask[i] = in.data[i] != 0.0f ? 1.0f : 0.0f;
    }
  }

 private:
  int64_t vocabulary_, width_;
  bool mask_zero_;
  std::vector<float> table_;
};

}  // namespace

std::unique_ptr<Layer> make_embedding(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const bool mask_zero = ctx.config.get_bool("mask_zero", false);
  const int64_t vocabulary = ctx.config.get_int("input_dim");
  const int64_t width = ctx.config.get_int("output_dim");
  if (vocabulary <= 0 || width <= 0) throw Error("input_dim and output_dim must be positive");
  auto table = ctx.weights.take("embeddings", {vocabulary, width});
  return std::make_unique<Embedding>(vocabulary, width, mask_zero, std::move(table));
}

}  // namespace kerasrt
