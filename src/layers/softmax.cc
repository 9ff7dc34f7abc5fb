// Softmax layer along `axis` (an int, or a one-element list).
// With a mask (Keras's Softmax.call): masked positions get -1e9 added before the softmax, so
// they get (almost) no weight. Keras adds the mask to the input with broadcasting, the mask's
// axes aligned with the input's last axes; a mask that does not broadcast to the input's shape
// is refused (Keras would fail or change the output's shape). The output keeps the mask.
#include <algorithm>

#include "kernels/activation.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

// Keras's _large_negative_number for float32.
constexpr float kMaskedLogit = -1e9f;

// Throws unless `mask` broadcasts to exactly `data` (numpy rules; kAnyDim matches anything).
void check_broadcasts(const Dims& mask, const Dims& data) {
  bool ok = mask.size() <= data.size();
  for (size_t i = 1; ok && i <= mask.size(); ++i) {
    const int64_t m = mask[mask.size() - i], d = data[data.size() - i];
    ok = m == 1 || m == d || m == kAnyDim || d == kAnyDim;
  }
  if (!ok)
    throw Error("Keras adds the mask " + to_string(mask) + " to the input " + to_string(data) +
                " with broadcasting, which does not give the input's shape");
}

class Softmax final : public Layer {
 public:
  // `over_batch`: the axis is the batch axis, so samples mix (see Layer::mixes_batch).
  Softmax(const Activation& act, bool over_batch) : act_(act), over_batch_(over_batch) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    normalize_axis(act_.axis, inputs[0].size());
    if (inputs.size() > 1) check_broadcasts(inputs[1], inputs[0]);
    return {inputs[0]};
  }

  bool consumes_masks() const override { return true; }
  bool mixes_batch() const override { return over_batch_; }
  MaskRule output_mask(size_t output) const override {
    return output == 0 ? MaskRule::kKeep : MaskRule::kNone;
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const MutTensor& out = ctx.outputs[0];
    std::copy(in.data, in.data + in.size(), out.data);
    if (ctx.inputs.size() > 1) add_masked_logits(ctx.inputs[1], out);
    apply_activation(act_, out.data, out.shape);
  }

 private:
  // out += kMaskedLogit where the (broadcast) mask is 0.
  static void add_masked_logits(const ConstTensor& mask, const MutTensor& out) {
    const size_t rank = out.shape.size(), offset = rank - mask.shape.size();
    // The mask's stride along each output axis (0 where it broadcasts).
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1;
    for (size_t d = rank; d-- > offset;) {
      if (mask.shape[d - offset] != 1) strides[d] = stride;
      stride *= mask.shape[d - offset];
    }
    const int64_t count = out.size();
    for (int64_t i = 0; i < count; ++i) {
      int64_t rest = i, at = 0;
      for (size_t d = rank; d-- > 0;) {
        at += rest % out.shape[d] * strides[d];
        rest /= out.shape[d];
      }
      if (mask.data[at] == 0.0f) out.data[i] += kMaskedLogit;
    }
  }

  Activation act_;
  bool over_batch_;
};

}  // namespace

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
  const bool over_batch = normalize_axis(act.axis, ctx.input_shapes[0].size()) == 0;
  return std::make_unique<Softmax>(act, over_batch);
}

}  // namespace kerasrt
