// Normalization, reshaping and merge layers (and their kernels): edge cases and errors that the
// oracle fixtures do not reach — static shapes with unknown dims, refused configs, aliasing.
#include <cmath>
#include <nlohmann/json.hpp>

#include "kernels/elementwise.h"
#include "kernels/transpose.h"
#include "layer_test_util.h"
#include "model_writer.h"

namespace kerasrt::test {
namespace {

using Json = nlohmann::json;
constexpr int64_t N = kAnyDim;

// A layer built through the registry, as the graph builder does it.
struct TestLayer {
  std::unique_ptr<Layer> layer;

  TestLayer(const std::string& class_name, const Json& config, std::vector<Dims> input_shapes,
            std::vector<Array> weights = {}, int keras_major = 2) {
    layer = build_layer(class_name, config, input_shapes, std::move(weights), keras_major);
  }

  Dims shape(std::vector<Dims> inputs) const { return layer->output_shapes(inputs).at(0); }

  Tensor run(const std::vector<Tensor>& inputs) const {
    std::vector<Dims> shapes;
    std::vector<ConstTensor> views;
    for (const Tensor& t : inputs) shapes.push_back(t.shape());
    for (size_t i = 0; i < inputs.size(); ++i) views.push_back({inputs[i].data(), shapes[i]});
    const Dims out_shape = layer->output_shapes(shapes).at(0);
    Tensor out(out_shape);
    std::vector<float> scratch(layer->scratch_floats(shapes));
    const MutTensor out_view{out.data(), out_shape};
    layer->run({views, std::span<const MutTensor>(&out_view, 1), scratch.data()});
    return out;
  }
};

Tensor iota(Dims shape, float start = 0.0f) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = start + static_cast<float>(i);
  return t;
}

// ---------------------------------------------------------------- kernels

TEST(TransposeKernel, SwapsAxesAndDropsSizeOneAxes) {
  const Dims shape{2, 1, 3};
  const std::vector<float> in{0, 1, 2, 3, 4, 5};
  const std::vector<int> perm{2, 1, 0};
  std::vector<float> out(6);
  transpose(in.data(), shape, perm, out.data());
  EXPECT_EQ(out, (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(permuted_shape(shape, perm), (Dims{3, 1, 2}));
}

TEST(ElementwiseKernel, BroadcastsAlignedAtTheRight) {
  EXPECT_EQ(broadcast_shapes(Dims{2, 1, 3}, Dims{4, 1}), (Dims{2, 4, 3}));
  EXPECT_NE(error_of([] {
              broadcast_shapes(Dims{2, 3}, Dims{4});
            }).find("do not broadcast"),
            std::string::npos);
  const std::vector<float> a{1, 2, 3}, b{10, 20};
  std::vector<float> out(6);
  broadcast_binary(BinaryOp::kAdd, a.data(), Dims{1, 3}, b.data(), Dims{2, 1}, out.data(),
                   Dims{2, 3});
  EXPECT_EQ(out, (std::vector<float>{11, 12, 13, 21, 22, 23}));
}

// Every element by its own index arithmetic, for shapes of every rank up to past the broadcast's
// on-stack work space (16 axes), with size-1 axes that merge or not.
TEST(ElementwiseKernel, BroadcastMatchesIndexArithmeticAtEveryRank) {
  for (size_t rank = 1; rank <= 19; ++rank) {
    Dims out_shape(rank), a_shape(rank), b_shape(rank);
    for (size_t d = 0; d < rank; ++d) {
      out_shape[d] = rank > 8 ? 1 + static_cast<int64_t>(d % 2) : 2 + static_cast<int64_t>(d % 3);
      a_shape[d] = d % 3 == 1 ? 1 : out_shape[d];
      b_shape[d] = d % 2 == 0 ? 1 : out_shape[d];
    }
    const Tensor a = iota(a_shape, 1.0f), b = iota(b_shape, 0.5f);
    std::vector<float> out(static_cast<size_t>(num_elements(out_shape)));
    broadcast_binary(BinaryOp::kSubtract, a.data(), a_shape, b.data(), b_shape, out.data(),
                     out_shape);
    for (int64_t i = 0; i < num_elements(out_shape); ++i) {
      int64_t rest = i, a_index = 0, b_index = 0, a_stride = 1, b_stride = 1;
      for (size_t d = rank; d-- > 0;) {
        const int64_t at = rest % out_shape[d];
        rest /= out_shape[d];
        if (a_shape[d] != 1) a_index += at * a_stride;
        if (b_shape[d] != 1) b_index += at * b_stride;
        a_stride *= a_shape[d];
        b_stride *= b_shape[d];
      }
      ASSERT_EQ(out[static_cast<size_t>(i)], a.data()[a_index] - b.data()[b_index])
          << "rank " << rank << ", element " << i;
    }
  }
}

// A Transposition made once and run twice gives numpy.transpose's result both times.
TEST(TransposeKernel, PreparedTranspositionMatchesIndexArithmetic) {
  const Dims shape{3, 1, 4, 2, 5};
  const std::vector<int> perm{3, 0, 4, 1, 2};
  const Tensor in = iota(shape);
  const Dims out_shape = permuted_shape(shape, perm);
  const Transposition move(shape, perm);
  for (int round = 0; round < 2; ++round) {
    std::vector<float> out(static_cast<size_t>(in.size()), -1.0f);
    move.run(in.data(), out.data());
    for (int64_t i = 0; i < in.size(); ++i) {
      int64_t rest = i, from = 0;
      for (size_t d = out_shape.size(); d-- > 0;) {
        const int64_t at = rest % out_shape[d];
        rest /= out_shape[d];
        int64_t stride = 1;
        for (size_t e = static_cast<size_t>(perm[d]) + 1; e < shape.size(); ++e) stride *= shape[e];
        from += at * stride;
      }
      ASSERT_EQ(out[static_cast<size_t>(i)], in.data()[from]) << "element " << i;
    }
  }
}

TEST(ElementwiseKernel, MaximumAndMinimumPropagateNaN) {
  const float nan = std::nanf("");
  const std::vector<float> a{nan, 1, 5}, b{0, nan, 2};
  std::vector<float> out(3);
  for (BinaryOp op : {BinaryOp::kMaximum, BinaryOp::kMinimum}) {
    broadcast_binary(op, a.data(), Dims{3}, b.data(), Dims{3}, out.data(), Dims{3});
    EXPECT_TRUE(std::isnan(out[0]) && std::isnan(out[1]));
    EXPECT_EQ(out[2], op == BinaryOp::kMaximum ? 5.0f : 2.0f);
  }
}

// ---------------------------------------------------------------- static shapes with None

TEST(StructureShapes, UnknownDimsPropagate) {
  EXPECT_EQ(TestLayer("Flatten", Json::object(), {{N, N, 4}}).shape({{N, N, 4}}), (Dims{N, N}));
  EXPECT_EQ(TestLayer("Flatten", Json::object(), {{N}}).shape({{N}}), (Dims{N, 1}));
  EXPECT_EQ(TestLayer("Reshape", {{"target_shape", {-1, 2}}}, {{N, N, 4}}).shape({{N, N, 4}}),
            (Dims{N, N, 2}));
  EXPECT_EQ(TestLayer("Reshape", {{"target_shape", {2, -1}}}, {{N, 3, 4}}).shape({{N, 3, 4}}),
            (Dims{N, 2, 6}));
  EXPECT_EQ(TestLayer("Permute", {{"dims", {2, 1}}}, {{N, N, 3}}).shape({{N, N, 3}}),
            (Dims{N, 3, N}));
  EXPECT_EQ(TestLayer("RepeatVector", {{"n", 3}}, {{N, N}}).shape({{N, N}}), (Dims{N, 3, N}));
  EXPECT_EQ(
      TestLayer("Concatenate", {{"axis", 1}}, {{N, N, 3}, {N, 2, 3}}).shape({{N, N, 3}, {N, 2, 3}}),
      (Dims{N, N, 3}));
  EXPECT_EQ(TestLayer("Concatenate", Json::object(), {{N, 2, N}, {N, 2, 3}})
                .shape({{N, 2, N}, {N, 2, 3}}),
            (Dims{N, 2, N}));
  EXPECT_EQ(TestLayer("Add", Json::object(), {{N, N}, {N, 4, 1}}).shape({{N, N}, {N, 4, 1}}),
            (Dims{N, 4, N}));
  EXPECT_EQ(
      TestLayer("Dot", {{"axes", {2, 1}}}, {{N, N, 4}, {N, 4, 5}}).shape({{N, N, 4}, {N, 4, 5}}),
      (Dims{N, N, 5}));
  EXPECT_EQ(TestLayer("Dot", {{"axes", 1}}, {{N, 4}, {N, 4}}).shape({{N, 4}, {N, 4}}),
            (Dims{N, 1}));
}

TEST(StructureShapes, ReshapesAliasTheirInput) {
  EXPECT_TRUE(TestLayer("Flatten", Json::object(), {{N, 2, 3, 4}}).layer->aliases_input());
  EXPECT_TRUE(
      TestLayer("Flatten", {{"data_format", "channels_first"}}, {{N, 5}}).layer->aliases_input());
  EXPECT_FALSE(TestLayer("Flatten", {{"data_format", "channels_first"}}, {{N, 2, 3, 4}})
                   .layer->aliases_input());
  EXPECT_TRUE(TestLayer("Reshape", {{"target_shape", {6}}}, {{N, 2, 3}}).layer->aliases_input());
  EXPECT_TRUE(TestLayer("Permute", {{"dims", {1, 2}}}, {{N, 2, 3}}).layer->aliases_input());
  EXPECT_FALSE(TestLayer("Permute", {{"dims", {2, 1}}}, {{N, 2, 3}}).layer->aliases_input());
}

// ---------------------------------------------------------------- values

TEST(StructureValues, BatchNormalizationFoldsStatistics) {
  // (x - 1) / sqrt(3 + 1) * 2 + 1 == x
  std::vector<Array> weights{{"gamma", {1}, {2}},
                             {"beta", {1}, {1}},
                             {"moving_mean", {1}, {1}},
                             {"moving_variance", {1}, {3}}};
  const TestLayer bn("BatchNormalization", {{"epsilon", 1.0}}, {{N, 1}}, std::move(weights));
  EXPECT_EQ(bn.run({Tensor({2, 1}, {1, 2})}).values(), (std::vector<float>{1, 2}));
}

TEST(StructureValues, MergeOfOneInputAndAverage) {
  const Tensor x = iota({2, 3}, 1.0f);
  EXPECT_EQ(TestLayer("Add", Json::object(), {{N, 3}}).run({x}).values(), x.values());
  const Tensor avg =
      TestLayer("Average", Json::object(), {{N, 3}, {N, 1}}).run({x, Tensor({2, 1}, {1, 2})});
  EXPECT_EQ(avg.values(), (std::vector<float>{1, 1.5, 2, 3, 3.5, 4}));
}

TEST(StructureValues, DotOfRankTwoInputsGivesOneValuePerSample) {
  const Tensor x({2, 3}, {1, 2, 3, 4, 5, 6}), y({2, 3}, {1, 0, 1, 0, 1, 0});
  const Tensor out = TestLayer("Dot", {{"axes", -1}}, {{N, 3}, {N, 3}}).run({x, y});
  EXPECT_EQ(out.shape(), (Dims{2, 1}));
  EXPECT_EQ(out.values(), (std::vector<float>{4, 5}));
}

TEST(StructureValues, LayerScaleScalesTheLastAxis) {
  const TestLayer scale("LayerScale", {{"init_values", 1e-6}, {"projection_dim", 3}},
                        {{N, N, N, 3}}, {{"gamma", {3}, {2, 0.5f, -1}}});
  const Tensor out = scale.run({iota({1, 2, 1, 3}, 1.0f)});
  EXPECT_EQ(out.shape(), (Dims{1, 2, 1, 3}));
  EXPECT_EQ(out.values(), (std::vector<float>{2, 1, -3, 8, 2.5f, -6}));
  // offered to the layer before it as a per-channel scale on the last axis
  const FusibleOp op = scale.layer->fusible();
  EXPECT_EQ(op.kind, FusibleOp::Kind::kChannelAffine);
  EXPECT_EQ(op.axis, 3);
  EXPECT_EQ(std::vector<float>(op.scale.begin(), op.scale.end()),
            (std::vector<float>{2, 0.5f, -1}));
  EXPECT_EQ(std::vector<float>(op.shift.begin(), op.shift.end()), (std::vector<float>{0, 0, 0}));
}

// ConvNeXt's Dense -> LayerScale, which the load-time optimiser folds into one Dense: the
// model's outputs are those of the two layers run one after the other.
TEST(StructureValues, LayerScaleAfterDenseInAModel) {
  Json layers = Json::array();
  layers.push_back({{"class_name", "InputLayer"},
                    {"config", {{"name", "in"}, {"batch_input_shape", {nullptr, 2}}}}});
  layers.push_back({{"class_name", "Dense"}, {"config", {{"name", "dense"}, {"units", 3}}}});
  layers.push_back({{"class_name", "LayerScale"},
                    {"config", {{"name", "scale"}, {"init_values", 1e-6}, {"projection_dim", 3}}}});
  const std::string path = temp_path("layer_scale.h5");
  write_legacy_h5(
      path, {{"class_name", "Sequential"}, {"config", {{"name", "seq"}, {"layers", layers}}}},
      {{"dense",
        {{"dense/kernel:0", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"dense/bias:0", {3}, {1, 0, -1}}}},
       {"scale", {{"scale/Variable:0", {3}, {2, 0.5f, -1}}}}});
  const Model model = Model::load(path);
  const std::vector<Tensor> out = model.predict({Tensor({2, 2}, {1, 0, 0, 1})});
  // dense: [2, 2, 2] and [5, 5, 5]; scaled: [4, 1, -2] and [10, 2.5, -5]
  EXPECT_EQ(out.at(0).values(), (std::vector<float>{4, 1, -2, 10, 2.5f, -5}));
}

// ---------------------------------------------------------------- refused configs and shapes

void expect_error(const std::string& message, const std::string& needle) {
  EXPECT_NE(message.find(needle), std::string::npos) << "error was: '" << message << "'";
}

TEST(StructureErrors, BatchNormalization) {
  expect_error(error_of([] {
                 TestLayer("BatchNormalization", Json::object(), {{N, N}});
               }),
               "on axis 1 must be known");
  expect_error(error_of([] {
                 TestLayer("BatchNormalization", {{"axis", {1, -2}}}, {{N, 3, 4}});
               }),
               "repeats an axis");
  expect_error(error_of([] { TestLayer("BatchNormalization", {{"mode", 2}}, {{N, 3}}); }), "mode");
  // Weights of the wrong shape are caught by the reader and name the weight.
  std::vector<Array> weights{{"gamma", {4}, std::vector<float>(4)}};
  expect_error(error_of([&] {
                 TestLayer("BatchNormalization", Json::object(), {{N, 3}}, weights);
               }),
               "gamma");
  const TestLayer bn(
      "BatchNormalization", {{"center", false}, {"scale", false}}, {{N, 3}},
      {{"moving_mean", {3}, std::vector<float>(3)}, {"moving_variance", {3}, {1, 1, 1}}});
  expect_error(error_of([&] { bn.shape({{N, 4}}); }), "rank 2");
}

TEST(StructureErrors, LayerNormalization) {
  expect_error(error_of([] {
                 TestLayer("LayerNormalization", {{"axis", 0}}, {{N, 3}});
               }),
               "batch axis");
  expect_error(error_of([] {
                 TestLayer("LayerNormalization", {{"axis", 3}}, {{N, 3}});
               }),
               "out of range");
  expect_error(error_of([] {
                 TestLayer("LayerNormalization", {{"axis", Json::array()}}, {{N, 3}});
               }),
               "empty");
}

TEST(StructureErrors, Reshaping) {
  expect_error(error_of([] {
                 TestLayer("Reshape", {{"target_shape", {-1, -1}}}, {{N, 4}});
               }),
               "only one -1");
  expect_error(error_of([] { TestLayer("Reshape", Json::object(), {{N, 4}}); }), "target_shape");
  const TestLayer reshape("Reshape", {{"target_shape", {3, 4}}}, {{N, N}});
  expect_error(error_of([&] { reshape.shape({{2, 10}}); }), "cannot reshape");
  expect_error(error_of([] { TestLayer("Permute", {{"dims", {1}}}, {{N, 2, 3}}); }), "'dims'");
  expect_error(error_of([] {
                 TestLayer("Permute", {{"dims", {0, 1}}}, {{N, 2, 3}});
               }),
               "permutation");
  const TestLayer repeat("RepeatVector", {{"n", 2}}, {{N, 3}});
  expect_error(error_of([&] { repeat.shape({{N, 3, 4}}); }), "rank 2");
  expect_error(error_of([] { TestLayer("RepeatVector", Json::object(), {{N, 3}}); }), "'n'");
  const TestLayer flatten("Flatten", {{"data_format", "channels_first"}}, {{N, 2, 3}});
  expect_error(error_of([&] { flatten.shape({{N, 2, 3, 4}}); }), "rank 3");
}

TEST(StructureErrors, Merging) {
  const TestLayer add("Add", Json::object(), {{N, 3}, {N, 3}});
  expect_error(error_of([&] { add.shape({{2, 3}, {5, 3}}); }), "different batch sizes");
  expect_error(error_of([&] { add.shape({{2, 3}, {2, 4}}); }), "incompatible shapes");
  expect_error(error_of([] {
                 TestLayer("Concatenate", {{"axis", 3}}, {{N, 2, 3}, {N, 2, 3}});
               }),
               "out of range");
  const TestLayer concat("Concatenate", {{"axis", 1}}, {{N, 2, 3}, {N, 2, 3}});
  expect_error(error_of([&] { concat.shape({{N, 2, 3}, {N, 2}}); }), "except on axis");
  expect_error(error_of([] { TestLayer("Dot", Json::object(), {{N, 3}, {N, 3}}); }), "'axes'");
  expect_error(error_of([] {
                 TestLayer("Dot", {{"axes", {1, 2, 3}}}, {{N, 3}, {N, 3}});
               }),
               "2 values");
  const TestLayer dot("Dot", {{"axes", 1}}, {{N, 3}, {N, 3}});
  expect_error(error_of([&] { dot.shape({{N, 3, 2}, {N, 4}}); }), "cannot contract");
  expect_error(error_of([&] { dot.shape({{N}, {N, 4}}); }), "rank >= 2");
}

TEST(StructureErrors, LayerScale) {
  const std::vector<Array> gamma{{"gamma", {3}, {1, 1, 1}}};
  expect_error(error_of([&] {
                 TestLayer("LayerScale", {{"init_values", 0.1}}, {{N, 3}}, gamma);
               }),
               "projection_dim");
  expect_error(error_of([&] {
                 TestLayer("LayerScale", {{"projection_dim", 0}}, {{N, 3}}, gamma);
               }),
               "must be positive");
  expect_error(error_of([&] {
                 TestLayer("LayerScale", {{"projection_dim", "3"}}, {{N, 3}}, gamma);
               }),
               "projection_dim");
  expect_error(error_of([&] {
                 TestLayer("LayerScale", {{"projection_dim", 4}}, {{N, 3}}, gamma);
               }),
               "last axis is 3 long");
  expect_error(
      error_of([&] {
        TestLayer("LayerScale", {{"projection_dim", 3}, {"init_values", "x"}}, {{N, 3}}, gamma);
      }),
      "init_values");
  expect_error(error_of([&] {
                 TestLayer("LayerScale", {{"projection_dim", 3}}, {{N}}, gamma);
               }),
               "rank >= 2");
  // gamma of the wrong length, or missing
  expect_error(error_of([] {
                 TestLayer("LayerScale", {{"projection_dim", 3}}, {{N, 3}},
                           {{"gamma", {4}, std::vector<float>(4)}});
               }),
               "gamma");
  expect_error(error_of([] {
                 TestLayer("LayerScale", {{"projection_dim", 3}}, {{N, 3}});
               }),
               "gamma");
  const TestLayer scale("LayerScale", {{"projection_dim", 3}}, {{N, N, N}}, gamma);
  expect_error(error_of([&] { scale.shape({{2, 5, 4}}); }), "projection_dim");
}

}  // namespace
}  // namespace kerasrt::test
