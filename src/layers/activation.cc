// Activation: applies a named Keras activation.
#include "kernels/activation.h"

#include "layers/layer.h"
#include "layers/pointwise.h"

namespace kerasrt {

std::unique_ptr<Layer> make_activation(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  return make_pointwise_layer(
      parse_activation(ctx.config.json().value("activation", Json()), ctx.keras_major));
}

}  // namespace kerasrt
