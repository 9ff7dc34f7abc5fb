// ConvLSTM1D, ConvLSTM2D, ConvLSTM3D: an LSTM whose input and recurrent transformations are
// convolutions. Gates [i, f, c, o] in kernel (kernel..., channels, 4 * filters), recurrent_kernel
// (kernel..., filters, 4 * filters) and bias (4 * filters):
//   z = conv(x_t, kernel; strides, padding, dilation_rate) + bias
//       + conv(h, recurrent_kernel; stride 1, "same", no dilation)
//   c = f * c + i * activation(z_c), h = o * activation(c), with i, f, o = recurrent_activation(z)
// at every output position. The states are (out positions..., filters) volumes in the layer's
// data_format. Outputs h (per step or last); return_state adds [h, c].
// Runs on the generic recurrent driver (rnn_common.h): the input convolution of every timestep
// at once, then one recurrent convolution (onto the projected inputs, a fused sum) and the LSTM
// gate math per timestep, both convolutions oneDNN primitives with their kernels packed at
// load. Internally everything is channels_last; channels_first inputs are transposed in and the
// outputs transposed back.
#include <algorithm>

#include "kernels/onednn.h"
#include "layers/conv_common.h"
#include "layers/rnn_common.h"

namespace kerasrt {
namespace {

// The two convolutions' primitives for one call's shapes; they run one after the other, on
// the same scratch.
struct ConvLstmState final : Prepared {
  std::shared_ptr<const Prepared> input, recurrent;
};

// A per-timestep shape: the input shape without its time axis (batch kept).
Dims without_time(const Dims& in) {
  Dims step{in[0]};
  step.insert(step.end(), in.begin() + 2, in.end());
  return step;
}

class ConvLstm final : public RecurrentLayer {
 public:
  // `kernel`, `recurrent` in Keras's layouts (taps..., channels or filters, 4 * filters).
  ConvLstm(const RnnOptions& options, const WindowSpec& spec, Dims step_input, Spatial in_size,
           Spatial out_size, int64_t channels, int64_t filters, Dims state, SharedFloats kernel,
           SharedFloats recurrent, std::vector<float> bias, Activation activation,
           Activation recurrent_activation)
      : RecurrentLayer(options, std::move(step_input), std::move(state),
                       4 * filters * out_size[0] * out_size[1] * out_size[2], /*state_count=*/2),
        spec_(spec),
        in_size_(in_size),
        out_size_(out_size),
        channels_(channels),
        filters_(filters),
        activation_(activation),
        recurrent_activation_(recurrent_activation) {
    // Packed here rather than by packed(), as for the dense cells (rnn_common.cc): wrappers
    // build this layer too.
    const int rank = spec.layout.rank();
    input_ = ConvKernel({rank, false, channels, 4 * filters, 1, spec.kernel}, std::move(kernel),
                        std::move(bias))
                 .packed_for(input_window(1), /*arena=*/nullptr);
    PostOps onto_projection;
    onto_projection.sum = true;
    recurrent_ =
        ConvKernel({rank, false, filters, 4 * filters, 1, spec.kernel}, std::move(recurrent), {})
            .with_post(onto_projection)
            .packed_for(recurrent_window(1), /*arena=*/nullptr);
  }

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    // A mask of a convolutional sequence would have spatial axes; Keras's recurrence only
    // takes (batch, time) masks.
    if (inputs.size() > 1)
      throw Error("masks (and initial states) are not supported by convolutional LSTMs");
    std::vector<Dims> out = RecurrentLayer::output_shapes(inputs);
    if (spec_.layout.channels_first())
      for (Dims& shape : out) std::rotate(shape.end() - rank() - 1, shape.end() - 1, shape.end());
    return out;
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    const int64_t rows =
        options().return_sequences ? mul_dim(inputs[0][0], inputs[0][1]) : inputs[0][0];
    const int64_t transposed = spec_.layout.channels_first() ? mul_dim(rows, state_floats()) : 0;
    return RecurrentLayer::scratch_floats(inputs) + static_cast<size_t>(aligned_floats(transposed));
  }

  void run(const RunContext& ctx) const override {
    RecurrentLayer::run(ctx);
    if (!spec_.layout.channels_first()) return;
    // Every output holds channels_last volumes of the state's shape: turn them around.
    float* copy = ctx.scratch + RecurrentLayer::scratch_floats(input_shapes(ctx));
    const int64_t positions = out_size_[0] * out_size_[1] * out_size_[2];
    for (const MutTensor& out : ctx.outputs) {
      const int64_t floats = out.size();
      std::copy(out.data, out.data + floats, copy);
      channels_last_to_first(copy, floats / (positions * filters_), filters_, positions, out.data);
    }
  }

 private:
  int rank() const { return spec_.layout.rank(); }
  int64_t state_floats() const { return num_elements(state_shape()); }

  Window input_window(int64_t rows) const {
    return make_window(Volume{rows, in_size_, channels_}, spec_.kernel, spec_.stride,
                       spec_.dilation, spec_.padding);
  }
  Window recurrent_window(int64_t batch) const {
    return make_window(Volume{batch, out_size_, filters_}, spec_.kernel, {1, 1, 1}, {1, 1, 1},
                       Padding::kSame);
  }
  int64_t input_floats(int64_t rows) const {
    return rows * in_size_[0] * in_size_[1] * in_size_[2] * channels_;
  }

  std::shared_ptr<const Prepared> prepare_cell(int64_t batch, int64_t steps) const override {
    auto state = std::make_shared<ConvLstmState>();
    const Window input = input_window(mul_dim(batch, steps)), recurrent = recurrent_window(batch);
    state->input = input_.prepare(input);
    state->recurrent = recurrent_.prepare(recurrent);
    state->scratch_floats =
        std::max(state->input->scratch_floats, state->recurrent->scratch_floats);
    return state;
  }

  void project(const CellState& cell, const float* in, int64_t rows, float* out,
               float* scratch) const override {
    const Window window = input_window(rows);
    if (spec_.layout.channels_first()) {
      channels_first_to_last(in, rows, channels_, window.in.positions(), scratch);
      in = scratch;
    }
    const auto& state = static_cast<const ConvLstmState&>(cell.prepared);
    input_.run(*state.input, window, in, out, cell.scratch);
  }
  int64_t project_scratch_floats(int64_t rows) const override {
    return spec_.layout.channels_first() ? aligned_floats(input_floats(rows)) : 0;
  }

  void step(int64_t batch, StepInputs x, float* const* states, float* scratch,
            const CellState& cell) const override {
    const Window window = recurrent_window(batch);
    const int64_t width = window.out_positions() * 4 * filters_;  // per sample
    // z = the projected inputs, then the recurrent convolution is summed onto them.
    float* z = scratch;
    for (int64_t b = 0; b < batch; ++b) std::copy_n(x.data + b * x.stride, width, z + b * width);
    const auto& state = static_cast<const ConvLstmState&>(cell.prepared);
    recurrent_.run(*state.recurrent, window, states[0], z, cell.scratch);
    const CellParams params{filters_, nullptr,     nullptr,
                            nullptr,  activation_, recurrent_activation_};
    lstm_gates(params, batch * window.out_positions(), StepInputs{z, 4 * filters_}, states[0],
               states[1]);
  }
  int64_t step_scratch_floats(int64_t batch) const override {
    return aligned_floats(batch * recurrent_window(batch).out_positions() * 4 * filters_);
  }

  WindowSpec spec_;
  Spatial in_size_, out_size_;
  int64_t channels_, filters_;
  ConvKernel input_, recurrent_;  // packed; the input one adds the bias
  Activation activation_, recurrent_activation_;
};

std::unique_ptr<Layer> make_conv_lstm(const BuildContext& ctx, int rank) {
  RnnOptions options = read_rnn_flags(ctx);
  if (options.initial_states > 0)
    throw Error("initial states passed as extra inputs are not supported for convolutional LSTMs");
  const LayerConfig& config = ctx.config;
  refuse_keras1_config(config);
  const WindowSpec spec = conv_window_config(config, rank, /*allow_causal=*/false);
  const Dims& in = ctx.input_shapes[0];
  if (in.size() != static_cast<size_t>(rank) + 3)
    throw Error("expects an input of rank " + std::to_string(rank + 3) +
                " (batch, time, then one timestep's volume), got " + to_string(in));
  const Dims step = without_time(in);
  const int64_t channels = known_channels(spec.layout, step);
  const Spatial in_size = spec.layout.spatial(step);
  for (int64_t d : in_size)
    if (d == kAnyDim) throw Error("needs known spatial dimensions, got input " + to_string(in));
  const Spatial out_size = spec.output_size(in_size);
  for (int64_t d : out_size)
    if (d <= 0) throw Error("the kernel leaves no output position for input " + to_string(in));
  const int64_t filters = config.get_int("filters");
  if (filters <= 0) throw Error("filters must be positive, got " + std::to_string(filters));
  options.units = filters;

  const Activation activation = read_activation(ctx, "activation", "tanh");
  // tf.keras 2 defaulted to hard_sigmoid here (unlike its LSTM), Keras 3 to sigmoid; both
  // always write the key.
  const Activation recurrent_activation = read_activation(
      ctx, "recurrent_activation", ctx.keras_major >= 3 ? "sigmoid" : "hard_sigmoid");

  Dims kernel_shape = spec.kernel_dims();
  Dims recurrent_shape = kernel_shape;
  kernel_shape.insert(kernel_shape.end(), {channels, 4 * filters});
  recurrent_shape.insert(recurrent_shape.end(), {filters, 4 * filters});
  SharedFloats kernel = take_kernel(ctx, "kernel", kernel_shape);
  SharedFloats recurrent = take_kernel(ctx, "recurrent_kernel", recurrent_shape);
  std::vector<float> bias;
  if (config.get_bool("use_bias", true)) bias = ctx.weights.take("bias", {4 * filters});

  Dims step_input(step.begin() + 1, step.end());
  Dims state;  // channels_last: out positions..., filters
  for (int i = 0; i < rank; ++i) state.push_back(out_size[spatial_slot(rank, i)]);
  state.push_back(filters);
  return std::make_unique<ConvLstm>(
      options, spec, std::move(step_input), in_size, out_size, channels, filters, std::move(state),
      std::move(kernel), std::move(recurrent), std::move(bias), activation, recurrent_activation);
}

}  // namespace

std::unique_ptr<Layer> make_conv_lstm1d(const BuildContext& ctx) { return make_conv_lstm(ctx, 1); }
std::unique_ptr<Layer> make_conv_lstm2d(const BuildContext& ctx) { return make_conv_lstm(ctx, 2); }
std::unique_ptr<Layer> make_conv_lstm3d(const BuildContext& ctx) { return make_conv_lstm(ctx, 3); }

}  // namespace kerasrt
