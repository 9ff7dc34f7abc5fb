// Convolution, pooling, padding, cropping and upsampling layers: config validation, shape
// propagation (kAnyDim), and hand-computable edge cases of TensorFlow's padding rules.
// Numerical agreement with Keras is checked by the oracle fixtures and the real Keras files.
#include "layer_test_util.h"

namespace kerasrt::test {
namespace {

std::unique_ptr<Layer> build(const std::string& class_name, const Json& config, const Dims& input,
                             std::vector<Array> weights = {}, int keras_major = 2) {
  return build_layer(class_name, config, {input}, std::move(weights), keras_major);
}

Array values(const Dims& shape, std::vector<float> data) { return {"w", shape, std::move(data)}; }

Dims output_shape(const Layer& layer, const Dims& input) {
  return layer.output_shapes({&input, 1}).at(0);
}

const Dims kAny2d{kAnyDim, kAnyDim, kAnyDim, 3};

TEST(ConvLayers, UnknownDimsPropagate) {
  auto conv = build("Conv2D", {{"filters", 4}, {"kernel_size", 3}, {"padding", "same"}}, kAny2d,
                    {filled({3, 3, 3, 4}, 1), filled({4}, 0)});
  EXPECT_EQ(output_shape(*conv, kAny2d), (Dims{kAnyDim, kAnyDim, kAnyDim, 4}));
  EXPECT_EQ(output_shape(*conv, {2, 5, 7, 3}), (Dims{2, 5, 7, 4}));

  auto pool = build("MaxPooling2D", {{"pool_size", 2}}, {kAnyDim, kAnyDim, 9, 3});
  EXPECT_EQ(output_shape(*pool, {kAnyDim, kAnyDim, 9, 3}), (Dims{kAnyDim, kAnyDim, 4, 3}));

  const Dims channels_first{kAnyDim, 3, kAnyDim, 5};
  auto pad =
      build("ZeroPadding2D", {{"padding", Json::array({1, 2})}, {"data_format", "channels_first"}},
            channels_first);
  EXPECT_EQ(output_shape(*pad, channels_first), (Dims{kAnyDim, 3, kAnyDim, 9}));
  auto up = build("UpSampling2D", {{"size", 2}, {"data_format", "channels_first"}}, channels_first);
  EXPECT_EQ(output_shape(*up, channels_first), (Dims{kAnyDim, 3, kAnyDim, 10}));
  auto global =
      build("GlobalAveragePooling2D", {{"data_format", "channels_first"}}, channels_first);
  EXPECT_EQ(output_shape(*global, channels_first), (Dims{kAnyDim, 3}));
  auto keep = build("GlobalMaxPooling1D", {{"keepdims", true}}, {kAnyDim, kAnyDim, 6});
  EXPECT_EQ(output_shape(*keep, {kAnyDim, kAnyDim, 6}), (Dims{kAnyDim, 1, 6}));
}

TEST(ConvLayers, ConfigErrorsNameTheOption) {
  const Json conv{{"filters", 4}, {"kernel_size", 3}};
  auto with = [&](const char* key, const Json& value) {
    Json config = conv;
    config[key] = value;
    return config;
  };
  const std::vector<Array> weights{filled({3, 3, 3, 4}, 1), filled({4}, 0)};
  EXPECT_ERROR(build("Conv2D", with("padding", "causal"), kAny2d, weights),
               "'padding' is 'causal'");
  EXPECT_ERROR(build("Conv2D", with("groups", 2), kAny2d, weights), "groups = 2 must divide");
  EXPECT_ERROR(build("Conv2D", with("lora_rank", 4), kAny2d, weights), "'lora_rank'");
  EXPECT_ERROR(build("Conv2D", with("strides", Json::array({1, 0})), kAny2d, weights),
               "'strides' must be positive");
  EXPECT_ERROR(build("Conv2D", with("data_format", "channels_middle"), kAny2d, weights),
               "'data_format'");
  EXPECT_ERROR(build("Conv2D", with("border_mode", "same"), kAny2d, weights),
               "Keras 1 config ('border_mode')");
  EXPECT_ERROR(build("Conv2D", conv, {kAnyDim, 5, 5, kAnyDim}, weights),
               "known number of channels");
  EXPECT_ERROR(build("Conv2D", conv, {kAnyDim, 5, 3}, weights), "expects an input of rank 4");
  EXPECT_ERROR(build("Conv2D", conv, kAny2d, {filled({3, 3, 2, 4}, 1), filled({4}, 0)}), "shape");
  EXPECT_ERROR(build("DepthwiseConv2D", {{"kernel_size", 3}, {"groups", 3}}, kAny2d, {}),
               "'groups'");
  EXPECT_ERROR(build("UpSampling2D", {{"interpolation", "sinc"}}, kAny2d),
               "'interpolation' is 'sinc'");
  EXPECT_ERROR(build("UpSampling3D", {{"interpolation", "bilinear"}}, {kAnyDim, 2, 2, 2, 1}),
               "'interpolation'");
  EXPECT_ERROR(build("ZeroPadding2D", {{"padding", Json::array({1, 2, 3})}}, kAny2d),
               "must have 2 entries");
  EXPECT_ERROR(build("Cropping1D", {{"cropping", -1}}, {kAnyDim, 5, 2}), "non-negative");
  EXPECT_ERROR(build("MaxPooling1D", {{"pool_length", 2}}, {kAnyDim, 5, 2}),
               "Keras 1 config ('pool_length')");
}

TEST(ConvLayers, ShapeErrorsAtPlanTime) {
  auto conv = build("Conv1D", {{"filters", 1}, {"kernel_size", 4}}, {kAnyDim, kAnyDim, 2},
                    {filled({4, 2, 1}, 1), filled({1}, 0)});
  EXPECT_ERROR(output_shape(*conv, {1, 3, 2}), "shorter than the window of 4");
  EXPECT_ERROR(output_shape(*conv, {1, 8, 3}), "expects 2 channels");
  auto crop = build("Cropping1D", {{"cropping", Json::array({2, 1})}}, {kAnyDim, kAnyDim, 2});
  EXPECT_ERROR(output_shape(*crop, {1, 3, 2}), "leaves nothing");
  EXPECT_EQ(output_shape(*crop, {1, 4, 2}), (Dims{1, 1, 2}));
}

TEST(ConvLayers, SamePaddingPutsTheExtraPositionAtTheEnd) {
  // Conv1D, kernel 2, "same", stride 1 over 3 steps: one padded step, after the end.
  auto conv = build("Conv1D", {{"filters", 1}, {"kernel_size", 2}, {"padding", "same"}}, {1, 3, 1},
                    {values({2, 1, 1}, {1, 10}), filled({1}, 0)});
  EXPECT_EQ(run_layer(*conv, {1, 3, 1}, {1, 2, 3}), (std::vector<float>{21, 32, 3}));
}

TEST(ConvLayers, CausalPaddingLooksOnlyBack) {
  auto conv = build(
      "Conv1D", {{"filters", 1}, {"kernel_size", 2}, {"padding", "causal"}, {"dilation_rate", 2}},
      {1, 4, 1}, {values({2, 1, 1}, {1, 10}), filled({1}, 0.5f)});
  // y[t] = x[t - 2] + 10 x[t] + 0.5
  EXPECT_EQ(run_layer(*conv, {1, 4, 1}, {1, 2, 3, 4}),
            (std::vector<float>{10.5f, 20.5f, 31.5f, 42.5f}));
}

TEST(ConvLayers, SamePoolingIgnoresPadding) {
  const Json same{{"pool_size", 2}, {"padding", "same"}};
  auto average = build("AveragePooling1D", same, {1, 3, 1});
  EXPECT_EQ(run_layer(*average, {1, 3, 1}, {1, 2, 3}),
            (std::vector<float>{1.5f, 3.0f}));  // 3 / 1, not 3 / 2
  auto max = build("MaxPooling1D", same, {1, 3, 1});
  EXPECT_EQ(run_layer(*max, {1, 3, 1}, {-1, -2, -3}),
            (std::vector<float>{-1, -3}));  // not max(-3, 0)
}

TEST(ConvLayers, GroupsSeeOnlyTheirChannels) {
  // 1x1 Conv2D, 2 groups of 1 channel -> 1 filter each, kernel (1, 1, 1, 2) = [2, 3].
  auto conv =
      build("Conv2D", {{"filters", 2}, {"kernel_size", 1}, {"groups", 2}, {"use_bias", false}},
            {1, 1, 2, 2}, {values({1, 1, 1, 2}, {2, 3})});
  EXPECT_EQ(run_layer(*conv, {1, 1, 2, 2}, {1, 10, 100, 1000}),
            (std::vector<float>{2, 30, 200, 3000}));
}

TEST(ConvLayers, DepthwiseMultiplierOrdersOutputsByChannel) {
  auto conv =
      build("DepthwiseConv2D", {{"kernel_size", 1}, {"depth_multiplier", 2}, {"use_bias", false}},
            {1, 1, 1, 2}, {values({1, 1, 2, 2}, {1, 2, 3, 4})});
  EXPECT_EQ(run_layer(*conv, {1, 1, 1, 2}, {10, 100}), (std::vector<float>{10, 20, 300, 400}));
}

TEST(ConvLayers, BilinearUpsamplingUsesHalfPixelCenters) {
  auto up = build("UpSampling2D", {{"size", Json::array({1, 2})}, {"interpolation", "bilinear"}},
                  {1, 1, 2, 1});
  EXPECT_EQ(run_layer(*up, {1, 1, 2, 1}, {0, 1}), (std::vector<float>{0, 0.25f, 0.75f, 1}));
}

TEST(ConvLayers, TransposedConvolutionSpreadsEachInput) {
  const Json valid{{"filters", 1}, {"kernel_size", 2}, {"strides", 2}, {"use_bias", false}};
  auto spread = build("Conv1DTranspose", valid, {1, 2, 1}, {values({2, 1, 1}, {1, 10})});
  EXPECT_EQ(run_layer(*spread, {1, 2, 1}, {1, 2}), (std::vector<float>{1, 10, 2, 20}));
  // "same", kernel 3, stride 2: the full output 1, 10, 100 + 2, 20, 200 is cut to 2 * 2
  // positions, dropping from the end as TensorFlow does.
  const Json same{
      {"filters", 1}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}, {"use_bias", false}};
  auto cut = build("Conv1DTranspose", same, {1, 2, 1}, {values({3, 1, 1}, {1, 10, 100})});
  EXPECT_EQ(run_layer(*cut, {1, 2, 1}, {1, 2}), (std::vector<float>{1, 10, 102, 20}));
}

TEST(ConvLayers, TransposedConvolutionShapes) {
  const Json config{{"filters", 2}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}};
  const std::vector<Array> weights{filled({3, 3, 2, 3}, 1), filled({2}, 0)};
  auto same = build("Conv2DTranspose", config, kAny2d, weights);
  EXPECT_EQ(output_shape(*same, {kAnyDim, 4, kAnyDim, 3}), (Dims{kAnyDim, 8, kAnyDim, 2}));
  Json padded = config;
  padded["output_padding"] = Json::array({1, 0});
  auto with_padding = build("Conv2DTranspose", padded, kAny2d, weights);
  EXPECT_EQ(output_shape(*with_padding, {1, 4, 4, 3}),
            (Dims{1, 8, 7, 2}));  // (4 - 1) * 2 + 3 % 2 + op
  padded["output_padding"] = 2;
  EXPECT_ERROR(build("Conv2DTranspose", padded, kAny2d, weights), "'output_padding' must be");
  EXPECT_ERROR(build("Conv2DTranspose", config, kAny2d, {filled({3, 3, 3, 2}, 1), filled({2}, 0)}),
               "shape");
}

TEST(ConvLayers, PaddingAndCroppingAreInverse) {
  const Json cf{{"data_format", "channels_first"}};
  Json pad_config = cf, crop_config = cf;
  pad_config["padding"] = Json::array({Json::array({1, 0}), Json::array({0, 2})});
  crop_config["cropping"] = pad_config["padding"];
  auto pad = build("ZeroPadding2D", pad_config, {1, 2, 1, 2});
  auto crop = build("Cropping2D", crop_config, {1, 2, 2, 4});
  const std::vector<float> padded = run_layer(*pad, {1, 2, 1, 2}, {1, 2, 3, 4});
  EXPECT_EQ(padded, (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 3, 4, 0, 0}));
  EXPECT_EQ(run_layer(*crop, {1, 2, 2, 4}, padded), (std::vector<float>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace kerasrt::test
