// Dense: out = activation(in . kernel + bias) over the last axis (any rank >= 2).
#include "kernels/activation.h"
#include "kernels/gemm.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

class Dense final : public Layer {
 public:
  Dense(int64_t in, int64_t units, std::vector<float> kernel, std::vector<float> bias, Activation act)
      : in_(in), units_(units), kernel_(std::move(kernel)), bias_(std::move(bias)), act_(act) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (in.size() < 2 || in.back() != in_)
      throw Error("expects input (..., " + std::to_string(in_) + "), got " + to_string(in));
    Dims out = in;
    out.back() = units_;
    return {out};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const MutTensor& out = ctx.outputs[0];
    const int64_t rows = product(in.shape, 0, in.shape.size() - 1);  // not size / in_: in_ may be 0
    matmul_bias(in.data, rows, in_, kernel_.data(), units_, bias_.empty() ? nullptr : bias_.data(), out.data);
    apply_activation(act_, out.data, out.shape);
  }

 private:
  int64_t in_, units_;
  std::vector<float> kernel_, bias_;
  Activation act_;
};

}  // namespace

std::unique_ptr<Layer> make_dense(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const Dims& in = ctx.input_shapes[0];
  if (in.size() < 2 || in.back() == kAnyDim)
    throw Error("needs an input with a known last dimension, got " + to_string(in));
  const int64_t units = ctx.config.get_int("units");
  if (units <= 0) throw Error("units must be positive, got " + std::to_string(units));
  const Activation act = parse_activation(ctx.config.json().value("activation", Json()), ctx.keras_major);
  auto kernel = ctx.weights.take("kernel", {in.back(), units});
  std::vector<float> bias;
  if (ctx.config.get_bool("use_bias", true)) bias = ctx.weights.take("bias", {units});
  return std::make_unique<Dense>(in.back(), units, std::move(kernel), std::move(bias), act);
}

}  // namespace kerasrt
