// LeakyReLU: x if x > 0 else slope * x (Keras 2 calls the slope `alpha`, Keras 3 `negative_slope`).
#include "layers/pointwise.h"

namespace kerasrt {

std::unique_ptr<Layer> make_leaky_relu(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  Activation act;
  act.kind = ActKind::kRelu;
  act.alpha = static_cast<float>(
      ctx.config.get_float("negative_slope", ctx.config.get_float("alpha", 0.3)));
  return make_pointwise_layer(act);
}

}  // namespace kerasrt
