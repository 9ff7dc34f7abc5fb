// Keras masks: how the graph builder wires them (which layers make, pass, combine, read or drop
// them), hand-computable masked recurrences, refusals, and that a model without masks carries
// none of the machinery. Numerical agreement with Keras is checked by the mask_* oracle
// fixtures and by the real Keras 2.2 Masking -> LSTM file.
#include <cmath>
#include <filesystem>

#include "graph/graph.h"
#include "graph/runtime.h"
#include "layer_test_util.h"

namespace kerasrt::test {
namespace {

// --- building small models as the format readers would describe them

LayerSpec input_layer(const std::string& name, const Dims& shape) {
  Json batch_shape = Json::array({nullptr});
  for (int64_t d : shape) batch_shape.push_back(d);
  return {"InputLayer", name,   {{"batch_input_shape", batch_shape}, {"name", name}}, true, {},
          {},           nullptr};
}

// A layer called once on the first outputs of `inputs` (layer names).
LayerSpec layer(const std::string& class_name, const std::string& name, Json config,
                const std::vector<std::string>& inputs, std::vector<Array> weights = {}) {
  config["name"] = name;
  LayerCall call;
  for (const std::string& in : inputs) call.inputs.push_back({in, 0, 0});
  return {class_name, name, std::move(config), true, {call}, std::move(weights), nullptr};
}

// `outputs`: layer names, "name#k" for output k of a layer.
LoadedSpec functional(std::vector<LayerSpec> layers, const std::vector<std::string>& inputs,
                      const std::vector<std::string>& outputs, int keras_major = 2) {
  LoadedSpec spec;
  spec.model.name = "model";
  spec.model.class_name = "Functional";
  spec.model.layers = std::move(layers);
  for (const std::string& in : inputs) spec.model.inputs.push_back({in, 0, 0});
  for (const std::string& out : outputs) {
    const size_t hash = out.find('#');
    if (hash == std::string::npos)
      spec.model.outputs.push_back({out, 0, 0});
    else
      spec.model.outputs.push_back({out.substr(0, hash), 0, std::stoi(out.substr(hash + 1))});
  }
  spec.keras = {keras_major == 2 ? "2.15.0" : "3.12.0", keras_major, "tensorflow"};
  spec.format = "h5";
  return spec;
}

// Embedding whose row v is (v + offset, ...): an embedded token is its id (plus `offset`).
LayerSpec embedding(const std::string& name, const std::string& input, bool mask_zero,
                    int64_t width = 1, float offset = 0.0f) {
  Array table{"embeddings", {10, width}, {}};
  for (int64_t v = 0; v < 10; ++v)
    for (int64_t i = 0; i < width; ++i) table.values.push_back(static_cast<float>(v) + offset);
  return layer("Embedding", name,
               {{"input_dim", 10}, {"output_dim", width}, {"mask_zero", mask_zero}}, {input},
               {table});
}

// SimpleRNN with one linear unit summing its input features: h_t = sum(x_t) + h_{t-1}.
LayerSpec running_sum(const std::string& name, const std::string& input, int64_t features = 1,
                      Json extra = {}) {
  Json config = {{"units", 1}, {"activation", "linear"}, {"use_bias", false}};
  if (extra.is_object()) config.update(extra);
  return layer("SimpleRNN", name, config, {input},
               {filled({features, 1}, 1.0f), filled({1, 1}, 1.0f)});
}

const Node& node_named(const Graph& graph, const std::string& name) {
  for (const Node& node : graph.nodes)
    if (node.name == name) return node;
  throw std::runtime_error("no node " + name);
}

size_t mask_nodes(const Graph& graph) {
  size_t count = 0;
  for (const Node& node : graph.nodes) count += node.class_name == "mask" ? 1 : 0;
  return count;
}

std::vector<Tensor> predict(const LoadedSpec& spec, const std::vector<Tensor>& inputs) {
  const detail::Runtime runtime(build_graph(spec), LoadOptions{}, "test");
  std::vector<TensorView> views;
  for (const Tensor& t : inputs) views.push_back(TensorView::of(t));
  return runtime.predict(views);
}

std::vector<float> values(const Tensor& t) { return t.values(); }

// --- which layers make, pass, read and drop masks

TEST(Masking, SupportsMaskingTable) {
  for (const char* name :
       {"Dense", "Activation", "Dropout", "SpatialDropout1D", "GaussianNoise", "BatchNormalization",
        "LayerNormalization", "ReLU", "Softmax", "Identity"})
    EXPECT_TRUE(supports_masking(name)) << name;
  for (const char* name : {"Conv1D", "Flatten", "Reshape", "GlobalMaxPooling1D", "Dot",
                           "RepeatVector", "MaxPooling1D", "Permute", "Lambda"})
    EXPECT_FALSE(supports_masking(name)) << name;
}

TEST(Masking, ReachesARecurrentLayerThroughPassingLayers) {
  const Graph graph = build_graph(functional(
      {input_layer("input_1", {5}), embedding("embedding", "input_1", true, 2),
       layer("Dense", "dense", {{"units", 1}, {"use_bias", false}}, {"embedding"},
             {filled({2, 1}, 0.5f)}),
       layer("Activation", "activation", {{"activation", "linear"}}, {"dense"}),
       layer("Dropout", "dropout", {{"rate", 0.5}}, {"activation"}), running_sum("rnn", "dropout")},
      {"input_1"}, {"rnn"}));
  const Node& embed = node_named(graph, "embedding");
  const Node& rnn = node_named(graph, "rnn");
  ASSERT_EQ(embed.outputs.size(), 2u);  // the embedding and its mask
  ASSERT_EQ(rnn.inputs.size(), 2u);     // the sequence and that mask
  EXPECT_EQ(rnn.inputs[1], embed.outputs[1]);
  EXPECT_EQ(mask_nodes(graph), 0u);  // passing a mask on costs no node
  EXPECT_EQ(graph.summary.layers.front().name, "embedding");
  EXPECT_EQ(graph.summary.layers.front().output_shapes.size(),
            1u);  // the mask is not a layer output
}

TEST(Masking, LayersWithoutMaskSupportDropIt) {
  // Embedding -> Conv1D (x + 1) -> running sum: the sum sees every step, padding included
  // (Keras 3; Keras 2 refuses to build such a model).
  const LoadedSpec spec =
      functional({input_layer("input_1", {4}), embedding("embedding", "input_1", true),
                  layer("Conv1D", "conv1d", {{"filters", 1}, {"kernel_size", 1}}, {"embedding"},
                        {filled({1, 1, 1}, 1.0f), filled({1}, 1.0f)}),
                  running_sum("rnn", "conv1d")},
                 {"input_1"}, {"rnn"}, 3);
  EXPECT_EQ(node_named(build_graph(spec), "rnn").inputs.size(), 1u);
  // Tokens 2 0 3 0: 3 + 1 + 4 + 1 (a mask would have left out the padding: 7).
  EXPECT_EQ(values(predict(spec, {Tensor({1, 4}, {2, 0, 3, 0})})[0]), (std::vector<float>{9}));
}

TEST(Masking, AModelWithoutMasksCarriesNone) {
  const auto graph_for = [](bool mask_zero) {
    return build_graph(
        functional({input_layer("input_1", {5}), embedding("embedding", "input_1", mask_zero),
                    running_sum("rnn", "embedding")},
                   {"input_1"}, {"rnn"}));
  };
  const Graph plain = graph_for(false);
  EXPECT_EQ(plain.nodes.size(), 2u);
  EXPECT_EQ(plain.static_shapes.size(), 3u);  // input, embedding, rnn: no mask tensors
  EXPECT_EQ(node_named(plain, "embedding").outputs.size(), 1u);
  EXPECT_EQ(node_named(plain, "rnn").inputs.size(), 1u);
  const Graph masked = graph_for(true);
  EXPECT_EQ(masked.nodes.size(), 2u);
  EXPECT_EQ(masked.static_shapes.size(), 4u);  // + the mask
  EXPECT_EQ(node_named(masked, "rnn").inputs.size(), 2u);
}

// --- recurrences by hand: h_t = x_t + h_{t-1} over tokens 1 0 2 0 3 (mask 1 0 1 0 1)

TEST(Masking, RecurrentLayerKeepsStateAndOutputAtMaskedSteps) {
  const auto run = [](Json extra) {
    const LoadedSpec spec =
        functional({input_layer("input_1", {5}), embedding("embedding", "input_1", true),
                    running_sum("rnn", "embedding", 1, extra)},
                   {"input_1"}, {"rnn"});
    return values(predict(spec, {Tensor({2, 5}, {1, 0, 2, 0, 3, 0, 0, 0, 0, 0})})[0]);
  };
  // Masked steps repeat the last output; the second sample is all padding.
  EXPECT_EQ(run({{"return_sequences", true}}), (std::vector<float>{1, 1, 3, 3, 6, 0, 0, 0, 0, 0}));
  EXPECT_EQ(run({{"return_sequences", true}, {"zero_output_for_mask", true}}),
            (std::vector<float>{1, 0, 3, 0, 6, 0, 0, 0, 0, 0}));
  EXPECT_EQ(run(Json::object()), (std::vector<float>{6, 0}));
  // go_backwards: steps 4..0, the mask reversed with them.
  EXPECT_EQ(run({{"return_sequences", true}, {"go_backwards", true}}),
            (std::vector<float>{3, 3, 5, 5, 6, 0, 0, 0, 0, 0}));
  // zero_output_for_mask without sequences: the last step is masked, so the output is 0.
  const LoadedSpec spec =
      functional({input_layer("input_1", {3}), embedding("embedding", "input_1", true),
                  running_sum("rnn", "embedding", 1, {{"zero_output_for_mask", true}})},
                 {"input_1"}, {"rnn"});
  EXPECT_EQ(values(predict(spec, {Tensor({1, 3}, {4, 5, 0})})[0]), (std::vector<float>{0}));
}

TEST(Masking, RecurrentSequencesPassTheMaskOnAndLastOutputsDropIt) {
  const Graph graph =
      build_graph(functional({input_layer("input_1", {4}), embedding("embedding", "input_1", true),
                              running_sum("seq", "embedding", 1, {{"return_sequences", true}}),
                              running_sum("after_seq", "seq"), running_sum("last", "embedding"),
                              layer("Softmax", "softmax", {{"axis", -1}}, {"last"})},
                             {"input_1"}, {"after_seq", "softmax"}));
  EXPECT_EQ(node_named(graph, "after_seq").inputs.size(), 2u);
  EXPECT_EQ(node_named(graph, "softmax").inputs.size(), 1u);
}

TEST(Masking, BidirectionalWithoutMergePassesTheMaskToBothSequences) {
  Json inner = {{"class_name", "SimpleRNN"},
                {"config",
                 {{"name", "rnn"},
                  {"units", 1},
                  {"activation", "linear"},
                  {"use_bias", false},
                  {"return_sequences", true}}}};
  std::vector<Array> weights{filled({1, 1}, 1.0f), filled({1, 1}, 1.0f), filled({1, 1}, 1.0f),
                             filled({1, 1}, 1.0f)};
  LayerSpec bidi = layer("Bidirectional", "bidirectional",
                         {{"layer", inner}, {"merge_mode", nullptr}}, {"embedding"}, weights);
  LayerSpec forward_sum = running_sum("forward_sum", "bidirectional");
  LayerSpec backward_sum = running_sum("backward_sum", "bidirectional");
  backward_sum.calls[0].inputs[0].tensor = 1;
  const LoadedSpec spec = functional(
      {input_layer("input_1", {4}), embedding("embedding", "input_1", true), bidi, forward_sum,
       backward_sum},
      {"input_1"}, {"bidirectional#0", "bidirectional#1", "forward_sum", "backward_sum"});
  const Graph graph = build_graph(spec);
  EXPECT_EQ(node_named(graph, "forward_sum").inputs.size(), 2u);
  EXPECT_EQ(node_named(graph, "backward_sum").inputs.size(), 2u);
  // Tokens 1 0 2 0: forward 1 0 3 0 and, aligned with it, backward 3 0 2 0 (masked steps are
  // zero: Keras forces zero_output_for_mask on the wrapped layers).
  const std::vector<Tensor> out = predict(spec, {Tensor({1, 4}, {1, 0, 2, 0})});
  EXPECT_EQ(values(out[0]), (std::vector<float>{1, 0, 3, 0}));
  EXPECT_EQ(values(out[1]), (std::vector<float>{3, 0, 2, 0}));
}

// --- combining masks

TEST(Masking, MergesCombineMasksByKerasVersion) {
  // Add(masked embedding, unmasked embedding of token + 10) -> running sum, tokens 1 0 2 3.
  const auto spec_for = [](int keras_major) {
    return functional(
        {input_layer("input_1", {4}), embedding("masked", "input_1", true),
         embedding("unmasked", "input_1", false, 1, 10.0f),
         layer("Add", "add", Json::object(), {"masked", "unmasked"}), running_sum("rnn", "add")},
        {"input_1"}, {"rnn"}, keras_major);
  };
  const Tensor tokens({1, 4}, {1, 0, 2, 3});
  // Keras 2: the AND of the masks present (here the one mask: an aliasing node, no copy), so
  // the padding step (10) is left out: 12 + 14 + 16.
  const Graph k2 = build_graph(spec_for(2));
  EXPECT_EQ(node_named(k2, "rnn").inputs.size(), 2u);
  EXPECT_TRUE(node_named(k2, "add/mask").layer->aliases_input());
  EXPECT_EQ(values(predict(spec_for(2), {tokens})[0]), (std::vector<float>{42}));
  // Keras 3: no mask unless every input has one.
  EXPECT_EQ(node_named(build_graph(spec_for(3)), "rnn").inputs.size(), 1u);
  EXPECT_EQ(values(predict(spec_for(3), {tokens})[0]), (std::vector<float>{52}));
}

TEST(Masking, Keras3MaximumReadsEveryInputsMask) {
  // Maximum(masked, unmasked): Keras 3 leaves masked values out; the unmasked input gets an
  // all-ones mask so that the layer reads one mask per input.
  const LoadedSpec spec = functional(
      {input_layer("input_1", {3}), input_layer("input_2", {3}),
       embedding("masked", "input_1", true), embedding("unmasked", "input_2", false, 1, -5.0f),
       layer("Maximum", "maximum", Json::object(), {"masked", "unmasked"})},
      {"input_1", "input_2"}, {"maximum"}, 3);
  const Graph graph = build_graph(spec);
  EXPECT_EQ(node_named(graph, "maximum").inputs.size(), 4u);
  EXPECT_EQ(node_named(graph, "maximum/ones_mask").class_name, "mask");
  // input_1 = 5 (0) 2, input_2 = -5 -4 2: at the padding step the result is input_2's -4,
  // not max(0, -4).
  const std::vector<Tensor> out =
      predict(spec, {Tensor({1, 3}, {5, 0, 2}), Tensor({1, 3}, {0, 1, 7})});
  EXPECT_EQ(values(out[0]), (std::vector<float>{5, -4, 2}));
}

TEST(Masking, ConcatenateOnTheLastAxisAndsOrOrsTheMasks) {
  // Two masked embeddings concatenated on the features; the running sum adds both features of
  // the steps the combined mask keeps.
  const auto sum_for = [](int keras_major) {
    const LoadedSpec spec =
        functional({input_layer("input_1", {4}), input_layer("input_2", {4}),
                    embedding("a", "input_1", true), embedding("b", "input_2", true),
                    layer("Concatenate", "concatenate", {{"axis", -1}}, {"a", "b"}),
                    running_sum("rnn", "concatenate", 2)},
                   {"input_1", "input_2"}, {"rnn"}, keras_major);
    return values(predict(spec, {Tensor({1, 4}, {1, 0, 2, 3}), Tensor({1, 4}, {4, 5, 0, 6})})[0]);
  };
  EXPECT_EQ(sum_for(2), (std::vector<float>{14}));  // steps 0, 3 (AND): 1+4 + 3+6
  EXPECT_EQ(sum_for(3), (std::vector<float>{21}));  // every step (OR)
}

// --- refusals

TEST(Masking, SoftmaxRefusesAMaskThatDoesNotBroadcast) {
  const LoadedSpec spec =
      functional({input_layer("input_1", {4}), embedding("embedding", "input_1", true, 3),
                  layer("Softmax", "softmax", {{"axis", -1}}, {"embedding"})},
                 {"input_1"}, {"softmax"});
  EXPECT_ERROR(build_graph(spec), "does not give the input's shape");
}

TEST(Masking, TimeDistributedRefusesATimeOnlyMaskForALayerThatReadsIt) {
  Json inner = {{"class_name", "Softmax"}, {"config", {{"name", "softmax"}, {"axis", -1}}}};
  const LoadedSpec spec =
      functional({input_layer("input_1", {4}), embedding("embedding", "input_1", true, 3),
                  layer("TimeDistributed", "time_distributed", {{"layer", inner}}, {"embedding"})},
                 {"input_1"}, {"time_distributed"});
  EXPECT_ERROR(build_graph(spec), "no axis after time");
}

// --- layers

TEST(Masking, MaskingLayerZeroesAndMasksTheMatchingSteps) {
  auto masking = build_layer("Masking", {{"mask_value", -1.0}}, {{kAnyDim, 3, 2}});
  const Dims in_shape{1, 3, 2};
  const std::vector<Dims> shapes = masking->output_shapes({&in_shape, 1});
  ASSERT_EQ(shapes.size(), 2u);
  EXPECT_EQ(shapes[1], (Dims{1, 3}));
  const std::vector<float> x{1, -1, -1, -1, 0, 2};
  std::vector<float> out(6), mask(3);
  const ConstTensor input{x.data(), in_shape};
  const MutTensor outputs[] = {{out.data(), shapes[0]}, {mask.data(), shapes[1]}};
  masking->run({{&input, 1}, outputs, nullptr});
  EXPECT_EQ(out, (std::vector<float>{1, -1, 0, 0, 0, 2}));
  EXPECT_EQ(mask, (std::vector<float>{1, 0, 1}));
}

TEST(Masking, GlobalAveragePoolingOfAFullyMaskedSampleIsNaNAsInKeras) {
  const LoadedSpec spec =
      functional({input_layer("input_1", {3}), embedding("embedding", "input_1", true, 2),
                  layer("GlobalAveragePooling1D", "gap", Json::object(), {"embedding"})},
                 {"input_1"}, {"gap"});
  const std::vector<float> out = values(predict(spec, {Tensor({2, 3}, {2, 0, 6, 0, 0, 0})})[0]);
  EXPECT_EQ(out[0], 4.0f);  // (2 + 6) / 2: the padding step is left out
  EXPECT_EQ(out[1], 4.0f);
  EXPECT_TRUE(std::isnan(out[2]) && std::isnan(out[3]));
}

// The real Keras 2.2 file (Masking -> LSTM): where the padding sits must not matter, since
// masked steps leave the state alone. (NumPy runs of the Keras equations agree with it too.)
TEST(Masking, RealKerasMaskingLstmIgnoresWherePaddingSits) {
  const auto path = shared_dir() / "keras-real/load-only/examples__masking__masking_zero_lstm.h5";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  const Model model = Model::load(path.string());
  std::vector<float> steps(7 * 42);
  for (size_t i = 0; i < steps.size(); ++i) steps[i] = std::sin(0.37f * static_cast<float>(i));
  const auto padded = [&](std::vector<int> real_at) {  // 7 real steps placed among 10
    Tensor x({1, 10, 42});
    for (size_t s = 0; s < real_at.size(); ++s)
      std::copy_n(steps.data() + s * 42, 42, x.data() + real_at[s] * 42);
    return model.predict({x})[0];
  };
  const Tensor trailing = padded({0, 1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(all_close(padded({3, 4, 5, 6, 7, 8, 9}), trailing, 1e-5, 1e-6));
  EXPECT_TRUE(all_close(padded({0, 2, 3, 5, 6, 7, 9}), trailing, 1e-5, 1e-6));
}

}  // namespace
}  // namespace kerasrt::test
