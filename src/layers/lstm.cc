// LSTM, gates [i, f, c, o] in kernel (in, 4u), recurrent_kernel (u, 4u) and bias (4u):
//   z = x_t . kernel + h . recurrent_kernel + bias
//   c = f * c + i * activation(z_c), h = o * activation(c), with i, f, o = recurrent_activation(z).
// Outputs h (per step or last); return_state adds [h, c].
#include "layers/rnn_common.h"

namespace kerasrt {
namespace {

class Lstm final : public RecurrentLayer {
 public:
  Lstm(const RnnOptions& options, std::vector<float> kernel, const std::vector<float>& recurrent,
       std::vector<float> bias, Activation activation, Activation recurrent_activation)
      : RecurrentLayer(options, /*gates=*/4, /*state_count=*/2, std::move(kernel), std::move(bias)),
        recurrent_(
            pack_matrix(recurrent.data(), options.units, 4 * options.units, 4 * options.units)),
        activation_(activation),
        recurrent_activation_(recurrent_activation) {}

 private:
  void step(int64_t batch, StepInputs x, float* const* states, float*,
            const CellState&) const override {
    const CellParams cell{units(), &recurrent_, nullptr,
                          nullptr, activation_, recurrent_activation_};
    lstm_step(cell, batch, x, states[0], states[1]);
  }

  PackedMatrix recurrent_;
  Activation activation_, recurrent_activation_;
};

}  // namespace

std::unique_ptr<Layer> make_lstm(const BuildContext& ctx) {
  const RnnOptions options = read_rnn_options(ctx);
  const Activation activation = read_activation(ctx, "activation", "tanh");
  // Keras 2.0-2.3 defaulted to hard_sigmoid but always wrote the key; the default here is
  // tf.keras 2 / Keras 3's.
  const Activation recurrent_activation = read_activation(ctx, "recurrent_activation", "sigmoid");
  const int64_t units = options.units;
  auto kernel = ctx.weights.take("kernel", {options.input_dim, 4 * units});
  auto recurrent = ctx.weights.take("recurrent_kernel", {units, 4 * units});
  std::vector<float> bias;
  if (ctx.config.get_bool("use_bias", true)) bias = ctx.weights.take("bias", {4 * units});
  return std::make_unique<Lstm>(options, std::move(kernel), std::move(recurrent), std::move(bias),
                                activation, recurrent_activation);
}

}  // namespace kerasrt
