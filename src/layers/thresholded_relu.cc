// ThresholdedReLU: x if x > theta else 0.
#include "layers/pointwise.h"

namespace kerasrt {

std::unique_ptr<Layer> make_thresholded_relu(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  Activation act;
  act.kind = ActKind::kRelu;
  act.threshold = static_cast<float>(ctx.config.get_float("theta", 1.0));
  return make_pointwise_layer(act);
}

}  // namespace kerasrt
