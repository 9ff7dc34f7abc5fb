// Shared by the recurrent layers and wrappers:
// - the options of Keras's RNN base class and the sequence driver behind SimpleRNN, LSTM and GRU
//   (input projection, time loop, go_backwards, return_sequences, return_state);
// - building a wrapped layer (Bidirectional, TimeDistributed) from its {class_name, config}.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernels/onednn.h"
#include "kernels/recurrent.h"
#include "layers/layer.h"

namespace kerasrt {

// The options of keras.layers.RNN that change what a recurrent layer computes.
struct RnnOptions {
  int64_t input_dim = 0;
  int64_t units = 0;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  // With a mask: the output at a masked timestep is zero instead of the last unmasked output
  // (Bidirectional forces it to return_sequences, as Keras does).
  bool zero_output_for_mask = false;
  // Initial states passed with the call (initial_state=...): Keras 2 files list them as extra
  // inputs after the sequence, Keras 3 files as the `initial_state` keyword, which the graph
  // builder appends the same way. 0 means states start at zero.
  int initial_states = 0;
};

// Reads and validates the sequence options every recurrent layer shares (return_sequences,
// return_state, go_backwards, ...) and counts the initial states among the inputs; refuses what
// kerasrt cannot honour (time_major). See the definition for the options that do not change
// inference.
RnnOptions read_rnn_flags(const BuildContext& ctx);

// read_rnn_flags, plus `units` and the input: one (batch, time, features) sequence with a known
// feature count (then the initial states).
RnnOptions read_rnn_options(const BuildContext& ctx);

// `key` of the config as an activation; `fallback` (a Keras name) when absent.
Activation read_activation(const BuildContext& ctx, const char* key, const char* fallback);

// A recurrent layer whose cell state is `state_count` tensors of one shape (h first). Runs the
// whole sequence: projects every timestep's input at once (one matrix product on oneDNN's
// primitive, weights packed at construction, for a dense cell), then calls step() once per
// timestep.
// Masks (Keras's backend.rnn): a sample's states stay unchanged at its masked timesteps, and
// its output there is the previous output (zero before the first unmasked step), or zero with
// zero_output_for_mask. The returned sequence carries the input's mask; the states do not.
// Inputs: the sequence, then options.initial_states state tensors, then (consumes_masks) one
// mask per input.
class RecurrentLayer : public Layer {
 public:
  // What prepare() made for a call's shapes, and the scratch that state needs: a dense cell's
  // projection primitive, or what a cell of another kind prepares (prepare_cell()).
  struct CellState {
    const Prepared& prepared;
    float* scratch;
  };

  // A dense cell: the input projection is x . kernel (+ input_bias), `gates` blocks of `units`
  // columns; each state is `units` floats.
  RecurrentLayer(const RnnOptions& options, int64_t gates, int state_count,
                 std::vector<float> kernel, std::vector<float> input_bias);

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override;
  size_t scratch_floats(std::span<const Dims> inputs) const override;
  // A dense cell's projection primitive for batch * steps rows, or prepare_cell().
  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override;
  void run(const RunContext& ctx) const override;
  bool consumes_masks() const final { return true; }
  MaskRule output_mask(size_t output) const final {
    return output == 0 && options_.return_sequences ? MaskRule::kKeep : MaskRule::kNone;
  }

 protected:
  // Any cell: one timestep's input has shape `step_input` (after batch and time), each state
  // shape `state`, and the projection of one timestep's input `projected_width` floats.
  // project() must be overridden.
  RecurrentLayer(const RnnOptions& options, Dims step_input, Dims state, int64_t projected_width,
                 int state_count);

  int64_t units() const { return options_.units; }
  const RnnOptions& options() const { return options_; }
  const Dims& state_shape() const { return state_; }
  // For cells that are not dense: their state for a call on `batch` sequences of `steps`
  // timesteps (an empty one unless overridden).
  virtual std::shared_ptr<const Prepared> prepare_cell(int64_t batch, int64_t steps) const;
  // Writes the projections [rows, projected_width] of `rows` timestep inputs; overridden by cells
  // that are not dense (a dense cell's runs on its prepared primitive instead).
  virtual void project(const CellState& cell, const float* in, int64_t rows, float* out,
                       float* scratch) const;
  virtual int64_t project_scratch_floats(int64_t /*rows*/) const { return 0; }
  // Advances `batch` sequences by one timestep: `x` holds that timestep's projected inputs
  // (input bias included), `states` the state_count state tensors [batch, state] to update.
  virtual void step(int64_t batch, StepInputs x, float* const* states, float* scratch,
                    const CellState& cell) const = 0;
  virtual int64_t step_scratch_floats(int64_t /*batch*/) const { return 0; }

 private:
  int64_t state_floats() const;  // per sample
  // scratch_floats(): the projections, the states (and their masked copies), the cell's work.
  int64_t own_scratch_floats(int64_t batch, int64_t steps, bool masked) const;

  RnnOptions options_;
  Dims step_input_, state_;
  int64_t width_;  // projected floats per timestep
  int state_count_;
  bool dense_cell_ = false;
  MatmulKernel projection_;  // x . kernel + input bias (dense cells)
};

// A layer wrapped by Bidirectional or TimeDistributed, as the wrapper's config holds it.
struct InnerLayerSpec {
  std::string class_name;
  Json config;
};

// Reads the {class_name, config} entry under `key` of a wrapper's config.
InnerLayerSpec read_inner_layer(const LayerConfig& config, const char* key);

// Builds a wrapped layer through the registry on `input_shapes`, taking its weights from the
// wrapper's reader (they follow in Keras order). `role` names it in errors ("forward layer").
std::unique_ptr<Layer> build_inner_layer(const BuildContext& wrapper, const std::string& role,
                                         const InnerLayerSpec& inner,
                                         std::span<const Dims> input_shapes);

}  // namespace kerasrt
