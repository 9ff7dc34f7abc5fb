// Masking: marks the timesteps whose features all equal `mask_value` as masked, and zeroes them.
//   mask[..., t] = any(x[..., t, :] != mask_value);  output = x * mask  (Keras multiplies, so a
//   masked row of infinities becomes NaN, as in Keras)
// The output carries the new mask (whatever mask the input had). Also here: the Keras rules
// shared by every layer (which classes pass masks on, mask shapes) and the all-ones mask node.
#include <algorithm>
#include <array>

#include "layers/layer.h"

namespace kerasrt {
namespace {

class Masking final : public Layer {
 public:
  explicit Masking(float mask_value) : mask_value_(mask_value) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    if (inputs.size() != 1) throw Error("takes 1 input, got " + std::to_string(inputs.size()));
    const Dims& in = inputs[0];
    if (in.size() < 2)
      throw Error("expects an input with a batch axis and a feature axis, got " + to_string(in));
    return {in, mask_shape_of(in)};
  }

  MaskRule output_mask(size_t) const override { return MaskRule::kProduce; }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    float* out = ctx.outputs[0].data;
    float* mask = ctx.outputs[1].data;
    const int64_t rows = ctx.outputs[1].size();
    const int64_t width = in.shape.back();
    for (int64_t r = 0; r < rows; ++r) {
      const float* x = in.data + r * width;
      const bool keep = std::any_of(x, x + width, [&](float v) { return v != mask_value_; });
      const float m = keep ? 1.0f : 0.0f;
      mask[r] = m;
      for (int64_t i = 0; i < width; ++i) out[r * width + i] = x[i] * m;
    }
  }

 private:
  float mask_value_;
};

// Fills a mask with ones: the mask of a tensor that has none.
class AllOnesMask final : public Layer {
 public:
  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {mask_shape_of(inputs[0])};
  }
  void run(const RunContext& ctx) const override {
    std::fill_n(ctx.outputs[0].data, ctx.outputs[0].size(), 1.0f);
  }
};

// Keras classes with supports_masking = True and the default compute_mask, in Keras 2 and 3
// alike (sorted). The inference identities are here too: Keras 3 hands their input tensor,
// mask attached, straight through.
constexpr std::array<std::string_view, 22> kMaskPassingClasses = {
    "Activation",
    "ActivityRegularization",
    "AlphaDropout",
    "BatchNormalization",
    "Dense",
    "Dropout",
    "ELU",
    "GaussianDropout",
    "GaussianNoise",
    "GroupNormalization",
    "Identity",
    "LayerNormalization",
    "LeakyReLU",
    "PReLU",
    "ReLU",
    "Rescaling",
    "Softmax",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "ThresholdedReLU",
    "UnitNormalization",
};
static_assert(std::is_sorted(kMaskPassingClasses.begin(), kMaskPassingClasses.end()));

}  // namespace

bool supports_masking(std::string_view class_name) {
  return std::binary_search(kMaskPassingClasses.begin(), kMaskPassingClasses.end(), class_name);
}

std::unique_ptr<Layer> make_all_ones_mask() { return std::make_unique<AllOnesMask>(); }

Dims mask_shape_of(std::span<const int64_t> data) {
  return Dims(data.begin(), data.empty() ? data.end() : data.end() - 1);
}

void check_mask_shape(std::span<const int64_t> mask, std::span<const int64_t> data,
                      const std::string& what) {
  const Dims want = mask_shape_of(data);
  bool ok = mask.size() == want.size();
  for (size_t d = 0; ok && d < want.size(); ++d)
    ok = mask[d] == want[d] || mask[d] == kAnyDim || want[d] == kAnyDim;
  if (!ok)
    throw Error("the mask of " + what + " has shape " + to_string(mask) + "; a tensor of shape " +
                to_string(data) + " needs a mask of shape " + to_string(want));
}

std::unique_ptr<Layer> make_masking(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  return std::make_unique<Masking>(static_cast<float>(ctx.config.get_float("mask_value", 0.0)));
}

}  // namespace kerasrt
