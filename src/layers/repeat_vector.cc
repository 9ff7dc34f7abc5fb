// RepeatVector: (batch, features) -> (batch, n, features), each sample repeated n times.
#include <algorithm>

#include "layers/layer.h"

namespace kerasrt {
namespace {

class RepeatVector final : public Layer {
 public:
  explicit RepeatVector(int64_t n) : n_(n) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (in.size() != 2) throw Error("expects an input of rank 2, got " + to_string(in));
    return {{in[0], n_, in[1]}};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const int64_t batch = in.shape[0], features = in.shape[1];
    float* out = ctx.outputs[0].data;
    for (int64_t b = 0; b < batch; ++b) {
      const float* row = in.data + b * features;
      for (int64_t i = 0; i < n_; ++i) out = std::copy(row, row + features, out);
    }
  }

 private:
  int64_t n_;
};

}  // namespace

std::unique_ptr<Layer> make_repeat_vector(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const int64_t n = ctx.config.get_int("n");
  if (n < 0) throw Error("config 'n' must be >= 0, got " + std::to_string(n));
  return std::make_unique<RepeatVector>(n);
}

}  // namespace kerasrt
