// CuDNNLSTM and CuDNNGRU (tf.keras 1.x / Keras 2.x layers that only ran on NVIDIA GPUs): an LSTM
// and a GRU with reset_after=True, tanh and sigmoid fixed, no masking options. Their weights
// hold what cuDNN reads, which Keras 2 converts when it loads them into LSTM / GRU
// (keras/engine/saving.py, _convert_rnn_weights); the same conversion is done here once at load,
// then the layer is an ordinary LSTM / GRU:
// - kernel (in, gates * units): cuDNN reads each gate's (in, units) block, flattened row by row,
//   as a (units, in) matrix W with gate = W . x; the Keras kernel block is W transposed;
// - recurrent_kernel (units, gates * units): each (units, units) gate block transposed;
// - bias (2 * gates * units): input biases then recurrent biases. CuDNNLSTM adds them (LSTM has
//   one bias); CuDNNGRU keeps both, as GRU(reset_after=True)'s (2, gates * units) bias.
// Gate order in the Keras variables is LSTM's i, f, c, o and GRU's z, r, h.
#include "layers/registry.h"
#include "layers/rnn_common.h"

namespace kerasrt {
namespace {

// Each gate block of `kernel` (rows, gates * units) converted by block(in, out), where in and out
// point at the block's first column (rows keep the whole kernel's stride).
template <typename Block>
std::vector<float> per_gate(const std::vector<float>& kernel, int64_t gates, int64_t units,
                            Block&& block) {
  std::vector<float> out(kernel.size());
  for (int64_t g = 0; g < gates; ++g) block(kernel.data() + g * units, out.data() + g * units);
  return out;
}

std::unique_ptr<Layer> make_cudnn(const BuildContext& ctx, bool lstm) {
  const RnnOptions options = read_rnn_options(ctx);
  const int64_t in = options.input_dim, units = options.units, gates = lstm ? 4 : 3;
  const int64_t width = gates * units;
  const auto at = [width](const float* block, int64_t r, int64_t c) {
    return block[r * width + c];
  };
  const auto kernel = ctx.weights.take("kernel", {in, width});
  const auto recurrent = ctx.weights.take("recurrent_kernel", {units, width});
  const auto bias = ctx.weights.take("bias", {2 * width});

  // out[i][j] = (the block's elements in row-major order)[j * in + i]
  std::vector<float> keras_kernel =
      per_gate(kernel, gates, units, [&](const float* block, float* out) {
        for (int64_t i = 0; i < in; ++i)
          for (int64_t j = 0; j < units; ++j) {
            const int64_t flat = j * in + i;
            out[i * width + j] = at(block, flat / units, flat % units);
          }
      });
  std::vector<float> keras_recurrent =
      per_gate(recurrent, gates, units, [&](const float* block, float* out) {
        for (int64_t i = 0; i < units; ++i)
          for (int64_t j = 0; j < units; ++j) out[i * width + j] = at(block, j, i);
      });
  std::vector<float> keras_bias;
  Dims bias_shape;
  if (lstm) {
    keras_bias.resize(static_cast<size_t>(width));
    for (int64_t k = 0; k < width; ++k) keras_bias[k] = bias[k] + bias[width + k];
    bias_shape = {width};
  } else {
    keras_bias = bias;
    bias_shape = {2, width};
  }

  Json config = ctx.config.json();
  config["activation"] = "tanh";
  config["recurrent_activation"] = "sigmoid";
  config["use_bias"] = true;
  if (!lstm) config["reset_after"] = true;
  const LayerConfig layer_config(config);
  WeightReader converted({Array{"kernel", {in, width}, std::move(keras_kernel)},
                          Array{"recurrent_kernel", {units, width}, std::move(keras_recurrent)},
                          Array{"bias", bias_shape, std::move(keras_bias)}});
  const std::string target = lstm ? "LSTM" : "GRU";
  const BuildContext context{target,    ctx.name,     layer_config,   ctx.input_shapes,
                             converted, ctx.registry, ctx.keras_major};
  std::unique_ptr<Layer> layer = ctx.registry.find(target)(context);
  converted.finish();
  return layer;
}

}  // namespace

std::unique_ptr<Layer> make_cudnn_lstm(const BuildContext& ctx) { return make_cudnn(ctx, true); }
std::unique_ptr<Layer> make_cudnn_gru(const BuildContext& ctx) { return make_cudnn(ctx, false); }

}  // namespace kerasrt
