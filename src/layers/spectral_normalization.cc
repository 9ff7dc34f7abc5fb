// SpectralNormalization (Keras 3): a wrapper that, in training, divides the wrapped layer's
// kernel (or Embedding's embeddings) by its largest singular value and stores the result back
// into the kernel. At inference it only calls the wrapped layer, so the stored kernel is used as
// saved and the power-iteration estimate `vector_u` (1, kernel's last dimension) is not read.
// Weights: the wrapped layer's, then vector_u, as the legacy .h5 formats list them
// (trainable_weights + non_trainable_weights); the .keras reader puts them in this order too.
#include "layers/registry.h"
#include "layers/rnn_common.h"

namespace kerasrt {

std::unique_ptr<Layer> make_spectral_normalization(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  if (ctx.config.get_int("power_iterations", 1) <= 0)
    throw Error("config 'power_iterations' must be positive (Keras refuses the layer otherwise)");
  const InnerLayerSpec inner = read_inner_layer(ctx.config, "layer");
  const size_t first = ctx.weights.taken().size();
  std::unique_ptr<Layer> layer = build_inner_layer(ctx, "wrapped layer", inner, ctx.input_shapes);
  // Keras normalizes the first weight the wrapped layer creates (its kernel or embeddings).
  const std::vector<WeightDecl>& taken = ctx.weights.taken();
  if (taken.size() == first || taken[first].shape.empty())
    throw Error("the wrapped layer (" + inner.class_name +
                ") has no kernel or embeddings for Keras to normalize");
  ctx.weights.take("vector_u", {1, taken[first].shape.back()}, /*trainable=*/false);
  return layer;
}

}  // namespace kerasrt
