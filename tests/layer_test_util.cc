#include "layer_test_util.h"

namespace kerasrt::test {

std::unique_ptr<Layer> build_layer(const std::string& class_name, const Json& config,
                                   const std::vector<Dims>& inputs, std::vector<Array> weights,
                                   int keras_major) {
  const LayerConfig layer_config(config);
  WeightReader reader(std::move(weights));
  const std::string name = "layer";
  const BuildContext ctx{class_name,          name,       layer_config, inputs, reader,
                         Registry::builtin(), keras_major};
  return Registry::builtin().build(ctx);
}

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

Array filled(const Dims& shape, float value) {
  return {"w", shape, std::vector<float>(static_cast<size_t>(num_elements(shape)), value)};
}

std::vector<float> run_layer(const Layer& layer, const Dims& in_shape,
                             const std::vector<float>& input) {
  const Dims out_shape = layer.output_shapes({&in_shape, 1}).at(0);
  std::vector<float> output(static_cast<size_t>(num_elements(out_shape)), -999.0f);
  std::vector<float> scratch(layer.scratch_floats({&in_shape, 1}) + 1);
  const ConstTensor in{input.data(), in_shape};
  const MutTensor out{output.data(), out_shape};
  layer.run({{&in, 1}, {&out, 1}, scratch.data()});
  return output;
}

}  // namespace kerasrt::test
