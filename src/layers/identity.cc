// Layers that do nothing at inference (Dropout, noise, regularisation, Identity): the output
// shares the input's buffer.
#include "layers/layer.h"

namespace kerasrt {
namespace {

class IdentityLayer final : public Layer {
 public:
  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {inputs[0]};
  }
  bool aliases_input() const override { return true; }
  void run(const RunContext&) const override {}
};

}  // namespace

std::unique_ptr<Layer> make_identity(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  return std::make_unique<IdentityLayer>();
}

}  // namespace kerasrt
