// ELU layer: x if x > 0 else alpha * (exp(x) - 1).
#include "layers/pointwise.h"

namespace kerasrt {

std::unique_ptr<Layer> make_elu(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  Activation act;
  act.kind = ActKind::kElu;
  act.alpha = static_cast<float>(ctx.config.get_float("alpha", 1.0));
  return make_pointwise_layer(act);
}

}  // namespace kerasrt
