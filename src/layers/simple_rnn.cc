// SimpleRNN: h_t = activation(x_t . kernel + h_{t-1} . recurrent_kernel + bias).
#include "layers/rnn_common.h"

namespace kerasrt {
namespace {

class SimpleRnn final : public RecurrentLayer {
 public:
  SimpleRnn(const RnnOptions& options, std::vector<float> kernel,
            const std::vector<float>& recurrent, std::vector<float> bias, Activation activation)
      : RecurrentLayer(options, /*gates=*/1, /*state_count=*/1, std::move(kernel), std::move(bias)),
        recurrent_(pack_matrix(recurrent.data(), options.units, options.units, options.units)),
        activation_(activation) {}

 private:
  void step(int64_t batch, StepInputs x, float* const* states, float*,
            const CellState&) const override {
    simple_rnn_step({units(), &recurrent_, nullptr, nullptr, activation_, {}}, batch, x, states[0]);
  }

  PackedMatrix recurrent_;
  Activation activation_;
};

}  // namespace

std::unique_ptr<Layer> make_simple_rnn(const BuildContext& ctx) {
  const RnnOptions options = read_rnn_options(ctx);
  const Activation activation = read_activation(ctx, "activation", "tanh");
  const int64_t units = options.units;
  auto kernel = ctx.weights.take("kernel", {options.input_dim, units});
  auto recurrent = ctx.weights.take("recurrent_kernel", {units, units});
  std::vector<float> bias;
  if (ctx.config.get_bool("use_bias", true)) bias = ctx.weights.take("bias", {units});
  return std::make_unique<SimpleRnn>(options, std::move(kernel), std::move(recurrent),
                                     std::move(bias), activation);
}

}  // namespace kerasrt
