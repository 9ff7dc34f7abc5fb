// Bidirectional: runs a recurrent layer over the sequence and a backward copy of it (the config's
// `backward_layer`, or the same config with go_backwards flipped, as Keras builds it), then merges
// the two outputs. The backward layer returns its sequence last step first, so with
// return_sequences its output is flipped along time before merging, as Keras does.
// merge_mode concat / sum / mul / ave gives one output, None gives [forward, backward]; with
// return_state the forward layer's states follow, then the backward layer's.
// Masks: both layers read the input's mask; Keras forces zero_output_for_mask =
// return_sequences on them, so masked timesteps of a returned sequence are zero in both
// directions (and after merging). Returned sequences carry the input's mask.
// Initial states (initial_state=...): the first half goes to the forward layer, the second half
// to the backward layer.
// Weights: the forward layer's, then the backward layer's.
#include <algorithm>

#include "layers/rnn_common.h"

namespace kerasrt {
namespace {

enum class MergeMode { kConcat, kSum, kMul, kAverage, kNone };

// The inputs of one direction (0 forward, 1 backward) out of the wrapper's: the sequence, that
// direction's half of the `states` initial states, then the same of the masks when there are.
template <typename T>
std::vector<T> direction_inputs(std::span<const T> all, int states, int direction) {
  const size_t regular = 1 + static_cast<size_t>(states), half = static_cast<size_t>(states) / 2;
  std::vector<T> out;
  for (size_t base = 0; base < all.size(); base += regular) {
    out.push_back(all[base]);
    for (size_t s = 0; s < half; ++s)
      out.push_back(all[base + 1 + static_cast<size_t>(direction) * half + s]);
  }
  return out;
}

// Both directions' states (their projection primitives) and output shapes.
struct BothDirections final : Prepared {
  std::shared_ptr<const Prepared> forward, backward;  // either may be null
  std::vector<Dims> forward_outputs, backward_outputs;
};

class Bidirectional final : public Layer {
 public:
  Bidirectional(std::unique_ptr<Layer> forward, std::unique_ptr<Layer> backward, MergeMode merge,
                bool return_sequences, int initial_states)
      : forward_(std::move(forward)),
        backward_(std::move(backward)),
        merge_(merge),
        return_sequences_(return_sequences),
        initial_states_(initial_states) {}

  bool consumes_masks() const override { return true; }
  MaskRule output_mask(size_t output) const override {
    const size_t sequences = merge_ == MergeMode::kNone ? 2 : 1;
    return return_sequences_ && output < sequences ? MaskRule::kKeep : MaskRule::kNone;
  }

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const size_t regular = 1 + static_cast<size_t>(initial_states_);
    if (inputs.size() != regular && inputs.size() != 2 * regular)
      throw Error("takes " + std::to_string(regular) + " input(s) (and their masks), got " +
                  std::to_string(inputs.size()));
    const std::vector<Dims> forward =
        forward_->output_shapes(direction_inputs(inputs, initial_states_, 0));
    const std::vector<Dims> backward =
        backward_->output_shapes(direction_inputs(inputs, initial_states_, 1));
    const Dims &y = forward[0], &y_reverse = backward[0];
    std::vector<Dims> out;
    if (merge_ == MergeMode::kNone) {
      out = {y, y_reverse};
    } else if (merge_ == MergeMode::kConcat) {
      const bool same_rows =
          y.size() == y_reverse.size() && std::equal(y.begin(), y.end() - 1, y_reverse.begin());
      if (!same_rows)
        throw Error("cannot concatenate forward output " + to_string(y) + " and backward output " +
                    to_string(y_reverse));
      Dims merged = y;
      merged.back() = add_dim(y.back(), y_reverse.back());
      out.push_back(merged);
    } else {
      if (y != y_reverse)
        throw Error("cannot merge forward output " + to_string(y) + " and backward output " +
                    to_string(y_reverse) + " element-wise");
      out.push_back(y);
    }
    out.insert(out.end(), forward.begin() + 1, forward.end());
    out.insert(out.end(), backward.begin() + 1, backward.end());
    return out;
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    const std::vector<Dims> forward_in = direction_inputs(inputs, initial_states_, 0);
    const std::vector<Dims> backward_in = direction_inputs(inputs, initial_states_, 1);
    const size_t inner =
        std::max(forward_->scratch_floats(forward_in), backward_->scratch_floats(backward_in));
    if (merge_ == MergeMode::kNone) return inner;  // the inner layers write our outputs
    const std::vector<Dims> forward = forward_->output_shapes(forward_in);
    const std::vector<Dims> backward = backward_->output_shapes(backward_in);
    return static_cast<size_t>(aligned_floats(num_elements(forward[0])) +
                               aligned_floats(num_elements(backward[0]))) +
           inner;
  }

  // Both directions' states (their projection primitives): made once per plan, not per call.
  // They run one after the other, so their scratch is shared (it follows the inner layers'
  // own scratch, which is the tail of ours).
  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    return directions(inputs, /*with_layers=*/true);
  }

  void run(const RunContext& ctx) const override {
    if (ctx.prepared)
      return run_directions(ctx, static_cast<const BothDirections&>(*ctx.prepared), true);
    // A call outside a plan: the shapes for this call; each direction prepares itself.
    run_directions(ctx, *directions(input_shapes(ctx), /*with_layers=*/false), false);
  }

 private:
  std::shared_ptr<const BothDirections> directions(std::span<const Dims> inputs,
                                                   bool with_layers) const {
    auto both = std::make_shared<BothDirections>();
    const std::vector<Dims> forward_in = direction_inputs(inputs, initial_states_, 0);
    const std::vector<Dims> backward_in = direction_inputs(inputs, initial_states_, 1);
    both->forward_outputs = forward_->output_shapes(forward_in);
    both->backward_outputs = backward_->output_shapes(backward_in);
    if (!with_layers) return both;
    both->forward = forward_->prepare(forward_in);
    both->backward = backward_->prepare(backward_in);
    for (const auto* p : {both->forward.get(), both->backward.get()})
      if (p) both->scratch_floats = std::max(both->scratch_floats, p->scratch_floats);
    return both;
  }

  // `planned`: the directions' prepared states come with `both` (and their scratch after ours).
  void run_directions(const RunContext& ctx, const BothDirections& both, bool planned) const {
    const std::vector<Dims>& forward_shapes = both.forward_outputs;
    const std::vector<Dims>& backward_shapes = both.backward_outputs;
    const size_t forward_states = forward_shapes.size() - 1;

    // Where the inner layers write: their first outputs to scratch when merged (to our first
    // two outputs otherwise), their states straight to our state outputs.
    const size_t first_state = merge_ == MergeMode::kNone ? 2 : 1;
    float* y = nullptr;
    float* y_reverse = nullptr;
    float* inner_scratch = ctx.scratch;
    if (merge_ == MergeMode::kNone) {
      y = ctx.outputs[0].data;
      y_reverse = ctx.outputs[1].data;
    } else {
      y = ctx.scratch;
      y_reverse = y + aligned_floats(num_elements(forward_shapes[0]));
      inner_scratch = y_reverse + aligned_floats(num_elements(backward_shapes[0]));
    }
    const auto run_inner = [&](const Layer& layer, const std::vector<Dims>& shapes, float* first,
                               size_t state_offset, int direction, const Prepared* prepared) {
      std::vector<MutTensor> outputs(shapes.size());
      outputs[0] = {first, shapes[0]};
      for (size_t s = 1; s < shapes.size(); ++s)
        outputs[s] = {ctx.outputs[state_offset + s - 1].data, shapes[s]};
      const std::vector<ConstTensor> inputs =
          direction_inputs(ctx.inputs, initial_states_, direction);
      layer.run({inputs, outputs, inner_scratch, prepared});
    };
    run_inner(*forward_, forward_shapes, y, first_state, 0, planned ? both.forward.get() : nullptr);
    run_inner(*backward_, backward_shapes, y_reverse, first_state + forward_states, 1,
              planned ? both.backward.get() : nullptr);

    // Views of both outputs as [batch, time, rows, channels]; time is 1 without sequences.
    const Dims& fs = forward_shapes[0];
    const Dims& bs = backward_shapes[0];
    const int64_t batch = fs[0];
    const int64_t steps = return_sequences_ ? fs[1] : 1;
    const int64_t forward_channels = fs.back(), backward_channels = bs.back();
    const int64_t step_rows = batch * steps * forward_channels;
    const int64_t rows = step_rows == 0 ? 0 : num_elements(fs) / step_rows;
    // The backward output's timestep that lines up with forward timestep t.
    const auto aligned_step = [&](int64_t t) { return steps - 1 - t; };

    if (merge_ == MergeMode::kNone) {
      if (!return_sequences_) return;
      const int64_t step_floats = rows * backward_channels;
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t t = 0; t < steps / 2; ++t) {
          float* early = y_reverse + (b * steps + t) * step_floats;
          std::swap_ranges(early, early + step_floats,
                           y_reverse + (b * steps + aligned_step(t)) * step_floats);
        }
      return;
    }

    float* out = ctx.outputs[0].data;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t t = 0; t < steps; ++t) {
        const int64_t forward_row = (b * steps + t) * rows;
        const int64_t backward_row = (b * steps + aligned_step(t)) * rows;
        if (merge_ == MergeMode::kConcat) {
          const int64_t width = forward_channels + backward_channels;
          for (int64_t r = 0; r < rows; ++r) {
            const float* f = y + (forward_row + r) * forward_channels;
            const float* g = y_reverse + (backward_row + r) * backward_channels;
            float* o = out + (forward_row + r) * width;
            std::copy(f, f + forward_channels, o);
            std::copy(g, g + backward_channels, o + forward_channels);
          }
          continue;
        }
        const int64_t count = rows * forward_channels;
        const float* f = y + forward_row * forward_channels;
        const float* g = y_reverse + backward_row * forward_channels;
        float* o = out + forward_row * forward_channels;
        switch (merge_) {
          case MergeMode::kSum:
            for (int64_t i = 0; i < count; ++i) o[i] = f[i] + g[i];
            break;
          case MergeMode::kMul:
            for (int64_t i = 0; i < count; ++i) o[i] = f[i] * g[i];
            break;
          case MergeMode::kAverage:
            for (int64_t i = 0; i < count; ++i) o[i] = (f[i] + g[i]) / 2.0f;
            break;
          default:
            break;
        }
      }
  }

  std::unique_ptr<Layer> forward_, backward_;
  MergeMode merge_;
  bool return_sequences_;
  int initial_states_;
};

MergeMode read_merge_mode(const LayerConfig& config) {
  auto it = config.json().find("merge_mode");
  if (it != config.json().end() && it->is_null()) return MergeMode::kNone;
  const std::string mode =
      config.get_choice("merge_mode", {"concat", "sum", "mul", "ave"}, "concat");
  if (mode == "sum") return MergeMode::kSum;
  if (mode == "mul") return MergeMode::kMul;
  if (mode == "ave") return MergeMode::kAverage;
  return MergeMode::kConcat;
}

bool flag(const InnerLayerSpec& layer, const char* key) {
  return LayerConfig(layer.config).get_bool(key, false);
}

}  // namespace

std::unique_ptr<Layer> make_bidirectional(const BuildContext& ctx) {
  expect_min_inputs(ctx, 1);
  const int initial_states = static_cast<int>(ctx.input_shapes.size()) - 1;
  if (initial_states % 2 != 0)
    throw Error("takes as many initial states for the backward layer as for the forward one; got " +
                std::to_string(initial_states));
  if (ctx.config.get_int("num_constants", 0) != 0)
    throw Error("config 'num_constants': RNN constants are not supported");
  const MergeMode merge = read_merge_mode(ctx.config);

  InnerLayerSpec forward = read_inner_layer(ctx.config, "layer");
  InnerLayerSpec backward;
  if (ctx.config.has("backward_layer")) {
    backward = read_inner_layer(ctx.config, "backward_layer");
    // Keras refuses these combinations when it builds the layer.
    if (flag(forward, "go_backwards") == flag(backward, "go_backwards"))
      throw Error("the forward and backward layers have the same 'go_backwards'");
    for (const char* key : {"return_sequences", "return_state", "stateful"})
      if (flag(forward, key) != flag(backward, key))
        throw Error(std::string("the forward and backward layers differ in '") + key + "'");
  } else {
    backward = forward;
    backward.config["go_backwards"] = !flag(forward, "go_backwards");
  }
  const bool return_sequences = flag(forward, "return_sequences");
  forward.config["zero_output_for_mask"] = return_sequences;
  backward.config["zero_output_for_mask"] = return_sequences;

  std::unique_ptr<Layer> forward_layer = build_inner_layer(
      ctx, "forward layer", forward, direction_inputs(ctx.input_shapes, initial_states, 0));
  std::unique_ptr<Layer> backward_layer = build_inner_layer(
      ctx, "backward layer", backward, direction_inputs(ctx.input_shapes, initial_states, 1));
  if (forward_layer->aliases_input() || backward_layer->aliases_input())
    throw Error(
        "wraps a layer that passes its input through; Bidirectional needs a recurrent layer");
  return std::make_unique<Bidirectional>(std::move(forward_layer), std::move(backward_layer), merge,
                                         return_sequences, initial_states);
}

}  // namespace kerasrt
