// TimeDistributed: applies the wrapped layer to every timestep of a (batch, time, ...) input.
// The inner layer treats samples independently at inference, so it runs once on the
// (batch * time, ...) view of the input, which has the same memory layout. Its weights are the
// wrapper's weights.
// Masks: a wrapped layer that reads masks gets each timestep's slice of the input's mask, i.e.
// the (batch * time, ...) view of a (batch, time, ...) mask (a plain (batch, time) mask leaves
// nothing per timestep: Keras fails on it, so it is refused). The output's mask:
// - Keras 3: the input's mask, whatever the wrapped layer (it calls the layer's call()
//   directly, so masks the layer would make are lost);
// - Keras 2 (tf.keras compute_mask): the mask the wrapped layer makes or passes on, viewed as
//   (batch, time, ...); where it returns none, the input's mask reduced with `any` to
//   (batch, time).
#include <algorithm>

#include "layers/registry.h"
#include "layers/rnn_common.h"

namespace kerasrt {
namespace {

// (batch, time, rest...) -> (batch * time, rest...)
Dims merge_batch_and_time(std::span<const int64_t> in) {
  Dims merged{mul_dim(in[0], in[1])};
  merged.insert(merged.end(), in.begin() + 2, in.end());
  return merged;
}

// (batch * time, rest...) of the inner layer -> (batch, time, rest...)
Dims split_batch_and_time(const Dims& outer, const Dims& inner) {
  Dims split{outer[0], outer[1]};
  split.insert(split.end(), inner.begin() + 1, inner.end());
  return split;
}

// A (batch, time, ...) mask reduced with `any` over its axes after time. Inputs: the mask,
// then the wrapper's input (for its shape).
class AnyAfterTime final : public Layer {
 public:
  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& mask = inputs[0];
    if (mask.size() < 2) throw Error("internal: a timestep mask needs (batch, time) axes");
    return {Dims{mask[0], mask[1]}};
  }
  void run(const RunContext& ctx) const override {
    const ConstTensor& mask = ctx.inputs[0];
    const int64_t rows = ctx.outputs[0].size();
    const int64_t width = rows == 0 ? 0 : mask.size() / rows;
    for (int64_t r = 0; r < rows; ++r) {
      const float* m = mask.data + r * width;
      ctx.outputs[0].data[r] =
          std::any_of(m, m + width, [](float v) { return v != 0.0f; }) ? 1.0f : 0.0f;
    }
  }
};

class TimeDistributed final : public Layer {
 public:
  TimeDistributed(std::unique_ptr<Layer> inner, MaskRule mask_rule)
      : inner_(std::move(inner)),
        mask_rule_(mask_rule),
        inner_makes_mask_(inner_->output_mask(0) == MaskRule::kProduce) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    if (inputs.empty() || inputs.size() > 2)
      throw Error("takes 1 input (and its mask), got " + std::to_string(inputs.size()));
    const Dims& in = inputs[0];
    if (in.size() < 3)
      throw Error("expects an input of rank 3 or more (batch, time, ...), got " + to_string(in));
    const std::vector<Dims> inner_out = inner_->output_shapes(inner_shapes(inputs));
    if (inner_out.size() != (inner_makes_mask_ ? 2u : 1u) || inner_out[0].empty())
      throw Error("the wrapped layer must return one tensor with a batch dimension");
    std::vector<Dims> out{split_batch_and_time(in, inner_out[0])};
    if (mask_rule_ == MaskRule::kProduce) out.push_back(split_batch_and_time(in, inner_out[1]));
    return out;
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    const std::vector<Dims> inner_in = inner_shapes(inputs);
    return static_cast<size_t>(discarded_mask_floats(inner_in)) + inner_->scratch_floats(inner_in);
  }

  // The inner layer's state for the merged shapes (a Dense or convolution primitive), so that
  // it is made once per plan rather than once per call.
  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    return inner_->prepare(inner_shapes(inputs));
  }

  // An inner layer that passes its input through (Dropout, Flatten, Reshape...) does so here
  // too: the (batch * time, ...) view shares the input's memory.
  bool aliases_input() const override { return inner_->aliases_input(); }

  bool consumes_masks() const override { return inner_->consumes_masks(); }
  MaskRule output_mask(size_t output) const override {
    return output == 0 ? mask_rule_ : MaskRule::kNone;
  }
  std::unique_ptr<Layer> mask_combiner(std::span<const Dims>,
                                       const std::vector<bool>&) const override {
    return std::make_unique<AnyAfterTime>();
  }

  void run(const RunContext& ctx) const override {
    const std::vector<Dims> inner_in = inner_shapes(input_shapes(ctx));
    std::vector<ConstTensor> inputs;
    for (size_t i = 0; i < ctx.inputs.size(); ++i)
      inputs.push_back({ctx.inputs[i].data, inner_in[i]});
    const std::vector<Dims> inner_out = inner_->output_shapes(inner_in);
    // The inner layer's mask goes to our mask output, or to scratch when Keras drops it.
    float* scratch = ctx.scratch;
    float* inner_mask = nullptr;
    if (inner_makes_mask_) {
      inner_mask = mask_rule_ == MaskRule::kProduce ? ctx.outputs[1].data : scratch;
      scratch += discarded_mask_floats(inner_in);
    }
    std::vector<MutTensor> outputs{{ctx.outputs[0].data, inner_out[0]}};
    if (inner_makes_mask_) outputs.push_back({inner_mask, inner_out[1]});
    inner_->run({inputs, outputs, scratch, ctx.prepared});
  }

 private:
  // Scratch for a mask the inner layer makes and Keras 3 drops.
  int64_t discarded_mask_floats(const std::vector<Dims>& inner_in) const {
    if (!inner_makes_mask_ || mask_rule_ == MaskRule::kProduce) return 0;
    return aligned_floats(num_elements(inner_->output_shapes(inner_in)[1]));
  }

  // The inner layer's view of the input (batch * time, ...) and of its mask, if any.
  static std::vector<Dims> inner_shapes(std::span<const Dims> inputs) {
    std::vector<Dims> inner{merge_batch_and_time(inputs[0])};
    if (inputs.size() > 1) {
      const Dims& mask = inputs[1];
      if (mask.size() < 3)
        throw Error("the wrapped layer reads masks, but the input's mask " + to_string(mask) +
                    " has no axis after time: Keras would hand it a mask without a time axis");
      check_mask_shape(mask, inputs[0], "the input");
      inner.push_back(merge_batch_and_time(mask));
    }
    return inner;
  }

  std::unique_ptr<Layer> inner_;
  MaskRule mask_rule_;
  bool inner_makes_mask_;
};

// The mask rule of TimeDistributed around `inner` (see the top of the file).
MaskRule wrapper_mask_rule(const Layer& inner, const std::string& inner_class, int keras_major) {
  if (keras_major >= 3) return MaskRule::kKeep;
  MaskRule rule = inner.output_mask(0);
  if (rule == MaskRule::kKerasDefault)
    rule = supports_masking(inner_class) ? MaskRule::kKeep : MaskRule::kNone;
  if (rule == MaskRule::kProduce) return MaskRule::kProduce;
  if (rule == MaskRule::kNone) return MaskRule::kCombine;
  return MaskRule::kKeep;
}

}  // namespace

std::unique_ptr<Layer> make_time_distributed(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const Dims& in = ctx.input_shapes[0];
  if (in.size() < 3)
    throw Error("expects an input of rank 3 or more (batch, time, ...), got " + to_string(in));
  const InnerLayerSpec inner = read_inner_layer(ctx.config, "layer");
  // As Keras builds it: the inner layer sees one timestep, (batch, rest...).
  Dims step_shape{kAnyDim};
  step_shape.insert(step_shape.end(), in.begin() + 2, in.end());
  std::unique_ptr<Layer> layer = build_inner_layer(ctx, "wrapped layer", inner, {&step_shape, 1});
  const MaskRule rule = wrapper_mask_rule(*layer, inner.class_name, ctx.keras_major);
  return std::make_unique<TimeDistributed>(std::move(layer), rule);
}

}  // namespace kerasrt
