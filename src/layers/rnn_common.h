// Shared by the recurrent layers and wrappers:
// - the options of Keras's RNN base class and the sequence driver behind SimpleRNN, LSTM and GRU
//   (input projection, time loop, go_backwards, return_sequences, return_state);
// - building a wrapped layer (Bidirectional, TimeDistributed) from its {class_name, config}.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernels/recurrent.h"
#include "layers/layer.h"

namespace kerasrt {

// The options of keras.layers.RNN that change what a SimpleRNN / LSTM / GRU computes.
struct RnnOptions {
  int64_t input_dim = 0;
  int64_t units = 0;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  // With a mask: the output at a masked timestep is zero instead of the last unmasked output
  // (Bidirectional forces it to return_sequences, as Keras does).
  bool zero_output_for_mask = false;
};

// Reads and validates the RNN options and the input (one (batch, time, features) tensor with a
// known feature count). Refuses what kerasrt cannot honour (time_major, initial states passed
// as extra inputs); see the definition for the options that do not change inference.
RnnOptions read_rnn_options(const BuildContext& ctx);

// `key` of the config as an activation; `fallback` (a Keras name) when absent.
Activation read_activation(const BuildContext& ctx, const char* key, const char* fallback);

// A recurrent layer whose cell state is `state_count` vectors of `units` (h first) and whose
// input projection has `gates` blocks of `units` columns. Runs the whole sequence: projects
// every timestep's input with one GEMM, then calls step() once per timestep.
// Masks (Keras's backend.rnn): a sample's states stay unchanged at its masked timesteps, and
// its output there is the previous output (zero before the first unmasked step), or zero with
// zero_output_for_mask. The returned sequence carries the input's mask; the states do not.
class RecurrentLayer : public Layer {
 public:
  RecurrentLayer(const RnnOptions& options, int64_t gates, int state_count,
                 std::vector<float> kernel, std::vector<float> input_bias);

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const final;
  size_t scratch_floats(std::span<const Dims> inputs) const final;
  void run(const RunContext& ctx) const final;
  bool consumes_masks() const final { return true; }
  MaskRule output_mask(size_t output) const final {
    return output == 0 && options_.return_sequences ? MaskRule::kKeep : MaskRule::kNone;
  }

 protected:
  int64_t units() const { return options_.units; }
  // Advances `batch` sequences by one timestep: `x` holds that timestep's projected inputs
  // (input bias included), `states` the state_count state vectors [batch, units] to update.
  virtual void step(int64_t batch, StepInputs x, float* const* states, float* scratch) const = 0;
  virtual int64_t step_scratch_floats(int64_t /*batch*/) const { return 0; }

 private:
  RnnOptions options_;
  int64_t width_;  // gates * units
  int state_count_;
  std::vector<float> kernel_;      // [input_dim, width]
  std::vector<float> input_bias_;  // [width] or empty
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

// Rounds a float count up to whole 64-byte lines, so scratch regions stay aligned.
inline int64_t aligned_floats(int64_t floats) { return (floats + 15) / 16 * 16; }

}  // namespace kerasrt
