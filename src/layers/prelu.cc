// PReLU: x if x >= 0 else alpha * x, with a learned alpha per element of the input (batch
// excluded), shared (size 1) along `shared_axes`.
#include "layers/layer.h"

namespace kerasrt {
namespace {

class PRelu final : public Layer {
 public:
  PRelu(Dims alpha_shape, std::vector<float> alpha)
      : alpha_shape_(std::move(alpha_shape)), alpha_(std::move(alpha)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    bool ok = in.size() == alpha_shape_.size() + 1;
    for (size_t d = 0; ok && d < alpha_shape_.size(); ++d)
      ok = alpha_shape_[d] == 1 || in[d + 1] == kAnyDim || in[d + 1] == alpha_shape_[d];
    if (!ok)
      throw Error("input " + to_string(in) + " does not match alpha of shape " +
                  to_string(alpha_shape_));
    return {in};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const int64_t batch = in.shape[0];
    const int64_t per_sample = in.size() / std::max<int64_t>(batch, 1);
    const size_t rank = alpha_shape_.size();
    // Strides of alpha in the input's index space (0 along shared axes).
    std::vector<int64_t> index(rank, 0);
    for (int64_t b = 0; b < batch; ++b) {
      const float* x = in.data + b * per_sample;
      float* y = ctx.outputs[0].data + b * per_sample;
      std::fill(index.begin(), index.end(), 0);
      for (int64_t i = 0; i < per_sample; ++i) {
        int64_t a = 0;
        for (size_t d = 0; d < rank; ++d)
          a = a * alpha_shape_[d] + (alpha_shape_[d] == 1 ? 0 : index[d]);
        y[i] = x[i] >= 0.0f ? x[i] : alpha_[static_cast<size_t>(a)] * x[i];
        for (size_t d = rank; d-- > 0;) {  // advance the multi-index over the input
          if (++index[d] < in.shape[d + 1]) break;
          index[d] = 0;
        }
      }
    }
  }

 private:
  Dims alpha_shape_;
  std::vector<float> alpha_;
};

}  // namespace

std::unique_ptr<Layer> make_prelu(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const Dims& in = ctx.input_shapes[0];
  Dims alpha_shape(in.begin() + 1, in.end());
  if (ctx.config.has("shared_axes")) {
    const Json& axes = ctx.config.json()["shared_axes"];
    for (const Json& axis : axes.is_array() ? axes : Json::array({axes})) {
      const int64_t a = axis.get<int64_t>();  // 1-based over the full shape, batch = 0
      if (a < 1 || a > static_cast<int64_t>(alpha_shape.size()))
        throw Error("shared axis " + std::to_string(a) + " is out of range");
      alpha_shape[static_cast<size_t>(a - 1)] = 1;
    }
  }
  if (!is_known(alpha_shape)) throw Error("needs known input dimensions, got " + to_string(in));
  auto alpha = ctx.weights.take("alpha", alpha_shape);
  return std::make_unique<PRelu>(alpha_shape, std::move(alpha));
}

}  // namespace kerasrt
