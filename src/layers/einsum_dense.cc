// EinsumDense: activation(einsum(equation, input, kernel) + bias), the equations Keras accepts
// lowered to one GEMM (layers/einsum_projection.h, kernels/einsum.h). Keras 3 and tf.keras 2
// write the same config keys: equation, output_shape, bias_axes, activation.
#include "layers/einsum_projection.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

class EinsumDense final : public Layer {
 public:
  explicit EinsumDense(EinsumProjection projection) : projection_(std::move(projection)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {projection_.output_shape(inputs[0])};
  }
  size_t scratch_floats(std::span<const Dims> inputs) const override {
    return projection_.scratch_floats(inputs[0]);
  }
  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    return projection_.prepare(inputs[0]);
  }
  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    with_prepared(*this, ctx, projection_.scratch_floats(in.shape),
                  [&](const Prepared& prepared, float* product_scratch) {
                    projection_.run(prepared, in.data, in.shape, ctx.outputs[0].data, ctx.scratch,
                                    product_scratch);
                  });
  }

 private:
  EinsumProjection projection_;
};

// Keras's output_shape: an int, or a list with None for dimensions taken from the input.
Dims output_shape_of(const LayerConfig& config) {
  const Json& value = config.json().value("output_shape", Json());
  if (value.is_number_integer()) return {value.get<int64_t>()};
  if (value.is_array()) return config.get_int_list("output_shape");
  throw Error("config 'output_shape' must be an int or a list, got " + value.dump());
}

}  // namespace

std::unique_ptr<Layer> make_einsum_dense(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  if (config.has("lora_rank") && config.get_int("lora_rank", 0) != 0)
    throw Error("LoRA (lora_rank) is not supported");
  const std::string equation = config.get_string("equation", "");
  const Json& bias = config.json().value("bias_axes", Json());
  if (!bias.is_null() && !bias.is_string())
    throw Error("config 'bias_axes' must be a string or null, got " + bias.dump());
  const Activation act =
      parse_activation(config.json().value("activation", Json()), ctx.keras_major);
  return std::make_unique<EinsumDense>(EinsumProjection(
      equation, output_shape_of(config), bias.is_string() ? bias.get<std::string>() : std::string(),
      act, ctx.input_shapes[0], ctx.weights));
}

}  // namespace kerasrt
