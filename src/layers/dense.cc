// Dense: out = activation(in . kernel + bias) over the last axis (any rank >= 2), on oneDNN's
// matmul primitive (kernels/onednn.h), or without AVX-512 our packed GEMM, with the kernel
// packed at load. A following
// BatchNormalization over the last axis folds into the kernel and bias at load; a following
// Add and ReLU-family activation run inside the primitive, other pointwise activations after it
// (graph/optimize.cc fuses them).
//
// (oneDNN's sgemm, which this used before, was as fast at batch 1 but allocated ~74 KB of
// packing buffers on every larger call; its inner-product primitive was slower at batch 1.)
#include "kernels/activation.h"
#include "kernels/onednn.h"
#include "layers/fused.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

class Dense final : public Layer {
 public:
  // `after`: an activation the kernel cannot apply itself (softmax over the last axis), last.
  Dense(MatmulKernel kernel, Activation after, Dims typical_input)
      : kernel_(std::move(kernel)), after_(after), typical_input_(std::move(typical_input)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (in.size() < 2 || in.back() != kernel_.k())
      throw Error("expects input (..., " + std::to_string(kernel_.k()) + "), got " + to_string(in));
    Dims out = in;
    out.back() = kernel_.n();
    if (kernel_.post().sum) check_addend(inputs, out);
    return {out};
  }

  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    return kernel_.prepare(rows(inputs[0]));
  }

  int inplace_input() const override { return kernel_.post().sum ? 1 : -1; }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    if (kernel_.post().sum) load_addend(ctx);
    with_prepared(*this, ctx, [&](const Prepared& prepared, float* scratch) {
      kernel_.run(prepared, ctx.inputs[0].data, out.data, scratch);
    });
    apply_activation(after_, out.data, out.shape);
  }

  std::shared_ptr<const Layer> fuse(const FusibleOp& op) const override {
    const bool on_units = op.rank >= 2 && static_cast<size_t>(op.axis) == op.rank - 1;
    auto fused = kernel_fusing(kernel_, after_, op, on_units, kernel_.n());
    return fused ? with(std::move(*fused)) : nullptr;
  }

  std::shared_ptr<const Layer> fuse_add() const override {
    auto fused = kernel_adding(kernel_, after_);
    return fused ? with(std::move(*fused)) : nullptr;
  }

  size_t packed_floats() const override { return kernel_.weight_count(); }

  std::shared_ptr<const Layer> packed(WeightArena& arena) const override {
    if (kernel_.packed()) return nullptr;
    return with(kernel_.packed_for(rows(typical_input_), &arena));
  }

 private:
  std::shared_ptr<const Layer> with(MatmulKernel kernel) const {
    return std::make_shared<Dense>(std::move(kernel), after_, typical_input_);
  }
  // Rows of the product: every axis but the last (not size / k: k may be 0).
  static int64_t rows(const Dims& in) { return product(in, 0, in.size() - 1); }

  MatmulKernel kernel_;
  Activation after_;
  Dims typical_input_;  // the input shape with batch 1 and open axes 1: what weights are packed for
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
  SharedFloats kernel = take_kernel(ctx, "kernel", {in.back(), units});
  std::vector<float> bias;
  if (ctx.config.get_bool("use_bias", true)) bias = ctx.weights.take("bias", {units});
  PostOps post;
  if (act.is_pointwise()) post.activation = act;
  Dims typical = in;
  for (int64_t& d : typical)
    if (d == kAnyDim) d = 1;
  return std::make_unique<Dense>(
      MatmulKernel(in.back(), units, std::move(kernel), std::move(bias)).with_post(post),
      act.is_pointwise() ? Activation{} : act, std::move(typical));
}

}  // namespace kerasrt
