// Concatenate: joins inputs of equal rank along `axis` (default -1; negative counts from the
// end); all other dims must match.
// Masks (Concatenate.compute_mask): each input's mask is widened to the input's shape (an input
// without a mask counts as all ones), the widened masks are concatenated along `axis`, and the
// result is reduced over the last axis. Keras 3 widens a mask by broadcasting it over the last
// axis and reduces with `any`; Keras 2 (tf.keras) adds a last axis of size 1 and reduces with
// `all`. Concatenating along the last axis, Keras 3 therefore ORs the masks (all ones as soon
// as one input has none) and Keras 2 ANDs the masks present; along another axis both
// concatenate the masks.
#include <cstring>

#include "layers/layer.h"

namespace kerasrt {
namespace {

// The shape of the concatenation of `inputs` along `axis`; throws when they do not fit.
Dims concatenated_shape(std::span<const Dims> inputs, int64_t axis) {
  const size_t rank = inputs[0].size();
  const size_t along = static_cast<size_t>(normalize_axis(axis, rank));
  Dims out = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) {
    const Dims& in = inputs[i];
    bool ok = in.size() == rank;
    for (size_t d = 0; ok && d < rank; ++d) {
      if (d == along) {
        out[d] = add_dim(out[d], in[d]);
      } else if (out[d] == kAnyDim) {
        out[d] = in[d];
      } else {
        ok = in[d] == kAnyDim || in[d] == out[d];
      }
    }
    if (!ok)
      throw Error("input " + std::to_string(i) + " has shape " + to_string(in) +
                  "; it must match " + to_string(inputs[0]) + " except on axis " +
                  std::to_string(axis));
  }
  return out;
}

// The mask of a concatenation (see the top of the file). Inputs: the masks that exist, then
// every concatenated input (for its shape).
class ConcatenatedMask final : public Layer {
 public:
  ConcatenatedMask(int64_t axis, bool keras3, std::vector<bool> has_mask)
      : axis_(axis), keras3_(keras3), has_mask_(std::move(has_mask)) {
    for (bool has : has_mask_) masks_ += has ? 1 : 0;
  }

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const std::span<const Dims> data = inputs.subspan(masks_);
    const size_t rank = data[0].size();
    const size_t along = static_cast<size_t>(normalize_axis(axis_, rank));
    for (size_t i = 0, m = 0; i < data.size(); ++i) {
      if (has_mask_[i]) {
        check_mask_shape(inputs[m++], data[i], "input " + std::to_string(i));
      } else if (!keras3_ && along + 1 < rank && data[i].back() != 1 && data[i].back() != kAnyDim) {
        // tf.keras concatenates (..., 1) masks with all-ones (..., channels) ones here.
        throw Error(
            "Keras 2 cannot concatenate the masks of masked and unmasked inputs along axis " +
            std::to_string(axis_) + " unless the last dimension is 1, got " + to_string(data[i]));
      }
    }
    return {mask_shape_of(concatenated_shape(data, axis_))};
  }

  void run(const RunContext& ctx) const override {
    const std::span<const ConstTensor> data = ctx.inputs.subspan(masks_);
    std::vector<const float*> masks;  // per input; nullptr for one without a mask
    for (size_t i = 0, m = 0; i < data.size(); ++i)
      masks.push_back(has_mask_[i] ? ctx.inputs[m++].data : nullptr);
    const size_t rank = data[0].shape.size();
    const size_t along = static_cast<size_t>(normalize_axis(axis_, rank));
    float* out = ctx.outputs[0].data;

    // Whether input i lets position q of its mask through: one term of the reduction. Keras 3
    // takes `any` over the input's last-axis copies of its mask (none when that axis is
    // empty), Keras 2 `all` over a single copy (an unmasked input's ones change nothing).
    const auto term = [&](size_t i, int64_t q) {
      const bool unmasked = !masks[i] || masks[i][q] != 0.0f;
      return keras3_ ? unmasked && data[i].shape.back() > 0 : unmasked;
    };
    const auto value = [&](bool v) { return v ? 1.0f : 0.0f; };

    if (along + 1 == rank) {  // every input covers every position: reduce across inputs
      const int64_t count = ctx.outputs[0].size();
      for (int64_t q = 0; q < count; ++q) {
        bool result = !keras3_;
        for (size_t i = 0; i < data.size(); ++i)
          result = keras3_ ? result || term(i, q) : result && term(i, q);
        out[q] = value(result);
      }
      return;
    }
    // Along another axis each position comes from one input: concatenate the terms.
    const int64_t outer = product(data[0].shape, 0, along);
    const int64_t inner = product(data[0].shape, along + 1, rank - 1);
    for (int64_t o = 0; o < outer; ++o)
      for (size_t i = 0; i < data.size(); ++i) {
        const int64_t chunk = data[i].shape[along] * inner;
        for (int64_t q = o * chunk; q < (o + 1) * chunk; ++q) *out++ = value(term(i, q));
      }
  }

 private:
  int64_t axis_;
  bool keras3_;
  std::vector<bool> has_mask_;
  size_t masks_ = 0;
};

class Concatenate final : public Layer {
 public:
  Concatenate(int64_t axis, bool keras3) : axis_(axis), keras3_(keras3) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {concatenated_shape(inputs, axis_)};
  }

  MaskRule output_mask(size_t) const override { return MaskRule::kCombine; }
  std::unique_ptr<Layer> mask_combiner(std::span<const Dims>,
                                       const std::vector<bool>& has_mask) const override {
    return std::make_unique<ConcatenatedMask>(axis_, keras3_, has_mask);
  }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    const size_t rank = out.shape.size();
    const size_t axis = static_cast<size_t>(normalize_axis(axis_, rank));
    const int64_t outer = product(out.shape, 0, axis), inner = product(out.shape, axis + 1, rank);
    float* dst = out.data;
    for (int64_t o = 0; o < outer; ++o) {
      for (const ConstTensor& in : ctx.inputs) {
        const int64_t chunk = in.shape[axis] * inner;
        if (chunk > 0)
          std::memcpy(dst, in.data + o * chunk, static_cast<size_t>(chunk) * sizeof(float));
        dst += chunk;
      }
    }
  }

 private:
  int64_t axis_;
  bool keras3_;
};

}  // namespace

std::unique_ptr<Layer> make_concatenate(const BuildContext& ctx) {
  expect_min_inputs(ctx, 1);
  const int64_t axis = ctx.config.get_int("axis", -1);
  normalize_axis(axis, ctx.input_shapes[0].size());  // reject an out-of-range axis at load
  return std::make_unique<Concatenate>(axis, ctx.keras_major >= 3);
}

}  // namespace kerasrt
