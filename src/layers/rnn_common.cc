#include "layers/rnn_common.h"

#include <algorithm>

#include "kernels/gemm.h"
#include "layers/registry.h"

namespace kerasrt {
namespace {

constexpr int kMaxStates = 2;  // LSTM: h and c

std::string string_or(const Json& object, const char* key, const std::string& fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

// Options of keras.layers.RNN and how kerasrt treats them at inference:
// - return_sequences, return_state, go_backwards: honoured (see RecurrentLayer::run).
// - time_major: refused; Keras files keep batch-major inputs unless the author asked otherwise.
// - stateful: accepted. A stateful RNN starts from zero states and, in Keras, carries its final
//   state over to the next call until reset_states(). A loaded kerasrt model is immutable and
//   shared by concurrent callers, so every predict call starts from zero states: a single call
//   matches Keras exactly (a freshly loaded Keras model has zero states too), and carrying state
//   over between calls is the caller's business (feed the whole sequence in one call).
// - unroll, implementation, use_cudnn: how Keras schedules the loop; same math.
// - dropout, recurrent_dropout, seed: training only.
// - zero_output_for_mask: honoured with a mask (see RecurrentLayer).
// - unit_forget_bias and the initializers / regularizers / constraints: training only.
RnnOptions read_rnn_options(const BuildContext& ctx) {
  if (ctx.input_shapes.size() > 1)
    throw Error(
        "initial states passed as extra inputs (initial_state=...) are not supported yet; got " +
        std::to_string(ctx.input_shapes.size()) + " inputs");
  expect_inputs(ctx, 1);
  const Dims& in = ctx.input_shapes[0];
  if (in.size() != 3)
    throw Error("expects a 3D input (batch, time, features), got " + to_string(in));
  if (in[2] == kAnyDim) throw Error("needs a known feature dimension, got input " + to_string(in));
  const LayerConfig& config = ctx.config;
  if (config.get_bool("time_major", false))
    throw Error("config 'time_major' = true is not supported (inputs must be batch-major)");
  config.get_bool("stateful", false);  // accepted, see above; validates the type
  RnnOptions options;
  options.input_dim = in[2];
  options.units = config.get_int("units");
  if (options.units <= 0)
    throw Error("units must be positive, got " + std::to_string(options.units));
  options.return_sequences = config.get_bool("return_sequences", false);
  options.return_state = config.get_bool("return_state", false);
  options.go_backwards = config.get_bool("go_backwards", false);
  options.zero_output_for_mask = config.get_bool("zero_output_for_mask", false);
  return options;
}

Activation read_activation(const BuildContext& ctx, const char* key, const char* fallback) {
  auto it = ctx.config.json().find(key);
  if (it == ctx.config.json().end()) return activation_by_name(fallback, ctx.keras_major);
  try {
    return parse_activation(*it, ctx.keras_major);  // null is linear, as in Keras
  } catch (const Error& e) {
    throw Error(std::string("config '") + key + "': " + e.reason());
  }
}

RecurrentLayer::RecurrentLayer(const RnnOptions& options, int64_t gates, int state_count,
                               std::vector<float> kernel, std::vector<float> input_bias)
    : options_(options),
      width_(gates * options.units),
      state_count_(state_count),
      kernel_(std::move(kernel)),
      input_bias_(std::move(input_bias)) {
  if (state_count_ < 1 || state_count_ > kMaxStates)
    throw Error("internal: bad recurrent state count");
}

std::vector<Dims> RecurrentLayer::output_shapes(std::span<const Dims> inputs) const {
  if (inputs.empty() || inputs.size() > 2)
    throw Error("takes 1 input (and its mask), got " + std::to_string(inputs.size()));
  const Dims& in = inputs[0];
  if (in.size() != 3 || in[2] != options_.input_dim)
    throw Error("expects input (batch, time, " + std::to_string(options_.input_dim) + "), got " +
                to_string(in));
  if (in[1] == 0) throw Error("needs at least one timestep, got input " + to_string(in));
  if (inputs.size() == 2) check_mask_shape(inputs[1], in, "the input sequence");
  const int64_t batch = in[0], units = options_.units;
  std::vector<Dims> out;
  out.push_back(options_.return_sequences ? Dims{batch, in[1], units} : Dims{batch, units});
  if (options_.return_state)
    for (int s = 0; s < state_count_; ++s) out.push_back({batch, units});
  return out;
}

size_t RecurrentLayer::scratch_floats(std::span<const Dims> inputs) const {
  const int64_t batch = inputs[0][0], steps = inputs[0][1];
  const int64_t projected = aligned_floats(mul_dim(mul_dim(batch, steps), width_));
  const int64_t states = state_count_ * aligned_floats(mul_dim(batch, options_.units));
  const int64_t kept_states = inputs.size() > 1 ? states : 0;  // masked samples' states
  return static_cast<size_t>(projected + states + kept_states + step_scratch_floats(batch));
}

// Keras semantics: states start at zero; with go_backwards the timesteps (and the mask) are
// consumed last to first and the returned sequence is in that (reversed) order; the output of
// a step is h.
void RecurrentLayer::run(const RunContext& ctx) const {
  const ConstTensor& in = ctx.inputs[0];
  const float* mask = ctx.inputs.size() > 1 ? ctx.inputs[1].data : nullptr;  // [batch, steps]
  const int64_t batch = in.shape[0], steps = in.shape[1], units = options_.units;
  const int64_t state_floats = batch * units;

  float* projected = ctx.scratch;  // [batch, steps, width]
  float* states[kMaxStates] = {};
  float* kept[kMaxStates] = {};  // the states of the samples masked at the current step
  float* next = projected + aligned_floats(batch * steps * width_);
  for (int s = 0; s < state_count_; ++s) {
    states[s] = next;
    std::fill(states[s], states[s] + state_floats, 0.0f);
    next += aligned_floats(state_floats);
  }
  if (mask)
    for (int s = 0; s < state_count_; ++s) {
      kept[s] = next;
      next += aligned_floats(state_floats);
    }
  float* step_scratch = next;

  matmul_bias(in.data, batch * steps, options_.input_dim, kernel_.data(), width_,
              input_bias_.empty() ? nullptr : input_bias_.data(), projected);

  const auto unmasked = [&](int64_t b, int64_t t) { return !mask || mask[b * steps + t] != 0.0f; };
  // Copies the masked samples' state rows between the states and `kept`.
  const auto move_masked_rows = [&](int64_t t, bool save) {
    for (int s = 0; s < state_count_; ++s)
      for (int64_t b = 0; b < batch; ++b) {
        if (unmasked(b, t)) continue;
        float* state = states[s] + b * units;
        float* copy = kept[s] + b * units;
        save ? std::copy(state, state + units, copy) : std::copy(copy, copy + units, state);
      }
  };
  // The output row of sample b at timestep t: h, or zero where masked with zero_output_for_mask.
  const auto write_output = [&](int64_t b, int64_t t, float* row) {
    const float* h = states[0] + b * units;
    if (options_.zero_output_for_mask && !unmasked(b, t))
      std::fill(row, row + units, 0.0f);
    else
      std::copy(h, h + units, row);
  };

  float* out = ctx.outputs[0].data;
  int64_t t = 0;
  for (int64_t s = 0; s < steps; ++s) {
    t = options_.go_backwards ? steps - 1 - s : s;
    int64_t masked = 0;
    for (int64_t b = 0; b < batch && mask; ++b) masked += unmasked(b, t) ? 0 : 1;
    if (masked < batch) {  // a step every sample skips changes nothing
      if (masked > 0) move_masked_rows(t, /*save=*/true);
      step(batch, StepInputs{projected + t * width_, steps * width_}, states, step_scratch);
      if (masked > 0) move_masked_rows(t, /*save=*/false);
    }
    if (options_.return_sequences)
      for (int64_t b = 0; b < batch; ++b) write_output(b, t, out + (b * steps + s) * units);
  }
  if (!options_.return_sequences)  // the last step's output: t is the last timestep consumed
    for (int64_t b = 0; b < batch; ++b) write_output(b, t, out + b * units);
  if (options_.return_state)
    for (int s = 0; s < state_count_; ++s)
      std::copy(states[s], states[s] + state_floats, ctx.outputs[1 + s].data);
}

InnerLayerSpec read_inner_layer(const LayerConfig& config, const char* key) {
  auto it = config.json().find(key);
  if (it == config.json().end() || !it->is_object() || !it->contains("class_name") ||
      !(*it)["class_name"].is_string())
    throw Error(std::string("config '") + key + "' must be a layer entry {class_name, config}");
  const Json& entry = *it;
  InnerLayerSpec inner{entry["class_name"].get<std::string>(),
                       entry.value("config", Json::object())};
  if (!inner.config.is_object())
    throw Error(std::string("config '") + key + "' has a malformed layer config");
  // The config reader marks classes from outside Keras (user code) as "custom:<name>".
  if (inner.class_name.rfind("custom:", 0) == 0)
    throw Error("wraps the custom layer '" + inner.class_name.substr(7) +
                "', which is user code; kerasrt never runs code from a model file");
  return inner;
}

std::unique_ptr<Layer> build_inner_layer(const BuildContext& wrapper, const std::string& role,
                                         const InnerLayerSpec& inner,
                                         std::span<const Dims> input_shapes) {
  const std::string inner_name = string_or(inner.config, "name", "");
  const std::string label =
      role + (inner_name.empty() ? "" : " '" + inner_name + "'") + " (" + inner.class_name + ")";
  const LayerFactory factory = wrapper.registry.find(inner.class_name);
  if (!factory) throw Error(label + ": layer type '" + inner.class_name + "' is not supported");
  const LayerConfig config(inner.config);
  const std::string name =
      wrapper.name + "/" + (inner_name.empty() ? inner.class_name : inner_name);
  const BuildContext context{
      inner.class_name,   name, config, input_shapes, wrapper.weights, wrapper.registry,
      wrapper.keras_major};
  try {
    return factory(context);
  } catch (const Error& e) {
    throw Error(label + ": " + e.reason());
  }
}

}  // namespace kerasrt
