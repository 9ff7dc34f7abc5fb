#include "layers/pointwise.h"

#include <algorithm>

namespace kerasrt {
namespace {

class PointwiseLayer final : public Layer {
 public:
  explicit PointwiseLayer(const Activation& act) : act_(act) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    if (!act_.is_pointwise()) normalize_axis(act_.axis, inputs[0].size());
    return {inputs[0]};
  }

  FusibleOp fusible() const override {
    if (!act_.is_pointwise()) return {};
    FusibleOp op;
    op.kind = FusibleOp::Kind::kActivation;
    op.activation = act_;
    return op;
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const MutTensor& out = ctx.outputs[0];
    std::copy(in.data, in.data + in.size(), out.data);
    apply_activation(act_, out.data, out.shape);
  }

 private:
  Activation act_;
};

}  // namespace

std::unique_ptr<Layer> make_pointwise_layer(const Activation& act) {
  return std::make_unique<PointwiseLayer>(act);
}

}  // namespace kerasrt
