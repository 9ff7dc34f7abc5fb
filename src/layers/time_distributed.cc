// TimeDistributed: applies the wrapped layer to every timestep of a (batch, time, ...) input.
// The inner layer treats samples independently at inference, so it runs once on the
// (batch * time, ...) view of the input, which has the same memory layout. Its weights are the
// wrapper's weights.
#include "layers/rnn_common.h"

namespace kerasrt {
namespace {

// (batch, time, rest...) -> (batch * time, rest...)
Dims merge_batch_and_time(const Dims& in) {
  Dims merged{mul_dim(in[0], in[1])};
  merged.insert(merged.end(), in.begin() + 2, in.end());
  return merged;
}

class TimeDistributed final : public Layer {
 public:
  explicit TimeDistributed(std::unique_ptr<Layer> inner) : inner_(std::move(inner)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    if (inputs.size() != 1) throw Error("takes 1 input, got " + std::to_string(inputs.size()));
    const Dims& in = inputs[0];
    if (in.size() < 3)
      throw Error("expects an input of rank 3 or more (batch, time, ...), got " + to_string(in));
    const Dims inner_in = merge_batch_and_time(in);
    const std::vector<Dims> inner_out = inner_->output_shapes({&inner_in, 1});
    if (inner_out.size() != 1 || inner_out[0].empty())
      throw Error("the wrapped layer must return one tensor with a batch dimension");
    Dims out{in[0], in[1]};
    out.insert(out.end(), inner_out[0].begin() + 1, inner_out[0].end());
    return {out};
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    const Dims inner_in = merge_batch_and_time(inputs[0]);
    return inner_->scratch_floats({&inner_in, 1});
  }

  // An inner layer that passes its input through (Dropout, Flatten, Reshape...) does so here
  // too: the (batch * time, ...) view shares the input's memory.
  bool aliases_input() const override { return inner_->aliases_input(); }

  void run(const RunContext& ctx) const override {
    const Dims in(ctx.inputs[0].shape.begin(), ctx.inputs[0].shape.end());
    const Dims inner_in = merge_batch_and_time(in);
    const std::vector<Dims> inner_out = inner_->output_shapes({&inner_in, 1});
    const ConstTensor input{ctx.inputs[0].data, inner_in};
    const MutTensor output{ctx.outputs[0].data, inner_out[0]};
    inner_->run({{&input, 1}, {&output, 1}, ctx.scratch});
  }

 private:
  std::unique_ptr<Layer> inner_;
};

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
  return std::make_unique<TimeDistributed>(
      build_inner_layer(ctx, "wrapped layer", inner, {&step_shape, 1}));
}

}  // namespace kerasrt
