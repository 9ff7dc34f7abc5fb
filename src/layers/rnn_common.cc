#include "layers/rnn_common.h"

#include <algorithm>

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
RnnOptions read_rnn_flags(const BuildContext& ctx) {
  expect_min_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  if (config.get_bool("time_major", false))
    throw Error("config 'time_major' = true is not supported (inputs must be batch-major)");
  config.get_bool("stateful", false);  // accepted, see above; validates the type
  RnnOptions options;
  options.return_sequences = config.get_bool("return_sequences", false);
  options.return_state = config.get_bool("return_state", false);
  options.go_backwards = config.get_bool("go_backwards", false);
  options.zero_output_for_mask = config.get_bool("zero_output_for_mask", false);
  options.initial_states = static_cast<int>(ctx.input_shapes.size()) - 1;
  return options;
}

RnnOptions read_rnn_options(const BuildContext& ctx) {
  RnnOptions options = read_rnn_flags(ctx);
  const Dims& in = ctx.input_shapes[0];
  if (in.size() != 3)
    throw Error("expects a 3D input (batch, time, features), got " + to_string(in));
  if (in[2] == kAnyDim) throw Error("needs a known feature dimension, got input " + to_string(in));
  options.input_dim = in[2];
  options.units = ctx.config.get_int("units");
  if (options.units <= 0)
    throw Error("units must be positive, got " + std::to_string(options.units));
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
    : RecurrentLayer(options, Dims{options.input_dim}, Dims{options.units}, gates * options.units,
                     state_count) {
  // Packed here rather than by packed(): wrappers (Bidirectional, RNN with cells) build these
  // layers too. The packed layout does not depend on the row count.
  projection_ = MatmulKernel(options.input_dim, width_, SharedFloats::owning(std::move(kernel)),
                             std::move(input_bias))
                    .packed_for(1, /*arena=*/nullptr);
  dense_cell_ = true;
}

RecurrentLayer::RecurrentLayer(const RnnOptions& options, Dims step_input, Dims state,
                               int64_t projected_width, int state_count)
    : options_(options),
      step_input_(std::move(step_input)),
      state_(std::move(state)),
      width_(projected_width),
      state_count_(state_count) {
  if (state_count_ < 1 || state_count_ > kMaxStates)
    throw Error("internal: bad recurrent state count");
  if (options_.initial_states != 0 && options_.initial_states != state_count_)
    throw Error("has " + std::to_string(state_count_) + " state(s) but is called with " +
                std::to_string(options_.initial_states) + " initial state(s)");
}

int64_t RecurrentLayer::state_floats() const { return num_elements(state_); }

void RecurrentLayer::project(const CellState&, const float*, int64_t, float*, float*) const {
  throw Error("internal: a recurrent cell without a projection");
}

std::shared_ptr<const Prepared> RecurrentLayer::prepare_cell(int64_t, int64_t) const {
  return std::make_shared<Prepared>();
}

std::shared_ptr<const Prepared> RecurrentLayer::prepare(std::span<const Dims> inputs) const {
  if (!dense_cell_) return prepare_cell(inputs[0][0], inputs[0][1]);
  return projection_.prepare(mul_dim(inputs[0][0], inputs[0][1]));
}

std::vector<Dims> RecurrentLayer::output_shapes(std::span<const Dims> inputs) const {
  const size_t regular = 1 + static_cast<size_t>(options_.initial_states);
  if (inputs.size() != regular && inputs.size() != 2 * regular)
    throw Error("takes " + std::to_string(regular) + " input(s) (and their masks), got " +
                std::to_string(inputs.size()));
  const Dims& in = inputs[0];
  Dims expected{kAnyDim, kAnyDim};
  expected.insert(expected.end(), step_input_.begin(), step_input_.end());
  bool fits = in.size() == expected.size();
  for (size_t d = 2; d < in.size() && fits; ++d) fits = in[d] == expected[d];
  if (!fits) {
    std::string want = "(batch, time";
    for (int64_t d : step_input_) want += ", " + std::to_string(d);
    throw Error("expects input " + want + "), got " + to_string(in));
  }
  if (in[1] == 0) throw Error("needs at least one timestep, got input " + to_string(in));
  const int64_t batch = in[0];
  Dims state{batch};
  state.insert(state.end(), state_.begin(), state_.end());
  for (size_t s = 1; s < regular; ++s) {
    const Dims& given = inputs[s];
    bool same = given.size() == state.size();
    for (size_t d = 0; d < given.size() && same; ++d)
      same = given[d] == state[d] || given[d] == kAnyDim || state[d] == kAnyDim;
    if (!same)
      throw Error("initial state " + std::to_string(s - 1) + " must have shape " +
                  to_string(state) + ", got " + to_string(given));
  }
  if (inputs.size() == 2 * regular) check_mask_shape(inputs[regular], in, "the input sequence");
  std::vector<Dims> out;
  if (options_.return_sequences) {
    Dims sequence{batch, in[1]};
    sequence.insert(sequence.end(), state_.begin(), state_.end());
    out.push_back(sequence);
  } else {
    out.push_back(state);
  }
  if (options_.return_state)
    for (int s = 0; s < state_count_; ++s) out.push_back(state);
  return out;
}

size_t RecurrentLayer::scratch_floats(std::span<const Dims> inputs) const {
  const bool masked = inputs.size() > 1 + static_cast<size_t>(options_.initial_states);
  return static_cast<size_t>(own_scratch_floats(inputs[0][0], inputs[0][1], masked));
}

int64_t RecurrentLayer::own_scratch_floats(int64_t batch, int64_t steps, bool masked) const {
  const int64_t rows = mul_dim(batch, steps);
  const int64_t projected = aligned_floats(mul_dim(rows, width_));
  const int64_t states = state_count_ * aligned_floats(mul_dim(batch, state_floats()));
  const int64_t kept_states = masked ? states + aligned_floats(batch) : 0;
  const int64_t work =
      std::max(aligned_floats(project_scratch_floats(rows)), step_scratch_floats(batch));
  return projected + states + kept_states + work;
}

// Keras semantics: states start at zero or at the given initial states; with go_backwards the
// timesteps (and the mask) are consumed last to first and the returned sequence is in that
// (reversed) order; the output of a step is h.
void RecurrentLayer::run(const RunContext& ctx) const {
  const ConstTensor& in = ctx.inputs[0];
  const size_t regular = 1 + static_cast<size_t>(options_.initial_states);
  // [batch, steps]
  const float* mask = ctx.inputs.size() > regular ? ctx.inputs[regular].data : nullptr;
  const int64_t batch = in.shape[0], steps = in.shape[1], units = state_floats();
  const int64_t state_size = batch * units;

  float* projected = ctx.scratch;  // [batch, steps, width]
  float* states[kMaxStates] = {};
  float* kept[kMaxStates] = {};  // the states of the samples masked at the current step
  float* next = projected + aligned_floats(batch * steps * width_);
  for (int s = 0; s < state_count_; ++s) {
    states[s] = next;
    if (options_.initial_states > 0)
      std::copy(ctx.inputs[1 + s].data, ctx.inputs[1 + s].data + state_size, states[s]);
    else
      std::fill(states[s], states[s] + state_size, 0.0f);
    next += aligned_floats(state_size);
  }
  // Per sample: whether a step has run yet (Keras's previous output starts at zero, whatever
  // the initial state).
  float* started = nullptr;
  if (mask) {
    for (int s = 0; s < state_count_; ++s) {
      kept[s] = next;
      next += aligned_floats(state_size);
    }
    started = next;
    std::fill(started, started + batch, 0.0f);
    next += aligned_floats(batch);
  }
  float* work = next;
  const auto own = static_cast<size_t>(own_scratch_floats(batch, steps, mask != nullptr));
  with_prepared(*this, ctx, own, [&](const Prepared& prepared, float* prepared_scratch) {
    const CellState cell{prepared, prepared_scratch};
    if (dense_cell_)
      projection_.run(prepared, in.data, projected, prepared_scratch);
    else
      project(cell, in.data, batch * steps, projected, work);
    const auto unmasked = [&](int64_t b, int64_t t) {
      return !mask || mask[b * steps + t] != 0.0f;
    };
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
    // The output row of sample b at timestep t: h, or zero where masked with zero_output_for_mask
    // or before the sample's first unmasked step.
    const auto write_output = [&](int64_t b, int64_t t, float* row) {
      const float* h = states[0] + b * units;
      const bool zero =
          mask && !unmasked(b, t) && (options_.zero_output_for_mask || started[b] == 0.0f);
      if (zero)
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
        step(batch, StepInputs{projected + t * width_, steps * width_}, states, work, cell);
        if (masked > 0) move_masked_rows(t, /*save=*/false);
      }
      for (int64_t b = 0; b < batch && mask; ++b)
        if (unmasked(b, t)) started[b] = 1.0f;
      if (options_.return_sequences)
        for (int64_t b = 0; b < batch; ++b) write_output(b, t, out + (b * steps + s) * units);
    }
    if (!options_.return_sequences)  // the last step's output: t is the last timestep consumed
      for (int64_t b = 0; b < batch; ++b) write_output(b, t, out + b * units);
  });
  if (options_.return_state)
    for (int s = 0; s < state_count_; ++s)
      std::copy(states[s], states[s] + state_size, ctx.outputs[1 + s].data);
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
