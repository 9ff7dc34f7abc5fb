// Dense: out = activation(in . kernel + bias) over the last axis (any rank >= 2), on oneDNN's
// sgemm with the bias (and a fused Add's addend) preloaded into the output. A following
// BatchNormalization over the last axis folds into the kernel and bias at load; a following
// Add and pointwise activation are fused in (graph/optimize.cc).
//
// (oneDNN's inner-product primitive was measured against this on the benchmark MLP: at batch 1
// its per-call overhead made it slower, at larger batches it was no faster.)
#include "kernels/activation.h"
#include "kernels/gemm.h"
#include "kernels/vecmath.h"
#include "layers/fused.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

class Dense final : public Layer {
 public:
  // `act`: a pointwise activation applied after the product (and after a fused Add, when
  // `sum`); `after`: a non-pointwise one (softmax over the last axis), applied last.
  Dense(int64_t in, int64_t units, std::shared_ptr<const std::vector<float>> kernel,
        std::shared_ptr<const std::vector<float>> bias, Activation act, Activation after, bool sum)
      : in_(in),
        units_(units),
        kernel_(std::move(kernel)),
        bias_(std::move(bias)),
        act_(act),
        after_(after),
        sum_(sum) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (in.size() < 2 || in.back() != in_)
      throw Error("expects input (..., " + std::to_string(in_) + "), got " + to_string(in));
    Dims out = in;
    out.back() = units_;
    if (sum_) check_addend(inputs, out);
    return {out};
  }

  int inplace_input() const override { return sum_ ? 1 : -1; }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const MutTensor& out = ctx.outputs[0];
    const int64_t rows = product(in.shape, 0, in.shape.size() - 1);  // not size / in_: in_ may be 0
    float beta = 0.0f;
    if (sum_) {
      load_addend(ctx);
      if (bias_) vec::add_bias_rows(out.data, rows, units_, bias_->data());
      beta = 1.0f;
    } else if (bias_) {
      for (int64_t r = 0; r < rows; ++r)
        std::copy(bias_->begin(), bias_->end(), out.data + r * units_);
      beta = 1.0f;
    }
    sgemm(false, false, rows, units_, in_, 1.0f, in.data, in_, kernel_->data(), units_, beta,
          out.data, units_);
    apply_pointwise(act_, out.data, rows * units_);
    apply_activation(after_, out.data, out.shape);
  }

  std::shared_ptr<const Layer> fuse(const FusibleOp& op) const override {
    if (!act_.is_linear() || !after_.is_linear())
      return nullptr;  // nothing folds through an activation
    if (op.kind == FusibleOp::Kind::kActivation)
      return std::make_shared<Dense>(in_, units_, kernel_, bias_, op.activation, after_, sum_);
    if (op.kind == FusibleOp::Kind::kChannelAffine && !sum_ && op.rank >= 2 &&
        static_cast<size_t>(op.axis) == op.rank - 1 &&
        op.scale.size() == static_cast<size_t>(units_)) {
      // y * scale + shift = x . (kernel * scale) + (bias * scale + shift), column by column.
      std::vector<float> kernel = *kernel_;
      for (size_t i = 0; i < kernel.size(); ++i)
        kernel[i] = static_cast<float>(static_cast<double>(kernel[i]) *
                                       op.scale[i % static_cast<size_t>(units_)]);
      std::vector<float> bias(static_cast<size_t>(units_));
      for (size_t u = 0; u < bias.size(); ++u)
        bias[u] = static_cast<float>(static_cast<double>(bias_ ? (*bias_)[u] : 0.0f) * op.scale[u] +
                                     op.shift[u]);
      return std::make_shared<Dense>(
          in_, units_, std::make_shared<const std::vector<float>>(std::move(kernel)),
          std::make_shared<const std::vector<float>>(std::move(bias)), act_, after_, sum_);
    }
    return nullptr;
  }

  std::shared_ptr<const Layer> fuse_add() const override {
    if (sum_ || !act_.is_linear() || !after_.is_linear()) return nullptr;
    return std::make_shared<Dense>(in_, units_, kernel_, bias_, act_, after_, true);
  }

 private:
  int64_t in_, units_;
  std::shared_ptr<const std::vector<float>> kernel_;  // (in, units), row-major as Keras has it
  std::shared_ptr<const std::vector<float>> bias_;    // units values, or null
  Activation act_, after_;
  bool sum_;  // a fused Add: the last input is added to the product
};

}  // namespace

std::unique_ptr<Layer> make_dense(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const Dims& in = ctx.input_shapes[0];
  if (in.size() < 2 || in.back() == kAnyDim)
    throw Error("needs an input with a known last dimension, got " + to_string(in));
  const int64_t units = ctx.config.get_int("units");
  if (units <= 0) throw Error("units must be positive, got " + std::to_string(units));
  const Activation act =
      parse_activation(ctx.config.json().value("activation", Json()), ctx.keras_major);
  auto kernel =
      std::make_shared<const std::vector<float>>(ctx.weights.take("kernel", {in.back(), units}));
  std::shared_ptr<const std::vector<float>> bias;
  if (ctx.config.get_bool("use_bias", true))
    bias = std::make_shared<const std::vector<float>>(ctx.weights.take("bias", {units}));
  return std::make_unique<Dense>(in.back(), units, std::move(kernel), std::move(bias),
                                 act.is_pointwise() ? act : Activation{},
                                 act.is_pointwise() ? Activation{} : act, false);
}

}  // namespace kerasrt
