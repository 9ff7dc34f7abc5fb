// Recurrent layers and wrappers (SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed): config
// validation, shape propagation, and hand-computable edge cases. Numerical agreement with Keras
// is checked by the oracle fixtures and the real Keras files.
#include "layer_test_util.h"

namespace kerasrt::test {
namespace {

std::unique_ptr<Layer> build(const std::string& class_name, const Json& config,
                             const std::vector<Dims>& inputs, std::vector<Array> weights,
                             int keras_major = 2) {
  return build_layer(class_name, config, inputs, std::move(weights), keras_major);
}

// Weights of a recurrent layer with `gates` blocks; `bias_shape` empty for use_bias=False.
std::vector<Array> rnn_weights(int64_t in, int64_t units, int64_t gates, const Dims& bias_shape,
                               float value = 0.1f) {
  std::vector<Array> weights{filled({in, gates * units}, value),
                             filled({units, gates * units}, value)};
  if (!bias_shape.empty()) weights.push_back(filled(bias_shape, value));
  return weights;
}

// A SimpleRNN with one unit, linear activation and unit weights: h_t = x_t + h_{t-1}, a running
// sum.
Json running_sum_config(bool return_sequences, bool go_backwards) {
  return {{"name", "simple_rnn"},
          {"units", 1},
          {"activation", "linear"},
          {"use_bias", false},
          {"return_sequences", return_sequences},
          {"go_backwards", go_backwards}};
}
std::vector<Array> running_sum_weights() { return {filled({1, 1}, 1.0f), filled({1, 1}, 1.0f)}; }

std::vector<std::vector<float>> run(const Layer& layer, const Dims& in_shape,
                                    const std::vector<float>& input) {
  const std::vector<Dims> out_shapes = layer.output_shapes({&in_shape, 1});
  std::vector<std::vector<float>> outputs;
  for (const Dims& shape : out_shapes)
    outputs.emplace_back(static_cast<size_t>(num_elements(shape)), -999.0f);
  std::vector<MutTensor> views;
  for (size_t i = 0; i < outputs.size(); ++i) views.push_back({outputs[i].data(), out_shapes[i]});
  std::vector<float> scratch(layer.scratch_floats({&in_shape, 1}) + 1);
  const ConstTensor in{input.data(), in_shape};
  layer.run({{&in, 1}, views, scratch.data()});
  return outputs;
}

// --- shapes

TEST(Recurrent, PropagatesUnknownBatchAndTime) {
  const Dims in{kAnyDim, kAnyDim, 3};
  auto lstm = build("LSTM", {{"units", 4}, {"return_sequences", true}, {"return_state", true}},
                    {in}, rnn_weights(3, 4, 4, {16}));
  const std::vector<Dims> out = lstm->output_shapes({&in, 1});
  ASSERT_EQ(out.size(), 3u);  // output, h, c
  EXPECT_EQ(out[0], (Dims{kAnyDim, kAnyDim, 4}));
  EXPECT_EQ(out[1], (Dims{kAnyDim, 4}));
  EXPECT_EQ(out[2], (Dims{kAnyDim, 4}));

  auto gru = build("GRU", {{"units", 2}, {"return_state", true}, {"reset_after", true}}, {in},
                   rnn_weights(3, 2, 3, {2, 6}));
  const std::vector<Dims> gru_out = gru->output_shapes({&in, 1});
  ASSERT_EQ(gru_out.size(), 2u);  // output, h
  EXPECT_EQ(gru_out[0], (Dims{kAnyDim, 2}));

  auto bidi =
      build("Bidirectional",
            {{"merge_mode", nullptr},
             {"layer",
              {{"class_name", "SimpleRNN"},
               {"config", {{"units", 2}, {"return_sequences", true}, {"return_state", true}}}}}},
            {in}, [] {
              auto w = rnn_weights(3, 2, 1, {2});
              auto b = rnn_weights(3, 2, 1, {2});
              w.insert(w.end(), b.begin(), b.end());
              return w;
            }());
  const std::vector<Dims> bidi_out = bidi->output_shapes({&in, 1});
  ASSERT_EQ(bidi_out.size(), 4u);  // forward, backward, forward h, backward h
  EXPECT_EQ(bidi_out[1], (Dims{kAnyDim, kAnyDim, 2}));
  EXPECT_EQ(bidi_out[3], (Dims{kAnyDim, 2}));

  const Dims video{kAnyDim, kAnyDim, 5, 3};
  auto td =
      build("TimeDistributed", {{"layer", {{"class_name", "Dense"}, {"config", {{"units", 7}}}}}},
            {video}, {filled({3, 7}, 0.0f), filled({7}, 0.0f)});
  EXPECT_EQ(td->output_shapes({&video, 1}), (std::vector<Dims>{{kAnyDim, kAnyDim, 5, 7}}));
}

TEST(Recurrent, ChecksConcreteShapes) {
  auto lstm = build("LSTM", {{"units", 2}}, {{kAnyDim, kAnyDim, 3}}, rnn_weights(3, 2, 4, {8}));
  const Dims wrong_features{2, 5, 4}, no_steps{2, 0, 3}, rank2{2, 3};
  EXPECT_ERROR(lstm->output_shapes({&wrong_features, 1}), "expects input (batch, time, 3)");
  EXPECT_ERROR(lstm->output_shapes({&no_steps, 1}), "at least one timestep");
  EXPECT_ERROR(lstm->output_shapes({&rank2, 1}), "expects input");
}

// --- refused configurations

TEST(Recurrent, RefusesWhatItCannotHonour) {
  const Dims in{kAnyDim, 4, 3};
  EXPECT_ERROR(build("LSTM", {{"units", 2}, {"time_major", true}}, {in}, rnn_weights(3, 2, 4, {8})),
               "time_major");
  EXPECT_ERROR(build("LSTM", {{"units", 2}}, {in, {kAnyDim, 2}}, rnn_weights(3, 2, 4, {8})),
               "called with 1 initial state(s)");
  EXPECT_ERROR(
      build("SimpleRNN", {{"units", 2}}, {{kAnyDim, 4, kAnyDim}}, rnn_weights(3, 2, 1, {2})),
      "known feature dimension");
  EXPECT_ERROR(build("SimpleRNN", {{"units", 2}}, {{kAnyDim, 3}}, rnn_weights(3, 2, 1, {2})),
               "3D input");
  EXPECT_ERROR(build("LSTM", {{"units", 0}}, {in}, {}), "units must be positive");
  EXPECT_ERROR(build("LSTM", {{"units", 2}, {"activation", "no_such_thing"}}, {in},
                     rnn_weights(3, 2, 4, {8})),
               "config 'activation'");
}

TEST(Recurrent, ChecksWeightShapes) {
  const Dims in{kAnyDim, 4, 3};
  // reset_after=True needs a (2, 3u) bias; a (3u) bias belongs to reset_after=False.
  EXPECT_ERROR(build("GRU", {{"units", 2}, {"reset_after", true}}, {in}, rnn_weights(3, 2, 3, {6})),
               "bias");
  EXPECT_ERROR(
      build("GRU", {{"units", 2}, {"reset_after", false}}, {in}, rnn_weights(3, 2, 3, {2, 6})),
      "bias");
  // use_bias=False takes no bias; a leftover weight is an error.
  EXPECT_ERROR(build("LSTM", {{"units", 2}, {"use_bias", false}}, {in}, rnn_weights(3, 2, 4, {8})),
               "weight");
}

TEST(Recurrent, AcceptsStatefulAndTrainingOnlyOptions) {
  // stateful: every predict call starts from zero states (documented in rnn_common.cc).
  EXPECT_NO_THROW(build("LSTM",
                        {{"units", 2},
                         {"stateful", true},
                         {"unroll", true},
                         {"dropout", 0.5},
                         {"recurrent_dropout", 0.5},
                         {"implementation", 1},
                         {"unit_forget_bias", true}},
                        {{4, 5, 3}}, rnn_weights(3, 2, 4, {8})));
}

TEST(Bidirectional, RefusesBadConfigs) {
  const Dims in{kAnyDim, 4, 3};
  const Json lstm = {{"class_name", "LSTM"}, {"config", {{"name", "lstm"}, {"units", 2}}}};
  const auto both = [] {
    auto w = rnn_weights(3, 2, 4, {8});
    auto b = rnn_weights(3, 2, 4, {8});
    w.insert(w.end(), b.begin(), b.end());
    return w;
  };
  EXPECT_ERROR(build("Bidirectional", {{"layer", lstm}, {"merge_mode", "max"}}, {in}, both()),
               "merge_mode");
  EXPECT_ERROR(build("Bidirectional", {{"layer", lstm}, {"backward_layer", lstm}}, {in}, both()),
               "go_backwards");
  Json backward = lstm;
  backward["config"]["go_backwards"] = true;
  backward["config"]["return_sequences"] = true;
  EXPECT_ERROR(
      build("Bidirectional", {{"layer", lstm}, {"backward_layer", backward}}, {in}, both()),
      "return_sequences");
  EXPECT_ERROR(
      build("Bidirectional", {{"layer", {{"class_name", "NoSuchRNN"}, {"config", Json::object()}}}},
            {in}, {}),
      "not supported");
  // The config reader marks user classes "custom:<registered name>".
  EXPECT_ERROR(
      build("Bidirectional",
            {{"layer", {{"class_name", "custom:my_project>LSTM"}, {"config", lstm["config"]}}}},
            {in}, both()),
      "custom layer 'my_project>LSTM'");
  EXPECT_ERROR(build("Bidirectional", {{"merge_mode", "concat"}}, {in}, {}), "config 'layer'");
  // Errors inside the wrapped layer name it.
  Json bad = lstm;
  bad["config"]["time_major"] = true;
  EXPECT_ERROR(build("Bidirectional", {{"layer", bad}}, {in}, both()),
               "forward layer 'lstm' (LSTM)");
  // The backward layer's weights must be there too.
  EXPECT_ERROR(build("Bidirectional", {{"layer", lstm}}, {in}, rnn_weights(3, 2, 4, {8})),
               "weight");
}

TEST(TimeDistributed, RefusesBadInputs) {
  const Json dense = {{"class_name", "Dense"}, {"config", {{"units", 2}}}};
  EXPECT_ERROR(build("TimeDistributed", {{"layer", dense}}, {{kAnyDim, 3}},
                     {filled({3, 2}, 0), filled({2}, 0)}),
               "rank 3 or more");
  EXPECT_ERROR(build("TimeDistributed", {{"layer", dense}}, {{kAnyDim, 4, 3}},
                     {filled({5, 2}, 0), filled({2}, 0)}),
               "wrapped layer (Dense)");
}

// --- hand-computable sequences

TEST(Recurrent, GoBackwardsReturnsTheReversedSequence) {
  const Dims in{1, 3, 1};
  const std::vector<float> x{1, 2, 3};
  auto forward = build("SimpleRNN", running_sum_config(true, false), {in}, running_sum_weights());
  EXPECT_EQ(run(*forward, in, x)[0], (std::vector<float>{1, 3, 6}));
  // Consumes 3, 2, 1 and returns the sums in that order.
  auto backward = build("SimpleRNN", running_sum_config(true, true), {in}, running_sum_weights());
  EXPECT_EQ(run(*backward, in, x)[0], (std::vector<float>{3, 5, 6}));
  auto last = build("SimpleRNN", running_sum_config(false, true), {in}, running_sum_weights());
  EXPECT_EQ(run(*last, in, x)[0], (std::vector<float>{6}));
}

TEST(Bidirectional, AlignsTheBackwardSequenceWithTheForwardOne) {
  const Dims in{2, 3, 1};
  const std::vector<float> x{1, 2, 3, 10, 20, 30};
  const Json inner = {{"class_name", "SimpleRNN"}, {"config", running_sum_config(true, false)}};
  const auto weights = [] {
    auto w = running_sum_weights();
    auto b = running_sum_weights();
    w.insert(w.end(), b.begin(), b.end());
    return w;
  };
  // forward sums 1, 3, 6; backward sums (3, 5, 6) flipped to line up: 6, 5, 3.
  auto concat = build("Bidirectional", {{"layer", inner}}, {in}, weights());
  EXPECT_EQ(run(*concat, in, x)[0], (std::vector<float>{1, 6, 3, 5, 6, 3, 10, 60, 30, 50, 60, 30}));
  auto sum = build("Bidirectional", {{"layer", inner}, {"merge_mode", "sum"}}, {in}, weights());
  EXPECT_EQ(run(*sum, in, x)[0], (std::vector<float>{7, 8, 9, 70, 80, 90}));
  auto ave = build("Bidirectional", {{"layer", inner}, {"merge_mode", "ave"}}, {in}, weights());
  EXPECT_EQ(run(*ave, in, x)[0], (std::vector<float>{3.5f, 4, 4.5f, 35, 40, 45}));
  auto mul = build("Bidirectional", {{"layer", inner}, {"merge_mode", "mul"}}, {in}, weights());
  EXPECT_EQ(run(*mul, in, x)[0], (std::vector<float>{6, 15, 18, 600, 1500, 1800}));
  auto none = build("Bidirectional", {{"layer", inner}, {"merge_mode", nullptr}}, {in}, weights());
  const auto both = run(*none, in, x);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0], (std::vector<float>{1, 3, 6, 10, 30, 60}));
  EXPECT_EQ(both[1], (std::vector<float>{6, 5, 3, 60, 50, 30}));

  // Last outputs only: no flipping; both directions have seen the whole sequence.
  Json last = inner;
  last["config"]["return_sequences"] = false;
  auto last_sum = build("Bidirectional", {{"layer", last}, {"merge_mode", "sum"}}, {in}, weights());
  EXPECT_EQ(run(*last_sum, in, x)[0], (std::vector<float>{12, 120}));
}

TEST(Recurrent, ReturnsFinalStates) {
  const Dims in{1, 3, 1};
  Json config = running_sum_config(true, false);
  config["return_state"] = true;
  auto rnn = build("SimpleRNN", config, {in}, running_sum_weights());
  const auto out = run(*rnn, in, {1, 2, 3});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], (std::vector<float>{6}));
}

TEST(TimeDistributed, RunsTheInnerLayerOnEveryTimestep) {
  const Dims in{2, 3, 2};
  auto td =
      build("TimeDistributed", {{"layer", {{"class_name", "Dense"}, {"config", {{"units", 1}}}}}},
            {in}, {{"kernel", {2, 1}, {1, 10}}, {"bias", {1}, {0.5f}}});
  EXPECT_EQ(run(*td, in, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})[0],
            (std::vector<float>{21.5f, 43.5f, 65.5f, 87.5f, 109.5f, 131.5f}));
  auto dropout =
      build("TimeDistributed",
            {{"layer", {{"class_name", "Dropout"}, {"config", {{"rate", 0.5}}}}}}, {in}, {});
  EXPECT_TRUE(dropout->aliases_input());
}

// --- ConvLSTM, RNN(cell), CuDNN layers, initial states

Json conv_lstm2d_config(const std::string& data_format) {
  return {{"filters", 4},
          {"kernel_size", {3, 3}},
          {"strides", {2, 2}},
          {"padding", "same"},
          {"return_state", true},
          {"return_sequences", true},
          {"data_format", data_format}};
}

TEST(ConvLstm, PropagatesShapesInBothDataFormats) {
  const std::vector<Array> weights{filled({3, 3, 2, 16}, 0.1f), filled({3, 3, 4, 16}, 0.1f),
                                   filled({16}, 0.1f)};
  const Dims last{kAnyDim, kAnyDim, 5, 6, 2};
  auto cl = build("ConvLSTM2D", conv_lstm2d_config("channels_last"), {last}, weights);
  const std::vector<Dims> out = cl->output_shapes({&last, 1});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (Dims{kAnyDim, kAnyDim, 3, 3, 4}));
  EXPECT_EQ(out[1], (Dims{kAnyDim, 3, 3, 4}));
  const Dims first{kAnyDim, 7, 2, 5, 6};
  auto cf = build("ConvLSTM2D", conv_lstm2d_config("channels_first"), {first}, weights);
  const std::vector<Dims> out_cf = cf->output_shapes({&first, 1});
  EXPECT_EQ(out_cf[0], (Dims{kAnyDim, 7, 4, 3, 3}));
  EXPECT_EQ(out_cf[2], (Dims{kAnyDim, 4, 3, 3}));
}

TEST(ConvLstm, RefusesWhatItCannotHonour) {
  const std::vector<Array> weights{filled({3, 3, 2, 16}, 0.1f), filled({3, 3, 4, 16}, 0.1f),
                                   filled({16}, 0.1f)};
  const Json config = conv_lstm2d_config("channels_last");
  EXPECT_ERROR(build("ConvLSTM2D", config, {{kAnyDim, 3, kAnyDim, 6, 2}}, weights),
               "known spatial dimensions");
  EXPECT_ERROR(build("ConvLSTM2D", config, {{kAnyDim, 3, 6, 2}}, weights), "rank 5");
  EXPECT_ERROR(build("ConvLSTM2D", config, {{kAnyDim, 3, 5, 6, 2}, {kAnyDim, 3, 3, 4}}, weights),
               "initial states");
  EXPECT_ERROR(build("ConvLSTM1D", {{"filters", 2}, {"kernel_size", 5}}, {{kAnyDim, 3, 4, 2}}, {}),
               "shorter than the window");
  const Dims in{2, 3, 5, 6, 2};
  auto layer = build("ConvLSTM2D", config, {in}, weights);
  const Dims mask{2, 3, 5, 6};
  const std::vector<Dims> with_mask{in, mask};
  EXPECT_ERROR(layer->output_shapes(with_mask), "masks");
}

TEST(GenericRnn, BuildsCellsAndRefusesOthers) {
  const Dims in{kAnyDim, 4, 3};
  const Json lstm_cell = {{"class_name", "LSTMCell"}, {"config", {{"units", 2}}}};
  auto rnn =
      build("RNN", {{"cell", lstm_cell}, {"return_state", true}}, {in}, rnn_weights(3, 2, 4, {8}));
  EXPECT_EQ(rnn->output_shapes({&in, 1}).size(), 3u);
  const Json gru_cell = {{"class_name", "GRUCell"},
                         {"config", {{"units", 3}, {"reset_after", true}}}};
  const Json stacked = {{"class_name", "StackedRNNCells"},
                        {"config", {{"cells", {lstm_cell, gru_cell}}}}};
  std::vector<Array> weights = rnn_weights(3, 2, 4, {8});
  for (Array& w : rnn_weights(2, 3, 3, {2, 9})) weights.push_back(std::move(w));
  auto stack = build("RNN", {{"cell", stacked}, {"return_sequences", true}, {"return_state", true}},
                     {in}, weights);
  const std::vector<Dims> out = stack->output_shapes({&in, 1});
  ASSERT_EQ(out.size(), 4u);  // sequence, LSTM h and c, GRU h
  EXPECT_EQ(out[0], (Dims{kAnyDim, 4, 3}));
  EXPECT_EQ(out[2], (Dims{kAnyDim, 2}));
  EXPECT_EQ(out[3], (Dims{kAnyDim, 3}));
  EXPECT_ERROR(build("RNN", {{"cell", stacked}}, {in, {kAnyDim, 2}}, weights),
               "called with 1 initial state(s)");
  EXPECT_ERROR(
      build("RNN", {{"cell", {{"class_name", "MinimalRNNCell"}, {"config", Json::object()}}}}, {in},
            {}),
      "cell class 'MinimalRNNCell' is not supported");
  EXPECT_ERROR(build("RNN", {{"units", 2}}, {in}, {}), "config 'cell'");
}

TEST(Recurrent, StartsFromTheGivenInitialState) {
  // The running sum of running_sum_config() started at 10.
  auto layer = build("SimpleRNN", running_sum_config(true, false), {{kAnyDim, 3, 1}, {kAnyDim, 1}},
                     running_sum_weights());
  const Dims in_shape{1, 3, 1}, state_shape{1, 1};
  const std::vector<float> input{1, 2, 3}, state{10};
  const std::vector<Dims> shapes{in_shape, state_shape};
  const std::vector<Dims> out_shapes = layer->output_shapes(shapes);
  std::vector<float> out(3), scratch(layer->scratch_floats(shapes) + 1);
  const ConstTensor inputs[] = {{input.data(), in_shape}, {state.data(), state_shape}};
  const MutTensor outputs[] = {{out.data(), out_shapes[0]}};
  layer->run({inputs, outputs, scratch.data()});
  EXPECT_EQ(out, (std::vector<float>{11, 13, 16}));
  EXPECT_ERROR(
      build("Bidirectional",
            {{"layer", {{"class_name", "SimpleRNN"}, {"config", running_sum_config(1, 0)}}}},
            {{kAnyDim, 3, 1}, {kAnyDim, 1}}, {}),
      "as many initial states");
}

TEST(CuDnn, ConvertsTheWeightLayout) {
  // One unit, one input: every gate block is 1x1, so the layout change is the identity and
  // CuDNNLSTM is an LSTM whose bias is the sum of the two halves.
  const Dims in{1, 1, 1};
  auto cudnn = build("CuDNNLSTM", {{"units", 1}}, {in},
                     {filled({1, 4}, 0.5f), filled({1, 4}, 0.25f), filled({8}, 0.1f)});
  auto lstm = build("LSTM", {{"units", 1}}, {in},
                    {filled({1, 4}, 0.5f), filled({1, 4}, 0.25f), filled({4}, 0.2f)});
  EXPECT_EQ(run(*cudnn, in, {1.5f}), run(*lstm, in, {1.5f}));
  EXPECT_ERROR(build("CuDNNGRU", {{"units", 2}}, {{kAnyDim, 3, 4}}, rnn_weights(4, 2, 3, {2, 6})),
               "bias");
}

}  // namespace
}  // namespace kerasrt::test
