// Element-wise merge layers: Add, Subtract (exactly 2 inputs), Multiply, Average, Maximum,
// Minimum. Keras's `_Merge` rules: batch sizes must agree; inputs of lower rank get axes of size
// 1 inserted right after the batch axis, so the non-batch shapes broadcast aligned at the right
// (dims equal or 1). Inputs are folded left to right; Average divides the sum by the count.
// Masks differ between Keras versions:
// - Keras 2 (tf.keras _Merge.compute_mask): the output mask is the AND of the masks present;
//   the values ignore masks.
// - Keras 3 (Merge, since 3.4): the output mask is the OR of the masks when every input has
//   one, else there is none. Maximum and Minimum leave masked values out (where an input is
//   masked the running result stands in for it, and the other way round); Multiply treats
//   masked values as 1 and, when every input has a mask, zeroes the positions all of them mask.
//   A mask covers the last axis: mask[..., t] applies to x[..., t, :].
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/elementwise.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

// `shape` (batch first) with size-1 axes inserted after the batch axis up to `rank`.
Dims expand_after_batch(std::span<const int64_t> shape, size_t rank) {
  Dims out(shape.begin(), shape.end());
  out.insert(out.begin() + 1, rank - shape.size(), 1);
  return out;
}

// The mask of a merge's output: the element-wise AND (Keras 2) or OR (Keras 3) of the masks
// that are its first `masks` inputs (of equal shapes; a single mask passes through unchanged).
// The merge's inputs follow, unread.
class CombinedMask final : public Layer {
 public:
  CombinedMask(bool any, size_t masks) : any_(any), masks_(masks) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    Dims out = inputs[0];
    for (size_t i = 1; i < masks_; ++i) {
      bool same = inputs[i].size() == out.size();
      for (size_t d = 0; same && d < out.size(); ++d) {
        same = inputs[i][d] == out[d] || inputs[i][d] == kAnyDim || out[d] == kAnyDim;
        if (out[d] == kAnyDim) out[d] = inputs[i][d];
      }
      if (!same)
        throw Error("cannot combine the inputs' masks of shapes " + to_string(inputs[0]) + " and " +
                    to_string(inputs[i]));
    }
    return {out};
  }
  bool aliases_input() const override { return masks_ == 1; }

  void run(const RunContext& ctx) const override {
    float* out = ctx.outputs[0].data;
    const int64_t count = ctx.outputs[0].size();
    std::copy_n(ctx.inputs[0].data, count, out);
    for (size_t i = 1; i < masks_; ++i) {
      const float* m = ctx.inputs[i].data;
      for (int64_t e = 0; e < count; ++e)
        out[e] = any_ ? std::max(out[e], m[e]) : std::min(out[e], m[e]);
    }
  }

 private:
  bool any_;
  size_t masks_;
};

// `op` on two values, as broadcast_binary computes it (maximum and minimum propagate NaN).
float apply(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kMultiply:
      return a * b;
    case BinaryOp::kMaximum:
    case BinaryOp::kMinimum:
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<float>::quiet_NaN();
      return op == BinaryOp::kMaximum ? std::max(a, b) : std::min(a, b);
    default:
      throw Error("internal: no masked form of this merge");
  }
}

class ElementwiseMerge final : public Layer {
 public:
  ElementwiseMerge(BinaryOp op, bool average, int keras_major, size_t input_count)
      : op_(op), average_(average), keras3_(keras_major >= 3), input_count_(input_count) {}

  bool consumes_masks() const override {
    return keras3_ &&
           (op_ == BinaryOp::kMaximum || op_ == BinaryOp::kMinimum || op_ == BinaryOp::kMultiply);
  }
  MaskRule output_mask(size_t) const override { return MaskRule::kCombine; }
  std::unique_ptr<Layer> mask_combiner(std::span<const Dims>,
                                       const std::vector<bool>& has_mask) const override {
    const size_t masks = static_cast<size_t>(std::count(has_mask.begin(), has_mask.end(), true));
    if (keras3_ && masks < has_mask.size()) return nullptr;
    return std::make_unique<CombinedMask>(/*any=*/keras3_, masks);
  }

  std::vector<Dims> output_shapes(std::span<const Dims> all_inputs) const override {
    const std::span<const Dims> inputs = regular_inputs(all_inputs);
    if (inputs.size() < all_inputs.size()) check_masked_inputs(all_inputs);
    size_t rank = 0;
    for (const Dims& in : inputs) {
      if (in.empty()) throw Error("needs inputs with a batch axis");
      rank = std::max(rank, in.size());
    }
    Dims out(rank, 1);
    out[0] = kAnyDim;
    for (const Dims& in : inputs) {
      if (in[0] != kAnyDim) {
        if (out[0] != kAnyDim && out[0] != in[0])
          throw Error("cannot merge tensors with different batch sizes: " + shapes_text(inputs));
        out[0] = in[0];
      }
    }
    // Keras's rule per non-batch axis: unknown with anything is unknown, 1 takes the other dim,
    // otherwise the dims must be equal.
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Dims in = expand_after_batch(inputs[i], rank);
      for (size_t d = 1; d < rank; ++d) {
        const int64_t a = out[d], b = in[d];
        if (i == 0 || a == 1)
          out[d] = b;
        else if (a == kAnyDim || b == kAnyDim)
          out[d] = kAnyDim;
        else if (b != 1 && a != b)
          throw Error("inputs have incompatible shapes: " + shapes_text(inputs));
      }
    }
    return {out};
  }

  void run(const RunContext& ctx) const override {
    if (regular_inputs(ctx.inputs).size() < ctx.inputs.size()) return run_masked(ctx);
    const MutTensor& out = ctx.outputs[0];
    const size_t rank = out.shape.size();
    // An input of the output's rank (the usual case) is used as it is: no shape is built.
    std::array<Dims, 2> expanded;
    const auto shape_of = [&](size_t i, Dims& storage) -> std::span<const int64_t> {
      if (ctx.inputs[i].shape.size() == rank) return ctx.inputs[i].shape;
      storage = expand_after_batch(ctx.inputs[i].shape, rank);
      return storage;
    };
    if (ctx.inputs.size() == 1) {  // Keras 3 accepts one input and returns it unchanged
      std::memcpy(out.data, ctx.inputs[0].data, static_cast<size_t>(out.size()) * sizeof(float));
      return;
    }
    broadcast_binary(op_, ctx.inputs[0].data, shape_of(0, expanded[0]), ctx.inputs[1].data,
                     shape_of(1, expanded[1]), out.data, out.shape);
    for (size_t i = 2; i < ctx.inputs.size(); ++i)
      broadcast_binary(op_, out.data, out.shape, ctx.inputs[i].data, shape_of(i, expanded[1]),
                       out.data, out.shape);
    if (average_) divide_by(out.data, out.size(), static_cast<float>(ctx.inputs.size()));
  }

 private:
  // The regular inputs among `inputs`, which end with one mask per input when the layer got
  // masks (see consumes_masks()).
  template <typename T>
  std::span<const T> regular_inputs(std::span<const T> inputs) const {
    if (!consumes_masks()) return inputs;
    if (inputs.size() == 2 * input_count_) return inputs.first(input_count_);
    if (inputs.size() != input_count_)  // the count tells inputs and masks apart
      throw Error("was built for " + std::to_string(input_count_) + " inputs, called with " +
                  std::to_string(inputs.size()) + " (inputs and masks)");
    return inputs;
  }

  // Keras 3 applies masks with `where` on inputs of one shape.
  void check_masked_inputs(std::span<const Dims> all_inputs) const {
    const std::span<const Dims> inputs = all_inputs.first(input_count_);
    const auto same_shape = [](const Dims& a, const Dims& b) {
      bool same = a.size() == b.size();
      for (size_t d = 0; same && d < a.size(); ++d)
        same = a[d] == b[d] || a[d] == kAnyDim || b[d] == kAnyDim;
      return same;
    };
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!same_shape(inputs[i], inputs[0]))
        throw Error("masked inputs of different shapes cannot be merged: " + shapes_text(inputs));
      check_mask_shape(all_inputs[input_count_ + i], inputs[i], "input " + std::to_string(i));
    }
  }

  // Keras 3's masked Maximum, Minimum and Multiply (see the top of the file).
  void run_masked(const RunContext& ctx) const {
    const std::span<const ConstTensor> x = ctx.inputs.first(input_count_);
    const std::span<const ConstTensor> masks = ctx.inputs.subspan(input_count_);
    float* out = ctx.outputs[0].data;
    const int64_t count = ctx.outputs[0].size();
    const int64_t width = ctx.outputs[0].shape.back();
    for (int64_t e = 0; e < count; ++e) {
      const int64_t row = width == 0 ? 0 : e / width;
      const auto unmasked = [&](size_t i) { return masks[i].data[row] != 0.0f; };
      if (op_ == BinaryOp::kMultiply) {
        float product = 1.0f;
        bool any_unmasked = false;
        for (size_t i = 0; i < x.size(); ++i) {
          product *= unmasked(i) ? x[i].data[e] : 1.0f;
          any_unmasked = any_unmasked || unmasked(i);
        }
        out[e] = any_unmasked ? product : 0.0f;
        continue;
      }
      float result = x[0].data[e];
      bool result_unmasked = unmasked(0);
      for (size_t i = 1; i < x.size(); ++i) {
        const float value = unmasked(i) ? x[i].data[e] : result;
        if (!result_unmasked) result = value;
        result_unmasked = result_unmasked || unmasked(i);
        result = apply(op_, result, value);
      }
      out[e] = result;
    }
  }

  static std::string shapes_text(std::span<const Dims> inputs) {
    std::string text;
    for (const Dims& in : inputs) text += (text.empty() ? "" : ", ") + to_string(in);
    return text;
  }

  BinaryOp op_;
  bool average_;
  bool keras3_;
  size_t input_count_;  // as built; masks, when the layer reads them, follow these inputs
};

std::unique_ptr<Layer> make_merge(const BuildContext& ctx, BinaryOp op, bool average = false) {
  expect_min_inputs(ctx, 1);
  return std::make_unique<ElementwiseMerge>(op, average, ctx.keras_major, ctx.input_shapes.size());
}

}  // namespace

std::unique_ptr<Layer> make_add(const BuildContext& ctx) { return make_merge(ctx, BinaryOp::kAdd); }

std::unique_ptr<Layer> make_subtract(const BuildContext& ctx) {
  expect_inputs(ctx, 2);
  return make_merge(ctx, BinaryOp::kSubtract);
}

std::unique_ptr<Layer> make_multiply(const BuildContext& ctx) {
  return make_merge(ctx, BinaryOp::kMultiply);
}

std::unique_ptr<Layer> make_average(const BuildContext& ctx) {
  return make_merge(ctx, BinaryOp::kAdd, /*average=*/true);
}

std::unique_ptr<Layer> make_maximum(const BuildContext& ctx) {
  return make_merge(ctx, BinaryOp::kMaximum);
}

std::unique_ptr<Layer> make_minimum(const BuildContext& ctx) {
  return make_merge(ctx, BinaryOp::kMinimum);
}

}  // namespace kerasrt
