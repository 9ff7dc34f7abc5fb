// ReLU layer: relu(x, negative_slope, max_value, threshold).
#include "layers/pointwise.h"

namespace kerasrt {

std::unique_ptr<Layer> make_relu(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  Activation act;
  act.kind = ActKind::kRelu;
  act.alpha = static_cast<float>(ctx.config.get_float("negative_slope", 0.0));
  act.threshold = static_cast<float>(ctx.config.get_float("threshold", 0.0));
  if (ctx.config.has("max_value"))
    act.max_value = static_cast<float>(ctx.config.get_float("max_value", 0.0));
  if (act.max_value < 0.0f) throw Error("max_value must be >= 0");
  return make_pointwise_layer(act);
}

}  // namespace kerasrt
