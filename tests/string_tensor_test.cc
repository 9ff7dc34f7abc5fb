// String tensors at a model's edges (layers/layer.h StringEncoder): how the graph builder wires
// string inputs to the layers that read them, through nested models, shared layers and several
// readers of one input, and what it refuses at load. Hashing is the string reader here; its bins
// for "A".."E" are the ones Keras's documentation prints (see hashing_test.cc).
#include <nlohmann/json.hpp>

#include "layer_test_util.h"
#include "model_writer.h"

namespace kerasrt::test {
namespace {

using Json = nlohmann::json;

Json input(const std::string& name, const std::string& dtype, int width = 1) {
  return {{"class_name", "InputLayer"},
          {"name", name},
          {"config", {{"batch_input_shape", {nullptr, width}}, {"dtype", dtype}, {"name", name}}},
          {"inbound_nodes", Json::array()}};
}

// A layer entry of a tf.keras 2 functional config; each call reads the named layers' outputs.
Json layer(const std::string& class_name, const std::string& name, Json config,
           const std::vector<std::vector<std::string>>& calls) {
  config["name"] = name;
  Json nodes = Json::array();
  for (const auto& call : calls) {
    Json node = Json::array();
    for (const std::string& from : call) node.push_back({from, 0, 0, Json::object()});
    nodes.push_back(node);
  }
  return {{"class_name", class_name}, {"name", name}, {"config", config}, {"inbound_nodes", nodes}};
}

Json functional(const std::string& name, const Json& layers, const std::vector<std::string>& ins,
                const std::vector<std::string>& outs) {
  Json inputs = Json::array(), outputs = Json::array();
  for (const std::string& n : ins) inputs.push_back({n, 0, 0});
  for (const std::string& n : outs) outputs.push_back({n, 0, 0});
  return {
      {"class_name", "Functional"},
      {"config",
       {{"name", name}, {"layers", layers}, {"input_layers", inputs}, {"output_layers", outputs}}}};
}

Model load(const Json& config) {
  const std::string path = temp_path("strings.h5");
  write_legacy_h5(path, config, {});
  return Model::load(path);
}

std::string load_error(const Json& config) {
  return error_of([&] { load(config); });
}

const Json kOneHot3 = {{"num_bins", 3}, {"output_mode", "one_hot"}};

TEST(StringTensors, ReachAStringReaderInsideANestedModel) {
  Json inner = functional(
      "inner", {input("words", "string"), layer("Hashing", "hashing", kOneHot3, {{"words"}})},
      {"words"}, {"hashing"});
  inner["name"] = "inner";
  inner["inbound_nodes"] =
      Json::array({Json::array({Json::array({"text", 0, 0, Json::object()})})});
  Json outer = functional("outer", {input("text", "string"), inner}, {"text"}, {"inner"});
  outer["config"]["output_layers"][0][1] = 1;  // Keras 2: node 0 of a nested model is its own
  const Model model = load(outer);
  ASSERT_EQ(model.inputs().size(), 1u);
  EXPECT_EQ(model.inputs()[0].dtype, DType::kString);
  EXPECT_EQ(model.outputs()[0].dtype, DType::kFloat32);
  const Tensor y = model.predict(std::vector<Tensor>{Tensor::of_strings({2, 1}, {"E", "B"})})[0];
  EXPECT_EQ(y.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(y.values(), (std::vector<float>{0, 0, 1, 1, 0, 0}));  // bins 2 and 0
}

TEST(StringTensors, OneInputFeedsSeveralReadersAndOneReaderSeveralInputs) {
  // "text" is read by two Hashing layers; the shared layer "shared" reads "text" and "other".
  const Json config = functional(
      "model",
      {input("text", "string"), input("other", "string"),
       layer("Hashing", "plain", {{"num_bins", 3}}, {{"text"}}),
       layer("Hashing", "salted", {{"num_bins", 3}, {"salt", {133, 137}}}, {{"text"}}),
       layer("Hashing", "shared", {{"num_bins", 3}}, {{"text"}, {"other"}}),
       layer("Concatenate", "concatenate", {{"axis", -1}}, {{"plain", "salted", "shared"}})},
      {"text", "other"}, {"concatenate"});
  Json patched = config;
  // The shared layer's second call reads "other": refer to it as call 1 in the concatenation.
  patched["config"]["layers"][5]["inbound_nodes"][0].push_back({"shared", 1, 0, Json::object()});
  patched["config"]["output_layers"].push_back({"shared", 1, 0});
  const Model model = load(patched);
  const Tensor text = Tensor::of_strings({5, 1}, {"A", "B", "C", "D", "E"});
  const Tensor other = Tensor::of_strings({5, 1}, {"E", "E", "D", "C", "A"});
  const std::vector<Tensor> y = model.predict(std::vector<Tensor>{text, other});
  ASSERT_EQ(y.size(), 2u);
  // Per row: plain bin, salted bin, shared(text) bin, shared(other) bin.
  EXPECT_EQ(y[0].values(),
            (std::vector<float>{1, 1, 1, 2, 0, 2, 0, 2, 1, 1, 1, 1, 1, 0, 1, 1, 2, 2, 2, 1}));
  EXPECT_EQ(y[1].values(), (std::vector<float>{2, 2, 1, 1, 1}));
}

TEST(StringTensors, RefusedAtLoadWhereTheGraphWouldNeedThem) {
  // A layer that computes on numbers.
  EXPECT_NE(load_error(functional("model",
                                  {input("text", "string"),
                                   layer("Dense", "dense", {{"units", 2}}, {{"text"}})},
                                  {"text"}, {"dense"}))
                .find("layer dense (Dense): does not take strings"),
            std::string::npos);
  // The string input itself as an output.
  EXPECT_NE(load_error(functional("model",
                                  {input("text", "string"), input("x", "float32"),
                                   layer("Hashing", "hashing", {{"num_bins", 3}}, {{"x"}})},
                                  {"text", "x"}, {"text", "hashing"}))
                .find("a model output is the string input 'text' itself"),
            std::string::npos);
  // A string mask_value cannot meet a numeric input.
  EXPECT_NE(load_error(functional("model",
                                  {input("x", "float32"),
                                   layer("Hashing", "hashing",
                                         {{"num_bins", 3}, {"mask_value", ""}}, {{"x"}})},
                                  {"x"}, {"hashing"}))
                .find("reads strings, but its input is not a string model input"),
            std::string::npos);
  // Other dtypes are not strings either.
  EXPECT_NE(load_error(functional("model", Json::array({input("c", "complex64")}), {"c"}, {"c"}))
                .find("numeric and string inputs only"),
            std::string::npos);
}

TEST(StringTensors, SummaryNamesTheStringDtype) {
  const Model model = load(functional(
      "model", {input("text", "string"), layer("Hashing", "hashing", kOneHot3, {{"text"}})},
      {"text"}, {"hashing"}));
  bool found = false;
  for (const std::string& line : summary_lines(model))
    found = found ||
            (line.find("text") != std::string::npos && line.find("string") != std::string::npos);
  EXPECT_TRUE(found);
  EXPECT_EQ(model.summary().layers.back().output_shapes[0], (Dims{kAnyDim, 3}));
}

}  // namespace
}  // namespace kerasrt::test
