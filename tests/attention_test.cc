// Attention layers: the configs and calls they refuse, with errors naming the layer and the
// reason (their inference results are checked against the oracle fixtures: mha_*, einsum_*,
// attention_*, additive_attention, transformer_encoder).
#include "layer_test_util.h"
#include "spec/attention_calls.h"

namespace kerasrt::test {
namespace {

Json einsum(const std::string& equation, const Json& output_shape, const Json& bias_axes) {
  return {{"name", "einsum_dense"},
          {"equation", equation},
          {"output_shape", output_shape},
          {"bias_axes", bias_axes},
          {"activation", "linear"}};
}

TEST(EinsumDenseTest, RefusesEquationsWithoutAGemmForm) {
  const Dims in{kAnyDim, 4, 6};
  EXPECT_ERROR(build_layer("EinsumDense", einsum("abc,bcd->abd", {4, 5}, nullptr), {in},
                           {filled({4, 6, 5}, 1.0f)}),
               "shared by the input, the kernel and the output");
  EXPECT_ERROR(
      build_layer("EinsumDense", einsum("abc,cd->ad", {5}, nullptr), {in}, {filled({6, 5}, 1.0f)}),
      "summed over");
  EXPECT_ERROR(build_layer("EinsumDense", einsum("abc->ab", {4}, nullptr), {in}),
               "equation 'abc->ab'");
  EXPECT_ERROR(
      build_layer("EinsumDense", einsum("abc,cd->abd", {4, 5}, "e"), {in}, {filled({6, 5}, 1.0f)}),
      "bias axis 'e'");
  EXPECT_ERROR(
      build_layer("EinsumDense", einsum("abc,cd->abd", {4, 5}, "d"), {in}, {filled({6, 4}, 1.0f)}),
      "kernel");
}

TEST(EinsumDenseTest, ComputesATransposingEquation) {
  // "abc,bd->adc": contracts the middle axis and puts the kernel's axis before the input's last.
  std::vector<float> kernel{1, 2, 3, 4, 5, 6};  // (b=2, d=3)
  const auto layer = build_layer("EinsumDense", einsum("abc,bd->adc", {3, 2}, nullptr),
                                 {{kAnyDim, 2, 2}}, {{"kernel", {2, 3}, kernel}});
  Tensor x({1, 2, 2});
  for (int i = 0; i < 4; ++i) x.data()[i] = static_cast<float>(i + 1);  // x[b][c] = 2b + c + 1
  const std::vector<Dims> shapes = layer->output_shapes(std::vector<Dims>{{1, 2, 2}});
  ASSERT_EQ(shapes[0], (Dims{1, 3, 2}));
  std::vector<float> out(6), scratch(layer->scratch_floats(std::vector<Dims>{{1, 2, 2}}) + 16);
  const ConstTensor in{x.data(), x.shape()};
  const Dims out_shape{1, 3, 2};
  const MutTensor y{out.data(), out_shape};
  layer->run({std::span(&in, 1), std::span(&y, 1), scratch.data()});
  for (int d = 0; d < 3; ++d)
    for (int c = 0; c < 2; ++c) {
      const float want = (1 + c) * kernel[d] + (3 + c) * kernel[3 + d];
      EXPECT_FLOAT_EQ(out[d * 2 + c], want) << d << "," << c;
    }
}

TEST(MultiHeadAttentionTest, ChecksConfigAndShapes) {
  const Json config = {{"name", "mha"}, {"num_heads", 2}, {"key_dim", 0}};
  EXPECT_ERROR(build_layer("MultiHeadAttention", config, {{kAnyDim, 4, 6}, {kAnyDim, 5, 6}}),
               "must be positive");
  const Json axes = {{"name", "mha"}, {"num_heads", 2}, {"key_dim", 3}, {"attention_axes", {3}}};
  EXPECT_ERROR(build_layer("MultiHeadAttention", axes, {{kAnyDim, 4, 6}, {kAnyDim, 5, 6}}),
               "attention axis 3");
  const Json plain = {{"name", "mha"}, {"num_heads", 2}, {"key_dim", 3}};
  EXPECT_ERROR(build_layer("MultiHeadAttention", plain, {{kAnyDim, 4, 6}, {kAnyDim, 4, 5, 6}}),
               "same rank");
}

TEST(AttentionCallsTest, RefusesCallsThatDisagree) {
  LayerSpec layer;
  layer.class_name = "MultiHeadAttention";
  layer.name = "mha";
  LayerCall first, second;
  first.inputs = {{"q", 0, 0}};
  first.kwargs = {{"value", {"v", 0, 0}}};
  second = first;
  second.kwargs["use_causal_mask"] = true;
  layer.calls = {first, second};
  EXPECT_ERROR(normalise_attention_calls(layer), "different arguments in different calls");

  layer.calls = {first};
  layer.calls[0].kwargs["mystery"] = 3;
  EXPECT_ERROR(normalise_attention_calls(layer), "call argument 'mystery'");

  layer.calls = {first};
  normalise_attention_calls(layer);
  ASSERT_EQ(layer.calls[0].inputs.size(), 2u);
  EXPECT_EQ(layer.calls[0].inputs[1].layer, "v");
  EXPECT_EQ(layer.config["kerasrt_call"]["has_key"], false);
}

}  // namespace
}  // namespace kerasrt::test
