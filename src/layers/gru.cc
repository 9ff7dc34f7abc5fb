// GRU, gates [z, r, h] in kernel (in, 3u) and recurrent_kernel (u, 3u):
//   z, r = recurrent_activation(x . W + b_in + h . U (+ b_rec))
//   reset_after=True (the default since tf.keras 2): bias (2, 3u) = [input bias, recurrent bias],
//     candidate = activation(x . W_h + b_in_h + r * (h . U_h + b_rec_h));
//   reset_after=False: bias (3u), candidate = activation(x . W_h + b_h + (r * h) . U_h);
//   h = z * h + (1 - z) * candidate.
// Outputs h (per step or last); return_state adds [h].
#include "layers/rnn_common.h"

namespace kerasrt {
namespace {

class Gru final : public RecurrentLayer {
 public:
  Gru(const RnnOptions& options, bool reset_after, std::vector<float> kernel,
      const std::vector<float>& recurrent, std::vector<float> input_bias,
      std::vector<float> recurrent_bias, Activation activation, Activation recurrent_activation)
      : RecurrentLayer(options, /*gates=*/3, /*state_count=*/1, std::move(kernel),
                       std::move(input_bias)),
        reset_after_(reset_after),
        // reset_after: one product for the three gates; otherwise z and r, then the candidate
        // from the state scaled by r.
        recurrent_(pack_matrix(recurrent.data(), options.units,
                               (reset_after ? 3 : 2) * options.units, 3 * options.units)),
        recurrent_candidate_(reset_after
                                 ? PackedMatrix{}
                                 : pack_matrix(recurrent.data() + 2 * options.units, options.units,
                                               options.units, 3 * options.units)),
        recurrent_bias_(std::move(recurrent_bias)),
        activation_(activation),
        recurrent_activation_(recurrent_activation) {}

 private:
  void step(int64_t batch, StepInputs x, float* const* states, float* scratch,
            const CellState&) const override {
    const CellParams cell{units(),
                          &recurrent_,
                          &recurrent_candidate_,
                          recurrent_bias_.empty() ? nullptr : recurrent_bias_.data(),
                          activation_,
                          recurrent_activation_};
    gru_step(cell, reset_after_, batch, x, states[0], scratch);
  }
  int64_t step_scratch_floats(int64_t batch) const override {
    return gru_step_scratch_floats(units(), reset_after_, batch);
  }

  bool reset_after_;
  PackedMatrix recurrent_, recurrent_candidate_;
  std::vector<float> recurrent_bias_;
  Activation activation_, recurrent_activation_;
};

}  // namespace

std::unique_ptr<Layer> make_gru(const BuildContext& ctx) {
  const RnnOptions options = read_rnn_options(ctx);
  const Activation activation = read_activation(ctx, "activation", "tanh");
  // See lstm.cc for the default.
  const Activation recurrent_activation = read_activation(ctx, "recurrent_activation", "sigmoid");
  // Every Keras that defaults to reset_after=True writes the key; older ones lack it and
  // compute reset-before.
  const bool reset_after = ctx.config.get_bool("reset_after", false);
  const int64_t units = options.units;
  auto kernel = ctx.weights.take("kernel", {options.input_dim, 3 * units});
  auto recurrent = ctx.weights.take("recurrent_kernel", {units, 3 * units});
  std::vector<float> input_bias, recurrent_bias;
  if (ctx.config.get_bool("use_bias", true)) {
    if (reset_after) {
      std::vector<float> both = ctx.weights.take("bias", {2, 3 * units});
      input_bias.assign(both.begin(), both.begin() + 3 * units);
      recurrent_bias.assign(both.begin() + 3 * units, both.end());
    } else {
      input_bias = ctx.weights.take("bias", {3 * units});
    }
  }
  return std::make_unique<Gru>(options, reset_after, std::move(kernel), std::move(recurrent),
                               std::move(input_bias), std::move(recurrent_bias), activation,
                               recurrent_activation);
}

}  // namespace kerasrt
