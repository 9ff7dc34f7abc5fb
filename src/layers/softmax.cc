// Softmax layer along `axis` (an int, or a one-element list).
#include "layers/pointwise.h"

namespace kerasrt {

std::unique_ptr<Layer> make_softmax(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  Activation act;
  act.kind = ActKind::kSoftmax;
  const Json& axis = ctx.config.json().value("axis", Json(-1));
  if (axis.is_array()) {
    if (axis.size() != 1) throw Error("softmax over several axes is not supported yet");
    act.axis = axis[0].get<int>();
  } else {
    act.axis = static_cast<int>(ctx.config.get_int("axis", -1));
  }
  normalize_axis(act.axis, ctx.input_shapes[0].size());
  return make_pointwise_layer(act);
}

}  // namespace kerasrt
